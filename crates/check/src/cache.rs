//! Lowe's memoization for the search: the (linearized set, register state) pairs already
//! explored. Reaching the same pair again by another order would explore the same remaining
//! problem, which is known to fail, so the search skips it.
//!
//! Entries live in flat arrays (a chain per hash bucket, the sets' compact words in one
//! arena) to avoid an allocation per entry; they are compared exactly, so a hash collision
//! never prunes a pair that was not explored.

use std::collections::HashMap;

use crate::hash::{mix, FxBuild};
use crate::model::State;
use crate::opset::OpSet;

const END: u32 = u32::MAX;

struct Entry {
    state: State,
    /// The set's compact form: leading all-ones words, then `words[start..start + len]`.
    full: usize,
    start: usize,
    len: usize,
    /// The next entry with the same hash, or `END`.
    next: u32,
}

/// The explored (set, state) pairs.
#[derive(Default)]
pub(crate) struct Cache {
    buckets: HashMap<u64, u32, FxBuild>,
    entries: Vec<Entry>,
    words: Vec<u64>,
}

impl Cache {
    /// Records (`set`, `state`); returns false if it was already recorded.
    pub(crate) fn insert(&mut self, set: &OpSet, state: State) -> bool {
        // Bit 32 keeps a state's word apart from an operation's (both are u32 numbers), so
        // ({5}, state 0) and ({0}, state 5) do not share a bucket.
        let key = set.hash() ^ mix(u64::from(state) | 1 << 32);
        let (full, words) = set.compact();
        let head = self.buckets.get(&key).copied().unwrap_or(END);
        let mut index = head;
        while index != END {
            let entry = &self.entries[index as usize];
            if entry.state == state
                && entry.full == full
                && self.words[entry.start..entry.start + entry.len] == *words
            {
                return false;
            }
            index = entry.next;
        }
        let index = u32::try_from(self.entries.len()).expect("fewer than 2^32 cache entries");
        self.entries.push(Entry {
            state,
            full,
            start: self.words.len(),
            len: words.len(),
            next: head,
        });
        self.words.extend_from_slice(words);
        self.buckets.insert(key, index);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_pairs_exactly() {
        let mut cache = Cache::default();
        let mut set = OpSet::new(100);
        assert!(cache.insert(&set, 0));
        assert!(!cache.insert(&set, 0));
        assert!(cache.insert(&set, 1));
        set.insert(70);
        assert!(cache.insert(&set, 0));
        set.insert(3);
        set.remove(70);
        assert!(cache.insert(&set, 0));
        set.insert(70);
        set.remove(3);
        assert!(!cache.insert(&set, 0));
    }
}
