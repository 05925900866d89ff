//! The set of linearized operations, as a bitset that also keeps an order-independent hash
//! (XOR of one mixed word per member, updated in O(1)) and its compact form for the cache.
//!
//! Operations are numbered in call order and the search linearizes them roughly in that order,
//! so a set is nearly always "every operation below some index, plus a few just above it". The
//! compact form stores only the words between the leading all-ones words and the trailing zero
//! words, which keeps cache entries a word or two long even for 100k-operation histories.

use crate::hash::mix;

/// A set of operation numbers below a fixed bound.
pub(crate) struct OpSet {
    words: Vec<u64>,
    hash: u64,
    /// Index of the first word that is not all ones.
    lo: usize,
    /// One past the index of the last non-zero word (`lo <= hi`).
    hi: usize,
}

impl OpSet {
    /// The empty set of operations numbered below `len`.
    pub(crate) fn new(len: usize) -> Self {
        OpSet { words: vec![0; len.div_ceil(64)], hash: 0, lo: 0, hi: 0 }
    }

    /// Adds `op`, which must be absent.
    pub(crate) fn insert(&mut self, op: u32) {
        let (word, bit) = (op as usize / 64, 1 << (op % 64));
        debug_assert_eq!(self.words[word] & bit, 0);
        self.words[word] |= bit;
        self.hash ^= mix(u64::from(op));
        self.hi = self.hi.max(word + 1);
        while self.lo < self.words.len() && self.words[self.lo] == u64::MAX {
            self.lo += 1;
        }
    }

    /// Removes `op`, which must be present.
    pub(crate) fn remove(&mut self, op: u32) {
        let (word, bit) = (op as usize / 64, 1 << (op % 64));
        debug_assert_ne!(self.words[word] & bit, 0);
        self.words[word] &= !bit;
        self.hash ^= mix(u64::from(op));
        self.lo = self.lo.min(word);
        while self.hi > self.lo && self.words[self.hi - 1] == 0 {
            self.hi -= 1;
        }
    }

    /// Whether `op` is a member.
    pub(crate) fn contains(&self, op: u32) -> bool {
        self.words[op as usize / 64] & 1 << (op % 64) != 0
    }

    /// A hash of the members, independent of the order they were added in.
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// The compact form: the number of leading all-ones words, and the words after them up to
    /// the last non-zero one. Equal sets of the same bound have equal compact forms.
    pub(crate) fn compact(&self) -> (usize, &[u64]) {
        (self.lo, &self.words[self.lo..self.hi])
    }
}

#[cfg(test)]
mod tests {
    use std::hint::black_box;

    use super::*;

    #[test]
    fn compact_form_depends_only_on_the_members() {
        // `black_box` hides the trip counts: with them known, rustc 1.95 (LLVM 22) crashes in
        // full loop unrolling when compiling this test at opt-level 3.
        let n = black_box(70);
        let mut a = OpSet::new(200);
        let mut b = OpSet::new(200);
        for op in 0..n {
            a.insert(op);
        }
        a.insert(150);
        for op in (0..n).rev() {
            b.insert(op);
        }
        b.insert(130);
        b.insert(150);
        b.remove(130);
        assert_eq!(a.compact(), b.compact());
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.compact(), (1, &[(1 << 6) - 1, 1 << 22][..]));
        assert!(a.contains(69) && !a.contains(70) && a.contains(150));

        for op in 0..n {
            a.remove(op);
        }
        a.remove(150);
        assert_eq!(a.compact(), (0, &[][..]));
        assert_eq!(a.hash(), 0);
    }
}
