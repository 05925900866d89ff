//! Runs shared by the native and the browser tests.

use raft::{PersistentState, MILLISECOND, SECOND};
use sim::lab::Scenario;
use sim::{SimConfig, Simulator};

/// Runs scenario `name` over the seeds the environment asks for — `{PREFIX}_SEED=S` replays
/// one, `{PREFIX}_SEEDS=N` runs `0..N` (default `default_seeds`) — and fails with every
/// failing seed and how to replay it with test `(binary, function)`.
#[allow(dead_code)] // not every test binary runs scenarios
pub fn run_seeds(
    scenarios: &[Scenario],
    name: &str,
    prefix: &str,
    default_seeds: u64,
    test: (&str, &str),
) {
    let scenario = scenarios.iter().find(|s| s.name == name).expect("scenario exists");
    let seeds: Vec<u64> = match std::env::var(format!("{prefix}_SEED")) {
        Ok(seed) => vec![seed.parse().expect("the seed must be a number")],
        Err(_) => {
            let n = std::env::var(format!("{prefix}_SEEDS"))
                .map_or(default_seeds, |n| n.parse().expect("the seed count must be a number"));
            (0..n).collect()
        }
    };
    let failures: Vec<String> = seeds
        .into_iter()
        .filter_map(|seed| (scenario.run)(seed).err())
        .map(|failure| {
            let (binary, function) = test;
            format!("{name}: {failure}\n  replay: {prefix}_SEED={} cargo test -p sim --test {binary} -- --exact {function}", failure.seed)
        })
        .collect();
    assert!(failures.is_empty(), "{} seed(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// One `#[test]` per scenario (each over the seeds the environment asks for, see
/// [`run_seeds`]), and a test that no scenario of the suite is left without one.
#[allow(unused_macros)]
macro_rules! scenario_tests {
    ($scenarios:path, $prefix:literal, $seeds:literal, $binary:literal; $($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { common::run_seeds($scenarios, $name, $prefix, $seeds, ($binary, stringify!($test))) })*

        #[test]
        fn every_scenario_has_a_test() {
            let tested = [$($name),*];
            for s in $scenarios {
                assert!(tested.contains(&s.name), "{} has no test", s.name);
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use scenario_tests;

/// The digest of `eventful_run(42, false)`'s trace, on every platform.
#[allow(dead_code)]
pub const EXPECTED_DIGEST_SEED_42: u64 = 7763923134331657229;

/// A run with elections, crashes, a partition, snapshots and an unreliable spell.
#[allow(dead_code)]
pub fn eventful_run(seed: u64, check_persistence: bool) -> Simulator {
    let mut sim = Simulator::new(SimConfig::tester(5, seed, Some(10)));
    let step = |sim: &mut Simulator, until: u64| {
        while sim.now() < until && sim.step().unwrap() {
            if check_persistence {
                assert_persisted_state_matches(sim);
            }
        }
    };
    step(&mut sim, SECOND);
    for round in 0..40u64 {
        for s in 0..5 {
            let _ = sim.propose(s, round.to_le_bytes().to_vec());
        }
        match round {
            5 => sim.crash(1),
            10 => sim.partition(&[vec![0, 2], vec![3, 4]]),
            15 => sim.set_unreliable(true),
            20 => sim.heal(),
            25 => sim.restart(1),
            30 => sim.set_unreliable(false),
            _ => {}
        }
        let until = sim.now() + 100 * MILLISECOND;
        step(&mut sim, until);
    }
    let until = sim.now() + 3 * SECOND;
    step(&mut sim, until);
    sim
}

/// What each live server persisted is exactly its current persistent state, encoded.
#[allow(dead_code)]
pub fn assert_persisted_state_matches(sim: &Simulator) {
    for s in 0..sim.config().servers {
        if let Some(raft) = sim.raft(s) {
            let stored = sim.persister(s).raft_state();
            if stored.is_empty() {
                // Never persisted: nothing has happened to it yet.
                assert_eq!(raft.persistent_state(), &PersistentState::default());
                continue;
            }
            assert_eq!(stored, raft.persistent_state().encode(), "server {s} at {}", sim.now());
            assert_eq!(PersistentState::decode(&stored).as_ref(), Ok(raft.persistent_state()));
            assert_eq!(sim.persister(s).raft_state_size(), stored.len());
            let state = raft.persistent_state();
            assert_eq!(sim.persister(s).hard_state(), Some(state.hard_state()));
            assert_eq!(sim.persister(s).last_index(), state.log.last_index());
            assert_eq!(sim.persister(s).snapshot(), raft.snapshot_data());
        }
    }
}
