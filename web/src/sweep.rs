//! The page's seed sweep: the scenario on screen run with other seeds ([`sim::scenario::Sweep`])
//! in slices of a few milliseconds, with the wall time it has taken for its rate and time
//! left. The page's clock is not involved: `app.rs` drives it from a timer loop that yields
//! to the browser between slices (gloo-timers), so it also runs while the cluster is paused.

use raft::{Time, MILLISECOND, SECOND};
use sim::scenario::{ScenarioFile, SeedOutcome, Sweep};

use crate::clock::now_ms;

/// The most seeds one sweep runs (the CLI runs more: `raftkv run FILE --seeds A..B`).
pub const MAX_SEEDS: u64 = 1000;
/// How far an open-ended run (the playground's hour) is swept at least; further if the run on
/// screen has gone further. Every scenario of the library ends before.
const OPEN_ENDED: Time = 60 * SECOND;

/// Who waits for a sweep to end (the API's promises).
pub type Waiter = Box<dyn FnOnce(&[SeedOutcome])>;

/// A sweep, running or done.
pub struct SweepRun {
    sweep: Sweep,
    /// When it started and, once it has, when it ended (real ms).
    started_ms: f64,
    ended_ms: Option<f64>,
    /// Counts the sweeps started on this page, this one included.
    number: u64,
    waiting: Vec<Waiter>,
    /// When the page last drew its progress (real ms), and how many seeds were done then.
    drawn: (f64, usize),
}

/// What a slice of the sweep's work leaves for the page to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slice {
    /// Nothing new to read yet: the page draws nothing (a redraw per slice would take as long
    /// as the slice's own work, frame after frame).
    Quiet,
    /// Seeds have finished since the last drawing, which is a reading pace ago.
    Progress,
    /// The sweep ended.
    Ended,
}

impl SweepRun {
    /// Starts sweeping `seeds` seeds of `file` from its own seed, each to the scenario's end;
    /// `now` is how far the run on screen has gone, and `number` counts this sweep.
    pub fn start(file: &ScenarioFile, now: Time, seeds: u64, number: u64) -> SweepRun {
        let mut file = file.clone();
        let reach = OPEN_ENDED.max(now).div_ceil(MILLISECOND);
        file.duration_ms = file.duration_ms.min(reach);
        let seeds = file.seed..file.seed.saturating_add(seeds.clamp(1, MAX_SEEDS));
        SweepRun {
            sweep: Sweep::new(&file, seeds),
            started_ms: now_ms(),
            ended_ms: None,
            number,
            waiting: Vec::new(),
            drawn: (now_ms(), 0),
        }
    }

    /// Works on it for about `budget_ms` of real time; what there is to draw after, with the
    /// progress drawn at most every `pace_ms`.
    pub fn slice(&mut self, budget_ms: f64, pace_ms: f64) -> Slice {
        let start = now_ms();
        while self.running() && now_ms() - start < budget_ms {
            self.sweep.work();
            if self.sweep.is_done() {
                self.end();
                return Slice::Ended;
            }
        }
        let (at, done) = self.drawn;
        let now = now_ms();
        if self.outcomes().len() > done && now - at >= pace_ms {
            self.drawn = (now, self.outcomes().len());
            Slice::Progress
        } else {
            Slice::Quiet
        }
    }

    /// Stops it where it has got to; whoever waits gets the outcomes so far.
    pub fn end(&mut self) {
        if self.ended_ms.is_none() {
            self.ended_ms = Some(now_ms());
        }
        for waiter in self.waiting.drain(..) {
            waiter(self.sweep.outcomes());
        }
    }

    /// Calls `waiter` with the outcomes once it ends (at once if it has).
    pub fn wait(&mut self, waiter: Waiter) {
        self.waiting.push(waiter);
        if !self.running() {
            self.end();
        }
    }

    /// Whether it is still going.
    pub fn running(&self) -> bool {
        self.ended_ms.is_none()
    }

    /// The scenario swept (with the duration each seed runs).
    pub fn file(&self) -> &ScenarioFile {
        self.sweep.file()
    }

    /// The outcomes so far, in seed order.
    pub fn outcomes(&self) -> &[SeedOutcome] {
        self.sweep.outcomes()
    }

    /// How many seeds it runs in all.
    pub fn total(&self) -> usize {
        self.sweep.total()
    }

    /// Which sweep of the page this is (1, 2, …).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Seeds done per real second, and the real seconds the rest would take at that rate.
    pub fn rate(&self) -> (f64, f64) {
        let seconds = (self.ended_ms.unwrap_or_else(now_ms) - self.started_ms) / 1000.0;
        let done = self.outcomes().len() as f64;
        let rate = if seconds > 0.0 { done / seconds } else { 0.0 };
        let left = self.total() as f64 - done;
        (rate, if rate > 0.0 { left / rate } else { f64::INFINITY })
    }
}
