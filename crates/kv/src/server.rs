use std::collections::BTreeMap;
use std::fmt;

use raft::{ApplyMsg, Envelope, Index, Persist, Raft, Ready, Term, Time};
use serde::{Deserialize, Serialize};

use crate::op::{Args, CommandRef};
use crate::{
    ClerkReply, ClerkRequest, ClientId, Command, ErrCode, OpKind, Seq, SessionTable, Store,
};

/// A KvServer's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvConfig {
    /// Snapshot once the persisted Raft state reaches this many bytes (`None`: the lab's
    /// `maxraftstate = -1`, never).
    pub max_raft_state: Option<usize>,
    /// A deliberate bug, for lessons: the leader answers Get from its own map at once,
    /// without the log — a deposed leader cut off in a minority serves stale reads.
    pub unsafe_local_reads: bool,
    /// A deliberate bug, for lessons: no de-duplication — an Append retried after a lost
    /// reply is applied twice.
    pub unsafe_no_dedup: bool,
}

/// A request waiting for its log index to be applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingView {
    /// Log index the operation was proposed at.
    pub index: Index,
    /// Term it was proposed in.
    pub term: Term,
    /// The Clerk waiting.
    pub client_id: ClientId,
    /// Its sequence number.
    pub seq: Seq,
}

/// A KvServer's snapshot: the map and the session table, so that de-duplication survives
/// log compaction and InstallSnapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvSnapshot {
    /// The key/value map, as pairs in key order. Postcard writes a map and a list of pairs
    /// alike, and a list adds no copy of the B-tree code to the page's wasm.
    pub store: Vec<(String, String)>,
    /// The de-duplication table.
    pub sessions: SessionTable,
}

/// A snapshot's bytes did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotDecodeError(pub String);

impl fmt::Display for SnapshotDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "snapshot does not decode: {}", self.0)
    }
}

/// A server's stable storage, as the lab's `Persister`: where a [`KvServer`] writes what its
/// Raft node asks to keep, and how large that has grown (for `maxraftstate`).
pub trait Persister {
    /// Writes what Raft asked for, all at once, before any message of the same `Ready` is sent.
    fn save(&mut self, persist: Persist);
    /// Size of the stored Raft state in bytes (the lab's `RaftStateSize`).
    fn raft_state_size(&self) -> usize;
}

/// What one [`KvServer::ready`] did and leaves to its host, in the order the host handles it.
#[derive(Debug)]
pub struct KvReady {
    /// Raft's outputs. Their state is already persisted and their committed entries applied:
    /// the host sends `raft.messages`, and may read the rest to check or show the run.
    pub raft: Ready,
    /// Replies to Clerks whose operations the applied entries settled, in log order.
    pub replies: Replies,
    /// The snapshot taken after applying, because the persisted state reached
    /// `maxraftstate`: its last index and its size in bytes.
    pub snapshot: Option<(Index, usize)>,
    /// Replies to Clerks whose requests can no longer commit here, because the role or term
    /// changed: try another server.
    pub stale: Replies,
}

/// A kvraft server: a Raft node and the key/value state machine above it.
///
/// Inputs: time ([`KvServer::tick`]), messages from peers ([`KvServer::step`]) and Clerk
/// requests ([`KvServer::request`]). After any of them the host calls [`KvServer::ready`]
/// until it gives `None`: each call persists, applies, snapshots and settles Clerks, and hands
/// back what to send.
#[derive(Clone, Debug)]
pub struct KvServer {
    raft: Raft,
    config: KvConfig,
    store: Store,
    sessions: SessionTable,
    /// Requests waiting for their index, by index.
    pending: BTreeMap<Index, PendingView>,
    last_applied: Index,
    /// Retried Put/Appends the session table answered since this server started.
    duplicates: u64,
}

/// Replies to send: to which Clerk, what.
pub type Replies = Vec<(ClientId, ClerkReply)>;

