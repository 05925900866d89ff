//! The lab's Raft test suite (2A–2D), scenario for scenario, on the simulated tester.
//!
//! Each scenario is the Go test's script with its numbers and checks; "sleep" is virtual.
//! Where the Go test counts exact log indices, the cluster runs without the leader's no-op
//! entry, as in the lab; elsewhere the no-op is on, so both paths are exercised.

use raft::{MILLISECOND, SECOND};
use rand::Rng;

use super::{
    command, command_value, Failure, LabConfig, Outcome, Scenario, Task, Tester, Waited,
    ELECTION_TIMEOUT, MAX_LOG_SIZE, SNAPSHOT_INTERVAL,
};

/// Every scenario, in the lab's order.
pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "InitialElection2A", run: initial_election },
    Scenario { name: "ReElection2A", run: re_election },
    Scenario { name: "ManyElections2A", run: many_elections },
    Scenario { name: "BasicAgree2B", run: basic_agree },
    Scenario { name: "RPCBytes2B", run: rpc_bytes },
    Scenario { name: "FollowerFailure2B", run: follower_failure },
    Scenario { name: "LeaderFailure2B", run: leader_failure },
    Scenario { name: "FailAgree2B", run: fail_agree },
    Scenario { name: "FailNoAgree2B", run: fail_no_agree },
    Scenario { name: "ConcurrentStarts2B", run: concurrent_starts },
    Scenario { name: "Rejoin2B", run: rejoin },
    Scenario { name: "Backup2B", run: backup },
    Scenario { name: "Count2B", run: count },
    Scenario { name: "Persist12C", run: persist1 },
    Scenario { name: "Persist22C", run: persist2 },
    Scenario { name: "Persist32C", run: persist3 },
    Scenario { name: "Figure82C", run: figure8 },
    Scenario { name: "UnreliableAgree2C", run: unreliable_agree },
    Scenario { name: "Figure8Unreliable2C", run: figure8_unreliable },
    Scenario { name: "ReliableChurn2C", run: reliable_churn },
    Scenario { name: "UnreliableChurn2C", run: unreliable_churn },
    Scenario { name: "SnapshotBasic2D", run: snapshot_basic },
    Scenario { name: "SnapshotInstall2D", run: snapshot_install },
    Scenario { name: "SnapshotInstallUnreliable2D", run: snapshot_install_unreliable },
    Scenario { name: "SnapshotInstallCrash2D", run: snapshot_install_crash },
    Scenario { name: "SnapshotInstallUnCrash2D", run: snapshot_install_uncrash },
    Scenario { name: "SnapshotAllCrash2D", run: snapshot_all_crash },
    Scenario { name: "SnapshotInit2D", run: snapshot_init },
];

fn tester(seed: u64, servers: usize, unreliable: bool, snapshot: bool, no_op: bool) -> Tester {
    Tester::new(seed, LabConfig { servers, unreliable, snapshot, no_op })
}

/// 2A: a leader is elected, all agree on its term, and it stays without failures.
pub fn initial_election(seed: u64) -> Result<Outcome, Failure> {
    let mut cfg = tester(seed, 3, false, false, true);
    cfg.check_one_leader()?;
    cfg.sleep(50 * MILLISECOND)?;
    let term1 = cfg.check_terms()?;
    if term1 < 1 {
        return cfg.fail(format!("term is {term1}, but should be at least 1"));
    }
    cfg.sleep(2 * ELECTION_TIMEOUT)?;
    let term2 = cfg.check_terms()?;
    if term1 != term2 {
        return cfg.fail(format!(
            "term changed from {term1} to {term2} even though there were no failures"
        ));
    }
    cfg.check_one_leader()?;
    Ok(cfg.end())
}

/// 2A: a new leader after the old one is cut off; none without a quorum.
pub fn re_election(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, true);
    let leader1 = cfg.check_one_leader()?;
    cfg.disconnect(leader1);
    cfg.check_one_leader()?;
    cfg.connect(leader1);
    let leader2 = cfg.check_one_leader()?;
    cfg.disconnect(leader2);
    cfg.disconnect((leader2 + 1) % servers);
    cfg.sleep(2 * ELECTION_TIMEOUT)?;
    cfg.check_no_leader()?;
    cfg.connect((leader2 + 1) % servers);
    cfg.check_one_leader()?;
    cfg.connect(leader2);
    cfg.check_one_leader()?;
    Ok(cfg.end())
}

