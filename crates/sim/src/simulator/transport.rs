//! The transport between servers and Clerks: messages in flight, the lab's labrpc model
//! (delays, losses, reordering), partitions, messages lost to crashes, and the per-message
//! faults (hold, deliver now, drop, duplicate).

use std::collections::VecDeque;
use std::fmt;

use raft::{Envelope, NodeId, Time};

use super::hosting::Node;
use super::Simulator;
use crate::invariants::Broken;
use crate::network::{NetworkConfig, Topology};
use crate::packet::{Endpoint, Packet, PacketKind, Payload};
use crate::queue::Event;
use crate::trace::{DropReason, TraceEvent};

/// Identifies one message in flight, in sending order.
pub type MessageId = u64;

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Its id.
    pub id: MessageId,
    /// Ends and content.
    pub packet: Packet,
    /// Its kind.
    pub kind: PacketKind,
    /// Its encoded size in bytes.
    pub bytes: usize,
    /// When it was sent.
    pub sent_at: Time,
    /// When it arrives (or is found lost).
    pub deliver_at: Time,
    /// The unreliable network has already decided to lose it.
    pub lost: bool,
    /// Held back by hand: it stays in flight until released.
    pub held: bool,
    from_incarnation: u32,
    to_incarnation: u32,
}

/// A message id that is not (or no longer) in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownMessage(pub MessageId);

impl fmt::Display for UnknownMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message {} is not in flight", self.0)
    }
}

impl std::error::Error for UnknownMessage {}

impl Simulator {
    /// Cuts server `s` off from every other server (the lab's `disconnect`).
    pub fn disconnect(&mut self, s: NodeId) {
        self.topology.disconnect(s);
        self.record_topology();
    }

    /// Reconnects server `s` to the main group (the lab's `connect`).
    pub fn connect(&mut self, s: NodeId) {
        self.topology.connect(s);
        self.record_topology();
    }

