//! `Incremental` against `check_kv`: random histories fed op by op with work interleaved,
//! reuse on a long history, and hand-made cases around cuts.

mod common;

use std::collections::BTreeMap;

use check::{check_kv, Budget, Incremental, KeyResult, OpKind, Operation, Verdict};
use common::keys;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// In the browser (`wasm-pack test --headless --chrome`), the same tests run as
// wasm-bindgen tests.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Checks that a key's result explains itself as `check_kv`'s do (`common::validate`), with an
/// exhaustive search for keys of up to 16 searched operations.
fn validate(history: &[Operation], key: &KeyResult) {
    common::validate(history, key, 16);
}

/// `common::simulated_history`, sorted by call (the order `Incremental` is fed in).
fn simulated_history(
    rng: &mut ChaCha8Rng,
    len: usize,
    clients: u64,
    keys: &[String],
) -> Vec<Operation> {
    let mut history = common::simulated_history(rng, len, clients, keys);
    history.sort_by_key(|op| op.call);
    history
}

/// One event of feeding a history: an operation called, or one returned.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Pushed first at equal times, so an operation is pushed before it returns.
    Push(usize),
    Return(usize),
}

/// The events that feed `history` (in call order): each push at its call, each return at its
/// return, or, when `rng` is given, sometimes with the return already set at the push, or
/// delivered late (after later calls).
fn events(history: &[Operation], mut rng: Option<&mut ChaCha8Rng>) -> Vec<(u64, Event, bool)> {
    let mut events = Vec::new();
    for (i, op) in history.iter().enumerate() {
        let mut at_push = false;
        if let Some(ret) = op.ret {
            let ret = ret.max(op.call);
            let mut delay = 0;
            if let Some(rng) = rng.as_deref_mut() {
                if rng.random_bool(0.1) {
                    at_push = true;
                } else if rng.random_bool(0.2) {
                    delay = rng.random_range(0..60);
                }
            }
            if !at_push {
                events.push((ret + delay, Event::Return(i), false));
            }
        }
        events.push((op.call, Event::Push(i), at_push));
    }
    events.sort();
    events
}

/// Feeds `history` event by event, calling `work` with small random budgets in between and,
/// at up-to-date points, comparing with `check_kv` on the history so far; then works until done.
fn feed(history: &[Operation], rng: &mut ChaCha8Rng) -> Incremental {
    let budget = Budget::default();
    let mut incremental = Incremental::new(budget);
    let mut early_failure = false;
    for (_, event, at_push) in events(history, Some(rng)) {
        match event {
            Event::Push(i) => {
                let mut op = history[i].clone();
                if !at_push {
                    op.ret = None;
                    if op.kind == OpKind::Get {
                        op.output.clear();
                    }
                }
                assert_eq!(incremental.push(op), i);
            }
            Event::Return(i) => {
                let op = &history[i];
                incremental.returned(i, op.ret.unwrap(), op.output.clone());
            }
        }
        if rng.random_bool(0.5) {
            incremental.work(rng.random_range(0..40));
        }
        let verdict = incremental.verdict();
        if incremental.is_up_to_date() {
            let verdict = verdict.expect("up to date, so a verdict");
            if rng.random_bool(0.2) {
                let expected = check_kv(incremental.history(), budget).verdict;
                if expected != Verdict::Unknown {
                    assert_eq!(verdict, expected, "prefix of {history:#?}");
                }
            }
        } else if verdict == Some(Verdict::NotLinearizable) {
            // Only a closed segment can say so before all is checked: final.
            early_failure = true;
        }
    }
    let mut rounds = 0;
    while !incremental.work(rng.random_range(1..100)) {
        rounds += 1;
        assert!(rounds < 100_000);
    }
    if early_failure {
        assert_eq!(incremental.verdict(), Some(Verdict::NotLinearizable));
    }
    incremental
}

