//! Hand-made histories with known answers.

use check::{check_kv, Budget, CheckResult, OpKind, Operation, Verdict};

// In the browser (`wasm-pack test --headless --chrome`), the same tests run as
// wasm-bindgen tests.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn op(
    kind: OpKind,
    key: &str,
    value: &str,
    output: &str,
    call: u64,
    ret: Option<u64>,
) -> Operation {
    Operation {
        client: 0,
        kind,
        key: key.to_string(),
        value: value.to_string(),
        output: output.to_string(),
        call,
        ret,
    }
}

fn put(key: &str, value: &str, call: u64, ret: u64) -> Operation {
    op(OpKind::Put, key, value, "", call, Some(ret))
}

fn append(key: &str, value: &str, call: u64, ret: u64) -> Operation {
    op(OpKind::Append, key, value, "", call, Some(ret))
}

fn get(key: &str, output: &str, call: u64, ret: u64) -> Operation {
    op(OpKind::Get, key, "", output, call, Some(ret))
}

fn pending(op: Operation) -> Operation {
    Operation { ret: None, ..op }
}

fn check(history: &[Operation]) -> CheckResult {
    check_kv(history, Budget::default())
}

fn assert_linearizable(history: &[Operation]) -> CheckResult {
    let result = check(history);
    assert_eq!(result.verdict, Verdict::Linearizable, "{history:#?}\n{result:#?}");
    result
}

/// Asserts a single-key history fails with this longest prefix and these unplaceable ops.
fn assert_fails(history: &[Operation], longest: &[usize], unplaceable: &[usize]) {
    let result = check(history);
    assert_eq!(result.verdict, Verdict::NotLinearizable, "{history:#?}\n{result:#?}");
    assert_eq!(result.keys.len(), 1);
    assert_eq!(result.keys[0].longest, longest, "{result:#?}");
    assert_eq!(result.keys[0].unplaceable, unplaceable, "{result:#?}");
}

#[test]
fn empty_history_is_linearizable() {
    let result = check_kv(&[], Budget { max_steps: 0 });
    assert_eq!(result.verdict, Verdict::Linearizable);
    assert!(result.keys.is_empty());
    assert_eq!(result.steps, 0);
}

#[test]
fn sequential_puts_and_gets() {
    let history = [
        put("x", "1", 0, 1),
        get("x", "1", 2, 3),
        put("y", "9", 3, 4),
        put("x", "2", 4, 5),
        get("x", "2", 6, 7),
        get("y", "9", 8, 9),
        get("z", "", 10, 11),
    ];
    let result = assert_linearizable(&history);
    let keys: Vec<_> = result.keys.iter().map(|key| key.key.as_str()).collect();
    assert_eq!(keys, ["x", "y", "z"]);
    assert_eq!(result.keys[0].longest, [0, 1, 3, 4]);
    assert_eq!(result.keys[1].longest, [2, 5]);
    assert_eq!(result.keys[2].longest, [6]);
    assert!(result.keys.iter().all(|key| key.verdict == Verdict::Linearizable));
}

#[test]
fn concurrent_get_may_see_either_value() {
    for seen in ["0", "1"] {
        assert_linearizable(&[put("x", "0", 0, 1), put("x", "1", 2, 10), get("x", seen, 3, 12)]);
    }
    // Not a value never written: once Put 0 is placed, no Put can make the Get read "2".
    assert_fails(&[put("x", "0", 0, 1), put("x", "1", 2, 10), get("x", "2", 3, 12)], &[0], &[2]);
    // A Get called after Put 1 returned must see it: after Put 0, it is already doomed.
    assert_fails(&[put("x", "0", 0, 1), put("x", "1", 2, 10), get("x", "0", 11, 12)], &[0], &[2]);
}

#[test]
fn return_and_call_at_the_same_instant_are_concurrent() {
    assert_linearizable(&[put("x", "1", 0, 10), get("x", "", 10, 20)]);
    assert_fails(&[put("x", "1", 0, 10), get("x", "", 11, 20)], &[0], &[1]);
}

#[test]
fn appends_accumulate_in_some_order() {
    assert_linearizable(&[
        append("x", "a", 0, 1),
        append("x", "b", 2, 3),
        get("x", "ab", 4, 5),
        append("x", "", 6, 7),
        get("x", "ab", 8, 9),
        put("x", "c", 10, 11),
        append("x", "d", 12, 13),
        get("x", "cd", 14, 15),
    ]);
    for seen in ["ab", "ba"] {
        assert_linearizable(&[
            append("x", "a", 0, 10),
            append("x", "b", 0, 10),
            get("x", seen, 20, 30),
        ]);
    }
}

#[test]
fn empty_key_and_empty_values() {
    assert_linearizable(&[
        put("", "v", 0, 1),
        get("", "v", 2, 3),
        put("", "", 4, 5),
        get("", "", 6, 7),
        append("", "w", 8, 9),
        get("", "w", 10, 11),
    ]);
    assert_fails(&[put("", "v", 0, 1), get("", "", 2, 3)], &[0], &[1]);
}

