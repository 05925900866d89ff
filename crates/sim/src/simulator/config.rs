//! What determines a run: the cluster's size and seed, Raft's timing, the network, the
//! service above Raft and the Clerks' settings.

use kv::{ClerkConfig, KvConfig};
use serde::{Deserialize, Serialize};

use crate::network::NetworkConfig;

/// What runs above each Raft node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceConfig {
    #[cfg(feature = "tester")]
    /// The lab's Raft tester: records what is applied; with an interval, snapshots every that
    /// many indices (the lab's 2D tests: 10).
    Tester {
        /// Snapshot interval, if any.
        snapshot_interval: Option<u64>,
    },
    /// The key/value service.
    Kv(KvConfig),
}

/// Everything that determines a run, together with the commands given to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Number of Raft servers.
    pub servers: usize,
    /// Seed of every random choice: election timeouts, delays, losses, Clerks' server orders.
    pub seed: u64,
    /// Raft's timing and switches, the same for every server.
    pub raft: raft::Config,
    /// The network model.
    pub network: NetworkConfig,
    /// The service above Raft.
    pub service: ServiceConfig,
    /// The Clerks' settings.
    pub clerk: ClerkConfig,
    /// Record a [`TraceRecord`](crate::TraceRecord) for everything that happens.
    pub trace: bool,
}

impl SimConfig {
    /// `servers` key/value servers with default Raft timing on a reliable network, no
    /// snapshots, tracing on.
    pub fn new(servers: usize, seed: u64) -> SimConfig {
        SimConfig {
            servers,
            seed,
            raft: raft::Config::default(),
            network: NetworkConfig::reliable(),
            service: ServiceConfig::Kv(KvConfig::default()),
            clerk: ClerkConfig::default(),
            trace: true,
        }
    }

    /// The same with the lab's Raft tester as the service.
    #[cfg(feature = "tester")]
    pub fn tester(servers: usize, seed: u64, snapshot_interval: Option<u64>) -> SimConfig {
        SimConfig {
            service: ServiceConfig::Tester { snapshot_interval },
            ..SimConfig::new(servers, seed)
        }
    }
}
