//! Randomised tests: agreement with a brute-force checker on small histories, and large
//! histories from simulated executions (performance sanity, budget, a single corrupted read).

mod common;

use std::collections::{BTreeMap, HashSet};

use check::{check_kv, Budget, CheckResult, KeyResult, OpKind, Operation, Verdict};
use common::{apply, keys, reachable, searched, simulated_history};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The brute-force checker: whether some order places every completed operation.
fn brute_force(history: &[Operation], key: Option<&str>) -> Verdict {
    let ops = searched(history, key);
    let done = |placed: &[bool]| ops.iter().all(|&i| placed[i] || history[i].ret.is_none());
    let mut start = (vec![false; history.len()], BTreeMap::new());
    if reachable(history, &ops, &mut start, &done, &mut HashSet::new()) {
        Verdict::Linearizable
    } else {
        Verdict::NotLinearizable
    }
}

/// Checks that a key's result is a real explanation (`common::validate`), with an exhaustive
/// search for keys of up to 20 searched operations.
fn validate(history: &[Operation], key: &KeyResult) {
    common::validate(history, key, 20);
}

fn choose<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// A random history of at most 7 operations on 1–2 keys, with outputs from a sequential
/// execution in a real-time-consistent order, sometimes corrupted.
fn small_history(rng: &mut ChaCha8Rng) -> Vec<Operation> {
    let keys = &["k", ""][..rng.random_range(1..=2)];
    let len = rng.random_range(1..=7);
    // Each operation with its linearization point, or None if it (pending) never takes effect.
    let mut ops: Vec<(Operation, Option<u64>)> = (0..len)
        .map(|client| {
            let kind = match rng.random_range(0..10) {
                0..4 => OpKind::Get,
                4..7 => OpKind::Put,
                _ => OpKind::Append,
            };
            let call = rng.random_range(0..15);
            let ret = call + rng.random_range(0..8);
            let (ret, point) = if rng.random_bool(0.15) {
                (None, rng.random_bool(0.5).then(|| call + rng.random_range(0..12)))
            } else {
                (Some(ret), Some(rng.random_range(call..=ret)))
            };
            let value = match kind {
                OpKind::Get => "",
                _ => choose(rng, &["x", "y", ""]),
            };
            let op = Operation {
                client,
                kind,
                key: choose(rng, keys).to_string(),
                value: value.to_string(),
                output: String::new(),
                call,
                ret,
            };
            (op, point)
        })
        .collect();

    let mut order: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].1.is_some()).collect();
    // Equal points are concurrent (both intervals contain them), so any tie order is valid.
    order.sort_by_key(|&i| (ops[i].1, rng.random_range(0..1000)));
    let mut store = BTreeMap::new();
    for i in order {
        if ops[i].0.kind == OpKind::Get {
            ops[i].0.output = store.get(&ops[i].0.key).cloned().unwrap_or_default();
        }
        apply(&mut store, &ops[i].0);
    }
    let mut history: Vec<Operation> = ops.into_iter().map(|(op, _)| op).collect();
    for op in &mut history {
        if op.kind == OpKind::Get && rng.random_bool(0.3) {
            op.output = choose(rng, &["", "x", "y", "xy", "yx", "xx", "xyx"]).to_string();
        }
    }
    history
}

#[test]
fn agrees_with_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(6824);
    let mut counts = BTreeMap::new();
    for case in 0..3000 {
        let history = small_history(&mut rng);
        let result = check_kv(&history, Budget::default());
        let expected = brute_force(&history, None);
        assert_eq!(result.verdict, expected, "case {case}: {history:#?}\n{result:#?}");
        for key in &result.keys {
            let expected = brute_force(&history, Some(&key.key));
            assert_eq!(key.verdict, expected, "case {case}, key {:?}: {history:#?}", key.key);
            validate(&history, key);
        }
        *counts.entry(format!("{expected:?}")).or_insert(0) += 1;
    }
    // Both answers are well represented, so the agreement means something.
    println!("verdicts: {counts:?}");
    assert!(counts.values().all(|&n| n > 500), "{counts:?}");
}

#[test]
fn agrees_with_memoized_brute_force_on_medium_histories() {
    // Long enough for the search's pruning and merging to matter, short enough for an
    // exhaustive check (memoized on placed set and store).
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut counts = BTreeMap::new();
    for case in 0..3000 {
        let len = rng.random_range(8..=16);
        let clients = rng.random_range(2..=6);
        let keys = keys(rng.random_range(1..=2));
        let mut history = simulated_history(&mut rng, len, clients, &keys);
        for op in &mut history {
            if op.kind == OpKind::Get && rng.random_bool(0.1) {
                match op.output.len() {
                    0 => op.output.push_str("0.1 "),
                    len => op.output.truncate(rng.random_range(0..len)),
                }
            }
            if rng.random_bool(0.05) {
                op.ret = None;
            }
            if rng.random_bool(0.1) {
                op.call = op.call.saturating_sub(rng.random_range(0..30));
            }
        }
        let result = check_kv(&history, Budget::default());
        let expected = brute_force(&history, None);
        assert_eq!(result.verdict, expected, "case {case}: {history:#?}\n{result:#?}");
        for key in &result.keys {
            validate(&history, key);
        }
        *counts.entry(format!("{expected:?}")).or_insert(0) += 1;
    }
    println!("verdicts: {counts:?}");
    assert!(counts.values().all(|&n| n > 500), "{counts:?}");
}

