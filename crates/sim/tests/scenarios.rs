//! Scenario files: parsing, clear errors, the deliberate bugs each caught, and the CLI.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use sim::scenario::{run, RunVerdict, ScenarioFile, UnsafeMode};

fn load(name: &str) -> ScenarioFile {
    let path = format!("{}/lessons/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ScenarioFile::from_toml(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const FILES: [&str; 3] = ["stale-read", "duplicate-append", "double-vote"];

#[test]
fn files_round_trip_through_toml_and_json() {
    for name in FILES {
        let file = load(name);
        assert_eq!(ScenarioFile::from_toml(&file.to_toml()).unwrap(), file, "{name} via TOML");
        assert_eq!(ScenarioFile::from_json(&file.to_json()).unwrap(), file, "{name} via JSON");
    }
}

/// Seeds `0..seeds` of `file`: how many failed, and whether any failure was of `kind`.
fn failures(file: &ScenarioFile, seeds: u64) -> Vec<RunVerdict> {
    (0..seeds).map(|seed| run(file, seed).verdict).filter(|v| !v.passed()).collect()
}

fn without_unsafe(mut file: ScenarioFile) -> ScenarioFile {
    file.unsafe_modes.clear();
    file
}

#[test]
fn local_reads_serve_a_stale_read_that_the_checker_catches() {
    let file = load("stale-read");
    assert_eq!(file.unsafe_modes, [UnsafeMode::LocalReads]);
    let caught = failures(&file, 5);
    assert!(
        caught.iter().any(|v| matches!(v, RunVerdict::NotLinearizable { key } if key == "x")),
        "{caught:?}"
    );
    assert_eq!(failures(&without_unsafe(file), 5), []);
}

#[test]
fn without_dedup_a_retried_append_applies_twice_and_the_checker_catches_it() {
    let file = load("duplicate-append");
    assert_eq!(file.unsafe_modes, [UnsafeMode::NoDedup]);
    let caught = failures(&file, 5);
    assert!(caught.iter().any(|v| matches!(v, RunVerdict::NotLinearizable { .. })), "{caught:?}");
    assert_eq!(failures(&without_unsafe(file), 5), []);
}

#[test]
fn forgetting_the_vote_elects_two_leaders_and_the_invariant_catches_it() {
    let file = load("double-vote");
    assert_eq!(file.unsafe_modes, [UnsafeMode::ForgetVotedFor]);
    let caught = failures(&file, 20);
    let two_leaders = |v: &RunVerdict| matches!(v, RunVerdict::InvariantBroken(x) if x.broken.invariant == "election safety");
    assert!(caught.iter().any(two_leaders), "{caught:?}");
    assert_eq!(failures(&without_unsafe(file), 20), []);
}

#[test]
fn malformed_files_get_errors_that_name_the_place() {
    let cases = [
        ("servers = 3\nduration_ms = 10\n", "name"),
        ("name = \"x\"\nservers = \"three\"\nduration_ms = 10\n", "servers"),
        ("name = \"x\"\nservers = 3\nduration_ms = 10\nspeed = 2\n", "speed"),
        ("name = \"x\"\nservers = 3\nduration_ms = 10\n[[actions]]\nat_ms = 1\ndo = \"crash\"\nserver = 7\n", "actions[0]: server 7 does not exist"),
        ("name = \"x\"\nservers = 3\nduration_ms = 10\n[[actions]]\nat_ms = 1\ndo = \"explode\"\n", "explode"),
        ("name = \"x\"\nservers = 3\nduration_ms = 10\n[[actions]]\nat_ms = 1\ndo = \"partition\"\ngroups = [[0, 1], [1, 2]]\n", "server 1 is in two groups"),
        ("name = \"x\"\nservers = 12\nduration_ms = 10\n", "servers: 12 is not between 1 and 9"),
        ("name = \"x\"\nservers = 3\nduration_ms = 10\n[raft]\nelection_timeout_ms = [500, 300]\n", "raft.election_timeout_ms"),
        ("name = \"x\"\nservers = 3\nduration_ms = 10\nunsafe = [\"fast\"]\n", "fast"),
    ];
    for (text, wanted) in cases {
        let err = ScenarioFile::from_toml(text).expect_err(text).to_string();
        assert!(err.contains(wanted), "error for {text:?} should mention {wanted:?}: {err}");
    }
    let big = format!("name = \"x\"\nservers = 3\nduration_ms = 10\n[[actions]]\nat_ms = 1\ndo = \"put\"\nclient = 0\nkey = \"k\"\nvalue = \"{}\"\n", "v".repeat(5000));
    assert!(ScenarioFile::from_toml(&big).unwrap_err().to_string().contains("the limit is 4096"));
    let err = ScenarioFile::from_json("{\"name\": \"x\",\n \"servers\": 3,\n \"duration_ms\": -1}")
        .unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn every_cut_of_a_file_is_an_error_or_a_scenario_never_a_panic() {
    let text = load("stale-read").to_toml();
    for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = ScenarioFile::from_toml(&text[..cut]);
    }
    let json = load("stale-read").to_json();
    for cut in (0..json.len()).filter(|&i| json.is_char_boundary(i)) {
        let _ = ScenarioFile::from_json(&json[..cut]);
    }
}

#[test]
fn the_cli_prints_verdicts_replays_seeds_and_exports_porcupine_histories() {
    let dir = std::env::temp_dir().join(format!("raftkv-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = format!("{}/lessons/stale-read.toml", env!("CARGO_MANIFEST_DIR"));
    let history = dir.join("history.json");
    let out = Command::new(env!("CARGO_BIN_EXE_raftkv"))
        .args(["run", &file, "--seed", "0", "--history", history.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The lesson expects the stale read to be caught: it is, so the run met its expectation.
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("seed 0: NOT linearizable (key \"x\")"), "{stdout}");
    assert!(!stdout.contains("replay:"), "{stdout}");
    // The same run as a plain scenario fails, and says how to replay it.
    let plain = dir.join("plain.toml");
    std::fs::write(&plain, ScenarioFile { lesson: None, ..load("stale-read") }.to_toml()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_raftkv"))
        .args(["run", plain.to_str().unwrap(), "--seed", "0"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("replay: raftkv run"), "{stdout}");
    let ops: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let first = &ops[0];
    assert_eq!(first["input"]["op"], "put");
    assert_eq!(first["input"]["key"], "x");
    assert!(first["call"].is_u64() && first["return"].is_u64() && first["clientId"].is_u64());
    let get = ops.as_array().unwrap().iter().find(|o| o["input"]["op"] == "get").unwrap();
    assert_eq!(get["output"]["value"], "old");

    let out = Command::new(env!("CARGO_BIN_EXE_raftkv")).args(["convert", &file]).output().unwrap();
    assert!(out.status.success());
    let converted = ScenarioFile::from_json(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(converted, load("stale-read"), "convert gives the same scenario as JSON");

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nservers = 3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_raftkv"))
        .args(["run", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("duration_ms"));
    std::fs::remove_dir_all(&dir).unwrap();
}
