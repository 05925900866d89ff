use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{Entry, Index, Log, NodeId, Term};

/// What Raft must keep across a crash (Figure 2): the current term, the vote, and the log
/// (whose snapshot offset — last included index and term — travels with it).
///
/// Stored as postcard bytes: a [`HardState`] followed by each held [`Entry`] in index order.
/// New entries are appended to what is stored rather than the whole state being rewritten,
/// as a real Raft store does, so persisting stays cheap however long the log grows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersistentState {
    /// Latest term the server has seen.
    pub current_term: Term,
    /// The candidate that received this server's vote in `current_term`, if any.
    pub voted_for: Option<NodeId>,
    /// The log after the snapshot.
    pub log: Log,
}

/// The small, rewritten-whole part of [`PersistentState`]: everything but the entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HardState {
    /// Latest term the server has seen.
    pub current_term: Term,
    /// Vote in `current_term`.
    pub voted_for: Option<NodeId>,
    /// Last index the snapshot covers.
    pub last_included_index: Index,
    /// Term of that entry.
    pub last_included_term: Term,
}

impl PersistentState {
    /// The part rewritten whole.
    pub fn hard_state(&self) -> HardState {
        HardState {
            current_term: self.current_term,
            voted_for: self.voted_for,
            last_included_index: self.log.last_included_index(),
            last_included_term: self.log.last_included_term(),
        }
    }

    /// The whole state as stored: what `raft_state_size` measures.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = encode(&self.hard_state());
        for entry in self.log.entries() {
            Persist::encode_entry(entry, &mut bytes);
        }
        bytes
    }

    /// Decodes stored bytes. Corrupt, truncated or inconsistent bytes give an error, never a
    /// panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        // One copy of the whole state, which every restored command then shares: restoring a
        // long log costs one allocation, not one per entry.
        let shared = Bytes::copy_from_slice(bytes);
        let (hard, mut rest): (HardState, _) =
            postcard::take_from_bytes(&shared).map_err(DecodeError::Format)?;
        let mut log = Log::default();
        log.compact(hard.last_included_index, hard.last_included_term);
        while !rest.is_empty() {
            let (entry, tail): (StoredEntry, _) =
                postcard::take_from_bytes(rest).map_err(DecodeError::Format)?;
            let command = entry.command.map(|c| shared.slice_ref(c));
            log.push(Entry { term: entry.term, command });
            rest = tail;
        }
        log.validate().map_err(DecodeError::Inconsistent)?;
        if hard.current_term < log.last_term() || hard.current_term == Term::MAX {
            return Err(DecodeError::Inconsistent(
                "current term is behind the log or out of range",
            ));
        }
        Ok(PersistentState { current_term: hard.current_term, voted_for: hard.voted_for, log })
    }
}

/// An [`Entry`] as stored, read without copying its command out of the stored bytes.
#[derive(Deserialize)]
struct StoredEntry<'a> {
    term: Term,
    #[serde(borrow)]
    command: Option<&'a [u8]>,
}

/// Postcard bytes of a value that cannot fail to encode, in one allocation of the exact size.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let size = postcard::experimental::serialized_size(value).expect("sizing cannot fail");
    postcard::to_extend(value, Vec::with_capacity(size)).expect("encoding to a Vec cannot fail")
}

/// What the caller must write to stable storage, atomically, before it sends the messages of
/// the same [`crate::Ready`]. Applied to the stored state in field order it gives exactly
/// [`PersistentState::encode`] of the node's state, plus its snapshot (but for the vote, under
/// the deliberate bug `unsafe_forget_voted_for`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Persist {
    /// The encoded [`HardState`], which replaces the stored one; `None` when it has not
    /// changed since the last `Persist`, which keeps the stored one.
    pub hard_state: Option<Vec<u8>>,
    /// The log now starts at this index: stored entries before it are dropped.
    pub first_index: Index,
    /// Stored entries from this index on are replaced by `entries`; `None` keeps them all.
    pub rewrite_from: Option<Index>,
    /// Entries from `rewrite_from` on, each stored as [`Persist::encode_entry`] writes it.
    pub entries: Vec<Entry>,
    /// The new snapshot, when it changed; `None` keeps the stored one.
    pub snapshot: Option<Vec<u8>>,
}

impl Persist {
    /// Appends the stored bytes of `entry` to `out`: stored entries lie back to back, after the
    /// hard state.
    pub fn encode_entry(entry: &Entry, out: &mut Vec<u8>) {
        let bytes = std::mem::take(out);
        *out = postcard::to_extend(entry, bytes).expect("encoding to a Vec cannot fail");
    }
}

/// Why persisted bytes could not be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes are not a postcard-encoded state.
    Format(postcard::Error),
    /// The state decodes but cannot be right.
    Inconsistent(&'static str),
    /// The state names a vote for a server outside the cluster.
    UnknownServer(NodeId),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Format(e) => write!(f, "persisted Raft state is corrupt: {e}"),
            DecodeError::Inconsistent(why) => write!(f, "persisted Raft state is invalid: {why}"),
            DecodeError::UnknownServer(id) => {
                write!(f, "persisted Raft state votes for unknown server {id}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Entry;

    fn sample() -> PersistentState {
        let mut log = Log::default();
        log.push(Entry { term: 1, command: Some(b"x".to_vec().into()) });
        log.push(Entry { term: 2, command: None });
        PersistentState { current_term: 2, voted_for: Some(1), log }
    }

    #[test]
    fn round_trips() {
        let state = sample();
        assert_eq!(PersistentState::decode(&state.encode()), Ok(state));
    }

    #[test]
    fn every_truncation_and_bit_flip_decodes_or_errors_without_panicking() {
        let state = sample();
        let bytes = state.encode();
        for len in 0..bytes.len() {
            // A cut between entries is a shorter valid log (a torn append); any other cut
            // is an error.
            if let Ok(shorter) = PersistentState::decode(&bytes[..len]) {
                let held = shorter.log.entries();
                assert_eq!(held, &state.log.entries()[..held.len()], "prefix {len}");
                assert!(held.len() < state.log.entries().len());
            }
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= 1 << bit;
                let _ = PersistentState::decode(&corrupt);
            }
        }
        let mut longer = bytes.clone();
        longer.push(0xff);
        assert!(PersistentState::decode(&longer).is_err());
    }

    #[test]
    fn the_snapshot_offset_survives() {
        let mut state = sample();
        state.log.compact(1, 1);
        let decoded = PersistentState::decode(&state.encode()).unwrap();
        assert_eq!((decoded.log.first_index(), decoded.log.last_index()), (2, 2));
        assert_eq!(decoded, state);
    }

    #[test]
    fn decreasing_terms_are_rejected() {
        let mut state = sample();
        state.log.push(Entry { term: 1, command: None });
        assert!(matches!(
            PersistentState::decode(&state.encode()),
            Err(DecodeError::Inconsistent(_))
        ));
    }
}
