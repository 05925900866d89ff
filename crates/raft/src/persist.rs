use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Log, NodeId, Term};

/// What Raft must keep across a crash (Figure 2): the current term, the vote, and the log
/// (whose snapshot offset — last included index and term — travels with it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistentState {
    /// Latest term the server has seen.
    pub current_term: Term,
    /// The candidate that received this server's vote in `current_term`, if any.
    pub voted_for: Option<NodeId>,
    /// The log after the snapshot.
    pub log: Log,
}

impl PersistentState {
    /// Encodes the state as postcard bytes: what `raft_state_size` measures.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("encoding to a Vec cannot fail")
    }

    /// Decodes bytes written by [`PersistentState::encode`]. Corrupt, truncated or
    /// inconsistent bytes give an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (state, rest): (PersistentState, _) =
            postcard::take_from_bytes(bytes).map_err(DecodeError::Format)?;
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes(rest.len()));
        }
        state.log.validate().map_err(DecodeError::Inconsistent)?;
        Ok(state)
    }
}

/// Bytes the caller must write to stable storage before it sends this step's messages:
/// both halves at once, as the lab's `Persister::save(raft_state, snapshot)` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Persist {
    /// The encoded [`PersistentState`].
    pub raft_state: Vec<u8>,
    /// The new snapshot, when it changed in this step; `None` keeps the stored one.
    pub snapshot: Option<Vec<u8>>,
}

/// Why persisted bytes could not be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes are not a postcard-encoded state.
    Format(postcard::Error),
    /// A valid state followed by this many unexpected bytes.
    TrailingBytes(usize),
    /// The state decodes but cannot be right.
    Inconsistent(&'static str),
    /// The state names a vote for a server outside the cluster.
    UnknownServer(NodeId),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Format(e) => write!(f, "persisted Raft state is corrupt: {e}"),
            DecodeError::TrailingBytes(n) => {
                write!(f, "persisted Raft state has {n} unexpected trailing bytes")
            }
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
        log.push(Entry {
            term: 1,
            command: Some(b"x".to_vec()),
        });
        log.push(Entry {
            term: 2,
            command: None,
        });
        PersistentState {
            current_term: 2,
            voted_for: Some(1),
            log,
        }
    }

    #[test]
    fn round_trips() {
        let state = sample();
        assert_eq!(PersistentState::decode(&state.encode()), Ok(state));
    }

    #[test]
    fn every_truncation_and_bit_flip_decodes_or_errors_without_panicking() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(
                PersistentState::decode(&bytes[..len]).is_err(),
                "prefix {len} decoded"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= 1 << bit;
                let _ = PersistentState::decode(&corrupt);
            }
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            PersistentState::decode(&longer),
            Err(DecodeError::TrailingBytes(1))
        );
    }

    #[test]
    fn decreasing_terms_are_rejected() {
        let mut state = sample();
        state.log.push(Entry {
            term: 1,
            command: None,
        });
        assert!(matches!(
            PersistentState::decode(&state.encode()),
            Err(DecodeError::Inconsistent(_))
        ));
    }
}
