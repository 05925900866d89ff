//! Raft's rules exercised one message at a time on a hand-driven cluster: the situations
//! the paper draws (Figure 8 among them) and the ones random runs reach only rarely.

use raft::{
    AppendEntriesArgs, ApplyMsg, Config, Envelope, Message, NodeId, Raft, Role, Setup, SECOND,
};

// In the browser (`wasm-pack test --headless --chrome`), the same tests run as
// wasm-bindgen tests.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Server `id` of `servers`.
fn setup(id: NodeId, servers: usize, config: Config, seed: u64, now: u64) -> Setup {
    Setup { id, servers, config, seed, now }
}

/// A cluster whose every message and timeout the test decides.
struct Cluster {
    nodes: Vec<Option<Raft>>,
    /// What each crashed server had persisted.
    stored: Vec<Vec<u8>>,
    now: u64,
    config: Config,
}

impl Cluster {
    fn new(n: usize, no_op: bool) -> Cluster {
        let config = Config { no_op_on_election: no_op, ..Config::default() };
        Cluster {
            nodes: (0..n)
                .map(|i| Some(Raft::new(setup(i, n, config.clone(), i as u64, 0))))
                .collect(),
            stored: vec![Vec::new(); n],
            now: 0,
            config,
        }
    }

    fn node(&self, i: NodeId) -> &Raft {
        self.nodes[i].as_ref().expect("server is up")
    }

    fn node_mut(&mut self, i: NodeId) -> &mut Raft {
        self.nodes[i].as_mut().expect("server is up")
    }

    /// Server `i` times out and campaigns, as often as it takes to outrun the terms of the
    /// others; only `reach` hear from it and answer.
    fn elect(&mut self, i: NodeId, reach: &[NodeId]) {
        for _ in 0..5 {
            self.now += 10 * SECOND;
            let now = self.now;
            self.node_mut(i).tick(now);
            self.exchange(reach);
            if self.node(i).role() == Role::Leader {
                return;
            }
        }
        panic!("server {i} did not win");
    }

    /// Delivers messages among `reach` until there are none; others are lost.
    fn exchange(&mut self, reach: &[NodeId]) {
        loop {
            let mut mail: Vec<Envelope> = Vec::new();
            for node in self.nodes.iter_mut().flatten() {
                mail.extend(node.take_ready().messages);
            }
            if mail.is_empty() {
                return;
            }
            for m in mail {
                if reach.contains(&m.from) && reach.contains(&m.to) {
                    let now = self.now;
                    if let Some(node) = self.nodes[m.to].as_mut() {
                        node.step(now, m);
                    }
                }
            }
        }
    }

    /// Proposes `command` on server `i`, which must lead.
    fn propose(&mut self, i: NodeId, command: Vec<u8>) -> (u64, u64) {
        let now = self.now;
        self.node_mut(i).propose(now, command).expect("server leads")
    }

    fn crash(&mut self, i: NodeId) {
        let node = self.nodes[i].take().expect("server is up");
        self.stored[i] = node.persistent_state().encode();
    }

    fn restart(&mut self, i: NodeId) {
        let n = self.nodes.len();
        let raft =
            Raft::restore(setup(i, n, self.config.clone(), 99, self.now), &self.stored[i], &[])
                .expect("stored state decodes");
        self.nodes[i] = Some(raft);
    }
}

#[test]
fn figure_8_a_leader_does_not_commit_an_old_term_entry_by_counting_replicas() {
    let mut c = Cluster::new(5, false);
    let all = [0, 1, 2, 3, 4];
    // (a) S0 leads term 1 and gets its entry 1 (term 1) onto S1 only.
    c.elect(0, &all);
    c.propose(0, b"a".to_vec());
    c.exchange(&[0, 1]);
    // (b) S0 crashes; S4 wins term 2 with S2 and S3 and takes entry 1 (term 2) alone.
    c.crash(0);
    c.elect(4, &[2, 3, 4]);
    c.propose(4, b"b".to_vec());
    c.exchange(&[4]);
    // (c) S4 crashes; S0 restarts and wins a later term with S1 and S2, and replicates its
    // term-1 entry to S2: now on a majority, but not of the leader's term.
    c.crash(4);
    c.restart(0);
    c.elect(0, &[0, 1, 2]);
    c.exchange(&[0, 1, 2]);
    assert_eq!(c.node(2).log().term_at(1), Some(1), "S2 holds S0's entry");
    assert_eq!(c.node(0).commit_index(), 0, "an entry of an earlier term must not commit by count");
    // (d) S0 crashes; S4 restarts and can still win with S1, S2, S3 (its last term 2 is
    // newer) and overwrite index 1 everywhere: exactly why (c) must not commit.
    c.crash(0);
    c.restart(4);
    c.elect(4, &[1, 2, 3, 4]);
    c.propose(4, b"c".to_vec());
    c.exchange(&[1, 2, 3, 4]);
    assert_eq!(c.node(2).log().entry(1).unwrap().command.as_deref(), Some(&b"b"[..]));
    assert_eq!(c.node(4).commit_index(), 2);
}

