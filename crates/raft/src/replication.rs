//! Log replication and commitment (§5.3, §5.4.2), with the lab's fast log backup.

use crate::progress::ProgressState;
use crate::{AppendEntriesArgs, AppendEntriesReply, AppendResult, Message, NodeId, Raft, Role};

impl Raft {
    /// Sends every follower what it needs (entries, a snapshot, or a bare heartbeat) and
    /// restarts the heartbeat timer.
    pub(crate) fn broadcast_append(&mut self) {
        self.heartbeat_deadline = self.now + self.config.heartbeat_interval;
        for peer in self.peers().collect::<Vec<_>>() {
            self.send_append(peer);
        }
    }

    /// The leader appended entries: send them now, not at the next heartbeat, to every
    /// follower whose log is known to match. Followers still being probed get them with the
    /// answer to the probe.
    pub(crate) fn send_new_entries(&mut self) {
        for peer in self.peers().collect::<Vec<_>>() {
            if self.progress[peer].state == ProgressState::Replicate {
                self.send_append(peer);
            }
        }
        self.advance_commit();
    }

    /// Sends follower `peer` the entries from its next index, or the snapshot when those
    /// entries are gone. A follower in `Replicate` gets everything up to the end of the log in
    /// batches, and its next index moves past them so they are not sent twice.
    pub(crate) fn send_append(&mut self, peer: NodeId) {
        if self.progress[peer].next_index <= self.persistent.log.last_included_index() {
            self.send_install_snapshot(peer);
            return;
        }
        loop {
            let log = &self.persistent.log;
            let next_index = self.progress[peer].next_index;
            let prev_log_index = next_index - 1;
            let args = AppendEntriesArgs {
                term: self.persistent.current_term,
                prev_log_index,
                prev_log_term: log
                    .term_at(prev_log_index)
                    .expect("next_index is past the snapshot"),
                entries: log.entries_from(next_index, self.config.max_entries_per_append).to_vec(),
                leader_commit: self.commit_index,
            };
            let sent = args.entries.len() as u64;
            let last_index = log.last_index();
            self.send(peer, Message::AppendEntries(args));
            let progress = &mut self.progress[peer];
            if progress.state != ProgressState::Replicate || sent == 0 {
                return;
            }
            progress.next_index += sent;
            if progress.next_index > last_index {
                return;
            }
        }
    }

    pub(crate) fn handle_append_entries(&mut self, leader: NodeId, args: AppendEntriesArgs) {
        let term = self.persistent.current_term;
        if args.term < term {
            // A stale leader: it steps down on the term alone, so no hint is needed.
            let stale = AppendResult::Rejected { conflict_term: None, conflict_index: 0 };
            self.reply_append(leader, stale);
            return;
        }
        // A current-term AppendEntries comes from the one leader of this term.
        if self.role != Role::Follower || self.leader_id != Some(leader) {
            self.become_follower(term, Some(leader));
        }
        self.reset_election_timer();

        let log = &self.persistent.log;
        let match_index = args.prev_log_index + args.entries.len() as u64;
        if args.prev_log_index > log.last_index() {
            let conflict_index = log.last_index() + 1;
            self.reply_append(
                leader,
                AppendResult::Rejected { conflict_term: None, conflict_index },
            );
            return;
        }
        // Entries the snapshot already covers are committed, hence equal to the leader's.
        let skip = log.last_included_index().saturating_sub(args.prev_log_index);
        let prev_log_index = args.prev_log_index + skip;
        if skip == 0 {
            let prev_term = log.term_at(prev_log_index).expect("prev_log_index is held");
            if prev_term != args.prev_log_term {
                let conflict_index = log.first_index_of_term(prev_term, prev_log_index);
                let conflict_term = Some(prev_term);
                self.reply_append(leader, AppendResult::Rejected { conflict_term, conflict_index });
                return;
            }
        }
        let new_entries = args.entries.into_iter().skip(skip as usize);
        for (index, entry) in (prev_log_index + 1..).zip(new_entries) {
            let log = &mut self.persistent.log;
            match log.term_at(index) {
                // Already held: never truncate on a match, a stale request may be replayed.
                Some(t) if t == entry.term => continue,
                Some(_) => log.truncate_from(index),
                None => {}
            }
            log.push(entry);
            self.persist_dirty = true;
            self.note_log_written(index);
        }
        if args.leader_commit > self.commit_index {
            self.commit_to(args.leader_commit.min(match_index));
        }
        self.reply_append(leader, AppendResult::Matched { match_index });
    }

    fn reply_append(&mut self, leader: NodeId, result: AppendResult) {
        let reply = AppendEntriesReply { term: self.persistent.current_term, result };
        self.send(leader, Message::AppendEntriesReply(reply));
    }

    pub(crate) fn handle_append_entries_reply(&mut self, peer: NodeId, reply: AppendEntriesReply) {
        if self.role != Role::Leader || reply.term != self.persistent.current_term {
            return;
        }
        let log = &self.persistent.log;
        let last_index = log.last_index();
        let (conflict_term, conflict_index) = match reply.result {
            AppendResult::Matched { match_index } => {
                self.record_match(peer, match_index);
                return;
            }
            AppendResult::Rejected { conflict_term, conflict_index } => {
                (conflict_term, conflict_index)
            }
        };
        // Fast backup: skip the follower's whole conflicting term, or jump to its log's end.
        let next_index = match conflict_term {
            Some(t) => log.last_index_of_term(t).map_or(conflict_index, |i| i + 1),
            None => conflict_index,
        };
        let progress = &mut self.progress[peer];
        // A reordered, stale rejection must not move us back past what is known to match.
        progress.next_index = next_index.max(progress.match_index + 1).min(last_index + 1);
        progress.state = ProgressState::Probe;
        self.send_append(peer);
    }

    /// `peer`'s log is known to match ours up to `index`: advance its progress, try to commit,
    /// and send it whatever follows.
    pub(crate) fn record_match(&mut self, peer: NodeId, index: u64) {
        let progress = &mut self.progress[peer];
        progress.match_index = progress.match_index.max(index);
        progress.next_index = progress.next_index.max(progress.match_index + 1);
        let was_probing = progress.state == ProgressState::Probe;
        progress.state = ProgressState::Replicate;
        self.advance_commit();
        if was_probing && self.progress[peer].next_index <= self.persistent.log.last_index() {
            self.send_append(peer);
        }
    }

    /// A leader commits the highest index a majority holds, but only counting replicas for an
    /// entry of its own term (§5.4.2, the Figure 8 rule).
    pub(crate) fn advance_commit(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        // The highest index that a majority holds (the clusters are small: no sorting, no
        // allocation), once a majority holds anything past the commit index at all.
        let majority = self.majority();
        let holders = |index| self.progress.iter().filter(|p| p.match_index >= index).count();
        if holders(self.commit_index + 1) < majority {
            return;
        }
        let candidate = (self.progress.iter().map(|p| p.match_index))
            .filter(|&index| holders(index) >= majority)
            .max()
            .unwrap_or(0);
        if candidate > self.commit_index
            && self.persistent.log.term_at(candidate) == Some(self.persistent.current_term)
        {
            self.commit_to(candidate);
        }
    }
}
