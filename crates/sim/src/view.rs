//! A read-only picture of the whole simulation, as plain data: what a renderer draws. The
//! page never reads protocol state any other way, and never computes any.

use kv::{ClerkView, ClientId, Command, KvServer, PendingView, Seq};
use raft::{AppendResult, Index, Message, NodeId, RaftView, Term, Time};
use serde::{Deserialize, Serialize};

use crate::{Endpoint, NetworkConfig, PacketKind, Payload, Simulator, Violation};

/// Everything on screen at one instant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimView {
    /// Virtual time, µs.
    pub now: Time,
    /// The seed of the run.
    pub seed: u64,
    /// Every server, by id.
    pub servers: Vec<ServerView>,
    /// Messages in flight, in sending order.
    pub messages: Vec<MessageView>,
    /// Every Clerk, by id.
    pub clients: Vec<ClerkView>,
    /// The servers each Clerk can reach, by Clerk id.
    pub client_reach: Vec<Vec<NodeId>>,
    /// Who can reach whom: groups of servers, main group first.
    pub groups: Vec<Vec<NodeId>>,
    /// The network model now.
    pub network: NetworkConfig,
    /// Highest index committed anywhere.
    pub commit_index: Index,
    /// The invariant that stopped the run, if one did.
    pub violation: Option<Violation>,
}

/// One server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerView {
    /// Its id.
    pub id: NodeId,
    /// Up, or crashed.
    pub alive: bool,
    /// Its Raft state (none while crashed).
    pub raft: Option<RaftView>,
    /// Its key/value map, in key order (empty while crashed).
    pub store: Vec<StoredValue>,
    /// Its session table: per Clerk, the last applied Put/Append's Seq.
    pub sessions: Vec<(ClientId, Seq)>,
    /// Retried Put/Appends its session table answered instead of applying them again.
    pub duplicates: u64,
    /// Requests waiting for their index.
    pub pending: Vec<PendingView>,
    /// What its stable storage holds: what survives a crash.
    pub persisted: PersistedView,
}

/// The longest value a view copies whole, in characters: values grow with every Append, and
/// a view is taken every frame.
pub const VIEW_VALUE_CHARS: usize = 256;

/// One key of a server's map as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredValue {
    /// The key.
    pub key: String,
    /// Its value, up to [`VIEW_VALUE_CHARS`] characters.
    pub value: String,
    /// The whole value's length in bytes.
    pub length: usize,
}

/// A log entry as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryLabel {
    /// Log index.
    pub index: Index,
    /// Term.
    pub term: Term,
    /// Committed on this server.
    pub committed: bool,
    /// Short text: `Put("k","v")`, `no-op`, or the raw size.
    pub label: String,
    /// The Clerk and Seq behind it, for a KvServer command.
    pub client: Option<(ClientId, Seq)>,
}

/// A server's stable storage, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedView {
    /// Persisted term.
    pub term: Term,
    /// Persisted vote.
    pub voted_for: Option<NodeId>,
    /// Last index of the persisted log.
    pub last_index: Index,
    /// The snapshot's last included index.
    pub last_included_index: Index,
    /// Bytes of Raft state.
    pub raft_state_bytes: usize,
    /// Bytes of snapshot.
    pub snapshot_bytes: usize,
}

/// A message in flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// Its id.
    pub id: u64,
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// Kind.
    pub kind: PacketKind,
    /// A one-line summary of its fields.
    pub label: String,
    /// Encoded size.
    pub bytes: usize,
    /// When it left.
    pub sent_at: Time,
    /// When it arrives.
    pub deliver_at: Time,
    /// Held back by hand.
    pub held: bool,
}

/// Which entries of a server's log to label ([`Simulator::entry_labels`]): a page asks every
/// frame, so it never copies a whole log that grows with the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogWindow {
    /// The last index shown; `None`: the log's tail.
    pub end: Option<Index>,
    /// How many entries at most, ending there.
    pub len: usize,
}

impl Simulator {
    /// The picture now (the logs' entries are read apart, [`Simulator::entry_labels`]).
    pub fn view(&self) -> SimView {
        let n = self.config().servers;
        SimView {
            now: self.now(),
            seed: self.config().seed,
            servers: (0..n).map(|s| self.server_view(s)).collect(),
            messages: self
                .in_flight()
                .map(|m| MessageView {
                    id: m.id,
                    from: m.packet.from,
                    to: m.packet.to,
                    kind: m.kind,
                    label: label_payload(&m.packet.payload),
                    bytes: m.bytes,
                    sent_at: m.sent_at,
                    deliver_at: m.deliver_at,
                    held: m.held,
                })
                .collect(),
            clients: (0..self.clients() as ClientId).map(|c| self.clerk(c).view()).collect(),
            client_reach: (0..self.clients() as ClientId).map(|c| self.client_links(c)).collect(),
            groups: self.topology().groups(),
            network: self.config().network.clone(),
            commit_index: self.commit_index(),
            violation: self.violation().cloned(),
        }
    }

