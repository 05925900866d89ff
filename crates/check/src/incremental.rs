//! Checking a history that grows, re-checking only what changed.
//!
//! Linearizability is local, so each key is checked on its own, and each key's history is cut
//! into segments at *quiescent* operations: a returned Put, or a returned Get, that no other
//! operation of the key overlaps in real time.
//!
//! **Why cutting is sound and complete.** Let X be quiescent, leaving the value `v` (the Put's
//! argument, or what the Get read), with `ret` its return (at least its call). Every other
//! operation of the key either precedes X (`ret < X.call`) or follows it (`call > X.ret`), so
//! the key's history is "before", X, "after". In any linearization X comes after every "before"
//! operation and before every "after" one: its position is fixed, and the value there is `v`.
//! Hence a linearization of the whole history splits into one of "before" + X and one of
//! "after" starting from `v`, which is a linearization of "after" preceded by a synthetic
//! completed `Put(v)` at `call = ret = X.ret` (it precedes them all, so it comes first).
//! Conversely, given those two, their concatenation (without the synthetic Put) is legal (the
//! value at the seam is `v` on both sides) and respects real time (every "before" operation
//! and X are called no later than X.ret, before every "after" operation is called, so no "after"
//! operation precedes them). So the key is linearizable iff both parts are, and cutting again
//! inside "after" works the same way.
//!
//! **When a cut is certain.** Closed segments are never looked at again, so X is cut only once
//! nothing that can still arrive could overlap it: every operation of the key called no later
//! than X.ret has returned, before X.call (a pending operation, even a pending Get, which may
//! return later, blocks it), and every operation called later than X is called after X.ret:
//! either the next one pushed on the key, or, if X is the key's last, every future one, whose
//! call is at least the latest call pushed so far.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::{check_kv, overall, Budget, CheckResult, KeyResult, OpKind, Operation, Verdict};

/// An incremental linearizability checker, fed a history as it grows (operations called, then
/// returned) and checking it in small deterministic pieces of [`work`](Incremental::work).
///
/// Each key's history is cut into segments at quiescent operations (see the module source for
/// the argument): a closed segment, which ends at one, is checked once with [`check_kv`] and
/// its result kept; only the key's open tail segment is re-checked when it changes. So a long
/// run with frequent quiescent points costs about one [`check_kv`] of the whole history in
/// total, rather than one per returned operation.
///
/// The guarantee: whenever `check_kv(history, budget)` answers Linearizable or
/// NotLinearizable, the final [`verdict`](Incremental::verdict) (once `work` reports that all is
/// up to date) is the same, whatever the interleaving of pushes, returns and work. Unknown may
/// differ, as each segment gets its own budget.
///
/// ```
/// use check::{Budget, Incremental, OpKind, Operation, Verdict};
///
/// let op = |kind, value: &str, call| Operation {
///     client: 0,
///     kind,
///     key: "x".to_string(),
///     value: value.to_string(),
///     output: String::new(),
///     call,
///     ret: None,
/// };
/// let mut checker = Incremental::new(Budget::default());
/// let put = checker.push(op(OpKind::Put, "1", 0));
/// checker.returned(put, 10, String::new());
/// let get = checker.push(op(OpKind::Get, "", 20)); // the Put is quiescent: cut after it
/// assert!(checker.work(1_000));
/// assert_eq!(checker.verdict(), Some(Verdict::Linearizable)); // a pending Get is ignored
/// checker.returned(get, 30, String::new()); // a stale read
/// assert_eq!(checker.verdict(), None); // not checked yet
/// assert!(checker.work(1_000));
/// assert_eq!(checker.verdict(), Some(Verdict::NotLinearizable));
/// assert_eq!(checker.unplaceable().collect::<Vec<_>>(), [get]);
/// assert_eq!(checker.closed_segments(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Incremental {
    segment_budget: Budget,
    /// Everything pushed, in push order (the indices results use).
    ops: Vec<Operation>,
    /// Per operation: its key's id and its position in that key's `ops`.
    place: Vec<(usize, usize)>,
    /// Key ids by key, so that results come sorted by key.
    key_ids: BTreeMap<String, usize>,
    keys: Vec<Key>,
    /// The latest call pushed: every future call is at least this.
    latest_call: u64,
    /// Keys whose last operation would be a cut once a call later than its return is pushed:
    /// (that return, key id).
    waiting: BTreeSet<(u64, usize)>,
    /// Keys to look for cuts in, on the next `work`.
    rescan: BTreeSet<usize>,
    /// Closed segments not checked yet, (key id, segment), oldest first.
    dirty_closed: VecDeque<(usize, usize)>,
    /// Keys whose tail needs a check.
    dirty_tails: BTreeSet<usize>,
    /// Closed segments found NotLinearizable: final, whatever arrives later.
    closed_failures: usize,
    /// Closed segments found Unknown.
    closed_unknown: usize,
    closed_count: usize,
    segments_checked: u64,
    extended: u64,
    steps: u64,
}