#[test]
fn agrees_with_check_kv_on_random_histories() {
    let mut rng = ChaCha8Rng::seed_from_u64(6824);
    let mut counts = BTreeMap::new();
    let mut closed = 0;
    for case in 0..400 {
        let len = rng.random_range(4..=80);
        let clients = rng.random_range(1..=5);
        let keys = keys(rng.random_range(1..=3));
        let mut history = simulated_history(&mut rng, len, clients, &keys);
        let corrupt = if rng.random_bool(0.6) { 0.06 } else { 0.0 };
        for op in &mut history {
            if op.kind == OpKind::Get && rng.random_bool(corrupt) {
                match op.output.len() {
                    0 => op.output.push_str("0.1 "),
                    len => op.output.truncate(rng.random_range(0..len)),
                }
            }
            if rng.random_bool(0.03) {
                op.ret = None;
            }
        }
        let expected = check_kv(&history, Budget::default());
        let incremental = feed(&history, &mut rng);
        let result = incremental.result();
        assert_eq!(incremental.verdict(), Some(expected.verdict), "case {case}: {history:#?}");
        assert_eq!(result.verdict, expected.verdict, "case {case}");
        assert_eq!(result.keys.len(), expected.keys.len());
        for (key, whole) in result.keys.iter().zip(&expected.keys) {
            assert_eq!(key.key, whole.key);
            assert_eq!(key.verdict, whole.verdict, "case {case}, key {}: {history:#?}", key.key);
            validate(&history, key);
        }
        let unplaceable: Vec<usize> = incremental.unplaceable().collect();
        let reported: Vec<usize> =
            result.keys.iter().flat_map(|key| key.unplaceable.iter().copied()).collect();
        assert_eq!(unplaceable, reported);
        assert_eq!(unplaceable.is_empty(), expected.verdict != Verdict::NotLinearizable);
        closed += incremental.closed_segments();
        *counts.entry(format!("{:?}", expected.verdict)).or_insert(0) += 1;
    }
    println!("verdicts: {counts:?}, closed segments: {closed}");
    assert!(counts.values().all(|&n| n > 100), "{counts:?}");
    assert!(closed > 1000);
}

#[test]
fn deterministic() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let history = simulated_history(&mut rng, 300, 3, &keys(2));
    let run = || {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let incremental = feed(&history, &mut rng);
        (incremental.result(), incremental.segments_checked(), incremental.closed_segments())
    };
    assert_eq!(run(), run());
}

#[test]
fn reuse_on_a_long_history() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let history = simulated_history(&mut rng, 20_000, 3, &keys(2));
    let whole = check_kv(&history, Budget::default());
    assert_eq!(whole.verdict, Verdict::Linearizable);

    let mut incremental = Incremental::new(Budget::default());
    for (_, event, _) in events(&history, None) {
        match event {
            Event::Push(i) => {
                let op = Operation { ret: None, output: String::new(), ..history[i].clone() };
                incremental.push(op);
            }
            Event::Return(i) => {
                incremental.returned(i, history[i].ret.unwrap(), history[i].output.clone());
                assert!(incremental.work(u64::MAX));
            }
        }
    }
    assert!(incremental.work(u64::MAX));
    let returns = history.iter().filter(|op| op.ret.is_some()).count();
    println!(
        "20k ops, 3 clients, 2 keys: check_kv on the whole: {} steps; incremental, work after \
         each of {returns} returns: {} steps in {} segment checks and {} extensions, {} closed \
         segments",
        whole.steps,
        incremental.steps(),
        incremental.segments_checked(),
        incremental.extended(),
        incremental.closed_segments(),
    );
    assert_eq!(incremental.verdict(), Some(Verdict::Linearizable));
    assert!(incremental.closed_segments() > 0);
    assert!(incremental.steps() <= 4 * whole.steps, "{} steps", incremental.steps());
    let result = incremental.result();
    for key in &result.keys {
        validate(&history, key);
    }
}