#[test]
fn with_the_no_op_a_new_leader_commits_earlier_entries_at_once() {
    let mut c = Cluster::new(3, true);
    c.elect(0, &[0, 1, 2]);
    c.propose(0, b"x".to_vec());
    c.exchange(&[0, 1]);
    c.crash(0);
    c.elect(1, &[1, 2]);
    // Index 1: S0's no-op, 2: "x", 3: S1's no-op, committed with everything before it.
    assert_eq!(c.node(1).commit_index(), 3);
    assert!(c.node(1).log().entry(3).unwrap().command.is_none());
}

#[test]
fn a_vote_survives_a_restart() {
    let mut c = Cluster::new(3, true);
    // S0 campaigns and gets S1's vote for term 1, but S1 crashes before answering.
    c.now += 10 * SECOND;
    let now = c.now;
    c.node_mut(0).tick(now);
    let requests = c.node_mut(0).take_ready().messages;
    let to_s1 = requests.into_iter().find(|m| m.to == 1).unwrap();
    c.node_mut(1).step(now, to_s1.clone());
    assert_eq!(c.node(1).voted_for(), Some(0));
    c.crash(1);
    c.restart(1);
    assert_eq!((c.node(1).term(), c.node(1).voted_for()), (1, Some(0)));
    // S2 asks S1 for a vote in the same term: refused.
    let mut from_s2 = to_s1;
    from_s2.from = 2;
    c.node_mut(1).take_ready();
    c.node_mut(1).step(now, from_s2);
    let reply = c.node_mut(1).take_ready().messages.pop().unwrap();
    assert!(matches!(reply.message, raft::Message::RequestVoteReply(r) if !r.vote_granted));
}

#[test]
fn a_follower_commits_no_further_than_the_entries_it_checked() {
    let mut c = Cluster::new(5, false);
    c.elect(0, &[0, 1, 2, 3, 4]);
    c.propose(0, b"a".to_vec());
    c.exchange(&[0, 1, 2, 3, 4]);
    // Two more entries reach S1 only, then S0 is gone; S2 leads a later term.
    c.propose(0, b"stale".to_vec());
    c.propose(0, b"stale".to_vec());
    c.exchange(&[0, 1]);
    c.crash(0);
    c.elect(2, &[2, 3, 4]);
    for x in [b"x", b"y", b"z"] {
        c.propose(2, x.to_vec());
    }
    c.exchange(&[2, 3, 4]);
    assert_eq!(c.node(2).commit_index(), 4);
    // An AppendEntries that checks S1's log only up to index 1, with the leader's commit
    // index 4 (as a batch cut short would be): S1 may commit index 1, not its stale 2 and 3.
    let term = c.node(2).term();
    let args = AppendEntriesArgs {
        term,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: Vec::new(),
        leader_commit: 4,
    };
    let now = c.now;
    c.node_mut(1).step(now, Envelope { from: 2, to: 1, message: Message::AppendEntries(args) });
    assert_eq!(c.node(1).log().last_index(), 3);
    assert_eq!(c.node(1).commit_index(), 1);
}

#[test]
fn stale_append_entries_never_truncate_matching_entries() {
    let mut c = Cluster::new(3, false);
    c.elect(0, &[0, 1, 2]);
    let now = c.now;
    c.propose(0, b"1".to_vec());
    let first: Vec<Envelope> = c.node_mut(0).take_ready().messages;
    c.propose(0, b"2".to_vec());
    c.exchange(&[0, 1, 2]);
    assert_eq!(c.node(1).log().last_index(), 2);
    // The first AppendEntries (entry 1 only) arrives late: entry 2 must stay.
    for m in first.into_iter().filter(|m| m.to == 1) {
        c.node_mut(1).step(now, m);
    }
    assert_eq!(c.node(1).log().last_index(), 2);
}

