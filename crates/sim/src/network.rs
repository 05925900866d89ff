//! The lab's network model (labrpc), plus partitions into any number of groups.

use raft::{NodeId, Time, MILLISECOND};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How messages travel. The defaults follow labrpc; every field can be changed live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// Every message takes between `min_delay` and `max_delay` (inclusive) to arrive.
    pub min_delay: Time,
    /// Upper bound of the base delay.
    pub max_delay: Time,
    /// Requests wait an extra uniform `0..request_jitter` (labrpc's unreliable mode: 27 ms).
    pub request_jitter: Time,
    /// Probability that a request is lost.
    pub request_drop: f64,
    /// Probability that a reply is lost (the handler has run: the caller cannot tell).
    pub reply_drop: f64,
    /// labrpc's long reordering: two replies in three are held back 200 ms + up to ~2 s.
    pub long_reordering: bool,
}

impl NetworkConfig {
    /// labrpc's reliable network: every message arrives, after a short delay.
    pub fn reliable() -> NetworkConfig {
        NetworkConfig {
            min_delay: 100,
            max_delay: MILLISECOND,
            request_jitter: 0,
            request_drop: 0.0,
            reply_drop: 0.0,
            long_reordering: false,
        }
    }

    /// labrpc's unreliable network: requests wait up to 26 ms more, 10 % of requests and
    /// 10 % of replies are lost.
    pub fn unreliable() -> NetworkConfig {
        NetworkConfig {
            request_jitter: 27 * MILLISECOND,
            request_drop: 0.1,
            reply_drop: 0.1,
            ..Self::reliable()
        }
    }

    /// Switches labrpc's unreliable mode on or off, keeping the base delay and reordering.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        let mode = if unreliable { Self::unreliable() } else { Self::reliable() };
        self.request_jitter = mode.request_jitter;
        self.request_drop = mode.request_drop;
        self.reply_drop = mode.reply_drop;
    }

    /// Whether any message can be lost.
    pub fn is_unreliable(&self) -> bool {
        self.request_drop > 0.0 || self.reply_drop > 0.0
    }

    /// Draws how a message travels: its base delay (links keep their messages in order, as
    /// TCP does), the extra delay of the unreliable network (which may reorder them), and
    /// whether it is lost on the way.
    pub(crate) fn plan(&self, rng: &mut impl Rng, is_reply: bool) -> Plan {
        let base = rng.random_range(self.min_delay..=self.max_delay.max(self.min_delay));
        let mut extra = 0;
        let lost;
        if is_reply {
            lost = self.reply_drop > 0.0 && rng.random_bool(self.reply_drop.min(1.0));
            if self.long_reordering && rng.random_range(0..900) < 600 {
                let spread = rng.random_range(0..2000u64);
                extra += (200 + rng.random_range(0..=spread)) * MILLISECOND;
            }
        } else {
            if self.request_jitter > 0 {
                extra += rng.random_range(0..self.request_jitter);
            }
            lost = self.request_drop > 0.0 && rng.random_bool(self.request_drop.min(1.0));
        }
        Plan { base, extra, lost }
    }
}

/// How one message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// In-order part of the delay.
    pub base: Time,
    /// Extra delay that may overtake or be overtaken.
    pub extra: Time,
    /// Lost on the way.
    pub lost: bool,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self::reliable()
    }
}

/// Which servers can reach which: each server belongs to one group, and two servers talk
/// only within a group. Group 0 is the main one; the lab's `disconnect` gives a server a group
/// of its own and `connect` puts it back in group 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    group: Vec<u32>,
    next_group: u32,
}

impl Topology {
    /// Everyone connected.
    pub fn connected(servers: usize) -> Topology {
        Topology { group: vec![0; servers], next_group: 1 }
    }

    /// Whether `a` and `b` can exchange messages.
    pub fn linked(&self, a: NodeId, b: NodeId) -> bool {
        self.group[a] == self.group[b]
    }

    /// Cuts `server` off from everyone.
    pub fn disconnect(&mut self, server: NodeId) {
        self.group[server] = self.next_group;
        self.next_group += 1;
    }

    /// Puts `server` back with everyone connected to the main group.
    pub fn connect(&mut self, server: NodeId) {
        self.group[server] = 0;
    }

    /// Splits the servers into `groups`; a server named in none is cut off alone. The first
    /// group becomes the main one.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        for s in 0..self.group.len() {
            self.disconnect(s);
        }
        for (g, members) in groups.iter().enumerate() {
            let id = if g == 0 { 0 } else { self.next_group + g as u32 };
            for &s in members {
                self.group[s] = id;
            }
        }
        self.next_group += groups.len() as u32 + 1;
    }

    /// Connects everyone.
    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
    }

    /// Whether `server` is in the main group.
    pub fn is_connected(&self, server: NodeId) -> bool {
        self.group[server] == 0
    }

    /// The groups as lists of servers, main group first (if anyone is in it), then by lowest
    /// member.
    pub fn groups(&self) -> Vec<Vec<NodeId>> {
        let mut groups: Vec<(u32, Vec<NodeId>)> = Vec::new();
        for (s, &g) in self.group.iter().enumerate() {
            match groups.iter_mut().find(|(id, _)| *id == g) {
                Some((_, members)) => members.push(s),
                None => groups.push((g, vec![s])),
            }
        }
        check::sort::by_key(&mut groups, |(id, members)| (u64::from(*id != 0), members[0] as u64));
        groups.into_iter().map(|(_, m)| m).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_disconnects_and_heal() {
        let mut t = Topology::connected(5);
        assert!(t.linked(0, 4));
        t.partition(&[vec![0, 1], vec![2, 3]]);
        assert!(t.linked(0, 1) && t.linked(2, 3));
        assert!(!t.linked(1, 2) && !t.linked(4, 0) && !t.linked(4, 2));
        assert_eq!(t.groups(), vec![vec![0, 1], vec![2, 3], vec![4]]);
        t.connect(4);
        assert!(t.linked(4, 0));
        t.heal();
        t.disconnect(3);
        assert!(!t.linked(3, 0));
        assert_eq!(t.groups(), vec![vec![0, 1, 2, 4], vec![3]]);
    }

    #[test]
    fn unreliable_drops_about_a_tenth() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let net = NetworkConfig::unreliable();
        let lost = (0..10_000).filter(|_| net.plan(&mut rng, false).lost).count();
        assert!((800..1200).contains(&lost), "{lost} of 10000 requests lost");
        let reliable = NetworkConfig::reliable();
        assert!((0..1000).all(|_| !reliable.plan(&mut rng, true).lost));
    }
}
