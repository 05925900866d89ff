//! The sequential specification of one key: a register holding a string, read by Get, replaced
//! by Put and extended by Append. A missing key reads as "", and appending to it acts like Put,
//! so "missing" and "empty" are the same state.
//!
//! Appends can make values long and the search visits many states, so a state is not a
//! `String` but a small id into a hash-consed tree of nodes: a node is either a whole value (a
//! Put, or an Append to the empty value) or "parent node + appended piece". Each node carries
//! its length and a polynomial hash of its content, which makes comparing a state with a Get's
//! output O(1) unless they match; a match is then confirmed byte by byte once and remembered.
//! Two different nodes may spell the same string (Put "ab" versus Put "a" then Append "b"); that
//! only costs the search some cache hits, never correctness.
//!
//! For pruning, the register also answers what a state can still become: Appends only extend
//! a value and only a Put replaces it, so a Get can be satisfied later only if the current value
//! or the value of a Put still to come is a prefix of its output.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::hash::{concat, poly, push_byte, FxBuild};
use crate::OpKind;

/// A register value: an index into [`Register`]'s nodes.
pub(crate) type State = u32;

/// An interned string from the history: an index into [`Register`]'s pieces.
pub(crate) type Piece = u32;

/// The empty value, which is also what a missing key reads as.
pub(crate) const EMPTY: State = 0;

/// Stands for every value that no remaining Get can read, nor any value Appends make of it,
/// when the search has established that (see `search`). Such values behave alike until the next
/// Put, so merging them lets the cache merge the configurations that differ only in them.
/// Appends leave it unchanged and no Get reads it.
pub(crate) const UNREAD: State = 1;

/// `Register::intern("")`, interned first.
const EMPTY_PIECE: Piece = 0;

/// The parent of a node that holds a whole value.
const NO_PARENT: State = State::MAX;

/// What an operation does to the register.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input {
    /// A Get that returned this piece.
    Get(Piece),
    /// Put this piece.
    Put(Piece),
    /// Append this piece.
    Append(Piece),
}

struct PieceData<'a> {
    text: &'a str,
    hash: u64,
    /// Shift factor for [`concat()`].
    pow: u64,
}

struct Node {
    parent: State,
    piece: Piece,
    len: usize,
    hash: u64,
}

/// The register model of one key, with the tables its states live in.
pub(crate) struct Register<'a> {
    pieces: Vec<PieceData<'a>>,
    piece_ids: HashMap<&'a str, Piece, FxBuild>,
    nodes: Vec<Node>,
    node_ids: HashMap<(State, Piece), State, FxBuild>,
    /// (state, Get output) pairs already confirmed equal byte by byte.
    confirmed: HashSet<(State, Piece), FxBuild>,
    /// Whether a state is a prefix of a Get output, as computed so far.
    prefixes: HashMap<(State, Piece), bool, FxBuild>,
    /// The values of the Puts, by (length, hash); and their distinct lengths.
    put_values: HashMap<(usize, u64), Vec<Piece>, FxBuild>,
    put_lengths: BTreeSet<usize>,
    /// The Put values that are prefixes of a Get output, as computed so far.
    put_prefixes: HashMap<Piece, Vec<Piece>, FxBuild>,
}

impl<'a> Register<'a> {
    /// A register whose only state so far is [`EMPTY`].
    pub(crate) fn new() -> Self {
        let mut register = Register {
            pieces: Vec::new(),
            piece_ids: HashMap::default(),
            // EMPTY and UNREAD; UNREAD's fields are never used.
            nodes: vec![
                Node { parent: NO_PARENT, piece: EMPTY_PIECE, len: 0, hash: 0 },
                Node { parent: NO_PARENT, piece: EMPTY_PIECE, len: 0, hash: 0 },
            ],
            node_ids: HashMap::default(),
            confirmed: HashSet::default(),
            prefixes: HashMap::default(),
            put_values: HashMap::default(),
            put_lengths: BTreeSet::new(),
            put_prefixes: HashMap::default(),
        };
        let empty = register.intern("");
        debug_assert_eq!(empty, EMPTY_PIECE);
        // So that Put "" leads to EMPTY.
        register.node_ids.insert((NO_PARENT, EMPTY_PIECE), EMPTY);
        register
    }

    /// What an operation of this kind does, with `text` its argument (Put/Append) or output
    /// (Get). All inputs must be made before the search starts.
    pub(crate) fn input(&mut self, kind: OpKind, text: &'a str) -> Input {
        let piece = self.intern(text);
        match kind {
            OpKind::Get => Input::Get(piece),
            OpKind::Append => Input::Append(piece),
            OpKind::Put => {
                let data = &self.pieces[piece as usize];
                let same = self.put_values.entry((text.len(), data.hash)).or_default();
                if !same.contains(&piece) {
                    same.push(piece);
                }
                self.put_lengths.insert(text.len());
                Input::Put(piece)
            }
        }
    }

