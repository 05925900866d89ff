//! The brute-force checker shared by the randomised tests (`random.rs`, `incremental.rs`): the
//! sequential store, an exhaustive search for linearizations, validation of a key's result,
//! and histories from simulated executions.

use std::collections::{BTreeMap, HashSet};

use check::{KeyResult, OpKind, Operation, Verdict};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The sequential store: applies `op`, returning false if it is a Get with another output.
pub fn apply(store: &mut BTreeMap<String, String>, op: &Operation) -> bool {
    match op.kind {
        OpKind::Get => store.get(&op.key).map_or("", String::as_str) == op.output,
        OpKind::Put => {
            store.insert(op.key.clone(), op.value.clone());
            true
        }
        OpKind::Append => {
            store.entry(op.key.clone()).or_default().push_str(&op.value);
            true
        }
    }
}

/// Whether `a` must be linearized before `b` (returns strictly before `b` is called).
pub fn precedes(a: &Operation, b: &Operation) -> bool {
    a.ret.is_some_and(|ret| ret.max(a.call) < b.call)
}

/// A configuration of the brute-force search: which operations are placed, and the store.
pub type Configuration = (Vec<bool>, BTreeMap<String, String>);

/// Whether some sequence of the unplaced operations among `ops` (indices into `history`),
/// consistent with real time and with the store, leads from (`placed`, `store`) to a
/// configuration where `goal` holds. Tries every such sequence, skipping configurations in
/// `failed` (known not to lead there) and adding those it finds.
pub fn reachable(
    history: &[Operation],
    ops: &[usize],
    (placed, store): &mut Configuration,
    goal: &dyn Fn(&[bool]) -> bool,
    failed: &mut HashSet<Configuration>,
) -> bool {
    if goal(placed) {
        return true;
    }
    if failed.contains(&(placed.clone(), store.clone())) {
        return false;
    }
    for &i in ops {
        let ready = !placed[i]
            && ops.iter().all(|&j| placed[j] || j == i || !precedes(&history[j], &history[i]));
        let mut next = (placed.clone(), store.clone());
        if ready && apply(&mut next.1, &history[i]) {
            next.0[i] = true;
            if reachable(history, ops, &mut next, goal, failed) {
                return true;
            }
        }
    }
    failed.insert((placed.clone(), store.clone()));
    false
}

/// The operations of `key` (of every key if None) the checker searches: all but the pending
/// Gets.
pub fn searched(history: &[Operation], key: Option<&str>) -> Vec<usize> {
    (0..history.len())
        .filter(|&i| key.is_none_or(|key| history[i].key == key))
        .filter(|&i| history[i].ret.is_some() || history[i].kind != OpKind::Get)
        .collect()
}

/// Checks that a key's result is a real explanation: `longest` is a valid (partial)
/// linearization of that key's operations, complete if Linearizable; if not, each unplaceable
/// operation is one of the key's and could come next in real time but does not fit there, or
/// fits in no continuation (searched exhaustively only if the key has at most `exhaustive`
/// searched operations).
pub fn validate(history: &[Operation], key: &KeyResult, exhaustive: usize) {
    let ops = searched(history, Some(&key.key));
    let mut placed = vec![false; history.len()];
    let mut store = BTreeMap::new();
    for &i in &key.longest {
        assert!(ops.contains(&i) && !placed[i], "{i} misplaced in {key:?}");
        for &j in &ops {
            assert!(
                placed[j] || !precedes(&history[j], &history[i]),
                "{j} must precede {i}: {key:?}"
            );
        }
        assert!(apply(&mut store, &history[i]), "{i} does not fit: {key:?}");
        placed[i] = true;
    }
    match key.verdict {
        Verdict::Linearizable => {
            assert!(key.unplaceable.is_empty());
            for &i in &ops {
                assert!(placed[i] || history[i].ret.is_none(), "{i} missing from {key:?}");
            }
        }
        Verdict::NotLinearizable => {
            assert!(!key.unplaceable.is_empty(), "{key:?}");
            for &i in &key.unplaceable {
                assert!(i < history.len() && history[i].key == key.key, "{i}: {key:?}");
                assert!(ops.contains(&i) && !placed[i], "{i} in unplaceable: {key:?}");
                let candidate =
                    ops.iter().all(|&j| placed[j] || j == i || !precedes(&history[j], &history[i]));
                if candidate && !apply(&mut store.clone(), &history[i]) {
                    continue;
                }
                // Exhaustive, so only for small histories.
                if ops.len() <= exhaustive {
                    let mut after = (placed.clone(), store.clone());
                    let placed_i = |placed: &[bool]| placed[i];
                    let placeable =
                        reachable(history, &ops, &mut after, &placed_i, &mut HashSet::new());
                    assert!(!placeable, "{i} can follow {key:?}");
                }
            }
        }
        Verdict::Unknown => assert!(key.unplaceable.is_empty()),
    }
}

/// A linearizable history from a simulated execution: `clients` sequential clients issue `len`
/// operations on random `keys`, each taking effect at a random point inside its interval, so
/// intervals overlap. Each client's last operation is left pending half the time (and then
/// takes effect or not).
pub fn simulated_history(
    rng: &mut ChaCha8Rng,
    len: usize,
    clients: u64,
    keys: &[String],
) -> Vec<Operation> {
    let mut free = vec![0; clients as usize];
    let mut ops: Vec<(Operation, Option<u64>)> = Vec::with_capacity(len);
    for seq in 0..len {
        let client = seq as u64 % clients;
        let call = free[client as usize] + rng.random_range(0..5);
        let point = call + rng.random_range(0..20);
        let ret = point + rng.random_range(0..20);
        free[client as usize] = ret;
        let (kind, value) = match rng.random_range(0..10) {
            0..5 => (OpKind::Get, String::new()),
            5..9 => (OpKind::Append, format!("{client}.{seq} ")),
            _ => (OpKind::Put, format!("p{client}.{seq} ")),
        };
        let last = seq + clients as usize >= len;
        let pending = last && rng.random_bool(0.5);
        let op = Operation {
            client,
            kind,
            key: keys[rng.random_range(0..keys.len())].clone(),
            value,
            output: String::new(),
            call,
            ret: (!pending).then_some(ret),
        };
        let point = (!pending || rng.random_bool(0.5)).then_some(point);
        ops.push((op, point));
    }
    let mut order: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].1.is_some()).collect();
    order.sort_by_key(|&i| (ops[i].1, i));
    let mut store = BTreeMap::new();
    for i in order {
        if ops[i].0.kind == OpKind::Get {
            ops[i].0.output = store.get(&ops[i].0.key).cloned().unwrap_or_default();
        }
        apply(&mut store, &ops[i].0);
    }
    ops.into_iter().map(|(op, _)| op).collect()
}

pub fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("k{i}")).collect()
}
