//! The lab's Raft tester as a service (with the `tester` feature): a bare Raft node whose
//! [`Applier`] stands in for a service, proposals made directly (`Start`), and the tester's
//! record of what each server applied. The playground never runs it, so its bundle leaves it
//! out.

use raft::{Index, NodeId, Term};

use super::hosting::{contract, Node};
use super::{ServiceConfig, Simulator};
use crate::applier::Applier;
use crate::invariants::Broken;
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
    /// The server runs a KvServer, which takes operations from Clerks only.
    KvService,
}

impl Simulator {
    /// Hands `command` to server `s` as the lab's tester does (`Start`).
    pub fn propose(&mut self, s: NodeId, command: Vec<u8>) -> Result<(Index, Term), ProposeError> {
        let now = self.now;
        let result = match self.servers[s].node.as_mut().ok_or(ProposeError::ServerDown)? {
            Node::Tester(raft) => raft
                .propose(now, command)
                .map_err(|e| ProposeError::NotLeader { leader_hint: e.leader_hint }),
            Node::Kv(_) => return Err(ProposeError::KvService),
        };
        let checked = self.after_input(s);
        // A broken invariant is kept and reported by the next step or run.
        let _ = self.check(checked);
        result
    }

    /// The lab tester's record of what server `s` applied.
    pub fn applier(&self, s: NodeId) -> &Applier {
        &self.servers[s].applier
    }

    /// Handles one `Ready` of a bare Raft node under the lab's tester, whose applier stands
    /// in for a service. Returns whether there was one.
    pub(super) fn tester_ready(&mut self, s: NodeId) -> Result<bool, Broken> {
        let server = &mut self.servers[s];
        let Some(Node::Tester(raft)) = server.node.as_mut() else { return Ok(false) };
        if !raft.has_ready() {
            return Ok(false);
        }
        let mut ready = raft.take_ready();
        if let Some(persist) = ready.persist.take() {
            server.persister.save(persist);
        }
        self.raft_ready(s, &mut ready)?;
        for msg in &ready.apply {
            self.applying(s, msg)?;
            let server = &mut self.servers[s];
            let Some(Node::Tester(raft)) = server.node.as_mut() else { return Ok(false) };
            if let Some((index, data)) = server.applier.apply(msg).map_err(contract(s))? {
                let bytes = data.len();
                raft.snapshot(index, data)
                    .map_err(|e| contract(s)(format!("snapshot at {index} refused: {e}")))?;
                self.record(|| TraceEvent::SnapshotTaken { server: s, index, bytes });
            }
        }
        let Some(Node::Tester(raft)) = self.servers[s].node.as_mut() else { return Ok(false) };
        let (applied, any) = (raft.last_applied(), !ready.apply.is_empty());
        raft.recycle(ready);
        if any {
            self.record(|| TraceEvent::Applied { server: s, index: applied });
        }
        Ok(true)
    }

    pub(super) fn snapshot_interval(&self) -> Option<u64> {
        match &self.config.service {
            ServiceConfig::Tester { snapshot_interval } => *snapshot_interval,
            ServiceConfig::Kv(_) => None,
        }
    }
}
