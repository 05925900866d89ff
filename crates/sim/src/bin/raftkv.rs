//! Runs a scenario file, or converts one to JSON.
//!
//! `cargo run --release -p sim --bin raftkv -- run FILE [--seed N] [--seeds A..B] [--history OUT.json]`
//! `cargo run --release -p sim --bin raftkv -- convert FILE > FILE.json` (the page loads JSON)
//!
//! FILE is TOML, or JSON if it ends in `.json`. Prints one verdict line per seed and exits
//! non-zero if any seed was not linearizable or broke an invariant — for a lesson, if any
//! seed did not end as the lesson expects. `--history` writes each
//! run's history as JSON in porcupine's key/value shape (with several seeds, one file per seed:
//! `OUT-seedN.json`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sim::porcupine_json;
use sim::scenario::{run, ScenarioFile};

struct Args {
    convert: bool,
    file: PathBuf,
    seeds: Option<std::ops::Range<u64>>,
    history: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1).collect()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("raftkv: {message}\nusage: raftkv run FILE [--seed N] [--seeds A..B] [--history OUT.json]\n       raftkv convert FILE");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("raftkv: cannot read {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let json = args.file.extension().is_some_and(|e| e == "json");
    let parsed = if json { ScenarioFile::from_json(&text) } else { ScenarioFile::from_toml(&text) };
    let scenario = match parsed {
        Ok(s) => s,
        Err(e) => {
            eprintln!("raftkv: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    if args.convert {
        println!("{}", scenario.to_json_pretty());
        return ExitCode::SUCCESS;
    }
    let seeds = args.seeds.clone().unwrap_or(scenario.seed..scenario.seed + 1);
    let many = seeds.end - seeds.start > 1;
    println!("{}: {} servers, {} ms", scenario.name, scenario.servers, scenario.duration_ms);
    let mut failed = 0;
    let expected = scenario.lesson.as_ref().map(|l| l.expect);
    for seed in seeds {
        let report = run(&scenario, seed);
        let ops = report.history.len();
        let done = report.history.iter().filter(|e| e.ret.is_some()).count();
        println!(
            "seed {seed}: {} ({done}/{ops} operations returned, {:.1} s virtual)",
            report.verdict,
            report.virtual_time as f64 / 1e6
        );
        let ok = match expected {
            Some(expect) => report.verdict.shows() == Some(expect),
            None => report.verdict.passed(),
        };
        if !ok {
            failed += 1;
            if let Some(expect) = expected {
                println!("  the lesson expects {expect:?}");
            }
            println!("  replay: raftkv run {} --seed {seed}", args.file.display());
        }
        if let Some(out) = &args.history {
            let path = if many { seeded_path(out, seed) } else { out.clone() };
            if let Err(e) = std::fs::write(&path, porcupine_json(&report.history)) {
                eprintln!("raftkv: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if failed > 0 {
        println!("{failed} seed(s) failed");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut it = args.into_iter();
    let convert = match it.next().as_deref() {
        Some("run") => false,
        Some("convert") => true,
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("no command".into()),
    };
    let file = it.next().ok_or("no scenario file")?;
    let mut parsed = Args { convert, file: file.into(), seeds: None, history: None };
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seed" => {
                let seed: u64 =
                    value.parse().map_err(|_| format!("--seed {value:?} is not a number"))?;
                parsed.seeds = Some(seed..seed + 1);
            }
            "--seeds" => {
                let (a, b) =
                    value.split_once("..").ok_or(format!("--seeds {value:?} is not A..B"))?;
                let a: u64 = a.parse().map_err(|_| format!("--seeds: {a:?} is not a number"))?;
                let b: u64 = b.parse().map_err(|_| format!("--seeds: {b:?} is not a number"))?;
                if a >= b {
                    return Err(format!("--seeds {value}: the range is empty"));
                }
                parsed.seeds = Some(a..b);
            }
            "--history" => parsed.history = Some(value.into()),
            _ => return Err(format!("unknown option {flag:?}")),
        }
    }
    Ok(parsed)
}

fn seeded_path(out: &Path, seed: u64) -> PathBuf {
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("history");
    let ext = out.extension().and_then(|s| s.to_str()).unwrap_or("json");
    out.with_file_name(format!("{stem}-seed{seed}.{ext}"))
}
