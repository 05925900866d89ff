//! A visitor's session: every command recorded at its virtual microsecond, so that a replay —
//! from the recording itself or from its permalink — is the same run event for event; time
//! travel replays to a moment, and acting there forks the future away.
#![cfg(not(target_arch = "wasm32"))]

use kv::OpKind;
use raft::{Time, SECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::scenario::{decode_link, encode_link, Action, Link, Runner, ScenarioFile};
use sim::{digest, TraceRecord};

/// A visitor clicking around for `seconds` virtual seconds in frames of uneven length:
/// stepping, partitions, crashes, message controls, Clerk operations, a bad click or two.
fn visit(seed: u64, seconds: u64) -> (Runner, Vec<TraceRecord>) {
    let file = ScenarioFile::playground(5, seed, Some(800));
    let mut runner = Runner::new(&file, seed);
    let mut trace = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut n = 0u64;
    while runner.sim().now() < seconds * SECOND && runner.sim().violation().is_none() {
        let frame: Time = rng.random_range(1..40_000);
        let now = runner.sim().now();
        let _ = runner.advance_to(now + frame);
        if rng.random_bool(0.1) {
            let _ = runner.step();
        }
        if rng.random_bool(0.08) {
            n += 1;
            let server = rng.random_range(0..5);
            let action = match rng.random_range(0..12) {
                0 => Action::Crash { server },
                1 => Action::Restart { server },
                2 => Action::Partition { groups: vec![vec![0, 1], vec![2, 3, 4]] },
                3 => Action::IsolateLeader { followers: 1 },
                4 => Action::Heal,
                5 => Action::Unreliable { on: rng.random_bool(0.5) },
                6 => Action::AddClerk,
                7 => Action::Reach { client: 0, servers: vec![server, (server + 1) % 5] },
                8 => match runner.sim().in_flight().next().map(|m| m.id) {
                    Some(message) if n % 2 == 0 => Action::HoldMessage { message },
                    Some(message) => Action::DuplicateMessage { message },
                    None => Action::Crash { server: 9 },
                },
                9 => Action::Get { client: 0, key: "k".into() },
                10 => Action::Append { client: 1, key: "k".into(), value: format!("{n} ") },
                // Empty keys are valid, as in the lab; an oversized one is refused.
                _ => Action::Put {
                    client: 0,
                    key: "k".repeat(n as usize % 2 * 300),
                    value: "v".into(),
                },
            };
            let _ = runner.act(action);
        }
        trace.extend(runner.take_trace());
    }
    (runner, trace)
}

fn replay(file: &ScenarioFile, to: Time) -> (Runner, Vec<TraceRecord>) {
    let mut runner = Runner::new(file, file.seed);
    let _ = runner.advance_to(to);
    let trace = runner.take_trace();
    (runner, trace)
}

#[test]
fn a_recorded_session_replays_event_for_event() {
    for seed in 0..4 {
        let (live, trace) = visit(seed, 20);
        assert!(live.file().actions.len() >= 5, "seed {seed}: too few actions recorded");
        let (again, replayed) = replay(live.file(), live.sim().now());
        assert_eq!(replayed.len(), trace.len(), "seed {seed}");
        assert_eq!(digest(&replayed), digest(&trace), "seed {seed}");
        assert_eq!(again.sim().history(), live.sim().history(), "seed {seed}");
    }
}

#[test]
fn bad_commands_are_refused_and_not_recorded() {
    let mut runner = Runner::new(&ScenarioFile::playground(3, 1, None), 1);
    let _ = runner.advance_to(SECOND);
    for bad in [
        Action::Crash { server: 3 },
        Action::Partition { groups: vec![vec![0, 1], vec![1, 2]] },
        Action::Put { client: 0, key: "k".repeat(300), value: "v".into() },
        Action::Put { client: 0, key: "k".into(), value: "v".repeat(5000) },
        Action::DropMessage { message: 1 << 40 },
    ] {
        assert!(runner.act(bad.clone()).is_err(), "{bad:?} was accepted");
    }
    assert!(runner.file().actions.is_empty());
    runner.act(Action::Put { client: 0, key: "k".into(), value: "v".into() }).unwrap();
    let busy = runner.act(Action::Get { client: 0, key: "k".into() }).unwrap_err();
    assert_eq!(busy.to_string(), "Clerk 0 is still running an operation");
    assert_eq!(runner.file().actions.len(), 1);
}

#[test]
fn travelling_back_replays_the_past_and_acting_there_forks_the_future() {
    let (live, trace) = visit(7, 30);
    let middle = 15 * SECOND;
    let (mut back, replayed) = replay(live.file(), middle);
    // The past is the same, up to the moment travelled to.
    let past = trace.iter().take_while(|r| r.at <= middle).count();
    assert_eq!(digest(&replayed[..past]), digest(&trace[..past]));
    // Without a new command, resuming plays the recorded future again.
    let mut resumed = replay(live.file(), middle).0;
    let _ = resumed.advance_to(live.sim().now());
    assert_eq!(resumed.sim().history(), live.sim().history());
    // A new command there drops the recorded future.
    let later = live.file().actions.iter().filter(|a| a.at() > middle).count();
    assert!(later > 0);
    back.act(Action::Heal).unwrap();
    assert!(back.file().actions.iter().all(|a| a.at() <= middle));
    assert_eq!(back.file().actions.len(), live.file().actions.len() - later + 1);
}

#[test]
fn a_permalink_reproduces_the_session_and_stays_short() {
    let (live, trace) = visit(3, 120);
    let link = Link { scenario: live.file().clone(), at_us: live.sim().now() };
    let text = encode_link(&link);
    let decoded = decode_link(&text).unwrap();
    let (again, replayed) = replay(&decoded.scenario, decoded.at_us);
    assert_eq!(digest(&replayed), digest(&trace));
    assert_eq!(again.sim().history(), live.sim().history());
    let actions = live.file().actions.len();
    let ops = live.sim().history().iter().filter(|e| e.op.kind != OpKind::Get).count();
    println!(
        "2-minute session: {actions} actions ({ops} writes), permalink {} characters",
        text.len()
    );
    assert!(text.len() < 8000, "{} characters", text.len());
}

#[test]
fn a_saved_session_is_a_scenario_file_the_cli_format_reads_back() {
    let (live, _) = visit(5, 10);
    let toml = live.file().to_toml();
    let file = ScenarioFile::from_toml(&toml).unwrap();
    assert_eq!(&file, live.file());
    assert!(live.file().actions.iter().any(|a| a.at_us.is_some()), "µs times are kept");
    let (again, _) = replay(&file, live.sim().now());
    assert_eq!(again.sim().history(), live.sim().history());
}

#[test]
fn isolating_the_leader_keeps_it_in_a_minority_and_needs_a_leader() {
    let sizes = (1..=9).map(|n| match Action::isolate_leader_in_minority(n) {
        Action::IsolateLeader { followers } => followers,
        other => panic!("{other:?}"),
    });
    assert_eq!(sizes.collect::<Vec<_>>(), [0, 0, 0, 0, 1, 1, 2, 2, 3]);
    let mut runner = Runner::new(&ScenarioFile::playground(5, 1, None), 1);
    let refused = runner.act(Action::isolate_leader_in_minority(5)).unwrap_err();
    assert_eq!(refused.to_string(), "there is no leader to isolate yet");
    assert!(runner.file().actions.is_empty());
    let _ = runner.advance_to(2 * SECOND);
    runner.act(Action::isolate_leader_in_minority(5)).unwrap();
    assert_eq!(runner.sim().view().groups.len(), 2);
}

/// Runs `runner` for `secs` more virtual seconds, returning its trace's digest.
fn digest_of_next(runner: &mut Runner, secs: u64) -> u64 {
    runner.set_tracing(true);
    runner.take_trace();
    let _ = runner.advance_to(runner.sim().now() + secs * SECOND);
    digest(&runner.take_trace())
}

#[test]
fn travel_from_a_checkpoint_is_a_replay_from_the_start() {
    use sim::scenario::Checkpoints;
    // A lab scenario (15 Clerks, partitions, unreliable) and a visitor's session with forks.
    let lab = sim::lessons::find("PersistPartitionUnreliableLinearizable3A").unwrap();
    let (visitor, _) = visit(3, 20);
    for (file, every) in [(lab, 3_000), (visitor.file().clone(), 200)] {
        let mut runner = Runner::new(&file, file.seed);
        // Small spacing and few kept, so that thinning happens too.
        let mut checkpoints = Checkpoints::with_spacing(&runner, &(), every, 4);
        let end = 12 * SECOND;
        while runner.sim().now() < end {
            let _ = runner.advance_to(runner.sim().now() + 16_000);
            runner.take_trace();
            checkpoints.observe(&runner, || ());
        }
        assert_eq!(checkpoints.len(), 4, "thinned to at most 4");
        assert!(checkpoints.every() > every, "the spacing doubled");
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..4 {
            let at = rng.random_range(0..end);
            let (mut travelled, ()) = checkpoints.before(at, runner.file());
            assert!(travelled.sim().now() <= at);
            let _ = travelled.advance_to(at);
            let mut replayed = Runner::new(runner.file(), file.seed);
            let _ = replayed.advance_to(at);
            assert_eq!(travelled.sim().view(), replayed.sim().view(), "at {at}");
            assert_eq!(travelled.sim().history(), replayed.sim().history(), "at {at}");
            assert_eq!(digest_of_next(&mut travelled, 2), digest_of_next(&mut replayed, 2));
        }
        // Act in the past: the future forks away, and the checkpoints after it go.
        let at = 5 * SECOND;
        let (mut forked, ()) = checkpoints.before(at, runner.file());
        let _ = forked.advance_to(at);
        forked.act(Action::Crash { server: 1 }).unwrap();
        checkpoints.forget_after(at);
        assert!(checkpoints.times().all(|t| t <= at));
        let later = 9 * SECOND;
        let _ = forked.advance_to(later);
        let (mut travelled, ()) = checkpoints.before(later, forked.file());
        let _ = travelled.advance_to(later);
        let mut replayed = Runner::new(forked.file(), file.seed);
        let _ = replayed.advance_to(later);
        assert_eq!(travelled.sim().history(), forked.sim().history());
        assert_eq!(travelled.sim().history(), replayed.sim().history());
        assert_eq!(digest_of_next(&mut travelled, 2), digest_of_next(&mut replayed, 2));
    }
}