    /// Splits the servers into `groups`; servers named in none are cut off alone. Clerks keep
    /// their own links (see [`Simulator::connect_client`]).
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.topology.partition(groups);
        self.record_topology();
    }

    /// Reconnects every server.
    pub fn heal(&mut self) {
        self.topology.heal();
        self.record_topology();
    }

    /// Replaces the network model for messages sent from now on.
    pub fn set_network(&mut self, network: NetworkConfig) {
        self.config.network = network;
        let net = &self.config.network;
        let event = TraceEvent::NetworkChanged {
            unreliable: net.is_unreliable(),
            long_reordering: net.long_reordering,
        };
        self.record(|| event);
    }

    /// Switches labrpc's unreliable mode on or off.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        let mut network = self.config.network.clone();
        network.set_unreliable(unreliable);
        self.set_network(network);
    }

    /// Switches labrpc's long reordering of replies on or off.
    pub fn set_long_reordering(&mut self, on: bool) {
        let mut network = self.config.network.clone();
        network.long_reordering = on;
        self.set_network(network);
    }

    /// Holds message `id` in flight until it is released or dropped.
    pub fn hold(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        self.in_flight.get_mut(id).ok_or(UnknownMessage(id))?.held = true;
        self.record(|| TraceEvent::Held { id });
        Ok(())
    }

    /// Lets message `id` arrive now (whether it was held or still on its way).
    pub fn deliver_now(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        let now = self.now;
        let m = self.in_flight.get_mut(id).ok_or(UnknownMessage(id))?;
        m.held = false;
        m.deliver_at = now;
        self.queue.push(now, Event::Deliver(id));
        self.record(|| TraceEvent::Released { id, deliver_at: now });
        Ok(())
    }

    /// Loses message `id`.
    pub fn drop_message(&mut self, id: MessageId) -> Result<(), UnknownMessage> {
        let m = self.in_flight.remove(id).ok_or(UnknownMessage(id))?;
        self.lost(&m, DropReason::ByUser);
        Ok(())
    }

    /// Sends a copy of message `id`, with a delay of its own.
    pub fn duplicate(&mut self, id: MessageId) -> Result<MessageId, UnknownMessage> {
        let original = self.in_flight.get(id).ok_or(UnknownMessage(id))?.clone();
        let plan = self.config.network.plan(&mut self.rng, original.kind.is_reply());
        let copy = self.next_message;
        self.next_message += 1;
        let deliver_at = self.now + plan.base + plan.extra;
        let copied = InFlight { id: copy, deliver_at, held: false, lost: false, ..original };
        self.in_flight.push(copied);
        self.queue.push(deliver_at, Event::Deliver(copy));
        self.record(|| TraceEvent::Duplicated { id, copy });
        Ok(copy)
    }

    /// Who can reach whom among the servers.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Messages in flight, in sending order.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.iter()
    }

    pub(super) fn send(&mut self, from: Endpoint, to: Endpoint, payload: Payload) {
        let kind = payload.kind();
        let bytes = postcard::experimental::serialized_size(&payload).unwrap_or(0);
        let plan = self.config.network.plan(&mut self.rng, kind.is_reply());
        let id = self.next_message;
        self.next_message += 1;
        let link = self.link_arrival.entry((from, to)).or_insert(0);
        let in_order_at = (self.now + plan.base).max(*link);
        *link = in_order_at;
        let deliver_at = in_order_at + plan.extra;
        self.stats.rpcs += u64::from(!kind.is_reply());
        self.stats.bytes += bytes as u64;
        let (from_incarnation, to_incarnation) = (self.incarnation(from), self.incarnation(to));
        self.in_flight.push(InFlight {
            id,
            packet: Packet { from, to, payload },
            kind,
            bytes,
            sent_at: self.now,
            deliver_at,
            lost: plan.lost,
            held: false,
            from_incarnation,
            to_incarnation,
        });
        self.queue.push(deliver_at, Event::Deliver(id));
        self.record(|| TraceEvent::Sent { id, from, to, kind, bytes, deliver_at });
    }

    pub(super) fn deliver(&mut self, id: MessageId, at: Time) -> Result<(), Broken> {
        match self.in_flight.get(id) {
            // Dropped by hand, held, or re-scheduled: this event is stale.
            Some(m) if !m.held && m.deliver_at == at => {}
            _ => return Ok(()),
        }
        let m = self.in_flight.remove(id).expect("present");
        self.stats.events += 1;
        let (from, to) = (m.packet.from, m.packet.to);
        let receiver_down = match to {
            Endpoint::Server(s) => self.servers[s].node.is_none(),
            Endpoint::Client(_) => false,
        };
        let reason = if m.lost {
            Some(DropReason::Unreliable)
        } else if self.incarnation(from) != m.from_incarnation {
            Some(DropReason::SenderCrashed)
        } else if receiver_down || self.incarnation(to) != m.to_incarnation {
            Some(DropReason::ReceiverDown)
        } else if !self.linked(from, to) {
            Some(DropReason::Partitioned)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.lost(&m, reason);
            return Ok(());
        }
        self.stats.delivered += 1;
        self.record(|| TraceEvent::Delivered { id });
        let now = self.now;
        match (m.packet.to, m.packet.payload) {
            (Endpoint::Server(s), Payload::Raft(message)) => {
                let Endpoint::Server(from) = from else { return Ok(()) };
                let envelope = Envelope { from, to: s, message };
                self.servers[s].node.as_mut().expect("receiver is up").step(now, envelope);
                self.after_input(s)
            }
            (Endpoint::Server(s), Payload::Request(request)) => {
                let Endpoint::Client(c) = from else { return Ok(()) };
                let immediate = match self.servers[s].node.as_mut().expect("receiver is up") {
                    Node::Kv(kv) => kv.request(now, request),
                    #[cfg(feature = "tester")]
                    Node::Tester(_) => Some(kv::ClerkReply::wrong_leader(request.seq)),
                };
                if let Some(reply) = immediate {
                    self.send(Endpoint::Server(s), Endpoint::Client(c), Payload::Reply(reply));
                }
                self.after_input(s)
            }
            (Endpoint::Client(c), Payload::Reply(reply)) => {
                let Endpoint::Server(s) = from else { return Ok(()) };
                let done = self.clients[c as usize].clerk.handle_reply(now, s, reply);
                if let Some(done) = done {
                    self.complete(c, done);
                }
                self.client_after_input(c);
                Ok(())
            }
            // Nothing else is ever sent.
            _ => Ok(()),
        }
    }

    /// A message was lost: count it, trace it, and tell a Clerk whose call it was.
    fn lost(&mut self, m: &InFlight, reason: DropReason) {
        self.stats.dropped += 1;
        self.record(|| TraceEvent::Dropped { id: m.id, reason });
        let call = match (m.packet.from, m.packet.to, &m.packet.payload) {
            (Endpoint::Client(c), Endpoint::Server(s), Payload::Request(r)) => Some((c, s, r.seq)),
            (Endpoint::Server(s), Endpoint::Client(c), Payload::Reply(r)) => Some((c, s, r.seq)),
            _ => None,
        };
        if let Some((c, s, seq)) = call {
            let now = self.now;
            self.clients[c as usize].clerk.handle_failure(now, s, seq);
            self.client_after_input(c);
        }
    }

    /// Whether `from` can reach `to` right now.
    fn linked(&self, from: Endpoint, to: Endpoint) -> bool {
        match (from, to) {
            (Endpoint::Server(a), Endpoint::Server(b)) => self.topology.linked(a, b),
            (Endpoint::Client(c), Endpoint::Server(s))
            | (Endpoint::Server(s), Endpoint::Client(c)) => self.clients[c as usize].links[s],
            (Endpoint::Client(_), Endpoint::Client(_)) => false,
        }
    }

    fn incarnation(&self, end: Endpoint) -> u32 {
        match end {
            Endpoint::Server(s) => self.servers[s].incarnation,
            Endpoint::Client(_) => 0,
        }
    }

    fn record_topology(&mut self) {
        let groups = self.topology.groups();
        self.record(|| TraceEvent::TopologyChanged { groups });
    }
}

