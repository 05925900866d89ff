//! The lab's kvraft test suite (3A and 3B), scenario for scenario, on the simulated tester.
//! Every history is checked for linearizability; Raft's invariants and the replicas'
//! agreement are checked after every event.

use kv::{ClientId, Op};
use raft::{NodeId, Time, MILLISECOND, SECOND};
use rand::Rng;

use super::{Failure, KvTester, Outcome, Scenario};
pub use sim::generic::{Generic, GENERIC_TESTS};
use sim::TraceEvent;

/// The kvraft tests' election allowance.
const ELECTION_TIMEOUT: Time = SECOND;
/// How long each round of a GenericTest runs its clients.
const ROUND: Time = 5 * SECOND;

/// Every scenario, in the lab's order.
pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "Basic3A", run: basic },
    Scenario { name: "Speed3A", run: speed_3a },
    Scenario { name: "Concurrent3A", run: concurrent },
    Scenario { name: "UnreliableOneKey3A", run: unreliable_one_key },
    Scenario { name: "Unreliable3A", run: unreliable },
    Scenario { name: "OnePartition3A", run: one_partition },
    Scenario { name: "ManyPartitionsOneClient3A", run: many_partitions_one_client },
    Scenario { name: "ManyPartitionsManyClients3A", run: many_partitions_many_clients },
    Scenario { name: "PersistOneClient3A", run: persist_one_client },
    Scenario { name: "PersistConcurrent3A", run: persist_concurrent },
    Scenario { name: "PersistConcurrentUnreliable3A", run: persist_concurrent_unreliable },
    Scenario { name: "PersistPartition3A", run: persist_partition },
    Scenario { name: "PersistPartitionUnreliable3A", run: persist_partition_unreliable },
    Scenario {
        name: "PersistPartitionUnreliableLinearizable3A",
        run: persist_partition_unreliable_linearizable,
    },
    Scenario { name: "SnapshotRPC3B", run: snapshot_rpc },
    Scenario { name: "SnapshotSize3B", run: snapshot_size },
    Scenario { name: "Speed3B", run: speed_3b },
    Scenario { name: "SnapshotRecover3B", run: snapshot_recover },
    Scenario { name: "SnapshotRecoverManyClients3B", run: snapshot_recover_many_clients },
    Scenario { name: "SnapshotUnreliable3B", run: snapshot_unreliable },
    Scenario { name: "SnapshotUnreliableRecover3B", run: snapshot_unreliable_recover },
    Scenario {
        name: "SnapshotUnreliableRecoverConcurrentPartition3B",
        run: snapshot_unreliable_recover_concurrent_partition,
    },
    Scenario {
        name: "SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B",
        run: snapshot_unreliable_recover_concurrent_partition_linearizable,
    },
];

/// A function per GenericTest variant; each one's shape is in [`GENERIC_TESTS`].
macro_rules! generic_runs {
    ($($fn:ident: $name:literal;)*) => {
        $(#[doc = concat!("The lab's ", $name, ": GenericTest with its shape.")]
        pub fn $fn(seed: u64) -> Result<Outcome, Failure> {
            generic(seed, shape($name))
        })*
    };
}

generic_runs! {
    basic: "Basic3A";
    concurrent: "Concurrent3A";
    unreliable: "Unreliable3A";
    many_partitions_one_client: "ManyPartitionsOneClient3A";
    many_partitions_many_clients: "ManyPartitionsManyClients3A";
    persist_one_client: "PersistOneClient3A";
    persist_concurrent: "PersistConcurrent3A";
    persist_concurrent_unreliable: "PersistConcurrentUnreliable3A";
    persist_partition: "PersistPartition3A";
    persist_partition_unreliable: "PersistPartitionUnreliable3A";
    persist_partition_unreliable_linearizable: "PersistPartitionUnreliableLinearizable3A";
    snapshot_recover: "SnapshotRecover3B";
    snapshot_recover_many_clients: "SnapshotRecoverManyClients3B";
    snapshot_unreliable: "SnapshotUnreliable3B";
    snapshot_unreliable_recover: "SnapshotUnreliableRecover3B";
    snapshot_unreliable_recover_concurrent_partition: "SnapshotUnreliableRecoverConcurrentPartition3B";
    snapshot_unreliable_recover_concurrent_partition_linearizable: "SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B";
}

