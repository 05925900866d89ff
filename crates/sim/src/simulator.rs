//! The executor: one thread, one virtual clock, one seeded RNG, one queue of events.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use kv::{
    Clerk, ClerkConfig, ClerkReply, ClientId, Completed, KvConfig, KvServer, Op, Seq, StartError,
};
use raft::{ApplyMsg, Envelope, Index, NodeId, Raft, Role, Term, Time};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::applier::Applier;
use crate::history::HistoryEntry;
use crate::invariants::{Broken, Invariants};
use crate::network::{NetworkConfig, Topology};
use crate::packet::{Endpoint, Packet, PacketKind, Payload};
use crate::persister::Persister;
use crate::queue::{Event, EventQueue};
use crate::trace::{DropReason, TraceEvent, TraceRecord};

/// Identifies one message in flight, in sending order.
pub type MessageId = u64;

/// What runs above each Raft node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceConfig {
    /// The lab's Raft tester: records what is applied; with an interval, snapshots every that
    /// many indices (the lab's 2D tests: 10).
    Tester {
        /// Snapshot interval, if any.
        snapshot_interval: Option<u64>,
    },
    /// The key/value service.
    Kv(KvConfig),
}

/// Everything that determines a run, together with the commands given to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Number of Raft servers.
    pub servers: usize,
    /// Seed of every random choice: election timeouts, delays, losses, Clerks' server orders.
    pub seed: u64,
    /// Raft's timing and switches, the same for every server.
    pub raft: raft::Config,
    /// The network model.
    pub network: NetworkConfig,
    /// The service above Raft.
    pub service: ServiceConfig,
    /// The Clerks' settings.
    pub clerk: ClerkConfig,
    /// Record a [`TraceRecord`] for everything that happens.
    pub trace: bool,
}

impl SimConfig {
    /// `servers` key/value servers with default Raft timing on a reliable network, no
    /// snapshots, tracing on.
    pub fn new(servers: usize, seed: u64) -> SimConfig {
        SimConfig {
            servers,
            seed,
            raft: raft::Config::default(),
            network: NetworkConfig::reliable(),
            service: ServiceConfig::Kv(KvConfig::default()),
            clerk: ClerkConfig::default(),
            trace: true,
        }
    }

    /// The same with the lab's Raft tester as the service.
    pub fn tester(servers: usize, seed: u64, snapshot_interval: Option<u64>) -> SimConfig {
        SimConfig {
            service: ServiceConfig::Tester { snapshot_interval },
            ..SimConfig::new(servers, seed)
        }
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Its id.
    pub id: MessageId,
    /// Ends and content.
    pub packet: Packet,
    /// Its kind.
    pub kind: PacketKind,
    /// Its encoded size in bytes.
    pub bytes: usize,
    /// When it was sent.
    pub sent_at: Time,
    /// When it arrives (or is found lost).
    pub deliver_at: Time,
    /// The unreliable network has already decided to lose it.
    pub lost: bool,
    /// Held back by hand: it stays in flight until released.
    pub held: bool,
    from_incarnation: u32,
    to_incarnation: u32,
}

/// Counters over the whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Events that did something (a message delivered or dropped, a timer fired).
    pub events: u64,
    /// Requests sent (Raft's and the Clerks'): the lab's RPC count.
    pub rpcs: u64,
    /// Bytes of every message sent, requests and replies.
    pub bytes: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages dropped.
    pub dropped: u64,
}

/// A safety property failed: the run stops, and the seed replays it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The run's seed.
    pub seed: u64,
    /// Virtual time of the event that showed it.
    pub at: Time,
    /// What failed.
    pub broken: Broken,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed {}: at {} µs: {}", self.seed, self.at, self.broken)
    }
}

impl std::error::Error for Violation {}

/// Why a proposal went nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposeError {
    /// The server does not believe it leads; it may know who does.
    NotLeader {
        /// The leader it knows of.
        leader_hint: Option<NodeId>,
    },
    /// The server is crashed.
    ServerDown,
}

/// A message id that is not (or no longer) in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownMessage(pub MessageId);

impl fmt::Display for UnknownMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message {} is not in flight", self.0)
    }
}

impl std::error::Error for UnknownMessage {}

/// What the simulator last saw of a server, to notice changes.
#[derive(Clone, Copy, Debug)]
struct Observed {
    role: Role,
    term: Term,
    commit_index: Index,
}

impl Observed {
    fn fresh(term: Term, commit_index: Index) -> Observed {
        Observed { role: Role::Follower, term, commit_index }
    }
}

