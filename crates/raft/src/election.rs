//! Leader election (§5.2, §5.4.1).

use crate::progress::{Progress, ProgressState};
use crate::{Message, NodeId, Raft, RequestVoteArgs, RequestVoteReply, Role};

impl Raft {
    /// The election timer fired: become a candidate in a new term, vote for itself and ask
    /// every peer for its vote.
    pub(crate) fn start_election(&mut self) {
        self.role = Role::Candidate;
        self.persistent.current_term += 1;
        self.persistent.voted_for = Some(self.id);
        self.persist_dirty = true;
        self.leader_id = None;
        self.votes = vec![false; self.servers];
        self.votes[self.id] = true;
        self.reset_election_timer();
        if self.servers == 1 {
            self.become_leader();
            return;
        }
        let args = RequestVoteArgs {
            term: self.persistent.current_term,
            last_log_index: self.persistent.log.last_index(),
            last_log_term: self.persistent.log.last_term(),
        };
        for peer in self.peers().collect::<Vec<_>>() {
            self.send(peer, Message::RequestVote(args.clone()));
        }
    }

    pub(crate) fn handle_request_vote(&mut self, candidate: NodeId, args: RequestVoteArgs) {
        let state = &self.persistent;
        // §5.4.1: vote only for a candidate whose log is at least as up to date as ours.
        let up_to_date = (args.last_log_term, args.last_log_index)
            >= (state.log.last_term(), state.log.last_index());
        let vote_granted = args.term == state.current_term
            && state.voted_for.is_none_or(|v| v == candidate)
            && up_to_date;
        if vote_granted {
            self.persistent.voted_for = Some(candidate);
            self.persist_dirty = true;
            // Granting a vote defers our own candidacy (Figure 2, followers).
            self.reset_election_timer();
        }
        let reply = RequestVoteReply { term: self.persistent.current_term, vote_granted };
        self.send(candidate, Message::RequestVoteReply(reply));
    }

    pub(crate) fn handle_request_vote_reply(&mut self, voter: NodeId, reply: RequestVoteReply) {
        if self.role != Role::Candidate
            || reply.term != self.persistent.current_term
            || !reply.vote_granted
        {
            return;
        }
        self.votes[voter] = true;
        if self.votes.iter().filter(|&&v| v).count() >= self.majority() {
            self.become_leader();
        }
    }

    /// Won the election: take over, optionally append a no-op of the new term (§8), and
    /// assert leadership at once.
    fn become_leader(&mut self) {
        self.role = Role::Leader;
        self.leader_id = Some(self.id);
        let next_index = self.persistent.log.last_index() + 1;
        self.progress = vec![
            Progress { next_index, match_index: 0, state: ProgressState::Probe };
            self.servers
        ];
        self.progress[self.id] =
            Progress { next_index, match_index: next_index - 1, state: ProgressState::Replicate };
        if self.config.no_op_on_election {
            self.append_own_entry(None);
        }
        self.broadcast_append();
        self.advance_commit();
    }
}
