//! Splitting a history into per-key partitions. The key/value model is a product of
//! independent registers, one per key, so the history is linearizable exactly when each key's
//! sub-history is (linearizability is local), and each can be searched on its own.

use std::collections::{BTreeMap, HashMap};

use crate::hash::FxBuild;
use crate::model::{Input, Piece, Register};
use crate::{OpKind, Operation};

/// One key's operations, renumbered in call order for the search.
pub(crate) struct Partition<'a> {
    pub(crate) key: &'a str,
    /// Per operation: its index in the input history.
    pub(crate) origin: Vec<usize>,
    pub(crate) inputs: Vec<Input>,
    /// Per operation: (call, return) times; a return before its call is taken to be at the call.
    pub(crate) spans: Vec<(u64, Option<u64>)>,
    /// The Puts of each value, in call order.
    pub(crate) puts: HashMap<Piece, Vec<u32>, FxBuild>,
    /// How many operations have returned: the search is done once all of these are placed.
    pub(crate) completed: usize,
    pub(crate) register: Register<'a>,
}

/// The partitions of `history`, sorted by key, one for every key that appears in it. Pending
/// Gets are left out: they constrain nothing.
pub(crate) fn partition(history: &[Operation]) -> Vec<Partition<'_>> {
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, op) in history.iter().enumerate() {
        let ops = by_key.entry(op.key.as_str()).or_default();
        if op.ret.is_some() || op.kind != OpKind::Get {
            ops.push(index);
        }
    }
    by_key
        .into_iter()
        .map(|(key, mut origin)| {
            // Call order keeps linearized sets compact (see `opset`); the index breaks ties
            // so the numbering is deterministic.
            crate::sort::by_key(&mut origin, |&index| (history[index].call, index as u64));
            let mut register = Register::new();
            let inputs: Vec<Input> = origin
                .iter()
                .map(|&index| {
                    let op = &history[index];
                    let text = match op.kind {
                        OpKind::Get => &op.output,
                        OpKind::Put | OpKind::Append => &op.value,
                    };
                    register.input(op.kind, text)
                })
                .collect();
            let spans = origin
                .iter()
                .map(|&index| {
                    let op = &history[index];
                    (op.call, op.ret.map(|ret| ret.max(op.call)))
                })
                .collect();
            let mut puts: HashMap<Piece, Vec<u32>, FxBuild> = HashMap::default();
            for (op, input) in (0..).zip(&inputs) {
                if let Input::Put(value) = *input {
                    puts.entry(value).or_default().push(op);
                }
            }
            let completed = origin.iter().filter(|&&index| history[index].ret.is_some()).count();
            Partition { key, origin, inputs, spans, puts, completed, register }
        })
        .collect()
}
