//! The servers: each a Raft node under the lab's tester or a KvServer, with its persister;
//! crash, restart and `Start`, timers, and what the simulator does with a node's `Ready`: a
//! KvServer persists, applies, snapshots and settles its Clerks itself and the simulator
//! checks, traces and sends; for a bare Raft node the simulator does it all, as the lab's
//! tester does.

use kv::KvServer;
use raft::{ApplyMsg, Envelope, NodeId, Raft, Ready, Setup, Time};
use rand::Rng;

use super::{ServiceConfig, Simulator};
#[cfg(feature = "tester")]
use crate::applier::Applier;
use crate::invariants::Broken;
use crate::packet::{Endpoint, Payload};
use crate::persister::Persister;
use crate::queue::Event;
use crate::trace::TraceEvent;

/// A broken service contract of server `s`, for `map_err`.
pub(super) fn contract(s: NodeId) -> impl Fn(String) -> Broken {
    move |detail| Broken {
        invariant: "service contract".into(),
        detail: format!("server {s}: {detail}"),
    }
}

/// One of the cluster's servers: its node while it is up, and what outlives a crash.
#[derive(Clone, Debug)]
pub(super) struct Server {
    pub(super) node: Option<Node>,
    /// Bumped at every crash and restart; messages to or from an older incarnation are lost.
    pub(super) incarnation: u32,
    pub(super) persister: Persister,
    /// The lab tester's record of what this server applied; like the Go tester's, it outlives
    /// a crash and is reset at restart.
    #[cfg(feature = "tester")]
    pub(super) applier: Applier,
    pub(super) timer_at: Option<Time>,
}

/// A live server: a bare Raft node under the lab's tester, or a KvServer.
#[derive(Clone, Debug)]
pub(super) enum Node {
    #[cfg(feature = "tester")]
    Tester(Raft),
    Kv(KvServer),
}

impl Node {
    pub(super) fn raft(&self) -> &Raft {
        match self {
            #[cfg(feature = "tester")]
            Node::Tester(raft) => raft,
            Node::Kv(kv) => kv.raft(),
        }
    }

    pub(super) fn tick(&mut self, now: Time) {
        match self {
            #[cfg(feature = "tester")]
            Node::Tester(raft) => raft.tick(now),
            Node::Kv(kv) => kv.tick(now),
        }
    }

    pub(super) fn step(&mut self, now: Time, envelope: Envelope) {
        match self {
            #[cfg(feature = "tester")]
            Node::Tester(raft) => raft.step(now, envelope),
            Node::Kv(kv) => kv.step(now, envelope),
        }
    }
}

