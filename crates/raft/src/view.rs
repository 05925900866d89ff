use serde::{Deserialize, Serialize};

use crate::{Index, NodeId, Progress, Raft, Role, Term, Time};

/// Everything a renderer shows of one server, as plain data (serialisable for the page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftView {
    /// The server's position in the cluster.
    pub id: NodeId,
    /// Follower, candidate or leader.
    pub role: Role,
    /// Current term.
    pub term: Term,
    /// Vote in the current term.
    pub voted_for: Option<NodeId>,
    /// The leader this server knows of in its term.
    pub leader_id: Option<NodeId>,
    /// Votes a candidate has received, by server (empty otherwise).
    pub votes: Vec<NodeId>,
    /// Highest committed index.
    pub commit_index: Index,
    /// Highest index handed to the service.
    pub last_applied: Index,
    /// Last index the snapshot covers (0 without one).
    pub last_included_index: Index,
    /// Term of that entry.
    pub last_included_term: Term,
    /// Size of the snapshot in bytes.
    pub snapshot_bytes: usize,
    /// Index of the last entry in the log (the snapshot's last index if the log is empty).
    /// The entries themselves are read through [`Raft::log`], a window at a time: a view
    /// drawn every frame must not copy a log that grows with the run.
    pub last_log_index: Index,
    /// A leader's next/match index per server (empty unless leader).
    pub progress: Vec<Progress>,
    /// When the election timer was last reset.
    pub election_reset_at: Time,
    /// When the election timer fires (a leader has none running).
    pub election_deadline: Option<Time>,
    /// When a leader next sends heartbeats.
    pub heartbeat_deadline: Option<Time>,
}

impl Raft {
    /// A read-only picture of this server for a renderer.
    pub fn view(&self) -> RaftView {
        let log = &self.persistent.log;
        let leader = self.role == Role::Leader;
        RaftView {
            id: self.id,
            role: self.role,
            term: self.persistent.current_term,
            voted_for: self.persistent.voted_for,
            leader_id: self.leader_id,
            votes: if self.role == Role::Candidate {
                (0..self.servers).filter(|&s| self.votes[s]).collect()
            } else {
                Vec::new()
            },
            commit_index: self.commit_index,
            last_applied: self.last_applied,
            last_included_index: log.last_included_index(),
            last_included_term: log.last_included_term(),
            snapshot_bytes: self.snapshot.len(),
            last_log_index: log.last_index(),
            progress: self.progress.clone(),
            election_reset_at: self.election_reset_at,
            election_deadline: (!leader).then_some(self.election_deadline),
            heartbeat_deadline: leader.then_some(self.heartbeat_deadline),
        }
    }
}
