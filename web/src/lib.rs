//! The playground page: a Yew app that drives the simulator ([`sim::Simulator`]) and draws
//! its read-only [`sim::SimView`]. No protocol logic lives here.

pub mod api;
pub mod app;
pub mod clock;
pub mod components;
pub mod controller;
pub mod files;
pub mod journal;
pub mod onscreen;
pub mod start;
pub mod sweep;
pub mod timeline;

pub use app::{App, AppProps};
pub use controller::Settings;
pub use start::Start;
