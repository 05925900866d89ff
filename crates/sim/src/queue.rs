//! The simulator's agenda: events ordered by (virtual time, sequence number), so that events
//! due at the same instant run in the order they were scheduled and every run is repeatable.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use kv::ClientId;
use raft::{NodeId, Time};

use crate::MessageId;

/// Something that happens at a virtual instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message in flight reaches its receiver (or is dropped there).
    Deliver(MessageId),
    /// A server's Raft timer is due.
    Timer(NodeId),
    /// A Clerk's retry timer is due.
    ClientTimer(ClientId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Scheduled {
    at: Time,
    seq: u64,
    event: Event,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for earliest first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A priority queue of events, earliest first, ties broken by scheduling order.
#[derive(Clone, Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `at`.
    pub fn push(&mut self, at: Time, event: Event) {
        self.seq += 1;
        self.heap.push(Scheduled { at, seq: self.seq, event });
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|s| s.at)
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(Time, Event)> {
        self.heap.pop().map(|s| (s.at, s.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(20, Event::Timer(0));
        q.push(10, Event::Timer(1));
        q.push(10, Event::Deliver(7));
        q.push(10, Event::Timer(2));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (10, Event::Timer(1)),
                (10, Event::Deliver(7)),
                (10, Event::Timer(2)),
                (20, Event::Timer(0))
            ]
        );
    }
}
