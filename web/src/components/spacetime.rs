//! The space-time diagram of the last second or so: one lane per server and one for the
//! Clerks, time running left to right and ending at the run's present; an arrow per message
//! from its send to its delivery (a lost one ends in a cross, a held one is dashed, one still
//! in flight ends where it has got to); elections, commits, snapshots and crashes marked on
//! the lanes. A click on an arrow inspects the message, on a lane's name the server.
//!
//! It is drawn from the journal ([`crate::journal::Journal::arrows`] and
//! [`marks`](crate::journal::Journal::marks)) and the simulator's messages in flight. The
//! ended arrows are cut by end time into buckets, each a memoised component drawn once its
//! time is over: a frame redraws the newest bucket, the messages in flight and the axis, so
//! it costs what is new on screen, not what is on it.

use std::fmt::Write;
use std::ops::{Range, RangeInclusive};

use raft::{NodeId, Time, MILLISECOND, SECOND};
use sim::{Endpoint, MessageId, MessageView, PacketKind};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, ResizeObserver, ResizeObserverEntry};
use yew::prelude::*;

use super::{fields, seconds, term_colour};
use crate::app::{use_commands, Model, PanelProps};
use crate::controller::{Command, Controller, Selection};
use crate::journal::{endpoint_name, kind_name, Arrow, LaneEvent, LaneMark, DIAGRAM_WINDOWS};

/// How many buckets a window is cut into.
const BUCKETS: Time = 32;
/// At most about this many ended arrows (and as many lane marks) are drawn, the newest, in
/// whole buckets: in the busiest lab scenarios a second holds thousands, no one reads them
/// one by one, and a frame's work follows what it draws anew.
const MAX_DRAWN: usize = 400;
/// Room for the lanes' names, left of the plot (px).
const LEFT: f64 = 52.0;
/// Room right of the plot (px).
const RIGHT: f64 = 8.0;
/// Above the first lane: the time axis (px).
const TOP: f64 = 22.0;
/// Between two lanes (px).
const LANE: f64 = 26.0;
/// How near (px) a click must be to an arrow to pick it.
const PICK: f64 = 7.0;

/// The diagram's geometry this frame: the plot's width, the window, the lanes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Frame {
    /// The plot's width in px.
    width: f64,
    /// The window's length.
    window: Time,
    /// Its start.
    start: Time,
    /// The number of servers (the Clerks' lane comes after theirs).
    servers: usize,
}

impl Frame {
    /// The px that `d` virtual µs take.
    fn span(&self, d: f64) -> f64 {
        d / self.window as f64 * self.width
    }

    /// Where time `t` is across the plot.
    fn x(&self, t: Time) -> f64 {
        self.span(t as f64 - self.start as f64)
    }

    /// Where a server's lane is.
    fn lane(&self, server: NodeId) -> f64 {
        TOP + LANE / 2.0 + server as f64 * LANE
    }

    /// Where an endpoint's lane is.
    fn y(&self, e: Endpoint) -> f64 {
        match e {
            Endpoint::Server(s) => self.lane(s),
            Endpoint::Client(_) => self.lane(self.servers),
        }
    }

    /// The whole diagram's height.
    fn height(&self) -> f64 {
        TOP + (self.servers + 1) as f64 * LANE + 4.0
    }

    /// An ended arrow from its send to its delivery, or to where it was lost, with the
    /// plot's origin at `origin`.
    fn segment(&self, a: &Arrow, origin: Time) -> (f64, f64, f64, f64) {
        let (y1, y2) = (self.y(a.from), self.y(a.to));
        let along = a.lost.map_or(1.0, |l| l.1);
        let x = |t: Time| self.span(t as f64 - origin as f64);
        (x(a.sent_at), y1, x(a.end_at), y1 + (y2 - y1) * along)
    }

