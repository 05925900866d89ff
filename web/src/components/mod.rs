//! The page's panels, one module per concept.

pub mod clerk;
pub mod cluster;
pub mod controls;
pub mod event_log;
pub mod help;
pub mod history;
pub mod inspector;
pub mod lesson;
pub mod log;
pub mod session;
pub mod spacetime;
pub mod sweep;
pub mod timeline;

pub use clerk::Clerks;
pub use cluster::Cluster;
pub use controls::{Controls, Faults};
pub use event_log::EventLog;
pub use help::Help;
pub use history::History;
pub use inspector::Inspector;
pub use lesson::LessonCard;
pub use log::Logs;
pub use session::SessionBar;
pub use spacetime::SpaceTime;
pub use sweep::Seeds;
pub use timeline::TimelineBar;

/// Colours for terms 1, 2, 3, …, in turn: readable under white text, and none of them the
/// purple of InstallSnapshot or the green of the Clerks.
const TERM_COLOURS: [&str; 8] =
    ["#3a6ea5", "#c8553d", "#2a9d8f", "#b07d12", "#5c677d", "#b23a48", "#4f772d", "#8d5a3b"];

/// A term's colour, the same everywhere on the page (servers, log entries).
pub fn term_colour(term: u64) -> &'static str {
    match term {
        0 => "#9aa5b1",
        t => TERM_COLOURS[((t - 1) % TERM_COLOURS.len() as u64) as usize],
    }
}

/// The legend's entries for the kinds of message, each with `mark` (the ring's dot, the
/// diagram's stroke) in its kind's colour.
pub fn kind_legend(mark: &str) -> yew::Html {
    const KINDS: [(&str, &str); 5] = [
        ("m-vote", "RequestVote"),
        ("m-append", "AppendEntries"),
        ("m-heartbeat", "heartbeat"),
        ("m-snapshot", "InstallSnapshot"),
        ("m-clerk", "Clerk"),
    ];
    KINDS
        .iter()
        .map(
            |(class, name)| yew::html! { <span class={*class} data-mark={mark.to_string()}>{ *name }</span> },
        )
        .collect()
}

/// Virtual µs as seconds, for reading.
pub fn seconds(t: raft::Time) -> String {
    format!("{:.3} s", t as f64 / 1e6)
}