    /// The id of `text`, the same for equal strings.
    fn intern(&mut self, text: &'a str) -> Piece {
        if let Some(&id) = self.piece_ids.get(text) {
            return id;
        }
        let id = Piece::try_from(self.pieces.len()).expect("fewer than 2^32 distinct strings");
        let (hash, pow) = poly(text);
        self.pieces.push(PieceData { text, hash, pow });
        self.piece_ids.insert(text, id);
        id
    }

    /// Applies `input` to `state`: the next state, or `None` if a Get's output is not `state`.
    pub(crate) fn step(&mut self, state: State, input: Input) -> Option<State> {
        match input {
            Input::Get(output) => self.reads(state, output).then_some(state),
            Input::Put(value) => Some(self.node(NO_PARENT, value)),
            Input::Append(_) if state == UNREAD => Some(UNREAD),
            Input::Append(EMPTY_PIECE) => Some(state),
            Input::Append(piece) if state == EMPTY => Some(self.node(NO_PARENT, piece)),
            Input::Append(piece) => Some(self.node(state, piece)),
        }
    }

    /// The node for `parent + piece` (or for the whole value `piece`), created on first use.
    fn node(&mut self, parent: State, piece: Piece) -> State {
        if let Some(&id) = self.node_ids.get(&(parent, piece)) {
            return id;
        }
        let data = &self.pieces[piece as usize];
        let (len, hash) = if parent == NO_PARENT {
            (data.text.len(), data.hash)
        } else {
            let base = &self.nodes[parent as usize];
            (base.len + data.text.len(), concat(base.hash, data.pow, data.hash))
        };
        // Memory runs out long before 2^32 states.
        let id = State::try_from(self.nodes.len()).expect("fewer than 2^32 register states");
        self.nodes.push(Node { parent, piece, len, hash });
        self.node_ids.insert((parent, piece), id);
        id
    }

    /// Whether `state` spells `output`.
    fn reads(&mut self, state: State, output: Piece) -> bool {
        if state == UNREAD {
            return false;
        }
        let node = &self.nodes[state as usize];
        let expected = &self.pieces[output as usize];
        if node.len != expected.text.len() || node.hash != expected.hash {
            return false;
        }
        if self.confirmed.contains(&(state, output)) {
            return true;
        }
        let equal = self.spells(state, expected.text);
        if equal {
            self.confirmed.insert((state, output));
        }
        equal
    }

    /// Compares `state`'s content with `text`, walking from the last appended piece back.
    fn spells(&self, mut state: State, text: &str) -> bool {
        let mut rest = text.as_bytes();
        loop {
            let node = &self.nodes[state as usize];
            let Some(head) = rest.strip_suffix(self.pieces[node.piece as usize].text.as_bytes())
            else {
                return false;
            };
            rest = head;
            if node.parent == NO_PARENT {
                return rest.is_empty();
            }
            state = node.parent;
        }
    }

    /// Whether Appends to `state` can make it read `output`: whether `state` is a prefix of it.
    pub(crate) fn may_grow_into(&mut self, state: State, output: Piece) -> bool {
        let text = self.pieces[output as usize].text.as_bytes();
        // Walk up to the nearest ancestor whose answer is known, then decide each node on the
        // way back down: a node is a prefix if its parent is and its own piece matches.
        if state == UNREAD {
            return false;
        }
        let mut unknown = Vec::new();
        let mut node = state;
        let mut known = loop {
            if node == EMPTY {
                break true;
            }
            let data = &self.nodes[node as usize];
            if data.len > text.len() {
                break false;
            }
            if let Some(&answer) = self.prefixes.get(&(node, output)) {
                break answer;
            }
            unknown.push(node);
            if data.parent == NO_PARENT {
                break true;
            }
            node = data.parent;
        };
        for &node in unknown.iter().rev() {
            let data = &self.nodes[node as usize];
            let piece = self.pieces[data.piece as usize].text.as_bytes();
            known = known && text[data.len - piece.len()..data.len] == *piece;
            self.prefixes.insert((node, output), known);
        }
        known
    }