/// 2A: seven servers, three cut off at random ten times: a leader every time.
pub fn many_elections(seed: u64) -> Result<Outcome, Failure> {
    let servers = 7;
    let mut cfg = tester(seed, servers, false, false, true);
    cfg.check_one_leader()?;
    for _ in 1..10 {
        let picks: Vec<usize> = (0..3).map(|_| cfg.rng().random_range(0..servers)).collect();
        picks.iter().for_each(|&s| cfg.disconnect(s));
        cfg.check_one_leader()?;
        picks.iter().for_each(|&s| cfg.connect(s));
    }
    cfg.check_one_leader()?;
    Ok(cfg.end())
}

/// 2B: three commands commit at indices 1, 2, 3.
pub fn basic_agree(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    for index in 1..=3 {
        if cfg.n_committed(index)?.0 > 0 {
            return cfg.fail("some have committed before Start()");
        }
        let xindex = cfg.one(command(index * 100), servers, false)?;
        if xindex != index {
            return cfg.fail(format!("got index {xindex} but expected {index}"));
        }
    }
    Ok(cfg.end())
}

/// 2B: each 5000-byte command crosses the network about once per follower.
pub fn rpc_bytes(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.one(command(99), servers, false)?;
    let bytes0 = cfg.bytes_total();
    let mut sent = 0;
    for index in 2..12 {
        let cmd: Vec<u8> = (0..5000).map(|_| cfg.rng().random()).collect();
        sent += cmd.len() as u64;
        let xindex = cfg.one(cmd, servers, false)?;
        if xindex != index {
            return cfg.fail(format!("got index {xindex} but expected {index}"));
        }
    }
    let got = cfg.bytes_total() - bytes0;
    let expected = servers as u64 * sent;
    if got > expected + 50_000 {
        return cfg.fail(format!("too many RPC bytes; got {got}, expected {expected}"));
    }
    Ok(cfg.end())
}

/// 2B: agreement despite one follower gone; none once both are.
pub fn follower_failure(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.one(command(101), servers, false)?;
    let leader1 = cfg.check_one_leader()?;
    cfg.disconnect((leader1 + 1) % servers);
    cfg.one(command(102), servers - 1, false)?;
    cfg.sleep(ELECTION_TIMEOUT)?;
    cfg.one(command(103), servers - 1, false)?;
    let leader2 = cfg.check_one_leader()?;
    cfg.disconnect((leader2 + 1) % servers);
    cfg.disconnect((leader2 + 2) % servers);
    let Some((index, _)) = cfg.start(leader2, command(104)) else {
        return cfg.fail("leader rejected Start()");
    };
    if index != 4 {
        return cfg.fail(format!("expected index 4, got {index}"));
    }
    cfg.sleep(2 * ELECTION_TIMEOUT)?;
    let (n, _) = cfg.n_committed(index)?;
    if n > 0 {
        return cfg.fail(format!("{n} committed but no majority"));
    }
    Ok(cfg.end())
}

/// 2B: new leaders after leader failures; nothing commits without a majority.
pub fn leader_failure(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.one(command(101), servers, false)?;
    let leader1 = cfg.check_one_leader()?;
    cfg.disconnect(leader1);
    cfg.one(command(102), servers - 1, false)?;
    cfg.sleep(ELECTION_TIMEOUT)?;
    cfg.one(command(103), servers - 1, false)?;
    let leader2 = cfg.check_one_leader()?;
    cfg.disconnect(leader2);
    for s in 0..servers {
        cfg.start(s, command(104));
    }
    cfg.sleep(2 * ELECTION_TIMEOUT)?;
    let (n, _) = cfg.n_committed(4)?;
    if n > 0 {
        return cfg.fail(format!("{n} committed but no majority"));
    }
    Ok(cfg.end())
}