/// A live server: a bare Raft node under the lab's tester, or a KvServer.
#[derive(Clone, Debug)]
enum Node {
    Tester(Raft),
    Kv(KvServer),
}

impl Node {
    fn raft(&self) -> &Raft {
        match self {
            Node::Tester(raft) => raft,
            Node::Kv(kv) => kv.raft(),
        }
    }

    fn raft_mut(&mut self) -> &mut Raft {
        match self {
            Node::Tester(raft) => raft,
            Node::Kv(kv) => kv.raft_mut(),
        }
    }
}

#[derive(Clone, Debug)]
struct Server {
    node: Option<Node>,
    /// Bumped at every crash and restart; messages to or from an older incarnation are lost.
    incarnation: u32,
    persister: Persister,
    /// The lab tester's record of what this server applied; like the Go tester's, it outlives
    /// a crash and is reset at restart.
    applier: Applier,
    timer_at: Option<Time>,
    observed: Observed,
}

#[derive(Clone, Debug)]
struct Client {
    clerk: Clerk,
    /// The servers this Clerk can reach.
    links: Vec<bool>,
    timer_at: Option<Time>,
    /// Index in the history of the operation in progress.
    open: Option<usize>,
}

/// A simulated cluster and its Clerks. Same configuration, same seed and same commands at
/// the same virtual times give the same run, event for event. A clone is a checkpoint: it
/// runs on exactly as the original would.
#[derive(Clone)]
pub struct Simulator {
    config: SimConfig,
    now: Time,
    rng: ChaCha8Rng,
    queue: EventQueue,
    servers: Vec<Server>,
    clients: Vec<Client>,
    topology: Topology,
    in_flight: InFlightTable,
    next_message: MessageId,
    /// Per directed link, when its latest in-order message arrives.
    link_arrival: FxHashMap<(Endpoint, Endpoint), Time>,
    invariants: Invariants,
    stats: Stats,
    trace: Vec<TraceRecord>,
    /// Shared with checkpoints (a clone of the simulator), so that copying a run does not
    /// copy every operation's values.
    history: Vec<Arc<HistoryEntry>>,
    /// Calls and returns so far: the exact order of history events.
    history_events: u64,
    completions: VecDeque<Completed>,
    violation: Option<Violation>,
}

impl Simulator {
    /// A cluster of fresh servers at time 0, all connected, and no Clerks yet.
    pub fn new(config: SimConfig) -> Simulator {
        assert!(config.servers > 0, "a cluster needs at least one server");
        let rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut sim = Simulator {
            topology: Topology::connected(config.servers),
            servers: Vec::new(),
            config,
            now: 0,
            rng,
            queue: EventQueue::default(),
            clients: Vec::new(),
            in_flight: InFlightTable::default(),
            next_message: 0,
            link_arrival: FxHashMap::default(),
            invariants: Invariants::default(),
            stats: Stats::default(),
            trace: Vec::new(),
            history: Vec::new(),
            history_events: 0,
            completions: VecDeque::new(),
            violation: None,
        };
        for s in 0..sim.config.servers {
            let raft =
                Raft::new(s, sim.config.servers, sim.config.raft.clone(), sim.rng.random(), 0);
            let server = Server {
                node: Some(sim.node(raft)),
                incarnation: 0,
                persister: Persister::default(),
                applier: Applier::new(sim.snapshot_interval()),
                timer_at: None,
                observed: Observed::fresh(0, 0),
            };
            sim.servers.push(server);
            sim.schedule_timer(s);
        }
        sim
    }

    /// Adds a Clerk that can reach every server; returns its id.
    pub fn add_client(&mut self) -> ClientId {
        let id = self.clients.len() as ClientId;
        // A Clerk's seed comes from its own stream of the run's seed, not from the run's RNG,
        // so adding a Clerk (as a visitor may at any moment) leaves the rest of the run alone.
        let mut stream = ChaCha8Rng::seed_from_u64(self.config.seed);
        stream.set_stream(1 + id);
        let clerk = Clerk::new(id, self.config.servers, stream.random(), self.config.clerk.clone());
        self.clients.push(Client {
            clerk,
            links: vec![true; self.config.servers],
            timer_at: None,
            open: None,
        });
        id
    }

    /// Lets Clerk `c` reach exactly `servers` (the lab's `ConnectClient`).
    pub fn connect_client(&mut self, c: ClientId, servers: &[NodeId]) {
        let links = &mut self.clients[c as usize].links;
        links.iter_mut().enumerate().for_each(|(s, l)| *l = servers.contains(&s));
    }