/// One key's operations and segments.
#[derive(Clone, Debug, Default)]
struct Key {
    /// Indices of the key's operations, in push (hence call) order, pending Gets included:
    /// they may still return and overlap, so they block cuts.
    ops: Vec<usize>,
    /// Segments `start..end` of `ops`, contiguous from 0; each ends with its cut operation.
    closed: Vec<Closed>,
    /// Where the open tail starts in `ops`: the end of the last closed segment.
    tail_start: usize,
    /// The tail's latest result, if still valid for its first `covered` operations.
    tail: Option<Checked>,
    /// The lowest closed segment found NotLinearizable.
    failing: Option<usize>,
    /// The entry of this key in `Incremental::waiting`, if any.
    waiting: Option<u64>,
    steps: u64,
}

#[derive(Clone, Debug)]
struct Closed {
    start: usize,
    end: usize,
    /// `None` until checked.
    result: Option<Outcome>,
}

/// A check of the tail's first `covered` operations that nothing since has invalidated.
#[derive(Clone, Debug)]
struct Checked {
    outcome: Outcome,
    covered: usize,
    /// Linearizable only: where its order leads, to extend it without a search.
    tip: Option<Tip>,
}

/// The end of a linearizable tail's order. An operation that returns can often simply go
/// last (a Get reading the latest value, a write): then the order stays a linearization and
/// no search is needed, which saves a re-check of the tail on most returns.
#[derive(Clone, Debug)]
struct Tip {
    /// The value the order leaves.
    value: String,
    /// The latest call in the order: an operation that returned no earlier may follow it all.
    max_call: u64,
    /// The writes of the order that were pending when it was found (usually none), so that
    /// telling whether a returning write is placed already costs nothing on a long order.
    placed_pending: Vec<usize>,
}

/// A segment's result, with operations as indices of the pushed history.
#[derive(Clone, Debug)]
struct Outcome {
    verdict: Verdict,
    /// [`KeyResult::longest`] for the segment, without the synthetic Put.
    order: Vec<usize>,
    unplaceable: Vec<usize>,
}

impl Outcome {
    /// The result of an empty segment.
    fn empty() -> Self {
        Outcome { verdict: Verdict::Linearizable, order: Vec::new(), unplaceable: Vec::new() }
    }
}

/// The value a cut operation leaves: a Put's argument, or what a Get read.
fn cut_value(cut: &Operation) -> &str {
    match cut.kind {
        OpKind::Put => &cut.value,
        OpKind::Get => &cut.output,
        OpKind::Append => unreachable!("an Append is never a cut"),
    }
}

/// The return time as the crate counts it: a return before the call is at the call.
fn ret_of(op: &Operation) -> Option<u64> {
    op.ret.map(|ret| ret.max(op.call))
}