/// Runs `check_kv`, printing how long it took (natively; the crate itself has no clock).
fn timed_check(name: &str, history: &[Operation], budget: Budget) -> CheckResult {
    let start = std::time::Instant::now();
    let result = check_kv(history, budget);
    println!(
        "{name}: {} ops, {:?} in {:.3?}, {} steps",
        history.len(),
        result.verdict,
        start.elapsed(),
        result.steps
    );
    result
}

#[test]
fn large_linearizable_history() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let history = simulated_history(&mut rng, 10_000, 5, &keys(3));
    let result = timed_check("10k ops, 5 clients, 3 keys", &history, Budget::default());
    assert_eq!(result.verdict, Verdict::Linearizable);
    for key in &result.keys {
        validate(&history, key);
    }
}

#[test]
fn large_history_with_many_clients_and_keys() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let history = simulated_history(&mut rng, 100_000, 15, &keys(15));
    let result = timed_check("100k ops, 15 clients, 15 keys", &history, Budget::default());
    assert_eq!(result.verdict, Verdict::Linearizable);
    for key in &result.keys {
        validate(&history, key);
    }
}

#[test]
fn many_clients_on_one_key() {
    // 15 concurrent clients on one key: plain porcupine is exponential here.
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut history = simulated_history(&mut rng, 10_000, 15, &keys(1));
    let budget = Budget { max_steps: 20_000_000 };
    let result = timed_check("10k ops, 15 clients, 1 key", &history, budget);
    assert_eq!(result.verdict, Verdict::Linearizable);
    validate(&history, &result.keys[0]);

    let bad =
        (5_000..).find(|&i| history[i].kind == OpKind::Get && history[i].ret.is_some()).unwrap();
    history[bad].output.push_str("corrupted");
    let result = timed_check("10k ops, 15 clients, 1 key, one bad read", &history, budget);
    assert_eq!(result.verdict, Verdict::NotLinearizable);
    validate(&history, &result.keys[0]);
    assert!(result.keys[0].unplaceable.contains(&bad), "{:?}", result.keys[0].unplaceable);
}

#[test]
fn large_history_with_one_bad_read() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut history = simulated_history(&mut rng, 10_000, 5, &keys(3));
    let bad =
        (5_000..).find(|&i| history[i].kind == OpKind::Get && history[i].ret.is_some()).unwrap();
    history[bad].output.push_str("corrupted");
    let result = timed_check("10k ops, one bad read", &history, Budget::default());
    assert_eq!(result.verdict, Verdict::NotLinearizable);
    for key in &result.keys {
        validate(&history, key);
        let broken = key.key == history[bad].key;
        assert_eq!(key.verdict == Verdict::NotLinearizable, broken);
        assert_eq!(key.unplaceable.contains(&bad), broken);
    }
}

#[test]
fn tiny_budget_gives_unknown() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let history = simulated_history(&mut rng, 10_000, 15, &keys(2));
    let result = check_kv(&history, Budget { max_steps: 1_000 });
    assert_eq!(result.verdict, Verdict::Unknown);
    assert_eq!(result.steps, 1_000);
    assert_eq!(result.keys.iter().map(|key| key.steps).sum::<u64>(), 1_000);
    for key in &result.keys {
        assert_eq!(key.verdict, Verdict::Unknown);
        validate(&history, key);
    }
    // Deterministic: the same history and budget give the same result.
    assert_eq!(check_kv(&history, Budget { max_steps: 1_000 }), result);
}

#[test]
fn exhausted_budget_spares_small_keys() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut history = simulated_history(&mut rng, 5_000, 5, &keys(1));
    history.push(Operation {
        client: 9,
        kind: OpKind::Get,
        key: "small".to_string(),
        value: String::new(),
        output: "never written".to_string(),
        call: 0,
        ret: Some(1),
    });
    let result = check_kv(&history, Budget { max_steps: 100 });
    assert_eq!(result.verdict, Verdict::NotLinearizable);
    assert_eq!(result.keys[0].verdict, Verdict::Unknown);
    assert_eq!(result.keys[1].key, "small");
    assert_eq!(result.keys[1].unplaceable, [history.len() - 1]);
}
