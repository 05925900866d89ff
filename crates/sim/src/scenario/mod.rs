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
//! at_ms = 1000                 # or at_us, for microsecond precision
//! do = "partition"             # partition | isolate_leader | heal | crash | restart |
//! groups = [[0, 1], [2, 3, 4]] # disconnect | connect | unreliable | long_reordering |
//!                              # add_clerk | reach | get | put | append | hold_message |
//!                              # deliver_message | drop_message | duplicate_message
//!
//! [[actions]]
//! at_ms = 1500
//! do = "put"                   # scripted Clerks are numbered from 0, apart from the workload's
//! client = 0
//! key = "a"
//! value = "1"
//!
//! [lesson]                     # optional: what the page says about this scenario
//! expect = "not_linearizable"  # linearizable | not_linearizable | invariant_broken
//! explain = "Why it went wrong."
//! ```
//!
//! A scenario is also how the page records a visitor's session: the setup plus every command
//! at the virtual microsecond it was given ([`Runner::act`]). Replaying it ([`Runner`]) gives
//! the same run event for event, which is what time travel and permalinks ([`Link`]) rest on.

mod action;
mod checkpoints;
mod link;
mod runner;
mod sweep;

pub use action::{Action, TimedAction};
pub use checkpoints::{Checkpoints, DEFAULT_EVERY, DEFAULT_MAX, DEFAULT_MAX_BYTES};
pub use link::{decode_link, encode_link, Link};
pub use runner::{run, ActError, RunReport, RunVerdict, Runner};
pub use sweep::{SeedOutcome, Sweep};

use std::fmt;

use kv::{KvConfig, Op};
use raft::{Time, MILLISECOND};
use serde::{Deserialize, Serialize};

use crate::{NetworkConfig, ServiceConfig, SimConfig};

/// The most servers a scenario may have.
pub const MAX_SERVERS: usize = 9;
/// The most Clerks a scenario may have.
pub const MAX_CLIENTS: usize = 64;
/// The longest run a scenario may ask for: one virtual day.
pub const MAX_DURATION_MS: u64 = 24 * 3600 * 1000;

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
    /// Scripted Clerks that exist from the start (actions naming a later one add it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clerks: usize,
    /// Things that happen at given times.
    #[serde(default)]
    pub actions: Vec<TimedAction>,
    /// What a lesson expects and explains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<LessonSpec>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The lesson section: what the run should show, and what to say once it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonSpec {
    /// The outcome the lesson demonstrates (with its seed).
    pub expect: Expectation,
    /// Shown once the outcome is there: what happened and why.
    #[serde(default)]
    pub explain: String,
}

/// How a lesson's run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// Every invariant holds and the history is linearizable.
    Linearizable,
    /// The checker finds no linearization.
    NotLinearizable,
    /// An invariant breaks.
    InvariantBroken,
}

impl Expectation {
    /// What a run shows so far, in a lesson's terms — the one place that decides it, for the
    /// page's lesson card, [`RunVerdict::shows`] and the tests: a broken invariant; a history
    /// the checker found not linearizable; once the run has ended, a linearizable one. `None`
    /// until then, and when the checker ran out of budget (which shows nothing).
    pub fn shown(
        invariant_broken: bool,
        check: Option<check::Verdict>,
        ended: bool,
    ) -> Option<Self> {
        use check::Verdict;
        match check {
            _ if invariant_broken => Some(Expectation::InvariantBroken),
            Some(Verdict::NotLinearizable) => Some(Expectation::NotLinearizable),
            Some(Verdict::Linearizable) if ended => Some(Expectation::Linearizable),
            _ => None,
        }
    }
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

/// A scenario file that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioFile {
    /// The playground's own scenario: `servers` servers, one Clerk, links slow enough to
    /// watch (8–15 ms, as RaftScope's), and nothing scripted: the visitor acts.
    pub fn playground(servers: usize, seed: u64, max_raft_state: Option<usize>) -> ScenarioFile {
        ScenarioFile {
            name: "Playground".into(),
            description: String::new(),
            servers,
            seed,
            duration_ms: 3600 * 1000,
            max_raft_state,
            unsafe_modes: Vec::new(),
            network: NetworkSpec {
                min_delay_us: Some(8 * MILLISECOND),
                max_delay_us: Some(15 * MILLISECOND),
                ..NetworkSpec::default()
            },
            raft: RaftSpec::default(),
            workload: None,
            clerks: 1,
            actions: Vec::new(),
            lesson: None,
        }
    }

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

    /// Writes JSON for people to read: what the page saves and `raftkv convert` prints.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario serialises")
    }

    /// Checks what the format cannot: server and client numbers, sizes, times.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let err = |m: String| Err(ScenarioError(m));
        if !(1..=MAX_SERVERS).contains(&self.servers) {
            return err(format!("servers: {} is not between 1 and {MAX_SERVERS}", self.servers));
        }
        if !(1..=MAX_DURATION_MS).contains(&self.duration_ms) {
            return err(format!("duration_ms: must be between 1 and {MAX_DURATION_MS}"));
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
        if self.clerks > MAX_CLIENTS {
            return err(format!("clerks: {} is more than {MAX_CLIENTS}", self.clerks));
        }
        for (i, a) in self.actions.iter().enumerate() {
            if a.at_ms.is_some() == a.at_us.is_some() {
                return err(format!("actions[{i}]: give exactly one of at_ms and at_us"));
            }
            if a.at_ms.is_some_and(|ms| ms.checked_mul(MILLISECOND).is_none()) {
                return err(format!("actions[{i}]: at_ms is too large"));
            }
            a.action
                .check(self.servers)
                .map_err(|e| ScenarioError(format!("actions[{i}]: {e}")))?;
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
