//! What the page remembers from the simulator's trace: the text event log, each Clerk
//! operation's path, and the messages and lane marks of the last few seconds that the
//! space-time diagram draws (and the ring's crosses for lost messages). It only reads
//! [`sim::TraceRecord`]s.

use std::collections::{HashMap, VecDeque};

use kv::{AttemptError, ClientId, Op, Seq};
use raft::{Index, NodeId, Role, Term, Time, MILLISECOND, SECOND};
use sim::{DropReason, Endpoint, MessageId, PacketKind, Simulator, TraceEvent, TraceRecord};

/// How many lines the event log keeps of messages, and as many of everything else, so that
/// a quiet cluster's heartbeats do not push the last election out of the log.
const MAX_LINES: usize = 400;
/// How many of its latest operations the journal keeps per Clerk.
pub const OPS_KEPT: usize = 8;
/// How long (virtual µs) a dropped message's mark stays on the ring.
pub const DROP_MARK_LIFETIME: Time = 250 * MILLISECOND;
/// The windows of the recent run the space-time diagram can span, in virtual µs.
pub const DIAGRAM_WINDOWS: [Time; 5] =
    [250 * MILLISECOND, 500 * MILLISECOND, SECOND, 2 * SECOND, 5 * SECOND];
/// The one it opens with.
pub const DEFAULT_DIAGRAM_WINDOW: Time = SECOND;
/// How long (virtual µs) the journal keeps messages that ended and lane marks: the widest
/// window.
pub const DIAGRAM_KEPT: Time = DIAGRAM_WINDOWS[DIAGRAM_WINDOWS.len() - 1];
/// At most this many of each are kept (the busiest scenarios send thousands of messages a
/// virtual second; a copy of the journal goes with every time-travel checkpoint).
pub const DIAGRAM_MAX: usize = 1_200;

/// The event log's filter groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Elections: role and term changes.
    Roles,
    /// Commits, applies and snapshots.
    Log,
    /// Crashes, restarts, partitions, network changes, dropped messages.
    Faults,
    /// Clerk operations: invoked, retried, returned.
    Clerks,
    /// Every message sent, delivered, held, released or duplicated.
    Messages,
}

impl Category {
    /// Every category, in the order the filter shows them.
    pub const ALL: [Category; 5] =
        [Category::Roles, Category::Log, Category::Faults, Category::Clerks, Category::Messages];

    /// Its name in the filter.
    pub fn name(self) -> &'static str {
        match self {
            Category::Roles => "elections",
            Category::Log => "log",
            Category::Faults => "faults",
            Category::Clerks => "clerks",
            Category::Messages => "messages",
        }
    }

    /// The filter group of a trace event.
    pub fn of(event: &TraceEvent) -> Category {
        match event {
            TraceEvent::Sent { .. }
            | TraceEvent::Delivered { .. }
            | TraceEvent::Held { .. }
            | TraceEvent::Released { .. }
            | TraceEvent::Duplicated { .. } => Category::Messages,
            TraceEvent::Dropped { .. }
            | TraceEvent::Crashed { .. }
            | TraceEvent::Restarted { .. }
            | TraceEvent::TopologyChanged { .. }
            | TraceEvent::NetworkChanged { .. } => Category::Faults,
            TraceEvent::RoleChanged { .. } => Category::Roles,
            TraceEvent::Committed { .. }
            | TraceEvent::Applied { .. }
            | TraceEvent::SnapshotTaken { .. }
            | TraceEvent::SnapshotInstalled { .. } => Category::Log,
            TraceEvent::OpInvoked { .. }
            | TraceEvent::ClerkRetried { .. }
            | TraceEvent::OpReturned { .. } => Category::Clerks,
        }
    }
}

/// One line of the event log: a trace record, put in words only when it is shown (most
/// lines of a fast run never are).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Position in the whole trace (a stable key).
    pub seq: usize,
    /// Virtual time.
    pub at: Time,
    /// What happened.
    pub event: TraceEvent,
}

