//! The MIT 6.824 Raft tester (`config.go`), ported onto the simulator, and the lab's Raft test
//! suite ([`raft_suite`]) written against it.
//!
//! The tester's sleeps become virtual time, and the lab's goroutines (concurrent `one()` calls,
//! churn clients) become [`Task`]s polled at their wake-up times, so a scenario reads like the
//! Go test it ports and runs in milliseconds.

pub mod kv_suite;
mod kv_tester;
pub mod raft_suite;
mod tasks;

use std::fmt;

use raft::{Index, NodeId, Term, Time, MILLISECOND, SECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use check::Verdict;

pub use kv_tester::KvTester;
use sim::{Applied, HistoryEntry, NetworkConfig, SimConfig, Simulator, Stats, Violation};
pub use tasks::Task;
use tasks::{ChurnClient, OneCall};

/// The tester's election allowance (`RaftElectionTimeout`): one second.
pub const ELECTION_TIMEOUT: Time = SECOND;
/// The lab's 2D tester snapshots when `(index + 1) % SNAPSHOT_INTERVAL == 0`.
pub const SNAPSHOT_INTERVAL: u64 = 10;
/// The 2D tests fail when a server's Raft state reaches this many bytes.
pub const MAX_LOG_SIZE: usize = 2000;

/// A failed scenario: what the tester saw, when, and the seed that replays it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The seed of the run.
    pub seed: u64,
    /// Virtual time of the failure.
    pub at: Time,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} failed at {:.3} s: {}",
            self.seed,
            self.at as f64 / SECOND as f64,
            self.message
        )
    }
}

impl std::error::Error for Failure {}

impl From<Violation> for Failure {
    fn from(v: Violation) -> Failure {
        Failure { seed: v.seed, at: v.at, message: v.broken.to_string() }
    }
}

/// The figures of a finished scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Virtual time the scenario took.
    pub virtual_time: Time,
    /// The simulator's counters.
    pub stats: Stats,
    /// The Clerks' operations (empty for the Raft suite).
    pub history: Vec<HistoryEntry>,
    /// The linearizability checker's verdict on the history, for the key/value suite.
    pub verdict: Option<Verdict>,
    /// Virtual milliseconds per operation, for the Speed scenarios.
    pub ms_per_op: Option<f64>,
}

/// A scenario of a suite.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// The Go test's name, without its `Test` prefix.
    pub name: &'static str,
    /// Runs it with a seed.
    pub run: fn(u64) -> Result<Outcome, Failure>,
}

/// The cluster shape of a lab test (`make_config(t, servers, unreliable, snapshot)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabConfig {
    /// Number of servers.
    pub servers: usize,
    /// Start with labrpc's unreliable network.
    pub unreliable: bool,
    /// Use the snapshotting applier (`applierSnap`).
    pub snapshot: bool,
    /// New leaders append a no-op. Off where the test counts exact indices, as in the lab.
    pub no_op: bool,
}

/// Whether `wait` saw the index committed or saw the term move on first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waited {
    /// At least the wanted number of servers applied this at the index.
    Committed(Applied),
    /// Some server moved past the start term: the test cannot expect its entries to commit.
    TermMovedOn,
}

/// The lab's tester (`config.go`) over a [`Simulator`].
pub struct Tester {
    sim: Simulator,
    rng: ChaCha8Rng,
    servers: usize,
    /// The tester's view of the network: which servers are in the main group.
    connected: Vec<bool>,
    tasks: Vec<Task>,
}

impl Tester {
    /// A new cluster, all connected, like `make_config`.
    pub fn new(seed: u64, lab: LabConfig) -> Tester {
        let mut config =
            SimConfig::tester(lab.servers, seed, lab.snapshot.then_some(SNAPSHOT_INTERVAL));
        config.trace = false;
        config.raft.no_op_on_election = lab.no_op;
        if lab.unreliable {
            config.network = NetworkConfig::unreliable();
        }
        Tester {
            sim: Simulator::new(config),
            // The tester's own choices draw from a stream apart from the simulator's.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6c61_6232_7465_7374),
            servers: lab.servers,
            connected: vec![true; lab.servers],
            tasks: Vec::new(),
        }
    }

    /// The simulator underneath.
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// Number of servers.
    pub fn servers(&self) -> usize {
        self.servers
    }

    /// The tester's random number generator (Go's `rand.Int`).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// A random command, like the tests' `rand.Int()`.
    pub fn random_command(&mut self) -> Vec<u8> {
        command(self.rng.random::<u64>() >> 1)
    }

    /// Fails the scenario now.
    pub fn fail<T>(&self, message: impl Into<String>) -> Result<T, Failure> {
        Err(Failure { seed: self.sim.config().seed, at: self.sim.now(), message: message.into() })
    }

