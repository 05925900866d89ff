//! Every lesson, run at its own seed, ends as its `[lesson]` section says and shows what its
//! description claims.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};

use check::Budget;
use raft::{Role, Term, MILLISECOND};
use sim::lessons::{lesson, LESSONS};
use sim::scenario::{Expectation, RunVerdict, Runner};
use sim::{TraceEvent, TraceRecord};

/// Runs lesson `id` at its seed to its end with the trace on.
fn run(id: &str) -> (Runner, Vec<TraceRecord>) {
    let file = lesson(id).unwrap_or_else(|| panic!("no lesson {id}")).scenario();
    let mut runner = Runner::new(&file, file.seed);
    let _ = runner.advance_to(file.duration_ms * MILLISECOND);
    let trace = runner.take_trace();
    (runner, trace)
}

#[test]
fn every_lesson_file_is_a_lesson_and_reads_as_it_was_built() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut ids: Vec<&str> = LESSONS.iter().map(|l| l.id).collect();
    ids.sort();
    assert_eq!(files, ids, "every file in lessons/ is listed in sim::lessons, and only those");
    for l in LESSONS {
        let text = std::fs::read_to_string(format!("{dir}/{}.toml", l.id)).unwrap();
        let file = sim::scenario::ScenarioFile::from_toml(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", l.id));
        assert_eq!(file, l.scenario(), "{}", l.id);
    }
}

#[test]
fn every_lesson_ends_as_it_says() {
    for l in LESSONS {
        let file = l.scenario();
        let spec = file.lesson.as_ref().unwrap_or_else(|| panic!("{}: no [lesson]", l.id));
        assert!(!file.description.is_empty() && !spec.explain.is_empty(), "{}", l.id);
        let (runner, _) = run(l.id);
        let verdict = runner.report(Budget::default()).verdict;
        assert!(
            verdict.shows() == Some(spec.expect),
            "lesson {} (seed {}) expected {:?}, got {verdict}",
            l.id,
            file.seed,
            spec.expect
        );
    }
}

/// Who was leader of which term, as the trace tells it, and the terms with candidates.
fn elections(trace: &[TraceRecord]) -> (BTreeMap<Term, usize>, BTreeMap<Term, BTreeSet<usize>>) {
    let (mut leaders, mut candidates) = (BTreeMap::new(), BTreeMap::<Term, BTreeSet<usize>>::new());
    for r in trace {
        if let TraceEvent::RoleChanged { server, role, term } = r.event {
            match role {
                Role::Leader => drop(leaders.insert(term, server)),
                Role::Candidate => drop(candidates.entry(term).or_default().insert(server)),
                _ => {}
            }
        }
    }
    (leaders, candidates)
}

#[test]
fn election_shows_a_split_vote_then_a_leader() {
    let (_, trace) = run("election");
    let (leaders, candidates) = elections(&trace);
    let split = candidates.iter().find(|(t, c)| c.len() >= 2 && !leaders.contains_key(t));
    assert!(split.is_some(), "no split vote: candidates {candidates:?}, leaders {leaders:?}");
    assert!(leaders.keys().any(|t| t > split.unwrap().0), "no leader after the split vote");
}

#[test]
fn two_leaders_coexist_in_different_terms_and_the_get_reads_the_retried_put() {
    let (runner, trace) = run("two-leaders");
    let mut leading: BTreeMap<usize, Term> = BTreeMap::new();
    let mut two = false;
    for r in &trace {
        match r.event {
            TraceEvent::RoleChanged { server, role: Role::Leader, term } => {
                leading.insert(server, term);
            }
            TraceEvent::RoleChanged { server, .. } | TraceEvent::Crashed { server } => {
                leading.remove(&server);
            }
            _ => {}
        }
        two |= leading.len() >= 2;
    }
    assert!(two, "never two leaders at once");
    let get = runner.sim().history().iter().find(|e| e.op.kind == kv::OpKind::Get);
    assert_eq!(get.and_then(|e| e.output.as_deref()), Some("2"));
}

#[test]
fn exactly_once_answers_retries_from_the_session_table() {
    let (runner, _) = run("exactly-once");
    let duplicates: u64 = (0..3).filter_map(|s| runner.sim().kv(s)).map(|k| k.duplicates()).sum();
    assert!(duplicates > 0, "no retried Append was recognised as a duplicate");
    assert!(runner.sim().history().iter().any(|e| e.attempts > 1));
}