impl Incremental {
    /// An empty checker; each segment is checked with [`check_kv`] under `segment_budget`.
    pub fn new(segment_budget: Budget) -> Self {
        Incremental {
            segment_budget,
            ops: Vec::new(),
            place: Vec::new(),
            key_ids: BTreeMap::new(),
            keys: Vec::new(),
            latest_call: 0,
            waiting: BTreeSet::new(),
            rescan: BTreeSet::new(),
            dirty_closed: VecDeque::new(),
            dirty_tails: BTreeSet::new(),
            closed_failures: 0,
            closed_unknown: 0,
            closed_count: 0,
            segments_checked: 0,
            extended: 0,
            steps: 0,
        }
    }

    /// Adds an operation that was just called (its `ret` may be `None`, or already set) and
    /// returns its index: 0, 1, 2, … in push order, as in the caller's history slice.
    ///
    /// # Panics
    /// If `op.call` is earlier than a call pushed before: operations must be pushed in
    /// non-decreasing call order, as cuts rely on no earlier call arriving later.
    pub fn push(&mut self, op: Operation) -> usize {
        assert!(
            op.call >= self.latest_call,
            "operations must be pushed in call order: call {} after call {}",
            op.call,
            self.latest_call
        );
        let index = self.ops.len();
        let next_id = self.keys.len();
        let k = *self.key_ids.entry(op.key.clone()).or_insert(next_id);
        if k == next_id {
            self.keys.push(Key::default());
        }
        let key = &mut self.keys[k];
        let tail_len = key.ops.len() - key.tail_start;
        key.ops.push(index);
        self.place.push((k, key.ops.len() - 1));
        let (returned, get) = (op.ret.is_some(), op.kind == OpKind::Get);
        self.ops.push(op);
        self.advance_time(self.ops[index].call);
        // Whether the tail's result stays valid with this operation: a pending Get changes
        // nothing a check sees (it is ignored), nor does a pending write in a linearizable tail
        // (it may never take effect); a returned operation may simply go last.
        let kept = self.tail_valid(k, tail_len)
            && match (returned, &self.keys[k].tail) {
                (false, Some(checked)) => get || checked.outcome.verdict == Verdict::Linearizable,
                (false, None) => false,
                (true, _) => self.extend(k, index),
            };
        match &mut self.keys[k].tail {
            Some(checked) if kept => checked.covered += 1,
            _ => {
                self.dirty_tails.insert(k);
            }
        }
        if returned {
            self.rescan.insert(k);
        }
        index
    }

    /// Records that the pushed operation `index` returned at `ret`, with `output` (what a Get
    /// read; "" for Put/Append).
    ///
    /// # Panics
    /// If `index` was not pushed, or has returned already.
    pub fn returned(&mut self, index: usize, ret: u64, output: String) {
        let op = &mut self.ops[index];
        assert!(op.ret.is_none(), "operation {index} has returned already");
        op.ret = Some(ret);
        op.output = output;
        let (k, pos) = self.place[index];
        let key = &self.keys[k];
        // Closed segments hold returned operations only, so this one is in the tail.
        debug_assert!(pos >= key.tail_start);
        let tail_len = key.ops.len() - key.tail_start;
        if !(self.tail_valid(k, tail_len) && self.extend(k, index)) {
            let key = &mut self.keys[k];
            if key.tail.as_ref().is_some_and(|checked| pos - key.tail_start < checked.covered) {
                key.tail = None;
            }
            self.dirty_tails.insert(k);
        }
        self.rescan.insert(k);
    }

    /// Whether key `k`'s tail result covers its first `len` operations, all it has (an empty
    /// tail gets the trivial result).
    fn tail_valid(&mut self, k: usize, len: usize) -> bool {
        if self.keys[k].tail.is_none() && len == 0 {
            let outcome = Outcome::empty();
            let tip =
                Some(Tip { value: self.initial_value(k), max_call: 0, placed_pending: Vec::new() });
            self.keys[k].tail = Some(Checked { outcome, covered: 0, tip });
        }
        self.keys[k].tail.as_ref().is_some_and(|checked| checked.covered == len)
    }