    /// Asks Clerk `c` to carry out `op`; returns its sequence number.
    pub fn client_start(&mut self, c: ClientId, op: Op) -> Result<Seq, StartError> {
        let now = self.now;
        let client = &mut self.clients[c as usize];
        let seq = client.clerk.start(now, op.clone())?;
        client.open = Some(self.history.len());
        self.record(|| TraceEvent::OpInvoked { client: c, seq, op: op.clone() });
        self.history.push(Arc::new(HistoryEntry {
            client: c,
            seq,
            op,
            call: now,
            ret: None,
            output: None,
            server: None,
            index: None,
            attempts: 0,
            call_order: self.history_events,
            ret_order: None,
        }));
        self.history_events += 1;
        self.client_after_input(c);
        Ok(seq)
    }

    /// Runs the next event. `Ok(false)` when nothing is scheduled; an error once an invariant
    /// has failed (and forever after).
    pub fn step(&mut self) -> Result<bool, Violation> {
        if let Some(v) = &self.violation {
            return Err(v.clone());
        }
        let Some((at, event)) = self.queue.pop() else {
            return Ok(false);
        };
        self.now = self.now.max(at);
        let result = match event {
            Event::Deliver(id) => self.deliver(id, at),
            Event::Timer(s) => self.fire_timer(s, at),
            Event::ClientTimer(c) => {
                self.fire_client_timer(c, at);
                Ok(())
            }
        };
        self.check(result)?;
        Ok(true)
    }