#[test]
fn snapshots_reach_the_lagging_follower_by_install_snapshot() {
    let (_, trace) = run("snapshots");
    let taken =
        trace.iter().filter(|r| matches!(r.event, TraceEvent::SnapshotTaken { .. })).count();
    assert!(taken > 3, "only {taken} snapshots");
    let installed = trace.iter().any(|r| {
        r.at >= 5000 * MILLISECOND
            && matches!(r.event, TraceEvent::SnapshotInstalled { server: 4, .. })
    });
    assert!(installed, "server 4 never installed a snapshot after reconnecting");
}

#[test]
fn crash_keeps_every_acknowledged_write() {
    let (runner, trace) = run("crash");
    assert_eq!(trace.iter().filter(|r| matches!(r.event, TraceEvent::Crashed { .. })).count(), 5);
    let get =
        runner.sim().history().iter().find(|e| e.output.is_some() && e.call > 2500 * MILLISECOND);
    assert_eq!(get.and_then(|e| e.output.as_deref()), Some("12"));
}

#[test]
fn double_vote_is_caught_as_two_leaders_in_one_term() {
    let (runner, _) = run("double-vote");
    let v = runner.sim().violation().expect("the invariant should break");
    assert_eq!(v.broken.invariant, "election safety", "{v:?}");
}

#[test]
fn the_labs_generic_tests_run_as_scenarios_and_stay_linearizable() {
    use sim::generic::GENERIC_TESTS;
    use sim::lessons::find;
    use sim::scenario::{run, ScenarioFile};
    assert_eq!(GENERIC_TESTS.len(), 17);
    for (name, shape) in GENERIC_TESTS {
        let file = find(name).unwrap_or_else(|| panic!("{name} is not in the library"));
        file.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ScenarioFile::from_toml(&file.to_toml()).unwrap(), file, "{name}");
        assert_eq!(
            file.actions
                .iter()
                .filter(|a| matches!(a.action, sim::scenario::Action::Crash { .. }))
                .count(),
            if shape.crash { 3 * shape.servers } else { 0 },
            "{name}"
        );
        let report = run(&file, 0);
        assert_eq!(report.verdict, RunVerdict::Linearizable, "{name} seed 0");
        assert!(report.history.len() > 20, "{name}: only {} operations", report.history.len());
    }
}

#[test]
fn every_library_scenario_has_one_id_that_finds_it_and_its_name_leads_back() {
    use sim::lessons::{find, id_of, library, LESSONS};
    assert_eq!(library().len(), LESSONS.len() + sim::generic::GENERIC_TESTS.len());
    for (id, file) in library() {
        assert_eq!(library().iter().filter(|(i, _)| i == id).count(), 1, "{id} is unique");
        assert_eq!(find(id).as_ref(), Some(file), "{id}");
        assert_eq!(id_of(&file.name), Some(*id), "{} leads back to {id}", file.name);
    }
    assert_eq!(find("no-such-lesson"), None);
    assert_eq!(id_of("a file of the visitor's own"), None);
}

#[test]
fn what_a_run_shows_is_decided_in_one_place() {
    use check::Verdict;
    let shown = Expectation::shown;
    assert_eq!(shown(true, Some(Verdict::Linearizable), false), Some(Expectation::InvariantBroken));
    assert_eq!(
        shown(false, Some(Verdict::NotLinearizable), false),
        Some(Expectation::NotLinearizable)
    );
    assert_eq!(shown(false, Some(Verdict::Linearizable), false), None, "not before the end");
    assert_eq!(shown(false, Some(Verdict::Linearizable), true), Some(Expectation::Linearizable));
    assert_eq!(shown(false, Some(Verdict::Unknown), true), None, "out of budget shows nothing");
    assert_eq!(shown(false, None, true), None, "still checking");
    assert_eq!(RunVerdict::Linearizable.shows(), Some(Expectation::Linearizable));
    assert_eq!(
        RunVerdict::NotLinearizable { key: "x".into() }.shows(),
        Some(Expectation::NotLinearizable)
    );
    assert_eq!(RunVerdict::Unknown.shows(), None);
}
