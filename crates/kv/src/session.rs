use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::{fnv1a, fnv1a_start, mix};
use crate::{ClerkReply, ClientId, Seq};

/// What a server remembers of one Clerk: its last applied Put/Append and the reply to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The Clerk's last applied sequence number.
    pub seq: Seq,
    /// The reply that operation got, for duplicates of it.
    pub reply: ClerkReply,
}

/// The de-duplication table: per Clerk, the last applied Put/Append's Seq and its reply. A
/// Clerk has one operation outstanding, so a new Seq acknowledges the previous one and its
/// entry is simply replaced: the table holds one session per Clerk, whatever the number of
/// operations. Gets are not recorded: reading again is harmless, and a remembered Get reply
/// would hold a copy of a value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTable {
    sessions: BTreeMap<ClientId, Session>,
    /// A fingerprint of the table, kept up to date (not stored: derived on load).
    #[serde(skip)]
    digest: u64,
}

fn session_hash(client_id: ClientId, session: &Session) -> u64 {
    let Session { seq, reply } = session;
    let err = reply.err as u8;
    let index = reply.index.map_or(0, |i| i + 1);
    // Whole words are mixed in, not hashed byte by byte: a session is recorded on every
    // replica for every write.
    let value = fnv1a(fnv1a_start(), reply.value.as_bytes());
    let fields = [*seq, u64::from(err), index, reply.seq, client_id];
    fields.into_iter().fold(value, mix)
}

impl SessionTable {
    /// The remembered reply if `seq` was already applied for `client_id`: a duplicate.
    pub fn duplicate(&self, client_id: ClientId, seq: Seq) -> Option<&ClerkReply> {
        self.sessions.get(&client_id).filter(|s| seq <= s.seq).map(|s| &s.reply)
    }

    /// Records that `seq` was applied for `client_id` with `reply`.
    pub fn record(&mut self, client_id: ClientId, seq: Seq, reply: ClerkReply) {
        let session = Session { seq, reply };
        self.digest = self.digest.wrapping_add(session_hash(client_id, &session));
        if let Some(old) = self.sessions.insert(client_id, session) {
            self.digest = self.digest.wrapping_sub(session_hash(client_id, &old));
        }
    }

    /// A fingerprint of the table, equal for equal tables.
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// Recomputes the fingerprint after the table was decoded.
    pub(crate) fn rehash(&mut self) {
        self.digest =
            self.sessions.iter().fold(0u64, |d, (c, s)| d.wrapping_add(session_hash(*c, s)));
    }

    /// Sessions by Clerk.
    pub fn iter(&self) -> impl Iterator<Item = (&ClientId, &Session)> {
        self.sessions.iter()
    }

    /// Number of Clerks remembered.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no Clerk is remembered.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}