impl Line {
    /// Its filter group.
    pub fn category(&self) -> Category {
        Category::of(&self.event)
    }

    /// What happened, in words.
    pub fn text(&self) -> String {
        describe(&self.event)
    }
}

/// One Clerk operation and the path it took.
#[derive(Clone, Debug, PartialEq)]
pub struct OpRecord {
    /// Its sequence number.
    pub seq: Seq,
    /// The operation.
    pub op: Op,
    /// When it was invoked.
    pub invoked_at: Time,
    /// Each attempt's outcome, in order.
    pub steps: Vec<String>,
    /// How it ended, once it has.
    pub result: Option<OpResult>,
}

/// How a Clerk operation ended.
#[derive(Clone, Debug, PartialEq)]
pub struct OpResult {
    /// When it returned.
    pub at: Time,
    /// The server that answered.
    pub server: NodeId,
    /// The log index it was applied at, as reported.
    pub index: Option<Index>,
    /// A Get's value.
    pub value: String,
}

/// A message that arrived or was lost: an arrow of the space-time diagram (and, lost, a
/// cross on the ring for a moment).
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    /// The message.
    pub id: MessageId,
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// Its kind.
    pub kind: PacketKind,
    /// Its encoded size.
    pub bytes: usize,
    /// When it left (a copy: when it was made).
    pub sent_at: Time,
    /// When it arrived or was lost.
    pub end_at: Time,
    /// Lost: why, and how far along its way it was (0 to 1).
    pub lost: Option<(DropReason, f64)>,
    /// Whether it was held back by hand on its way.
    pub held: bool,
}

/// Something that happened at one server, marked on its lane of the space-time diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneEvent {
    /// It became leader of this term.
    Leader(Term),
    /// It stood for election in this term.
    Candidate(Term),
    /// Its commit index rose to this.
    Committed(Index),
    /// It crashed.
    Crashed,
    /// It restarted from its persisted state.
    Restarted,
    /// Its service took a snapshot up to this index.
    SnapshotTaken(Index),
    /// Its service restored a snapshot up to this index (InstallSnapshot or a restart).
    SnapshotInstalled(Index),
}

/// A [`LaneEvent`], where and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaneMark {
    /// Virtual time.
    pub at: Time,
    /// The server.
    pub server: NodeId,
    /// What happened.
    pub event: LaneEvent,
}

impl LaneMark {
    /// The mark a trace event leaves on a lane, if any.
    fn of(at: Time, event: &TraceEvent) -> Option<LaneMark> {
        let (server, event) = match *event {
            TraceEvent::RoleChanged { server, role: Role::Leader, term } => {
                (server, LaneEvent::Leader(term))
            }
            TraceEvent::RoleChanged { server, role: Role::Candidate, term } => {
                (server, LaneEvent::Candidate(term))
            }
            TraceEvent::Committed { server, index } => (server, LaneEvent::Committed(index)),
            TraceEvent::Crashed { server } => (server, LaneEvent::Crashed),
            TraceEvent::Restarted { server } => (server, LaneEvent::Restarted),
            TraceEvent::SnapshotTaken { server, index, .. } => {
                (server, LaneEvent::SnapshotTaken(index))
            }
            TraceEvent::SnapshotInstalled { server, index } => {
                (server, LaneEvent::SnapshotInstalled(index))
            }
            _ => return None,
        };
        Some(LaneMark { at, server, event })
    }
}

/// A message in flight as the trace told it.
#[derive(Clone)]
struct Flight {
    from: Endpoint,
    to: Endpoint,
    kind: PacketKind,
    bytes: usize,
    sent_at: Time,
    deliver_at: Time,
    held: bool,
}

impl Flight {
    /// Its arrow, ended at `at`.
    fn ended(self, id: MessageId, at: Time, lost: Option<DropReason>) -> Arrow {
        let lost = lost.map(|reason| {
            let span = self.deliver_at.saturating_sub(self.sent_at).max(1) as f64;
            (reason, (at.saturating_sub(self.sent_at) as f64 / span).clamp(0.0, 1.0))
        });
        let Flight { from, to, kind, bytes, sent_at, held, .. } = self;
        Arrow { id, from, to, kind, bytes, sent_at, end_at: at, lost, held }
    }
}

