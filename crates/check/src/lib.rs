//! A linearizability checker for histories of a key/value store with the semantics of MIT
//! 6.824's kvraft: `Put(key, value)` replaces the value, `Append(key, arg)` appends to it (on a
//! missing key it acts like Put), and `Get(key)` returns it, or `""` for a missing key.
//!
//! A history is linearizable if its operations can be put in one total order, consistent with
//! real time, in which every Get returns what the sequential store would. [`check_kv`] decides
//! this with porcupine's algorithm: the history is split by key (each key is an independent
//! register, and linearizability is local), and each key is searched with the Wing–Gong
//! backtracking search over a linked list of call/return events, memoized with Lowe's cache of
//! (linearized set, register state) pairs already explored. On top of porcupine, the search
//! uses what Get/Put/Append mean to prune and merge configurations (a Get that reads the
//! current value is placed at once; a Get that can no longer read its output fails the branch;
//! values no remaining Get can read are merged), which keeps it near-linear on correct
//! histories with many concurrent clients per key, where plain porcupine is exponential.
//!
//! Conventions:
//! - **Real time.** Operation A must precede B only if `A.ret < B.call`. An operation that
//!   returns at the same instant another is called is concurrent with it: the simulator can
//!   produce both at one virtual time, and this is the choice that never rejects a correct
//!   history. A `ret` earlier than its `call` is taken to be at the call.
//! - **Pending operations** (`ret: None`) have an infinite return time: a pending Put/Append may
//!   take effect at any point after its call or never, and a pending Get is ignored.
//! - **Budget.** The search is exponential in the worst case, so it runs under a deterministic
//!   step budget and answers [`Verdict::Unknown`] when it runs out, never looking at a clock.
//!   The crate uses no clock, thread or randomness, so it runs identically in wasm.
//!
//! For a history that grows (a run in progress), [`Incremental`] checks it as it is fed,
//! re-checking only the part of each key's history since its last quiescent operation.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cache;
mod hash;
mod history;
mod incremental;
mod model;
mod opset;
mod search;
pub mod sort;
mod timeline;

use serde::{Deserialize, Serialize};

pub use incremental::Incremental;

/// The kind of a key/value operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OpKind {
    /// Read the key's value (`""` if missing).
    Get,
    /// Replace the key's value.
    Put,
    /// Append to the key's value (like Put on a missing key).
    Append,
}

/// One client operation as observed: call and return in virtual microseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// The client that issued it (for display; the check does not use it).
    pub client: u64,
    /// What the operation does.
    pub kind: OpKind,
    /// The key it acts on.
    pub key: String,
    /// Put/Append argument; "" for Get.
    pub value: String,
    /// What a Get returned; "" for Put/Append.
    pub output: String,
    /// When the client called it.
    pub call: u64,
    /// When it returned. `None`: the operation never returned (the client gave up or the run
    /// ended). A pending Put/Append may have taken effect at any point after its call, or never;
    /// a pending Get constrains nothing.
    pub ret: Option<u64>,
}

/// How much search [`check_kv`] may do before answering [`Verdict::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Search steps allowed over all keys together. A step visits one event of the history
    /// (with the bounded look-ahead it may trigger) or undoes one choice. A correct history
    /// takes from a few steps per operation, with little concurrency per key, to a few hundred
    /// with 15 clients on one key.
    pub max_steps: u64,
}

impl Default for Budget {
    /// 5,000,000 steps: a fraction of a second natively; enough for correct 100k-operation
    /// histories over a few keys, and for about 15k operations of 15 clients on a single key.
    fn default() -> Self {
        Budget { max_steps: 5_000_000 }
    }
}

/// The answer for a history or for one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// A linearization exists.
    Linearizable,
    /// No linearization exists.
    NotLinearizable,
    /// The step budget ran out before the search finished.
    Unknown,
}

/// The result of [`check_kv`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// `NotLinearizable` if any key is, else `Unknown` if any key is, else `Linearizable`.
    pub verdict: Verdict,
    /// One result per key in the history, sorted by key.
    pub keys: Vec<KeyResult>,
    /// Search steps used over all keys.
    pub steps: u64,
}