/// 2B: a follower that was cut off catches up after it reconnects.
pub fn fail_agree(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.one(command(101), servers, false)?;
    let leader = cfg.check_one_leader()?;
    cfg.disconnect((leader + 1) % servers);
    cfg.one(command(102), servers - 1, false)?;
    cfg.one(command(103), servers - 1, false)?;
    cfg.sleep(ELECTION_TIMEOUT)?;
    cfg.one(command(104), servers - 1, false)?;
    cfg.one(command(105), servers - 1, false)?;
    cfg.connect((leader + 1) % servers);
    cfg.one(command(106), servers, true)?;
    cfg.sleep(ELECTION_TIMEOUT)?;
    cfg.one(command(107), servers, true)?;
    Ok(cfg.end())
}

/// 2B: no agreement when three of five followers are gone; recovery after.
pub fn fail_no_agree(seed: u64) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.one(command(10), servers, false)?;
    let leader = cfg.check_one_leader()?;
    for k in 1..=3 {
        cfg.disconnect((leader + k) % servers);
    }
    let Some((index, _)) = cfg.start(leader, command(20)) else {
        return cfg.fail("leader rejected Start()");
    };
    if index != 2 {
        return cfg.fail(format!("expected index 2, got {index}"));
    }
    cfg.sleep(2 * ELECTION_TIMEOUT)?;
    let (n, _) = cfg.n_committed(index)?;
    if n > 0 {
        return cfg.fail(format!("{n} committed but no majority"));
    }
    for k in 1..=3 {
        cfg.connect((leader + k) % servers);
    }
    let leader2 = cfg.check_one_leader()?;
    let Some((index2, _)) = cfg.start(leader2, command(30)) else {
        return cfg.fail("leader2 rejected Start()");
    };
    if !(2..=3).contains(&index2) {
        return cfg.fail(format!("unexpected index {index2}"));
    }
    cfg.one(command(1000), servers, true)?;
    Ok(cfg.end())
}

/// 2B: five Starts at once on one leader all commit.
pub fn concurrent_starts(seed: u64) -> Result<Outcome, Failure> {
    let servers = 7;
    let mut cfg = tester(seed, servers, false, false, false);
    'tries: for attempt in 0..5 {
        if attempt > 0 {
            cfg.sleep(3 * SECOND)?;
        }
        let leader = cfg.check_one_leader()?;
        let Some((_, term)) = cfg.start(leader, command(1)) else {
            continue;
        };
        let mut indices = Vec::new();
        for i in 0..5 {
            if let Some((index, t)) = cfg.start(leader, command(100 + i)) {
                if t == term {
                    indices.push(index);
                }
            }
        }
        if (0..servers).any(|s| cfg.state(s).is_some_and(|(t, _)| t != term)) {
            continue;
        }
        let mut cmds = Vec::new();
        for index in indices {
            match cfg.wait(index, servers, Some(term))? {
                Waited::TermMovedOn => continue 'tries,
                Waited::Committed(value) => cmds.extend(command_value(&value)),
            }
        }
        for x in 100..105 {
            if !cmds.contains(&x) {
                return cfg.fail(format!("cmd {x} missing in {cmds:?}"));
            }
        }
        return Ok(cfg.end());
    }
    cfg.fail("term changed too often")
}

/// 2B: a partitioned leader with uncommitted entries rejoins and gives way.
pub fn rejoin(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.one(command(101), servers, true)?;
    let leader1 = cfg.check_one_leader()?;
    cfg.disconnect(leader1);
    for x in 102..=104 {
        cfg.start(leader1, command(x));
    }
    cfg.one(command(103), 2, true)?;
    let leader2 = cfg.check_one_leader()?;
    cfg.disconnect(leader2);
    cfg.connect(leader1);
    cfg.one(command(104), 2, true)?;
    cfg.connect(leader2);
    cfg.one(command(105), servers, true)?;
    Ok(cfg.end())
}