/// The shape of the GenericTest variant called `name`.
fn shape(name: &str) -> Generic {
    GENERIC_TESTS.iter().find(|(n, _)| *n == name).map(|&(_, g)| g).expect("a GenericTest")
}

/// One GenericTest client's loop (`spawn_clients_and_wait`'s body).
struct Worker {
    clerk: ClientId,
    /// Appends so far (the lab's `j`).
    appends: usize,
    /// The value of its own key it expects (without random keys).
    last: String,
    finished: bool,
}

/// `GenericTest`: three rounds of clients running Get/Append (and Put) for five seconds, with
/// partitions, crashes, unreliability and snapshots as configured; after each round every
/// client's appends are checked, and the Raft state size against `maxraftstate`; at the end the
/// whole history is checked for linearizability.
pub fn generic(seed: u64, g: Generic) -> Result<Outcome, Failure> {
    let mut cfg = KvTester::new(seed, g.servers, g.unreliable, g.max_raft_state);
    let ck = cfg.make_client();
    for _round in 0..3 {
        let mut workers: Vec<Worker> = (0..g.clients)
            .map(|_| Worker {
                clerk: cfg.make_client(),
                appends: 0,
                last: String::new(),
                finished: false,
            })
            .collect();
        for (cli, w) in workers.iter().enumerate() {
            let first = if g.random_keys {
                next_op(&mut cfg, cli, w, g)
            } else {
                Op::put(cli.to_string(), "")
            };
            cfg.start(w.clerk, first)?;
        }
        let start = cfg.sim().now();
        let mut next_partition = g.partitions.then_some(start + SECOND);
        let mut done = false;
        loop {
            let until = match (done, next_partition) {
                (false, Some(p)) => p.min(start + ROUND),
                (false, None) => start + ROUND,
                (true, Some(p)) => p,
                (true, None) => break,
            };
            drive(&mut cfg, &mut workers, g, done, until)?;
            let now = cfg.sim().now();
            if now >= start + ROUND {
                done = true;
            }
            if next_partition.is_some_and(|p| now >= p) {
                // The partitioner checks the done flag each time it wakes up.
                next_partition = if done {
                    None
                } else {
                    partition_at_random(&mut cfg);
                    Some(now + ELECTION_TIMEOUT + cfg.rng().random_range(0..200) * MILLISECOND)
                };
            }
        }
        if g.partitions {
            cfg.connect_all();
            let until = cfg.sim().now() + ELECTION_TIMEOUT;
            drive(&mut cfg, &mut workers, g, true, until)?;
        }
        if g.crash {
            for s in 0..g.servers {
                cfg.sim_mut().crash(s);
            }
            let until = cfg.sim().now() + ELECTION_TIMEOUT;
            drive(&mut cfg, &mut workers, g, true, until)?;
            for s in 0..g.servers {
                cfg.sim_mut().restart(s);
            }
            cfg.connect_all();
        }
        let limit = cfg.sim().now() + 60 * SECOND;
        while workers.iter().any(|w| !w.finished) {
            if cfg.sim().now() >= limit {
                return cfg.fail("clients did not finish their last operations within 60 s");
            }
            drive(&mut cfg, &mut workers, g, true, limit)?;
        }
        for (cli, w) in workers.iter().enumerate() {
            let v = cfg.get(ck, &cli.to_string())?;
            if !g.random_keys {
                cfg.check_clnt_appends(cli, &v, w.appends)?;
            }
        }
        match g.max_raft_state {
            Some(max) if cfg.max_raft_state_size() > 8 * max => {
                let size = cfg.max_raft_state_size();
                return cfg.fail(format!("logs were not trimmed ({size} > 8*{max})"));
            }
            None if cfg.max_snapshot_size() > 0 => {
                return cfg.fail("snapshot too large without maxraftstate")
            }
            _ => {}
        }
    }
    let verdict = cfg.check_linearizable()?;
    Ok(cfg.end(Some(verdict), None))
}

