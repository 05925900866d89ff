//! Runs a scenario: the workload, the timed actions, and — for the page — a visitor's
//! commands, recorded as actions at the virtual microsecond they were given, so that a replay
//! of the recording is the same run event for event.

use std::collections::VecDeque;
use std::fmt;

use check::{check_kv, Budget, CheckResult, Verdict};
use kv::{ClientId, Op};
use raft::{NodeId, Time, MILLISECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Action, Expectation, ScenarioFile, TimedAction, Workload};
use crate::{operations, HistoryEntry, Simulator, Stats, TraceRecord, Violation};

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunVerdict {
    /// The history is linearizable and no invariant broke.
    Linearizable,
    /// The checker found no linearization of this key's operations.
    NotLinearizable {
        /// The key.
        key: String,
    },
    /// The checker ran out of budget.
    Unknown,
    /// An invariant broke and stopped the run.
    InvariantBroken(Violation),
}

impl RunVerdict {
    /// Whether the run passed (Unknown passes, as the lab's porcupine timeout does).
    pub fn passed(&self) -> bool {
        matches!(self, RunVerdict::Linearizable | RunVerdict::Unknown)
    }

    /// What this ended run shows, in a lesson's terms ([`Expectation::shown`]).
    pub fn shows(&self) -> Option<Expectation> {
        let check = match self {
            RunVerdict::Linearizable => Some(Verdict::Linearizable),
            RunVerdict::NotLinearizable { .. } => Some(Verdict::NotLinearizable),
            RunVerdict::Unknown => Some(Verdict::Unknown),
            RunVerdict::InvariantBroken(_) => None,
        };
        Expectation::shown(matches!(self, RunVerdict::InvariantBroken(_)), check, true)
    }
}

impl fmt::Display for RunVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunVerdict::Linearizable => write!(f, "linearizable"),
            RunVerdict::NotLinearizable { key } => write!(f, "NOT linearizable (key {key:?})"),
            RunVerdict::Unknown => write!(f, "unknown (the checker ran out of budget)"),
            RunVerdict::InvariantBroken(v) => {
                write!(f, "invariant broken at {} µs: {}", v.at, v.broken)
            }
        }
    }
}

/// A finished run of a scenario.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The seed.
    pub seed: u64,
    /// How it ended.
    pub verdict: RunVerdict,
    /// Every Clerk operation.
    pub history: Vec<HistoryEntry>,
    /// Virtual time reached.
    pub virtual_time: Time,
    /// The simulator's counters.
    pub stats: Stats,
}

/// A scenario being run: the simulator, the workload's Clerks, and the actions still to come.
/// A clone is a checkpoint of the whole run.
#[derive(Clone)]
pub struct Runner {
    /// The scenario, its actions in time order; the ones before `next` have been applied.
    file: ScenarioFile,
    next: usize,
    sim: Simulator,
    /// The workload's choices of operation and key.
    rng: ChaCha8Rng,
    workers: Vec<ClientId>,
    counts: Vec<u64>,
    /// Operations waiting for each scripted Clerk to finish its current one.
    queued: Vec<VecDeque<Op>>,
    end: Time,
}

/// Why a visitor's action was not carried out (nothing was recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActError {
    /// It names something that does not exist, or an operation too large.
    Invalid(String),
    /// The Clerk is still running an operation.
    ClerkBusy(usize),
    /// An invariant broke: the run has stopped.
    Stopped,
}

impl fmt::Display for ActError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActError::Invalid(why) => f.write_str(why),
            ActError::ClerkBusy(c) => write!(f, "Clerk {c} is still running an operation"),
            ActError::Stopped => f.write_str("the run has stopped: an invariant broke"),
        }
    }
}

impl std::error::Error for ActError {}

