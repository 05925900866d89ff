//! The key/value service of MIT 6.824 Lab 3 on [`raft`], sans-IO like `raft` itself.
//!
//! A [`KvServer`] is a Raft node plus a state machine: every operation, Gets included, goes
//! through the Raft log; a session table of the last Put/Append's Seq (and its reply) per
//! ClientId makes each write take effect exactly once despite retries (a retried Get is simply
//! read again through the log); when the persisted Raft state
//! reaches `maxraftstate` bytes the server snapshots its map and session table. A [`Clerk`]
//! is the client's state machine: one operation at a time, retried with the same ClientId and
//! Seq on the next server after ErrWrongLeader, a failed call or a timeout.

mod clerk;
mod digest;
mod op;
mod rpc;
mod server;
mod session;
mod store;

pub use clerk::{AttemptError, Clerk, ClerkConfig, ClerkView, Completed, InProgress, StartError};
pub use digest::{fnv1a, fnv1a_start};
pub use op::{ClientId, Command, Op, OpError, OpKind, Seq, MAX_KEY_BYTES, MAX_VALUE_BYTES};
pub use rpc::{ClerkReply, ClerkRequest, ErrCode};
pub use server::{
    KvConfig, KvReady, KvServer, KvSnapshot, PendingView, Persister, Replies, SnapshotDecodeError,
};
pub use session::{Session, SessionTable};
pub use store::Store;

// `wasm-pack test --headless --chrome` runs the unit tests in a browser.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