/// Pushes `item` at the back, and lets go of the front while there are more than
/// [`DIAGRAM_MAX`] or it is older than [`DIAGRAM_KEPT`] by `now`.
fn keep<T>(kept: &mut VecDeque<T>, item: T, now: Time, at: impl Fn(&T) -> Time) {
    kept.push_back(item);
    while kept.len() > DIAGRAM_MAX || kept.front().is_some_and(|f| at(f) + DIAGRAM_KEPT < now) {
        kept.pop_front();
    }
}

/// The page's memory of the trace. Everything in it is bounded (the last lines, the last
/// operations of each Clerk, the messages in flight), so it costs the same after an hour as
/// after a second, and a copy of it is kept with each time-travel checkpoint.
#[derive(Clone, Default)]
pub struct Journal {
    /// Records read so far: the next line's position.
    seen: usize,
    lines: VecDeque<Line>,
    /// Message lines, kept apart (see [`MAX_LINES`]).
    message_lines: VecDeque<Line>,
    /// Per Clerk, its latest operations, oldest first.
    ops: Vec<VecDeque<OpRecord>>,
    flights: HashMap<MessageId, Flight>,
    /// Messages that ended, by when they did.
    arrows: VecDeque<Arrow>,
    /// Lane marks, by time.
    marks: VecDeque<LaneMark>,
}

impl Journal {
    /// Reads trace records taken from the simulator since the last call, handing each new
    /// line to `each` as well (the page's subscribers get them that way).
    pub fn absorb(
        &mut self,
        trace: Vec<TraceRecord>,
        sim: &Simulator,
        mut each: impl FnMut(&Line),
    ) {
        for record in trace {
            self.note_flight(record.at, &record.event);
            self.note_op(sim, record.at, &record.event);
            if let Some(mark) = LaneMark::of(record.at, &record.event) {
                keep(&mut self.marks, mark, record.at, |m| m.at);
            }
            let line = Line { seq: self.seen, at: record.at, event: record.event };
            each(&line);
            let kept = match line.category() {
                Category::Messages => &mut self.message_lines,
                _ => &mut self.lines,
            };
            kept.push_back(line);
            if kept.len() > MAX_LINES {
                kept.pop_front();
            }
            self.seen += 1;
        }
    }