    /// Server `s`'s entries in `window`, labelled for reading (none while it is crashed, and
    /// none below its snapshot).
    pub fn entry_labels(&self, s: NodeId, window: LogWindow) -> Vec<EntryLabel> {
        let Some(r) = self.raft(s) else { return Vec::new() };
        let log = r.log();
        let end = window.end.unwrap_or(log.last_index()).min(log.last_index());
        let start = end.saturating_sub(window.len as Index).max(log.first_index() - 1) + 1;
        (start..=end)
            .filter_map(|index| Some((index, log.entry(index)?)))
            .map(|(index, e)| {
                let command = e.command.as_deref().map(Command::decode);
                EntryLabel {
                    index,
                    term: e.term,
                    committed: index <= r.commit_index(),
                    label: match (&e.command, &command) {
                        (None, _) => "no-op".to_string(),
                        (Some(_), Some(Some(c))) => c.op.to_string(),
                        (Some(bytes), _) => format!("{} bytes", bytes.len()),
                    },
                    client: command.flatten().map(|c| (c.client_id, c.seq)),
                }
            })
            .collect()
    }

    fn server_view(&self, s: NodeId) -> ServerView {
        let raft = self.raft(s);
        let kv = self.kv(s);
        let persister = self.persister(s);
        let stored = persister.hard_state().unwrap_or_default();
        ServerView {
            id: s,
            alive: raft.is_some(),
            raft: raft.map(|r| r.view()),
            store: kv.map_or_else(Vec::new, |k| {
                k.store()
                    .iter()
                    .map(|(k, v)| StoredValue {
                        key: k.to_string(),
                        value: v.chars().take(VIEW_VALUE_CHARS).collect(),
                        length: v.len(),
                    })
                    .collect()
            }),
            sessions: kv
                .map_or_else(Vec::new, |k| k.sessions().iter().map(|(c, s)| (*c, s.seq)).collect()),
            duplicates: kv.map_or(0, KvServer::duplicates),
            pending: kv.map_or_else(Vec::new, |k| k.pending().cloned().collect()),
            persisted: PersistedView {
                term: stored.current_term,
                voted_for: stored.voted_for,
                last_index: persister.last_index(),
                last_included_index: stored.last_included_index,
                raft_state_bytes: persister.raft_state_size(),
                snapshot_bytes: persister.snapshot_size(),
            },
        }
    }

    /// When the next event is due, for single-stepping.
    pub fn next_event_at(&self) -> Option<Time> {
        self.queue_peek()
    }
}

/// How many characters of a value a message's summary shows.
const LABEL_VALUE_CHARS: usize = 32;

/// A value, quoted, cut to [`LABEL_VALUE_CHARS`] with its length when longer: a Get's reply
/// carries the whole value, which the lab's Appends make grow with the run.
fn clipped(value: &str) -> String {
    if value.len() <= LABEL_VALUE_CHARS {
        return format!("{value:?}");
    }
    let start: String = value.chars().take(LABEL_VALUE_CHARS).collect();
    format!("{start:?}… ({} bytes)", value.len())
}

/// A one-line summary of a message's fields.
pub fn label_payload(payload: &Payload) -> String {
    match payload {
        Payload::Raft(Message::RequestVote(a)) => {
            format!("RequestVote term {} last {}@{}", a.term, a.last_log_index, a.last_log_term)
        }
        Payload::Raft(Message::RequestVoteReply(r)) => {
            format!("vote {} term {}", if r.vote_granted { "granted" } else { "refused" }, r.term)
        }
        Payload::Raft(Message::AppendEntries(a)) => format!(
            "AppendEntries term {} prev {}@{} +{} commit {}",
            a.term,
            a.prev_log_index,
            a.prev_log_term,
            a.entries.len(),
            a.leader_commit
        ),
        Payload::Raft(Message::AppendEntriesReply(r)) => match r.result {
            AppendResult::Matched { match_index } => {
                format!("append ok term {} match {match_index}", r.term)
            }
            AppendResult::Rejected { conflict_term: Some(t), conflict_index } => {
                format!("append refused term {} conflict term {t} from {conflict_index}", r.term)
            }
            AppendResult::Rejected { conflict_term: None, conflict_index } => {
                format!("append refused term {} log ends before {conflict_index}", r.term)
            }
        },
        Payload::Raft(Message::InstallSnapshot(a)) => format!(
            "InstallSnapshot term {} up to {}@{} ({} bytes)",
            a.term,
            a.last_included_index,
            a.last_included_term,
            a.data.len()
        ),
        Payload::Raft(Message::InstallSnapshotReply(r)) => {
            format!("snapshot ok term {} up to {}", r.term, r.last_included_index)
        }
        Payload::Request(r) => format!("{} #{}", r.op, r.seq),
        Payload::Reply(r) => match r.err {
            kv::ErrCode::Ok => format!("OK #{} {}", r.seq, clipped(&r.value)),
            kv::ErrCode::ErrNoKey => format!("ErrNoKey #{}", r.seq),
            kv::ErrCode::ErrWrongLeader => format!("ErrWrongLeader #{}", r.seq),
        },
    }
}