/// The result for one key. Operations are indices into the checked history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyResult {
    /// The key.
    pub key: String,
    /// This key's verdict.
    pub verdict: Verdict,
    /// In linearization order. `Linearizable`: a linearization (every completed operation and
    /// the pending ones it places). `NotLinearizable`: the longest partial linearization found.
    /// `Unknown`: the longest one found before the budget ran out.
    pub longest: Vec<usize>,
    /// `NotLinearizable` only, and never empty then: the operations that could not be placed
    /// after `longest`. These are the Gets that could come next in real time but do not read
    /// the value `longest` leaves, and possibly the next Get after them, if no order of the
    /// remaining operations lets it read its output. Empty otherwise.
    pub unplaceable: Vec<usize>,
    /// Search steps spent on this key.
    pub steps: u64,
}

/// Checks whether `history` is linearizable with respect to the key/value store (see the crate
/// documentation for the conventions).
///
/// Keys are searched smallest first, sharing `budget`, so that running out on a big key still
/// leaves verdicts for the small ones; keys not finished get [`Verdict::Unknown`].
///
/// ```
/// use check::{check_kv, Budget, OpKind, Operation, Verdict};
///
/// let op = |kind, value: &str, output: &str, call, ret| Operation {
///     client: 0,
///     kind,
///     key: "x".to_string(),
///     value: value.to_string(),
///     output: output.to_string(),
///     call,
///     ret: Some(ret),
/// };
///
/// // Put x=1 returns at 10, then a Get called at 20 reads "": a stale read.
/// let history = [op(OpKind::Put, "1", "", 0, 10), op(OpKind::Get, "", "", 20, 30)];
/// let result = check_kv(&history, Budget::default());
/// assert_eq!(result.verdict, Verdict::NotLinearizable);
/// assert_eq!(result.keys[0].longest, [0]); // the Put alone is fine...
/// assert_eq!(result.keys[0].unplaceable, [1]); // ...but the Get cannot follow it
///
/// // Had the Get been called before the Put returned, it could be ordered first.
/// let history = [op(OpKind::Put, "1", "", 0, 10), op(OpKind::Get, "", "", 5, 30)];
/// let result = check_kv(&history, Budget::default());
/// assert_eq!(result.verdict, Verdict::Linearizable);
/// assert_eq!(result.keys[0].longest, [1, 0]);
/// ```
pub fn check_kv(history: &[Operation], budget: Budget) -> CheckResult {
    let mut partitions: Vec<_> = history::partition(history).into_iter().enumerate().collect();
    sort::by_key(&mut partitions, |(_, part)| (part.inputs.len() as u64, 0));

    let mut steps = 0;
    // Each partition is dropped, with its search tables, once searched.
    let mut keys: Vec<(usize, KeyResult)> = partitions
        .into_iter()
        .map(|(i, mut part)| {
            let outcome = search::search(&mut part, budget.max_steps.saturating_sub(steps));
            steps += outcome.steps;
            let to_history = |ops: Vec<u32>| -> Vec<usize> {
                ops.into_iter().map(|op| part.origin[op as usize]).collect()
            };
            let result = KeyResult {
                key: part.key.to_owned(),
                verdict: outcome.verdict,
                longest: to_history(outcome.order),
                unplaceable: to_history(outcome.unplaceable),
                steps: outcome.steps,
            };
            (i, result)
        })
        .collect();
    sort::by_key(&mut keys, |&(i, _)| (i as u64, 0));
    let keys: Vec<KeyResult> = keys.into_iter().map(|(_, result)| result).collect();

    CheckResult { verdict: overall(&keys), keys, steps }
}

/// The verdict of a whole history from its keys' verdicts: NotLinearizable if any key is,
/// else Unknown if any key is, else Linearizable (also for no keys).
fn overall(keys: &[KeyResult]) -> Verdict {
    let any = |verdict| keys.iter().any(|key| key.verdict == verdict);
    if any(Verdict::NotLinearizable) {
        Verdict::NotLinearizable
    } else if any(Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Linearizable
    }
}
