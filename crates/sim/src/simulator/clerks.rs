//! The Clerks and the history of their operations: each Clerk's links and timer, its calls
//! and their returns.

use std::sync::Arc;

use kv::{Clerk, ClientId, Completed, Op, Seq, StartError};
use raft::{NodeId, Time};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Simulator;
use crate::history::HistoryEntry;
use crate::packet::{Endpoint, Payload};
use crate::queue::Event;
use crate::trace::TraceEvent;

/// A Clerk, with what the simulator keeps for it.
#[derive(Clone, Debug)]
pub(super) struct Client {
    pub(super) clerk: Clerk,
    /// The servers this Clerk can reach.
    pub(super) links: Vec<bool>,
    timer_at: Option<Time>,
    /// Index in the history of the operation in progress.
    open: Option<usize>,
}

impl Simulator {
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

    /// Every Clerk operation so far, in the order they were called.
    pub fn history(&self) -> &[Arc<HistoryEntry>] {
        &self.history
    }

    /// Ends the run: every Clerk operation, in the order they were called.
    pub fn into_history(self) -> Vec<HistoryEntry> {
        self.history.into_iter().map(Arc::unwrap_or_clone).collect()
    }

    pub(super) fn fire_client_timer(&mut self, c: ClientId, at: Time) {
        let client = &mut self.clients[c as usize];
        if client.timer_at != Some(at) {
            return;
        }
        client.timer_at = None;
        self.stats.events += 1;
        client.clerk.tick(at);
        self.client_after_input(c);
    }

    /// Sends what Clerk `c` asked for and re-arms its timer.
    pub(super) fn client_after_input(&mut self, c: ClientId) {
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

    /// Clerk `c` finished an operation: close its history entry and queue the completion.
    pub(super) fn complete(&mut self, c: ClientId, done: Completed) {
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
}