    /// A message in flight from its send to where it is at `now`.
    fn flight(&self, m: &MessageView, now: Time) -> (f64, f64, f64, f64) {
        let (y1, y2) = (self.y(m.from), self.y(m.to));
        let span = m.deliver_at.saturating_sub(m.sent_at).max(1) as f64;
        let mut along = (now.saturating_sub(m.sent_at) as f64 / span).min(1.0);
        if m.held {
            // Held, it would be late by now; it waits short of its receiver.
            along = along.min(0.85);
        }
        (self.x(m.sent_at), y1, self.x(now), y1 + (y2 - y1) * along)
    }
}

/// A message kind's class: its colour, the ring's.
fn kind_class(kind: PacketKind) -> &'static str {
    super::cluster::kind_mark(kind).1.name()
}

/// How far point (x, y) is from a segment.
fn distance((x1, y1, x2, y2): (f64, f64, f64, f64), x: f64, y: f64) -> f64 {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let length = dx * dx + dy * dy;
    let t = if length > 0.0 { ((x - x1) * dx + (y - y1) * dy) / length } else { 0.0 };
    let (px, py) = (x1 + t.clamp(0.0, 1.0) * dx, y1 + t.clamp(0.0, 1.0) * dy);
    ((x - px).powi(2) + (y - py).powi(2)).sqrt()
}

/// What is drawn this frame: the ended arrows and the lane marks in the window (positions
/// in the journal), and the buckets they fall in.
struct Drawn {
    arrows: Range<usize>,
    marks: Range<usize>,
    buckets: RangeInclusive<Time>,
    /// With more arrows or marks in the window than are drawn: how much of it is drawn.
    cut: Option<Time>,
}

impl Drawn {
    fn of(ctl: &Controller, frame: &Frame, now: Time) -> Drawn {
        let journal = ctl.journal();
        let (arrows, marks) = (journal.arrows(), journal.marks());
        let bucket = bucket_of(frame.window);
        // More than MAX_DRAWN in the window: the older buckets are left out, whole, so that
        // the ones drawn keep what they hold from frame to frame.
        let over = |n: usize, at: &dyn Fn(usize) -> Time| {
            (n > MAX_DRAWN).then(|| at(n - MAX_DRAWN).div_ceil(bucket) * bucket)
        };
        let cut = [over(arrows.len(), &|i| arrows[i].end_at), over(marks.len(), &|i| marks[i].at)]
            .into_iter()
            .flatten()
            .filter(|&t| t > frame.start)
            .max();
        let start = cut.unwrap_or(frame.start);
        let first = arrows.partition_point(|a| a.end_at < start);
        let first_mark = marks.partition_point(|m| m.at < start);
        Drawn {
            arrows: first..arrows.len(),
            marks: first_mark..marks.len(),
            buckets: start / bucket..=now / bucket,
            cut: cut.map(|c| now.saturating_sub(c)),
        }
    }
}

/// How long a bucket of a window is.
fn bucket_of(window: Time) -> Time {
    (window / BUCKETS).max(1)
}

/// The part of `range` (of a sequence sorted by `time`) that falls in bucket `b`.
fn part(
    b: Time,
    bucket: Time,
    range: &Range<usize>,
    first_at: impl Fn(Time) -> usize,
) -> Range<usize> {
    let clamp = |i: usize| i.clamp(range.start, range.end);
    clamp(first_at(b * bucket))..clamp(first_at((b + 1) * bucket))
}

