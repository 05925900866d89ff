//! The simulator in a real browser: scenarios of the lab's suite pass, and a run's trace is
//! byte for byte the one the native build produces.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p sim --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

use sim::digest;
use sim::lab::{kv_suite, raft_suite, Scenario};
use sim::scenario::{run as run_file, RunVerdict, ScenarioFile};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;
use common::{eventful_run, EXPECTED_DIGEST_SEED_42};

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

#[wasm_bindgen_test]
fn the_checker_catches_a_stale_read_in_the_browser() {
    let file = ScenarioFile::from_toml(include_str!("../lessons/stale-read.toml")).unwrap();
    assert!(matches!(run_file(&file, 0).verdict, RunVerdict::NotLinearizable { .. }));
}

#[wasm_bindgen_test]
fn the_browser_replays_the_native_run_exactly() {
    let sim = eventful_run(42, true);
    assert_eq!(digest(sim.trace()), EXPECTED_DIGEST_SEED_42);
}