/// 2B: leaders back up quickly over 50 conflicting entries (fast log backup).
pub fn backup(seed: u64) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, false, false, false);
    let c = cfg.random_command();
    cfg.one(c, servers, true)?;
    let leader1 = cfg.check_one_leader()?;
    for k in 2..=4 {
        cfg.disconnect((leader1 + k) % servers);
    }
    for _ in 0..50 {
        let c = cfg.random_command();
        cfg.start(leader1, c);
    }
    cfg.sleep(ELECTION_TIMEOUT / 2)?;
    cfg.disconnect(leader1 % servers);
    cfg.disconnect((leader1 + 1) % servers);
    for k in 2..=4 {
        cfg.connect((leader1 + k) % servers);
    }
    for _ in 0..50 {
        let c = cfg.random_command();
        cfg.one(c, 3, true)?;
    }
    let leader2 = cfg.check_one_leader()?;
    let mut other = (leader1 + 2) % servers;
    if leader2 == other {
        other = (leader2 + 1) % servers;
    }
    cfg.disconnect(other);
    for _ in 0..50 {
        let c = cfg.random_command();
        cfg.start(leader2, c);
    }
    cfg.sleep(ELECTION_TIMEOUT / 2)?;
    for s in 0..servers {
        cfg.disconnect(s);
    }
    cfg.connect(leader1 % servers);
    cfg.connect((leader1 + 1) % servers);
    cfg.connect(other);
    for _ in 0..50 {
        let c = cfg.random_command();
        cfg.one(c, 3, true)?;
    }
    for s in 0..servers {
        cfg.connect(s);
    }
    let c = cfg.random_command();
    cfg.one(c, servers, true)?;
    Ok(cfg.end())
}

/// 2B: RPC counts stay low: to elect, to agree on ten entries, and when idle.
pub fn count(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, false);
    cfg.check_one_leader()?;
    let total1 = cfg.rpc_total();
    if !(1..=30).contains(&total1) {
        return cfg.fail(format!("too many or few RPCs ({total1}) to elect initial leader"));
    }
    let iters = 10;
    let mut total2 = 0;
    let mut success = false;
    'tries: for attempt in 0..5 {
        if attempt > 0 {
            cfg.sleep(3 * SECOND)?;
        }
        let leader = cfg.check_one_leader()?;
        let total1 = cfg.rpc_total();
        let Some((starti, term)) = cfg.start(leader, command(1)) else {
            continue;
        };
        let mut cmds = Vec::new();
        for i in 1..iters + 2 {
            let x = cfg.rng().random::<u32>() as u64 >> 1;
            cmds.push(x);
            match cfg.start(leader, command(x)) {
                Some((index1, term1)) if term1 == term => {
                    if starti + i != index1 {
                        return cfg.fail("Start() failed");
                    }
                }
                _ => continue 'tries,
            }
        }
        for i in 1..iters + 1 {
            match cfg.wait(starti + i, servers, Some(term))? {
                Waited::TermMovedOn => continue 'tries,
                Waited::Committed(value) => {
                    if command_value(&value) != Some(cmds[i as usize - 1]) {
                        return cfg.fail(format!("wrong value committed for index {}", starti + i));
                    }
                }
            }
        }
        total2 = cfg.rpc_total();
        if (0..servers).any(|s| cfg.state(s).is_some_and(|(t, _)| t != term)) {
            continue;
        }
        if total2 - total1 > (iters + 1 + 3) * 3 {
            return cfg.fail(format!("too many RPCs ({}) for {iters} entries", total2 - total1));
        }
        success = true;
        break;
    }
    if !success {
        return cfg.fail("term changed too often");
    }
    cfg.sleep(ELECTION_TIMEOUT)?;
    let total3 = cfg.rpc_total();
    if total3 - total2 > 3 * 20 {
        return cfg.fail(format!("too many RPCs ({}) for 1 second of idleness", total3 - total2));
    }
    Ok(cfg.end())
}

/// 2C: state survives restarts of everyone, of the leader, and of a follower.
pub fn persist1(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, true);
    cfg.one(command(11), servers, true)?;
    for s in 0..servers {
        cfg.start1(s);
    }
    for s in 0..servers {
        cfg.disconnect(s);
        cfg.connect(s);
    }
    cfg.one(command(12), servers, true)?;
    let leader1 = cfg.check_one_leader()?;
    cfg.disconnect(leader1);
    cfg.start1(leader1);
    cfg.connect(leader1);
    cfg.one(command(13), servers, true)?;
    let leader2 = cfg.check_one_leader()?;
    cfg.disconnect(leader2);
    cfg.one(command(14), servers - 1, true)?;
    cfg.start1(leader2);
    cfg.connect(leader2);
    cfg.wait(4, servers, None)?;
    let i3 = (cfg.check_one_leader()? + 1) % servers;
    cfg.disconnect(i3);
    cfg.one(command(15), servers - 1, true)?;
    cfg.start1(i3);
    cfg.connect(i3);
    cfg.one(command(16), servers, true)?;
    Ok(cfg.end())
}

