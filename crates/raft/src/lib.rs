//! Sans-IO Raft, as in the extended Raft paper (Figure 2, §5, §7) and the MIT 6.824 lab.
//!
//! A [`Raft`] node never reads a clock, spawns a thread, touches a socket or draws an unseeded
//! random number. Its caller feeds it inputs — the current virtual time ([`Raft::tick`]), a
//! message from a peer ([`Raft::step`]), a proposal ([`Raft::propose`]), a snapshot from the
//! service ([`Raft::snapshot`]) — and then takes its outputs with [`Raft::take_ready`]: state to
//! persist, messages to send, and committed entries or snapshots to apply, in that order.
//!
//! The same code runs natively in the tests and in the browser, and the same seed always gives
//! the same run.

mod config;
mod election;
mod log;
mod message;
mod node;
mod persist;
mod progress;
mod ready;
mod replication;
mod snapshot;
mod view;

pub use config::Config;
pub use log::{Entry, Log};
pub use message::{
    AppendEntriesArgs, AppendEntriesReply, AppendResult, Envelope, InstallSnapshotArgs,
    InstallSnapshotReply, Message, MessageKind, RequestVoteArgs, RequestVoteReply,
};
pub use node::{NotLeader, Raft, Role, Setup};
pub use persist::{DecodeError, HardState, Persist, PersistentState};
pub use progress::{Progress, ProgressState};
pub use ready::{ApplyMsg, Ready, SoftState};
pub use snapshot::SnapshotError;
pub use view::RaftView;

/// A Raft term (paper §5.1). Term 0 is the term before any election.
pub type Term = u64;
/// A log index. The log starts at index 1; index 0 stands for "before the log".
pub type Index = u64;
/// A server's position in the cluster, `0..n`.
pub type NodeId = usize;
/// Virtual time in microseconds. Raft only ever sees the time its caller hands it.
pub type Time = u64;

/// One virtual millisecond.
pub const MILLISECOND: Time = 1_000;
/// One virtual second.
pub const SECOND: Time = 1_000_000;