/// The space-time diagram panel.
#[function_component]
pub fn SpaceTime(props: &PanelProps) -> Html {
    let on = use_commands();
    let svg = use_node_ref();
    // The drawing's width follows the panel's (a ResizeObserver tells: a window resized, a
    // scroll bar come, the grid rearranged), so that one unit is one pixel and the text keeps
    // its size on a phone.
    let width = use_state(|| 900.0_f64);
    {
        let (svg, width) = (svg.clone(), width.clone());
        use_effect_with((), move |_| {
            let callback =
                Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let entry = entries.get(0).dyn_into::<ResizeObserverEntry>().ok();
                    if let Some(w) = entry.map(|e| e.content_rect().width()).filter(|w| *w > 0.0) {
                        width.set(w.round());
                    }
                });
            let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(svg)) = (&observer, svg.cast::<Element>()) {
                o.observe(&svg);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(callback);
            }
        });
    }
    let ctl = props.model.get();
    let view = ctl.view();
    let now = view.now;
    let window = ctl.diagram_window();
    let total = *width;
    let frame = Frame {
        width: (total - LEFT - RIGHT).max(60.0),
        window,
        start: now.saturating_sub(window),
        servers: view.servers.len(),
    };
    let drawn = Drawn::of(&ctl, &frame, now);
    let journal = ctl.journal();
    let bucket = bucket_of(window);
    let buckets = drawn.buckets.clone().map(|b| {
        let arrows =
            part(b, bucket, &drawn.arrows, |t| journal.arrows().partition_point(|a| a.end_at < t));
        let marks =
            part(b, bucket, &drawn.marks, |t| journal.marks().partition_point(|m| m.at < t));
        let first_id = journal.arrows().get(arrows.start).map_or(0, |a| a.id);
        let first_at = journal.marks().get(marks.start).map_or(0, |m| m.at);
        let props = BucketProps {
            model: props.model.clone(),
            origin: b * bucket,
            frame: Frame { start: 0, ..frame },
            arrows: arrows.clone(),
            marks: marks.clone(),
            key: (first_id, arrows.len(), first_at, marks.len()),
        };
        let dx = frame.x(b * bucket);
        html! {
            <g key={b} transform={format!("translate({dx:.1} 0)")}><Bucket ..props /></g>
        }
    });

    // Messages in flight, and the one picked.
    let picked = match ctl.selection() {
        Some(Selection::Message(id)) => Some(id),
        _ => None,
    };
    let flying = arrow_paths(
        view.messages.iter().map(|m| ((m.kind, m.held, false), frame.flight(m, now), m.id)),
        "flying",
    );
    let picked_line = picked.and_then(|id| {
        let segment = match view.messages.iter().find(|m| m.id == id) {
            Some(m) => frame.flight(m, now),
            None => frame.segment(journal.arrow(id)?, frame.start),
        };
        let (x1, y1, x2, y2) = segment;
        Some(html! { <path class="picked" d={format!("M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}")} /> })
    });

    // The servers' time down, as bands over their lanes.
    let mut down = String::new();
    let band = |down: &mut String, s: NodeId, from: Time, to: Time| {
        let (x1, x2) = (frame.x(from.max(frame.start)), frame.x(to));
        let _ = write!(down, "M{x1:.1} {:.1}H{x2:.1}", frame.lane(s));
    };
    for s in 0..frame.servers {
        let mut since = None;
        let mut first = true;
        for m in journal.marks().range(drawn.marks.clone()).filter(|m| m.server == s) {
            match m.event {
                LaneEvent::Crashed => since = Some(m.at),
                LaneEvent::Restarted => {
                    // Down since before the window, if nothing in it says when it crashed.
                    let from = since.take().or(first.then_some(frame.start));
                    if let Some(from) = from {
                        band(&mut down, s, from, m.at);
                    }
                }
                _ => {}
            }
            first = false;
        }
        let alive = view.servers.get(s).is_some_and(|v| v.alive);
        if !alive {
            band(&mut down, s, since.unwrap_or(frame.start), now);
        }
    }

    // The time axis: a tick every fifth of the window, labelled in seconds of the run.
    let step = window / 5;
    let mut tick_lines = String::new();
    let ticks: Vec<Html> = (frame.start / step + 1..=now / step)
        .map(|k| {
            let x = frame.x(k * step);
            let _ = write!(tick_lines, "M{x:.1} {}V{:.1}", TOP - 4.0, frame.height() - 4.0);
            let label = format!("{:.2} s", (k * step) as f64 / 1e6);
            text(x, TOP - 8.0, "tick-label", None, label)
        })
        .collect();
    let mut lane_lines = String::new();
    let lanes: Vec<Html> = (0..=frame.servers)
        .map(|s| {
            let y = frame.lane(s);
            let _ = write!(lane_lines, "M{LEFT} {y:.1}h{:.1}", frame.width);
            if s < frame.servers {
                text(6.0, y + 4.0, "lane-name pickable", Some(s), format!("S{s}"))
            } else {
                text(6.0, y + 4.0, "lane-name", None, "Clerks".to_string())
            }
        })
        .collect();

    let onclick = {
        let svg = svg.clone();
        let model = props.model.clone();
        let on = on.clone();
        Callback::from(move |e: MouseEvent| {
            let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
            let server = target
                .and_then(|t| t.closest("[data-server]").ok().flatten())
                .and_then(|t| t.get_attribute("data-server"))
                .and_then(|s| s.parse().ok());
            let picked = server.map(Selection::Server).or_else(|| {
                // From the page's pixels to the drawing's units, as the view box maps them
                // (centred, uniformly scaled), in case the panel's width has just changed.
                let rect = svg.cast::<Element>()?.get_bounding_client_rect();
                let scale = (rect.width() / total).min(rect.height() / frame.height());
                let left = rect.left() + (rect.width() - total * scale) / 2.0;
                let top = rect.top() + (rect.height() - frame.height() * scale) / 2.0;
                let x = (f64::from(e.client_x()) - left) / scale - LEFT;
                let y = (f64::from(e.client_y()) - top) / scale;
                pick(&model, &frame, x, y).map(Selection::Message)
            });
            if picked.is_some() {
                on.emit(Command::Select(picked));
            }
        })
    };

    let shown = drawn.arrows.len() + view.messages.len();
    let cut = drawn.cut;
    let choose = on.reform(move |e: Event| {
        let choice = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .and_then(|s| s.value().parse().ok())
            .unwrap_or(window);
        Command::SetDiagramWindow(choice)
    });
    html! {
        <section class="panel spacetime-panel" aria-labelledby="spacetime-title">
            <h2 id="spacetime-title">{ "Space-time diagram" }</h2>
            <div class="spacetime-bar">
                <label>{ "Window " }
                    <select onchange={choose}>
                        { for DIAGRAM_WINDOWS.iter().map(|&w| html! {
                            <option value={w.to_string()} selected={w == window}>{ seconds_short(w) }</option>
                        }) }
                    </select>
                </label>
                <span class="hint">{ format!(
                    "{shown} messages, {} – {}{}",
                    seconds(frame.start), seconds(now),
                    cut.map_or(String::new(), |c| format!(" (busy: the last {} drawn)", seconds(c)))
                ) }</span>
            </div>
            <svg class="spacetime" ref={svg} width="100%" height={format!("{:.0}", frame.height())}
                viewBox={format!("0 0 {total:.0} {:.0}", frame.height())}
                role="img" aria-label="Messages between the servers and the Clerks over the window: click an arrow to inspect it"
                {onclick}>
                <path class="lane" d={lane_lines} />
                { for lanes }
                <svg class="plot" x={LEFT.to_string()} y="0" width={format!("{:.1}", frame.width)}
                    height={format!("{:.0}", frame.height())}>
                    <path class="tick" d={tick_lines} />
                    { for ticks }
                    <path class="down" d={down} />
                    { for buckets }
                    { flying }
                    { for picked_line }
                    <line class="now" x1={format!("{:.1}", frame.width)} x2={format!("{:.1}", frame.width)}
                        y1={(TOP - 4.0).to_string()} y2={format!("{:.1}", frame.height())} />
                </svg>
            </svg>
            <p class="legend">
                { super::kind_legend("╱") }
                <span class="l-lost" data-mark="×">{ "lost" }</span>
                <span>{ "┄ held" }</span>
                <span>{ "◆ leader (colour = term)" }</span>
                <span class="m-vote" data-mark="○">{ "candidate" }</span>
                <span>{ "| commit" }</span>
                <span class="m-snapshot" data-mark="□">{ "snapshot taken" }</span>
                <span class="m-snapshot" data-mark="■">{ "installed" }</span>
                <span class="l-down" data-mark="▬">{ "down" }</span>
            </p>
        </section>
    }
}

