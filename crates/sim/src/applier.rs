//! The service the lab's Raft tester puts above each server (`applier` and `applierSnap`):
//! it applies commands in order, remembers every command by index, and with snapshots on,
//! snapshots after every tenth index.

use raft::{ApplyMsg, Index};
use serde::{Deserialize, Serialize};

/// A command as applied: `None` for a leader's no-op.
pub type Applied = Option<Vec<u8>>;

/// The lab tester's applier for one server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applier {
    /// `log[i]` is what was applied at index `i + 1`.
    log: Vec<Applied>,
    snapshot_interval: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct SnapshotData {
    last_included_index: Index,
    log: Vec<Applied>,
}

impl Applier {
    /// An applier that snapshots every `snapshot_interval` indices, or never.
    pub fn new(snapshot_interval: Option<u64>) -> Applier {
        Applier { log: Vec::new(), snapshot_interval }
    }

    /// Highest index applied.
    pub fn last_applied(&self) -> Index {
        self.log.len() as Index
    }

    /// What was applied at `index`, if it has been.
    pub fn applied_at(&self, index: Index) -> Option<&Applied> {
        let i = usize::try_from(index.checked_sub(1)?).ok()?;
        self.log.get(i)
    }

    /// Applies one message from Raft. Returns the snapshot to hand back to Raft when one is
    /// due, or an error when Raft broke the service's contract.
    pub fn apply(&mut self, msg: &ApplyMsg) -> Result<Option<(Index, Vec<u8>)>, String> {
        match msg {
            ApplyMsg::Command { index, command, .. } => {
                if *index != self.last_applied() + 1 {
                    return Err(format!(
                        "apply out of order: expected index {}, got {index}",
                        self.last_applied() + 1
                    ));
                }
                self.log.push(command.as_ref().map(|c| c.to_vec()));
                match self.snapshot_interval {
                    Some(every) if (index + 1) % every == 0 => {
                        let data =
                            SnapshotData { last_included_index: *index, log: self.log.clone() };
                        Ok(Some((*index, postcard::to_allocvec(&data).expect("Vec encoding"))))
                    }
                    _ => Ok(None),
                }
            }
            ApplyMsg::Snapshot { index, data, .. } => {
                let snap: SnapshotData = postcard::from_bytes(data)
                    .map_err(|e| format!("snapshot at index {index} does not decode: {e}"))?;
                if snap.last_included_index != *index || snap.log.len() as Index != *index {
                    return Err(format!(
                        "snapshot handed up for index {index} covers index {}",
                        snap.last_included_index
                    ));
                }
                self.log = snap.log;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(index: Index) -> ApplyMsg {
        ApplyMsg::Command { index, term: 1, command: Some(vec![index as u8].into()) }
    }

    #[test]
    fn snapshots_every_tenth_index_and_restores() {
        let mut a = Applier::new(Some(10));
        let mut snap = None;
        for i in 1..=9 {
            snap = a.apply(&command(i)).unwrap();
        }
        let (index, data) = snap.expect("a snapshot at index 9");
        assert_eq!(index, 9);
        let mut b = Applier::new(Some(10));
        b.apply(&ApplyMsg::Snapshot { index: 9, term: 1, data }).unwrap();
        assert_eq!(b.last_applied(), 9);
        assert_eq!(b.applied_at(9), Some(&Some(vec![9])));
    }

    #[test]
    fn out_of_order_and_corrupt_snapshots_are_errors() {
        let mut a = Applier::new(None);
        assert!(a.apply(&command(2)).is_err());
        let bad = ApplyMsg::Snapshot { index: 3, term: 1, data: vec![0xff, 0xff, 0xff] };
        assert!(a.apply(&bad).is_err());
    }
}
