//! A scenario's timed actions: what they do, and how a file's are read.

use kv::Op;
use raft::{NodeId, Time, MILLISECOND};
use serde::{Deserialize, Serialize};

use super::MAX_CLIENTS;
use crate::MessageId;

/// An action and when it happens: `at_ms`, or `at_us` for microsecond precision (exactly
/// one of them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawAction")]
pub struct TimedAction {
    /// Virtual time, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    /// Virtual time, µs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_us: Option<Time>,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

impl TimedAction {
    /// `action` at virtual time `at` (written in ms when it is a whole number of them).
    pub fn new(at: Time, action: Action) -> TimedAction {
        let (at_ms, at_us) =
            if at % MILLISECOND == 0 { (Some(at / MILLISECOND), None) } else { (None, Some(at)) };
        TimedAction { at_ms, at_us, action }
    }

    /// When it happens, in virtual µs.
    pub fn at(&self) -> Time {
        self.at_us.unwrap_or_else(|| self.at_ms.unwrap_or(0).saturating_mul(MILLISECOND))
    }
}

/// Something a scenario does to the cluster or asks of a Clerk. Written as `do = "crash"`
/// and the action's fields, beside `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Split the servers into groups (others are cut off alone).
    Partition {
        /// The groups.
        groups: Vec<Vec<NodeId>>,
    },
    /// Cut the current leader off in a minority with `followers` other servers (the lowest
    /// numbered); the rest form the majority. Nothing happens if no server leads.
    IsolateLeader {
        /// How many followers stay with it (0 if not written).
        followers: usize,
    },
    /// Reconnect every server, and every Clerk to every server.
    Heal,
    /// Crash a server.
    Crash {
        /// Which.
        server: NodeId,
    },
    /// Restart a server from its persister.
    Restart {
        /// Which.
        server: NodeId,
    },
    /// Cut one server off.
    Disconnect {
        /// Which.
        server: NodeId,
    },
    /// Reconnect one server.
    Connect {
        /// Which.
        server: NodeId,
    },
    /// labrpc's unreliable mode on or off.
    Unreliable {
        /// On?
        on: bool,
    },
    /// Long reordering on or off.
    LongReordering {
        /// On?
        on: bool,
    },
    /// Add a scripted Clerk.
    AddClerk,
    /// Let a scripted Clerk reach exactly these servers (the lab's `ConnectClient`).
    Reach {
        /// Which scripted Clerk.
        client: usize,
        /// The servers it can reach.
        servers: Vec<NodeId>,
    },
    /// A scripted Clerk's Get.
    Get {
        /// Which scripted Clerk.
        client: usize,
        /// The key.
        key: String,
    },
    /// A scripted Clerk's Put.
    Put {
        /// Which scripted Clerk.
        client: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A scripted Clerk's Append.
    Append {
        /// Which scripted Clerk.
        client: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// Keep a message in flight until it is delivered by hand.
    HoldMessage {
        /// The message.
        message: MessageId,
    },
    /// Deliver a message (held or not) now.
    DeliverMessage {
        /// The message.
        message: MessageId,
    },
    /// Lose a message.
    DropMessage {
        /// The message.
        message: MessageId,
    },
    /// Send a copy of a message.
    DuplicateMessage {
        /// The message.
        message: MessageId,
    },
}

impl Action {
    /// A Clerk operation's scripted Clerk and operation.
    pub fn op(&self) -> Option<(usize, Op)> {
        match self {
            Action::Get { client, key } => Some((*client, Op::get(key.clone()))),
            Action::Put { client, key, value } => {
                Some((*client, Op::put(key.clone(), value.clone())))
            }
            Action::Append { client, key, value } => {
                Some((*client, Op::append(key.clone(), value.clone())))
            }
            _ => None,
        }
    }

    /// Cut the current leader off in the largest minority of `servers`, so that the rest are a
    /// majority and elect another (3 servers: alone; 5: with one follower; 7: with two).
    pub fn isolate_leader_in_minority(servers: usize) -> Action {
        Action::IsolateLeader { followers: (servers.saturating_sub(1) / 2).saturating_sub(1) }
    }

    /// The message it acts on, if any.
    pub fn message(&self) -> Option<MessageId> {
        match self {
            Action::HoldMessage { message }
            | Action::DeliverMessage { message }
            | Action::DropMessage { message }
            | Action::DuplicateMessage { message } => Some(*message),
            _ => None,
        }
    }

    /// The scripted Clerk it names, if any.
    pub fn client(&self) -> Option<usize> {
        match self {
            Action::Get { client, .. }
            | Action::Put { client, .. }
            | Action::Append { client, .. }
            | Action::Reach { client, .. } => Some(*client),
            _ => None,
        }
    }

    /// Checks it against a cluster of `servers`: servers that exist, groups that do not
    /// overlap, Clerk numbers and operation sizes within bounds.
    pub fn check(&self, servers: usize) -> Result<(), String> {
        let named: Vec<NodeId> = match self {
            Action::Crash { server }
            | Action::Restart { server }
            | Action::Disconnect { server }
            | Action::Connect { server } => vec![*server],
            Action::Partition { groups } => groups.iter().flatten().copied().collect(),
            Action::Reach { servers, .. } => servers.clone(),
            _ => Vec::new(),
        };
        if let Some(s) = named.iter().find(|&&s| s >= servers) {
            return Err(format!("server {s} does not exist (servers = {servers})"));
        }
        if let Action::Partition { groups } = self {
            let mut seen = vec![false; servers];
            for &s in groups.iter().flatten() {
                if std::mem::replace(&mut seen[s], true) {
                    return Err(format!("server {s} is in two groups"));
                }
            }
        }
        if let Some(client) = self.client().filter(|&c| c >= MAX_CLIENTS) {
            return Err(format!("client {client} is more than {MAX_CLIENTS}"));
        }
        if let Some((_, op)) = self.op() {
            op.validate().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// The action kinds, as `do` names them.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Partition,
    IsolateLeader,
    Heal,
    Crash,
    Restart,
    Disconnect,
    Connect,
    Unreliable,
    LongReordering,
    AddClerk,
    Reach,
    Get,
    Put,
    Append,
    HoldMessage,
    DeliverMessage,
    DropMessage,
    DuplicateMessage,
}

impl Kind {
    /// The name a file gives it.
    fn name(self) -> &'static str {
        match self {
            Kind::Partition => "partition",
            Kind::IsolateLeader => "isolate_leader",
            Kind::Heal => "heal",
            Kind::Crash => "crash",
            Kind::Restart => "restart",
            Kind::Disconnect => "disconnect",
            Kind::Connect => "connect",
            Kind::Unreliable => "unreliable",
            Kind::LongReordering => "long_reordering",
            Kind::AddClerk => "add_clerk",
            Kind::Reach => "reach",
            Kind::Get => "get",
            Kind::Put => "put",
            Kind::Append => "append",
            Kind::HoldMessage => "hold_message",
            Kind::DeliverMessage => "deliver_message",
            Kind::DropMessage => "drop_message",
            Kind::DuplicateMessage => "duplicate_message",
        }
    }
}

/// A timed action as written: its time, its `do`, and every field any action has, read flat
/// and then held to what its `do` takes. (serde's own reading of an internally tagged enum
/// flattened into a struct buffers the input generically: it was the largest function in
/// the page's bundle, and it let unknown fields through.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    at_ms: Option<u64>,
    at_us: Option<Time>,
    #[serde(rename = "do")]
    kind: Kind,
    groups: Option<Vec<Vec<NodeId>>>,
    followers: Option<usize>,
    server: Option<NodeId>,
    on: Option<bool>,
    client: Option<usize>,
    servers: Option<Vec<NodeId>>,
    key: Option<String>,
    value: Option<String>,
    message: Option<MessageId>,
}

/// A field the action needs, taken out (what is left afterwards does not belong to it).
fn need<T>(kind: Kind, field: &mut Option<T>, name: &str) -> Result<T, String> {
    field.take().ok_or_else(|| format!("`{}` needs `{name}`", kind.name()))
}

impl TryFrom<RawAction> for TimedAction {
    type Error = String;

    fn try_from(r: RawAction) -> Result<TimedAction, String> {
        let RawAction {
            at_ms,
            at_us,
            kind,
            mut groups,
            mut followers,
            mut server,
            mut on,
            mut client,
            mut servers,
            mut key,
            mut value,
            mut message,
        } = r;
        let action = match kind {
            Kind::Partition => Action::Partition { groups: need(kind, &mut groups, "groups")? },
            Kind::IsolateLeader => {
                Action::IsolateLeader { followers: followers.take().unwrap_or(0) }
            }
            Kind::Heal => Action::Heal,
            Kind::Crash => Action::Crash { server: need(kind, &mut server, "server")? },
            Kind::Restart => Action::Restart { server: need(kind, &mut server, "server")? },
            Kind::Disconnect => Action::Disconnect { server: need(kind, &mut server, "server")? },
            Kind::Connect => Action::Connect { server: need(kind, &mut server, "server")? },
            Kind::Unreliable => Action::Unreliable { on: need(kind, &mut on, "on")? },
            Kind::LongReordering => Action::LongReordering { on: need(kind, &mut on, "on")? },
            Kind::AddClerk => Action::AddClerk,
            Kind::Reach => Action::Reach {
                client: need(kind, &mut client, "client")?,
                servers: need(kind, &mut servers, "servers")?,
            },
            Kind::Get => Action::Get {
                client: need(kind, &mut client, "client")?,
                key: need(kind, &mut key, "key")?,
            },
            Kind::Put | Kind::Append => {
                let (client, key) =
                    (need(kind, &mut client, "client")?, need(kind, &mut key, "key")?);
                let value = need(kind, &mut value, "value")?;
                match kind {
                    Kind::Put => Action::Put { client, key, value },
                    _ => Action::Append { client, key, value },
                }
            }
            Kind::HoldMessage => {
                Action::HoldMessage { message: need(kind, &mut message, "message")? }
            }
            Kind::DeliverMessage => {
                Action::DeliverMessage { message: need(kind, &mut message, "message")? }
            }
            Kind::DropMessage => {
                Action::DropMessage { message: need(kind, &mut message, "message")? }
            }
            Kind::DuplicateMessage => {
                Action::DuplicateMessage { message: need(kind, &mut message, "message")? }
            }
        };
        let leftover = [
            ("groups", groups.is_some()),
            ("followers", followers.is_some()),
            ("server", server.is_some()),
            ("on", on.is_some()),
            ("client", client.is_some()),
            ("servers", servers.is_some()),
            ("key", key.is_some()),
            ("value", value.is_some()),
            ("message", message.is_some()),
        ]
        .into_iter()
        .find_map(|(name, set)| set.then_some(name));
        match leftover {
            Some(field) => Err(format!("`{field}` is not a field of `{}`", kind.name())),
            None => Ok(TimedAction { at_ms, at_us, action }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<TimedAction, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_action_reads_back_as_it_was_written() {
        let actions = [
            Action::Partition { groups: vec![vec![0, 1], vec![2]] },
            Action::IsolateLeader { followers: 1 },
            Action::Heal,
            Action::Crash { server: 2 },
            Action::Restart { server: 2 },
            Action::Disconnect { server: 1 },
            Action::Connect { server: 1 },
            Action::Unreliable { on: true },
            Action::LongReordering { on: false },
            Action::AddClerk,
            Action::Reach { client: 0, servers: vec![0, 2] },
            Action::Get { client: 0, key: "k".into() },
            Action::Put { client: 1, key: "k".into(), value: "v".into() },
            Action::Append { client: 1, key: "k".into(), value: "w".into() },
            Action::HoldMessage { message: 7 },
            Action::DeliverMessage { message: 7 },
            Action::DropMessage { message: 8 },
            Action::DuplicateMessage { message: 9 },
        ];
        for (i, action) in actions.into_iter().enumerate() {
            let timed = TimedAction::new(1000 * i as Time + 1, action);
            let json = serde_json::to_string(&timed).unwrap();
            assert_eq!(read(&json), Ok(timed), "{json}");
        }
    }

    #[test]
    fn isolate_leader_takes_no_followers_unless_told() {
        let timed = read(r#"{"at_ms": 5, "do": "isolate_leader"}"#).unwrap();
        assert_eq!(timed.action, Action::IsolateLeader { followers: 0 });
        assert_eq!(timed.at(), 5 * MILLISECOND);
    }

    #[test]
    fn a_wrong_action_says_what_is_wrong() {
        let err = read(r#"{"at_ms": 5, "do": "crash"}"#).unwrap_err();
        assert!(err.contains("`crash` needs `server`"), "{err}");
        let err = read(r#"{"at_ms": 5, "do": "crash", "server": 1, "key": "a"}"#).unwrap_err();
        assert!(err.contains("`key` is not a field of `crash`"), "{err}");
        let err = read(r#"{"at_ms": 5, "do": "crash", "sever": 1}"#).unwrap_err();
        assert!(err.contains("unknown field `sever`"), "{err}");
        let err = read(r#"{"at_ms": 5, "do": "explode"}"#).unwrap_err();
        assert!(err.contains("unknown variant `explode`"), "{err}");
        let err = read(r#"{"at_ms": 5, "do": "put", "client": 0, "key": "a"}"#).unwrap_err();
        assert!(err.contains("`put` needs `value`"), "{err}");
    }
}