/// A window's length as the menu says it.
fn seconds_short(t: Time) -> String {
    if t < SECOND {
        format!("{} ms", t / MILLISECOND)
    } else {
        format!("{} s", t / SECOND)
    }
}

/// The message whose arrow is nearest plot point (x, y), within [`PICK`] px.
fn pick(model: &Model, frame: &Frame, x: f64, y: f64) -> Option<MessageId> {
    let ctl = model.get();
    let view = ctl.view();
    let now = view.now;
    let journal = ctl.journal();
    let drawn = Drawn::of(&ctl, frame, now);
    let ended = journal
        .arrows()
        .range(drawn.arrows)
        .map(|a| (a.id, distance(frame.segment(a, frame.start), x, y)));
    let flying = view.messages.iter().map(|m| (m.id, distance(frame.flight(m, now), x, y)));
    ended
        .chain(flying)
        .filter(|(_, d)| *d <= PICK)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}

/// One bucket of ended arrows and lane marks, in its own coordinates (its start at x = 0):
/// compared by what it holds, so that once its time is over it is not drawn again.
#[derive(Properties, Clone)]
struct BucketProps {
    model: Model,
    /// Its start.
    origin: Time,
    /// The geometry, with the window's start at 0.
    frame: Frame,
    /// Its arrows and marks: positions in the journal.
    arrows: Range<usize>,
    marks: Range<usize>,
    /// What it holds: its first arrow's id and count, its first mark's time and count.
    key: (MessageId, usize, Time, usize),
}

