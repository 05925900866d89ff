//! The lab's kvraft tester (`kvraft/config.go` and the helpers of `test_test.go`) over the
//! simulator: Clerks, partitions, crashes, and the checks made after each round.

use check::{check_kv, Budget, Verdict};
use kv::{ClientId, KvConfig, Op};
use raft::{NodeId, Time, SECOND};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Failure, Outcome};
use sim::{operations, NetworkConfig, ServiceConfig, SimConfig, Simulator};

/// How long a lone synchronous operation may take before the tester gives up on it.
const OP_LIMIT: Time = 120 * SECOND;

/// The lab's kvraft tester over a [`Simulator`].
pub struct KvTester {
    sim: Simulator,
    rng: ChaCha8Rng,
    servers: usize,
}

impl KvTester {
    /// `servers` KvServers, all connected, like `make_config(t, n, unreliable, maxraftstate)`.
    pub fn new(
        seed: u64,
        servers: usize,
        unreliable: bool,
        max_raft_state: Option<usize>,
    ) -> KvTester {
        let mut config = SimConfig::new(servers, seed);
        config.trace = false;
        config.service = ServiceConfig::Kv(KvConfig { max_raft_state, ..KvConfig::default() });
        if unreliable {
            config.network = NetworkConfig::unreliable();
        }
        KvTester::with_config(config)
    }

    /// A tester over a cluster configured by hand (unsafe switches, other timings).
    pub fn with_config(config: SimConfig) -> KvTester {
        KvTester {
            rng: ChaCha8Rng::seed_from_u64(config.seed ^ 0x6b76_7261_6674_3361),
            servers: config.servers,
            sim: Simulator::new(config),
        }
    }

    /// The simulator underneath.
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// The simulator underneath, to act on it directly.
    pub fn sim_mut(&mut self) -> &mut Simulator {
        &mut self.sim
    }

    /// Number of servers.
    pub fn servers(&self) -> usize {
        self.servers
    }

    /// The tester's own random numbers.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// Fails the scenario now.
    pub fn fail<T>(&self, message: impl Into<String>) -> Result<T, Failure> {
        Err(Failure { seed: self.sim.config().seed, at: self.sim.now(), message: message.into() })
    }

    /// A Clerk that reaches every server (`makeClient(All())`).
    pub fn make_client(&mut self) -> ClientId {
        self.sim.add_client()
    }

    /// A Clerk that reaches only `servers`.
    pub fn make_client_to(&mut self, servers: &[NodeId]) -> ClientId {
        let c = self.sim.add_client();
        self.sim.connect_client(c, servers);
        c
    }

    /// Starts `op` on Clerk `c` without waiting.
    pub fn start(&mut self, c: ClientId, op: Op) -> Result<(), Failure> {
        match self.sim.client_start(c, op) {
            Ok(_) => Ok(()),
            Err(e) => self.fail(format!("client {c} could not start: {e}")),
        }
    }

    /// Runs until Clerk `c`'s operation returns or `limit` of virtual time passes; its value,
    /// or `None` if it has not returned.
    pub fn finish(&mut self, c: ClientId, limit: Time) -> Result<Option<String>, Failure> {
        let until = self.sim.now() + limit;
        while let Some(done) = self.sim.run_until_completion(until)? {
            if done.client_id == c {
                return Ok(Some(done.value));
            }
        }
        Ok(None)
    }

    /// Carries out `op` on Clerk `c` and waits for it; its value.
    pub fn op(&mut self, c: ClientId, op: Op) -> Result<String, Failure> {
        let shown = op.to_string();
        self.start(c, op)?;
        match self.finish(c, OP_LIMIT)? {
            Some(value) => Ok(value),
            None => self
                .fail(format!("{shown} by client {c} did not complete in {} s", OP_LIMIT / SECOND)),
        }
    }

    /// `Get(key)` on Clerk `c`.
    pub fn get(&mut self, c: ClientId, key: &str) -> Result<String, Failure> {
        self.op(c, Op::get(key))
    }

    /// `Put(key, value)` on Clerk `c`.
    pub fn put(&mut self, c: ClientId, key: &str, value: &str) -> Result<(), Failure> {
        self.op(c, Op::put(key, value)).map(drop)
    }

    /// `Append(key, value)` on Clerk `c`.
    pub fn append(&mut self, c: ClientId, key: &str, value: &str) -> Result<(), Failure> {
        self.op(c, Op::append(key, value)).map(drop)
    }

    /// Lets time pass (operations in flight go on; their completions are not awaited).
    pub fn sleep(&mut self, duration: Time) -> Result<(), Failure> {
        Ok(self.sim.run_for(duration)?)
    }

    /// Splits the servers into `p1` and `p2`; Clerks keep their links.
    pub fn partition(&mut self, p1: &[NodeId], p2: &[NodeId]) {
        self.sim.partition(&[p1.to_vec(), p2.to_vec()]);
    }

    /// Reconnects every server and every Clerk to every server (`ConnectAll`).
    pub fn connect_all(&mut self) {
        self.sim.heal();
        let all: Vec<NodeId> = (0..self.servers).collect();
        for c in 0..self.sim.clients() as ClientId {
            self.sim.connect_client(c, &all);
        }
    }

    /// The server that believes it leads, if exactly one connected server does (`Leader`).
    pub fn leader(&self) -> Option<NodeId> {
        (0..self.servers).find(|&s| self.sim.raft(s).is_some_and(|r| r.is_leader()))
    }

    /// The largest persisted Raft state of any server.
    pub fn max_raft_state_size(&self) -> usize {
        (0..self.servers).map(|s| self.sim.persister(s).raft_state_size()).max().unwrap_or(0)
    }

    /// The largest snapshot of any server.
    pub fn max_snapshot_size(&self) -> usize {
        (0..self.servers).map(|s| self.sim.persister(s).snapshot_size()).max().unwrap_or(0)
    }

    /// `checkClntAppends`: each of client `clnt`'s `count` appended values is in `v` exactly
    /// once, and in order.
    pub fn check_clnt_appends(&self, clnt: usize, v: &str, count: usize) -> Result<(), Failure> {
        let mut last = None;
        for j in 0..count {
            let wanted = format!("x {clnt} {j} y");
            let Some(off) = v.find(&wanted) else {
                return self.fail(format!("{clnt} missing element {wanted} in Append result {v}"));
            };
            if v[off + 1..].contains(&wanted) {
                return self.fail(format!("duplicate element {wanted} in Append result"));
            }
            if last.is_some_and(|l| off <= l) {
                return self.fail(format!("wrong order for element {wanted} in Append result"));
            }
            last = Some(off);
        }
        Ok(())
    }

    /// Checks the whole history so far with the linearizability checker. Unknown (the step
    /// budget ran out) passes, as the lab's porcupine timeout does; the verdict says so.
    pub fn check_linearizable(&self) -> Result<Verdict, Failure> {
        let result = check_kv(&operations(self.sim.history()), Budget::default());
        match result.verdict {
            Verdict::NotLinearizable => {
                let key = result.keys.iter().find(|k| k.verdict == Verdict::NotLinearizable);
                self.fail(format!(
                    "history is not linearizable (key {:?})",
                    key.map(|k| k.key.as_str()).unwrap_or_default()
                ))
            }
            verdict => Ok(verdict),
        }
    }

    /// Ends the scenario: its figures.
    pub fn end(self, verdict: Option<Verdict>, ms_per_op: Option<f64>) -> Outcome {
        Outcome {
            virtual_time: self.sim.now(),
            stats: self.sim.stats().clone(),
            history: self.sim.into_history(),
            verdict,
            ms_per_op,
        }
    }
}
