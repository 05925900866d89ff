//! The simulator in a real browser: a run's trace is byte for byte the one the native build
//! produces, and the checker catches a lesson's stale read.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p sim --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

use sim::digest;
use sim::scenario::{run as run_file, RunVerdict, ScenarioFile};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;
use common::{eventful_run, EXPECTED_DIGEST_SEED_42};

wasm_bindgen_test_configure!(run_in_browser);

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