/// Runs until `until`, handling completions: check a Get against the client's prediction and,
/// until the round is done, give the client its next operation.
fn drive(
    cfg: &mut KvTester,
    workers: &mut [Worker],
    g: Generic,
    done: bool,
    until: Time,
) -> Result<(), Failure> {
    let all_finished = |workers: &[Worker]| workers.iter().all(|w| w.finished);
    // The last wait (until is its limit) ends as soon as every client has finished.
    let last_wait = done && until > cfg.sim().now() + 2 * ELECTION_TIMEOUT;
    while !(last_wait && all_finished(workers)) {
        let Some(op) = cfg.sim_mut().run_until_completion(until)? else { break };
        let Some(cli) = workers.iter().position(|w| w.clerk == op.client_id) else { continue };
        let w = &mut workers[cli];
        match op.op.kind {
            kv::OpKind::Append => {
                w.appends += 1;
                if !g.random_keys {
                    w.last.push_str(&op.op.value);
                }
            }
            kv::OpKind::Get if !g.random_keys && op.value != w.last => {
                let (key, wanted) = (op.op.key.clone(), w.last.clone());
                return cfg.fail(format!(
                    "get wrong value, key {key}, wanted:\n{wanted}\n, got\n{}",
                    op.value
                ));
            }
            _ => {}
        }
        if done {
            workers[cli].finished = true;
            continue;
        }
        let next = next_op(cfg, cli, &workers[cli], g);
        cfg.start(workers[cli].clerk, next)?;
    }
    Ok(())
}

/// A client's next operation: half Appends, else Gets (with random keys, a tenth of those Puts).
fn next_op(cfg: &mut KvTester, cli: usize, w: &Worker, g: Generic) -> Op {
    let key = if g.random_keys {
        cfg.rng().random_range(0..g.clients).to_string()
    } else {
        cli.to_string()
    };
    let nv = format!("x {cli} {} y", w.appends);
    if cfg.rng().random_range(0..1000) < 500 {
        Op::append(key, nv)
    } else if g.random_keys && cfg.rng().random_range(0..1000) < 100 {
        Op::put(key, nv)
    } else {
        Op::get(key)
    }
}

/// The partitioner: each server joins one of two sides at random.
fn partition_at_random(cfg: &mut KvTester) {
    let sides: Vec<bool> = (0..cfg.servers()).map(|_| cfg.rng().random_bool(0.5)).collect();
    let p1: Vec<NodeId> = (0..cfg.servers()).filter(|&s| !sides[s]).collect();
    let p2: Vec<NodeId> = (0..cfg.servers()).filter(|&s| sides[s]).collect();
    cfg.partition(&p1, &p2);
}

/// `GenericTestSpeed`: 1000 sequential Appends by one Clerk must take under 33.3 ms each
/// (a leader replicates on Start, not at the next heartbeat).
fn speed(seed: u64, max_raft_state: Option<usize>) -> Result<Outcome, Failure> {
    const OPS: usize = 1000;
    let mut cfg = KvTester::new(seed, 3, false, max_raft_state);
    let ck = cfg.make_client();
    cfg.get(ck, "x")?;
    let start = cfg.sim().now();
    for i in 0..OPS {
        cfg.append(ck, "x", &format!("x 0 {i} y"))?;
    }
    let ms_per_op = (cfg.sim().now() - start) as f64 / MILLISECOND as f64 / OPS as f64;
    if ms_per_op > 100.0 / 3.0 {
        return cfg
            .fail(format!("operations completed too slowly: {ms_per_op:.2} ms/op > 33.3 ms/op"));
    }
    let v = cfg.get(ck, "x")?;
    cfg.check_clnt_appends(0, &v, OPS)?;
    let verdict = cfg.check_linearizable()?;
    Ok(cfg.end(Some(verdict), Some(ms_per_op)))
}