/// 2C: five rounds of partitions and restarts of a five-server cluster.
pub fn persist2(seed: u64) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, false, false, true);
    let mut index = 1;
    for _ in 0..5 {
        cfg.one(command(10 + index), servers, true)?;
        index += 1;
        let leader1 = cfg.check_one_leader()?;
        cfg.disconnect((leader1 + 1) % servers);
        cfg.disconnect((leader1 + 2) % servers);
        cfg.one(command(10 + index), servers - 2, true)?;
        index += 1;
        cfg.disconnect(leader1 % servers);
        cfg.disconnect((leader1 + 3) % servers);
        cfg.disconnect((leader1 + 4) % servers);
        cfg.start1((leader1 + 1) % servers);
        cfg.start1((leader1 + 2) % servers);
        cfg.connect((leader1 + 1) % servers);
        cfg.connect((leader1 + 2) % servers);
        cfg.sleep(ELECTION_TIMEOUT)?;
        cfg.start1((leader1 + 3) % servers);
        cfg.connect((leader1 + 3) % servers);
        cfg.one(command(10 + index), servers - 2, true)?;
        index += 1;
        cfg.connect((leader1 + 4) % servers);
        cfg.connect(leader1 % servers);
    }
    cfg.one(command(1000), servers, true)?;
    Ok(cfg.end())
}

/// 2C: a partitioned leader and a follower crash; the leader restarts.
pub fn persist3(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, false, true);
    cfg.one(command(101), 3, true)?;
    let leader = cfg.check_one_leader()?;
    cfg.disconnect((leader + 2) % servers);
    cfg.one(command(102), 2, true)?;
    cfg.crash1(leader % servers);
    cfg.crash1((leader + 1) % servers);
    cfg.connect((leader + 2) % servers);
    cfg.start1(leader % servers);
    cfg.connect(leader % servers);
    cfg.one(command(103), 2, true)?;
    cfg.start1((leader + 1) % servers);
    cfg.connect((leader + 1) % servers);
    cfg.one(command(104), servers, true)?;
    Ok(cfg.end())
}

/// 2C: the paper's Figure 8: leaders crash soon after proposing, 1000 times.
pub fn figure8(seed: u64) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, false, false, true);
    let c = cfg.random_command();
    cfg.one(c, 1, true)?;
    let mut nup = servers;
    for _ in 0..1000 {
        let mut leader = None;
        for s in 0..servers {
            let c = cfg.random_command();
            if cfg.is_alive(s) && cfg.start(s, c).is_some() {
                leader = Some(s);
            }
        }
        let pause = if cfg.rng().random_range(0..1000) < 100 {
            cfg.rng().random_range(0..ELECTION_TIMEOUT / MILLISECOND / 2)
        } else {
            cfg.rng().random_range(0..13)
        };
        cfg.sleep(pause * MILLISECOND)?;
        if let Some(l) = leader {
            cfg.crash1(l);
            nup -= 1;
        }
        if nup < 3 {
            let s = cfg.rng().random_range(0..servers);
            if !cfg.is_alive(s) {
                cfg.start1(s);
                cfg.connect(s);
                nup += 1;
            }
        }
    }
    for s in 0..servers {
        if !cfg.is_alive(s) {
            cfg.start1(s);
            cfg.connect(s);
        }
    }
    let c = cfg.random_command();
    cfg.one(c, servers, true)?;
    Ok(cfg.end())
}

/// 2C: agreement on an unreliable network with concurrent proposers.
pub fn unreliable_agree(seed: u64) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, true, false, true);
    let mut background = Vec::new();
    for iters in 1..50 {
        for j in 0..4 {
            background.push(cfg.spawn_one(command(100 * iters + j), 1, true));
        }
        cfg.one(command(iters), 1, true)?;
    }
    cfg.set_unreliable(false);
    for t in background {
        cfg.join(t)?;
    }
    cfg.one(command(100), servers, true)?;
    Ok(cfg.end())
}

