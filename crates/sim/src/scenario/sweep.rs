//! A seed sweep: one scenario run with each seed of a range, as `raftkv run FILE --seeds A..B`
//! does, in slices of bounded work, so that a host that must stay responsive (the page) can
//! do a slice at a time between frames and stop after any of them.
//!
//! Each seed runs to the scenario's end, then its history is checked by the incremental
//! checker a bounded number of search steps per slice (a run whose invariants broke needs no
//! check): the verdicts are those of [`super::run`].

use std::ops::Range;

use check::{Budget, Incremental};
use raft::{Time, MILLISECOND};

use super::{RunVerdict, Runner, ScenarioFile};
use crate::operations;

/// The most virtual time a slice simulates.
const SLICE: Time = 20 * MILLISECOND;
/// The most checker search steps a slice starts (a segment's search is not cut, so a slice
/// may go over by one segment's budget).
const CHECK_STEPS: u64 = 2_000;

/// How one seed's run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// The verdict, as `raftkv run` gives it.
    pub verdict: RunVerdict,
    /// Clerk operations called.
    pub operations: usize,
    /// How many of the operations returned.
    pub returned: usize,
    /// Virtual time reached.
    pub virtual_time: Time,
}

/// The seed being run, then checked.
struct Current {
    runner: Runner,
    checker: Option<Incremental>,
}

/// A sweep over a range of seeds; see the module's documentation.
pub struct Sweep {
    file: ScenarioFile,
    seeds: Range<u64>,
    /// The next seed to start.
    next: u64,
    current: Option<Box<Current>>,
    outcomes: Vec<SeedOutcome>,
}

impl Sweep {
    /// A sweep of `file` over `seeds`; nothing runs until [`Sweep::work`].
    pub fn new(file: &ScenarioFile, seeds: Range<u64>) -> Sweep {
        Sweep { file: file.clone(), next: seeds.start, seeds, current: None, outcomes: Vec::new() }
    }

    /// Does one slice of work: starts the next seed, simulates up to 20 ms of its virtual
    /// time, or takes a bounded number of checker steps. Returns the seed's outcome when one
    /// finishes in this slice.
    pub fn work(&mut self) -> Option<&SeedOutcome> {
        let current = match &mut self.current {
            Some(current) => current,
            None if self.next < self.seeds.end => {
                let mut runner = Runner::new(&self.file, self.next);
                runner.set_tracing(false);
                self.next += 1;
                self.current.insert(Box::new(Current { runner, checker: None }))
            }
            None => return None,
        };
        let sim = current.runner.sim();
        let verdict = match &mut current.checker {
            None => {
                let end = self.file.duration_ms * MILLISECOND;
                let until = (sim.now() + SLICE).min(end);
                // A broken invariant stops the run; the verdict names it.
                let stopped = current.runner.advance_to(until).is_err();
                let sim = current.runner.sim();
                match sim.violation() {
                    Some(v) => Some(RunVerdict::InvariantBroken(v.clone())),
                    None if stopped || until >= end => {
                        let mut checker = Incremental::new(Budget::default());
                        for op in operations(sim.history()) {
                            checker.push(op);
                        }
                        current.checker = Some(checker);
                        None
                    }
                    None => None,
                }
            }
            Some(checker) => {
                checker.work(CHECK_STEPS);
                checker.verdict().map(|_| RunVerdict::of_check(&checker.result()))
            }
        }?;
        let sim = current.runner.sim();
        let history = sim.history();
        let outcome = SeedOutcome {
            seed: self.next - 1,
            verdict,
            operations: history.len(),
            returned: history.iter().filter(|e| e.ret.is_some()).count(),
            virtual_time: sim.now(),
        };
        self.current = None;
        self.outcomes.push(outcome);
        self.outcomes.last()
    }

    /// The scenario swept.
    pub fn file(&self) -> &ScenarioFile {
        &self.file
    }

    /// The outcomes so far, in seed order.
    pub fn outcomes(&self) -> &[SeedOutcome] {
        &self.outcomes
    }

    /// How many seeds the sweep runs in all.
    pub fn total(&self) -> usize {
        (self.seeds.end - self.seeds.start) as usize
    }

    /// Whether every seed has its outcome.
    pub fn is_done(&self) -> bool {
        self.outcomes.len() == self.total()
    }
}
