//! What a node hands its host after its inputs — state to persist, messages to send,
//! entries to apply, and what changed — and how it is taken.

use bytes::Bytes;

use crate::persist::encode;
use crate::{Envelope, Index, NodeId, Persist, Raft, Role, Term};

/// Something for the service to apply, in log order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyMsg {
    /// A committed entry. `command` is `None` for a leader's no-op entry, which a service skips
    /// but which still occupies its index.
    Command {
        /// The entry's log index.
        index: Index,
        /// The entry's term.
        term: Term,
        /// The service's command.
        command: Option<Bytes>,
    },
    /// A snapshot to restore, received from the leader or read back at restart. The service
    /// replaces its state with it; entries after `index` follow as commands.
    Snapshot {
        /// Last log index the snapshot covers.
        index: Index,
        /// Term of that entry.
        term: Term,
        /// The service's snapshot bytes.
        data: Vec<u8>,
    },
}

/// What a server is right now that is not written to stable storage with its log: role, term
/// and the leader it knows of (raft-rs's and etcd's "soft state").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftState {
    /// The server's role.
    pub role: Role,
    /// Its current term.
    pub term: Term,
    /// The leader it knows of in that term.
    pub leader_id: Option<NodeId>,
}

/// The outputs of one or more inputs. The caller must handle them in field order: persist,
/// then send, then apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    /// State to write to stable storage before any message below is sent.
    pub persist: Option<Persist>,
    /// Messages to send.
    pub messages: Vec<Envelope>,
    /// Committed entries and snapshots to hand to the service, in order.
    pub apply: Vec<ApplyMsg>,
    /// The lowest index whose entry was appended or overwritten since the last `Ready`: a store
    /// that writes the log incrementally writes from here, and a checker checks from here.
    pub log_written_from: Option<Index>,
    /// Role, term or known leader changed since the last `Ready`: (before, after). A host
    /// reads elections and step-downs here rather than diffing them itself.
    pub soft_state: Option<(SoftState, SoftState)>,
    /// The commit index rose since the last `Ready`: (before, after).
    pub committed: Option<(Index, Index)>,
}

impl Ready {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.persist.is_none()
            && self.messages.is_empty()
            && self.apply.is_empty()
            && self.log_written_from.is_none()
            && self.soft_state.is_none()
            && self.committed.is_none()
    }

    /// Whether the role or the term changed (not only the known leader).
    pub fn role_changed(&self) -> bool {
        self.soft_state.is_some_and(|(a, b)| (a.role, a.term) != (b.role, b.term))
    }

    /// The term this server was elected leader of since the last `Ready`, if it was.
    pub fn elected(&self) -> Option<Term> {
        let (before, after) = self.soft_state?;
        let new = before.role != Role::Leader || before.term != after.term;
        (after.role == Role::Leader && new).then_some(after.term)
    }
}

/// Makes `spare` the buffer if the buffer is empty and `spare` has more room.
fn reuse<T>(buffer: &mut Vec<T>, mut spare: Vec<T>) {
    if buffer.is_empty() && spare.capacity() > buffer.capacity() {
        spare.clear();
        *buffer = spare;
    }
}

/// Takes the items out of `buffer`, which keeps its capacity when it is empty anyway.
fn take_filled<T>(buffer: &mut Vec<T>) -> Vec<T> {
    if buffer.is_empty() {
        Vec::new()
    } else {
        std::mem::take(buffer)
    }
}

impl Raft {
    /// Whether [`Raft::take_ready`] has anything to hand out.
    pub fn has_ready(&self) -> bool {
        self.persist_dirty
            || self.snapshot_dirty
            || self.persist_log_from.is_some()
            || !self.outbox.is_empty()
            || !self.to_apply.is_empty()
            || self.log_written_from.is_some()
            || self.reported != (self.soft_state(), self.commit_index)
    }

    /// Takes the outputs produced since the last call.
    pub fn take_ready(&mut self) -> Ready {
        let log = &self.persistent.log;
        let persist = (self.persist_dirty
            || self.snapshot_dirty
            || self.persist_log_from.is_some())
        .then(|| {
            let rewrite_from = self.persist_log_from.map(|i| i.max(log.first_index()));
            let entries = rewrite_from
                .map_or_else(Vec::new, |from| log.entries_from(from, usize::MAX).to_vec());
            let mut hard_state = self.persistent.hard_state();
            if self.config.unsafe_forget_voted_for {
                hard_state.voted_for = None;
            }
            // Most writes only append entries: the hard state is written when it changed.
            let changed = self.persisted_hard_state != Some(hard_state);
            self.persisted_hard_state = Some(hard_state);
            Persist {
                hard_state: changed.then(|| encode(&hard_state)),
                first_index: log.first_index(),
                rewrite_from,
                entries,
                snapshot: self.snapshot_dirty.then(|| self.snapshot.clone()),
            }
        });
        self.persist_dirty = false;
        self.persist_log_from = None;
        self.snapshot_dirty = false;
        let (soft_before, commit_before) = self.reported;
        let soft = self.soft_state();
        self.reported = (soft, self.commit_index);
        Ready {
            persist,
            messages: take_filled(&mut self.outbox),
            apply: take_filled(&mut self.to_apply),
            log_written_from: self.log_written_from.take(),
            soft_state: (soft != soft_before).then_some((soft_before, soft)),
            committed: (self.commit_index > commit_before)
                .then_some((commit_before, self.commit_index)),
        }
    }

    /// Hands back a [`Ready`] whose outputs have all been handled, so that the next ones reuse
    /// its buffers rather than allocate new ones. Optional.
    pub fn recycle(&mut self, ready: Ready) {
        let Ready { messages, apply, .. } = ready;
        reuse(&mut self.outbox, messages);
        reuse(&mut self.to_apply, apply);
    }
}
