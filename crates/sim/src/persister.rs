use std::collections::VecDeque;

use raft::{HardState, Index, Persist};

/// A server's stable storage, as the lab's `Persister`: the Raft state and the snapshot,
/// always written together. The Raft state is kept as its stored bytes — the encoded hard
/// state, then each encoded entry — so appending an entry does not rewrite the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persister {
    hard_state: Vec<u8>,
    /// Index of `entries[0]`.
    first_index: Index,
    entries: VecDeque<Vec<u8>>,
    entry_bytes: usize,
    snapshot: Vec<u8>,
}

impl Persister {
    /// Writes what Raft asked for, all at once.
    pub fn save(&mut self, persist: Persist) {
        while self.first_index < persist.first_index && !self.entries.is_empty() {
            let dropped = self.entries.pop_front().expect("not empty");
            self.entry_bytes -= dropped.len();
            self.first_index += 1;
        }
        if self.entries.is_empty() {
            self.first_index = persist.first_index;
        }
        if let Some(from) = persist.rewrite_from {
            let keep = from.saturating_sub(self.first_index) as usize;
            for dropped in self.entries.drain(keep.min(self.entries.len())..) {
                self.entry_bytes -= dropped.len();
            }
            for entry in persist.entries {
                self.entry_bytes += entry.len();
                self.entries.push_back(entry);
            }
        }
        if let Some(hard_state) = persist.hard_state {
            self.hard_state = hard_state;
        }
        if let Some(snapshot) = persist.snapshot {
            self.snapshot = snapshot;
        }
    }

    /// The stored Raft state, as [`raft::PersistentState::decode`] reads it.
    pub fn raft_state(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.raft_state_size());
        bytes.extend_from_slice(&self.hard_state);
        self.entries.iter().for_each(|e| bytes.extend_from_slice(e));
        bytes
    }

    /// The stored hard state (term, vote, snapshot offset), if any was stored and it decodes.
    /// Cheap: the entries are not read.
    pub fn hard_state(&self) -> Option<HardState> {
        postcard::from_bytes(&self.hard_state).ok()
    }

    /// Index of the last stored entry (the snapshot's last index when no entry is stored).
    pub fn last_index(&self) -> Index {
        match self.entries.len() {
            0 => self.hard_state().map_or(0, |h| h.last_included_index),
            n => self.first_index + n as Index - 1,
        }
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> &[u8] {
        &self.snapshot
    }

    /// Size of the stored Raft state in bytes (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.hard_state.len() + self.entry_bytes
    }

    /// Size of the snapshot in bytes.
    pub fn snapshot_size(&self) -> usize {
        self.snapshot.len()
    }
}
