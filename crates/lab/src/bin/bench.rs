//! Runs every scenario of the suites once per seed and prints one JSON object per line:
//! `{"suite":"raft"|"kv","scenario":NAME,"seeds":N,"ok":true,"virtual_s":X,"wall_s":Y,"events":Z,...}`
//! (kv scenarios add `ops`, `check_ms` — the linearizability check's wall time — and, for the
//! Speed scenarios, `ms_per_op` in virtual time), then a summary line per suite.
//! Exits non-zero if any scenario failed. `--scenario NAME` runs only the scenarios of that
//! name (and prints no summary for a suite that has none of them).
//!
//! The `session` suite measures what the page's time travel and permalinks cost: a scripted
//! two-minute playground session (an action every 3 s), replayed from the start with the trace
//! on as the page does, `{"suite":"session",...,"actions":N,"permalink_chars":L,"replay_ms":X}`.
//!
//! `cargo run --release -p lab --bin bench [-- --seeds N] [--suite raft|kv|session] [--scenario NAME]`

use std::time::Instant;

use check::{check_kv, Budget};
use lab::{kv_suite, raft_suite, Scenario};
use serde_json::{json, Value};

fn main() {
    let mut seeds = 1u64;
    let mut suites = vec!["raft", "kv", "session"];
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--seeds", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => seeds = n,
                _ => exit_usage(&format!("--seeds takes a positive number, not {n:?}")),
            },
            ("--suite", Some(s)) if suites.contains(&s.as_str()) => suites.retain(|&x| x == s),
            ("--scenario", Some(name)) => only = Some(name),
            _ => exit_usage(&format!("unknown argument {arg:?}")),
        }
    }
    let (mut failed, mut matched) = (0, false);
    for suite in suites {
        if suite == "session" {
            if only.is_none() {
                session();
                matched = true;
            }
            continue;
        }
        let scenarios = if suite == "raft" { raft_suite::SCENARIOS } else { kv_suite::SCENARIOS };
        let chosen: Vec<&Scenario> =
            scenarios.iter().filter(|s| only.as_ref().is_none_or(|n| n == s.name)).collect();
        if !chosen.is_empty() {
            failed += run_suite(suite, &chosen, seeds);
        }
        matched |= !chosen.is_empty();
    }
    if !matched {
        exit_usage(&format!("no scenario is named {:?}", only.unwrap_or_default()));
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Runs and reports one suite; returns how many scenarios failed.
fn run_suite(suite: &str, scenarios: &[&Scenario], seeds: u64) -> usize {
    let (mut suite_wall, mut suite_virtual, mut suite_events) = (0.0, 0.0, 0u64);
    let mut failed = 0;
    let mut slowest = ("", 0.0f64);
    for scenario in scenarios {
        let mut failures = Vec::new();
        let (mut virtual_s, mut events, mut rpcs, mut bytes, mut ops) =
            (0.0, 0u64, 0u64, 0u64, 0usize);
        let (mut check_ms, mut ms_per_op, mut verdicts) = (0.0, Vec::new(), Vec::new());
        // The scenarios' own time (simulation, invariants, their own check), not the re-check
        // below that measures the checker alone.
        let mut wall_s = 0.0;
        for seed in 0..seeds {
            let start = Instant::now();
            let result = (scenario.run)(seed);
            wall_s += start.elapsed().as_secs_f64();
            match result {
                Ok(outcome) => {
                    virtual_s += outcome.virtual_time as f64 / 1e6;
                    events += outcome.stats.events;
                    rpcs += outcome.stats.rpcs;
                    bytes += outcome.stats.bytes;
                    ops += outcome.history.len();
                    ms_per_op.extend(outcome.ms_per_op);
                    if let Some(v) = outcome.verdict {
                        verdicts.push(format!("{v:?}"));
                        // Timed again on its own, outside `wall_s`: the scenario's own check
                        // already ran inside it.
                        let history = sim::operations(&outcome.history);
                        let t = Instant::now();
                        check_kv(&history, Budget::default());
                        check_ms += t.elapsed().as_secs_f64() * 1e3;
                    }
                }
                Err(failure) => failures.push(failure.to_string()),
            }
        }
        let ok = failures.is_empty();
        failed += usize::from(!ok);
        suite_wall += wall_s;
        suite_virtual += virtual_s;
        suite_events += events;
        if wall_s > slowest.1 {
            slowest = (scenario.name, wall_s);
        }
        let mut line = json!({
            "suite": suite,
            "scenario": scenario.name,
            "seeds": seeds,
            "ok": ok,
            "virtual_s": round3(virtual_s),
            "wall_s": round3(wall_s),
            "events": events,
            "events_per_s": (events as f64 / wall_s.max(1e-9)).round(),
            "virtual_s_per_wall_s": (virtual_s / wall_s.max(1e-9)).round(),
            "rpcs": rpcs,
            "bytes": bytes,
            "failures": failures,
        });
        if suite == "kv" {
            let extra = json!({
                "ops": ops,
                "check_ms": round3(check_ms),
                "verdicts": verdicts,
            });
            merge(&mut line, extra);
            if !ms_per_op.is_empty() {
                let mean = ms_per_op.iter().sum::<f64>() / ms_per_op.len() as f64;
                merge(&mut line, json!({ "ms_per_op": round3(mean) }));
            }
        }
        println!("{line}");
    }
    println!(
        "{}",
        json!({
            "suite": suite,
            "summary": true,
            "scenarios": scenarios.len(),
            "seeds": seeds,
            "failed": failed,
            "virtual_s": round3(suite_virtual),
            "wall_s": round3(suite_wall),
            "events": suite_events,
            "events_per_s": (suite_events as f64 / suite_wall.max(1e-9)).round(),
            "slowest": slowest.0,
            "slowest_wall_s": round3(slowest.1),
        })
    );
    failed
}

/// A two-minute playground session a visitor might make: its permalink's length, and how long
/// replaying it from the start takes (what time travel to its end costs).
fn session() {
    use raft::SECOND;
    use sim::scenario::{encode_link, Action, Link, Runner, ScenarioFile};
    let file = ScenarioFile::playground(5, 1, None);
    let mut runner = Runner::new(&file, file.seed);
    let script = [
        Action::Put { client: 0, key: "x".into(), value: "a".into() },
        Action::Append { client: 0, key: "x".into(), value: "b".into() },
        Action::Crash { server: 1 },
        Action::Get { client: 0, key: "x".into() },
        Action::Restart { server: 1 },
        Action::IsolateLeader { followers: 1 },
        Action::Put { client: 0, key: "y".into(), value: "1".into() },
        Action::Heal,
        Action::Unreliable { on: true },
        Action::Append { client: 0, key: "y".into(), value: "2".into() },
        Action::Unreliable { on: false },
        Action::Partition { groups: vec![vec![0, 1, 2], vec![3, 4]] },
        Action::Heal,
    ];
    let mut actions = 0;
    for step in 0..40u64 {
        // A busy Clerk refuses a new operation; the visitor would click again later.
        actions += usize::from(runner.act(script[step as usize % script.len()].clone()).is_ok());
        let _ = runner.advance_to((step + 1) * 3 * SECOND);
        runner.take_trace();
    }
    let end = runner.sim().now();
    let link = encode_link(&Link { scenario: runner.file().clone(), at_us: end });
    let start = Instant::now();
    let mut replay = Runner::new(runner.file(), file.seed);
    let mut records = 0;
    for slice in 1..=end / (2 * SECOND) {
        let _ = replay.advance_to(slice * 2 * SECOND);
        records += replay.take_trace().len();
    }
    let replay_ms = start.elapsed().as_secs_f64() * 1e3;
    let same = replay.sim().history() == runner.sim().history();
    println!(
        "{}",
        json!({
            "suite": "session",
            "scenario": "2-minute playground session",
            "ok": same,
            "virtual_s": round3(end as f64 / 1e6),
            "actions": actions,
            "permalink_chars": link.len(),
            "replay_ms": round3(replay_ms),
            "replay_events": replay.sim().stats().events,
            "trace_records": records,
        })
    );
    if !same {
        eprintln!("bench: the replayed session differs from the recorded one");
        std::process::exit(1);
    }
}

fn merge(line: &mut Value, extra: Value) {
    if let (Value::Object(a), Value::Object(b)) = (line, extra) {
        a.extend(b);
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn exit_usage(message: &str) -> ! {
    eprintln!(
        "bench: {message}\nusage: bench [--seeds N] [--suite raft|kv|session] [--scenario NAME]"
    );
    std::process::exit(2);
}
