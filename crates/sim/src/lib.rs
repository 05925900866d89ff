//! A seeded, single-threaded, discrete-event simulator of a Raft cluster and its Clerks.
//!
//! The [`Simulator`] owns a virtual clock, a queue of events ordered by (time, sequence), one
//! seeded RNG, the servers (a sans-IO [`raft::Raft`] each, with a persister and a service),
//! and the network between them: the lab's labrpc model plus partitions, crashes, and
//! per-message hold, drop, duplicate and deliver. Raft's safety properties are checked after
//! every event; a violation stops the run and names the seed that replays it.
//!
//! [`scenario`] runs scenario files (TOML or JSON) and records and replays a visitor's
//! session; [`lessons`] and [`generic`] are the playground's library. The `lab` crate ports
//! the MIT 6.824 testers and their Raft (2A–2D) and kvraft (3A–3B) suites onto the simulator,
//! with the Raft tester's service this crate hosts under the `tester` feature.

#[cfg(feature = "tester")]
mod applier;
pub mod generic;
mod history;
mod invariants;
pub mod lessons;
mod network;
mod packet;
mod persister;
mod queue;
pub mod scenario;
mod simulator;
mod trace;
mod view;

#[cfg(feature = "tester")]
pub use applier::{Applied, Applier};
pub use history::{operation, operations, porcupine_json, HistoryEntry};
pub use invariants::{Broken, Invariants};
pub use network::{NetworkConfig, Topology};
pub use packet::{Endpoint, Packet, PacketKind, Payload};
pub use persister::Persister;
#[cfg(feature = "tester")]
pub use simulator::ProposeError;
pub use simulator::{
    InFlight, MessageId, ServiceConfig, SimConfig, Simulator, Stats, UnknownMessage, Violation,
};
pub use trace::{digest, DropReason, TraceEvent, TraceRecord};
pub use view::{
    label_payload, EntryLabel, LogWindow, MessageView, PersistedView, ServerView, SimView,
    StoredValue, VIEW_VALUE_CHARS,
};