    /// Ends the scenario: its figures.
    pub fn end(self) -> Outcome {
        Outcome {
            virtual_time: self.sim.now(),
            stats: self.sim.stats().clone(),
            history: Vec::new(),
            verdict: None,
            ms_per_op: None,
        }
    }

    /// Lets `duration` of virtual time pass, running background tasks when they are due.
    pub fn sleep(&mut self, duration: Time) -> Result<(), Failure> {
        let until = self.sim.now() + duration;
        self.advance(until, None)
    }

    /// Runs until `until`, polling tasks at their wake-up times; with `task`, stops as soon as
    /// that task is done.
    fn advance(&mut self, until: Time, task: Option<usize>) -> Result<(), Failure> {
        loop {
            if task.is_some_and(|t| self.tasks[t].is_done()) {
                return Ok(());
            }
            let next_wake = self.tasks.iter().filter_map(Task::wake_at).min();
            match next_wake {
                Some(at) if at <= until => {
                    self.sim.run_until(at)?;
                    self.poll_tasks()?;
                }
                _ => return Ok(self.sim.run_until(until)?),
            }
        }
    }

    fn poll_tasks(&mut self) -> Result<(), Failure> {
        let now = self.sim.now();
        let mut tasks = std::mem::take(&mut self.tasks);
        let mut result = Ok(());
        for task in tasks.iter_mut().filter(|t| t.wake_at().is_some_and(|w| w <= now)) {
            if let Err(e) = task.poll(self) {
                result = Err(e);
                break;
            }
        }
        self.tasks = tasks;
        result
    }

    /// Starts a task in the background, like a goroutine; returns its handle.
    pub fn spawn(&mut self, task: Task) -> usize {
        self.tasks.push(task);
        self.tasks.len() - 1
    }

    /// Runs until task `t` is done and returns it.
    pub fn join(&mut self, t: usize) -> Result<&Task, Failure> {
        while !self.tasks[t].is_done() {
            let until = self.tasks[t].wake_at().expect("a pending task has a wake-up time");
            self.advance(until, Some(t))?;
        }
        Ok(&self.tasks[t])
    }

    /// `one(cmd, expectedServers, retry)`: gets `cmd` committed by at least `expected`
    /// servers within 10 s, re-proposing it (with `retry`) when a try fails; returns its index.
    pub fn one(&mut self, cmd: Vec<u8>, expected: usize, retry: bool) -> Result<Index, Failure> {
        let t = self.spawn(Task::One(OneCall::new(cmd, expected, retry, self.sim.now())));
        match self.join(t)? {
            Task::One(call) => call.index().ok_or_else(|| unreachable_failure(self)),
            _ => unreachable!("task {t} is a one() call"),
        }
    }

    /// Starts a background `one()` (the lab's `go cfg.one(...)`).
    pub fn spawn_one(&mut self, cmd: Vec<u8>, expected: usize, retry: bool) -> usize {
        self.spawn(Task::One(OneCall::new(cmd, expected, retry, self.sim.now())))
    }

    /// Starts a churn client (the lab's `cfn` in `internalChurn`).
    pub fn spawn_churn_client(&mut self, me: usize) -> usize {
        let now = self.sim.now();
        self.spawn(Task::Churn(ChurnClient::new(me, now)))
    }

    /// Asks every churn client to stop at its next loop.
    pub fn stop_churn_clients(&mut self) {
        for task in &mut self.tasks {
            if let Task::Churn(c) = task {
                c.stop();
            }
        }
    }

    /// `Start(cmd)` on server `s`: its index and term if it accepted as leader.
    pub fn start(&mut self, s: NodeId, cmd: Vec<u8>) -> Option<(Index, Term)> {
        self.sim.propose(s, cmd).ok()
    }

    /// `GetState()` of server `s`: its term and whether it believes it leads.
    pub fn state(&self, s: NodeId) -> Option<(Term, bool)> {
        self.sim.raft(s).map(|r| (r.term(), r.is_leader()))
    }

    /// Whether the tester has server `s` connected.
    pub fn is_connected(&self, s: NodeId) -> bool {
        self.connected[s]
    }

    /// Whether server `s` is up (`cfg.rafts[s] != nil`).
    pub fn is_alive(&self, s: NodeId) -> bool {
        self.sim.is_alive(s)
    }

    /// Cuts server `s` off.
    pub fn disconnect(&mut self, s: NodeId) {
        self.connected[s] = false;
        self.sim.disconnect(s);
    }

    /// Reconnects server `s`.
    pub fn connect(&mut self, s: NodeId) {
        self.connected[s] = true;
        self.sim.connect(s);
    }

    /// `crash1`: disconnects server `s` and kills it; its persister survives.
    pub fn crash1(&mut self, s: NodeId) {
        self.disconnect(s);
        self.sim.crash(s);
    }

    /// `start1`: (re)starts server `s` from its persister, still disconnected.
    pub fn start1(&mut self, s: NodeId) {
        self.crash1(s);
        self.sim.restart(s);
    }

