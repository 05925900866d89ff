use serde::{Deserialize, Serialize};

/// A server's stable storage, as the lab's `Persister`: the Raft state and the snapshot,
/// always written together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persister {
    raft_state: Vec<u8>,
    snapshot: Vec<u8>,
}

impl Persister {
    /// Writes both halves at once; `None` keeps the stored snapshot.
    pub fn save(&mut self, raft_state: Vec<u8>, snapshot: Option<Vec<u8>>) {
        self.raft_state = raft_state;
        if let Some(snapshot) = snapshot {
            self.snapshot = snapshot;
        }
    }

    /// The encoded Raft state.
    pub fn raft_state(&self) -> &[u8] {
        &self.raft_state
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> &[u8] {
        &self.snapshot
    }

    /// Size of the encoded Raft state in bytes (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.raft_state.len()
    }

    /// Size of the snapshot in bytes.
    pub fn snapshot_size(&self) -> usize {
        self.snapshot.len()
    }
}
