//! Log compaction: service-driven snapshots and InstallSnapshot (§7).

use std::fmt;

use crate::{
    ApplyMsg, Index, InstallSnapshotArgs, InstallSnapshotReply, Message, NodeId, Raft, Role,
};

/// Why [`Raft::snapshot`] did not take a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    /// The log is already compacted up to `last_included_index`, at or past the index given.
    Stale {
        /// The current snapshot's last included index.
        last_included_index: Index,
    },
    /// The index has not been handed to the service yet, so the service cannot have its state.
    NotApplied {
        /// Highest index handed to the service.
        last_applied: Index,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Stale { last_included_index } => {
                write!(f, "the log is already compacted to index {last_included_index}")
            }
            SnapshotError::NotApplied { last_applied } => {
                write!(f, "only entries up to index {last_applied} have been applied")
            }
        }
    }
}

impl std::error::Error for SnapshotError {}

impl Raft {
    /// The service has `data`, a snapshot of its state with every entry up to `index` applied:
    /// discard the log through `index` and persist the snapshot with the rest of the state.
    pub fn snapshot(&mut self, index: Index, data: Vec<u8>) -> Result<(), SnapshotError> {
        let log = &self.persistent.log;
        if index <= log.last_included_index() {
            return Err(SnapshotError::Stale { last_included_index: log.last_included_index() });
        }
        if index > self.last_applied {
            return Err(SnapshotError::NotApplied { last_applied: self.last_applied });
        }
        let term = log.term_at(index).expect("applied entries after the snapshot are held");
        self.persistent.log.compact(index, term);
        self.snapshot = data;
        self.persist_dirty = true;
        self.snapshot_dirty = true;
        Ok(())
    }

    pub(crate) fn send_install_snapshot(&mut self, peer: NodeId) {
        let log = &self.persistent.log;
        let args = InstallSnapshotArgs {
            term: self.persistent.current_term,
            last_included_index: log.last_included_index(),
            last_included_term: log.last_included_term(),
            data: self.snapshot.clone(),
        };
        self.send(peer, Message::InstallSnapshot(args));
    }

    pub(crate) fn handle_install_snapshot(&mut self, leader: NodeId, args: InstallSnapshotArgs) {
        let term = self.persistent.current_term;
        if args.term == term {
            if self.role != Role::Follower || self.leader_id != Some(leader) {
                self.become_follower(term, Some(leader));
            }
            self.reset_election_timer();
            // A snapshot of entries already committed here adds nothing.
            if args.last_included_index > self.commit_index {
                self.install_snapshot(args.last_included_index, args.last_included_term, args.data);
            }
        }
        let reply = InstallSnapshotReply { term, last_included_index: args.last_included_index };
        self.send(leader, Message::InstallSnapshotReply(reply));
    }

    fn install_snapshot(&mut self, index: Index, term: u64, data: Vec<u8>) {
        self.compact_log(index, term, data.clone());
        self.commit_index = index;
        self.last_applied = index;
        self.to_apply.push(ApplyMsg::Snapshot { index, term, data });
    }

    pub(crate) fn handle_install_snapshot_reply(
        &mut self,
        peer: NodeId,
        reply: InstallSnapshotReply,
    ) {
        if self.role == Role::Leader && reply.term == self.persistent.current_term {
            self.record_match(peer, reply.last_included_index);
        }
    }
}