/// 3A: speed without snapshots.
pub fn speed_3a(seed: u64) -> Result<Outcome, Failure> {
    speed(seed, None)
}

/// 3B: speed with snapshots.
pub fn speed_3b(seed: u64) -> Result<Outcome, Failure> {
    speed(seed, Some(1000))
}

/// 3A: five clients append ten times each to one key on an unreliable network; every value
/// appears exactly once, in each client's order.
pub fn unreliable_one_key(seed: u64) -> Result<Outcome, Failure> {
    let mut cfg = KvTester::new(seed, 3, true, None);
    let ck = cfg.make_client();
    cfg.put(ck, "k", "")?;
    let (clients, appends) = (5, 10);
    let clerks: Vec<ClientId> = (0..clients).map(|_| cfg.make_client()).collect();
    let mut counts = vec![0usize; clients];
    for (cli, &c) in clerks.iter().enumerate() {
        cfg.start(c, Op::append("k", format!("x {cli} 0 y")))?;
    }
    let limit = cfg.sim().now() + 120 * SECOND;
    while counts.iter().any(|&n| n < appends) {
        let Some(done) = cfg.sim_mut().run_until_completion(limit)? else {
            return cfg.fail("appends did not finish within 120 s");
        };
        let Some(cli) = clerks.iter().position(|&c| c == done.client_id) else { continue };
        counts[cli] += 1;
        if counts[cli] < appends {
            cfg.start(clerks[cli], Op::append("k", format!("x {cli} {} y", counts[cli])))?;
        }
    }
    let v = cfg.get(ck, "k")?;
    for cli in 0..clients {
        cfg.check_clnt_appends(cli, &v, appends)?;
    }
    let verdict = cfg.check_linearizable()?;
    Ok(cfg.end(Some(verdict), None))
}

/// 3A: the old leader in a minority: Put and Get there do not complete, in the majority they
/// do; after healing, the minority's operations complete.
pub fn one_partition(seed: u64) -> Result<Outcome, Failure> {
    let n = 5;
    let mut cfg = KvTester::new(seed, n, false, None);
    let ck = cfg.make_client();
    cfg.put(ck, "1", "13")?;
    let Some(leader) = cfg.leader() else { return cfg.fail("no leader after the first Put") };
    let minority: Vec<NodeId> = (0..n / 2).map(|i| (leader + i) % n).collect();
    let majority: Vec<NodeId> = (n / 2..n).map(|i| (leader + i) % n).collect();
    cfg.partition(&majority, &minority);
    let ckp1 = cfg.make_client_to(&majority);
    let ckp2a = cfg.make_client_to(&minority);
    let ckp2b = cfg.make_client_to(&minority);
    cfg.put(ckp1, "1", "14")?;
    if cfg.get(ckp1, "1")? != "14" {
        return cfg.fail("majority Get did not see the majority's Put");
    }
    cfg.start(ckp2a, Op::put("1", "15"))?;
    if cfg.finish(ckp2a, SECOND)?.is_some() {
        return cfg.fail("Put in minority completed");
    }
    cfg.start(ckp2b, Op::get("1"))?;
    if cfg.finish(ckp2b, SECOND)?.is_some() {
        return cfg.fail("Get in minority completed");
    }
    if cfg.get(ckp1, "1")? != "14" {
        return cfg.fail("the minority's Put took effect before it could commit");
    }
    cfg.put(ckp1, "1", "16")?;
    if cfg.get(ckp1, "1")? != "16" {
        return cfg.fail("majority Get did not see the majority's Put");
    }
    cfg.connect_all();
    let mut pending = vec![ckp2a, ckp2b];
    let deadline = cfg.sim().now() + 3 * SECOND;
    while !pending.is_empty() {
        let Some(done) = cfg.sim_mut().run_until_completion(deadline)? else {
            return cfg.fail("the minority's operations did not complete within 3 s of healing");
        };
        pending.retain(|&c| c != done.client_id);
    }
    if cfg.get(ck, "1")? != "15" {
        return cfg.fail("the minority's Put, committed after healing, is not the value");
    }
    let verdict = cfg.check_linearizable()?;
    Ok(cfg.end(Some(verdict), None))
}