/// 2C: Figure 8 on an unreliable network with long reordering of replies.
pub fn figure8_unreliable(seed: u64) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, true, false, true);
    let x = cfg.rng().random_range(0..10_000);
    cfg.one(command(x), 1, true)?;
    let mut nup = servers;
    for iters in 0..1000 {
        if iters == 200 {
            cfg.set_long_reordering(true);
        }
        let mut leader = None;
        for s in 0..servers {
            let x = cfg.rng().random_range(0..10_000);
            if cfg.start(s, command(x)).is_some() && cfg.is_connected(s) {
                leader = Some(s);
            }
        }
        let pause = if cfg.rng().random_range(0..1000) < 100 {
            cfg.rng().random_range(0..ELECTION_TIMEOUT / MILLISECOND / 2)
        } else {
            cfg.rng().random_range(0..13)
        };
        cfg.sleep(pause * MILLISECOND)?;
        if let Some(l) = leader {
            if cfg.rng().random_range(0..1000) < ELECTION_TIMEOUT / MILLISECOND / 2 {
                cfg.disconnect(l);
                nup -= 1;
            }
        }
        if nup < 3 {
            let s = cfg.rng().random_range(0..servers);
            if !cfg.is_connected(s) {
                cfg.connect(s);
                nup += 1;
            }
        }
    }
    for s in 0..servers {
        if !cfg.is_connected(s) {
            cfg.connect(s);
        }
    }
    let x = cfg.rng().random_range(0..10_000);
    cfg.one(command(x), servers, true)?;
    Ok(cfg.end())
}

fn churn(seed: u64, unreliable: bool) -> Result<Outcome, Failure> {
    let servers = 5;
    let mut cfg = tester(seed, servers, unreliable, false, true);
    let clients: Vec<usize> = (0..3).map(|me| cfg.spawn_churn_client(me)).collect();
    for _ in 0..20 {
        if cfg.rng().random_range(0..1000) < 200 {
            let s = cfg.rng().random_range(0..servers);
            cfg.disconnect(s);
        }
        if cfg.rng().random_range(0..1000) < 500 {
            let s = cfg.rng().random_range(0..servers);
            if !cfg.is_alive(s) {
                cfg.start1(s);
            }
            cfg.connect(s);
        }
        if cfg.rng().random_range(0..1000) < 200 {
            let s = cfg.rng().random_range(0..servers);
            if cfg.is_alive(s) {
                cfg.crash1(s);
            }
        }
        cfg.sleep(ELECTION_TIMEOUT * 7 / 10)?;
    }
    cfg.sleep(ELECTION_TIMEOUT)?;
    cfg.set_unreliable(false);
    for s in 0..servers {
        if !cfg.is_alive(s) {
            cfg.start1(s);
        }
        cfg.connect(s);
    }
    cfg.stop_churn_clients();
    let mut values = Vec::new();
    for t in clients {
        if let Task::Churn(client) = cfg.join(t)? {
            values.extend_from_slice(client.values());
        }
    }
    cfg.sleep(ELECTION_TIMEOUT)?;
    let c = cfg.random_command();
    let last_index = cfg.one(c, servers, true)?;
    let mut really = Vec::new();
    for index in 1..=last_index {
        match cfg.wait(index, servers, None)? {
            Waited::Committed(value) => really.extend(command_value(&value)),
            Waited::TermMovedOn => unreachable!("no start term given"),
        }
    }
    if let Some(v) = values.iter().find(|v| !really.contains(v)) {
        return cfg.fail(format!("didn't find a value: {v}"));
    }
    Ok(cfg.end())
}

/// 2C: concurrent clients while servers disconnect, crash and restart.
pub fn reliable_churn(seed: u64) -> Result<Outcome, Failure> {
    churn(seed, false)
}

/// 2C: the same churn on an unreliable network.
pub fn unreliable_churn(seed: u64) -> Result<Outcome, Failure> {
    churn(seed, true)
}

