//! The Wing–Gong linearizability search with Lowe's memoization, as in porcupine, on one
//! partition.
//!
//! Depth-first: walk the candidates (the calls before the first return in the timeline); the
//! first one the model accepts, in a (set, state) configuration not explored before, is
//! linearized: pushed on the stack, lifted out of the timeline, and the walk restarts. Reaching
//! a return means no remaining candidate fits, so the last choice is undone and the walk
//! resumes after it. The search succeeds once every completed operation is linearized (pending
//! ones may be left out) and fails when it has to undo a choice and the stack is empty.
//!
//! Plain WGL takes time exponential in the number of concurrent clients, even on correct
//! histories, mostly by trying orders of concurrent writes that a later Get rules out. Three
//! sound additions, which use what Put/Append/Get mean, keep that in check. Each configuration
//! first walks its candidate Gets only (the `Reads` pass), then its Puts and Appends:
//! - A Get that reads the current state is linearized at once, with no alternative tried. That
//!   loses nothing: if the remaining operations have a linearization, moving that Get to its
//!   front gives another (everything that must precede it is already linearized, and a Get
//!   changes nothing).
//! - A Get that can never read what it returned fails the configuration at once: its output
//!   must extend the current value, or the value of a Put not yet linearized that may come
//!   before it (see `model`). The candidate Gets are checked, and the first Get after them.
//! - After a write, if no remaining Get can read the new value or what Appends make of it, the
//!   state becomes [`UNREAD`], merging the configurations that differ only in values nobody
//!   reads (typically, in the order of Appends a Put then overwrites). Only Gets called before
//!   the earliest return of a remaining Put can read it: later ones must follow that Put.
//!
//! The look-ahead of the last two is bounded by [`LOOKAHEAD`] events, past which they give up
//! (soundly: no pruning, no merging).

use crate::cache::Cache;
use crate::history::Partition;
use crate::model::{Input, Piece, State, EMPTY, UNREAD};
use crate::opset::OpSet;
use crate::timeline::{Event, Timeline, END};
use crate::Verdict;

/// How many events the search scans, past the candidates, for the next Get, and from the first
/// event for Gets that may read a new value.
const LOOKAHEAD: usize = 1024;

/// The result of searching one partition; operations are numbered as in the partition.
pub(crate) struct Outcome {
    pub(crate) verdict: Verdict,
    /// Linearizable: a linearization of every completed operation (and the pending ones it
    /// places). Otherwise: the longest partial linearization found.
    pub(crate) order: Vec<u32>,
    /// NotLinearizable: operations that cannot come next after `order`.
    pub(crate) unplaceable: Vec<u32>,
    pub(crate) steps: u64,
}

