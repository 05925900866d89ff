//! The executor: one thread, one virtual clock, one seeded RNG, one queue of events.

use std::collections::BTreeMap;
use std::fmt;

use raft::{ApplyMsg, Envelope, Index, MessageKind, NodeId, Raft, Role, Term, Time};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::applier::Applier;
use crate::invariants::{Broken, Invariants};
use crate::network::{NetworkConfig, Topology};
use crate::persister::Persister;
use crate::queue::{Event, EventQueue};
use crate::trace::{DropReason, TraceEvent, TraceRecord};

/// Identifies one message in flight, in sending order.
pub type MessageId = u64;

/// Everything that determines a run, together with the commands given to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Number of Raft servers.
    pub servers: usize,
    /// Seed of every random choice: election timeouts, delays, losses.
    pub seed: u64,
    /// Raft's timing and switches, the same for every server.
    pub raft: raft::Config,
    /// The network model.
    pub network: NetworkConfig,
    /// The tester's service snapshots every this many indices (the lab's 2D tests: 10).
    pub snapshot_interval: Option<u64>,
    /// Record a [`TraceRecord`] for everything that happens.
    pub trace: bool,
}

impl SimConfig {
    /// `servers` servers with default Raft timing on a reliable network, tracing on.
    pub fn new(servers: usize, seed: u64) -> SimConfig {
        SimConfig {
            servers,
            seed,
            raft: raft::Config::default(),
            network: NetworkConfig::reliable(),
            snapshot_interval: None,
            trace: true,
        }
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Its id.
    pub id: MessageId,
    /// Sender, receiver and content.
    pub envelope: Envelope,
    /// Its kind.
    pub kind: MessageKind,
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
    /// Requests sent (RequestVote, AppendEntries, InstallSnapshot): the lab's RPC count.
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

#[derive(Clone, Debug)]
struct Server {
    raft: Option<Raft>,
    /// Bumped at every crash and restart; messages to or from an older incarnation are lost.
    incarnation: u32,
    persister: Persister,
    applier: Applier,
    timer_at: Option<Time>,
    observed: Observed,
}

/// A simulated Raft cluster. Same configuration, same seed and same commands at the same
/// virtual times give the same run, event for event.
pub struct Simulator {
    config: SimConfig,
    now: Time,
    rng: ChaCha8Rng,
    queue: EventQueue,
    servers: Vec<Server>,
    topology: Topology,
    in_flight: BTreeMap<MessageId, InFlight>,
    next_message: MessageId,
    /// Per directed link, when its latest in-order message arrives.
    link_arrival: Vec<Time>,
    invariants: Invariants,
    stats: Stats,
    trace: Vec<TraceRecord>,
    violation: Option<Violation>,
}

impl Simulator {
    /// A cluster of fresh servers at time 0, all connected.
    pub fn new(config: SimConfig) -> Simulator {
        assert!(config.servers > 0, "a cluster needs at least one server");
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let n = config.servers;
        let servers = (0..config.servers)
            .map(|id| Server {
                raft: Some(Raft::new(id, config.servers, config.raft.clone(), rng.random(), 0)),
                incarnation: 0,
                persister: Persister::default(),
                applier: Applier::new(config.snapshot_interval),
                timer_at: None,
                observed: Observed::fresh(0, 0),
            })
            .collect();
        let mut sim = Simulator {
            topology: Topology::connected(config.servers),
            config,
            now: 0,
            rng,
            queue: EventQueue::default(),
            servers,
            in_flight: BTreeMap::new(),
            next_message: 0,
            link_arrival: vec![0; n * n],
            invariants: Invariants::default(),
            stats: Stats::default(),
            trace: Vec::new(),
            violation: None,
        };
        for s in 0..sim.servers.len() {
            sim.schedule_timer(s);
        }
        sim
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
        };
        self.check(result)?;
        Ok(true)
    }

    /// Runs every event due up to and including `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: Time) -> Result<(), Violation> {
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            self.step()?;
        }
        if let Some(v) = &self.violation {
            return Err(v.clone());
        }
        self.now = self.now.max(until);
        Ok(())
    }

    /// Runs for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Time) -> Result<(), Violation> {
        self.run_until(self.now + duration)
    }

    /// Hands `command` to server `s` as a client would (the lab's `Start`).
    pub fn propose(&mut self, s: NodeId, command: Vec<u8>) -> Result<(Index, Term), ProposeError> {
        let now = self.now;
        let raft = self.servers[s].raft.as_mut().ok_or(ProposeError::ServerDown)?;
        let result = raft
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
        if server.raft.take().is_none() {
            return;
        }
        server.incarnation += 1;
        server.timer_at = None;
        self.record(TraceEvent::Crashed { server: s });
    }

    /// Restarts server `s` (crashing it first if it is up) from a copy of its persister, as the
    /// lab's `start1` does.
    pub fn restart(&mut self, s: NodeId) {
        self.crash(s);
        let seed = self.rng.random();
        let server = &mut self.servers[s];
        server.incarnation += 1;
        server.persister = server.persister.clone();
        server.applier = Applier::new(self.config.snapshot_interval);
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
                server.observed = Observed::fresh(raft.term(), raft.commit_index());
                server.raft = Some(raft);
                self.record(TraceEvent::Restarted { server: s });
                self.after_input(s)
            }
            Err(e) => Err(Broken {
                invariant: "persisted state restores".into(),
                detail: format!("server {s}: {e}"),
            }),
        };
        let _ = self.check(result);
    }

    /// Cuts server `s` off from everyone (the lab's `disconnect`).
    pub fn disconnect(&mut self, s: NodeId) {
        self.topology.disconnect(s);
        self.record_topology();
    }

    /// Reconnects server `s` to the main group (the lab's `connect`).
    pub fn connect(&mut self, s: NodeId) {
        self.topology.connect(s);
        self.record_topology();
    }

    /// Splits the cluster into `groups`; servers named in none are cut off alone.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.topology.partition(groups);
        self.record_topology();
    }

    /// Reconnects everyone.
    pub fn heal(&mut self) {
        self.topology.heal();
        self.record_topology();
    }

    /// Replaces the network model for messages sent from now on.
    pub fn set_network(&mut self, network: NetworkConfig) {
        self.config.network = network;
        let net = &self.config.network;
        let event = TraceEvent::NetworkChanged {
            unreliable: net.is_unreliable(),
            long_reordering: net.long_reordering,
        };
        self.record(event);
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
        self.in_flight.get_mut(&id).ok_or(UnknownMessage(id))?.held = true;
        self.record(TraceEvent::Held { id });
        Ok(())
    }

    /// Lets message `id` arrive now (whether it was held or still on its way).
    pub fn deliver_now(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        let now = self.now;
        let m = self.in_flight.get_mut(&id).ok_or(UnknownMessage(id))?;
        m.held = false;
        m.deliver_at = now;
        self.queue.push(now, Event::Deliver(id));
        self.record(TraceEvent::Released { id, deliver_at: now });
        Ok(())
    }

    /// Loses message `id`.
    pub fn drop_message(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        self.in_flight.remove(&id).ok_or(UnknownMessage(id))?;
        self.stats.dropped += 1;
        self.record(TraceEvent::Dropped { id, reason: DropReason::ByUser });
        Ok(())
    }

    /// Sends a copy of message `id`, with a delay of its own.
    pub fn duplicate(&mut self, id: MessageId) -> Result<MessageId, UnknownMessage> {
        let original = self.in_flight.get(&id).ok_or(UnknownMessage(id))?.clone();
        let plan = self.config.network.plan(&mut self.rng, original.kind.is_reply());
        let copy = self.next_message;
        self.next_message += 1;
        let deliver_at = self.now + plan.base + plan.extra;
        self.in_flight
            .insert(copy, InFlight { id: copy, deliver_at, held: false, lost: false, ..original });
        self.queue.push(deliver_at, Event::Deliver(copy));
        self.record(TraceEvent::Duplicated { id, copy });
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
        self.servers[s].raft.as_ref()
    }

    /// Whether server `s` is up.
    pub fn is_alive(&self, s: NodeId) -> bool {
        self.servers[s].raft.is_some()
    }

    /// Server `s`'s service.
    pub fn applier(&self, s: NodeId) -> &Applier {
        &self.servers[s].applier
    }

    /// Server `s`'s stable storage.
    pub fn persister(&self, s: NodeId) -> &Persister {
        &self.servers[s].persister
    }

    /// Who can reach whom.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Messages in flight, in sending order.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.values()
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Everything recorded so far (empty unless the configuration asks for a trace).
    pub fn trace(&self) -> &[TraceRecord] {
        &self.trace
    }

    /// The failed invariant that stopped the run, if any.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }

    /// Highest index committed anywhere.
    pub fn commit_index(&self) -> Index {
        self.invariants.commit_index()
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

    fn record(&mut self, event: TraceEvent) {
        if self.config.trace {
            self.trace.push(TraceRecord { at: self.now, event });
        }
    }

    fn record_topology(&mut self) {
        let groups = self.topology.groups();
        self.record(TraceEvent::TopologyChanged { groups });
    }

    fn deliver(&mut self, id: MessageId, at: Time) -> Result<(), Broken> {
        match self.in_flight.get(&id) {
            // Dropped by hand, held, or re-scheduled: this event is stale.
            Some(m) if !m.held && m.deliver_at == at => {}
            _ => return Ok(()),
        }
        let m = self.in_flight.remove(&id).expect("present");
        self.stats.events += 1;
        let (from, to) = (m.envelope.from, m.envelope.to);
        let reason = if m.lost {
            Some(DropReason::Unreliable)
        } else if self.servers[from].incarnation != m.from_incarnation {
            Some(DropReason::SenderCrashed)
        } else if self.servers[to].raft.is_none()
            || self.servers[to].incarnation != m.to_incarnation
        {
            Some(DropReason::ReceiverDown)
        } else if !self.topology.linked(from, to) {
            Some(DropReason::Partitioned)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.stats.dropped += 1;
            self.record(TraceEvent::Dropped { id, reason });
            return Ok(());
        }
        self.stats.delivered += 1;
        self.record(TraceEvent::Delivered { id });
        let now = self.now;
        self.servers[to].raft.as_mut().expect("receiver is up").step(now, m.envelope);
        self.after_input(to)
    }

    fn fire_timer(&mut self, s: NodeId, at: Time) -> Result<(), Broken> {
        let server = &mut self.servers[s];
        if server.timer_at != Some(at) {
            return Ok(());
        }
        server.timer_at = None;
        let Some(raft) = server.raft.as_mut() else {
            return Ok(());
        };
        self.stats.events += 1;
        raft.tick(at);
        self.after_input(s)
    }

    /// Carries out what server `s`'s Raft asked for, in order: persist, check, send, apply
    /// (which may hand back a snapshot and so produce more to do).
    fn after_input(&mut self, s: NodeId) -> Result<(), Broken> {
        loop {
            let server = &mut self.servers[s];
            let raft = server.raft.as_mut().expect("server is up");
            let ready = raft.take_ready();
            if ready.is_empty() {
                break;
            }
            if let Some(persist) = ready.persist {
                server.persister.save(persist);
            }
            if let Some(from) = ready.log_written_from {
                self.invariants.log_written(s, raft.log(), from, server.observed.commit_index)?;
            }
            self.observe(s)?;
            for envelope in ready.messages {
                self.send(s, envelope);
            }
            if !ready.apply.is_empty() {
                for msg in &ready.apply {
                    self.apply(s, msg)?;
                }
                let index = self.servers[s].applier.last_applied();
                self.record(TraceEvent::Applied { server: s, index });
            }
        }
        self.schedule_timer(s);
        Ok(())
    }

    /// Notices role, term and commit changes of server `s`, checks them, and traces them.
    fn observe(&mut self, s: NodeId) -> Result<(), Broken> {
        let server = &mut self.servers[s];
        let raft = server.raft.as_ref().expect("server is up");
        let before = server.observed;
        let (role, term, commit_index) = (raft.role(), raft.term(), raft.commit_index());
        server.observed = Observed { role, term, commit_index };
        if role == Role::Leader && (before.role != Role::Leader || before.term != term) {
            self.invariants.leader_elected(s, term, raft.log())?;
        }
        if commit_index > before.commit_index {
            self.invariants.committed(s, raft.log(), before.commit_index, commit_index)?;
        }
        if (role, term) != (before.role, before.term) {
            self.record(TraceEvent::RoleChanged { server: s, role, term });
        }
        if commit_index > before.commit_index {
            self.record(TraceEvent::Committed { server: s, index: commit_index });
        }
        Ok(())
    }

    fn apply(&mut self, s: NodeId, msg: &ApplyMsg) -> Result<(), Broken> {
        match msg {
            ApplyMsg::Command { index, command, .. } => {
                self.invariants.applied(s, *index, command)?
            }
            ApplyMsg::Snapshot { index, .. } => {
                self.record(TraceEvent::SnapshotInstalled { server: s, index: *index })
            }
        }
        let server = &mut self.servers[s];
        let wanted = server.applier.apply(msg).map_err(|detail| Broken {
            invariant: "service contract".into(),
            detail: format!("server {s}: {detail}"),
        })?;
        if let Some((index, data)) = wanted {
            let bytes = data.len();
            let raft = server.raft.as_mut().expect("server is up");
            raft.snapshot(index, data).map_err(|e| Broken {
                invariant: "service contract".into(),
                detail: format!("server {s}: snapshot at {index} refused: {e}"),
            })?;
            self.record(TraceEvent::SnapshotTaken { server: s, index, bytes });
        }
        Ok(())
    }

    fn send(&mut self, s: NodeId, envelope: Envelope) {
        let kind = envelope.message.kind();
        let bytes = postcard::experimental::serialized_size(&envelope.message).unwrap_or(0);
        let plan = self.config.network.plan(&mut self.rng, kind.is_reply());
        let id = self.next_message;
        self.next_message += 1;
        let to = envelope.to;
        let link = s * self.config.servers + to;
        let in_order_at = (self.now + plan.base).max(self.link_arrival[link]);
        self.link_arrival[link] = in_order_at;
        let deliver_at = in_order_at + plan.extra;
        let lost = plan.lost;
        self.stats.rpcs += u64::from(!kind.is_reply());
        self.stats.bytes += bytes as u64;
        self.in_flight.insert(
            id,
            InFlight {
                id,
                envelope,
                kind,
                bytes,
                sent_at: self.now,
                deliver_at,
                lost,
                held: false,
                from_incarnation: self.servers[s].incarnation,
                to_incarnation: self.servers[to].incarnation,
            },
        );
        self.queue.push(deliver_at, Event::Deliver(id));
        self.record(TraceEvent::Sent { id, from: s, to, kind, bytes, deliver_at });
    }

    fn schedule_timer(&mut self, s: NodeId) {
        let server = &mut self.servers[s];
        if let Some(raft) = &server.raft {
            let at = raft.next_deadline().max(self.now);
            if server.timer_at != Some(at) {
                server.timer_at = Some(at);
                self.queue.push(at, Event::Timer(s));
            }
        }
    }
}
