use std::collections::VecDeque;

use raft::{HardState, Index, Persist};

/// A server's stable storage, as the lab's `Persister`: the Raft state and the snapshot,
/// always written together. The Raft state is kept as its stored bytes — the encoded hard
/// state, then each encoded entry — so appending an entry does not rewrite the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persister {
    hard_state: Vec<u8>,
    /// Index of the first stored entry.
    first_index: Index,
    /// The stored entries, encoded back to back.
    log: Vec<u8>,
    /// Where each stored entry starts in `log`, from `first_index` on.
    starts: VecDeque<usize>,
    snapshot: Vec<u8>,
}

impl Persister {
    /// Writes what Raft asked for, all at once.
    pub fn save(&mut self, persist: Persist) {
        let dropped = persist.first_index.saturating_sub(self.first_index);
        let dropped =
            usize::try_from(dropped).map_or(self.starts.len(), |d| d.min(self.starts.len()));
        if dropped > 0 {
            let cut = self.starts.get(dropped).copied().unwrap_or(self.log.len());
            self.log.drain(..cut);
            self.starts.drain(..dropped);
            self.starts.iter_mut().for_each(|start| *start -= cut);
            self.first_index += dropped as Index;
        }
        if self.starts.is_empty() {
            self.first_index = persist.first_index;
        }
        if let Some(from) = persist.rewrite_from {
            let keep = from.saturating_sub(self.first_index) as usize;
            if let Some(&end) = self.starts.get(keep) {
                self.log.truncate(end);
                self.starts.truncate(keep);
            }
            for entry in &persist.entries {
                self.starts.push_back(self.log.len());
                Persist::encode_entry(entry, &mut self.log);
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
        [&self.hard_state[..], &self.log[..]].concat()
    }

    /// The stored hard state (term, vote, snapshot offset), if any was stored and it decodes.
    /// Cheap: the entries are not read.
    pub fn hard_state(&self) -> Option<HardState> {
        postcard::from_bytes(&self.hard_state).ok()
    }

    /// Index of the last stored entry (the snapshot's last index when no entry is stored).
    pub fn last_index(&self) -> Index {
        match self.starts.len() {
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
        self.hard_state.len() + self.log.len()
    }

    /// Size of the snapshot in bytes.
    pub fn snapshot_size(&self) -> usize {
        self.snapshot.len()
    }
}

/// A KvServer writes through the same storage the lab's tester reads.
impl kv::Persister for Persister {
    fn save(&mut self, persist: Persist) {
        Persister::save(self, persist);
    }

    fn raft_state_size(&self) -> usize {
        Persister::raft_state_size(self)
    }
}