    /// Tries to keep key `k`'s linearizable tail result valid with operation `index`, which
    /// has returned, by putting it last in the order (or, a write the search placed while it
    /// was pending, leaving it where it is); returns whether it could. That is sound when no
    /// operation of the order was called after it returned, and a Get reads the value the
    /// order leaves: then every operation that must precede it is in the order (all returned
    /// ones are), and none that must follow it is. Costs one step.
    fn extend(&mut self, k: usize, index: usize) -> bool {
        let op = &self.ops[index];
        let Some(ret) = ret_of(op) else { return false };
        let Some(checked) = self.keys[k].tail.as_mut() else { return false };
        let Some(tip) = checked.tip.as_mut() else { return false };
        if tip.max_call > ret {
            return false;
        }
        let order = &mut checked.outcome.order;
        match op.kind {
            OpKind::Get if op.output != tip.value => return false,
            OpKind::Get => order.push(index),
            // Its place still fits: every operation before it was called by its return.
            _ if tip.placed_pending.contains(&index) => {
                tip.placed_pending.retain(|&placed| placed != index);
            }
            OpKind::Put => {
                tip.value.clone_from(&op.value);
                order.push(index);
            }
            OpKind::Append => {
                tip.value.push_str(&op.value);
                order.push(index);
            }
        }
        tip.max_call = tip.max_call.max(op.call);
        self.keys[k].steps += 1;
        self.steps += 1;
        self.extended += 1;
        true
    }

    /// The value key `k`'s tail starts from: what its last cut leaves, or "" for the first.
    fn initial_value(&self, k: usize) -> String {
        let key = &self.keys[k];
        match key.tail_start.checked_sub(1) {
            Some(before) => cut_value(&self.ops[key.ops[before]]).to_string(),
            None => String::new(),
        }
    }

    /// The tip of a linearizable `order` of key `k`'s tail.
    fn tip(&self, k: usize, order: &[usize]) -> Tip {
        let ops = || order.iter().map(|&index| &self.ops[index]);
        // Replay from the last Put, so as not to copy a long value needlessly.
        let last_put = order.iter().rposition(|&index| self.ops[index].kind == OpKind::Put);
        let mut value = match last_put {
            Some(at) => self.ops[order[at]].value.clone(),
            None => self.initial_value(k),
        };
        for op in ops().skip(last_put.map_or(0, |at| at + 1)) {
            if op.kind == OpKind::Append {
                value.push_str(&op.value);
            }
        }
        Tip {
            value,
            max_call: ops().map(|op| op.call).max().unwrap_or(0),
            placed_pending: order.iter().copied().filter(|&i| self.ops[i].ret.is_none()).collect(),
        }
    }

    /// Notes that no call earlier than `call` can arrive any more: keys whose last operation
    /// returned before it may now be cut there.
    fn advance_time(&mut self, call: u64) {
        self.latest_call = call;
        while let Some(&(ret, k)) = self.waiting.first() {
            if ret >= call {
                break;
            }
            self.waiting.pop_first();
            self.keys[k].waiting = None;
            self.rescan.insert(k);
        }
    }

    /// Does the pending work: first finds the new cuts (linear in the tails concerned, not
    /// counted as steps), then checks the segments that need it, closed ones first, each with
    /// [`check_kv`] under the segment budget, starting a new one only while the steps used in
    /// this call are below `max_steps` (a segment's search is not interrupted, so a call may
    /// overshoot by up to one segment's budget). Returns whether everything is now up to date.
    pub fn work(&mut self, max_steps: u64) -> bool {
        while let Some(k) = self.rescan.pop_first() {
            self.cut(k);
        }
        let mut used = 0;
        while used < max_steps {
            if let Some((k, s)) = self.dirty_closed.pop_front() {
                let (start, end) = (self.keys[k].closed[s].start, self.keys[k].closed[s].end);
                let outcome = self.check_segment(k, start, end, &mut used);
                self.settle(k, s, outcome);
            } else if let Some(k) = self.dirty_tails.pop_first() {
                let key = &self.keys[k];
                let (start, end) = (key.tail_start, key.ops.len());
                let outcome = self.check_segment(k, start, end, &mut used);
                let tip =
                    (outcome.verdict == Verdict::Linearizable).then(|| self.tip(k, &outcome.order));
                self.keys[k].tail = Some(Checked { outcome, covered: end - start, tip });
            } else {
                break;
            }
        }
        self.is_up_to_date()
    }