/// Searches `part` for a linearization within `max_steps` steps (one per event visited in a walk
/// of the candidates, with the look-ahead it triggers, and one per backtrack).
pub(crate) fn search(part: &mut Partition<'_>, max_steps: u64) -> Outcome {
    let mut search = Search::new(part);
    let mut steps = 0;
    let mut event = search.timeline.first();
    let mut pass = Pass::Reads;
    while search.placed < search.part.completed {
        if steps == max_steps {
            return Outcome {
                verdict: Verdict::Unknown,
                order: search.longest.ops,
                unplaceable: Vec::new(),
                steps,
            };
        }
        steps += 1;
        match (search.timeline.event(event), pass) {
            (Event::Call(op), Pass::Reads) => {
                let input = search.part.inputs[op as usize];
                let Input::Get(output) = input else {
                    event = search.timeline.after(event);
                    continue;
                };
                if search.part.register.step(search.state, input).is_some() {
                    if search.push(op, search.state, true) {
                        event = search.timeline.first();
                    } else {
                        // Explored before and failed: so does this configuration.
                        (event, pass) = (END, Pass::Writes);
                    }
                } else if search.can_read_later(op, output) {
                    event = search.timeline.after(event);
                } else {
                    (event, pass) = (END, Pass::Writes);
                }
            }
            (Event::Call(op), Pass::Writes) => {
                let input = search.part.inputs[op as usize];
                let next = match input {
                    Input::Get(_) => None,
                    Input::Put(_) | Input::Append(_) => {
                        search.part.register.step(search.state, input)
                    }
                };
                let pushed = next.is_some_and(|next| {
                    let next = search.canonical(next, op);
                    search.push(op, next, false)
                });
                if pushed {
                    (event, pass) = (search.timeline.first(), Pass::Reads);
                } else {
                    event = search.timeline.after(event);
                }
            }
            (_, Pass::Reads) => {
                // The end of the candidate Gets; now the writes, unless a Get just past the
                // candidates rules this configuration out.
                pass = Pass::Writes;
                event = match search.dead_get_from(event) {
                    Some(_) => END,
                    None => search.timeline.first(),
                };
            }
            (_, Pass::Writes) => {
                // No candidate fits in this configuration: undo the choice that led here.
                if search.longest.is(&search.stack) {
                    search.unplaceable = search.stuck();
                }
                let Some(undone) = search.pop() else {
                    return Outcome {
                        verdict: Verdict::NotLinearizable,
                        order: search.longest.ops,
                        unplaceable: search.unplaceable,
                        steps,
                    };
                };
                // Resume the walk of the configuration we are back in, unless it failed too.
                event = if undone.forced { END } else { search.timeline.after_call(undone.op) };
            }
        }
    }
    Outcome {
        verdict: Verdict::Linearizable,
        order: search.stack.into_iter().map(|placed| placed.op).collect(),
        unplaceable: Vec::new(),
        steps,
    }
}

/// Which candidates the walk of the current configuration is looking at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Gets only, each either linearized at once, skipped, or failing the configuration.
    Reads,
    /// Puts and Appends, each tried in turn.
    Writes,
}

/// A linearized operation on the search stack.
struct Placed {
    op: u32,
    /// The state before it.
    before: State,
    /// A Get linearized by the `Reads` pass: undoing it fails its configuration too.
    forced: bool,
}

/// The search's current configuration and what it has learnt.
struct Search<'p, 'a> {
    part: &'p mut Partition<'a>,
    timeline: Timeline,
    linearized: OpSet,
    cache: Cache,
    stack: Vec<Placed>,
    state: State,
    /// How many completed operations are on the stack.
    placed: usize,
    longest: Longest,
    /// `stuck()` in the configuration `longest` leads to, once it has failed.
    unplaceable: Vec<u32>,
}

impl<'p, 'a> Search<'p, 'a> {
    fn new(part: &'p mut Partition<'a>) -> Self {
        Search {
            timeline: Timeline::new(&part.spans),
            linearized: OpSet::new(part.inputs.len()),
            part,
            cache: Cache::default(),
            stack: Vec::new(),
            state: EMPTY,
            placed: 0,
            longest: Longest::default(),
            unplaceable: Vec::new(),
        }
    }

    /// Linearizes `op`, leading to state `next`, unless that configuration was explored
    /// before; returns whether it did.
    fn push(&mut self, op: u32, next: State, forced: bool) -> bool {
        self.linearized.insert(op);
        if !self.cache.insert(&self.linearized, next) {
            self.linearized.remove(op);
            return false;
        }
        self.stack.push(Placed { op, before: self.state, forced });
        self.state = next;
        self.timeline.lift(op);
        if self.part.spans[op as usize].1.is_some() {
            self.placed += 1;
        }
        self.longest.grew(&self.stack);
        true
    }

    /// Undoes the last `push`, if any.
    fn pop(&mut self) -> Option<Placed> {
        let undone = self.stack.pop()?;
        self.longest.shrank(self.stack.len());
        self.state = undone.before;
        self.linearized.remove(undone.op);
        self.timeline.unlift(undone.op);
        if self.part.spans[undone.op as usize].1.is_some() {
            self.placed -= 1;
        }
        Some(undone)
    }

