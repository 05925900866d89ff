//! Scenario files: a whole run as data — cluster, network, snapshots, deliberate bugs,
//! a workload of Clerks, and timed actions — in TOML (for people) or JSON (for the page).
//!
//! ```toml
//! name = "Two leaders"
//! description = "The old leader, cut off in a minority, keeps believing it leads."
//! servers = 5
//! seed = 1
//! duration_ms = 8000
//! max_raft_state = 1000        # bytes; leave out for -1 (never snapshot)
//! unsafe = ["local_reads"]     # local_reads | no_dedup | forget_voted_for
//!
//! [network]
//! unreliable = false           # labrpc: 10 % of requests and replies lost, up to 26 ms extra
//! long_reordering = false
//! min_delay_us = 100
//! max_delay_us = 1000
//!
//! [raft]
//! election_timeout_ms = [300, 500]
//! heartbeat_ms = 100
//! no_op = true
//!
//! [workload]                   # Clerks that run operations back to back
//! clients = 3
//! keys = ["a", "b"]
//! get = 50                     # relative weights
//! put = 10
//! append = 40
//!
//! [[actions]]
//! at_ms = 1000
//! do = "partition"             # partition | isolate_leader | heal | crash | restart |
//! groups = [[0, 1], [2, 3, 4]] # disconnect | connect | unreliable | long_reordering |
//!                              # get | put | append
//!
//! [[actions]]
//! at_ms = 1500
//! do = "put"                   # scripted Clerks are numbered from 0, apart from the workload's
//! client = 0
//! key = "a"
//! value = "1"
//! ```

use std::collections::VecDeque;
use std::fmt;

use check::{check_kv, Budget, Verdict};
use kv::{ClientId, KvConfig, Op};
use raft::{NodeId, Time, MILLISECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{
    operations, HistoryEntry, NetworkConfig, ServiceConfig, SimConfig, Simulator, Stats, Violation,
};

/// The most servers a scenario may have.
pub const MAX_SERVERS: usize = 9;
/// The most Clerks a scenario may have.
pub const MAX_CLIENTS: usize = 64;

/// A scenario, as written in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// A short title.
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// Number of servers.
    pub servers: usize,
    /// The seed (a run may override it).
    #[serde(default)]
    pub seed: u64,
    /// How long to run, in virtual milliseconds.
    pub duration_ms: u64,
    /// Snapshot threshold in bytes; absent: never (the lab's -1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_raft_state: Option<usize>,
    /// Deliberate bugs to switch on.
    #[serde(default, rename = "unsafe")]
    pub unsafe_modes: Vec<UnsafeMode>,
    /// The network model.
    #[serde(default)]
    pub network: NetworkSpec,
    /// Raft's timing.
    #[serde(default)]
    pub raft: RaftSpec,
    /// Clerks running operations back to back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<Workload>,
    /// Things that happen at given times.
    #[serde(default)]
    pub actions: Vec<TimedAction>,
}

/// A deliberate bug, for lessons in what the checker and the invariants catch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsafeMode {
    /// A leader answers Get from its own map, without the log.
    LocalReads,
    /// No de-duplication: a retried Append can apply twice.
    NoDedup,
    /// Raft does not persist `voted_for`.
    ForgetVotedFor,
}

/// The network section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// labrpc's unreliable mode.
    #[serde(default)]
    pub unreliable: bool,
    /// labrpc's long reordering of replies.
    #[serde(default)]
    pub long_reordering: bool,
    /// Shortest one-way delay, µs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_delay_us: Option<Time>,
    /// Longest one-way delay (before unreliable extras), µs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_us: Option<Time>,
}

/// The Raft section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaftSpec {
    /// Election timeouts are drawn from this range, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_timeout_ms: Option<[u64; 2]>,
    /// Heartbeat interval, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_ms: Option<u64>,
    /// New leaders append a no-op entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_op: Option<bool>,
}

