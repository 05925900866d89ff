//! The page's panels, one module per concept.

pub mod clerk;
pub mod cluster;
pub mod controls;
pub mod event_log;
pub mod help;
pub mod inspector;
pub mod log;

pub use clerk::Clerks;
pub use cluster::Cluster;
pub use controls::Controls;
pub use event_log::EventLog;
pub use help::Help;
pub use inspector::Inspector;
pub use log::Logs;

/// A term's colour, the same everywhere on the page (servers, log entries).
pub fn term_colour(term: u64) -> String {
    if term == 0 {
        return "#9aa5b1".to_string();
    }
    format!("hsl({}, 65%, 52%)", (term * 67 + 200) % 360)
}

/// Virtual µs as seconds, for reading.
pub fn seconds(t: raft::Time) -> String {
    format!("{:.3} s", t as f64 / 1e6)
}
