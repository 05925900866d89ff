//! Raft's safety properties (Figure 3 of the paper), checked after every simulated event.

use std::fmt;
use std::hash::{Hash, Hasher};

use raft::{ApplyMsg, Entry, Index, Log, NodeId, Term};
use rustc_hash::{FxHashMap as HashMap, FxHasher};
use serde::{Deserialize, Serialize};

/// A safety property that failed, with what showed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broken {
    /// Which property: "election safety", "log matching", "leader completeness",
    /// "committed entries never change", "state machine safety".
    pub invariant: String,
    /// What was seen.
    pub detail: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} violated: {}", self.invariant, self.detail)
    }
}

fn broken(invariant: &str, detail: String) -> Result<(), Broken> {
    Err(Broken { invariant: invariant.to_string(), detail })
}

fn fingerprint(command: Option<&[u8]>) -> u64 {
    let mut h = FxHasher::default();
    command.hash(&mut h);
    h.finish()
}

/// What the checker has seen across all servers so far. Each check looks only at what an
/// event changed, so checking every event stays cheap.
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    /// The leader of each term that had one.
    leaders: HashMap<Term, NodeId>,
    /// Every (index, term) ever written to any log, with its command's fingerprint and the
    /// term of the entry before it. If two logs agree on these for every entry they hold, the
    /// Log Matching property holds by induction.
    entries: HashMap<(Index, Term), (u64, Term)>,
    /// Term and fingerprint of every committed index, from index 1.
    committed: Vec<(Term, u64)>,
    /// Fingerprint of the command applied at every index, from index 1.
    applied: Vec<u64>,
    /// Fingerprint of a KvServer's map and session table after applying each index.
    kv_states: HashMap<Index, u64>,
}

impl Invariants {
    /// Election safety (at most one leader per term) and leader completeness (a new leader
    /// holds every committed entry).
    pub fn leader_elected(&mut self, server: NodeId, term: Term, log: &Log) -> Result<(), Broken> {
        if let Some(&other) = self.leaders.get(&term) {
            if other != server {
                return broken(
                    "election safety",
                    format!("servers {other} and {server} both lead term {term}"),
                );
            }
        }
        self.leaders.insert(term, server);
        let committed = self.committed.len() as Index;
        if committed > log.last_index() {
            return broken(
                "leader completeness",
                format!(
                    "server {server} leads term {term} with a log ending at {} but index {committed} is committed",
                    log.last_index()
                ),
            );
        }
        for index in log.first_index()..=committed {
            let (term_committed, _) = self.committed[index as usize - 1];
            if log.term_at(index) != Some(term_committed) {
                return broken(
                    "leader completeness",
                    format!(
                        "server {server} leads term {term} without the committed entry {index} (term {term_committed})"
                    ),
                );
            }
        }
        Ok(())
    }

