//! Runs shared by the native and the browser tests.

use raft::{PersistentState, MILLISECOND, SECOND};
use sim::{SimConfig, Simulator};

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