fn op(kind: OpKind, key: &str, value: &str, call: u64) -> Operation {
    Operation {
        client: 0,
        kind,
        key: key.to_string(),
        value: value.to_string(),
        output: String::new(),
        call,
        ret: None,
    }
}

/// Pushes a completed operation (returned at `ret`, a Get with `output`).
fn done(checker: &mut Incremental, op: Operation, ret: u64, output: &str) -> usize {
    let index = checker.push(op);
    checker.returned(index, ret, output.to_string());
    index
}

fn finish(checker: &mut Incremental) -> Verdict {
    assert!(checker.work(u64::MAX));
    checker.verdict().unwrap()
}

#[test]
fn stale_read_after_a_quiescent_put() {
    let mut checker = Incremental::new(Budget::default());
    done(&mut checker, op(OpKind::Put, "x", "1", 0), 10, "");
    done(&mut checker, op(OpKind::Get, "x", "", 20), 30, "1");
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    // The Put is cut, and a later Get of the old value cannot follow the cut.
    let stale = done(&mut checker, op(OpKind::Get, "x", "", 40), 50, "");
    done(&mut checker, op(OpKind::Put, "y", "2", 60), 70, "");
    assert_eq!(finish(&mut checker), Verdict::NotLinearizable);
    assert_eq!(checker.closed_segments(), 3);
    assert_eq!(checker.unplaceable().collect::<Vec<_>>(), [stale]);
    let result = checker.result();
    assert_eq!(result.keys[0].longest, [0, 1]); // a partial linearization from the start
    assert_eq!(result.keys[0].unplaceable, [stale]);
    assert_eq!(result.keys[1].verdict, Verdict::Linearizable);
    let whole = check_kv(checker.history(), Budget::default());
    for (key, whole) in result.keys.iter().zip(&whole.keys) {
        assert_eq!((key.verdict, &key.unplaceable), (whole.verdict, &whole.unplaceable));
    }
    // Closed, so final: more operations cannot help.
    done(&mut checker, op(OpKind::Put, "x", "", 80), 90, "");
    assert_eq!(checker.verdict(), Some(Verdict::NotLinearizable));
}

#[test]
fn value_read_across_cuts() {
    let mut checker = Incremental::new(Budget::default());
    done(&mut checker, op(OpKind::Put, "x", "a", 0), 10, "");
    done(&mut checker, op(OpKind::Get, "x", "", 20), 30, "a");
    done(&mut checker, op(OpKind::Append, "x", "b", 40), 50, "");
    done(&mut checker, op(OpKind::Get, "x", "", 60), 70, "ab");
    done(&mut checker, op(OpKind::Append, "x", "c", 80), 90, "");
    checker.push(op(OpKind::Get, "y", "", 100));
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    // Cut at the Put and both Gets; the Appends are never cuts.
    assert_eq!(checker.closed_segments(), 3);
    assert_eq!(checker.result().keys[0].longest, [0, 1, 2, 3, 4]);
    // The Append's effect is read across the cut at "ab".
    done(&mut checker, op(OpKind::Get, "x", "", 110), 120, "abc");
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    let bad = done(&mut checker, op(OpKind::Get, "x", "", 130), 140, "ac");
    assert_eq!(finish(&mut checker), Verdict::NotLinearizable);
    assert_eq!(checker.unplaceable().collect::<Vec<_>>(), [bad]);
}

#[test]
fn pending_operations_block_cutting() {
    let mut checker = Incremental::new(Budget::default());
    let put = checker.push(op(OpKind::Put, "x", "1", 0));
    done(&mut checker, op(OpKind::Get, "x", "", 5), 10, "");
    done(&mut checker, op(OpKind::Get, "x", "", 20), 30, "1");
    done(&mut checker, op(OpKind::Get, "x", "", 40), 50, "1");
    checker.push(op(OpKind::Get, "y", "", 60));
    // Cutting at the first Get (read "") would lose the pending Put taking effect after it.
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    assert_eq!(checker.closed_segments(), 0);
    // Once it returns, the Gets after it can be cut.
    checker.returned(put, 15, String::new());
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    assert_eq!(checker.closed_segments(), 2);

    // A pending Get may still return and overlap: it blocks too.
    let mut checker = Incremental::new(Budget::default());
    let get = checker.push(op(OpKind::Get, "x", "", 0));
    done(&mut checker, op(OpKind::Put, "x", "1", 5), 10, "");
    checker.push(op(OpKind::Get, "y", "", 20));
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    assert_eq!(checker.closed_segments(), 0);
    checker.returned(get, 30, "1".to_string());
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    assert_eq!(checker.closed_segments(), 0);
}

