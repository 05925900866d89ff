//! The playground's lessons: scenario files with a `[lesson]` section, each showing one thing
//! about Raft or the service with a seed that shows it. The page loads them from its menu or
//! `?lesson=ID`; the CLI runs them like any file (`crates/sim/lessons/ID.toml`); the tests
//! check that each one still shows what it claims.

use std::sync::OnceLock;

use crate::scenario::ScenarioFile;

/// A lesson: its id (the file name, and the page's URL parameter) and its scenario text.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// Stable id, e.g. `"two-leaders"`.
    pub id: &'static str,
    /// The scenario file, TOML.
    pub text: &'static str,
}

impl Lesson {
    /// The lesson's scenario.
    pub fn scenario(&self) -> ScenarioFile {
        ScenarioFile::from_toml(self.text).expect("every lesson is tested to parse")
    }
}

macro_rules! lessons {
    ($($id:literal),* $(,)?) => {
        /// Every lesson, in the order a course would take them.
        pub const LESSONS: &[Lesson] = &[
            $(Lesson { id: $id, text: include_str!(concat!("../lessons/", $id, ".toml")) },)*
        ];
    };
}

lessons!(
    "election",
    "two-leaders",
    "stale-read",
    "exactly-once",
    "duplicate-append",
    "snapshots",
    "crash",
    "double-vote",
);

/// The lesson called `id`.
pub fn lesson(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.id == id)
}

/// Every lesson with its scenario, parsed once (a page asks on every frame).
pub fn parsed() -> &'static [(Lesson, ScenarioFile)] {
    static PARSED: OnceLock<Vec<(Lesson, ScenarioFile)>> = OnceLock::new();
    PARSED.get_or_init(|| LESSONS.iter().map(|l| (*l, l.scenario())).collect())
}

/// The lesson whose scenario is called `name`, if any.
pub fn named(name: &str) -> Option<&'static (Lesson, ScenarioFile)> {
    parsed().iter().find(|(_, f)| f.name == name)
}
