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

/// The whole library, each scenario with its id, built once: every lesson (its id is its file
/// name), then the lab's GenericTest variants (their ids are the test names,
/// `PersistPartition3A`).
pub fn library() -> &'static [(&'static str, ScenarioFile)] {
    static LIBRARY: OnceLock<Vec<(&'static str, ScenarioFile)>> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let lessons = parsed().iter().map(|(l, f)| (l.id, f.clone()));
        let lab = crate::generic::GENERIC_TESTS.iter().map(|&(n, g)| (n, g.scenario(n)));
        lessons.chain(lab).collect()
    })
}

/// A scenario of the library by id ([`library`]).
pub fn find(id: &str) -> Option<ScenarioFile> {
    library().iter().find(|(i, _)| *i == id).map(|(_, f)| f.clone())
}

/// The library id ([`library`]) of the scenario called `name`, if it is one of the library's.
pub fn id_of(name: &str) -> Option<&'static str> {
    library().iter().find(|(_, f)| f.name == name).map(|&(id, _)| id)
}
