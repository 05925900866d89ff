//! The page in headless Chromium, driven through its own controls: clicks and inputs are
//! dispatched on the DOM, virtual time passes with the "+1 s" button (no real waiting).
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p web --target wasm32-unknown-unknown`
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_leader_appears() {
    let root = mount().await;
    assert_eq!(count(&root, ".ring .server"), 5);
    assert_eq!(leaders(&root), 0);
    skip(&root, 1).await;
    assert_eq!(leaders(&root), 1, "{}", text(&root));
    assert!(text(&root).contains("is leader in term"), "the event log tells the election");
}

#[wasm_bindgen_test]
async fn a_server_crashes_and_restarts() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".inspector-panel", "S2").await;
    click(&root, ".inspector-panel", "Crash S2").await;
    assert_eq!(count(&root, ".ring .server.crashed"), 1);
    let inspector = text(&root.query_selector(".inspector-panel").unwrap().unwrap());
    assert!(inspector.contains("Survives a crash"), "{inspector}");
    skip(&root, 1).await;
    click(&root, ".inspector-panel", "Restart S2").await;
    assert_eq!(count(&root, ".ring .server.crashed"), 0);
    skip(&root, 1).await;
    assert_eq!(leaders(&root), 1);
    assert!(text(&root).contains("S2 restarted from its persisted state"));
}

#[wasm_bindgen_test]
async fn a_partition_and_heal() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".partition", "S0:A").await;
    click(&root, ".partition", "S1:A").await;
    click(&root, ".partition", "Apply").await;
    assert!(text(&root).contains("network split: S2 S3 S4 | S0 S1"), "{}", text(&root));
    assert_eq!(count(&root, ".ring .group-label"), 5);
    skip(&root, 2).await;
    click(&root, ".partition", "Heal").await;
    assert_eq!(count(&root, ".ring .group-label"), 0);
    skip(&root, 2).await;
    assert_eq!(leaders(&root), 1);
}

#[wasm_bindgen_test]
async fn put_then_get_through_a_clerk() {
    let root = mount().await;
    skip(&root, 1).await;
    type_into(&root, ".clerk-card input.key", "colour").await;
    type_into(&root, ".clerk-card input.value", "blue").await;
    click(&root, ".clerk-card", "Put").await;
    skip(&root, 1).await;
    assert!(ops(&root).contains("Put(\"colour\", \"blue\")"), "{}", ops(&root));
    assert!(ops(&root).contains("→ OK"), "{}", ops(&root));
    click(&root, ".clerk-card", "Get").await;
    skip(&root, 1).await;
    assert!(ops(&root).contains("→ \"blue\""), "{}", ops(&root));
    // Every live replica applied the Put (its map is drawn once unfolded).
    for summary in all(&root, ".logs-panel details.state summary") {
        summary.click();
    }
    settle().await;
    let maps = all(&root, ".logs-panel details.state table.kv:first-of-type caption + tr + tr");
    assert_eq!(maps.len(), 5, "{}", text_of(&root, ".logs-panel"));
    assert!(maps.iter().all(|row| text(row).contains("\"colour\"")));
}

#[wasm_bindgen_test]
async fn bad_input_gets_a_clear_message() {
    let root = mount().await;
    type_into(&root, ".clerk-card input.value", &"v".repeat(5000)).await;
    click(&root, ".clerk-card", "Put").await;
    let error = text(&root.query_selector(".clerk-card .error").unwrap().expect("an error shows"));
    assert!(error.contains("limit is 4096"), "{error}");
}

#[wasm_bindgen_test]
async fn an_op_in_a_minority_waits_for_the_heal() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".partition", "Isolate leader").await;
    // Let the Clerk reach only the minority (the servers now in group B).
    let majority: Vec<String> = all(&root, ".partition .group")
        .iter()
        .map(|b| text(b))
        .filter(|t| t.ends_with(":A"))
        .map(|t| t.trim_end_matches(":A").to_string())
        .collect();
    assert_eq!(majority.len(), 3);
    for s in &majority {
        let label = all(&root, ".clerk-card .reach label")
            .into_iter()
            .find(|l| text(l).trim() == s)
            .unwrap();
        let input: HtmlElement =
            label.query_selector("input").unwrap().unwrap().dyn_into().unwrap();
        input.click();
        yew::scheduler::flush().await;
    }
    click(&root, ".clerk-card", "Put").await;
    skip(&root, 3).await;
    assert!(ops(&root).contains("in progress"), "{}", ops(&root));
    assert!(!ops(&root).contains("→ OK"), "{}", ops(&root));
    click(&root, ".partition", "Heal").await;
    skip(&root, 3).await;
    assert!(ops(&root).contains("→ OK"), "{}", ops(&root));
}
