use std::fmt;

use bytes::Bytes;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{
    ApplyMsg, Config, DecodeError, Entry, Envelope, HardState, Index, Log, Message, NodeId,
    PersistentState, Progress, SoftState, Term, Time,
};

/// A server's role (§5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Answers leaders and candidates; starts an election when it hears from neither in time.
    Follower,
    /// Asks for votes for itself in a new term.
    Candidate,
    /// Handles proposals and replicates the log.
    Leader,
}

/// A proposal was refused because this server does not believe it is the leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLeader {
    /// The leader this server last heard from in its current term, if any: where to retry.
    pub leader_hint: Option<NodeId>,
}

impl fmt::Display for NotLeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.leader_hint {
            Some(l) => write!(f, "not the leader; try server {l}"),
            None => write!(f, "not the leader"),
        }
    }
}

impl std::error::Error for NotLeader {}

/// One Raft server, with no IO of its own (see the crate documentation).
#[derive(Clone, Debug)]
pub struct Raft {
    pub(crate) id: NodeId,
    pub(crate) servers: usize,
    pub(crate) config: Config,
    pub(crate) rng: ChaCha8Rng,

    /// current_term, voted_for and the log: exactly what is encoded for stable storage.
    pub(crate) persistent: PersistentState,
    /// The service's latest snapshot (covers the log up to `last_included_index`).
    pub(crate) snapshot: Vec<u8>,

    pub(crate) role: Role,
    pub(crate) leader_id: Option<NodeId>,
    pub(crate) commit_index: Index,
    pub(crate) last_applied: Index,
    /// The latest time an input carried.
    pub(crate) now: Time,
    /// When the election timer was last reset, and when it fires.
    pub(crate) election_reset_at: Time,
    pub(crate) election_deadline: Time,
    /// When a leader next sends heartbeats.
    pub(crate) heartbeat_deadline: Time,
    /// Votes received as candidate, by server.
    pub(crate) votes: Vec<bool>,
    /// Per-follower replication state, meaningful while leader.
    pub(crate) progress: Vec<Progress>,

    // Outputs waiting for `take_ready`.
    pub(crate) persist_dirty: bool,
    /// The hard state last handed out to be persisted (`None` before the first).
    pub(crate) persisted_hard_state: Option<HardState>,
    /// Stored entries from here on must be rewritten.
    pub(crate) persist_log_from: Option<Index>,
    pub(crate) snapshot_dirty: bool,
    pub(crate) outbox: Vec<Envelope>,
    pub(crate) to_apply: Vec<ApplyMsg>,
    pub(crate) log_written_from: Option<Index>,
    /// The soft state and commit index the last `Ready` reported.
    pub(crate) reported: (SoftState, Index),
}

/// Who a server is and how it starts: what [`Raft::new`] and [`Raft::restore`] take.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The server's position in the cluster, `0..servers`.
    pub id: NodeId,
    /// The cluster size.
    pub servers: usize,
    /// Timing and switches.
    pub config: Config,
    /// Feeds the server's own RNG, which draws its election timeouts.
    pub seed: u64,
    /// The virtual time it starts at.
    pub now: Time,
}

impl Raft {
    /// A fresh server, as `setup` says.
    pub fn new(setup: Setup) -> Raft {
        let Setup { id, servers, config, seed, now } = setup;
        assert!(id < servers, "server {id} outside a cluster of {servers}");
        let mut raft = Raft {
            id,
            servers,
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
            persistent: PersistentState::default(),
            snapshot: Vec::new(),
            role: Role::Follower,
            leader_id: None,
            commit_index: 0,
            last_applied: 0,
            now,
            election_reset_at: now,
            election_deadline: now,
            heartbeat_deadline: now,
            votes: vec![false; servers],
            progress: Vec::new(),
            persist_dirty: false,
            persisted_hard_state: None,
            persist_log_from: None,
            snapshot_dirty: false,
            outbox: Vec::new(),
            to_apply: Vec::new(),
            log_written_from: None,
            reported: (SoftState { role: Role::Follower, term: 0, leader_id: None }, 0),
        };
        raft.reset_election_timer();
        raft
    }

