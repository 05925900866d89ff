//! A summary of the whole recorded run for the timeline: who led in which term, when servers
//! were down, the network split, unreliable or reordering, messages held back, how many
//! operations returned and how often Clerks retried, and when snapshots were installed — in a fixed number of bins over the run, so that drawing it
//! costs the same after a second or an hour (when the run outgrows them, neighbouring bins
//! merge and each covers twice the time).
//!
//! It is fed the event log's lines as the run is recorded, each once (by its position in the
//! trace): a replay of a stretch already recorded (time travel) adds nothing, and acting in
//! the past cuts it back to there, as the recording is.

use raft::{NodeId, Role, Term, Time, MILLISECOND};
use sim::{MessageId, SimView, TraceEvent};

use crate::journal::Line;

/// How many bins the run is summarised in.
pub const BINS: usize = 512;
/// The time a bin covers at first.
const FIRST_BIN: Time = 50 * MILLISECOND;

/// What happened in one bin of time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bin {
    /// The leader of the highest term, as of the bin's end (or the last one it had).
    pub leader: Option<(NodeId, Term)>,
    /// The servers down at some moment of it, one bit each.
    pub crashed: u16,
    /// Whether the network was split at some moment of it.
    pub split: bool,
    /// Whether the network was unreliable at some moment of it.
    pub unreliable: bool,
    /// Whether long reordering was on at some moment of it.
    pub reordering: bool,
    /// Whether a message was held back by hand at some moment of it.
    pub held: bool,
    /// Clerk operations that returned in it.
    pub ops: u32,
    /// Clerk attempts that failed and were tried again in it.
    pub retries: u32,
    /// Snapshots installed by InstallSnapshot in it.
    pub installs: u32,
}

impl Bin {
    /// One bin covering both, `later` after `self`.
    fn merge(self, later: Bin) -> Bin {
        Bin {
            leader: later.leader.or(self.leader),
            crashed: self.crashed | later.crashed,
            split: self.split || later.split,
            unreliable: self.unreliable || later.unreliable,
            reordering: self.reordering || later.reordering,
            held: self.held || later.held,
            ops: self.ops + later.ops,
            retries: self.retries + later.retries,
            installs: self.installs + later.installs,
        }
    }
}

/// The cluster's state that carries from one bin into the next.
#[derive(Clone, Debug, Default)]
struct Now {
    /// Per server, the term it leads in.
    leading: Vec<Option<Term>>,
    crashed: u16,
    split: bool,
    unreliable: bool,
    reordering: bool,
    /// The messages held back now: the few a visitor holds by hand, in a list (a set would
    /// add its own copy of the B-tree code to the page's wasm).
    held: Vec<MessageId>,
}

impl Now {
    fn leader(&self) -> Option<(NodeId, Term)> {
        self.leading.iter().enumerate().filter_map(|(s, t)| Some((s, (*t)?))).max_by_key(|l| l.1)
    }

    /// A bin that has seen only this state.
    fn bin(&self) -> Bin {
        Bin {
            leader: self.leader(),
            crashed: self.crashed,
            split: self.split,
            unreliable: self.unreliable,
            reordering: self.reordering,
            held: !self.held.is_empty(),
            ..Bin::default()
        }
    }

    fn lead(&mut self, server: NodeId, term: Option<Term>) {
        if self.leading.len() <= server {
            self.leading.resize(server + 1, None);
        }
        self.leading[server] = term;
    }
}

/// The run summarised in bins.
#[derive(Clone, Debug)]
pub struct Timeline {
    bin: Time,
    bins: Vec<Bin>,
    now: Now,
    /// The position in the trace of the next line not in the bins yet.
    next: usize,
    /// How many times the bins changed: the picture of them is drawn again only then.
    generation: u64,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline { bin: FIRST_BIN, bins: Vec::new(), now: Now::default(), next: 0, generation: 0 }
    }
}

fn bit(server: NodeId) -> u16 {
    1u16.checked_shl(server as u32).unwrap_or(0)
}

impl Timeline {
    /// The time each bin covers.
    pub fn bin_time(&self) -> Time {
        self.bin
    }

