//! Runs every scenario of the suites once per seed and prints one JSON object per line:
//! `{"suite":"raft","scenario":NAME,"seeds":N,"ok":true,"virtual_s":X,"wall_s":Y,"events":Z,...}`,
//! then a summary line for each suite.
//!
//! `cargo run --release -p sim --bin bench [-- --seeds N]`

use std::time::Instant;

use serde_json::json;
use sim::lab::raft_suite::SCENARIOS;

fn main() {
    let mut seeds = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--seeds", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => seeds = n,
                _ => exit_usage(&format!("--seeds takes a positive number, not {n:?}")),
            },
            _ => exit_usage(&format!("unknown argument {arg:?}")),
        }
    }

    let mut suite_wall = 0.0;
    let mut suite_events = 0u64;
    let mut suite_virtual = 0.0;
    let mut failed = 0;
    let mut slowest = ("", 0.0f64);
    for scenario in SCENARIOS {
        let mut ok = true;
        let mut virtual_s = 0.0;
        let (mut events, mut rpcs, mut bytes) = (0u64, 0u64, 0u64);
        let mut failures = Vec::new();
        let start = Instant::now();
        for seed in 0..seeds {
            match (scenario.run)(seed) {
                Ok(outcome) => {
                    virtual_s += outcome.virtual_time as f64 / 1e6;
                    events += outcome.stats.events;
                    rpcs += outcome.stats.rpcs;
                    bytes += outcome.stats.bytes;
                }
                Err(failure) => {
                    ok = false;
                    failures.push(failure.to_string());
                }
            }
        }
        let wall_s = start.elapsed().as_secs_f64();
        suite_wall += wall_s;
        suite_events += events;
        suite_virtual += virtual_s;
        if wall_s > slowest.1 {
            slowest = (scenario.name, wall_s);
        }
        failed += usize::from(!ok);
        println!(
            "{}",
            json!({
                "suite": "raft",
                "scenario": scenario.name,
                "seeds": seeds,
                "ok": ok,
                "virtual_s": round3(virtual_s),
                "wall_s": round3(wall_s),
                "events": events,
                "events_per_s": (events as f64 / wall_s.max(1e-9)).round(),
                "speedup": (virtual_s / wall_s.max(1e-9)).round(),
                "rpcs": rpcs,
                "bytes": bytes,
                "failures": failures,
            })
        );
    }
    println!(
        "{}",
        json!({
            "suite": "raft",
            "summary": true,
            "scenarios": SCENARIOS.len(),
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
    if failed > 0 {
        std::process::exit(1);
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn exit_usage(message: &str) -> ! {
    eprintln!("bench: {message}\nusage: bench [--seeds N]");
    std::process::exit(2);
}