impl PartialEq for BucketProps {
    fn eq(&self, other: &Self) -> bool {
        (self.origin, self.frame, self.key) == (other.origin, other.frame, other.key)
    }
}

#[function_component]
fn Bucket(props: &BucketProps) -> Html {
    let ctl = props.model.get();
    let journal = ctl.journal();
    let frame = &props.frame;
    let x = |t: Time| frame.span(t as f64 - props.origin as f64);
    let arrows = arrow_paths(
        journal
            .arrows()
            .range(props.arrows.clone())
            .map(|a| ((a.kind, a.held, a.lost.is_some()), frame.segment(a, props.origin), a.id)),
        "ended",
    );
    // Crosses and commits, one path each; the rarer marks one element each, with a title.
    let mut crosses = String::new();
    for a in journal.arrows().range(props.arrows.clone()).filter(|a| a.lost.is_some()) {
        let (_, _, x2, y2) = frame.segment(a, props.origin);
        let _ = write!(crosses, "M{:.1} {:.1}l7 7m0 -7l-7 7", x2 - 3.5, y2 - 3.5);
    }
    let mut commits = String::new();
    let mut rare = Vec::new();
    for m in journal.marks().range(props.marks.clone()) {
        let (mx, my) = (x(m.at), frame.lane(m.server));
        match lane_mark(m, mx, my) {
            Some(mark) => rare.push(mark),
            None => {
                let _ = write!(commits, "M{mx:.1} {:.1}V{:.1}", my - 6.0, my + 6.0);
            }
        }
    }
    html! {
        <>
            { arrows }
            <path class="commits" d={commits} />
            <path class="crosses" d={crosses} />
            { for rare }
        </>
    }
}

