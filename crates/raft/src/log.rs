use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{Index, Term};

/// One entry of the replicated log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The term in which a leader created the entry.
    pub term: Term,
    /// The service's command, or `None` for the no-op a new leader appends. Shared, not
    /// copied, between the log, the messages that carry it and the service that applies it.
    pub command: Option<Bytes>,
}

/// The log that remains after the last snapshot: entries `first_index()..=last_index()`, plus
/// the index and term of the last entry the snapshot replaced (§7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    last_included_index: Index,
    last_included_term: Term,
    /// `entries[0]` has index `last_included_index + 1`.
    entries: Vec<Entry>,
}

impl Log {
    /// Index of the last entry covered by the snapshot (0 without a snapshot).
    pub fn last_included_index(&self) -> Index {
        self.last_included_index
    }

    /// Term of the last entry covered by the snapshot (0 without a snapshot).
    pub fn last_included_term(&self) -> Term {
        self.last_included_term
    }

    /// Index of the first entry still held.
    pub fn first_index(&self) -> Index {
        self.last_included_index + 1
    }

    /// Index of the last entry, counting the snapshot.
    pub fn last_index(&self) -> Index {
        self.last_included_index + self.entries.len() as Index
    }

    /// Term of the last entry, counting the snapshot.
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.last_included_term, |e| e.term)
    }

    /// The entries still held, from `first_index()`.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Term of the entry at `index`; known for held entries and for `last_included_index`.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.last_included_index {
            Some(self.last_included_term)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }

    /// The entry at `index`, if it is held.
    pub fn entry(&self, index: Index) -> Option<&Entry> {
        let offset = index.checked_sub(self.first_index())?;
        self.entries.get(usize::try_from(offset).ok()?)
    }

    /// Up to `max` entries from `index` on (which must be held or be `last_index() + 1`).
    pub fn entries_from(&self, index: Index, max: usize) -> &[Entry] {
        let start = (index - self.first_index()) as usize;
        let end = self.entries.len().min(start.saturating_add(max));
        &self.entries[start..end]
    }

    /// Appends one entry at `last_index() + 1`.
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Removes the entries from `index` on.
    pub fn truncate_from(&mut self, index: Index) {
        let keep = index.saturating_sub(self.first_index()) as usize;
        self.entries.truncate(keep);
    }

    /// The first held index whose entry has `term`, searching back from `index` (fast backup).
    pub fn first_index_of_term(&self, term: Term, index: Index) -> Index {
        let mut first = index;
        while first > self.first_index() && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// The last held index whose entry has `term`, if there is one.
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        let pos = self.entries.iter().rposition(|e| e.term == term)?;
        Some(self.first_index() + pos as Index)
    }

    /// Discards the entries up to and including `index`, which a snapshot now covers. Entries
    /// after it are kept only if the log agrees with the snapshot about the entry at `index`.
    pub fn compact(&mut self, index: Index, term: Term) {
        if self.term_at(index) == Some(term) && index <= self.last_index() {
            let drop = (index - self.last_included_index) as usize;
            self.entries.drain(..drop);
        } else {
            self.entries.clear();
        }
        self.last_included_index = index;
        self.last_included_term = term;
    }

    /// Checks the shape of a decoded log.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let mut term = self.last_included_term;
        for e in &self.entries {
            if e.term < term {
                return Err("log terms decrease");
            }
            term = e.term;
        }
        if term == Term::MAX {
            return Err("term out of range");
        }
        self.last_included_index
            .checked_add(self.entries.len() as Index + 1)
            .map(|_| ())
            .ok_or("log index out of range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with_terms(terms: &[Term]) -> Log {
        let mut log = Log::default();
        for &term in terms {
            log.push(Entry { term, command: Some(vec![term as u8].into()) });
        }
        log
    }

    #[test]
    fn indices_and_terms_follow_the_snapshot_offset() {
        let mut log = log_with_terms(&[1, 1, 2, 3, 3]);
        assert_eq!((log.first_index(), log.last_index(), log.last_term()), (1, 5, 3));
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.term_at(6), None);
        log.compact(3, 2);
        assert_eq!((log.first_index(), log.last_index()), (4, 5));
        assert_eq!(log.term_at(3), Some(2));
        assert_eq!(log.term_at(2), None);
        assert_eq!(log.entries_from(4, 1).len(), 1);
        assert_eq!(log.entries_from(6, 10).len(), 0);
    }

    #[test]
    fn compact_past_a_disagreeing_entry_discards_the_whole_log() {
        let mut log = log_with_terms(&[1, 1, 2]);
        log.compact(2, 5);
        assert_eq!(log.entries().len(), 0);
        assert_eq!((log.last_index(), log.last_term()), (2, 5));
        let mut log = log_with_terms(&[1]);
        log.compact(7, 4);
        assert_eq!((log.first_index(), log.last_index()), (8, 7));
    }

    #[test]
    fn term_boundaries_for_fast_backup() {
        let log = log_with_terms(&[1, 2, 2, 2, 4]);
        assert_eq!(log.first_index_of_term(2, 4), 2);
        assert_eq!(log.last_index_of_term(2), Some(4));
        assert_eq!(log.last_index_of_term(3), None);
        let mut log2 = log.clone();
        log2.truncate_from(3);
        assert_eq!(log2.last_index(), 2);
    }
}
