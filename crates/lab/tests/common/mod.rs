//! Runs shared by the suites' test binaries.

use lab::Scenario;

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
            format!("{name}: {failure}\n  replay: {prefix}_SEED={} cargo test -p lab --test {binary} -- --exact {function}", failure.seed)
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
