//! Checkpoints of a recorded run, for time travel: copies of the [`Runner`] taken as the run
//! goes, so that reaching a moment replays from the nearest earlier copy instead of from the
//! start. A copy runs on exactly as the original did (the simulator is deterministic), so a
//! moment reached from a checkpoint is the moment a replay from the start reaches.
//!
//! Memory stays bounded: there are never more than `max` checkpoints, nor more than
//! `max_bytes` of them (as [`crate::Simulator::approx_bytes`] counts). When one more would
//! pass either bound, every other one is dropped and the spacing doubles, so an hour-long run
//! keeps as many as a minute-long one, spread over the whole of it.

use raft::Time;

use super::{Runner, ScenarioFile};

/// The first spacing between checkpoints, in simulated events: replaying this many takes a
/// few milliseconds in the browser.
pub const DEFAULT_EVERY: u64 = 20_000;
/// The most checkpoints kept at once.
pub const DEFAULT_MAX: usize = 32;
/// The most bytes of checkpoints kept at once (roughly: see [`crate::Simulator::approx_bytes`]).
/// A lab scenario's checkpoint is ~1.5 MB: at 32 MB, an hour of
/// PersistPartitionUnreliableLinearizable3A kept 15 and a travel took up to 40 ms in the
/// browser; at 64 MB it keeps 29 and takes at most 18 ms (scripts/browser-bench.sh).
pub const DEFAULT_MAX_BYTES: usize = 64 << 20;

/// Checkpoints of one recorded run, each a [`Runner`] with whatever the caller keeps beside
/// it (the page keeps what it remembers of the trace), in time order, the first at time 0.
#[derive(Clone)]
pub struct Checkpoints<T> {
    /// Each with its size in bytes.
    taken: Vec<(Runner, T, usize)>,
    /// Events between checkpoints.
    every: u64,
    max: usize,
    max_bytes: usize,
}

impl<T: Clone> Checkpoints<T> {
    /// Checkpoints of the run that starts as `start` (the first checkpoint), taken every
    /// [`DEFAULT_EVERY`] events, at most [`DEFAULT_MAX`].
    pub fn new(start: &Runner, extra: &T) -> Checkpoints<T> {
        Checkpoints::with_spacing(start, extra, DEFAULT_EVERY, DEFAULT_MAX)
    }

    /// The same with a spacing of `every` events and at most `max` (at least 2) kept, and
    /// [`DEFAULT_MAX_BYTES`].
    pub fn with_spacing(start: &Runner, extra: &T, every: u64, max: usize) -> Checkpoints<T> {
        let mut c = Checkpoints {
            taken: Vec::new(),
            every: every.max(1),
            max: max.max(2),
            max_bytes: DEFAULT_MAX_BYTES,
        };
        c.push(start, extra);
        c
    }

    /// Takes a checkpoint of `runner` if it has run `every` events since the last one. Call
    /// it as the run goes (the page does every frame); `extra` is cloned only when one is
    /// taken.
    pub fn observe(&mut self, runner: &Runner, extra: impl FnOnce() -> T) {
        let last = &self.taken.last().expect("the start is always kept").0;
        if runner.sim().stats().events < last.sim().stats().events + self.every
            || runner.sim().now() <= last.sim().now()
        {
            return;
        }
        let bytes = runner.sim().approx_bytes();
        while self.taken.len() > 1
            && (self.taken.len() == self.max || self.bytes() + bytes > self.max_bytes)
        {
            // Keep the start and every other one after it; space the next ones twice as far.
            let mut i = 0;
            self.taken.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every *= 2;
        }
        self.push(runner, &extra());
    }

    fn push(&mut self, runner: &Runner, extra: &T) {
        let mut copy = runner.clone();
        // The trace not yet taken belongs to the original's reader.
        copy.take_trace();
        let bytes = copy.sim().approx_bytes();
        self.taken.push((copy, extra.clone(), bytes));
    }

    /// Roughly how many bytes the checkpoints hold.
    pub fn bytes(&self) -> usize {
        self.taken.iter().map(|(_, _, b)| b).sum()
    }

    /// A copy of the latest checkpoint at or before `at`, with the actions of `file` (the
    /// recording as it is now, whose actions up to that checkpoint are the ones it ran).
    pub fn before(&self, at: Time, file: &ScenarioFile) -> (Runner, T) {
        let i = self.taken.partition_point(|(r, ..)| r.sim().now() <= at).max(1) - 1;
        let (runner, extra, _) = &self.taken[i];
        let mut runner = runner.clone();
        runner.adopt_actions(file);
        (runner, extra.clone())
    }

    /// The recording was changed at `at` (a visitor acted there): the checkpoints after it
    /// show a future that is gone.
    pub fn forget_after(&mut self, at: Time) {
        let keep = self.taken.partition_point(|(r, ..)| r.sim().now() <= at).max(1);
        self.taken.truncate(keep);
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.taken.len()
    }

    /// Never true: the start is always kept.
    pub fn is_empty(&self) -> bool {
        self.taken.is_empty()
    }

    /// The spacing now, in events.
    pub fn every(&self) -> u64 {
        self.every
    }

    /// The virtual time of each checkpoint.
    pub fn times(&self) -> impl Iterator<Item = Time> + '_ {
        self.taken.iter().map(|(r, ..)| r.sim().now())
    }
}