    /// Log matching for entries a server just wrote at `from..`; and the entries it had
    /// already committed are still there, unchanged.
    pub fn log_written(
        &mut self,
        server: NodeId,
        log: &Log,
        from: Index,
        commit_before: Index,
    ) -> Result<(), Broken> {
        if log.last_index() < commit_before {
            return broken(
                "committed entries never change",
                format!(
                    "server {server}'s log ends at {} after it committed up to {commit_before}",
                    log.last_index()
                ),
            );
        }
        for index in from.max(log.first_index())..=log.last_index() {
            let Entry { term, command } = log.entry(index).expect("held");
            let fingerprint = fingerprint(command.as_deref());
            if index <= commit_before && self.committed[index as usize - 1] != (*term, fingerprint)
            {
                return broken(
                    "committed entries never change",
                    format!("server {server} overwrote its committed entry {index}"),
                );
            }
            let prev_term = log.term_at(index - 1).expect("previous entry or snapshot");
            let seen = (fingerprint, prev_term);
            match self.entries.get(&(index, *term)) {
                Some(&first) if first != seen => {
                    return broken(
                        "log matching",
                        format!(
                            "server {server} holds a different entry {index} of term {term} than another server did"
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.entries.insert((index, *term), seen);
                }
            }
        }
        Ok(())
    }

    /// A server committed the entries it now hands to its service (`apply`, in log order):
    /// each must be the entry every other server committed at its index.
    pub fn committed(&mut self, server: NodeId, apply: &[ApplyMsg]) -> Result<(), Broken> {
        for msg in apply {
            let ApplyMsg::Command { index, term, command } = msg else { continue };
            let (index, seen) = (*index, (*term, fingerprint(command.as_deref())));
            let known = self.committed.len() as Index;
            if index <= known {
                let (term, _) = self.committed[index as usize - 1];
                if self.committed[index as usize - 1] != seen {
                    return broken(
                        "committed entries never change",
                        format!(
                            "server {server} committed entry {index} of term {} where term {term}'s entry was committed",
                            seen.0
                        ),
                    );
                }
            } else if index == known + 1 {
                self.committed.push(seen);
            } else {
                return broken(
                    "committed entries never change",
                    format!("server {server} committed index {index} before index {}", known + 1),
                );
            }
        }
        Ok(())
    }

    /// State machine safety: every server applies the same command at each index.
    pub fn applied(
        &mut self,
        server: NodeId,
        index: Index,
        command: Option<&[u8]>,
    ) -> Result<(), Broken> {
        let seen = fingerprint(command);
        let known = self.applied.len() as Index;
        if index <= known {
            if self.applied[index as usize - 1] != seen {
                return broken(
                    "state machine safety",
                    format!("server {server} applied a different command at index {index}"),
                );
            }
        } else if index == known + 1 {
            self.applied.push(seen);
        } else {
            return broken(
                "state machine safety",
                format!(
                    "server {server} applied index {index} before anyone applied {}",
                    known + 1
                ),
            );
        }
        Ok(())
    }

    /// Replicas that have applied the same prefix of the log hold equal key/value maps and
    /// session tables.
    pub fn kv_state(&mut self, server: NodeId, applied: Index, digest: u64) -> Result<(), Broken> {
        match self.kv_states.get(&applied) {
            Some(&first) if first != digest => broken(
                "replicas agree",
                format!("server {server}'s map or session table after index {applied} differs from another server's"),
            ),
            Some(_) => Ok(()),
            None => {
                self.kv_states.insert(applied, digest);
                Ok(())
            }
        }
    }

    /// Roughly how many bytes these tables hold (they grow with the run's log).
    pub fn approx_bytes(&self) -> usize {
        self.leaders.len() * 24
            + self.entries.len() * 48
            + (self.committed.len() + self.applied.len()) * 16
            + self.kv_states.len() * 24
    }

    /// Highest index known to be committed anywhere.
    pub fn commit_index(&self) -> Index {
        self.committed.len() as Index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(entries: &[(Term, u8)]) -> Log {
        let mut log = Log::default();
        for &(term, c) in entries {
            log.push(Entry { term, command: Some(vec![c].into()) });
        }
        log
    }

    /// What a server hands its service when it commits `entries` from index 1.
    fn applies(entries: &[(Term, u8)]) -> Vec<ApplyMsg> {
        let command = |&(term, c): &(Term, u8)| (term, Some(vec![c].into()));
        (1..)
            .zip(entries.iter().map(command))
            .map(|(index, (term, command))| ApplyMsg::Command { index, term, command })
            .collect()
    }

    #[test]
    fn two_leaders_in_one_term_are_caught() {
        let mut inv = Invariants::default();
        inv.leader_elected(0, 3, &Log::default()).unwrap();
        inv.leader_elected(0, 3, &Log::default()).unwrap();
        assert_eq!(
            inv.leader_elected(1, 3, &Log::default()).unwrap_err().invariant,
            "election safety"
        );
    }

    #[test]
    fn different_entries_with_the_same_index_and_term_are_caught() {
        let mut inv = Invariants::default();
        inv.log_written(0, &log(&[(1, 1), (1, 2)]), 1, 0).unwrap();
        inv.log_written(1, &log(&[(1, 1), (1, 2)]), 1, 0).unwrap();
        let err = inv.log_written(2, &log(&[(1, 1), (1, 9)]), 2, 0).unwrap_err();
        assert_eq!(err.invariant, "log matching");
    }

    #[test]
    fn changed_committed_entries_and_incomplete_leaders_are_caught() {
        let mut inv = Invariants::default();
        inv.committed(0, &applies(&[(1, 1), (1, 2)])).unwrap();
        let err = inv.committed(1, &applies(&[(1, 1), (2, 5)])).unwrap_err();
        assert_eq!(err.invariant, "committed entries never change");
        let skipped = &applies(&[(1, 1), (1, 2), (1, 3), (1, 4)])[3..];
        let err = inv.committed(1, skipped).unwrap_err();
        assert_eq!(err.invariant, "committed entries never change");
        let err = inv.leader_elected(2, 3, &log(&[(1, 1)])).unwrap_err();
        assert_eq!(err.invariant, "leader completeness");
        let err = inv.log_written(0, &log(&[(1, 1), (3, 3)]), 2, 2).unwrap_err();
        assert_eq!(err.invariant, "committed entries never change");
    }

    #[test]
    fn different_applied_commands_are_caught() {
        let mut inv = Invariants::default();
        inv.applied(0, 1, Some(&[1][..])).unwrap();
        inv.applied(1, 1, Some(&[1][..])).unwrap();
        assert!(inv.applied(2, 1, Some(&[2][..])).is_err());
        assert!(inv.applied(2, 3, None).is_err());
    }
}