/// Clerks that run random operations back to back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// How many.
    pub clients: usize,
    /// The keys they use.
    pub keys: Vec<String>,
    /// Relative weight of Get.
    #[serde(default = "default_get")]
    pub get: u32,
    /// Relative weight of Put.
    #[serde(default = "default_put")]
    pub put: u32,
    /// Relative weight of Append.
    #[serde(default = "default_append")]
    pub append: u32,
}

fn default_get() -> u32 {
    50
}
fn default_put() -> u32 {
    10
}
fn default_append() -> u32 {
    40
}

/// An action and when it happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedAction {
    /// Virtual time, ms.
    pub at_ms: u64,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// Something a scenario does to the cluster or asks of a Clerk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Split the servers into groups (others are cut off alone).
    Partition {
        /// The groups.
        groups: Vec<Vec<NodeId>>,
    },
    /// Cut the current leader off in a minority with `followers` other servers (the lowest
    /// numbered); the rest form the majority. Nothing happens if no server leads.
    IsolateLeader {
        /// How many followers stay with it.
        #[serde(default)]
        followers: usize,
    },
    /// Reconnect every server.
    Heal,
    /// Crash a server.
    Crash {
        /// Which.
        server: NodeId,
    },
    /// Restart a server from its persister.
    Restart {
        /// Which.
        server: NodeId,
    },
    /// Cut one server off.
    Disconnect {
        /// Which.
        server: NodeId,
    },
    /// Reconnect one server.
    Connect {
        /// Which.
        server: NodeId,
    },
    /// labrpc's unreliable mode on or off.
    Unreliable {
        /// On?
        on: bool,
    },
    /// Long reordering on or off.
    LongReordering {
        /// On?
        on: bool,
    },
    /// A scripted Clerk's Get.
    Get {
        /// Which scripted Clerk.
        client: usize,
        /// The key.
        key: String,
    },
    /// A scripted Clerk's Put.
    Put {
        /// Which scripted Clerk.
        client: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A scripted Clerk's Append.
    Append {
        /// Which scripted Clerk.
        client: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
}

/// A scenario file that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl Action {
    fn op(&self) -> Option<(usize, Op)> {
        match self {
            Action::Get { client, key } => Some((*client, Op::get(key.clone()))),
            Action::Put { client, key, value } => {
                Some((*client, Op::put(key.clone(), value.clone())))
            }
            Action::Append { client, key, value } => {
                Some((*client, Op::append(key.clone(), value.clone())))
            }
            _ => None,
        }
    }
}