    /// Switches the unreliable network on or off.
    pub fn set_unreliable(&mut self, on: bool) {
        self.sim.set_unreliable(on);
    }

    /// Switches long reordering on or off.
    pub fn set_long_reordering(&mut self, on: bool) {
        self.sim.set_long_reordering(on);
    }

    /// RPCs sent so far (`rpcTotal`).
    pub fn rpc_total(&self) -> u64 {
        self.sim.stats().rpcs
    }

    /// Bytes sent so far (`bytesTotal`).
    pub fn bytes_total(&self) -> u64 {
        self.sim.stats().bytes
    }

    /// The largest Raft state any server has persisted (`LogSize`).
    pub fn log_size(&self) -> usize {
        (0..self.servers).map(|s| self.sim.persister(s).raft_state_size()).max().unwrap_or(0)
    }

    /// `checkOneLeader`: within ten tries of 450–550 ms, exactly one leader in the latest term
    /// with a leader among connected servers; never two in one term.
    pub fn check_one_leader(&mut self) -> Result<NodeId, Failure> {
        for _ in 0..10 {
            let ms = 450 + self.rng.random_range(0..100);
            self.sleep(ms * MILLISECOND)?;
            let mut leaders: Vec<(Term, NodeId)> = (0..self.servers)
                .filter(|&s| self.connected[s])
                .filter_map(|s| match self.state(s) {
                    Some((term, true)) => Some((term, s)),
                    _ => None,
                })
                .collect();
            leaders.sort_unstable();
            if let Some(w) = leaders.windows(2).find(|w| w[0].0 == w[1].0) {
                return self
                    .fail(format!("term {} has two leaders: {} and {}", w[0].0, w[0].1, w[1].1));
            }
            if let Some(&(_, leader)) = leaders.last() {
                return Ok(leader);
            }
        }
        self.fail("expected one leader, got none")
    }

    /// `checkTerms`: every connected server is in the same term; returns it.
    pub fn check_terms(&self) -> Result<Term, Failure> {
        let mut term = None;
        for s in (0..self.servers).filter(|&s| self.connected[s]) {
            if let Some((t, _)) = self.state(s) {
                match term {
                    None => term = Some(t),
                    Some(other) if other != t => return self.fail("servers disagree on term"),
                    Some(_) => {}
                }
            }
        }
        Ok(term.unwrap_or(0))
    }

    /// `checkNoLeader`: no connected server believes it leads.
    pub fn check_no_leader(&self) -> Result<(), Failure> {
        match (0..self.servers)
            .find(|&s| self.connected[s] && self.state(s).is_some_and(|(_, l)| l))
        {
            Some(s) => self.fail(format!(
                "expected no leader among connected servers, but {s} claims to be leader"
            )),
            None => Ok(()),
        }
    }

    /// `nCommitted(index)`: how many servers' services applied `index`, and what; fails if
    /// two applied different commands there.
    pub fn n_committed(&self, index: Index) -> Result<(usize, Option<Applied>), Failure> {
        let mut count = 0;
        let mut value: Option<&Applied> = None;
        for s in 0..self.servers {
            if let Some(applied) = self.sim.applier(s).applied_at(index) {
                if value.is_some_and(|v| v != applied) {
                    return self.fail(format!("committed values do not match: index {index}"));
                }
                value = Some(applied);
                count += 1;
            }
        }
        Ok((count, value.cloned()))
    }

    /// `wait(index, n, startTerm)`: waits (10 ms, doubling to 1 s, 30 tries) for `n` servers
    /// to apply `index`; gives up early if some server's term passes `start_term`.
    pub fn wait(
        &mut self,
        index: Index,
        n: usize,
        start_term: Option<Term>,
    ) -> Result<Waited, Failure> {
        let mut to = 10 * MILLISECOND;
        for _ in 0..30 {
            if self.n_committed(index)?.0 >= n {
                break;
            }
            self.sleep(to)?;
            if to < SECOND {
                to *= 2;
            }
            if let Some(start) = start_term {
                if (0..self.servers).any(|s| self.state(s).is_some_and(|(t, _)| t > start)) {
                    return Ok(Waited::TermMovedOn);
                }
            }
        }
        match self.n_committed(index)? {
            (nd, Some(value)) if nd >= n => Ok(Waited::Committed(value)),
            (nd, _) => self.fail(format!("only {nd} decided for index {index}; wanted {n}")),
        }
    }
}

fn unreachable_failure(tester: &Tester) -> Failure {
    Failure {
        seed: tester.sim.config().seed,
        at: tester.sim.now(),
        message: "one() ended without an index".into(),
    }
}

/// The 8-byte command for `x`, as the tests' integer commands.
pub fn command(x: u64) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

/// The integer a command was made from, if it is one.
pub fn command_value(cmd: &Applied) -> Option<u64> {
    let bytes: [u8; 8] = cmd.as_deref()?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}