/// 3B: a server cut off while the others snapshot catches up through InstallSnapshot.
/// The lab puts 50 keys, enough for its gob encoding to pass 1000 bytes; our postcard entries
/// are smaller, so this keeps putting (at least 50) until the majority has snapshotted.
pub fn snapshot_rpc(seed: u64) -> Result<Outcome, Failure> {
    let max = 1000;
    let mut cfg = KvTester::new(seed, 3, false, Some(max));
    cfg.sim_mut().set_tracing(true);
    let ck = cfg.make_client();
    cfg.put(ck, "a", "A")?;
    cfg.partition(&[0, 1], &[2]);
    let ck1 = cfg.make_client_to(&[0, 1]);
    let snapshotted = |cfg: &KvTester| (0..2).all(|s| cfg.sim().persister(s).snapshot_size() > 0);
    let mut i = 0;
    while i < 50 || !snapshotted(&cfg) {
        if i == 1000 {
            return cfg.fail("1000 Puts and no snapshot");
        }
        cfg.put(ck1, &i.to_string(), &i.to_string())?;
        i += 1;
    }
    cfg.sleep(ELECTION_TIMEOUT)?;
    cfg.put(ck1, "b", "B")?;
    let size = cfg.max_raft_state_size();
    if size > 8 * max {
        return cfg.fail(format!("logs were not trimmed ({size} > 8*{max})"));
    }
    cfg.partition(&[0, 2], &[1]);
    let ck2 = cfg.make_client_to(&[0, 2]);
    cfg.put(ck2, "c", "C")?;
    cfg.put(ck2, "d", "D")?;
    for (key, want) in [("a", "A"), ("b", "B"), ("1", "1"), ("49", "49")] {
        if cfg.get(ck2, key)? != want {
            return cfg.fail(format!("server 2 did not catch up: {key} != {want}"));
        }
    }
    cfg.connect_all();
    cfg.put(ck, "e", "E")?;
    for (key, want) in [("c", "C"), ("e", "E"), ("1", "1")] {
        if cfg.get(ck, key)? != want {
            return cfg.fail(format!("{key} != {want} after healing"));
        }
    }
    let installed = cfg
        .sim()
        .trace()
        .iter()
        .any(|r| matches!(r.event, TraceEvent::SnapshotInstalled { server: 2, .. }));
    if !installed {
        return cfg.fail("server 2 caught up without InstallSnapshot");
    }
    let verdict = cfg.check_linearizable()?;
    Ok(cfg.end(Some(verdict), None))
}

/// 3B: many small operations keep the Raft state under 8 × maxraftstate and the snapshot
/// under 500 bytes.
pub fn snapshot_size(seed: u64) -> Result<Outcome, Failure> {
    let (max, max_snapshot) = (1000, 500);
    let mut cfg = KvTester::new(seed, 3, false, Some(max));
    let ck = cfg.make_client();
    for _ in 0..200 {
        cfg.put(ck, "x", "0")?;
        if cfg.get(ck, "x")? != "0" {
            return cfg.fail("x != 0");
        }
        cfg.put(ck, "x", "1")?;
        if cfg.get(ck, "x")? != "1" {
            return cfg.fail("x != 1");
        }
    }
    let size = cfg.max_raft_state_size();
    if size > 8 * max {
        return cfg.fail(format!("logs were not trimmed ({size} > 8*{max})"));
    }
    let snapshot = cfg.max_snapshot_size();
    if snapshot > max_snapshot {
        return cfg.fail(format!("snapshot too large ({snapshot} > {max_snapshot})"));
    }
    let verdict = cfg.check_linearizable()?;
    Ok(cfg.end(Some(verdict), None))
}