    /// The bins, from the run's start.
    pub fn bins(&self) -> &[Bin] {
        &self.bins
    }

    /// Changes with every change of the bins.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Adds a line of the trace, unless it is in already.
    pub fn record(&mut self, line: &Line) {
        if line.seq < self.next {
            return;
        }
        self.next = line.seq + 1;
        let i = self.reach(line.at);
        let now = &mut self.now;
        match &line.event {
            TraceEvent::RoleChanged { server, role, term } => {
                now.lead(*server, (*role == Role::Leader).then_some(*term));
            }
            TraceEvent::Crashed { server } => {
                now.lead(*server, None);
                now.crashed |= bit(*server);
            }
            TraceEvent::Restarted { server } => now.crashed &= !bit(*server),
            TraceEvent::TopologyChanged { groups } => now.split = groups.len() > 1,
            TraceEvent::NetworkChanged { unreliable, long_reordering } => {
                now.unreliable = *unreliable;
                now.reordering = *long_reordering;
            }
            TraceEvent::Held { id } => now.held.push(*id),
            // A held message is released, or lost (a crash, a partition) or delivered.
            TraceEvent::Released { id, .. }
            | TraceEvent::Dropped { id, .. }
            | TraceEvent::Delivered { id } => {
                let Some(at) = now.held.iter().position(|h| h == id) else { return };
                now.held.swap_remove(at);
            }
            TraceEvent::OpReturned { .. } => self.bins[i].ops += 1,
            TraceEvent::ClerkRetried { .. } => self.bins[i].retries += 1,
            TraceEvent::SnapshotInstalled { .. } => self.bins[i].installs += 1,
            _ => return,
        }
        let state = self.now.bin();
        let b = &mut self.bins[i];
        b.leader = state.leader.or(b.leader);
        b.crashed |= state.crashed;
        b.split |= state.split;
        b.unreliable |= state.unreliable;
        b.reordering |= state.reordering;
        b.held |= state.held;
        self.generation += 1;
    }

    /// Makes the bins reach time `at` (merging them if the run outgrew them); its bin.
    fn reach(&mut self, at: Time) -> usize {
        let before = (self.bins.len(), self.bin);
        while at / self.bin >= BINS as Time {
            self.bins = self
                .bins
                .chunks(2)
                .map(|p| p.iter().fold(Bin::default(), |a, &b| a.merge(b)))
                .collect();
            self.bin *= 2;
        }
        let i = (at / self.bin) as usize;
        while self.bins.len() <= i {
            self.bins.push(self.now.bin());
        }
        if (self.bins.len(), self.bin) != before {
            self.generation += 1;
        }
        i
    }