/// The messages in flight, by id. Ids are handed out in sending order, so the table is a
/// window of slots from the oldest message still in flight to the newest: sending, finding
/// and removing a message take constant time, and iteration is in sending order.
#[derive(Clone, Debug, Default)]
pub(super) struct InFlightTable {
    /// Id of `slots[0]`.
    first: MessageId,
    /// Never starts with an empty slot.
    pub(super) slots: VecDeque<Option<InFlight>>,
}

impl InFlightTable {
    /// Adds a message whose id follows every id already added.
    fn push(&mut self, m: InFlight) {
        if self.slots.is_empty() {
            self.first = m.id;
        }
        let slot = usize::try_from(m.id - self.first).expect("ids fit in memory");
        assert_eq!(slot, self.slots.len(), "message ids are added in order");
        self.slots.push_back(Some(m));
    }

    fn slot(&self, id: MessageId) -> Option<usize> {
        usize::try_from(id.checked_sub(self.first)?).ok()
    }

    fn get(&self, id: MessageId) -> Option<&InFlight> {
        self.slots.get(self.slot(id)?)?.as_ref()
    }

    fn get_mut(&mut self, id: MessageId) -> Option<&mut InFlight> {
        let slot = self.slot(id)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    #[inline]
    fn remove(&mut self, id: MessageId) -> Option<InFlight> {
        let slot = self.slot(id)?;
        let m = self.slots.get_mut(slot)?.take()?;
        while self.slots.front().is_some_and(Option::is_none) {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(m)
    }

    fn iter(&self) -> impl Iterator<Item = &InFlight> {
        self.slots.iter().flatten()
    }
}
