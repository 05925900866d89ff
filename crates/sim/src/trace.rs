//! What happened, in order, with virtual times: what a renderer draws and what a
//! determinism test compares.

use kv::{AttemptError, ClientId, Op, Seq};
use raft::{Index, NodeId, Role, Term, Time};
use serde::{Deserialize, Serialize};

use crate::{Endpoint, MessageId, PacketKind};

/// One thing that happened at a virtual instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// When it happened.
    pub at: Time,
    /// What happened.
    pub event: TraceEvent,
}

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DropReason {
    /// The unreliable network lost it.
    Unreliable,
    /// Sender and receiver were in different partitions when it arrived.
    Partitioned,
    /// The sender crashed (or restarted) while it was in flight.
    SenderCrashed,
    /// The receiver was down, or restarted, when it arrived.
    ReceiverDown,
    /// Dropped by hand.
    ByUser,
}

/// The kinds of [`TraceRecord`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceEvent {
    /// A message left `from`; it is due at `to` at `deliver_at`.
    Sent {
        /// The message.
        id: MessageId,
        /// Sender.
        from: Endpoint,
        /// Receiver.
        to: Endpoint,
        /// Its kind.
        kind: PacketKind,
        /// Its encoded size.
        bytes: usize,
        /// When it is due.
        deliver_at: Time,
    },
    /// A message reached its receiver.
    Delivered {
        /// The message.
        id: MessageId,
    },
    /// A message was lost.
    Dropped {
        /// The message.
        id: MessageId,
        /// Why.
        reason: DropReason,
    },
    /// A message was held back by hand; it stays in flight until released.
    Held {
        /// The message.
        id: MessageId,
    },
    /// A held message was released, or a message was hurried, to arrive at `deliver_at`.
    Released {
        /// The message.
        id: MessageId,
        /// When it is now due.
        deliver_at: Time,
    },
    /// A message was duplicated by hand.
    Duplicated {
        /// The original.
        id: MessageId,
        /// The copy, in flight on its own.
        copy: MessageId,
    },
    /// A server changed role or term.
    RoleChanged {
        /// The server.
        server: NodeId,
        /// Its new role.
        role: Role,
        /// Its term.
        term: Term,
    },
    /// A server's commit index rose.
    Committed {
        /// The server.
        server: NodeId,
        /// The new commit index.
        index: Index,
    },
    /// A server's service has applied everything up to `index`.
    Applied {
        /// The server.
        server: NodeId,
        /// Last index applied.
        index: Index,
    },
    /// A server's service took a snapshot and Raft trimmed its log.
    SnapshotTaken {
        /// The server.
        server: NodeId,
        /// Last index covered.
        index: Index,
        /// Snapshot size in bytes.
        bytes: usize,
    },
    /// A server's service restored a snapshot (from InstallSnapshot or at restart).
    SnapshotInstalled {
        /// The server.
        server: NodeId,
        /// Last index covered.
        index: Index,
    },
    /// A server crashed: its volatile state is gone, its persister stays.
    Crashed {
        /// The server.
        server: NodeId,
    },
    /// A server restarted from its persister.
    Restarted {
        /// The server.
        server: NodeId,
    },
    /// Who can reach whom changed.
    TopologyChanged {
        /// The groups, main group first.
        groups: Vec<Vec<NodeId>>,
    },
    /// A Clerk was asked for an operation.
    OpInvoked {
        /// The Clerk.
        client: ClientId,
        /// Its sequence number.
        seq: Seq,
        /// The operation.
        op: Op,
    },
    /// A Clerk's attempt failed and it tries `server` next.
    ClerkRetried {
        /// The Clerk.
        client: ClientId,
        /// The operation's sequence number.
        seq: Seq,
        /// The server tried now.
        server: NodeId,
        /// Why the last attempt failed.
        reason: AttemptError,
    },
    /// A Clerk's operation returned.
    OpReturned {
        /// The Clerk.
        client: ClientId,
        /// Its sequence number.
        seq: Seq,
        /// The server that answered.
        server: NodeId,
        /// The log index it was applied at, as reported.
        index: Option<Index>,
        /// A Get's value.
        value: String,
    },
    /// The network's delays or losses changed.
    NetworkChanged {
        /// Whether messages can now be lost.
        unreliable: bool,
        /// Whether long reordering is on.
        long_reordering: bool,
    },
}

/// A fingerprint of a trace that is the same on every platform (FNV-1a over the records'
/// postcard bytes), for checking that two runs, native or in the browser, were identical.
pub fn digest(trace: &[TraceRecord]) -> u64 {
    trace.iter().fold(kv::fnv1a_start(), |hash, record| {
        let bytes = postcard::to_allocvec(record).expect("encoding to a Vec cannot fail");
        kv::fnv1a(hash, &bytes)
    })
}