    /// The Put values that are prefixes of `output`.
    pub(crate) fn put_prefixes(&mut self, output: Piece) -> &[Piece] {
        let text = self.pieces[output as usize].text;
        let Register { pieces, put_values, put_lengths, put_prefixes, .. } = self;
        put_prefixes.entry(output).or_insert_with(|| {
            let mut found = Vec::new();
            let mut hash = 0;
            let mut hashed = 0;
            for &len in put_lengths.range(..=text.len()) {
                for &byte in &text.as_bytes()[hashed..len] {
                    hash = push_byte(hash, byte);
                }
                hashed = len;
                for &value in put_values.get(&(len, hash)).into_iter().flatten() {
                    if text.starts_with(pieces[value as usize].text) {
                        found.push(value);
                    }
                }
            }
            found
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(register: &mut Register<'a>, ops: &[(char, &'a str)]) -> Vec<bool> {
        let mut state = EMPTY;
        ops.iter()
            .map(|&(kind, text)| {
                let kind = match kind {
                    'g' => OpKind::Get,
                    'p' => OpKind::Put,
                    _ => OpKind::Append,
                };
                let input = register.input(kind, text);
                match register.step(state, input) {
                    Some(next) => {
                        state = next;
                        true
                    }
                    None => false,
                }
            })
            .collect()
    }

    #[test]
    fn follows_put_append_get_semantics() {
        let mut register = Register::new();
        let ops = [
            ('g', ""),
            ('a', "ab"),
            ('g', "ab"),
            ('g', "a"),
            ('a', ""),
            ('a', "c"),
            ('g', "abc"),
            ('g', "abcabc"),
            ('p', "x"),
            ('g', "x"),
            ('g', "abc"),
            ('p', ""),
            ('g', ""),
            ('a', "a"),
            ('a', "bc"),
            ('g', "abc"),
        ];
        let expected = [
            true, true, true, false, true, true, true, false, true, true, false, true, true, true,
            true, true,
        ];
        assert_eq!(run(&mut register, &ops), expected);
    }

    #[test]
    fn equal_strings_built_differently_compare_equal() {
        let mut register = Register::new();
        let ops = [('p', "a"), ('a', "bc"), ('g', "abc"), ('p', "ab"), ('a', "c"), ('g', "abc")];
        assert!(run(&mut register, &ops).into_iter().all(|ok| ok));
        let ops = [('a', "abc"), ('g', "abc"), ('a', "d"), ('g', "abcd")];
        assert!(run(&mut register, &ops).into_iter().all(|ok| ok));
    }

    #[test]
    fn states_know_what_they_can_grow_into() {
        let mut register = Register::new();
        let Input::Put(ab) = register.input(OpKind::Put, "ab") else { unreachable!() };
        let Input::Get(abcd) = register.input(OpKind::Get, "abcd") else { unreachable!() };
        let Input::Append(c) = register.input(OpKind::Append, "c") else { unreachable!() };
        let Input::Append(x) = register.input(OpKind::Append, "x") else { unreachable!() };
        let state_ab = register.step(EMPTY, Input::Put(ab)).unwrap();
        let state_abc = register.step(state_ab, Input::Append(c)).unwrap();
        let state_abcx = register.step(state_abc, Input::Append(x)).unwrap();
        let state_abx = register.step(state_ab, Input::Append(x)).unwrap();
        let state_abcxc = register.step(state_abcx, Input::Append(c)).unwrap();
        assert!(register.may_grow_into(EMPTY, abcd));
        assert!(register.may_grow_into(state_abc, abcd));
        assert!(!register.may_grow_into(state_abcx, abcd));
        assert!(!register.may_grow_into(state_abx, abcd));
        assert!(!register.may_grow_into(state_abcxc, abcd));
        assert!(register.may_grow_into(state_ab, abcd));

        let Input::Put(a) = register.input(OpKind::Put, "a") else { unreachable!() };
        register.input(OpKind::Put, "abd");
        register.input(OpKind::Put, "abcde");
        let Input::Put(empty) = register.input(OpKind::Put, "") else { unreachable!() };
        let mut found = register.put_prefixes(abcd).to_vec();
        found.sort_unstable();
        assert_eq!(found, [EMPTY_PIECE, ab, a]);
        assert_eq!(empty, EMPTY_PIECE);
    }

    #[test]
    fn unread_absorbs_appends_until_a_put() {
        let mut register = Register::new();
        let append = register.input(OpKind::Append, "a");
        let put = register.input(OpKind::Put, "p");
        let get_empty = register.input(OpKind::Get, "");
        let get_p = register.input(OpKind::Get, "p");
        assert_eq!(register.step(UNREAD, append), Some(UNREAD));
        assert_eq!(register.step(UNREAD, get_empty), None);
        assert!(!register.may_grow_into(UNREAD, EMPTY_PIECE));
        let state = register.step(UNREAD, put).unwrap();
        assert_eq!(register.step(state, get_p), Some(state));
    }
}
