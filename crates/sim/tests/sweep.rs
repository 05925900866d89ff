//! A seed sweep done a slice at a time ends as `raftkv run FILE --seeds A..B` does: the same
//! verdict, operations and virtual time for every seed, a lesson's deliberate bug caught on
//! the seeds where a single run catches it. In the browser too (`wasm-pack test --headless
//! --chrome crates/sim -- --test sweep`), where the page runs its sweeps.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use sim::lessons;
use sim::scenario::{run, Expectation, RunVerdict, ScenarioFile, SeedOutcome, Sweep};

/// Sweeps `file` over `seeds` a slice at a time, counting the slices.
fn sweep(file: &ScenarioFile, seeds: std::ops::Range<u64>) -> (Vec<SeedOutcome>, usize) {
    let mut sweep = Sweep::new(file, seeds);
    let mut slices = 0;
    while !sweep.is_done() {
        sweep.work();
        slices += 1;
        assert!(slices < 1_000_000, "the sweep of {} does not end", file.name);
    }
    assert!(sweep.work().is_none(), "a finished sweep has nothing left to do");
    (sweep.outcomes().to_vec(), slices)
}

#[test]
fn a_sweep_gives_each_seed_the_verdict_of_a_single_run() {
    for (lesson, file) in lessons::parsed() {
        let (outcomes, slices) = sweep(file, 0..4);
        assert_eq!(outcomes.len(), 4);
        // Cut up: many slices per seed, not one per seed.
        assert!(slices > 4 * 10, "{}: {slices} slices for 4 seeds", lesson.id);
        for o in &outcomes {
            let report = run(file, o.seed);
            assert_eq!(o.verdict, report.verdict, "{} seed {}", lesson.id, o.seed);
            assert_eq!(o.operations, report.history.len(), "{} seed {}", lesson.id, o.seed);
            let returned = report.history.iter().filter(|e| e.ret.is_some()).count();
            assert_eq!(o.returned, returned, "{} seed {}", lesson.id, o.seed);
            assert_eq!(o.virtual_time, report.virtual_time, "{} seed {}", lesson.id, o.seed);
        }
        let seeds: Vec<u64> = outcomes.iter().map(|o| o.seed).collect();
        assert_eq!(seeds, [0, 1, 2, 3], "{}: outcomes in seed order", lesson.id);
    }
}

#[test]
fn a_sweep_of_a_lab_scenario_matches_single_runs() {
    let file = lessons::find("PersistPartitionUnreliableLinearizable3A").expect("in the library");
    let (outcomes, _) = sweep(&file, 10..13);
    for o in &outcomes {
        let report = run(&file, o.seed);
        assert_eq!(o.verdict, report.verdict, "seed {}", o.seed);
        assert_eq!(o.operations, report.history.len(), "seed {}", o.seed);
        assert!(
            o.operations > 100,
            "seed {}: the workload ran ({} operations)",
            o.seed,
            o.operations
        );
    }
}

#[test]
fn a_sweep_from_a_lessons_seed_catches_its_deliberate_bug() {
    let buggy = lessons::parsed()
        .iter()
        .filter(|(_, f)| f.lesson.as_ref().map(|l| l.expect) == Some(Expectation::NotLinearizable));
    let mut n = 0;
    for (lesson, file) in buggy {
        n += 1;
        let (outcomes, _) = sweep(file, file.seed..file.seed + 3);
        assert!(
            matches!(outcomes[0].verdict, RunVerdict::NotLinearizable { .. }),
            "{}: its own seed {} gave {}",
            lesson.id,
            file.seed,
            outcomes[0].verdict
        );
    }
    assert!(n >= 2, "the library has lessons with bugs the checker catches");
}
