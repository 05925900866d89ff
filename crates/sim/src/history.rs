//! Every Clerk operation of a run, from call to return: what the linearizability checker
//! reads, what a history view draws, and what is exported for outside checkers.

use kv::{ClientId, Op, OpKind, Seq};
use raft::{Index, NodeId, Time};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One Clerk operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The Clerk.
    pub client: ClientId,
    /// Its sequence number.
    pub seq: Seq,
    /// The operation.
    pub op: Op,
    /// When the Clerk was asked.
    pub call: Time,
    /// When it returned; `None` while (or if forever) in progress.
    pub ret: Option<Time>,
    /// What a Get returned.
    pub output: Option<String>,
    /// The server that answered.
    pub server: Option<NodeId>,
    /// The log index it was applied at.
    pub index: Option<Index>,
    /// Attempts the Clerk made.
    pub attempts: u32,
    /// Position of the call among all calls and returns of the run. Many happen at the same
    /// virtual microsecond (a Clerk's next call at the instant its last one returned); the
    /// simulator knows their exact order, and the checker is given it.
    pub call_order: u64,
    /// Position of the return, likewise.
    pub ret_order: Option<u64>,
}

/// The history as the checker's operations, timed by the exact order of calls and returns.
pub fn operations<E: AsRef<HistoryEntry>>(history: &[E]) -> Vec<check::Operation> {
    history.iter().map(|e| operation(e.as_ref())).collect()
}

/// One entry as the checker's operation (see [`operations`]).
pub fn operation(e: &HistoryEntry) -> check::Operation {
    check::Operation {
        client: e.client,
        kind: match e.op.kind {
            OpKind::Get => check::OpKind::Get,
            OpKind::Put => check::OpKind::Put,
            OpKind::Append => check::OpKind::Append,
        },
        key: e.op.key.clone(),
        value: e.op.value.clone(),
        output: e.output.clone().unwrap_or_default(),
        call: e.call_order,
        ret: e.ret_order,
    }
}

/// The history as JSON in the shape of porcupine's key/value model: a list of
/// `{"clientId", "input": {"op": "get"|"put"|"append", "key", "value"}, "output": {"value"},
/// "call", "return"}` with times in virtual µs (`"return": null` for an operation that never
/// returned).
pub fn porcupine_json<E: AsRef<HistoryEntry>>(history: &[E]) -> String {
    let ops: Vec<_> = history
        .iter()
        .map(|e| {
            let e = e.as_ref();
            let op = match e.op.kind {
                OpKind::Get => "get",
                OpKind::Put => "put",
                OpKind::Append => "append",
            };
            json!({
                "clientId": e.client,
                "input": { "op": op, "key": e.op.key, "value": e.op.value },
                "output": { "value": e.output.clone().unwrap_or_default() },
                "call": e.call,
                "return": e.ret,
                "server": e.server,
                "index": e.index,
            })
        })
        .collect();
    serde_json::to_string_pretty(&ops).expect("JSON values serialise")
}

impl AsRef<HistoryEntry> for HistoryEntry {
    fn as_ref(&self) -> &HistoryEntry {
        self
    }
}
