use raft::{Index, NodeId, Time, MILLISECOND};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{ClerkReply, ClerkRequest, ClientId, ErrCode, Op, OpError, Seq};

/// A Clerk's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkConfig {
    /// How long to wait for an answer before trying the next server.
    pub retry_timeout: Time,
}

impl Default for ClerkConfig {
    fn default() -> Self {
        ClerkConfig { retry_timeout: 300 * MILLISECOND }
    }
}

/// The operation a Clerk is working on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InProgress {
    /// Its sequence number.
    pub seq: Seq,
    /// The operation.
    pub op: Op,
    /// When the Clerk was asked for it.
    pub started: Time,
    /// Attempts so far (the first try counts).
    pub attempts: u32,
    /// The server the current attempt went to.
    pub target: NodeId,
    /// When the current attempt gives up waiting.
    pub deadline: Time,
}

/// Why an attempt did not settle the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttemptError {
    /// The server said ErrWrongLeader.
    WrongLeader,
    /// The network lost the request or the reply.
    Failed,
    /// No answer in time.
    Timeout,
}

/// A finished operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completed {
    /// The Clerk.
    pub client_id: ClientId,
    /// Its sequence number.
    pub seq: Seq,
    /// The operation.
    pub op: Op,
    /// A Get's value ("" for a missing key); empty for Put/Append.
    pub value: String,
    /// When the Clerk was asked.
    pub started: Time,
    /// When the answer arrived.
    pub finished: Time,
    /// The server that answered.
    pub server: NodeId,
    /// The log index it was applied at, as that server reported.
    pub index: Option<Index>,
    /// Attempts it took.
    pub attempts: u32,
}

/// What a renderer shows of a Clerk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkView {
    /// The Clerk.
    pub client_id: ClientId,
    /// The order in which it tries servers.
    pub servers: Vec<NodeId>,
    /// The server it believes leads (tried first).
    pub leader: NodeId,
    /// Its last sequence number.
    pub seq: Seq,
    /// The operation in progress.
    pub in_progress: Option<InProgress>,
    /// The last attempt that failed, and at which server.
    pub last_error: Option<(NodeId, AttemptError)>,
}

/// The client side of the service (the lab's `Clerk`), sans-IO: one operation at a time;
/// remembers the last leader and tries it first; on ErrWrongLeader, a failed call or a
/// timeout, sends the same ClientId and Seq to the next server.
#[derive(Clone, Debug)]
pub struct Clerk {
    client_id: ClientId,
    config: ClerkConfig,
    servers: Vec<NodeId>,
    /// Position in `servers` of the server to try first.
    leader: usize,
    seq: Seq,
    current: Option<InProgress>,
    last_error: Option<(NodeId, AttemptError)>,
    outbox: Vec<(NodeId, ClerkRequest)>,
}