#[test]
fn missing_key_reads_empty() {
    assert_linearizable(&[get("x", "", 0, 1), put("y", "1", 0, 1)]);
    assert_fails(&[get("x", "v", 0, 1)], &[], &[0]);
}

#[test]
fn stale_read() {
    assert_fails(&[put("x", "1", 0, 10), get("x", "", 20, 30)], &[0], &[1]);
}

#[test]
fn lost_append() {
    let history = [append("x", "a", 0, 10), append("x", "b", 0, 10), get("x", "a", 20, 30)];
    let result = check(&history);
    assert_eq!(result.verdict, Verdict::NotLinearizable);
    let key = &result.keys[0];
    let mut longest = key.longest.clone();
    longest.sort_unstable();
    assert_eq!(longest, [0, 1]);
    assert_eq!(key.unplaceable, [2]);
}

#[test]
fn duplicated_append() {
    assert_fails(&[append("x", "a", 0, 10), get("x", "aa", 20, 30)], &[0], &[1]);
}

#[test]
fn read_goes_back_in_time() {
    assert_fails(
        &[
            put("x", "1", 0, 10),
            put("x", "2", 20, 30),
            get("x", "2", 40, 50),
            get("x", "1", 60, 70),
        ],
        &[0, 1, 2],
        &[3],
    );
    // Two overlapping reads may disagree, but not once the new value was read first.
    assert_linearizable(&[
        put("x", "1", 0, 10),
        put("x", "2", 20, 50),
        get("x", "2", 25, 40),
        get("x", "1", 30, 45),
    ]);
    assert_fails(
        &[
            put("x", "1", 0, 10),
            put("x", "2", 20, 50),
            get("x", "2", 25, 40),
            get("x", "1", 41, 45),
        ],
        &[0, 1, 2],
        &[3],
    );
}

#[test]
fn only_the_broken_key_fails() {
    let history = [
        put("a", "1", 0, 10),
        put("b", "1", 0, 10),
        get("a", "1", 20, 30),
        get("b", "", 20, 30),
        get("c", "", 20, 30),
    ];
    let result = check(&history);
    assert_eq!(result.verdict, Verdict::NotLinearizable);
    let verdicts: Vec<_> = result.keys.iter().map(|key| (key.key.as_str(), key.verdict)).collect();
    assert_eq!(
        verdicts,
        [
            ("a", Verdict::Linearizable),
            ("b", Verdict::NotLinearizable),
            ("c", Verdict::Linearizable)
        ]
    );
    assert_eq!(result.keys[1].longest, [1]);
    assert_eq!(result.keys[1].unplaceable, [3]);
}

#[test]
fn pending_append_may_or_may_not_take_effect() {
    let maybe = pending(append("x", "a", 0, 0));
    for seen in ["", "a"] {
        let result = assert_linearizable(&[maybe.clone(), get("x", seen, 5, 6)]);
        let placed = result.keys[0].longest.contains(&0);
        assert_eq!(placed, seen == "a", "{result:#?}");
    }
    // It may take effect late, between two reads...
    assert_linearizable(&[maybe.clone(), get("x", "", 5, 6), get("x", "a", 7, 8)]);
    // ...but only once, not before its call, and it cannot be undone.
    assert_fails(&[maybe.clone(), get("x", "aa", 5, 6)], &[0], &[1]);
    assert_fails(&[get("x", "a", 0, 1), pending(append("x", "a", 5, 0))], &[], &[0]);
    assert_fails(&[maybe, get("x", "a", 5, 6), get("x", "", 7, 8)], &[0, 1], &[2]);
}

#[test]
fn pending_put_among_completed_operations() {
    let history = [
        put("x", "1", 0, 1),
        pending(put("x", "2", 2, 0)),
        get("x", "1", 3, 4),
        get("x", "2", 5, 6),
        get("x", "2", 7, 8),
    ];
    let result = assert_linearizable(&history);
    assert_eq!(result.keys[0].longest, [0, 2, 1, 3, 4]);
}

#[test]
fn pending_get_constrains_nothing() {
    let history = [put("x", "1", 0, 1), pending(op(OpKind::Get, "x", "", "nonsense", 2, None))];
    let result = assert_linearizable(&history);
    assert_eq!(result.keys[0].longest, [0]);
    // A key with only a pending Get is still reported.
    let result = assert_linearizable(&[pending(op(OpKind::Get, "y", "", "?", 2, None))]);
    assert_eq!(result.keys[0].key, "y");
    assert!(result.keys[0].longest.is_empty());
}

#[test]
fn return_before_call_is_taken_at_the_call() {
    assert_linearizable(&[put("x", "1", 10, 5), get("x", "", 10, 20)]);
    assert_fails(&[put("x", "1", 10, 5), get("x", "", 11, 20)], &[0], &[1]);
}