/// A lane mark at (x, y), with what it is as its title; none for a commit (commits are
/// many, and drawn together as one path).
fn lane_mark(m: &LaneMark, x: f64, y: f64) -> Option<Html> {
    let s = m.server;
    let at = seconds(m.at);
    let square = format!("M{:.1} {:.1}h8v8h-8z", x - 4.0, y - 4.0);
    let (class, fill, d, title) = match m.event {
        LaneEvent::Leader(term) => (
            "leader",
            Some(term_colour(term)),
            format!("M{x:.1} {:.1}l6 6l-6 6l-6 -6z", y - 6.0),
            format!("S{s} becomes leader of term {term} at {at}"),
        ),
        LaneEvent::Candidate(term) => (
            "candidate",
            None,
            format!("M{:.1} {y:.1}a5 5 0 1 0 10 0a5 5 0 1 0 -10 0", x - 5.0),
            format!("S{s} stands for election in term {term} at {at}"),
        ),
        LaneEvent::Crashed => (
            "crash",
            None,
            format!("M{:.1} {:.1}l10 10m0 -10l-10 10", x - 5.0, y - 5.0),
            format!("S{s} crashes at {at}"),
        ),
        LaneEvent::Restarted => (
            "restart",
            None,
            format!("M{x:.1} {:.1}v12", y - 6.0),
            format!("S{s} restarts from its persisted state at {at}"),
        ),
        LaneEvent::SnapshotTaken(index) => {
            ("snap", None, square, format!("S{s} snapshots up to index {index} at {at}"))
        }
        LaneEvent::SnapshotInstalled(index) => (
            "snap installed",
            None,
            square,
            format!("S{s} installs a snapshot up to index {index} at {at}"),
        ),
        LaneEvent::Committed(_) => return None,
    };
    Some(html! { <path class={class} fill={fill} d={d}><title>{ title }</title></path> })
}

/// How an arrow is drawn: its message's kind, whether it was held, whether it was lost.
type Look = (PacketKind, bool, bool);

/// Arrows (or the parts of them drawn so far) as one path per look, each segment's message
/// named in `data-ids` in the order of the segments: a busy run ends hundreds of messages a
/// frame, and a path's few attributes cost a fraction of as many elements.
fn arrow_paths(
    arrows: impl Iterator<Item = (Look, (f64, f64, f64, f64), MessageId)>,
    class: &'static str,
) -> Html {
    let mut paths: Vec<(&'static str, bool, bool, String, String)> = Vec::new();
    for ((kind, held, lost), (x1, y1, x2, y2), id) in arrows {
        let kind = kind_class(kind);
        let at = match paths.iter().position(|p| (p.0, p.1, p.2) == (kind, held, lost)) {
            Some(i) => i,
            None => {
                paths.push((kind, held, lost, String::new(), String::new()));
                paths.len() - 1
            }
        };
        let (_, _, _, d, ids) = &mut paths[at];
        let _ = write!(d, "M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}");
        let _ = write!(ids, "{}{id}", if ids.is_empty() { "" } else { " " });
    }
    paths
        .into_iter()
        .map(|(kind, held, lost, d, ids)| {
            let class =
                classes!("arrows", class, kind, held.then_some("held"), lost.then_some("lost"));
            html! { <path class={class} d={d} data-ids={ids} /> }
        })
        .collect()
}

/// A label at (x, y); a server's lane name says which server it is.
fn text(x: f64, y: f64, class: &'static str, server: Option<NodeId>, label: String) -> Html {
    html! {
        <text class={class} data-server={server.map(|s| s.to_string())} x={format!("{x:.1}")}
            y={format!("{y:.1}")}>{ label }</text>
    }
}

/// What an ended message was, for the inspector when it is no longer in flight.
pub fn ended_details(a: &Arrow) -> Html {
    let outcome = match a.lost {
        Some((reason, _)) => {
            format!("lost at {}: {}", seconds(a.end_at), crate::journal::drop_reason(reason))
        }
        None => format!("delivered at {}", seconds(a.end_at)),
    };
    html! {
        <div class="message-details">
            <h3>{ format!("Message #{}: {}", a.id, kind_name(a.kind)) }</h3>
            { fields("fields", &[
                ("from → to", format!("{} → {}", endpoint_name(a.from), endpoint_name(a.to))),
                ("size", format!("{} bytes", a.bytes)),
                ("sent", seconds(a.sent_at)),
                ("then", format!("{outcome}{}", if a.held { " (held on its way)" } else { "" })),
            ]) }
        </div>
    }
}