    /// Whether every segment has been checked since it last changed (`work` has nothing left).
    pub fn is_up_to_date(&self) -> bool {
        self.rescan.is_empty() && self.dirty_closed.is_empty() && self.dirty_tails.is_empty()
    }

    /// Finds and makes the cuts now certain in key `k`'s tail.
    fn cut(&mut self, k: usize) {
        if let Some(ret) = self.keys[k].waiting.take() {
            self.waiting.remove(&(ret, k));
        }
        let key = &self.keys[k];
        let mut cuts = Vec::new();
        let mut waiting = None;
        // The latest return among the tail's operations before `pos` (since the last cut).
        let mut latest_ret: Option<u64> = None;
        for pos in key.tail_start..key.ops.len() {
            let op = &self.ops[key.ops[pos]];
            // A pending operation overlaps every later one until it returns.
            let Some(ret) = ret_of(op) else { break };
            if op.kind != OpKind::Append && latest_ret.is_none_or(|latest| latest < op.call) {
                // All before it precede it; do all after it (pushed or to come) follow it?
                match key.ops.get(pos + 1) {
                    Some(&next) if ret < self.ops[next].call => {
                        cuts.push(pos);
                        latest_ret = None;
                        continue;
                    }
                    None if ret < self.latest_call => cuts.push(pos),
                    None => waiting = Some(ret),
                    Some(_) => {}
                }
            }
            latest_ret = latest_ret.max(Some(ret));
        }
        for pos in cuts {
            self.close(k, pos);
        }
        if let Some(ret) = waiting {
            self.keys[k].waiting = Some(ret);
            self.waiting.insert((ret, k));
        }
        let key = &self.keys[k];
        let tail_len = key.ops.len() - key.tail_start;
        if tail_len == 0 || key.tail.as_ref().is_some_and(|checked| checked.covered == tail_len) {
            self.dirty_tails.remove(&k);
        } else {
            self.dirty_tails.insert(k);
        }
    }

    /// Closes key `k`'s tail up to and including position `pos`, its cut operation, reusing
    /// the tail's result where it tells the new segment's.
    fn close(&mut self, k: usize, pos: usize) {
        let key = &mut self.keys[k];
        let (start, end) = (key.tail_start, pos + 1);
        let len = end - start;
        let result = match key.tail.take() {
            // The checked operations include the new segment, and have a linearization: by
            // the cut argument, its first `len` operations are one of the segment (all of
            // which have returned, so are placed), the rest one of the new tail.
            Some(mut checked)
                if checked.covered >= len && checked.outcome.verdict == Verdict::Linearizable =>
            {
                let rest = checked.outcome.order.split_off(len);
                debug_assert_eq!(checked.outcome.order.last(), Some(&key.ops[pos]));
                key.tail = Some(Checked {
                    outcome: Outcome { order: rest, ..Outcome::empty() },
                    covered: checked.covered - len,
                    tip: checked.tip.take(),
                });
                Some(checked.outcome)
            }
            // Exactly the segment was checked (same start, same operations): same answer.
            Some(checked) if checked.covered == len => Some(checked.outcome),
            _ => None,
        };
        key.tail_start = end;
        let s = key.closed.len();
        key.closed.push(Closed { start, end, result: None });
        self.closed_count += 1;
        match result {
            Some(outcome) => self.settle(k, s, outcome),
            None => self.dirty_closed.push_back((k, s)),
        }
    }

