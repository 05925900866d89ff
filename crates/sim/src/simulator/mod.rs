//! The executor: one thread, one virtual clock, one seeded RNG, one queue of events.
//!
//! This module holds the [`Simulator`] itself: its state, the step and run loop over the
//! queue, the invariant check after every event and the trace. Each concept it hosts has a
//! module of its own, adding an `impl Simulator` block:
//!
//! - `config`: what determines a run ([`SimConfig`], [`ServiceConfig`]);
//! - `transport`: the messages in flight and the network between the ends: sending and
//!   delivering, partitions, the network model, and the per-message faults (hold, deliver
//!   now, drop, duplicate);
//! - `hosting`: the servers, a Raft node and its service each: crash, restart, `Start`,
//!   timers, and carrying out what a node asks for (persist, send, apply, snapshot);
//! - `clerks`: the Clerks, their operations and the history of calls and returns.

mod clerks;
mod config;
mod hosting;
#[cfg(feature = "tester")]
mod tester;
mod transport;

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use kv::Completed;
use raft::{Index, Raft, Time};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

#[cfg(feature = "tester")]
use crate::applier::Applier;
use crate::history::HistoryEntry;
use crate::invariants::{Broken, Invariants};
use crate::network::Topology;
use crate::packet::Endpoint;
use crate::persister::Persister;
use crate::queue::{Event, EventQueue};
use crate::trace::{TraceEvent, TraceRecord};

use clerks::Client;
pub use config::{ServiceConfig, SimConfig};
use hosting::{Node, Server};
#[cfg(feature = "tester")]
pub use tester::ProposeError;
use transport::InFlightTable;
pub use transport::{InFlight, MessageId, UnknownMessage};

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
            let raft = Raft::new(sim.setup(s));
            let server = Server {
                node: Some(sim.node(raft)),
                incarnation: 0,
                persister: Persister::default(),
                #[cfg(feature = "tester")]
                applier: Applier::new(sim.snapshot_interval()),
                timer_at: None,
            };
            sim.servers.push(server);
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

    /// Starts or stops recording the trace.
    pub fn set_tracing(&mut self, on: bool) {
        self.config.trace = on;
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The configuration, with the network as it is now.
    pub fn config(&self) -> &SimConfig {
        &self.config
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
                        #[cfg(feature = "tester")]
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
}