    /// Whether the Get `get`, which returned `output`, may still be linearized later: its
    /// output extends the current state, or the value of a Put that is not linearized yet and
    /// need not follow the Get.
    fn can_read_later(&mut self, get: u32, output: Piece) -> bool {
        let part = &mut *self.part;
        if part.register.may_grow_into(self.state, output) {
            return true;
        }
        // Pending Gets are not searched, so `get` has returned.
        let Some(ret) = part.spans[get as usize].1 else {
            return true;
        };
        part.register.put_prefixes(output).iter().any(|value| {
            let puts = &part.puts[value];
            let eligible = puts.partition_point(|&put| part.spans[put as usize].0 <= ret);
            // The latest are the likeliest not to be linearized yet.
            puts[..eligible].iter().rev().any(|&put| !self.linearized.contains(put))
        })
    }

    /// The first Get called at or after `event` (within `LOOKAHEAD` events), if it can no
    /// longer be linearized.
    fn dead_get_from(&mut self, mut event: u32) -> Option<u32> {
        for _ in 0..LOOKAHEAD {
            match self.timeline.event(event) {
                Event::End => return None,
                Event::Call(op) => {
                    if let Input::Get(output) = self.part.inputs[op as usize] {
                        return (!self.can_read_later(op, output)).then_some(op);
                    }
                }
                Event::Return(_) => {}
            }
            event = self.timeline.after(event);
        }
        None
    }

    /// `next`, the state after the write `op` (not yet linearized), or [`UNREAD`] if no
    /// remaining Get can read it or what Appends make of it.
    fn canonical(&mut self, next: State, op: u32) -> State {
        if next == EMPTY || next == UNREAD {
            return next;
        }
        let mut event = self.timeline.first();
        for _ in 0..LOOKAHEAD {
            match self.timeline.event(event) {
                Event::End => return UNREAD,
                // Gets called after a remaining Put returned must follow it.
                Event::Return(put)
                    if put != op && matches!(self.part.inputs[put as usize], Input::Put(_)) =>
                {
                    return UNREAD;
                }
                Event::Call(get) => {
                    if let Input::Get(output) = self.part.inputs[get as usize] {
                        if self.part.register.may_grow_into(next, output) {
                            return next;
                        }
                    }
                }
                Event::Return(_) => {}
            }
            event = self.timeline.after(event);
        }
        next
    }

    /// The operations that cannot come next in the current configuration, which has failed:
    /// the candidates the model rejects, and the Get just past them if it can no longer be
    /// linearized. In the configuration of the longest partial linearization this is never
    /// empty: accepting a candidate or forcing a Get would have led deeper (or to a
    /// configuration cached, hence explored, at that depth), so the search failed it on a Get.
    fn stuck(&mut self) -> Vec<u32> {
        let mut ops = Vec::new();
        let mut event = self.timeline.first();
        while let Event::Call(op) = self.timeline.event(event) {
            if self.part.register.step(self.state, self.part.inputs[op as usize]).is_none() {
                ops.push(op);
            }
            event = self.timeline.after(event);
        }
        ops.extend(self.dead_get_from(event));
        ops
    }
}

/// The deepest stack seen so far. Copying the whole stack at each new depth would be quadratic,
/// so only the part that changed since the last copy is copied: each push is copied at most once.
#[derive(Default)]
struct Longest {
    ops: Vec<u32>,
    /// How many leading operations of `ops` are still the bottom of the stack.
    shared: usize,
}

impl Longest {
    /// Called after each push.
    fn grew(&mut self, stack: &[Placed]) {
        if stack.len() > self.ops.len() {
            self.ops.truncate(self.shared);
            self.ops.extend(stack[self.shared..].iter().map(|placed| placed.op));
            self.shared = stack.len();
        }
    }

    /// Called after each pop, with the new stack length.
    fn shrank(&mut self, len: usize) {
        self.shared = self.shared.min(len);
    }

    /// Whether `stack` is the longest.
    fn is(&self, stack: &[Placed]) -> bool {
        self.shared == stack.len() && stack.len() == self.ops.len()
    }
}
