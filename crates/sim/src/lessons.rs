//! The playground's library: lessons — scenario files with a `[lesson]` section, each showing
//! one thing about Raft or the service with a seed that shows it — and the lab's GenericTest
//! variants as scenarios ([`find`]). The page loads them from its menu or
//! `?lesson=ID`; the CLI runs them like any file (`crates/sim/lessons/ID.toml`); the tests
//! check that each one still shows what it claims.

use std::sync::OnceLock;

use crate::scenario::ScenarioFile;

/// A lesson: its id (the file name, and the page's URL parameter) and its scenario.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// Stable id, e.g. `"two-leaders"`: the file is `crates/sim/lessons/{id}.toml`.
    pub id: &'static str,
    /// The scenario file as JSON, converted from the TOML at build time (`build.rs`), so that
    /// the page needs no TOML parser.
    pub json: &'static str,
}

impl Lesson {
    /// The lesson's scenario.
    pub fn scenario(&self) -> ScenarioFile {
        ScenarioFile::from_json(self.json).expect("every lesson is tested to parse")
    }
}

macro_rules! lessons {
    ($($id:literal),* $(,)?) => {
        /// Every lesson, in the order a course would take them.
        pub const LESSONS: &[Lesson] = &[
            $(Lesson {
                id: $id,
                json: include_str!(concat!(env!("OUT_DIR"), "/lessons/", $id, ".json")),
            },)*
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

/// A scenario of the library by id: a lesson, or one of the lab's GenericTest variants by its
/// test name (`PersistPartition3A`).
pub fn find(id: &str) -> Option<ScenarioFile> {
    lesson(id).map(Lesson::scenario).or_else(|| {
        crate::generic::GENERIC_TESTS.iter().find(|(n, _)| *n == id).map(|(n, g)| g.scenario(n))
    })
}

/// The library id ([`find`]) of the scenario called `name`, if it is one of the library's.
pub fn id_of(name: &str) -> Option<&'static str> {
    named(name).map(|(l, _)| l.id).or_else(|| {
        let test = name.strip_prefix("The lab's ")?;
        crate::generic::GENERIC_TESTS.iter().map(|(n, _)| *n).find(|n| *n == test)
    })
}
