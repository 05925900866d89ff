//! The lab's kvraft GenericTest variants (3A and 3B) as shapes: each one's cluster, network,
//! faults, snapshots and clients. The playground's library shows them as scenarios
//! ([`Generic::scenario`]); the lab's suite (`lab::kv_suite`) runs them as the Go tests do.

use raft::{NodeId, MILLISECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::{Action, NetworkSpec, RaftSpec, ScenarioFile, TimedAction, Workload};

/// The shape of a GenericTest.
#[derive(Clone, Copy, Debug)]
pub struct Generic {
    /// Concurrent clients.
    pub clients: usize,
    /// Servers.
    pub servers: usize,
    /// labrpc's unreliable network.
    pub unreliable: bool,
    /// Crash and restart every server at the end of each round.
    pub crash: bool,
    /// Re-partition the servers at random every second or so.
    pub partitions: bool,
    /// Snapshot threshold in bytes (`None`: -1).
    pub max_raft_state: Option<usize>,
    /// Clients use a shared set of random keys (and Put); otherwise each owns a key and checks
    /// every Get against its own prediction.
    pub random_keys: bool,
}

impl Generic {
    /// This test as a scenario file for the playground's library: the same cluster, network,
    /// snapshots and clients, three five-second rounds with the partitions (drawn once, from a
    /// fixed seed) and the crash-and-restart of every server the test makes. The lab's client
    /// loop becomes a workload of random Get/Put/Append on shared keys; the page checks the
    /// history as the test does.
    pub fn scenario(&self, name: &str) -> ScenarioFile {
        let mut rng = ChaCha8Rng::seed_from_u64(kv::fnv1a(kv::fnv1a_start(), name.as_bytes()));
        let mut actions = Vec::new();
        let round_ms = 5000 + if self.partitions { 1000 } else { 0 };
        for round in 0..3 {
            let start = round * round_ms;
            if self.partitions {
                let mut at = start + 1000;
                while at < start + 5000 {
                    let sides: Vec<bool> =
                        (0..self.servers).map(|_| rng.random_bool(0.5)).collect();
                    let groups = [false, true]
                        .iter()
                        .map(|&side| (0..self.servers).filter(|&s| sides[s] == side).collect())
                        .filter(|g: &Vec<NodeId>| !g.is_empty())
                        .collect();
                    actions.push(TimedAction::new(at * MILLISECOND, Action::Partition { groups }));
                    at += 1000 + rng.random_range(0..200);
                }
                actions.push(TimedAction::new((start + 5000) * MILLISECOND, Action::Heal));
            }
            if self.crash {
                let at = (start + round_ms) * MILLISECOND;
                for server in 0..self.servers {
                    actions.push(TimedAction::new(at, Action::Crash { server }));
                }
                for server in 0..self.servers {
                    actions.push(TimedAction::new(at, Action::Restart { server }));
                }
            }
        }
        let mut what = vec![format!("{} Clerks on {} servers", self.clients, self.servers)];
        if self.unreliable {
            what.push("an unreliable network".into());
        }
        if self.partitions {
            what.push("a new random partition about every second".into());
        }
        if self.crash {
            what.push("every server crashing and restarting after each round".into());
        }
        if let Some(max) = self.max_raft_state {
            what.push(format!("snapshots at {max} bytes"));
        }
        let keys = if self.random_keys { 10 } else { self.clients };
        ScenarioFile {
            name: format!("The lab's {name}"),
            description: format!(
                "6.824's kvraft test {name}: {}. Three rounds of five seconds; the history is \
                 checked for linearizability as operations return.",
                what.join(", ")
            ),
            servers: self.servers,
            seed: 0,
            duration_ms: 3 * round_ms + 1000,
            max_raft_state: self.max_raft_state,
            unsafe_modes: Vec::new(),
            network: NetworkSpec { unreliable: self.unreliable, ..NetworkSpec::default() },
            raft: RaftSpec::default(),
            workload: Some(Workload {
                clients: self.clients,
                keys: (0..keys).map(|k| k.to_string()).collect(),
                get: 50,
                put: if self.random_keys { 10 } else { 0 },
                append: 40,
            }),
            clerks: 0,
            actions,
            lesson: None,
        }
    }
}

const fn g(clients: usize, servers: usize) -> Generic {
    Generic {
        clients,
        servers,
        unreliable: false,
        crash: false,
        partitions: false,
        max_raft_state: None,
        random_keys: false,
    }
}

/// The GenericTest variants with their shapes; `lab::kv_suite` has a function per variant.
macro_rules! generic_tests {
    ($($(#[$doc:meta])* $name:literal: $shape:expr;)*) => {
        /// Every GenericTest variant by name, with its shape.
        pub const GENERIC_TESTS: &[(&str, Generic)] = &[$(($name, $shape)),*];
    };
}

generic_tests! {
    /// 3A: one client.
    "Basic3A": g(1, 5);
    /// 3A: many clients.
    "Concurrent3A": g(5, 5);
    /// 3A: many clients, unreliable network.
    "Unreliable3A": Generic { unreliable: true, ..g(5, 5) };
    /// 3A: one client, partitions.
    "ManyPartitionsOneClient3A": Generic { partitions: true, ..g(1, 5) };
    /// 3A: many clients, partitions.
    "ManyPartitionsManyClients3A":
        Generic { partitions: true, ..g(5, 5) };
    /// 3A: one client, restarts.
    "PersistOneClient3A": Generic { crash: true, ..g(1, 5) };
    /// 3A: many clients, restarts.
    "PersistConcurrent3A": Generic { crash: true, ..g(5, 5) };
    /// 3A: many clients, restarts, unreliable network.
    "PersistConcurrentUnreliable3A":
        Generic { crash: true, unreliable: true, ..g(5, 5) };
    /// 3A: many clients, restarts, partitions.
    "PersistPartition3A": Generic { crash: true, partitions: true, ..g(5, 5) };
    /// 3A: many clients, restarts, partitions, unreliable network.
    "PersistPartitionUnreliable3A":
        Generic { crash: true, partitions: true, unreliable: true, ..g(5, 5) };
    /// 3A: fifteen clients on seven servers with shared random keys, everything failing.
    "PersistPartitionUnreliableLinearizable3A":
        Generic { crash: true, partitions: true, unreliable: true, random_keys: true, ..g(15, 7) };
    /// 3B: one client, restarts, snapshots.
    "SnapshotRecover3B":
        Generic { crash: true, max_raft_state: Some(1000), ..g(1, 5) };
    /// 3B: twenty clients, restarts, snapshots.
    "SnapshotRecoverManyClients3B":
        Generic { crash: true, max_raft_state: Some(1000), ..g(20, 5) };
    /// 3B: many clients, unreliable network, snapshots.
    "SnapshotUnreliable3B":
        Generic { unreliable: true, max_raft_state: Some(1000), ..g(5, 5) };
    /// 3B: many clients, unreliable network, restarts, snapshots.
    "SnapshotUnreliableRecover3B":
        Generic { unreliable: true, crash: true, max_raft_state: Some(1000), ..g(5, 5) };
    /// 3B: the same with partitions.
    "SnapshotUnreliableRecoverConcurrentPartition3B": Generic {
            unreliable: true, crash: true, partitions: true, max_raft_state: Some(1000), ..g(5, 5)
        };
    /// 3B: fifteen clients on seven servers with shared random keys, everything failing,
    /// snapshots.
    "SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B": Generic {
            unreliable: true,
            crash: true,
            partitions: true,
            max_raft_state: Some(1000),
            random_keys: true,
            ..g(15, 7)
        };
}