impl ScenarioFile {
    /// Reads TOML; errors name the line and the field.
    pub fn from_toml(text: &str) -> Result<ScenarioFile, ScenarioError> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError(e.to_string()))?;
        file.validate()?;
        Ok(file)
    }

    /// Reads JSON; errors name the line and column.
    pub fn from_json(text: &str) -> Result<ScenarioFile, ScenarioError> {
        let file: ScenarioFile =
            serde_json::from_str(text).map_err(|e| ScenarioError(e.to_string()))?;
        file.validate()?;
        Ok(file)
    }

    /// Writes TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario serialises")
    }

    /// Writes JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a scenario serialises")
    }

    /// Checks what the format cannot: server and client numbers, sizes, times.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let err = |m: String| Err(ScenarioError(m));
        if !(1..=MAX_SERVERS).contains(&self.servers) {
            return err(format!("servers: {} is not between 1 and {MAX_SERVERS}", self.servers));
        }
        if self.duration_ms == 0 {
            return err("duration_ms: must be more than 0".into());
        }
        if let Some([lo, hi]) = self.raft.election_timeout_ms {
            if lo == 0 || lo >= hi {
                return err(format!(
                    "raft.election_timeout_ms: [{lo}, {hi}] is not a range of positive times"
                ));
            }
        }
        if self.raft.heartbeat_ms == Some(0) {
            return err("raft.heartbeat_ms: must be more than 0".into());
        }
        if let (Some(lo), Some(hi)) = (self.network.min_delay_us, self.network.max_delay_us) {
            if lo > hi {
                return err(format!("network: min_delay_us {lo} is above max_delay_us {hi}"));
            }
        }
        if let Some(w) = &self.workload {
            if w.clients > MAX_CLIENTS {
                return err(format!("workload.clients: {} is more than {MAX_CLIENTS}", w.clients));
            }
            if w.clients > 0 && w.keys.is_empty() {
                return err("workload.keys: give at least one key".into());
            }
            if w.get + w.put + w.append == 0 {
                return err("workload: the weights get, put and append are all 0".into());
            }
            for key in &w.keys {
                Op::get(key.clone())
                    .validate()
                    .map_err(|e| ScenarioError(format!("workload.keys: {e}")))?;
            }
        }
        for (i, a) in self.actions.iter().enumerate() {
            let server_ok = |s: &NodeId| *s < self.servers;
            let bad_server = match &a.action {
                Action::Crash { server }
                | Action::Restart { server }
                | Action::Disconnect { server }
                | Action::Connect { server } => (!server_ok(server)).then_some(*server),
                Action::Partition { groups } => {
                    groups.iter().flatten().find(|s| !server_ok(s)).copied()
                }
                _ => None,
            };
            if let Some(s) = bad_server {
                return err(format!(
                    "actions[{i}]: server {s} does not exist (servers = {})",
                    self.servers
                ));
            }
            if let Action::Partition { groups } = &a.action {
                let mut seen = vec![false; self.servers];
                for &s in groups.iter().flatten() {
                    if std::mem::replace(&mut seen[s], true) {
                        return err(format!("actions[{i}]: server {s} is in two groups"));
                    }
                }
            }
            if let Some((client, op)) = a.action.op() {
                if client >= MAX_CLIENTS {
                    return err(format!(
                        "actions[{i}]: client {client} is more than {MAX_CLIENTS}"
                    ));
                }
                op.validate().map_err(|e| ScenarioError(format!("actions[{i}]: {e}")))?;
            }
        }
        Ok(())
    }

    /// The simulator configuration this scenario asks for, with `seed`.
    pub fn sim_config(&self, seed: u64) -> SimConfig {
        let mut config = SimConfig::new(self.servers, seed);
        let mut network = if self.network.unreliable {
            NetworkConfig::unreliable()
        } else {
            NetworkConfig::reliable()
        };
        network.long_reordering = self.network.long_reordering;
        network.min_delay = self.network.min_delay_us.unwrap_or(network.min_delay);
        network.max_delay =
            self.network.max_delay_us.unwrap_or(network.max_delay).max(network.min_delay);
        config.network = network;
        if let Some([lo, hi]) = self.raft.election_timeout_ms {
            config.raft.election_timeout_min = lo * MILLISECOND;
            config.raft.election_timeout_max = hi * MILLISECOND;
        }
        if let Some(hb) = self.raft.heartbeat_ms {
            config.raft.heartbeat_interval = hb * MILLISECOND;
        }
        if let Some(no_op) = self.raft.no_op {
            config.raft.no_op_on_election = no_op;
        }
        let has = |m| self.unsafe_modes.contains(&m);
        config.raft.unsafe_forget_voted_for = has(UnsafeMode::ForgetVotedFor);
        config.service = ServiceConfig::Kv(KvConfig {
            max_raft_state: self.max_raft_state,
            unsafe_local_reads: has(UnsafeMode::LocalReads),
            unsafe_no_dedup: has(UnsafeMode::NoDedup),
        });
        config
    }
}

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