impl Runner {
    /// Starts `file` with `seed` (which replaces the file's), at virtual time 0.
    pub fn new(file: &ScenarioFile, seed: u64) -> Runner {
        let mut file = file.clone();
        file.seed = seed;
        // Stable: actions given for the same instant keep their order.
        check::sort::by_key(&mut file.actions, |a| (a.at(), 0));
        let mut sim = Simulator::new(file.sim_config(seed));
        let workers: Vec<ClientId> = match &file.workload {
            Some(w) => (0..w.clients).map(|_| sim.add_client()).collect(),
            None => Vec::new(),
        };
        let mut runner = Runner {
            end: file.duration_ms * MILLISECOND,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x7363_656e_6172_696f),
            counts: vec![0; workers.len()],
            workers,
            queued: Vec::new(),
            next: 0,
            sim,
            file,
        };
        if runner.file.clerks > 0 {
            runner.add_clerks_up_to(runner.file.clerks - 1);
        }
        for i in 0..runner.workers.len() {
            runner.next_workload_op(i);
        }
        runner
    }

    /// Runs until virtual time `until`, applying the actions due by then.
    pub fn advance_to(&mut self, until: Time) -> Result<(), Violation> {
        loop {
            let due = self.file.actions.get(self.next).map(TimedAction::at);
            let stop = due.map_or(until, |t| t.min(until));
            while let Some(done) = self.sim.run_until_completion(stop)? {
                self.completed(done.client_id);
            }
            match due {
                Some(t) if t <= until => {
                    let action = self.file.actions[self.next].action.clone();
                    self.next += 1;
                    self.apply(&action);
                }
                _ => return Ok(()),
            }
        }
    }

    /// Runs to the next instant at which something happens (every event at that instant).
    pub fn step(&mut self) -> Result<(), Violation> {
        let action = self.file.actions.get(self.next).map(TimedAction::at);
        match self.sim.next_event_time().into_iter().chain(action).min() {
            Some(t) => self.advance_to(t),
            None => Ok(()),
        }
    }

    /// Carries out a visitor's `action` now and records it. The recorded future (actions
    /// after now, kept after travelling back) forks away. What would do nothing is refused
    /// instead (isolating the leader when none leads, acting on a message no longer in flight).
    pub fn act(&mut self, action: Action) -> Result<(), ActError> {
        action.check(self.file.servers).map_err(ActError::Invalid)?;
        if self.sim.violation().is_some() {
            return Err(ActError::Stopped);
        }
        if let Some((j, _)) = action.op() {
            let busy =
                j < self.queued.len() && self.sim.clerk(self.scripted(j)).in_progress().is_some();
            if busy {
                return Err(ActError::ClerkBusy(j));
            }
        }
        if let Action::IsolateLeader { followers } = action {
            if leader_minority(&self.sim, followers).is_none() {
                return Err(ActError::Invalid("there is no leader to isolate yet".into()));
            }
        }
        if let Some(id) = action.message() {
            if !self.sim.in_flight().any(|m| m.id == id) {
                return Err(ActError::Invalid(format!("message {id} is no longer in flight")));
            }
        }
        // Events due now that an earlier action scheduled run first, as they do in a replay.
        let now = self.sim.now();
        self.advance_to(now).map_err(|_| ActError::Stopped)?;
        self.file.actions.truncate(self.next);
        self.file.actions.push(TimedAction::new(now, action.clone()));
        self.next += 1;
        self.apply(&action);
        Ok(())
    }

    /// The scenario with every action recorded so far, including any future kept after
    /// travelling back (a replay of it reproduces this run).
    pub fn file(&self) -> &ScenarioFile {
        &self.file
    }

    /// Takes the actions of `file`, a later state of this runner's recording, from where this
    /// runner stands on: the actions it has applied must be the first ones of `file` (as they
    /// are for a checkpoint taken before the recording last changed).
    pub(super) fn adopt_actions(&mut self, file: &ScenarioFile) {
        debug_assert_eq!(self.file.actions[..self.next], file.actions[..self.next]);
        self.file.actions.clone_from(&file.actions);
    }

    /// The simulator, to look at.
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// The virtual time at which the recorded actions end (0 if there are none).
    pub fn last_action_at(&self) -> Time {
        self.file.actions.last().map_or(0, TimedAction::at)
    }

    /// The Clerk id of scripted Clerk `j` (the workload's Clerks come first).
    pub fn scripted(&self, j: usize) -> ClientId {
        (self.workers.len() + j) as ClientId
    }

    /// How many Clerks run the workload (ids `0..workers`).
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Starts or stops recording the simulator's trace (a replay may skip most of it).
    pub fn set_tracing(&mut self, on: bool) {
        self.sim.set_tracing(on);
    }

    /// Takes the trace recorded since the last call.
    pub fn take_trace(&mut self) -> Vec<TraceRecord> {
        self.sim.take_trace()
    }

    /// The run's report so far, the history checked with `budget`.
    pub fn report(&self, budget: Budget) -> RunReport {
        RunReport {
            seed: self.file.seed,
            verdict: RunVerdict::of(&self.sim, budget),
            history: self.sim.history().iter().map(|e| (**e).clone()).collect(),
            virtual_time: self.sim.now(),
            stats: self.sim.stats().clone(),
        }
    }

    fn apply(&mut self, action: &Action) {
        match action {
            Action::AddClerk => self.add_clerks_up_to(self.queued.len()),
            Action::Reach { client, servers } => {
                self.add_clerks_up_to(*client);
                let c = self.scripted(*client);
                self.sim.connect_client(c, servers);
            }
            _ => match action.op() {
                Some((j, op)) => {
                    self.add_clerks_up_to(j);
                    let c = self.scripted(j);
                    if self.sim.clerk(c).in_progress().is_some() {
                        self.queued[j].push_back(op);
                    } else {
                        // An operation the Clerk refuses stays out of the history.
                        let _ = self.sim.client_start(c, op);
                    }
                }
                None => apply_action(&mut self.sim, action),
            },
        }
    }

    fn add_clerks_up_to(&mut self, j: usize) {
        while self.queued.len() <= j {
            self.sim.add_client();
            self.queued.push(VecDeque::new());
        }
    }

    /// Clerk `c` finished: a workload Clerk starts its next operation (until the scenario's
    /// end), a scripted one its next queued operation.
    fn completed(&mut self, c: ClientId) {
        if let Some(i) = self.workers.iter().position(|&w| w == c) {
            if self.sim.now() < self.end {
                self.next_workload_op(i);
            }
        } else if let Some(j) = (c as usize).checked_sub(self.workers.len()) {
            if let Some(op) = self.queued.get_mut(j).and_then(VecDeque::pop_front) {
                let _ = self.sim.client_start(c, op);
            }
        }
    }

    fn next_workload_op(&mut self, i: usize) {
        let w = self.file.workload.as_ref().expect("workers imply a workload");
        let op = workload_op(w, i, &mut self.counts[i], &mut self.rng);
        let _ = self.sim.client_start(self.workers[i], op);
    }
}

