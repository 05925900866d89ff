//! The three RPCs of the paper, as one-way messages: every request and every reply is a
//! [`Message`] in an [`Envelope`]. Replies carry what the sender needs to act on them without
//! remembering the request, so they survive loss, duplication and reordering.

use serde::{Deserialize, Serialize};

use crate::{Entry, Index, NodeId, Term};

/// A message and the two servers it travels between.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// What is sent.
    pub message: Message,
}

/// Every message Raft servers exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A candidate asks for a vote (§5.2).
    RequestVote(RequestVoteArgs),
    /// The answer to a [`Message::RequestVote`].
    RequestVoteReply(RequestVoteReply),
    /// A leader replicates entries, or just asserts its leadership when `entries` is empty (§5.3).
    AppendEntries(AppendEntriesArgs),
    /// The answer to a [`Message::AppendEntries`].
    AppendEntriesReply(AppendEntriesReply),
    /// A leader sends its snapshot to a follower whose next entry it has discarded (§7).
    InstallSnapshot(InstallSnapshotArgs),
    /// The answer to a [`Message::InstallSnapshot`].
    InstallSnapshotReply(InstallSnapshotReply),
}

/// The kind of a [`Message`], for counting, filtering and drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MessageKind {
    /// [`Message::RequestVote`].
    RequestVote,
    /// [`Message::RequestVoteReply`].
    RequestVoteReply,
    /// [`Message::AppendEntries`] with entries.
    AppendEntries,
    /// [`Message::AppendEntries`] without entries: a heartbeat.
    Heartbeat,
    /// [`Message::AppendEntriesReply`].
    AppendEntriesReply,
    /// [`Message::InstallSnapshot`].
    InstallSnapshot,
    /// [`Message::InstallSnapshotReply`].
    InstallSnapshotReply,
}

impl MessageKind {
    /// Whether this kind answers a request (the lab's network drops requests and replies apart).
    pub fn is_reply(self) -> bool {
        matches!(
            self,
            MessageKind::RequestVoteReply
                | MessageKind::AppendEntriesReply
                | MessageKind::InstallSnapshotReply
        )
    }
}

impl Message {
    /// The kind of this message.
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::RequestVote(_) => MessageKind::RequestVote,
            Message::RequestVoteReply(_) => MessageKind::RequestVoteReply,
            Message::AppendEntries(a) if a.entries.is_empty() => MessageKind::Heartbeat,
            Message::AppendEntries(_) => MessageKind::AppendEntries,
            Message::AppendEntriesReply(_) => MessageKind::AppendEntriesReply,
            Message::InstallSnapshot(_) => MessageKind::InstallSnapshot,
            Message::InstallSnapshotReply(_) => MessageKind::InstallSnapshotReply,
        }
    }

    /// The sender's term, which every message carries.
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote(m) => m.term,
            Message::RequestVoteReply(m) => m.term,
            Message::AppendEntries(m) => m.term,
            Message::AppendEntriesReply(m) => m.term,
            Message::InstallSnapshot(m) => m.term,
            Message::InstallSnapshotReply(m) => m.term,
        }
    }
}

/// RequestVote arguments (Figure 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    /// The candidate's term.
    pub term: Term,
    /// Index of the candidate's last log entry.
    pub last_log_index: Index,
    /// Term of the candidate's last log entry.
    pub last_log_term: Term,
}

/// RequestVote results (Figure 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, for the candidate to update itself.
    pub term: Term,
    /// Whether the candidate received the vote.
    pub vote_granted: bool,
}

/// AppendEntries arguments (Figure 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    /// The leader's term.
    pub term: Term,
    /// Index of the entry just before the new ones.
    pub prev_log_index: Index,
    /// Term of the entry at `prev_log_index`.
    pub prev_log_term: Term,
    /// Entries to store, starting at `prev_log_index + 1` (empty for a heartbeat).
    pub entries: Vec<Entry>,
    /// The leader's commit index.
    pub leader_commit: Index,
}

/// AppendEntries results (Figure 2), with the lab's fast log backup on a rejection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "AppendEntriesWire", into = "AppendEntriesWire")]
pub struct AppendEntriesReply {
    /// The follower's current term.
    pub term: Term,
    /// Whether its log matched, and what follows from that.
    pub result: AppendResult,
}

/// How a follower answered an AppendEntries of its current term (or of an older one, which it
/// rejects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendResult {
    /// The follower's log matched at `prev_log_index` and now holds the entries.
    Matched {
        /// The index of the last entry the request made sure of.
        match_index: Index,
    },
    /// It did not match: where the leader should resume, instead of one entry at a time.
    Rejected {
        /// The term of the follower's conflicting entry at `prev_log_index`, or `None` when its
        /// log is too short to have one.
        conflict_term: Option<Term>,
        /// The first index the follower holds of `conflict_term`, or its log length + 1 when
        /// `conflict_term` is `None`.
        conflict_index: Index,
    },
}

/// An [`AppendEntriesReply`] as it travels: the lab's flat fields, so that its bytes (and the
/// byte counts and trace digests measured from them) stay what they were.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct AppendEntriesWire {
    term: Term,
    success: bool,
    match_index: Index,
    conflict_term: Option<Term>,
    conflict_index: Index,
}

impl From<AppendEntriesWire> for AppendEntriesReply {
    fn from(w: AppendEntriesWire) -> Self {
        let result = if w.success {
            AppendResult::Matched { match_index: w.match_index }
        } else {
            AppendResult::Rejected {
                conflict_term: w.conflict_term,
                conflict_index: w.conflict_index,
            }
        };
        AppendEntriesReply { term: w.term, result }
    }
}

impl From<AppendEntriesReply> for AppendEntriesWire {
    fn from(r: AppendEntriesReply) -> Self {
        let term = r.term;
        match r.result {
            AppendResult::Matched { match_index } => AppendEntriesWire {
                term,
                success: true,
                match_index,
                conflict_term: None,
                conflict_index: 0,
            },
            AppendResult::Rejected { conflict_term, conflict_index } => AppendEntriesWire {
                term,
                success: false,
                match_index: 0,
                conflict_term,
                conflict_index,
            },
        }
    }
}

/// InstallSnapshot arguments (Figure 13), sent whole rather than in chunks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotArgs {
    /// The leader's term.
    pub term: Term,
    /// The snapshot replaces all entries up to and including this index.
    pub last_included_index: Index,
    /// Term of the entry at `last_included_index`.
    pub last_included_term: Term,
    /// The service's snapshot bytes.
    pub data: Vec<u8>,
}

/// InstallSnapshot results (Figure 13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term.
    pub term: Term,
    /// The `last_included_index` of the snapshot answered, so the leader can advance without
    /// remembering the request.
    pub last_included_index: Index,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_append_reply_travels_as_the_labs_flat_fields_and_comes_back_the_same() {
        let matched =
            AppendEntriesReply { term: 3, result: AppendResult::Matched { match_index: 7 } };
        let rejected = AppendEntriesReply {
            term: 3,
            result: AppendResult::Rejected { conflict_term: Some(2), conflict_index: 5 },
        };
        for reply in [matched, rejected] {
            let bytes = postcard::to_allocvec(&reply).unwrap();
            assert_eq!(postcard::from_bytes::<AppendEntriesReply>(&bytes).unwrap(), reply);
        }
        // term, success, match_index, conflict_term (None), conflict_index
        assert_eq!(postcard::to_allocvec(&matched).unwrap(), [3, 1, 7, 0, 0]);
        assert_eq!(postcard::to_allocvec(&rejected).unwrap(), [3, 0, 0, 1, 2, 5]);
    }
}
