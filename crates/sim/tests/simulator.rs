//! The simulator's own promises: determinism, honest persistence, the network controls.
#![cfg(not(target_arch = "wasm32"))]

use raft::{Role, MILLISECOND, SECOND};
use sim::{digest, DropReason, Endpoint, NetworkConfig, SimConfig, Simulator, TraceEvent};

mod common;
use common::{eventful_run, EXPECTED_DIGEST_SEED_42};

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let a = eventful_run(7, false);
    let b = eventful_run(7, false);
    assert!(a.trace().len() > 1000, "the run should be eventful");
    assert_eq!(a.trace(), b.trace());
    assert_eq!(digest(a.trace()), digest(b.trace()));
    let c = eventful_run(8, false);
    assert_ne!(digest(a.trace()), digest(c.trace()));
}

#[test]
fn the_trace_digest_is_the_same_on_every_platform() {
    // tests/wasm.rs asserts the same figure in the browser.
    let sim = eventful_run(42, false);
    assert_eq!(digest(sim.trace()), EXPECTED_DIGEST_SEED_42);
}

#[test]
fn persisted_bytes_always_equal_the_encoded_state() {
    let sim = eventful_run(3, true);
    let snapshots =
        sim.trace().iter().filter(|r| matches!(r.event, TraceEvent::SnapshotTaken { .. })).count();
    let installs = sim
        .trace()
        .iter()
        .filter(|r| matches!(r.event, TraceEvent::SnapshotInstalled { .. }))
        .count();
    assert!(snapshots > 0 && installs > 0, "snapshots {snapshots}, installs {installs}");
}

#[test]
fn a_crashed_servers_messages_in_flight_are_lost_and_it_restarts_from_its_persister() {
    let mut sim = Simulator::new(SimConfig::tester(3, 1, None));
    sim.run_for(SECOND).unwrap();
    let leader = (0..3).find(|&s| sim.raft(s).unwrap().is_leader()).unwrap();
    sim.propose(leader, b"x".to_vec()).unwrap();
    let term = sim.raft(leader).unwrap().term();
    sim.crash(leader);
    sim.run_for(SECOND).unwrap();
    let lost = sim
        .trace()
        .iter()
        .any(|r| matches!(r.event, TraceEvent::Dropped { reason: DropReason::SenderCrashed, .. }));
    assert!(lost, "the leader's AppendEntries died with it");
    assert!(sim.raft(leader).is_none());
    sim.restart(leader);
    let raft = sim.raft(leader).unwrap();
    assert!(raft.term() >= term);
    assert_eq!(raft.role(), Role::Follower);
    assert_eq!(
        raft.log().entry(raft.log().last_index()).unwrap().command.as_deref(),
        Some(&b"x"[..])
    );
}

#[test]
fn a_minority_leader_cannot_commit_and_the_majority_moves_on() {
    let mut sim = Simulator::new(SimConfig::tester(5, 2, None));
    sim.run_for(SECOND).unwrap();
    let old = (0..5).find(|&s| sim.raft(s).unwrap().is_leader()).unwrap();
    let minority = vec![old, (old + 1) % 5];
    let majority: Vec<_> = (0..5).filter(|s| !minority.contains(s)).collect();
    sim.partition(&[majority.clone(), minority]);
    let (index, _) = sim.propose(old, b"lost".to_vec()).unwrap();
    sim.run_for(2 * SECOND).unwrap();
    assert!(sim.raft(old).unwrap().commit_index() < index);
    let new = majority
        .iter()
        .copied()
        .find(|&s| sim.raft(s).unwrap().is_leader())
        .expect("majority elects");
    let (index2, _) = sim.propose(new, b"kept".to_vec()).unwrap();
    sim.run_for(SECOND).unwrap();
    assert!(sim.raft(new).unwrap().commit_index() >= index2);
    sim.heal();
    sim.run_for(SECOND).unwrap();
    let log = sim.raft(old).unwrap().log();
    assert_eq!(log.entry(index2).unwrap().command.as_deref(), Some(&b"kept"[..]));
    assert_eq!(sim.topology().groups(), vec![vec![0, 1, 2, 3, 4]]);
}