    /// A server restarting from what it persisted: `raft_state` as written by an earlier
    /// [`Persist`](crate::Persist) (empty for a server that never persisted) and its latest snapshot. The first
    /// [`Ready`](crate::Ready) hands the snapshot to the service. Corrupt bytes give an error, never a panic.
    pub fn restore(setup: Setup, raft_state: &[u8], snapshot: &[u8]) -> Result<Raft, DecodeError> {
        let servers = setup.servers;
        let mut raft = Raft::new(setup);
        if raft_state.is_empty() {
            return Ok(raft);
        }
        let persistent = PersistentState::decode(raft_state)?;
        if let Some(v) = persistent.voted_for.filter(|&v| v >= servers) {
            return Err(DecodeError::UnknownServer(v));
        }
        let last_included_index = persistent.log.last_included_index();
        let last_included_term = persistent.log.last_included_term();
        raft.persistent = persistent;
        if last_included_index > 0 {
            raft.snapshot = snapshot.to_vec();
            raft.commit_index = last_included_index;
            raft.last_applied = last_included_index;
            raft.to_apply.push(ApplyMsg::Snapshot {
                index: last_included_index,
                term: last_included_term,
                data: raft.snapshot.clone(),
            });
        }
        // What a restarted server starts from is not news.
        raft.reported = (raft.soft_state(), raft.commit_index);
        Ok(raft)
    }

    /// Advances this server to virtual time `now`: an expired election timer starts an
    /// election, and a leader whose heartbeat is due sends AppendEntries to every follower.
    pub fn tick(&mut self, now: Time) {
        self.now = self.now.max(now);
        match self.role {
            Role::Leader => {
                if self.now >= self.heartbeat_deadline {
                    self.broadcast_append();
                }
            }
            Role::Follower | Role::Candidate => {
                if self.now >= self.election_deadline {
                    self.start_election();
                }
            }
        }
    }

    /// The time at which this server next needs a [`Raft::tick`].
    pub fn next_deadline(&self) -> Time {
        match self.role {
            Role::Leader => self.heartbeat_deadline,
            Role::Follower | Role::Candidate => self.election_deadline,
        }
    }

    /// Handles a message from a peer, received at `now`. Messages from outside the cluster
    /// or addressed to another server are ignored.
    pub fn step(&mut self, now: Time, envelope: Envelope) {
        self.now = self.now.max(now);
        let from = envelope.from;
        if from >= self.servers || from == self.id || envelope.to != self.id {
            return;
        }
        // Any message from a later term makes this server a follower of that term (§5.1).
        if envelope.message.term() > self.persistent.current_term {
            self.become_follower(envelope.message.term(), None);
        }
        match envelope.message {
            Message::RequestVote(args) => self.handle_request_vote(from, args),
            Message::RequestVoteReply(reply) => self.handle_request_vote_reply(from, reply),
            Message::AppendEntries(args) => self.handle_append_entries(from, args),
            Message::AppendEntriesReply(reply) => self.handle_append_entries_reply(from, reply),
            Message::InstallSnapshot(args) => self.handle_install_snapshot(from, args),
            Message::InstallSnapshotReply(reply) => self.handle_install_snapshot_reply(from, reply),
        }
    }

    /// Proposes a command (the lab's `Start`). A leader appends it to its log, sends it to the
    /// followers at once and returns its index and term; it commits only if this leader keeps
    /// its leadership long enough. Any other server refuses.
    pub fn propose(&mut self, now: Time, command: Vec<u8>) -> Result<(Index, Term), NotLeader> {
        self.now = self.now.max(now);
        if self.role != Role::Leader {
            return Err(NotLeader { leader_hint: self.leader_id });
        }
        let index = self.append_own_entry(Some(command.into()));
        self.send_new_entries();
        Ok((index, self.persistent.current_term))
    }

    /// This server's position in the cluster.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The cluster size.
    pub fn servers(&self) -> usize {
        self.servers
    }

    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether this server believes it leads (the lab's `GetState`'s second result).
    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// The current term.
    pub fn term(&self) -> Term {
        self.persistent.current_term
    }

    /// Role, term and known leader.
    pub fn soft_state(&self) -> SoftState {
        SoftState { role: self.role, term: self.term(), leader_id: self.leader_id }
    }

    /// Whom this server voted for in the current term.
    pub fn voted_for(&self) -> Option<NodeId> {
        self.persistent.voted_for
    }

