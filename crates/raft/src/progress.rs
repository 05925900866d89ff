use serde::{Deserialize, Serialize};

use crate::Index;

/// How a leader is replicating to one follower (the etcd-raft idea, kept small).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgressState {
    /// The leader does not yet know where the follower's log matches its own: it sends one
    /// AppendEntries (or InstallSnapshot) at a time, on each reply and each heartbeat.
    Probe,
    /// The logs match up to `match_index`: new entries are sent as soon as they are proposed,
    /// and `next_index` moves past what is in flight so nothing is sent twice.
    Replicate,
}

/// The leader's view of one follower (Figure 2's nextIndex and matchIndex).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Index of the next entry to send.
    pub next_index: Index,
    /// Highest index known to be replicated on the follower.
    pub match_index: Index,
    /// How entries are being sent.
    pub state: ProgressState,
}