    /// How many lines of the trace it has read: the position the next one will have.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The event log, newest first: the two kept runs merged by position.
    pub fn newest_lines(&self) -> impl Iterator<Item = &Line> {
        let (mut a, mut b) =
            (self.lines.iter().rev().peekable(), self.message_lines.iter().rev().peekable());
        std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.seq > y.seq => a.next(),
            (Some(_), None) => a.next(),
            _ => b.next(),
        })
    }

    /// Clerk `client`'s latest operations (at most [`OPS_KEPT`]), oldest first.
    pub fn ops(&self, client: ClientId) -> impl Iterator<Item = &OpRecord> {
        self.ops.get(client as usize).into_iter().flatten()
    }

    /// Messages lost in the last [`DROP_MARK_LIFETIME`] before `now`, newest first, each with
    /// how far along its way it was.
    pub fn drops(&self, now: Time) -> impl Iterator<Item = (&Arrow, f64)> {
        self.arrows
            .iter()
            .rev()
            .take_while(move |a| a.end_at + DROP_MARK_LIFETIME > now)
            .filter_map(|a| Some((a, a.lost?.1)))
    }

    /// The messages that ended in the last [`DIAGRAM_KEPT`] (at most [`DIAGRAM_MAX`]), by
    /// when they did, oldest first.
    pub fn arrows(&self) -> &VecDeque<Arrow> {
        &self.arrows
    }

    /// The lane marks of the last [`DIAGRAM_KEPT`] (at most [`DIAGRAM_MAX`]), oldest first.
    pub fn marks(&self) -> &VecDeque<LaneMark> {
        &self.marks
    }

    /// Message `id`, if it ended recently.
    pub fn arrow(&self, id: MessageId) -> Option<&Arrow> {
        self.arrows.iter().rev().find(|a| a.id == id)
    }

    fn note_flight(&mut self, at: Time, event: &TraceEvent) {
        let (id, lost) = match *event {
            TraceEvent::Sent { id, from, to, kind, bytes, deliver_at } => {
                let f = Flight { from, to, kind, bytes, sent_at: at, deliver_at, held: false };
                self.flights.insert(id, f);
                return;
            }
            TraceEvent::Duplicated { id, copy } => {
                if let Some(f) = self.flights.get(&id) {
                    let f = Flight { sent_at: at, held: false, ..f.clone() };
                    self.flights.insert(copy, f);
                }
                return;
            }
            TraceEvent::Held { id } => {
                if let Some(f) = self.flights.get_mut(&id) {
                    f.held = true;
                }
                return;
            }
            TraceEvent::Released { id, deliver_at } => {
                if let Some(f) = self.flights.get_mut(&id) {
                    f.deliver_at = deliver_at;
                }
                return;
            }
            TraceEvent::Delivered { id } => (id, None),
            TraceEvent::Dropped { id, reason } => (id, Some(reason)),
            _ => return,
        };
        if let Some(f) = self.flights.remove(&id) {
            keep(&mut self.arrows, f.ended(id, at, lost), at, |a| a.end_at);
        }
    }

    fn note_op(&mut self, sim: &Simulator, at: Time, event: &TraceEvent) {
        match event {
            TraceEvent::OpInvoked { client, seq, op } => {
                let mut steps = Vec::new();
                let clerk = sim.clerk(*client).view();
                if let Some(p) = clerk.in_progress.filter(|p| p.seq == *seq && p.attempts == 1) {
                    steps.push(format!("sent to S{}", p.target));
                }
                let c = *client as usize;
                if self.ops.len() <= c {
                    self.ops.resize_with(c + 1, VecDeque::new);
                }
                let ops = &mut self.ops[c];
                if ops.len() == OPS_KEPT {
                    ops.pop_front();
                }
                ops.push_back(OpRecord {
                    seq: *seq,
                    op: op.clone(),
                    invoked_at: at,
                    steps,
                    result: None,
                });
            }
            TraceEvent::ClerkRetried { client, seq, server, reason } => {
                if let Some(r) = self.op_mut(*client, *seq) {
                    r.steps.push(format!("{}; tries S{server}", attempt_error(*reason)));
                }
            }
            TraceEvent::OpReturned { client, seq, server, index, value } => {
                if let Some(r) = self.op_mut(*client, *seq) {
                    r.result =
                        Some(OpResult { at, server: *server, index: *index, value: value.clone() });
                }
            }
            _ => {}
        }
    }

    fn op_mut(&mut self, client: ClientId, seq: Seq) -> Option<&mut OpRecord> {
        self.ops.get_mut(client as usize)?.iter_mut().rev().find(|r| r.seq == seq)
    }
}

/// A value as the page shows it: quoted, and cut to its first `max` characters (with how
/// long it is) when longer. Appends make values grow with the run; the page's work must not.
pub fn quoted(value: &str, max: usize) -> String {
    let length = value.chars().count();
    if length <= max {
        return format!("{value:?}");
    }
    let start: String = value.chars().take(max).collect();
    format!("{start:?}… ({length} characters)")
}

/// The length values are cut to in lines of text.
pub const SHOWN_VALUE: usize = 40;

/// A failed attempt, in words.
pub fn attempt_error(e: AttemptError) -> &'static str {
    match e {
        AttemptError::WrongLeader => "wrong leader",
        AttemptError::Failed => "request or reply lost",
        AttemptError::Timeout => "timed out",
    }
}

/// An endpoint's short name: `S2` or `C0`.
pub fn endpoint_name(e: Endpoint) -> String {
    match e {
        Endpoint::Server(s) => format!("S{s}"),
        Endpoint::Client(c) => format!("C{c}"),
    }
}