#[test]
fn a_lagging_follower_gets_the_snapshot_and_the_service_restores_it() {
    let mut c = Cluster::new(3, false);
    c.elect(0, &[0, 1, 2]);
    for i in 0..5u8 {
        c.propose(0, vec![i]);
    }
    c.exchange(&[0, 1]);
    c.now += SECOND;
    let now = c.now;
    c.node_mut(0).tick(now);
    c.exchange(&[0, 1]);
    assert_eq!(c.node(0).commit_index(), 5);
    c.node_mut(0).snapshot(4, b"state@4".to_vec()).unwrap();
    assert_eq!(c.node(0).log().first_index(), 5);
    // S2 was away for all of it: the heartbeat finds it behind the snapshot.
    c.node_mut(2).take_ready();
    c.now += SECOND;
    let now = c.now;
    c.node_mut(0).tick(now);
    let mut snapshots = Vec::new();
    loop {
        let mut mail = Vec::new();
        for node in c.nodes.iter_mut().flatten() {
            let ready = node.take_ready();
            snapshots
                .extend(ready.apply.into_iter().filter(|a| matches!(a, ApplyMsg::Snapshot { .. })));
            mail.extend(ready.messages);
        }
        if mail.is_empty() {
            break;
        }
        for m in mail {
            c.node_mut(m.to).step(now, m);
        }
    }
    assert!(snapshots.contains(&ApplyMsg::Snapshot {
        index: 4,
        term: 1,
        data: b"state@4".to_vec()
    }));
    assert_eq!(c.node(2).log().last_index(), 5);
    assert_eq!(c.node(2).log().last_included_index(), 4);
}

#[test]
fn corrupt_persisted_state_is_an_error_not_a_panic() {
    let mut c = Cluster::new(3, true);
    c.elect(0, &[0, 1, 2]);
    c.propose(0, b"x".to_vec());
    let bytes = c.node(0).persistent_state().encode();
    for len in 0..bytes.len() {
        let _ = Raft::restore(setup(0, 3, Config::default(), 1, 0), &bytes[..len], &[]);
    }
    let mut flipped = bytes.clone();
    for i in 0..flipped.len() {
        flipped[i] ^= 0x80;
        let _ = Raft::restore(setup(0, 3, Config::default(), 1, 0), &flipped, &[]);
        flipped[i] ^= 0x80;
    }
    // A vote for a server outside the cluster is refused with a clear error.
    let mut state = c.node(0).persistent_state().clone();
    state.voted_for = Some(7);
    let err =
        Raft::restore(setup(0, 3, Config::default(), 1, 0), &state.encode(), &[]).unwrap_err();
    assert_eq!(err.to_string(), "persisted Raft state votes for unknown server 7");
}

#[test]
fn ready_reports_role_term_leader_and_commit_changes_once() {
    let mut c = Cluster::new(3, true);
    c.now = 10 * SECOND;
    let now = c.now;
    c.node_mut(0).tick(now);
    let campaign = c.node_mut(0).take_ready();
    assert!(campaign.role_changed());
    assert_eq!(campaign.elected(), None);
    let (before, after) = campaign.soft_state.unwrap();
    assert_eq!(
        (before.role, before.term, after.role, after.term),
        (Role::Follower, 0, Role::Candidate, 1)
    );
    // Deliver the votes and the replies, by hand, watching every Ready.
    let mut readies: Vec<Vec<raft::Ready>> = vec![Vec::new(); 3];
    let mut mail = campaign.messages;
    while !mail.is_empty() {
        for m in std::mem::take(&mut mail) {
            c.node_mut(m.to).step(now, m);
        }
        for (i, seen) in readies.iter_mut().enumerate() {
            let ready = c.node_mut(i).take_ready();
            mail.extend(ready.messages.iter().cloned());
            seen.push(ready);
        }
    }
    let elected: Vec<_> = readies[0].iter().filter_map(|r| r.elected()).collect();
    assert_eq!(elected, [1], "the election is reported once");
    for follower in [1, 2] {
        let leaders: Vec<_> = readies[follower]
            .iter()
            .filter_map(|r| r.soft_state)
            .map(|(_, after)| (after.role, after.term, after.leader_id))
            .collect();
        // It moves to term 1 on the vote request, then learns the leader from its append.
        assert_eq!(leaders, [(Role::Follower, 1, None), (Role::Follower, 1, Some(0))]);
        assert!(!readies[follower][1..].iter().any(|r| r.role_changed()), "same role and term");
    }
    // The no-op committed on the leader: reported as one rise of the commit index.
    let commits: Vec<_> = readies[0].iter().filter_map(|r| r.committed).collect();
    assert_eq!(commits, [(0, 1)]);
    assert!(!c.node(0).has_ready(), "nothing is reported twice");
}