impl Simulator {
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
        let setup = self.setup(s);
        #[cfg(feature = "tester")]
        {
            let interval = self.snapshot_interval();
            self.servers[s].applier = Applier::new(interval);
        }
        let server = &mut self.servers[s];
        server.incarnation += 1;
        // The lab's start1 copies the persister so that the crashed instance cannot write to
        // the new one's; here the crashed instance is gone, so the persister is simply kept.
        let restored =
            Raft::restore(setup, &server.persister.raft_state(), server.persister.snapshot());
        let result = match restored {
            Ok(raft) => {
                let node = self.node(raft);
                self.servers[s].node = Some(node);
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

    /// Server `s`'s Raft, unless it is crashed.
    pub fn raft(&self, s: NodeId) -> Option<&Raft> {
        self.servers[s].node.as_ref().map(Node::raft)
    }

    /// Server `s`'s KvServer, unless it is crashed or runs the lab's tester.
    pub fn kv(&self, s: NodeId) -> Option<&KvServer> {
        match self.servers[s].node.as_ref()? {
            Node::Kv(kv) => Some(kv),
            #[cfg(feature = "tester")]
            Node::Tester(_) => None,
        }
    }

    /// Whether server `s` is up.
    pub fn is_alive(&self, s: NodeId) -> bool {
        self.servers[s].node.is_some()
    }

    /// Server `s`'s stable storage.
    pub fn persister(&self, s: NodeId) -> &Persister {
        &self.servers[s].persister
    }

    pub(super) fn fire_timer(&mut self, s: NodeId, at: Time) -> Result<(), Broken> {
        let server = &mut self.servers[s];
        if server.timer_at != Some(at) {
            return Ok(());
        }
        server.timer_at = None;
        let Some(node) = server.node.as_mut() else {
            return Ok(());
        };
        self.stats.events += 1;
        node.tick(at);
        self.after_input(s)
    }

    pub(super) fn schedule_timer(&mut self, s: NodeId) {
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

    /// Carries out what server `s` asked for until it asks for nothing more: persist, check,
    /// send, apply (which may snapshot and so give more to do), answer Clerks.
    pub(super) fn after_input(&mut self, s: NodeId) -> Result<(), Broken> {
        while match self.servers[s].node.as_ref().expect("server is up") {
            #[cfg(feature = "tester")]
            Node::Tester(_) => self.tester_ready(s)?,
            Node::Kv(_) => self.kv_ready(s)?,
        } {}
        self.schedule_timer(s);
        Ok(())
    }

    /// Handles one [`kv::KvReady`] of a KvServer: the server has persisted, applied and
    /// snapshotted; the host checks, traces and sends. Returns whether there was one.
    fn kv_ready(&mut self, s: NodeId) -> Result<bool, Broken> {
        let server = &mut self.servers[s];
        let Some(Node::Kv(kv)) = server.node.as_mut() else { return Ok(false) };
        // Matched in place: a KvReady is a few hundred bytes, and each move copies it.
        let mut ready = match kv.ready(&mut server.persister) {
            Ok(Some(ready)) => ready,
            Ok(None) => return Ok(false),
            Err(e) => return Err(contract(s)(e.to_string())),
        };
        self.raft_ready(s, &mut ready.raft)?;
        for msg in &ready.raft.apply {
            self.applying(s, msg)?;
        }
        self.reply(s, &mut ready.replies);
        if !ready.raft.apply.is_empty() {
            let kv = self.kv(s).expect("a KvServer");
            let applied = kv.last_applied();
            self.invariants.kv_state(s, applied, kv.state_digest())?;
            if let Some((index, bytes)) = ready.snapshot {
                self.record(|| TraceEvent::SnapshotTaken { server: s, index, bytes });
            }
            self.record(|| TraceEvent::Applied { server: s, index: applied });
        }
        self.reply(s, &mut ready.stale);
        if let Some(Node::Kv(kv)) = self.servers[s].node.as_mut() {
            kv.recycle(ready);
        }
        Ok(true)
    }

    /// What every host does with a persisted `Ready` of server `s`: check the log it wrote,
    /// the election it won and what it committed, trace them, and send its messages.
    pub(super) fn raft_ready(&mut self, s: NodeId, ready: &mut Ready) -> Result<(), Broken> {
        let raft = self.servers[s].node.as_ref().expect("server is up").raft();
        let commit_before = ready.committed.map_or(raft.commit_index(), |(before, _)| before);
        if let Some(from) = ready.log_written_from {
            self.invariants.log_written(s, raft.log(), from, commit_before)?;
        }
        if let Some(term) = ready.elected() {
            self.invariants.leader_elected(s, term, raft.log())?;
        }
        if ready.committed.is_some() {
            self.invariants.committed(s, &ready.apply)?;
        }
        if let (true, Some((_, now))) = (ready.role_changed(), ready.soft_state) {
            let (role, term) = (now.role, now.term);
            self.record(|| TraceEvent::RoleChanged { server: s, role, term });
        }
        if let Some((_, index)) = ready.committed {
            self.record(|| TraceEvent::Committed { server: s, index });
        }
        for envelope in ready.messages.drain(..) {
            let to = Endpoint::Server(envelope.to);
            self.send(Endpoint::Server(s), to, Payload::Raft(envelope.message));
        }
        Ok(())
    }

    /// Server `s` hands `msg` to its service: check it and trace an installed snapshot.
    pub(super) fn applying(&mut self, s: NodeId, msg: &ApplyMsg) -> Result<(), Broken> {
        match msg {
            ApplyMsg::Command { index, command, .. } => {
                self.invariants.applied(s, *index, command.as_deref())
            }
            ApplyMsg::Snapshot { index, .. } => {
                self.record(|| TraceEvent::SnapshotInstalled { server: s, index: *index });
                Ok(())
            }
        }
    }

    fn reply(&mut self, s: NodeId, replies: &mut kv::Replies) {
        for (c, reply) in replies.drain(..) {
            self.send(Endpoint::Server(s), Endpoint::Client(c), Payload::Reply(reply));
        }
    }

    /// How server `s` starts now, with a fresh seed for its RNG from the simulator's.
    pub(super) fn setup(&mut self, s: NodeId) -> Setup {
        let (servers, config) = (self.config.servers, self.config.raft.clone());
        Setup { id: s, servers, config, seed: self.rng.random(), now: self.now }
    }

    pub(super) fn node(&self, raft: Raft) -> Node {
        match &self.config.service {
            #[cfg(feature = "tester")]
            ServiceConfig::Tester { .. } => Node::Tester(raft),
            ServiceConfig::Kv(config) => Node::Kv(KvServer::new(raft, config.clone())),
        }
    }
}
