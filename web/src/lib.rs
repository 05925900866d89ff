//! The playground page: a Yew app that drives the simulator ([`sim::Simulator`]) and draws
//! its read-only [`sim::SimView`]. No protocol logic lives here.

pub mod app;
pub mod clock;
pub mod components;
pub mod controller;
pub mod journal;

pub use app::{App, AppProps};
pub use controller::Settings;