#[test]
fn cut_waits_for_a_later_call() {
    let mut checker = Incremental::new(Budget::default());
    done(&mut checker, op(OpKind::Put, "x", "1", 0), 10, "");
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    // A call at 10 could still overlap the Put.
    checker.push(op(OpKind::Get, "y", "", 10));
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    assert_eq!(checker.closed_segments(), 0);
    let checks = checker.segments_checked();
    // A call after 10 cannot: the Put is cut, reusing its check.
    checker.push(op(OpKind::Get, "y", "", 11));
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    assert_eq!(checker.closed_segments(), 1);
    assert_eq!(checker.segments_checked(), checks);
}

#[test]
fn work_is_spread_and_reports_checking() {
    let mut checker = Incremental::new(Budget::default());
    assert_eq!(finish(&mut checker), Verdict::Linearizable);
    for i in 0..10 {
        let key = format!("k{i}");
        checker.push(op(OpKind::Put, &key, "v", 2 * i));
        if i == 0 {
            assert_eq!(checker.verdict(), Some(Verdict::Linearizable)); // a pending write: kept
        }
        // Reads the pending Put: not the value the tail's order leaves, so a search is needed.
        done(&mut checker, op(OpKind::Get, &key, "", 2 * i + 1), 100, "v");
    }
    assert_eq!(checker.verdict(), None);
    // One segment per call with a budget of one step.
    let mut calls = 1;
    while !checker.work(1) {
        assert_eq!(checker.verdict(), None);
        calls += 1;
    }
    assert_eq!(calls, 10);
    assert_eq!(checker.verdict(), Some(Verdict::Linearizable));
    assert_eq!(checker.result().keys.len(), 10);
    // Nothing is done with no budget.
    let stale = done(&mut checker, op(OpKind::Get, "k0", "", 200), 210, "");
    assert!(!checker.work(0));
    assert_eq!(checker.verdict(), None);
    assert_eq!(finish(&mut checker), Verdict::NotLinearizable);
    assert_eq!(checker.unplaceable().collect::<Vec<_>>(), [stale]);
}

#[test]
fn long_blocked_tail_is_extended_not_searched() {
    // A Put that never returns blocks every cut after its call: the tail holds the whole run,
    // but returns that fit at the end of its linearization need no search.
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut history = vec![op(OpKind::Put, "k0", "never read", 0)];
    let mut rest = simulated_history(&mut rng, 5_000, 1, &keys(1));
    for op in &mut rest {
        op.call += 1;
        op.ret = Some(op.ret.unwrap_or(op.call) + 1);
    }
    history.extend(rest);
    let mut incremental = Incremental::new(Budget::default());
    for (_, event, _) in events(&history, None) {
        match event {
            Event::Push(i) => {
                incremental.push(Operation { ret: None, ..history[i].clone() });
            }
            Event::Return(i) => {
                incremental.returned(i, history[i].ret.unwrap(), history[i].output.clone());
                assert!(incremental.work(u64::MAX));
            }
        }
    }
    assert_eq!(incremental.verdict(), Some(Verdict::Linearizable));
    assert_eq!(incremental.closed_segments(), 0);
    assert!(incremental.segments_checked() < 10, "{}", incremental.segments_checked());
    assert_eq!(incremental.extended(), 5_000 - incremental.segments_checked());
    validate(&history, &incremental.result().keys[0]);
}
