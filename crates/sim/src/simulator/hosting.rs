//! The servers: each a Raft node under the lab's tester or a KvServer, with its persister;
//! crash, restart and `Start`, timers, and what the simulator does with a node's `Ready`
//! (persist, check, send, apply, snapshot, answer Clerks).

use kv::KvServer;
use raft::{ApplyMsg, Index, NodeId, Raft, Role, Term, Time};
use rand::Rng;

use super::{ServiceConfig, Simulator};
use crate::applier::Applier;
use crate::invariants::Broken;
use crate::packet::{Endpoint, Payload};
use crate::persister::Persister;
use crate::queue::Event;
use crate::trace::TraceEvent;

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

/// One of the cluster's servers: its node while it is up, and what outlives a crash.
#[derive(Clone, Debug)]
pub(super) struct Server {
    pub(super) node: Option<Node>,
    /// Bumped at every crash and restart; messages to or from an older incarnation are lost.
    pub(super) incarnation: u32,
    pub(super) persister: Persister,
    /// The lab tester's record of what this server applied; like the Go tester's, it outlives
    /// a crash and is reset at restart.
    pub(super) applier: Applier,
    pub(super) timer_at: Option<Time>,
    pub(super) observed: Observed,
}

/// A live server: a bare Raft node under the lab's tester, or a KvServer.
#[derive(Clone, Debug)]
pub(super) enum Node {
    Tester(Raft),
    Kv(KvServer),
}

impl Node {
    pub(super) fn raft(&self) -> &Raft {
        match self {
            Node::Tester(raft) => raft,
            Node::Kv(kv) => kv.raft(),
        }
    }

    pub(super) fn raft_mut(&mut self) -> &mut Raft {
        match self {
            Node::Tester(raft) => raft,
            Node::Kv(kv) => kv.raft_mut(),
        }
    }
}

/// What the simulator last saw of a server, to notice changes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Observed {
    role: Role,
    term: Term,
    commit_index: Index,
}

impl Observed {
    pub(super) fn fresh(term: Term, commit_index: Index) -> Observed {
        Observed { role: Role::Follower, term, commit_index }
    }
}

impl Simulator {
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
        node.raft_mut().tick(at);
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

    /// Carries out what server `s` asked for, in order: persist, check, send, apply (which
    /// may snapshot and so produce more to do), answer Clerks.
    pub(super) fn after_input(&mut self, s: NodeId) -> Result<(), Broken> {
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

    pub(super) fn snapshot_interval(&self) -> Option<u64> {
        match &self.config.service {
            ServiceConfig::Tester { snapshot_interval } => *snapshot_interval,
            ServiceConfig::Kv(_) => None,
        }
    }

    pub(super) fn node(&self, raft: Raft) -> Node {
        match &self.config.service {
            ServiceConfig::Tester { .. } => Node::Tester(raft),
            ServiceConfig::Kv(config) => Node::Kv(KvServer::new(raft, config.clone())),
        }
    }
}