    /// Records the result of closed segment `s` of key `k`.
    fn settle(&mut self, k: usize, s: usize, outcome: Outcome) {
        let key = &mut self.keys[k];
        match outcome.verdict {
            Verdict::NotLinearizable => {
                self.closed_failures += 1;
                key.failing = Some(key.failing.map_or(s, |failing| failing.min(s)));
            }
            Verdict::Unknown => self.closed_unknown += 1,
            Verdict::Linearizable => {}
        }
        key.closed[s].result = Some(outcome);
    }

    /// Checks positions `start..end` of key `k`'s operations, from the value the operation
    /// before them (the previous cut) leaves; adds the steps to `used` and the counters.
    fn check_segment(&mut self, k: usize, start: usize, end: usize, used: &mut u64) -> Outcome {
        let key = &self.keys[k];
        let positions = &key.ops[start..end];
        let mut history = Vec::with_capacity(positions.len() + 1);
        if let Some(&cut) = start.checked_sub(1).map(|before| &key.ops[before]) {
            let cut = &self.ops[cut];
            let value = cut_value(cut).to_string();
            // Every later operation is called after `at`, so this Put comes first.
            let at = ret_of(cut).expect("a cut has returned");
            history.push(Operation {
                client: cut.client,
                kind: OpKind::Put,
                key: cut.key.clone(),
                value,
                output: String::new(),
                call: at,
                ret: Some(at),
            });
        }
        let synthetic = history.len();
        history.extend(positions.iter().map(|&index| self.ops[index].clone()));
        let result = check_kv(&history, self.segment_budget);
        let to_history = |local: &[usize]| -> Vec<usize> {
            local.iter().filter(|&&i| i >= synthetic).map(|&i| positions[i - synthetic]).collect()
        };
        let outcome = match result.keys.first() {
            Some(part) => Outcome {
                verdict: part.verdict,
                order: to_history(&part.longest),
                unplaceable: to_history(&part.unplaceable),
            },
            None => Outcome::empty(),
        };
        self.keys[k].steps += result.steps;
        self.steps += result.steps;
        self.segments_checked += 1;
        *used += result.steps;
        outcome
    }

    /// The verdict over all keys and segments: `None` while some segment is not checked yet
    /// ("checking…"), except that a closed segment found NotLinearizable gives
    /// `NotLinearizable` at once: closed segments never change, so that verdict is final.
    /// Otherwise NotLinearizable if any segment is, else Unknown if any is, else Linearizable.
    pub fn verdict(&self) -> Option<Verdict> {
        if self.closed_failures > 0 {
            return Some(Verdict::NotLinearizable);
        }
        if !self.is_up_to_date() {
            return None;
        }
        let tails = self.keys.iter().filter_map(|key| key.tail.as_ref());
        let mut verdict = match self.closed_unknown {
            0 => Verdict::Linearizable,
            _ => Verdict::Unknown,
        };
        for checked in tails {
            match checked.outcome.verdict {
                Verdict::NotLinearizable => return Some(Verdict::NotLinearizable),
                Verdict::Unknown => verdict = Verdict::Unknown,
                Verdict::Linearizable => {}
            }
        }
        Some(verdict)
    }

    /// Key `k`'s segment outcomes in order (closed segments, then the tail if it has
    /// operations); `None` for one not checked since it changed.
    fn outcomes(&self, k: usize) -> impl Iterator<Item = Option<&Outcome>> {
        let key = &self.keys[k];
        key.closed.iter().map(|closed| closed.result.as_ref()).chain(self.tail_outcome(k))
    }

    /// Key `k`'s tail outcome as in `outcomes`: none if the tail is empty.
    fn tail_outcome(&self, k: usize) -> Option<Option<&Outcome>> {
        let key = &self.keys[k];
        let tail_len = key.ops.len() - key.tail_start;
        (tail_len > 0).then(|| {
            key.tail.as_ref().filter(|checked| checked.covered == tail_len).map(|c| &c.outcome)
        })
    }

