//! Which panels to draw this frame, so that the page does the work of what is visible only:
//! a panel scrolled out of view (as an `IntersectionObserver` tells) keeps the state it was
//! last drawn with and is drawn afresh as it comes back (so does a Clerk's card scrolled out
//! of its list, see [`InView`]); while the clock runs a panel of text is drawn at most every
//! [`TEXT_INTERVAL_MS`] (as often as anyone reads it), one of them per frame, and the clock's
//! readouts every [`CLOCK_INTERVAL_MS`]; every panel is drawn at once after a visitor's
//! command.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry};

use crate::app::Model;

/// A panel is named by its heading's id (its `aria-labelledby`).
const NAME: &str = "aria-labelledby";
/// How often a panel of text is drawn while the clock runs, in real ms: four times a second,
/// as fast as anyone reads. In a lab scenario each redraw replaces most of a panel's text
/// (Basic3A completes ~500 operations a second), so this is most of the page's cost: at
/// 150 ms, Basic3A's frames took ~1 ms more of the main thread (scripts/browser-bench.sh).
pub const TEXT_INTERVAL_MS: f64 = 250.0;
/// How often the clock's readouts are drawn while it runs: they are small, and a time that
/// moves in quarter seconds looks stuck.
pub const CLOCK_INTERVAL_MS: f64 = 100.0;

/// How often panel `name` is drawn while the clock runs at `speed`, in real ms: the ring
/// every frame, and the space-time diagram (which scrolls with the clock) too up to
/// [`DIAGRAM_EVERY_FRAME_UP_TO`]× (faster, a frame's worth of run is most of its window, all
/// of it new, and no one follows the arrows); the toolbar, the status line and the timeline
/// at [`CLOCK_INTERVAL_MS`], the rest at [`TEXT_INTERVAL_MS`].
pub fn interval_of(name: &str, speed: f64) -> f64 {
    match name {
        "cluster-title" => 0.0,
        "spacetime-title" if speed <= DIAGRAM_EVERY_FRAME_UP_TO => 0.0,
        "controls" | "status" | "timeline-title" | "spacetime-title" => CLOCK_INTERVAL_MS,
        _ => TEXT_INTERVAL_MS,
    }
}

/// How many changes panel `name` is drawn at once after: every panel after each visitor's
/// command ([`Model::nudges`]); the seeds panel after each report of the sweep's progress
/// too, as it is the one that shows it. Left to the clock's few redraws a frame, it could
/// wait behind the other panels for as long as a sweep runs with the cluster paused (each
/// report, a reading pace apart, redrew the first panels due and never reached it).
fn nudges_of(name: &str, model: &Model) -> u64 {
    match name {
        "seeds-title" => model.nudges() + model.swept(),
        _ => model.nudges(),
    }
}

/// The fastest speed at which the space-time diagram is drawn every frame: at 4× a frame
/// runs 64 ms of a window of at least 250 ms. At 100× in the busiest lab scenario, drawing it
/// every frame took the main thread from 4.8 to 11.3 ms a frame (scripts/browser-bench.sh).
pub const DIAGRAM_EVERY_FRAME_UP_TO: f64 = 4.0;

/// How many panels of text the clock may redraw in one frame (those drawn at the clock's pace,
/// [`CLOCK_INTERVAL_MS`] or faster, are not counted: its readouts, the timeline, the diagram): drawn all in the same frame, they would make one frame in six long; at two a
/// frame, with the lower half of the page in view during a lab scenario, 6.4 % of frames took
/// over 25 ms (scripts/browser-bench.sh, case ppul-1x-lower). A handful of panels at four
/// redraws a second leave most frames with none.
const REDRAWS_PER_FRAME: usize = 1;

#[derive(Default)]
struct Seen {
    /// The frame being drawn (its time), and how many panels the clock redrew in it.
    frame: (f64, usize),
    /// Panels out of view.
    hidden: HashSet<String>,
    /// Per panel, the model's version it was last drawn with, its count then of the changes
    /// that draw it at once (see [`nudges_of`]), and when; per part of a panel (see
    /// [`InView`]), the version only.
    drawn: HashMap<String, (u64, u64, f64)>,
}