impl RunVerdict {
    /// The verdict on `sim` as it stands: its invariant violation if one broke, else the
    /// checker's verdict on its history.
    pub fn of(sim: &Simulator, budget: Budget) -> RunVerdict {
        if let Some(v) = sim.violation() {
            return RunVerdict::InvariantBroken(v.clone());
        }
        RunVerdict::of_check(&check_kv(&operations(sim.history()), budget))
    }

    /// The verdict the checker's `result` gives (the first key with no linearization named).
    pub fn of_check(result: &CheckResult) -> RunVerdict {
        match result.verdict {
            Verdict::Linearizable => RunVerdict::Linearizable,
            Verdict::Unknown => RunVerdict::Unknown,
            Verdict::NotLinearizable => {
                let key = result.keys.iter().find(|k| k.verdict == Verdict::NotLinearizable);
                RunVerdict::NotLinearizable { key: key.map(|k| k.key.clone()).unwrap_or_default() }
            }
        }
    }
}

/// Runs `file` with `seed`: the workload and the actions until `duration_ms`, then the
/// checker over the history.
pub fn run(file: &ScenarioFile, seed: u64) -> RunReport {
    let mut runner = Runner::new(file, seed);
    runner.set_tracing(false);
    // A broken invariant stops the run; the report names it.
    let _ = runner.advance_to(runner.end);
    runner.report(Budget::default())
}

/// A workload Clerk's next operation; Put and Append values are unique, so a duplicated
/// Append shows.
fn workload_op(w: &Workload, client: usize, count: &mut u64, rng: &mut ChaCha8Rng) -> Op {
    *count += 1;
    let key = w.keys[rng.random_range(0..w.keys.len())].clone();
    let value = format!("{client}.{count} ");
    let pick = rng.random_range(0..w.get + w.put + w.append);
    if pick < w.get {
        Op::get(key)
    } else if pick < w.get + w.put {
        Op::put(key, value)
    } else {
        Op::append(key, value)
    }
}

/// The current leader (of the latest term, among live servers) and `followers` others, and the
/// remaining servers; `None` if no server leads.
fn leader_minority(sim: &Simulator, followers: usize) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
    let n = sim.config().servers;
    let leader = (0..n)
        .filter_map(|s| sim.raft(s).filter(|r| r.is_leader()).map(|r| (r.term(), s)))
        .max()?
        .1;
    let mut minority = vec![leader];
    minority.extend((0..n).filter(|&s| s != leader).take(followers));
    let majority = (0..n).filter(|s| !minority.contains(s)).collect();
    Some((minority, majority))
}

/// Carries out a cluster or network action (not one that concerns a scripted Clerk).
fn apply_action(sim: &mut Simulator, action: &Action) {
    match action {
        Action::Partition { groups } => sim.partition(groups),
        Action::IsolateLeader { followers } => {
            if let Some((minority, majority)) = leader_minority(sim, *followers) {
                sim.partition(&[majority, minority]);
            }
        }
        Action::Heal => {
            sim.heal();
            let all: Vec<NodeId> = (0..sim.config().servers).collect();
            for c in 0..sim.clients() as ClientId {
                sim.connect_client(c, &all);
            }
        }
        Action::Crash { server } => sim.crash(*server),
        Action::Restart { server } => sim.restart(*server),
        Action::Disconnect { server } => sim.disconnect(*server),
        Action::Connect { server } => sim.connect(*server),
        Action::Unreliable { on } => sim.set_unreliable(*on),
        Action::LongReordering { on } => sim.set_long_reordering(*on),
        // A message that is no longer in flight has nothing left to do.
        Action::HoldMessage { message } => {
            let _ = sim.hold(*message);
        }
        Action::DeliverMessage { message } => {
            let _ = sim.deliver_now(*message);
        }
        Action::DropMessage { message } => {
            let _ = sim.drop_message(*message);
        }
        Action::DuplicateMessage { message } => {
            let _ = sim.duplicate(*message);
        }
        Action::AddClerk
        | Action::Reach { .. }
        | Action::Get { .. }
        | Action::Put { .. }
        | Action::Append { .. } => {}
    }
}
