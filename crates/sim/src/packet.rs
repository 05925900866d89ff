//! What travels on the simulated network: Raft's messages between servers, and the Clerks'
//! requests and the servers' replies.

use kv::{ClerkReply, ClerkRequest, ClientId};
use raft::{MessageKind, NodeId};
use serde::{Deserialize, Serialize};

/// One end of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Endpoint {
    /// A KvServer (its Raft node).
    Server(NodeId),
    /// A Clerk.
    Client(ClientId),
}

/// A message's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    /// Server to server.
    Raft(raft::Message),
    /// Clerk to server.
    Request(ClerkRequest),
    /// Server to Clerk.
    Reply(ClerkReply),
}

/// A message and its two ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packet {
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// Content.
    pub payload: Payload,
}

/// The kind of a packet, for counting, filtering and drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PacketKind {
    /// A Raft message of this kind.
    Raft(MessageKind),
    /// A Clerk's request.
    ClerkRequest,
    /// A server's reply to a Clerk.
    ClerkReply,
}

impl PacketKind {
    /// Whether this answers a request (the lab's network loses requests and replies apart).
    pub fn is_reply(self) -> bool {
        match self {
            PacketKind::Raft(kind) => kind.is_reply(),
            PacketKind::ClerkRequest => false,
            PacketKind::ClerkReply => true,
        }
    }
}

impl Payload {
    /// The packet's kind.
    pub fn kind(&self) -> PacketKind {
        match self {
            Payload::Raft(m) => PacketKind::Raft(m.kind()),
            Payload::Request(_) => PacketKind::ClerkRequest,
            Payload::Reply(_) => PacketKind::ClerkReply,
        }
    }
}