    /// Key `k`'s failing segment, by its number in `outcomes`: its lowest closed one found
    /// NotLinearizable, else its tail if that was (and its result is still valid).
    fn failure(&self, k: usize) -> Option<(usize, &Outcome)> {
        let key = &self.keys[k];
        if let Some(s) = key.failing {
            return key.closed[s].result.as_ref().map(|outcome| (s, outcome));
        }
        let tail = self.tail_outcome(k).flatten();
        tail.filter(|outcome| outcome.verdict == Verdict::NotLinearizable)
            .map(|outcome| (key.closed.len(), outcome))
    }

    /// The result as [`check_kv`] would give it, from the segments checked so far (a segment
    /// not checked since it changed counts as Unknown). Per key, sorted by key: its verdict
    /// over its segments (NotLinearizable if any is, else Unknown if any is or is unchecked,
    /// else Linearizable), and the steps spent on it, re-checks included.
    ///
    /// `longest`: Linearizable, the segments' linearizations end to end (a linearization of the
    /// key). NotLinearizable, the failing segment's (its lowest closed one found so, else the
    /// tail) longest partial linearization, preceded by the linearizations of the segments
    /// before it if all are Linearizable (then it is a partial linearization from the start,
    /// as [`check_kv`]'s); `unplaceable` is that segment's. Unknown, the linearizations of the
    /// leading Linearizable segments, then the next segment's longest if it was checked.
    ///
    /// Linear in the history's length (for the orders); to show the failing operations every
    /// frame, [`unplaceable`](Incremental::unplaceable) is cheaper.
    pub fn result(&self) -> CheckResult {
        let keys: Vec<KeyResult> = self
            .key_ids
            .iter()
            .map(|(name, &k)| {
                let failure = self.failure(k);
                // The segments up to the failing one, or all.
                let upto = failure.map_or(usize::MAX, |(s, _)| s);
                let mut verdict = Verdict::Linearizable;
                let mut longest = Vec::new();
                for outcome in self.outcomes(k).take(upto) {
                    match outcome {
                        Some(outcome) if outcome.verdict == Verdict::Linearizable => {
                            longest.extend_from_slice(&outcome.order);
                        }
                        _ => {
                            // Past this, `longest` could not be a partial linearization.
                            if failure.is_some() {
                                longest.clear();
                            } else {
                                longest.extend(outcome.iter().flat_map(|o| &o.order));
                            }
                            verdict = Verdict::Unknown;
                            break;
                        }
                    }
                }
                let mut unplaceable = Vec::new();
                if let Some((_, outcome)) = failure {
                    verdict = Verdict::NotLinearizable;
                    longest.extend_from_slice(&outcome.order);
                    unplaceable.clone_from(&outcome.unplaceable);
                }
                KeyResult {
                    key: name.clone(),
                    verdict,
                    longest,
                    unplaceable,
                    steps: self.keys[k].steps,
                }
            })
            .collect();
        CheckResult { verdict: overall(&keys), keys, steps: self.steps }
    }

    /// The operations `result()` would report as unplaceable, over all NotLinearizable keys
    /// (sorted by key), without building the result: cheap enough for every frame.
    pub fn unplaceable(&self) -> impl Iterator<Item = usize> + '_ {
        self.key_ids
            .values()
            .filter_map(|&k| self.failure(k))
            .flat_map(|(_, failure)| failure.unplaceable.iter().copied())
    }

    /// How many operations were pushed.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The pushed history, in push order, with the returns recorded so far.
    pub fn history(&self) -> &[Operation] {
        &self.ops
    }

    /// How many segment checks (calls of [`check_kv`]) were run in total, re-checks of tails
    /// included.
    pub fn segments_checked(&self) -> u64 {
        self.segments_checked
    }

    /// How many returned operations were absorbed into a linearizable tail without a search
    /// (one step each), by going last in its linearization.
    pub fn extended(&self) -> u64 {
        self.extended
    }

    /// How many closed segments there are, over all keys.
    pub fn closed_segments(&self) -> usize {
        self.closed_count
    }

    /// Search steps spent so far, over all checks.
    pub fn steps(&self) -> u64 {
        self.steps
    }
}