#[test]
fn held_dropped_duplicated_and_hurried_messages() {
    let mut config = SimConfig::tester(3, 4, None);
    config.network = NetworkConfig {
        min_delay: 10 * MILLISECOND,
        max_delay: 10 * MILLISECOND,
        ..NetworkConfig::reliable()
    };
    let mut sim = Simulator::new(config);
    sim.run_for(SECOND).unwrap();
    let leader = (0..3).find(|&s| sim.raft(s).unwrap().is_leader()).unwrap();
    let (index, _) = sim.propose(leader, b"x".to_vec()).unwrap();
    let appends: Vec<_> = sim
        .in_flight()
        .filter(|m| m.packet.from == Endpoint::Server(leader))
        .map(|m| m.id)
        .collect();
    assert_eq!(appends.len(), 2);
    // Hold one, drop the other: nothing commits, however long we wait.
    sim.hold(appends[0]).unwrap();
    sim.drop_message(appends[1]).unwrap();
    sim.run_for(90 * MILLISECOND).unwrap();
    assert!(sim.raft(leader).unwrap().commit_index() < index);
    assert!(sim.in_flight().any(|m| m.id == appends[0] && m.held));
    // Duplicate the held one, then let it through now: the copy arrives later, harmlessly.
    let copy = sim.duplicate(appends[0]).unwrap();
    sim.deliver_now(appends[0]).unwrap();
    sim.run_for(50 * MILLISECOND).unwrap();
    assert!(sim.raft(leader).unwrap().commit_index() >= index);
    let delivered = |id| sim.trace().iter().any(|r| r.event == TraceEvent::Delivered { id });
    assert!(delivered(appends[0]) && delivered(copy));
    assert!(sim
        .trace()
        .iter()
        .any(|r| r.event == TraceEvent::Dropped { id: appends[1], reason: DropReason::ByUser }));
    assert_eq!(
        sim.hold(appends[1]).unwrap_err().to_string(),
        format!("message {} is not in flight", appends[1])
    );
}

#[test]
fn a_lone_server_elects_itself_and_commits() {
    let mut sim = Simulator::new(SimConfig::tester(1, 5, None));
    sim.run_for(SECOND).unwrap();
    let (index, _) = sim.propose(0, b"solo".to_vec()).unwrap();
    sim.run_for(MILLISECOND).unwrap();
    assert_eq!(sim.raft(0).unwrap().commit_index(), index);
    assert_eq!(sim.applier(0).applied_at(index), Some(&Some(b"solo".to_vec())));
}

#[test]
fn the_view_shows_labelled_logs_maps_sessions_messages_and_what_survives() {
    use kv::Op;
    let mut sim = Simulator::new(SimConfig::new(3, 9));
    let c = sim.add_client();
    sim.run_for(SECOND).unwrap();
    sim.client_start(c, Op::put("k", "v")).unwrap();
    let in_flight = sim.view();
    assert!(
        in_flight.messages.iter().any(|m| m.label == "Put(\"k\", \"v\") #1"),
        "{:?}",
        in_flight.messages
    );
    assert_eq!(in_flight.clients[0].in_progress.as_ref().unwrap().op, Op::put("k", "v"));
    let done = sim.run_until_completion(sim.now() + SECOND).unwrap().unwrap();
    sim.run_for(SECOND).unwrap();
    let view = sim.view();
    let entries = sim.entry_labels(done.server, sim::LogWindow { end: None, len: 64 });
    let put = entries.iter().find(|e| e.label == "Put(\"k\", \"v\")").unwrap();
    assert!(put.committed);
    assert_eq!(put.client, Some((c, 1)));
    assert!(entries.iter().any(|e| e.label == "no-op"));
    for s in &view.servers {
        let stored = sim::StoredValue { key: "k".into(), value: "v".into(), length: 1 };
        assert_eq!(s.store, vec![stored]);
        assert_eq!(s.sessions, vec![(c, 1)]);
        assert_eq!(s.persisted.last_index, s.raft.as_ref().unwrap().last_log_index);
        assert_eq!(s.persisted.term, s.raft.as_ref().unwrap().term);
    }
    sim.crash(0);
    let crashed = &sim.view().servers[0];
    assert!(!crashed.alive && crashed.raft.is_none() && crashed.store.is_empty());
    assert!(crashed.persisted.last_index >= put.index, "the log survives the crash");
    assert_eq!(sim.view().groups, vec![vec![0, 1, 2]]);
    sim.connect_client(c, &[1, 2]);
    assert_eq!(sim.view().client_reach, vec![vec![1, 2]]);
}