/// Watches the page's panels; dropping it stops watching.
pub struct Onscreen {
    observer: IntersectionObserver,
    seen: Rc<RefCell<Seen>>,
    /// How many elements it watches.
    watched: Cell<u32>,
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl Onscreen {
    /// Starts watching; `changed` is called when a panel comes into or goes out of view.
    pub fn new(changed: impl Fn() + 'static) -> Option<Onscreen> {
        let seen: Rc<RefCell<Seen>> = Rc::default();
        let s = seen.clone();
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let mut any = false;
            for entry in
                entries.iter().filter_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
            {
                let Some(name) = entry.target().get_attribute(NAME) else { continue };
                let mut seen = s.borrow_mut();
                any |= if entry.is_intersecting() {
                    seen.hidden.remove(&name)
                } else {
                    seen.hidden.insert(name)
                };
            }
            if any {
                changed();
            }
        });
        let observer = IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        Some(Onscreen { observer, seen, watched: Cell::new(0), _callback: callback })
    }

    /// Watches every panel under `root` and every Clerk's card, when their number has
    /// changed: then it forgets the ones it watched, which may have left the page (a lesson's
    /// card, a scenario's Clerks). Called after each drawing; most find nothing to do.
    pub fn watch(&self, root: &Element) {
        let Ok(parts) = root.query_selector_all(".panel, .clerk-card") else { return };
        if parts.length() == self.watched.replace(parts.length()) {
            return;
        }
        self.observer.disconnect();
        for i in 0..parts.length() {
            if let Some(part) = parts.item(i).and_then(|p| p.dyn_into::<Element>().ok()) {
                self.observer.observe(&part);
            }
        }
    }

    /// The model panel `name` is to draw at real time `now_ms`: the current one, or the one
    /// it was last drawn with (so that it is not drawn again) while it is out of view, or, for
    /// a panel with an `interval_ms`, while that has not passed since and nothing but the
    /// clock changed the model.
    pub fn model_for(&self, name: &str, model: &Model, interval_ms: f64, now_ms: f64) -> Model {
        let mut seen = self.seen.borrow_mut();
        if seen.frame.0 != now_ms {
            seen.frame = (now_ms, 0);
        }
        let nudges = nudges_of(name, model);
        if let Some(&(version, drawn_nudges, at)) = seen.drawn.get(name) {
            let nudged = nudges != drawn_nudges;
            let due = nudged
                || (now_ms - at >= interval_ms
                    && (interval_ms < TEXT_INTERVAL_MS || seen.frame.1 < REDRAWS_PER_FRAME));
            if seen.hidden.contains(name) || !due {
                return model.at_version(version);
            }
            if !nudged && interval_ms >= TEXT_INTERVAL_MS {
                seen.frame.1 += 1;
            }
        }
        seen.drawn.insert(name.to_string(), (model.version(), nudges, now_ms));
        model.clone()
    }
}

/// What the page's components are given to draw only the parts of a panel in view afresh: a
/// part ([`Onscreen::watch`] says which) is named by its heading's id (its
/// `aria-labelledby`), as a panel is.
#[derive(Clone)]
pub struct InView(pub Rc<RefCell<Option<Onscreen>>>);

impl InView {
    /// The model the part named `name` of a panel being drawn with `model` is to draw: that
    /// one, or while the part is out of view the one it was last drawn with (on a page that
    /// draws everything, always `model`).
    pub fn model_for(&self, name: &str, model: &Model) -> Model {
        if let Some(o) = &*self.0.borrow() {
            let mut seen = o.seen.borrow_mut();
            match seen.drawn.get(name) {
                Some(&(version, ..)) if seen.hidden.contains(name) => {
                    return model.at_version(version)
                }
                // A part is drawn with its panel: only the version counts.
                _ => seen.drawn.insert(name.to_string(), (model.version(), 0, 0.0)),
            };
        }
        model.clone()
    }
}

impl PartialEq for InView {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Drop for Onscreen {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
