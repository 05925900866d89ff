//! One key's history as Wing & Gong's doubly linked list of call and return events in time
//! order. Linearizing an operation lifts its events out of the list and backtracking puts them
//! back in reverse order (dancing links), so the calls before the first remaining return are
//! exactly the operations that may be linearized next: every other remaining operation was
//! called after some unlinearized operation returned.
//!
//! Real-time order: operation A precedes B only if A returned strictly before B was called.
//! At equal times, calls sort before returns, so an operation returning at the instant another
//! is called counts as concurrent with it (the simulator can produce events at the same instant,
//! and treating them as concurrent never rejects a correct history). A pending operation has no
//! return event: it never forces anything after it.

/// The list's sentinel, before the first and after the last event.
const HEAD: u32 = 0;

/// The event after the last one.
pub(crate) const END: u32 = HEAD;

/// `Timeline::ret` of a pending operation.
const PENDING: u32 = u32::MAX;

/// What an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// This operation's call.
    Call(u32),
    /// This operation's return.
    Return(u32),
    /// The sentinel: the end of the list.
    End,
}

/// The event list of one key.
pub(crate) struct Timeline {
    next: Vec<u32>,
    prev: Vec<u32>,
    events: Vec<Event>,
    /// Per operation: its call event.
    call: Vec<u32>,
    /// Per operation: its return event, or `PENDING`.
    ret: Vec<u32>,
}

impl Timeline {
    /// The list for operations with these (call, return) times; no return may precede its call.
    pub(crate) fn new(spans: &[(u64, Option<u64>)]) -> Self {
        // (time, is return, operation): sorting puts calls first at equal times.
        let mut events: Vec<(u64, bool, u32)> = Vec::with_capacity(2 * spans.len());
        for (op, &(call, ret)) in (0..).zip(spans) {
            events.push((call, false, op));
            if let Some(ret) = ret {
                debug_assert!(call <= ret);
                events.push((ret, true, op));
            }
        }
        crate::sort::by_key(&mut events, |&(time, ret, op)| {
            (time, u64::from(ret) << 32 | u64::from(op))
        });

        let len = u32::try_from(events.len() + 1).expect("fewer than 2^32 events");
        let mut timeline = Timeline {
            next: (1..=len).map(|i| i % len).collect(),
            prev: (0..len).map(|i| (i + len - 1) % len).collect(),
            events: Vec::with_capacity(events.len() + 1),
            call: vec![HEAD; spans.len()],
            ret: vec![PENDING; spans.len()],
        };
        timeline.events.push(Event::End);
        for (event, (_, is_return, op)) in (1..).zip(events) {
            if is_return {
                timeline.ret[op as usize] = event;
                timeline.events.push(Event::Return(op));
            } else {
                timeline.call[op as usize] = event;
                timeline.events.push(Event::Call(op));
            }
        }
        timeline
    }

    /// The first event still in the list (the sentinel if it is empty).
    pub(crate) fn first(&self) -> u32 {
        self.next[HEAD as usize]
    }

    /// The event after `event`.
    pub(crate) fn after(&self, event: u32) -> u32 {
        self.next[event as usize]
    }

    /// The event after `op`'s call.
    pub(crate) fn after_call(&self, op: u32) -> u32 {
        self.after(self.call[op as usize])
    }

    /// What `event` is.
    pub(crate) fn event(&self, event: u32) -> Event {
        self.events[event as usize]
    }

    /// Takes `op`'s events out of the list.
    pub(crate) fn lift(&mut self, op: u32) {
        self.unlink(self.call[op as usize]);
        let ret = self.ret[op as usize];
        if ret != PENDING {
            self.unlink(ret);
        }
    }

    /// Puts back the events of `op`, which must be the last operation lifted and not yet put back.
    pub(crate) fn unlift(&mut self, op: u32) {
        let ret = self.ret[op as usize];
        if ret != PENDING {
            self.relink(ret);
        }
        self.relink(self.call[op as usize]);
    }

    fn unlink(&mut self, event: u32) {
        let (prev, next) = (self.prev[event as usize], self.next[event as usize]);
        self.next[prev as usize] = next;
        self.prev[next as usize] = prev;
    }

    /// Undoes `unlink(event)`: the removed event still points at its old neighbours.
    fn relink(&mut self, event: u32) {
        let (prev, next) = (self.prev[event as usize], self.next[event as usize]);
        self.next[prev as usize] = event;
        self.prev[next as usize] = event;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The operations that may be linearized next: those called before the first return.
    fn candidates(timeline: &Timeline) -> Vec<u32> {
        let mut ops = Vec::new();
        let mut event = timeline.first();
        while let Event::Call(op) = timeline.event(event) {
            ops.push(op);
            event = timeline.after(event);
        }
        ops
    }

    #[test]
    fn candidates_are_the_calls_before_the_first_return() {
        // 0: [0, 10], 1: [5, 20], 2: [10, 30] (concurrent with 0 at t = 10), 3: [11, ∞).
        let mut timeline =
            Timeline::new(&[(0, Some(10)), (5, Some(20)), (10, Some(30)), (11, None)]);
        assert_eq!(candidates(&timeline), [0, 1, 2]);
        timeline.lift(0);
        assert_eq!(candidates(&timeline), [1, 2, 3]);
        timeline.lift(3);
        timeline.lift(1);
        assert_eq!(candidates(&timeline), [2]);
        timeline.unlift(1);
        timeline.unlift(3);
        assert_eq!(candidates(&timeline), [1, 2, 3]);
        timeline.unlift(0);
        assert_eq!(candidates(&timeline), [0, 1, 2]);
    }
}