    /// Runs every event due up to and including `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: Time) -> Result<(), Violation> {
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            self.step()?;
        }
        self.check(Ok(()))?;
        self.now = self.now.max(until);
        Ok(())
    }

    /// Runs for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Time) -> Result<(), Violation> {
        self.run_until(self.now + duration)
    }

    /// Runs until some Clerk finishes an operation (returned, with the clock at that moment)
    /// or until `until` (`None`, with the clock at `until`).
    pub fn run_until_completion(&mut self, until: Time) -> Result<Option<Completed>, Violation> {
        loop {
            if let Some(done) = self.completions.pop_front() {
                return Ok(Some(done));
            }
            if self.queue.peek_time().is_none_or(|t| t > until) {
                self.run_until(until)?;
                return Ok(self.completions.pop_front());
            }
            self.step()?;
        }
    }

    /// Hands `command` to server `s` as the lab's tester does (`Start`).
    pub fn propose(&mut self, s: NodeId, command: Vec<u8>) -> Result<(Index, Term), ProposeError> {
        let now = self.now;
        let node = self.servers[s].node.as_mut().ok_or(ProposeError::ServerDown)?;
        let result = node
            .raft_mut()
            .propose(now, command)
            .map_err(|e| ProposeError::NotLeader { leader_hint: e.leader_hint });
        let checked = self.after_input(s);
        // A broken invariant is kept and reported by the next step or run.
        let _ = self.check(checked);
        result
    }

    /// Crashes server `s`: its Raft and service state are gone, its persister stays, and its
    /// messages still in flight will be lost.
    pub fn crash(&mut self, s: NodeId) {
        let server = &mut self.servers[s];
        if server.node.take().is_none() {
            return;
        }
        server.incarnation += 1;
        server.timer_at = None;
        self.record(|| TraceEvent::Crashed { server: s });
    }

    /// Restarts server `s` (crashing it first if it is up) from its persister, as the
    /// lab's `start1` does.
    pub fn restart(&mut self, s: NodeId) {
        self.crash(s);
        let seed = self.rng.random();
        let interval = self.snapshot_interval();
        let server = &mut self.servers[s];
        server.incarnation += 1;
        // The lab's start1 copies the persister so that the crashed instance cannot write to
        // the new one's; here the crashed instance is gone, so the persister is simply kept.
        server.applier = Applier::new(interval);
        let restored = Raft::restore(
            s,
            self.config.servers,
            self.config.raft.clone(),
            seed,
            self.now,
            &server.persister.raft_state(),
            server.persister.snapshot(),
        );
        let result = match restored {
            Ok(raft) => {
                let observed = Observed::fresh(raft.term(), raft.commit_index());
                let node = self.node(raft);
                let server = &mut self.servers[s];
                server.observed = observed;
                server.node = Some(node);
                self.record(|| TraceEvent::Restarted { server: s });
                self.after_input(s)
            }
            Err(e) => Err(Broken {
                invariant: "persisted state restores".into(),
                detail: format!("server {s}: {e}"),
            }),
        };
        let _ = self.check(result);
    }

    /// Cuts server `s` off from every other server (the lab's `disconnect`).
    pub fn disconnect(&mut self, s: NodeId) {
        self.topology.disconnect(s);
        self.record_topology();
    }

    /// Reconnects server `s` to the main group (the lab's `connect`).
    pub fn connect(&mut self, s: NodeId) {
        self.topology.connect(s);
        self.record_topology();
    }

    /// Splits the servers into `groups`; servers named in none are cut off alone. Clerks keep
    /// their own links (see [`Simulator::connect_client`]).
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.topology.partition(groups);
        self.record_topology();
    }

    /// Reconnects every server.
    pub fn heal(&mut self) {
        self.topology.heal();
        self.record_topology();
    }

    /// Starts or stops recording the trace.
    pub fn set_tracing(&mut self, on: bool) {
        self.config.trace = on;
    }

    /// Replaces the network model for messages sent from now on.
    pub fn set_network(&mut self, network: NetworkConfig) {
        self.config.network = network;
        let net = &self.config.network;
        let event = TraceEvent::NetworkChanged {
            unreliable: net.is_unreliable(),
            long_reordering: net.long_reordering,
        };
        self.record(|| event);
    }

    /// Switches labrpc's unreliable mode on or off.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        let mut network = self.config.network.clone();
        network.set_unreliable(unreliable);
        self.set_network(network);
    }

    /// Switches labrpc's long reordering of replies on or off.
    pub fn set_long_reordering(&mut self, on: bool) {
        let mut network = self.config.network.clone();
        network.long_reordering = on;
        self.set_network(network);
    }

    /// Holds message `id` in flight until it is released or dropped.
    pub fn hold(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        self.in_flight.get_mut(id).ok_or(UnknownMessage(id))?.held = true;
        self.record(|| TraceEvent::Held { id });
        Ok(())
    }

    /// Lets message `id` arrive now (whether it was held or still on its way).
    pub fn deliver_now(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        let now = self.now;
        let m = self.in_flight.get_mut(id).ok_or(UnknownMessage(id))?;
        m.held = false;
        m.deliver_at = now;
        self.queue.push(now, Event::Deliver(id));
        self.record(|| TraceEvent::Released { id, deliver_at: now });
        Ok(())
    }

    /// Loses message `id`.
    pub fn drop_message(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        let m = self.in_flight.remove(id).ok_or(UnknownMessage(id))?;
        self.lost(&m, DropReason::ByUser);
        Ok(())
    }

    /// Sends a copy of message `id`, with a delay of its own.
    pub fn duplicate(&mut self, id: MessageId) -> Result<MessageId, UnknownMessage> {
        let original = self.in_flight.get(id).ok_or(UnknownMessage(id))?.clone();
        let plan = self.config.network.plan(&mut self.rng, original.kind.is_reply());
        let copy = self.next_message;
        self.next_message += 1;
        let deliver_at = self.now + plan.base + plan.extra;
        let copied = InFlight { id: copy, deliver_at, held: false, lost: false, ..original };
        self.in_flight.push(copied);
        self.queue.push(deliver_at, Event::Deliver(copy));
        self.record(|| TraceEvent::Duplicated { id, copy });
        Ok(copy)
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The configuration, with the network as it is now.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Server `s`'s Raft, unless it is crashed.
    pub fn raft(&self, s: NodeId) -> Option<&Raft> {
        self.servers[s].node.as_ref().map(Node::raft)
    }

    /// Server `s`'s KvServer, unless it is crashed or runs the lab's tester.
    pub fn kv(&self, s: NodeId) -> Option<&KvServer> {
        match self.servers[s].node.as_ref()? {
            Node::Kv(kv) => Some(kv),
            Node::Tester(_) => None,
        }
    }

    /// Whether server `s` is up.
    pub fn is_alive(&self, s: NodeId) -> bool {
        self.servers[s].node.is_some()
    }

    /// The lab tester's record of what server `s` applied.
    pub fn applier(&self, s: NodeId) -> &Applier {
        &self.servers[s].applier
    }

    /// Server `s`'s stable storage.
    pub fn persister(&self, s: NodeId) -> &Persister {
        &self.servers[s].persister
    }

    /// Clerk `c`.
    pub fn clerk(&self, c: ClientId) -> &Clerk {
        &self.clients[c as usize].clerk
    }

    /// The servers Clerk `c` can reach.
    pub fn client_links(&self, c: ClientId) -> Vec<NodeId> {
        let links = &self.clients[c as usize].links;
        (0..links.len()).filter(|&s| links[s]).collect()
    }

    /// Number of Clerks.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Who can reach whom among the servers.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Messages in flight, in sending order.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.iter()
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Everything recorded so far and not yet taken (empty unless the configuration asks for
    /// a trace).
    pub fn trace(&self) -> &[TraceRecord] {
        &self.trace
    }

    /// Takes the trace recorded since the last call, so that a long session's memory stays
    /// bounded by what its reader keeps.
    pub fn take_trace(&mut self) -> Vec<TraceRecord> {
        std::mem::take(&mut self.trace)
    }

    /// When the next event is due, if any is scheduled.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Every Clerk operation so far, in the order they were called.
    pub fn history(&self) -> &[Arc<HistoryEntry>] {
        &self.history
    }

    /// Ends the run: every Clerk operation, in the order they were called.
    pub fn into_history(self) -> Vec<HistoryEntry> {
        self.history.into_iter().map(Arc::unwrap_or_clone).collect()
    }

    /// Roughly how many bytes a copy of this simulator takes (a time-travel checkpoint): the
    /// logs, stable storage, services, invariant tables and in-flight messages. The history is
    /// shared between copies and counted at a pointer per operation.
    pub fn approx_bytes(&self) -> usize {
        let servers: usize = self
            .servers
            .iter()
            .map(|s| {
                let node = s.node.as_ref().map_or(0, |n| {
                    let log = n.raft().log();
                    let entries = (log.last_index() + 1 - log.first_index()) as usize * 48;
                    let service = match n {
                        Node::Kv(kv) => {
                            kv.store().iter().map(|(k, v)| k.len() + v.len() + 48).sum::<usize>()
                                + kv.sessions().len() * 64
                        }
                        Node::Tester(_) => 0,
                    };
                    entries + service + n.raft().snapshot_data().len()
                });
                node + s.persister.raft_state_size() + s.persister.snapshot_size()
            })
            .sum();
        servers
            + self.invariants.approx_bytes()
            + self.in_flight.slots.len() * std::mem::size_of::<Option<InFlight>>()
            + self.history.len() * 8
            + self.clients.len() * 256
    }

    /// The failed invariant that stopped the run, if any.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }

    /// Highest index committed anywhere.
    pub fn commit_index(&self) -> Index {
        self.invariants.commit_index()
    }

    pub(crate) fn queue_peek(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    fn snapshot_interval(&self) -> Option<u64> {
        match &self.config.service {
            ServiceConfig::Tester { snapshot_interval } => *snapshot_interval,
            ServiceConfig::Kv(_) => None,
        }
    }

    fn node(&self, raft: Raft) -> Node {
        match &self.config.service {
            ServiceConfig::Tester { .. } => Node::Tester(raft),
            ServiceConfig::Kv(config) => Node::Kv(KvServer::new(raft, config.clone())),
        }
    }

    fn check(&mut self, result: Result<(), Broken>) -> Result<(), Violation> {
        if let Err(broken) = result {
            self.violation.get_or_insert(Violation {
                seed: self.config.seed,
                at: self.now,
                broken,
            });
        }
        match &self.violation {
            Some(v) => Err(v.clone()),
            None => Ok(()),
        }
    }

    /// Records the event that `event` builds, if tracing is on; otherwise nothing is built.
    fn record(&mut self, event: impl FnOnce() -> TraceEvent) {
        if self.config.trace {
            let event = event();
            self.trace.push(TraceRecord { at: self.now, event });
        }
    }

    fn record_topology(&mut self) {
        let groups = self.topology.groups();
        self.record(|| TraceEvent::TopologyChanged { groups });
    }

    /// Whether `from` can reach `to` right now.
    fn linked(&self, from: Endpoint, to: Endpoint) -> bool {
        match (from, to) {
            (Endpoint::Server(a), Endpoint::Server(b)) => self.topology.linked(a, b),
            (Endpoint::Client(c), Endpoint::Server(s))
            | (Endpoint::Server(s), Endpoint::Client(c)) => self.clients[c as usize].links[s],
            (Endpoint::Client(_), Endpoint::Client(_)) => false,
        }
    }

    fn incarnation(&self, end: Endpoint) -> u32 {
        match end {
            Endpoint::Server(s) => self.servers[s].incarnation,
            Endpoint::Client(_) => 0,
        }
    }

    fn deliver(&mut self, id: MessageId, at: Time) -> Result<(), Broken> {
        match self.in_flight.get(id) {
            // Dropped by hand, held, or re-scheduled: this event is stale.
            Some(m) if !m.held && m.deliver_at == at => {}
            _ => return Ok(()),
        }
        let m = self.in_flight.remove(id).expect("present");
        self.stats.events += 1;
        let (from, to) = (m.packet.from, m.packet.to);
        let receiver_down = match to {
            Endpoint::Server(s) => self.servers[s].node.is_none(),
            Endpoint::Client(_) => false,
        };
        let reason = if m.lost {
            Some(DropReason::Unreliable)
        } else if self.incarnation(from) != m.from_incarnation {
            Some(DropReason::SenderCrashed)
        } else if receiver_down || self.incarnation(to) != m.to_incarnation {
            Some(DropReason::ReceiverDown)
        } else if !self.linked(from, to) {
            Some(DropReason::Partitioned)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.lost(&m, reason);
            return Ok(());
        }
        self.stats.delivered += 1;
        self.record(|| TraceEvent::Delivered { id });
        let now = self.now;
        match (m.packet.to, m.packet.payload) {
            (Endpoint::Server(s), Payload::Raft(message)) => {
                let Endpoint::Server(from) = from else { return Ok(()) };
                let envelope = Envelope { from, to: s, message };
                self.servers[s]
                    .node
                    .as_mut()
                    .expect("receiver is up")
                    .raft_mut()
                    .step(now, envelope);
                self.after_input(s)
            }
            (Endpoint::Server(s), Payload::Request(request)) => {
                let Endpoint::Client(c) = from else { return Ok(()) };
                let immediate = match self.servers[s].node.as_mut().expect("receiver is up") {
                    Node::Kv(kv) => kv.request(now, request),
                    Node::Tester(_) => Some(ClerkReply::wrong_leader(request.seq)),
                };
                if let Some(reply) = immediate {
                    self.send(Endpoint::Server(s), Endpoint::Client(c), Payload::Reply(reply));
                }
                self.after_input(s)
            }
            (Endpoint::Client(c), Payload::Reply(reply)) => {
                let Endpoint::Server(s) = from else { return Ok(()) };
                let done = self.clients[c as usize].clerk.handle_reply(now, s, reply);
                if let Some(done) = done {
                    self.complete(c, done);
                }
                self.client_after_input(c);
                Ok(())
            }
            // Nothing else is ever sent.
            _ => Ok(()),
        }
    }

    /// A message was lost: count it, trace it, and tell a Clerk whose call it was.
    fn lost(&mut self, m: &InFlight, reason: DropReason) {
        self.stats.dropped += 1;
        self.record(|| TraceEvent::Dropped { id: m.id, reason });
        let call = match (m.packet.from, m.packet.to, &m.packet.payload) {
            (Endpoint::Client(c), Endpoint::Server(s), Payload::Request(r)) => Some((c, s, r.seq)),
            (Endpoint::Server(s), Endpoint::Client(c), Payload::Reply(r)) => Some((c, s, r.seq)),
            _ => None,
        };
        if let Some((c, s, seq)) = call {
            let now = self.now;
            self.clients[c as usize].clerk.handle_failure(now, s, seq);
            self.client_after_input(c);
        }
    }

    fn fire_timer(&mut self, s: NodeId, at: Time) -> Result<(), Broken> {
        let server = &mut self.servers[s];
        if server.timer_at != Some(at) {
            return Ok(());
        }
        server.timer_at = None;
        let Some(node) = server.node.as_mut() else {
            return Ok(());
        };
        self.stats.events += 1;
        node.raft_mut().tick(at);
        self.after_input(s)
    }

    fn fire_client_timer(&mut self, c: ClientId, at: Time) {
        let client = &mut self.clients[c as usize];
        if client.timer_at != Some(at) {
            return;
        }
        client.timer_at = None;
        self.stats.events += 1;
        client.clerk.tick(at);
        self.client_after_input(c);
    }

    /// Carries out what server `s` asked for, in order: persist, check, send, apply (which
    /// may snapshot and so produce more to do), answer Clerks.
    fn after_input(&mut self, s: NodeId) -> Result<(), Broken> {
        loop {
            let server = &mut self.servers[s];
            let raft = server.node.as_mut().expect("server is up").raft_mut();
            if !raft.has_ready() {
                break;
            }
            let mut ready = raft.take_ready();
            if let Some(persist) = ready.persist.take() {
                server.persister.save(persist);
            }
            if let Some(from) = ready.log_written_from {
                self.invariants.log_written(s, raft.log(), from, server.observed.commit_index)?;
            }
            let changed = self.observe(s)?;
            for envelope in ready.messages.drain(..) {
                let to = Endpoint::Server(envelope.to);
                self.send(Endpoint::Server(s), to, Payload::Raft(envelope.message));
            }
            if !ready.apply.is_empty() {
                for msg in &ready.apply {
                    self.apply(s, msg)?;
                }
                self.after_apply(s)?;
            }
            if changed {
                if let Some(Node::Kv(kv)) = self.servers[s].node.as_mut() {
                    let replies = kv.check_leadership();
                    self.reply(s, replies);
                }
            }
            if let Some(node) = self.servers[s].node.as_mut() {
                node.raft_mut().recycle(ready);
            }
        }
        self.schedule_timer(s);
        Ok(())
    }

    /// Notices role, term and commit changes of server `s`, checks them, and traces them.
    /// Returns whether its role or term changed.
    fn observe(&mut self, s: NodeId) -> Result<bool, Broken> {
        let server = &mut self.servers[s];
        let raft = server.node.as_ref().expect("server is up").raft();
        let before = server.observed;
        let (role, term, commit_index) = (raft.role(), raft.term(), raft.commit_index());
        server.observed = Observed { role, term, commit_index };
        if role == Role::Leader && (before.role != Role::Leader || before.term != term) {
            self.invariants.leader_elected(s, term, raft.log())?;
        }
        if commit_index > before.commit_index {
            self.invariants.committed(s, raft.log(), before.commit_index, commit_index)?;
        }
        let changed = (role, term) != (before.role, before.term);
        if changed {
            self.record(|| TraceEvent::RoleChanged { server: s, role, term });
        }
        if commit_index > before.commit_index {
            self.record(|| TraceEvent::Committed { server: s, index: commit_index });
        }
        Ok(changed)
    }

    fn apply(&mut self, s: NodeId, msg: &ApplyMsg) -> Result<(), Broken> {
        let contract = |detail: String| Broken {
            invariant: "service contract".into(),
            detail: format!("server {s}: {detail}"),
        };
        match msg {
            ApplyMsg::Command { index, command, .. } => {
                self.invariants.applied(s, *index, command.as_deref())?
            }
            ApplyMsg::Snapshot { index, .. } => {
                self.record(|| TraceEvent::SnapshotInstalled { server: s, index: *index })
            }
        }
        let server = &mut self.servers[s];
        match server.node.as_mut().expect("server is up") {
            Node::Tester(raft) => {
                if let Some((index, data)) = server.applier.apply(msg).map_err(contract)? {
                    let bytes = data.len();
                    raft.snapshot(index, data)
                        .map_err(|e| contract(format!("snapshot at {index} refused: {e}")))?;
                    self.record(|| TraceEvent::SnapshotTaken { server: s, index, bytes });
                }
            }
            Node::Kv(kv) => {
                let replies = kv.apply(msg).map_err(|e| contract(e.to_string()))?;
                self.reply(s, replies);
            }
        }
        Ok(())
    }

    /// After a batch of applies: check the service's state against the other replicas', and
    /// snapshot if the persisted state has grown too large.
    fn after_apply(&mut self, s: NodeId) -> Result<(), Broken> {
        let server = &mut self.servers[s];
        let size = server.persister.raft_state_size();
        let mut snapshot = None;
        let applied = match server.node.as_mut().expect("server is up") {
            Node::Tester(raft) => raft.last_applied(),
            Node::Kv(kv) => {
                self.invariants.kv_state(s, kv.last_applied(), kv.state_digest())?;
                if kv.maybe_snapshot(size) {
                    snapshot = Some((
                        kv.raft().log().last_included_index(),
                        kv.raft().snapshot_data().len(),
                    ));
                }
                kv.last_applied()
            }
        };
        if let Some((index, bytes)) = snapshot {
            self.record(|| TraceEvent::SnapshotTaken { server: s, index, bytes });
        }
        self.record(|| TraceEvent::Applied { server: s, index: applied });
        Ok(())
    }

    fn reply(&mut self, s: NodeId, replies: kv::Replies) {
        for (c, reply) in replies {
            self.send(Endpoint::Server(s), Endpoint::Client(c), Payload::Reply(reply));
        }
    }

    /// Clerk `c` finished an operation: close its history entry and queue the completion.
    fn complete(&mut self, c: ClientId, done: Completed) {
        if let Some(i) = self.clients[c as usize].open.take() {
            // Copied here only if a checkpoint shares it (an operation still open then).
            let entry = Arc::make_mut(&mut self.history[i]);
            entry.ret = Some(done.finished);
            entry.output = Some(done.value.clone());
            entry.server = Some(done.server);
            entry.index = done.index;
            entry.attempts = done.attempts;
            entry.ret_order = Some(self.history_events);
            self.history_events += 1;
        }
        self.record(|| TraceEvent::OpReturned {
            client: c,
            seq: done.seq,
            server: done.server,
            index: done.index,
            value: done.value.clone(),
        });
        self.completions.push_back(done);
    }

    /// Sends what Clerk `c` asked for and re-arms its timer.
    fn client_after_input(&mut self, c: ClientId) {
        let client = &mut self.clients[c as usize];
        let requests = client.clerk.take_requests();
        let retry =
            client.clerk.in_progress().filter(|p| p.attempts > 1).map(|p| (p.seq, p.target));
        let reason = client.clerk.last_error().map(|(_, e)| e);
        if let (Some((seq, server)), Some(reason), false) = (retry, reason, requests.is_empty()) {
            self.record(|| TraceEvent::ClerkRetried { client: c, seq, server, reason });
        }
        for (s, request) in requests {
            self.send(Endpoint::Client(c), Endpoint::Server(s), Payload::Request(request));
        }
        let client = &mut self.clients[c as usize];
        // As for servers: an earlier timer already queued stays, and re-arms when it fires.
        if let Some(at) = client.clerk.next_deadline() {
            if client.timer_at.is_none_or(|t| t > at) {
                client.timer_at = Some(at);
                self.queue.push(at, Event::ClientTimer(c));
            }
        }
    }

    fn send(&mut self, from: Endpoint, to: Endpoint, payload: Payload) {
        let kind = payload.kind();
        let bytes = postcard::experimental::serialized_size(&payload).unwrap_or(0);
        let plan = self.config.network.plan(&mut self.rng, kind.is_reply());
        let id = self.next_message;
        self.next_message += 1;
        let link = self.link_arrival.entry((from, to)).or_insert(0);
        let in_order_at = (self.now + plan.base).max(*link);
        *link = in_order_at;
        let deliver_at = in_order_at + plan.extra;
        self.stats.rpcs += u64::from(!kind.is_reply());
        self.stats.bytes += bytes as u64;
        let (from_incarnation, to_incarnation) = (self.incarnation(from), self.incarnation(to));
        self.in_flight.push(InFlight {
            id,
            packet: Packet { from, to, payload },
            kind,
            bytes,
            sent_at: self.now,
            deliver_at,
            lost: plan.lost,
            held: false,
            from_incarnation,
            to_incarnation,
        });
        self.queue.push(deliver_at, Event::Deliver(id));
        self.record(|| TraceEvent::Sent { id, from, to, kind, bytes, deliver_at });
    }

    fn schedule_timer(&mut self, s: NodeId) {
        let server = &mut self.servers[s];
        if let Some(node) = &server.node {
            let at = node.raft().next_deadline().max(self.now);
            // A follower's deadline moves later with every heartbeat. An earlier timer already
            // queued stays: when it fires, Raft finds nothing due and the true deadline is
            // queued then — one timer event per timeout instead of one per message.
            if server.timer_at.is_none_or(|t| t > at) {
                server.timer_at = Some(at);
                self.queue.push(at, Event::Timer(s));
            }
        }
    }
}

/// The messages in flight, by id. Ids are handed out in sending order, so the table is a
/// window of slots from the oldest message still in flight to the newest: sending, finding
/// and removing a message take constant time, and iteration is in sending order.
#[derive(Clone, Debug, Default)]
struct InFlightTable {
    /// Id of `slots[0]`.
    first: MessageId,
    /// Never starts with an empty slot.
    slots: VecDeque<Option<InFlight>>,
}

impl InFlightTable {
    /// Adds a message whose id follows every id already added.
    fn push(&mut self, m: InFlight) {
        if self.slots.is_empty() {
            self.first = m.id;
        }
        let slot = usize::try_from(m.id - self.first).expect("ids fit in memory");
        assert_eq!(slot, self.slots.len(), "message ids are added in order");
        self.slots.push_back(Some(m));
    }

    fn slot(&self, id: MessageId) -> Option<usize> {
        usize::try_from(id.checked_sub(self.first)?).ok()
    }

    fn get(&self, id: MessageId) -> Option<&InFlight> {
        self.slots.get(self.slot(id)?)?.as_ref()
    }

    fn get_mut(&mut self, id: MessageId) -> Option<&mut InFlight> {
        let slot = self.slot(id)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    #[inline]
    fn remove(&mut self, id: MessageId) -> Option<InFlight> {
        let slot = self.slot(id)?;
        let m = self.slots.get_mut(slot)?.take()?;
        while self.slots.front().is_some_and(Option::is_none) {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(m)
    }

    fn iter(&self) -> impl Iterator<Item = &InFlight> {
        self.slots.iter().flatten()
    }
}