/// Why a Clerk did not start an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartError {
    /// It is still working on one.
    Busy,
    /// The operation is malformed or too large.
    Invalid(OpError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Busy => write!(f, "the Clerk is still waiting for its last operation"),
            StartError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StartError {}

impl Clerk {
    /// A Clerk of a cluster of `servers`; `seed` shuffles the order in which it tries them,
    /// so that no client assumes server 0 leads.
    pub fn new(client_id: ClientId, servers: usize, seed: u64, config: ClerkConfig) -> Clerk {
        let mut order: Vec<NodeId> = (0..servers).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        Clerk {
            client_id,
            config,
            servers: order,
            leader: 0,
            seq: 0,
            current: None,
            last_error: None,
            outbox: Vec::new(),
        }
    }

    /// This Clerk's id.
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// Starts `op` at `now`; returns its sequence number.
    pub fn start(&mut self, now: Time, op: Op) -> Result<Seq, StartError> {
        if self.current.is_some() {
            return Err(StartError::Busy);
        }
        op.validate().map_err(StartError::Invalid)?;
        self.seq += 1;
        let target = self.servers[self.leader];
        self.current = Some(InProgress {
            seq: self.seq,
            op,
            started: now,
            attempts: 0,
            target,
            deadline: now,
        });
        self.last_error = None;
        self.send(now);
        Ok(self.seq)
    }

    /// A server answered. Returns the finished operation if this settles it.
    pub fn handle_reply(
        &mut self,
        now: Time,
        from: NodeId,
        reply: ClerkReply,
    ) -> Option<Completed> {
        let current = self.current.as_ref()?;
        if reply.seq != current.seq {
            return None; // an answer to an earlier attempt of an earlier operation
        }
        match reply.err {
            ErrCode::ErrWrongLeader => {
                if current.target == from {
                    self.retry(now, AttemptError::WrongLeader);
                }
                None
            }
            ErrCode::Ok | ErrCode::ErrNoKey => {
                let done = self.current.take().expect("checked");
                self.leader = self.servers.iter().position(|&s| s == from).unwrap_or(self.leader);
                Some(Completed {
                    client_id: self.client_id,
                    seq: done.seq,
                    op: done.op,
                    value: reply.value,
                    started: done.started,
                    finished: now,
                    server: from,
                    index: reply.index,
                    attempts: done.attempts,
                })
            }
        }
    }

    /// The network reports that the call of `seq` to `server` failed (its request or its
    /// reply was lost, as labrpc's `Call` returning false): try the next server.
    pub fn handle_failure(&mut self, now: Time, server: NodeId, seq: Seq) {
        if self.current.as_ref().is_some_and(|c| c.seq == seq && c.target == server) {
            self.retry(now, AttemptError::Failed);
        }
    }

    /// Advances to `now`: an attempt that waited too long moves on to the next server.
    pub fn tick(&mut self, now: Time) {
        if self.current.as_ref().is_some_and(|c| now >= c.deadline) {
            self.retry(now, AttemptError::Timeout);
        }
    }

    /// When the Clerk next needs a [`Clerk::tick`].
    pub fn next_deadline(&self) -> Option<Time> {
        self.current.as_ref().map(|c| c.deadline)
    }

    /// Requests to send: to which server, what.
    pub fn take_requests(&mut self) -> Vec<(NodeId, ClerkRequest)> {
        std::mem::take(&mut self.outbox)
    }

    /// The operation in progress.
    pub fn in_progress(&self) -> Option<&InProgress> {
        self.current.as_ref()
    }

    /// The last attempt that failed, and at which server.
    pub fn last_error(&self) -> Option<(NodeId, AttemptError)> {
        self.last_error
    }

    /// A read-only picture for a renderer.
    pub fn view(&self) -> ClerkView {
        ClerkView {
            client_id: self.client_id,
            servers: self.servers.clone(),
            leader: self.servers[self.leader],
            seq: self.seq,
            in_progress: self.current.clone(),
            last_error: self.last_error,
        }
    }

    fn retry(&mut self, now: Time, error: AttemptError) {
        let target = self.current.as_ref().expect("an operation is in progress").target;
        self.last_error = Some((target, error));
        self.leader = (self.leader + 1) % self.servers.len();
        self.send(now);
    }

    fn send(&mut self, now: Time) {
        let target = self.servers[self.leader];
        let current = self.current.as_mut().expect("an operation is in progress");
        current.attempts += 1;
        current.target = target;
        current.deadline = now + self.config.retry_timeout;
        let request =
            ClerkRequest { client_id: self.client_id, seq: current.seq, op: current.op.clone() };
        self.outbox.push((target, request));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // In the browser (`wasm-pack test --headless --chrome`), as wasm-bindgen tests.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ok(seq: Seq, value: &str) -> ClerkReply {
        ClerkReply { seq, err: ErrCode::Ok, value: value.into(), index: Some(1) }
    }

    #[test]
    fn retries_the_next_server_on_wrong_leader_failure_and_timeout_then_remembers_the_leader() {
        let mut ck = Clerk::new(7, 3, 1, ClerkConfig::default());
        let seq = ck.start(0, Op::get("k")).unwrap();
        let order = ck.view().servers;
        let first = ck.take_requests();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].0, order[0]);
        ck.handle_reply(1, order[0], ClerkReply::wrong_leader(seq));
        assert_eq!(ck.take_requests()[0].0, order[1]);
        ck.handle_failure(2, order[1], seq);
        assert_eq!(ck.take_requests()[0].0, order[2]);
        ck.tick(2 + ck.config.retry_timeout);
        let again = ck.take_requests();
        assert_eq!((again[0].0, again[0].1.seq), (order[0], seq));
        // An answer from an earlier attempt's server still settles the operation.
        let done = ck.handle_reply(500_000, order[2], ok(seq, "v")).unwrap();
        assert_eq!((done.value.as_str(), done.attempts, done.server), ("v", 4, order[2]));
        ck.start(600_000, Op::put("k", "w")).unwrap();
        assert_eq!(ck.take_requests()[0].0, order[2]);
    }

    #[test]
    fn one_operation_at_a_time_and_sizes_are_checked() {
        let mut ck = Clerk::new(1, 5, 2, ClerkConfig::default());
        ck.start(0, Op::append("", "x")).unwrap();
        assert_eq!(ck.start(0, Op::get("k")), Err(StartError::Busy));
        let mut ck = Clerk::new(2, 5, 2, ClerkConfig::default());
        let big = "v".repeat(crate::MAX_VALUE_BYTES + 1);
        let err = ck.start(0, Op::put("k", big)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("value is 4097 bytes; the limit is {}", crate::MAX_VALUE_BYTES)
        );
        assert!(ck.take_requests().is_empty());
    }

    #[test]
    fn stale_answers_are_ignored() {
        let mut ck = Clerk::new(1, 3, 3, ClerkConfig::default());
        let seq = ck.start(0, Op::get("k")).unwrap();
        assert!(ck.handle_reply(1, 0, ok(seq + 5, "old")).is_none());
        assert!(ck.in_progress().is_some());
    }
}