    /// The leader this server knows of in its current term.
    pub fn leader_id(&self) -> Option<NodeId> {
        self.leader_id
    }

    /// The log after the snapshot.
    pub fn log(&self) -> &Log {
        &self.persistent.log
    }

    /// What this server keeps across a crash: term, vote and log.
    pub fn persistent_state(&self) -> &PersistentState {
        &self.persistent
    }

    /// Highest index known to be committed.
    pub fn commit_index(&self) -> Index {
        self.commit_index
    }

    /// Highest index handed to the service.
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }

    /// The latest snapshot's bytes.
    pub fn snapshot_data(&self) -> &[u8] {
        &self.snapshot
    }

    /// The leader's per-follower progress (empty unless leader).
    pub fn progress(&self) -> &[Progress] {
        &self.progress
    }

    /// The node's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.outbox.push(Envelope { from: self.id, to, message });
    }

    pub(crate) fn peers(&self) -> impl Iterator<Item = NodeId> {
        let me = self.id;
        (0..self.servers).filter(move |&p| p != me)
    }

    pub(crate) fn majority(&self) -> usize {
        self.servers / 2 + 1
    }

    /// Draws a fresh election timeout (§5.2) and restarts the timer from now.
    pub(crate) fn reset_election_timer(&mut self) {
        let timeout = self
            .rng
            .random_range(self.config.election_timeout_min..self.config.election_timeout_max);
        self.election_reset_at = self.now;
        self.election_deadline = self.now + timeout;
    }

    /// Steps down to follower in `term`; a new term clears the vote.
    pub(crate) fn become_follower(&mut self, term: Term, leader: Option<NodeId>) {
        if term > self.persistent.current_term {
            self.persistent.current_term = term;
            self.persistent.voted_for = None;
            self.persist_dirty = true;
        }
        if self.role == Role::Leader {
            // A deposed leader waits a full timeout before it stands again.
            self.reset_election_timer();
        }
        self.role = Role::Follower;
        self.leader_id = leader;
        self.progress.clear();
    }

    /// Appends an entry of the current term to the leader's own log.
    pub(crate) fn append_own_entry(&mut self, command: Option<Bytes>) -> Index {
        let term = self.persistent.current_term;
        self.persistent.log.push(Entry { term, command });
        self.persist_dirty = true;
        let index = self.persistent.log.last_index();
        self.note_log_written(index);
        if let Some(me) = self.progress.get_mut(self.id) {
            me.match_index = index;
            me.next_index = index + 1;
        }
        index
    }

    /// The entry at `index` was appended or overwritten.
    pub(crate) fn note_log_written(&mut self, index: Index) {
        self.log_written_from = Some(self.log_written_from.map_or(index, |i| i.min(index)));
        self.note_stored_log_changed(index);
    }

    /// Stored entries from `index` on no longer match the log.
    pub(crate) fn note_stored_log_changed(&mut self, index: Index) {
        self.persist_log_from = Some(self.persist_log_from.map_or(index, |i| i.min(index)));
    }

    /// Compacts the log through `index` for a snapshot of `data` and marks all of it for
    /// stable storage.
    pub(crate) fn compact_log(&mut self, index: Index, term: Term, data: Vec<u8>) {
        self.persistent.log.compact(index, term);
        self.snapshot = data;
        self.persist_dirty = true;
        self.snapshot_dirty = true;
        // If the log disagreed with the snapshot it is now empty: drop the stored tail too.
        self.note_stored_log_changed(self.persistent.log.last_index() + 1);
    }

    /// Raises the commit index and queues the newly committed entries for the service.
    pub(crate) fn commit_to(&mut self, index: Index) {
        let index = index.min(self.persistent.log.last_index());
        if index <= self.commit_index {
            return;
        }
        self.commit_index = index;
        let log = &self.persistent.log;
        let first = (self.last_applied + 1).max(log.first_index());
        self.to_apply.reserve(index.saturating_sub(first - 1) as usize);
        for i in first..=index {
            let entry = log.entry(i).expect("committed entries after the snapshot are held");
            self.to_apply.push(ApplyMsg::Command {
                index: i,
                term: entry.term,
                command: entry.command.clone(),
            });
        }
        self.last_applied = index;
    }
}
