//! The lab's suites in a real browser: scenarios of both pass there as they do natively.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p lab --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

use lab::{kv_suite, raft_suite, Scenario};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn run(name: &str, seeds: u64) {
    let all = raft_suite::SCENARIOS.iter().chain(kv_suite::SCENARIOS);
    let scenario: &Scenario = all.into_iter().find(|s| s.name == name).expect("scenario exists");
    for seed in 0..seeds {
        if let Err(failure) = (scenario.run)(seed) {
            panic!("{name}: {failure}");
        }
    }
}

#[wasm_bindgen_test]
fn elections_pass_in_the_browser() {
    run("InitialElection2A", 3);
    run("ReElection2A", 3);
}

#[wasm_bindgen_test]
fn backup_and_figure8_pass_in_the_browser() {
    run("Backup2B", 2);
    run("Figure8Unreliable2C", 2);
}

#[wasm_bindgen_test]
fn snapshots_pass_in_the_browser() {
    run("SnapshotInstallUnreliable2D", 2);
    run("SnapshotAllCrash2D", 2);
}

#[wasm_bindgen_test]
fn the_key_value_service_passes_in_the_browser() {
    run("OnePartition3A", 2);
    run("SnapshotRPC3B", 2);
    run("PersistPartitionUnreliableLinearizable3A", 1);
}