    /// Starts the recording afresh at `at` (a new run, or acting in the past, which drops
    /// what was recorded after it), its trace going on from line `next`: the bins after it go,
    /// and the state carried on is the cluster's there (`view`).
    pub fn cut(&mut self, at: Time, next: usize, view: &SimView) {
        let i = (at / self.bin) as usize;
        self.bins.truncate(i + 1);
        self.now = Now::default();
        for s in &view.servers {
            match &s.raft {
                Some(r) => self.now.lead(s.id, (r.role == Role::Leader).then_some(r.term)),
                None => self.now.crashed |= bit(s.id),
            }
        }
        self.now.split = view.groups.len() > 1;
        self.now.unreliable = view.network.is_unreliable();
        self.now.reordering = view.network.long_reordering;
        self.now.held = view.messages.iter().filter(|m| m.held).map(|m| m.id).collect();
        self.next = next;
        self.generation += 1;
        self.reach(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `events` (milliseconds, event) as lines numbered from `first`.
    fn feed(t: &mut Timeline, first: usize, events: Vec<(u64, TraceEvent)>) {
        for (i, (ms, event)) in events.into_iter().enumerate() {
            t.record(&Line { seq: first + i, at: ms * MILLISECOND, event });
        }
    }

    fn returned() -> TraceEvent {
        TraceEvent::OpReturned { client: 0, seq: 1, server: 0, index: None, value: String::new() }
    }

    fn leads(server: NodeId, term: Term) -> TraceEvent {
        TraceEvent::RoleChanged { server, role: Role::Leader, term }
    }

    #[test]
    fn leaders_faults_and_operations_land_in_their_bins() {
        let mut t = Timeline::default();
        feed(
            &mut t,
            0,
            vec![
                (120, leads(2, 1)),
                (230, TraceEvent::Crashed { server: 2 }),
                (240, TraceEvent::TopologyChanged { groups: vec![vec![0, 1], vec![3, 4]] }),
                (300, leads(0, 2)),
                (420, TraceEvent::Restarted { server: 2 }),
                (430, TraceEvent::TopologyChanged { groups: vec![vec![0, 1, 2, 3, 4]] }),
                (460, returned()),
            ],
        );
        let b = t.bins();
        assert_eq!(b.len(), 10);
        assert_eq!(b[0].leader, None, "before the first election");
        assert_eq!(b[2].leader, Some((2, 1)));
        assert_eq!(b[4].leader, Some((2, 1)), "the last leader the bin had");
        assert_eq!((b[4].crashed, b[4].split), (1 << 2, true));
        assert_eq!(b[5].leader, None, "between the crash and the next election");
        assert_eq!((b[6].leader, b[6].crashed), (Some((0, 2)), 1 << 2));
        assert_eq!((b[8].crashed, b[8].split), (1 << 2, true), "restarted and healed within");
        assert_eq!((b[9].crashed, b[9].split, b[9].ops), (0, false, 1));
    }

    #[test]
    fn held_messages_reordering_and_retries_land_in_their_bins() {
        let mut t = Timeline::default();
        let retried = TraceEvent::ClerkRetried {
            client: 0,
            seq: 1,
            server: 1,
            reason: kv::AttemptError::WrongLeader,
        };
        let network =
            |long_reordering| TraceEvent::NetworkChanged { unreliable: false, long_reordering };
        feed(
            &mut t,
            0,
            vec![
                (60, TraceEvent::Held { id: 7 }),
                (70, TraceEvent::Held { id: 8 }),
                (120, TraceEvent::Released { id: 7, deliver_at: 130 * MILLISECOND }),
                (160, TraceEvent::Dropped { id: 8, reason: sim::DropReason::SenderCrashed }),
                (210, network(true)),
                (260, retried.clone()),
                (270, retried),
                (310, network(false)),
                (360, returned()),
            ],
        );
        let b = t.bins();
        assert_eq!(
            b.iter().map(|b| b.held).collect::<Vec<_>>(),
            [false, true, true, true, false, false, false, false]
        );
        assert_eq!(
            b.iter().map(|b| b.reordering).collect::<Vec<_>>(),
            [false, false, false, false, true, true, true, false]
        );
        assert_eq!((b[5].retries, b[5].ops, b[7].ops), (2, 0, 1));
        let before = t.generation();
        feed(&mut t, 9, vec![(370, TraceEvent::Delivered { id: 9 })]);
        assert_eq!(t.generation(), before, "a delivery of a message not held changes nothing");
    }

    #[test]
    fn a_replayed_stretch_adds_nothing() {
        let trace = || {
            vec![
                (100, leads(1, 1)),
                (150, TraceEvent::SnapshotInstalled { server: 2, index: 9 }),
                (150, returned()),
                (150, returned()),
            ]
        };
        let mut t = Timeline::default();
        feed(&mut t, 0, trace());
        let once = t.bins().to_vec();
        feed(&mut t, 0, trace());
        assert_eq!(t.bins(), &once[..]);
        assert_eq!((once[3].installs, once[3].ops), (1, 2), "two at the same moment are two");
    }

    #[test]
    fn a_long_run_stays_in_the_bins_by_merging_them() {
        let mut t = Timeline::default();
        let hour = 3600 * 1000;
        feed(&mut t, 0, (0..hour).step_by(1000).map(|ms| (ms, returned())).collect());
        assert!(t.bins().len() <= BINS);
        assert!(t.bin_time() * BINS as Time >= hour * MILLISECOND);
        assert_eq!(t.bins().iter().map(|b| b.ops).sum::<u32>(), 3600, "merging loses no operation");
    }
}