impl KvServer {
    /// A server over `raft`, with an empty map.
    pub fn new(raft: Raft, config: KvConfig) -> KvServer {
        KvServer {
            raft,
            config,
            store: Store::default(),
            sessions: SessionTable::default(),
            pending: BTreeMap::new(),
            last_applied: 0,
            duplicates: 0,
        }
    }

    /// The Raft node.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// The key/value map.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A fingerprint of the map and the session table: replicas that applied the same log
    /// prefix have equal fingerprints.
    pub fn state_digest(&self) -> u64 {
        self.store.digest() ^ self.sessions.digest().rotate_left(1)
    }

    /// The de-duplication table.
    pub fn sessions(&self) -> &SessionTable {
        &self.sessions
    }

    /// How many retried Put/Appends the session table has answered (at request or at apply
    /// time) since this server started: each one an operation not applied twice.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Requests waiting for their index to apply.
    pub fn pending(&self) -> impl Iterator<Item = &PendingView> {
        self.pending.values()
    }

    /// Highest log index applied to the map.
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }

    /// Advances the server to virtual time `now` (Raft's timers).
    pub fn tick(&mut self, now: Time) {
        self.raft.tick(now);
    }

    /// A message from a peer arrives at `now`.
    pub fn step(&mut self, now: Time, envelope: Envelope) {
        self.raft.step(now, envelope);
    }

    /// Handles what the last inputs produced: persists Raft's state to `persister`, applies
    /// what committed, snapshots when the persisted state has reached `maxraftstate`, and
    /// settles the Clerks waiting. `None` when there is nothing to do; call it again until
    /// then, since a snapshot gives more to persist. A snapshot from the leader or the
    /// persister that does not decode is an error (the server's state is then unchanged by
    /// it).
    pub fn ready(
        &mut self,
        persister: &mut impl Persister,
    ) -> Result<Option<KvReady>, SnapshotDecodeError> {
        if !self.raft.has_ready() {
            return Ok(None);
        }
        let mut raft = self.raft.take_ready();
        if let Some(persist) = raft.persist.take() {
            persister.save(persist);
        }
        let mut replies = Vec::new();
        for msg in &raft.apply {
            self.apply(msg, &mut replies)?;
        }
        let snapshot = if raft.apply.is_empty() {
            None
        } else {
            self.maybe_snapshot(persister.raft_state_size())
        };
        let stale = if raft.role_changed() { self.check_leadership() } else { Vec::new() };
        Ok(Some(KvReady { raft, replies, snapshot, stale }))
    }

    /// Hands back a [`KvReady`] whose outputs have all been handled, so that the next ones
    /// reuse its buffers. Optional.
    pub fn recycle(&mut self, ready: KvReady) {
        self.raft.recycle(ready.raft);
    }

    /// A Clerk's request arrives. Returns the immediate answer, if there is one: not the
    /// leader, or a duplicate of an operation already applied. Otherwise the operation goes
    /// into the log and is answered when it applies (or when it cannot).
    pub fn request(&mut self, now: Time, request: ClerkRequest) -> Option<ClerkReply> {
        let ClerkRequest { client_id, seq, op } = request;
        if !self.raft.is_leader() {
            return Some(ClerkReply::wrong_leader(seq));
        }
        if !self.config.unsafe_no_dedup {
            if let Some(reply) = self.sessions.duplicate(client_id, seq) {
                self.duplicates += 1;
                return Some(ClerkReply { seq, ..reply.clone() });
            }
        }
        if self.config.unsafe_local_reads && op.kind == OpKind::Get {
            return Some(self.read(&op.key, seq, None));
        }
        // The same operation already waiting here in this term: answer both at once.
        let term = self.raft.term();
        if self.pending.values().any(|p| (p.client_id, p.seq, p.term) == (client_id, seq, term)) {
            return None;
        }
        let command = Command { client_id, seq, op };
        match self.raft.propose(now, command.encode()) {
            Ok((index, term)) => {
                // A request at an index another was waiting for supersedes it.
                self.pending.insert(index, PendingView { index, term, client_id, seq });
                None
            }
            Err(_) => Some(ClerkReply::wrong_leader(seq)),
        }
    }

    /// Applies what Raft committed; adds replies for the requests it settles.
    fn apply(&mut self, msg: &ApplyMsg, replies: &mut Replies) -> Result<(), SnapshotDecodeError> {
        match msg {
            ApplyMsg::Command { index, command, .. } => {
                self.last_applied = *index;
                let applied = command.as_deref().and_then(CommandRef::decode);
                let waiting = self.pending.remove(index);
                let ours = |c: &CommandRef| {
                    waiting.as_ref().is_some_and(|p| (c.client_id, c.seq) == (p.client_id, p.seq))
                };
                // A reply is built only for the Clerk waiting here; a Get changes nothing, so
                // with no one waiting for it there is nothing to do.
                let reply = match applied {
                    Some(c) if ours(&c) => self.execute(&c, *index),
                    Some(c) if c.kind != OpKind::Get => {
                        self.execute(&c, *index);
                        None
                    }
                    _ => None,
                };
                if let Some(p) = waiting {
                    // A different entry took this index: our leadership was lost.
                    replies.push((p.client_id, reply.unwrap_or(ClerkReply::wrong_leader(p.seq))));
                }
            }
            ApplyMsg::Snapshot { index, data, .. } => {
                let snapshot: KvSnapshot =
                    postcard::from_bytes(data).map_err(|e| SnapshotDecodeError(e.to_string()))?;
                self.store = Store::from_pairs(snapshot.store);
                self.sessions = snapshot.sessions;
                self.sessions.rehash();
                self.last_applied = *index;
                // Requests waiting at covered indices: the session table knows their fate.
                let covered: Vec<Index> = self.pending.range(..=*index).map(|(&i, _)| i).collect();
                for i in covered {
                    let p = self.pending.remove(&i).expect("present");
                    let reply = match self.sessions.duplicate(p.client_id, p.seq) {
                        Some(reply) => ClerkReply { seq: p.seq, ..reply.clone() },
                        None => ClerkReply::wrong_leader(p.seq),
                    };
                    replies.push((p.client_id, reply));
                }
            }
        }
        Ok(())
    }

    /// Raft's term or role changed: requests proposed in an earlier term may never commit, so
    /// their Clerks are told to try elsewhere now rather than wait.
    fn check_leadership(&mut self) -> Replies {
        let term = self.raft.term();
        let leader = self.raft.is_leader();
        let stale: Vec<Index> =
            self.pending.values().filter(|p| !leader || p.term != term).map(|p| p.index).collect();
        stale
            .into_iter()
            .map(|i| {
                let p = self.pending.remove(&i).expect("present");
                (p.client_id, ClerkReply::wrong_leader(p.seq))
            })
            .collect()
    }

    /// Snapshots the map and sessions through Raft when the persisted Raft state has reached
    /// `maxraftstate`. Returns the snapshot's last index and size if it did.
    fn maybe_snapshot(&mut self, raft_state_size: usize) -> Option<(Index, usize)> {
        let due = self.config.max_raft_state.is_some_and(|max| raft_state_size >= max);
        if !due || self.last_applied <= self.raft.log().last_included_index() {
            return None;
        }
        let snapshot = KvSnapshot { store: self.store.to_pairs(), sessions: self.sessions.clone() };
        let data = postcard::to_allocvec(&snapshot).expect("encoding to a Vec cannot fail");
        let bytes = data.len();
        self.raft.snapshot(self.last_applied, data).ok().map(|()| (self.last_applied, bytes))
    }

    /// Carries out a committed command once, and returns its reply; `None` (and nothing done)
    /// if the bytes are not a command.
    fn execute(&mut self, command: &CommandRef, index: Index) -> Option<ClerkReply> {
        let CommandRef { client_id, seq, kind, .. } = *command;
        let Args { key, value } = command.args()?;
        if !self.config.unsafe_no_dedup {
            if let Some(reply) = self.sessions.duplicate(client_id, seq) {
                self.duplicates += 1;
                return Some(reply.clone());
            }
        }
        let reply = match kind {
            OpKind::Get => self.read(key, seq, Some(index)),
            OpKind::Put => {
                self.store.put(key, value);
                ClerkReply { seq, err: ErrCode::Ok, value: String::new(), index: Some(index) }
            }
            OpKind::Append => {
                self.store.append(key, value);
                ClerkReply { seq, err: ErrCode::Ok, value: String::new(), index: Some(index) }
            }
        };
        // Only writes are remembered: a retried Get is simply read again (through the log), so
        // the table never holds a copy of a value.
        if kind != OpKind::Get {
            self.sessions.record(client_id, seq, reply.clone());
        }
        Some(reply)
    }

    fn read(&self, key: &str, seq: Seq, index: Option<Index>) -> ClerkReply {
        match self.store.get(key) {
            Some(value) => ClerkReply { seq, err: ErrCode::Ok, value: value.to_string(), index },
            None => ClerkReply { seq, err: ErrCode::ErrNoKey, value: String::new(), index },
        }
    }
}

