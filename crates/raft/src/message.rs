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

/// AppendEntries results (Figure 2), with the fields of the lab's fast log backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term.
    pub term: Term,
    /// Whether the follower's log matched at `prev_log_index` and now holds the entries.
    pub success: bool,
    /// On success: the index of the last entry the request made sure of.
    pub match_index: Index,
    /// On failure: the term of the follower's conflicting entry at `prev_log_index`, or `None`
    /// when its log is too short to have one.
    pub conflict_term: Option<Term>,
    /// On failure: the first index the follower holds of `conflict_term`, or its log length + 1
    /// when `conflict_term` is `None`. The leader resumes from there instead of one entry at a time.
    pub conflict_index: Index,
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
