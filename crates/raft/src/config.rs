use serde::{Deserialize, Serialize};

use crate::{Time, MILLISECOND};

/// Timing and behaviour switches of a Raft node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Election timeouts are drawn uniformly from `election_timeout_min..election_timeout_max`,
    /// afresh every time the timer is reset (§5.2: randomised timeouts make split votes rare).
    pub election_timeout_min: Time,
    /// Exclusive upper bound of the election timeout.
    pub election_timeout_max: Time,
    /// How often a leader sends AppendEntries when it has nothing new to send. The lab allows
    /// at most ten heartbeats per second.
    pub heartbeat_interval: Time,
    /// A new leader appends a no-op entry of its own term so that entries of earlier terms
    /// commit without waiting for a client (§8). Off for lab scenarios that count exact indices.
    pub no_op_on_election: bool,
    /// The most entries one AppendEntries carries.
    pub max_entries_per_append: usize,
    /// A deliberate bug, for lessons: `voted_for` is not persisted, so a server that crashes
    /// and restarts within a term can vote twice in it — and two leaders can be elected.
    #[serde(default)]
    pub unsafe_forget_voted_for: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            election_timeout_min: 300 * MILLISECOND,
            election_timeout_max: 500 * MILLISECOND,
            heartbeat_interval: 100 * MILLISECOND,
            no_op_on_election: true,
            max_entries_per_append: 64,
            unsafe_forget_voted_for: false,
        }
    }
}