#[cfg(test)]
mod tests {
    use raft::{Config, Setup, SECOND};

    use super::*;
    use crate::Op;

    /// Stable storage that counts its writes, and reports itself full once told to.
    #[derive(Default)]
    struct Disk {
        writes: usize,
        full: bool,
    }

    impl Persister for Disk {
        fn save(&mut self, _: Persist) {
            self.writes += 1;
        }

        fn raft_state_size(&self) -> usize {
            if self.full {
                usize::MAX
            } else {
                0
            }
        }
    }

    /// Calls `ready` until there is nothing left to do, as a host does.
    fn settle(kv: &mut KvServer, disk: &mut Disk) -> Vec<KvReady> {
        std::iter::from_fn(|| kv.ready(disk).expect("no snapshot to decode")).collect()
    }

    #[test]
    fn the_ready_loop_persists_applies_snapshots_and_answers_the_clerk() {
        let config = KvConfig { max_raft_state: Some(1), ..KvConfig::default() };
        let mut kv = KvServer::new(
            Raft::new(Setup { id: 0, servers: 1, config: Config::default(), seed: 7, now: 0 }),
            config,
        );
        let mut disk = Disk::default();
        kv.tick(SECOND);
        let readies = settle(&mut kv, &mut disk);
        assert_eq!(readies.iter().filter_map(|r| r.raft.elected()).collect::<Vec<_>>(), [1]);
        assert!(disk.writes > 0, "the new term and the no-op were persisted");
        let put = ClerkRequest { client_id: 5, seq: 1, op: Op::put("k", "v") };
        assert_eq!(kv.request(SECOND, put.clone()), None, "answered once it applies");
        disk.full = true;
        let readies = settle(&mut kv, &mut disk);
        let replies: Vec<_> = readies.iter().flat_map(|r| r.replies.clone()).collect();
        assert_eq!(replies.len(), 1);
        let (client, reply) = &replies[0];
        assert_eq!((*client, reply.err, reply.index), (5, ErrCode::Ok, Some(2)));
        let snapshot = readies.iter().find_map(|r| r.snapshot);
        assert_eq!(snapshot.map(|(index, _)| index), Some(2), "the full disk made it snapshot");
        assert_eq!(kv.raft().log().last_included_index(), 2);
        assert_eq!(kv.store().get("k"), Some("v"));
        let retried = kv.request(SECOND, put).expect("a duplicate is answered at once");
        assert_eq!((retried.err, kv.duplicates()), (ErrCode::Ok, 1));
        assert!(readies.iter().all(|r| r.stale.is_empty()), "still the leader of term 1");
    }
}