/// A message kind's name.
pub fn kind_name(kind: PacketKind) -> &'static str {
    use raft::MessageKind as K;
    match kind {
        PacketKind::Raft(K::RequestVote) => "RequestVote",
        PacketKind::Raft(K::RequestVoteReply) => "RequestVote reply",
        PacketKind::Raft(K::AppendEntries) => "AppendEntries",
        PacketKind::Raft(K::Heartbeat) => "heartbeat",
        PacketKind::Raft(K::AppendEntriesReply) => "AppendEntries reply",
        PacketKind::Raft(K::InstallSnapshot) => "InstallSnapshot",
        PacketKind::Raft(K::InstallSnapshotReply) => "InstallSnapshot reply",
        PacketKind::ClerkRequest => "Clerk request",
        PacketKind::ClerkReply => "Clerk reply",
    }
}

/// A role's name.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Follower => "follower",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    }
}

/// Why a message was lost, in words.
pub fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::Unreliable => "the unreliable network lost it",
        DropReason::Partitioned => "partitioned",
        DropReason::SenderCrashed => "its sender crashed",
        DropReason::ReceiverDown => "its receiver is down",
        DropReason::ByUser => "dropped by hand",
    }
}

/// A trace event in words.
fn describe(event: &TraceEvent) -> String {
    match event {
        TraceEvent::Sent { id, from, to, kind, .. } => format!(
            "{} → {}: {} sent (#{id})",
            endpoint_name(*from),
            endpoint_name(*to),
            kind_name(*kind)
        ),
        TraceEvent::Delivered { id } => format!("message #{id} delivered"),
        TraceEvent::Held { id } => format!("message #{id} held"),
        TraceEvent::Released { id, .. } => format!("message #{id} released"),
        TraceEvent::Duplicated { id, copy } => format!("message #{id} duplicated as #{copy}"),
        TraceEvent::Dropped { id, reason } => {
            format!("message #{id} lost: {}", drop_reason(*reason))
        }
        TraceEvent::RoleChanged { server, role, term } => {
            format!("S{server} is {} in term {term}", role_name(*role))
        }
        TraceEvent::Committed { server, index } => format!("S{server} commits up to index {index}"),
        TraceEvent::Applied { server, index } => format!("S{server} applied up to index {index}"),
        TraceEvent::SnapshotTaken { server, index, bytes } => {
            format!("S{server} took a snapshot up to index {index} ({bytes} bytes)")
        }
        TraceEvent::SnapshotInstalled { server, index } => {
            format!("S{server} installed a snapshot up to index {index}")
        }
        TraceEvent::Crashed { server } => format!("S{server} crashed"),
        TraceEvent::Restarted { server } => format!("S{server} restarted from its persisted state"),
        TraceEvent::TopologyChanged { groups } => {
            let groups: Vec<String> = groups
                .iter()
                .map(|g| g.iter().map(|s| format!("S{s}")).collect::<Vec<_>>().join(" "))
                .collect();
            if groups.len() == 1 {
                "network healed: everyone connected".to_string()
            } else {
                format!("network split: {}", groups.join(" | "))
            }
        }
        TraceEvent::NetworkChanged { unreliable, long_reordering } => format!(
            "network now {}{}",
            if *unreliable { "unreliable" } else { "reliable" },
            if *long_reordering { ", long reordering on" } else { "" }
        ),
        TraceEvent::OpInvoked { client, seq, op } => format!("C{client} #{seq}: {op}"),
        TraceEvent::ClerkRetried { client, seq, server, reason } => {
            format!("C{client} #{seq}: {}; tries S{server}", attempt_error(*reason))
        }
        TraceEvent::OpReturned { client, seq, server, index, value } => {
            let index = index.map_or(String::new(), |i| format!(" at index {i}"));
            format!("C{client} #{seq}: S{server} answered{index} {}", quoted(value, SHOWN_VALUE))
        }
    }
}