/// The 2D tests' common script (`snapcommon`): thirty rounds of a victim cut off or crashed
/// while entries (and snapshots) pile up, then brought back, maybe through InstallSnapshot.
fn snap_common(
    seed: u64,
    disconnect: bool,
    reliable: bool,
    crash: bool,
) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, !reliable, true, true);
    let c = cfg.random_command();
    cfg.one(c, servers, true)?;
    let mut leader1 = cfg.check_one_leader()?;
    for i in 0..30 {
        let (mut victim, mut sender) = ((leader1 + 1) % servers, leader1);
        if i % 3 == 1 {
            sender = (leader1 + 1) % servers;
            victim = leader1;
        }
        if disconnect {
            cfg.disconnect(victim);
            let c = cfg.random_command();
            cfg.one(c, servers - 1, true)?;
        }
        if crash {
            cfg.crash1(victim);
            let c = cfg.random_command();
            cfg.one(c, servers - 1, true)?;
        }
        let nn = SNAPSHOT_INTERVAL / 2 + cfg.rng().random_range(0..SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            let c = cfg.random_command();
            cfg.start(sender, c);
        }
        let c = cfg.random_command();
        if !disconnect && !crash {
            cfg.one(c, servers, true)?;
        } else {
            cfg.one(c, servers - 1, true)?;
        }
        if cfg.log_size() >= MAX_LOG_SIZE {
            return cfg.fail(format!("log size too large: {} bytes", cfg.log_size()));
        }
        if disconnect {
            cfg.connect(victim);
            let c = cfg.random_command();
            cfg.one(c, servers, true)?;
            leader1 = cfg.check_one_leader()?;
        }
        if crash {
            cfg.start1(victim);
            cfg.connect(victim);
            let c = cfg.random_command();
            cfg.one(c, servers, true)?;
            leader1 = cfg.check_one_leader()?;
        }
    }
    Ok(cfg.end())
}

/// 2D: snapshots with everyone connected.
pub fn snapshot_basic(seed: u64) -> Result<Outcome, Failure> {
    snap_common(seed, false, true, false)
}

/// 2D: a disconnected follower catches up through InstallSnapshot.
pub fn snapshot_install(seed: u64) -> Result<Outcome, Failure> {
    snap_common(seed, true, true, false)
}

/// 2D: the same on an unreliable network.
pub fn snapshot_install_unreliable(seed: u64) -> Result<Outcome, Failure> {
    snap_common(seed, true, false, false)
}

/// 2D: a crashed follower restarts from its snapshot and catches up.
pub fn snapshot_install_crash(seed: u64) -> Result<Outcome, Failure> {
    snap_common(seed, false, true, true)
}

/// 2D: the same on an unreliable network.
pub fn snapshot_install_uncrash(seed: u64) -> Result<Outcome, Failure> {
    snap_common(seed, false, false, true)
}

/// 2D: everyone crashes and restarts from snapshot plus log tail; indices keep growing.
pub fn snapshot_all_crash(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, true, true);
    let c = cfg.random_command();
    cfg.one(c, servers, true)?;
    for _ in 0..5 {
        let nn = SNAPSHOT_INTERVAL / 2 + cfg.rng().random_range(0..SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            let c = cfg.random_command();
            cfg.one(c, servers, true)?;
        }
        let c = cfg.random_command();
        let index1 = cfg.one(c, servers, true)?;
        for s in 0..servers {
            cfg.crash1(s);
        }
        for s in 0..servers {
            cfg.start1(s);
            cfg.connect(s);
        }
        let c = cfg.random_command();
        let index2 = cfg.one(c, servers, true)?;
        if index2 < index1 + 1 {
            return cfg.fail(format!("index decreased from {index1} to {index2}"));
        }
    }
    Ok(cfg.end())
}

/// 2D: a restarted server keeps its snapshot when it next persists.
pub fn snapshot_init(seed: u64) -> Result<Outcome, Failure> {
    let servers = 3;
    let mut cfg = tester(seed, servers, false, true, true);
    let c = cfg.random_command();
    cfg.one(c, servers, true)?;
    for _ in 0..=SNAPSHOT_INTERVAL {
        let c = cfg.random_command();
        cfg.one(c, servers, true)?;
    }
    for _ in 0..2 {
        for s in 0..servers {
            cfg.crash1(s);
        }
        for s in 0..servers {
            cfg.start1(s);
            cfg.connect(s);
        }
        let c = cfg.random_command();
        cfg.one(c, servers, true)?;
    }
    Ok(cfg.end())
}
