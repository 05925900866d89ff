//! How the page opens: the plain playground, a lesson (`?lesson=ID`), or a permalink
//! (`#run=…`), in the full page or chrome-less (`?embed`). A damaged link or an unknown lesson
//! opens the default cluster with a message saying why — never a blank page.

use sim::lessons::find;
use sim::scenario::{decode_link, ScenarioFile};

use crate::controller::{Controller, Settings};

/// What the page opens with.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// The playground with these settings.
    Playground(Settings),
    /// A lesson or a lab test, by id (see [`sim::lessons::find`]).
    Lesson(String),
    /// A permalink fragment (the text after `#run=`).
    Link(String),
}

/// What the page's URL asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Asked {
    /// Where to start.
    pub start: Start,
    /// Chrome-less, for an iframe in a course page (`?embed=1`).
    pub embed: bool,
    /// Embedded, with the lesson's card (its description, bug switch and explanation) above
    /// the cluster (`?describe=1`).
    pub describe: bool,
    /// Whether panels out of view may wait until they are scrolled to (`?lazy=0` draws every
    /// panel every frame: for full-page screenshots, and for assistive technology that reads
    /// the whole page).
    pub lazy: bool,
}

/// Reads what the page's URL (its `search` and `hash` parts) asks for.
pub fn from_url(search: &str, hash: &str) -> Asked {
    let params: Vec<(&str, &str)> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let on = |name: &str| params.iter().any(|&(k, v)| k == name && v != "0");
    let start = if let Some(link) = hash.strip_prefix("#run=") {
        Start::Link(link.to_string())
    } else if let Some(&(_, id)) = params.iter().find(|(k, _)| *k == "lesson") {
        Start::Lesson(id.to_string())
    } else {
        Start::Playground(Settings::default())
    };
    Asked {
        start,
        embed: on("embed"),
        describe: on("describe"),
        lazy: !params.iter().any(|&(k, v)| k == "lazy" && v == "0"),
    }
}

impl Start {
    /// The controller for this start; what could not be opened is said in its notice.
    pub fn controller(&self, autoplay: bool) -> Controller {
        let fallback = |why: String| {
            let mut c = Controller::new(&Settings::default().scenario(), autoplay);
            c.set_notice(format!("{why} Showing the default cluster instead."));
            c
        };
        match self {
            Start::Playground(settings) => Controller::new(&settings.scenario(), autoplay),
            Start::Lesson(id) => match find(id) {
                Some(scenario) => Controller::new(&scenario, autoplay),
                None => fallback(format!("There is no lesson called {id:?}.")),
            },
            Start::Link(text) => match decode_link(text) {
                Ok(link) => Controller::at(&link.scenario, link.at_us),
                Err(e) => fallback(format!("{}.", capitalise(&e.to_string()))),
            },
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// A scenario file a visitor or a course page gave the page. The page reads JSON (the CLI's
/// other format) so that its bundle carries no TOML parser; `raftkv convert FILE` turns a TOML
/// file into JSON.
pub fn scenario_from_text(text: &str) -> Result<ScenarioFile, String> {
    if !text.trim_start().starts_with('{') {
        return Err("the page reads scenario files as JSON; convert a TOML file with \
                    `raftkv convert FILE.toml > FILE.json`"
            .into());
    }
    ScenarioFile::from_json(text).map_err(|e| format!("this scenario file cannot be used: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_says_where_to_start_and_how_to_draw() {
        let asked = from_url("?lesson=crash&embed=1&describe=1", "");
        let lesson = Start::Lesson("crash".into());
        assert_eq!(asked, Asked { start: lesson, embed: true, describe: true, lazy: true });
        let asked = from_url("?lazy=0&describe=0", "#run=1.abc");
        let link = Start::Link("1.abc".into());
        assert_eq!(asked, Asked { start: link, embed: false, describe: false, lazy: false });
        let asked = from_url("", "");
        assert_eq!((asked.start, asked.lazy), (Start::Playground(Settings::default()), true));
    }
}