/// Runs `file` with `seed`: the workload and the actions until `duration_ms`, then the
/// checker over the history.
pub fn run(file: &ScenarioFile, seed: u64) -> RunReport {
    let mut sim = Simulator::new(file.sim_config(seed));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7363_656e_6172_696f);
    let end = file.duration_ms * MILLISECOND;
    let workers: Vec<ClientId> = match &file.workload {
        Some(w) => (0..w.clients).map(|_| sim.add_client()).collect(),
        None => Vec::new(),
    };
    let scripted =
        file.actions.iter().filter_map(|a| a.action.op()).map(|(c, _)| c + 1).max().unwrap_or(0);
    let script_clients: Vec<ClientId> = (0..scripted).map(|_| sim.add_client()).collect();
    let mut queued: Vec<VecDeque<Op>> = vec![VecDeque::new(); scripted];
    let mut counts = vec![0u64; workers.len()];
    let mut actions: Vec<&TimedAction> = file.actions.iter().collect();
    actions.sort_by_key(|a| a.at_ms);
    let mut actions = actions.into_iter().peekable();

    let result = (|| -> Result<(), Violation> {
        if let Some(w) = &file.workload {
            for (i, &c) in workers.iter().enumerate() {
                let op = workload_op(w, i, &mut counts[i], &mut rng);
                let _ = sim.client_start(c, op);
            }
        }
        loop {
            let next_action = actions.peek().map(|a| a.at_ms * MILLISECOND);
            let until = next_action.map_or(end, |t| t.min(end));
            while let Some(done) = sim.run_until_completion(until)? {
                if let Some(i) = workers.iter().position(|&c| c == done.client_id) {
                    if sim.now() < end {
                        let w = file.workload.as_ref().expect("workers imply a workload");
                        let op = workload_op(w, i, &mut counts[i], &mut rng);
                        let _ = sim.client_start(done.client_id, op);
                    }
                } else if let Some(j) = script_clients.iter().position(|&c| c == done.client_id) {
                    if let Some(op) = queued[j].pop_front() {
                        let _ = sim.client_start(done.client_id, op);
                    }
                }
            }
            if sim.now() >= end {
                return Ok(());
            }
            while actions.peek().is_some_and(|a| a.at_ms * MILLISECOND <= sim.now()) {
                let action = &actions.next().expect("peeked").action;
                if let Some((j, op)) = action.op() {
                    let c = script_clients[j];
                    if sim.clerk(c).in_progress().is_some() {
                        queued[j].push_back(op);
                    } else {
                        let _ = sim.client_start(c, op);
                    }
                } else {
                    apply_action(&mut sim, action);
                }
            }
        }
    })();

    let verdict = match result {
        Err(violation) => RunVerdict::InvariantBroken(violation),
        Ok(()) => {
            let checked = check_kv(&operations(sim.history()), Budget::default());
            match checked.verdict {
                Verdict::Linearizable => RunVerdict::Linearizable,
                Verdict::Unknown => RunVerdict::Unknown,
                Verdict::NotLinearizable => {
                    let key = checked.keys.iter().find(|k| k.verdict == Verdict::NotLinearizable);
                    RunVerdict::NotLinearizable {
                        key: key.map(|k| k.key.clone()).unwrap_or_default(),
                    }
                }
            }
        }
    };
    RunReport {
        seed,
        verdict,
        history: sim.history().to_vec(),
        virtual_time: sim.now(),
        stats: sim.stats().clone(),
    }
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
pub fn leader_minority(sim: &Simulator, followers: usize) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
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

/// Carries out a cluster action (not a Clerk operation).
pub fn apply_action(sim: &mut Simulator, action: &Action) {
    match action {
        Action::Partition { groups } => sim.partition(groups),
        Action::IsolateLeader { followers } => {
            if let Some((minority, majority)) = leader_minority(sim, *followers) {
                sim.partition(&[majority, minority]);
            }
        }
        Action::Heal => sim.heal(),
        Action::Crash { server } => sim.crash(*server),
        Action::Restart { server } => sim.restart(*server),
        Action::Disconnect { server } => sim.disconnect(*server),
        Action::Connect { server } => sim.connect(*server),
        Action::Unreliable { on } => sim.set_unreliable(*on),
        Action::LongReordering { on } => sim.set_long_reordering(*on),
        Action::Get { .. } | Action::Put { .. } | Action::Append { .. } => {}
    }
}
