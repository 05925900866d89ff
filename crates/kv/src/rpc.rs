//! The Clerk's RPCs to a KvServer, as one-way messages (the lab's GetArgs/PutAppendArgs and
//! their replies, merged).

use serde::{Deserialize, Serialize};

use crate::{ClientId, Op, Seq};

/// A Clerk asks a server to carry out an operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkRequest {
    /// The Clerk.
    pub client_id: ClientId,
    /// Its sequence number: the same on every retry of one operation.
    pub seq: Seq,
    /// The operation.
    pub op: Op,
}

/// The lab's `Err` values (OK, ErrNoKey, ErrWrongLeader), named so as not to shadow the
/// prelude's `Err`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrCode {
    /// Done.
    Ok,
    /// A Get of a missing key: done, the value is "".
    ErrNoKey,
    /// This server does not lead, or lost its leadership before the operation committed:
    /// try another.
    ErrWrongLeader,
}

/// A server's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkReply {
    /// The sequence number answered.
    pub seq: Seq,
    /// Outcome.
    pub err: ErrCode,
    /// A Get's value.
    pub value: String,
    /// Where the operation sits in the log, when the server knows.
    pub index: Option<raft::Index>,
}

impl ClerkReply {
    /// An ErrWrongLeader answer to `seq`.
    pub fn wrong_leader(seq: Seq) -> ClerkReply {
        ClerkReply { seq, err: ErrCode::ErrWrongLeader, value: String::new(), index: None }
    }
}
