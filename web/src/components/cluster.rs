//! The cluster drawn as a ring (as RaftScope does): servers with role, term, vote, an
//! election-timer arc and commit/applied; messages in flight moving along straight lines;
//! dropped messages as fading red crosses.
//!
//! The servers are SVG (few, clickable, labelled for screen readers). The messages and drops
//! are painted on a canvas laid over it: in a lab scenario nearly every message is new each
//! frame, and as SVG elements they cost the browser ~7 ms a frame to create, style, lay out
//! and paint (measured with scripts/browser-bench.sh), on canvas a fraction of one. A click
//! on the ring finds the message drawn under it.

use std::cell::RefCell;
use std::f64::consts::PI;
use std::rc::Rc;

use raft::{NodeId, Role, Time};
use sim::{Endpoint, MessageId, PacketKind, ServerView};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement};
use yew::prelude::*;

use super::term_colour;
use crate::app::{use_commands, Model};
use crate::clock::Listener;
use crate::controller::{Command, Selection, GROUPS};
use crate::journal::{role_name, DROP_MARK_LIFETIME};

const SIZE: f64 = 440.0;
const CENTRE: f64 = SIZE / 2.0;
const RING: f64 = 165.0;
const SERVER_R: f64 = 34.0;
/// The most messages drawn at once (the oldest in flight first); the rest are counted. A lab
/// scenario has about a hundred in flight; a hostile link can have thousands.
const MESSAGES_DRAWN: usize = 200;
/// A message mark's radius, for drawing and for clicks.
const MARK_R: f64 = 9.0;

/// The most Clerks in a row in the ring's middle.
const CLERKS_PER_ROW: usize = 6;

/// Where an endpoint sits: servers on the ring, Clerks in rows in the middle.
fn position(e: Endpoint, servers: usize, clients: usize) -> (f64, f64) {
    match e {
        Endpoint::Server(s) => {
            let a = -PI / 2.0 + 2.0 * PI * s as f64 / servers as f64;
            // The browser's own trigonometry: Rust's would add its tables to the bundle.
            (CENTRE + RING * js_sys::Math::cos(a), CENTRE + RING * js_sys::Math::sin(a))
        }
        Endpoint::Client(c) => {
            // In rows of up to six, centred, inside the ring: a lab scenario's fifteen Clerks
            // in one row would run out of the picture.
            let (c, clients) = (c as usize, clients.max(1));
            let per_row = clients.min(CLERKS_PER_ROW);
            let rows = clients.div_ceil(per_row);
            let (row, column) = (c / per_row, c % per_row);
            let in_row = if row + 1 == rows { clients - row * per_row } else { per_row };
            let pitch = (240.0 / rows as f64).min(30.0);
            let x = CENTRE + (column as f64 - (in_row - 1) as f64 / 2.0) * 42.0;
            (x, CENTRE + (row as f64 - (rows - 1) as f64 / 2.0) * pitch)
        }
    }
}

/// A point `t` of the way from `a` to `b`, stopping short of both ends' circles.
fn along(a: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let margin = (SERVER_R / len).min(0.45);
    let t = margin + (1.0 - 2.0 * margin) * t.clamp(0.0, 1.0);
    (a.0 + dx * t, a.1 + dy * t)
}

/// The colours of the page's style sheet (`:root`'s custom properties) the canvas paints
/// with, so that the legend and the marks cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Colour {
    Vote,
    Append,
    Heartbeat,
    Snapshot,
    Clerk,
    Drop,
    Ink,
}

impl Colour {
    const ALL: [Colour; 7] = [
        Colour::Vote,
        Colour::Append,
        Colour::Heartbeat,
        Colour::Snapshot,
        Colour::Clerk,
        Colour::Drop,
        Colour::Ink,
    ];

    /// The colour's name, as the style sheet's classes spell it (`vote` for `--vote`).
    pub(super) fn name(self) -> &'static str {
        &self.property().0[2..]
    }

    /// The custom property, and what to paint if the style sheet lacks it.
    fn property(self) -> (&'static str, &'static str) {
        match self {
            Colour::Vote => ("--vote", "#d9822b"),
            Colour::Append => ("--append", "#2f6fde"),
            Colour::Heartbeat => ("--heartbeat", "#8f9bb3"),
            Colour::Snapshot => ("--snapshot", "#9c3fd1"),
            Colour::Clerk => ("--clerk", "#1f9d6b"),
            Colour::Drop => ("--drop", "#d62828"),
            Colour::Ink => ("--ink", "#1d2430"),
        }
    }
}

/// A message kind's short label and colour.
pub(super) fn kind_mark(kind: PacketKind) -> (&'static str, Colour) {
    use raft::MessageKind as K;
    match kind {
        PacketKind::Raft(K::RequestVote) => ("RV", Colour::Vote),
        PacketKind::Raft(K::RequestVoteReply) => ("rv", Colour::Vote),
        PacketKind::Raft(K::AppendEntries) => ("AE", Colour::Append),
        PacketKind::Raft(K::Heartbeat) => ("HB", Colour::Heartbeat),
        PacketKind::Raft(K::AppendEntriesReply) => ("ae", Colour::Append),
        PacketKind::Raft(K::InstallSnapshot) => ("IS", Colour::Snapshot),
        PacketKind::Raft(K::InstallSnapshotReply) => ("is", Colour::Snapshot),
        PacketKind::ClerkRequest => ("C", Colour::Clerk),
        PacketKind::ClerkReply => ("c", Colour::Clerk),
    }
}

/// A message in flight where it is drawn this frame.
#[derive(Clone, Debug, PartialEq)]
struct Mark {
    id: MessageId,
    x: f64,
    y: f64,
    label: &'static str,
    colour: Colour,
    /// A reply is a square, a request a circle.
    reply: bool,
    held: bool,
    selected: bool,
}

/// A server's election timer: an arc around it, shrinking as the timeout runs out.
#[derive(Clone, Debug, PartialEq)]
struct Timer {
    x: f64,
    y: f64,
    /// The share of the timeout left.
    left: f64,
}

/// A lost message's cross, fading.
#[derive(Clone, Debug, PartialEq)]
struct Cross {
    x: f64,
    y: f64,
    opacity: f64,
}

/// The message under the point (x, y) of the ring's view box: the nearest mark within its
/// radius (and a little more, for fingers), the newest drawn if two are as near.
fn hit(marks: &[Mark], x: f64, y: f64) -> Option<MessageId> {
    let reach = (MARK_R + 3.0).powi(2);
    marks
        .iter()
        .map(|m| ((m.x - x).powi(2) + (m.y - y).powi(2), m.id))
        .filter(|&(d, _)| d <= reach)
        .fold(None, |best: Option<(f64, MessageId)>, (d, id)| match best {
            Some((b, _)) if b < d => best,
            _ => Some((d, id)),
        })
        .map(|(_, id)| id)
}

/// The style sheet's colours, read once (reading them each frame would make the browser
/// work out the page's style in the middle of the frame).
struct Palette(Vec<String>);

impl Palette {
    fn of(element: &Element) -> Palette {
        let style = web_sys::window().and_then(|w| w.get_computed_style(element).ok().flatten());
        Palette(
            Colour::ALL
                .iter()
                .map(|c| {
                    let (property, fallback) = c.property();
                    style
                        .as_ref()
                        .and_then(|s| s.get_property_value(property).ok())
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| fallback.to_string())
                })
                .collect(),
        )
    }

    /// A colour (`ALL` lists them in their declared order).
    fn get(&self, c: Colour) -> &str {
        &self.0[c as usize]
    }
}

/// What the canvas shows in a frame.
struct Marks<'a> {
    timers: &'a [Timer],
    marks: &'a [Mark],
    crosses: &'a [Cross],
}

/// The canvas's context, set up once: its scale, font and colours (setting a font parses
/// it, each time), and each kind of mark drawn once into a sprite of its own.
struct Painter {
    ctx: CanvasRenderingContext2d,
    palette: Palette,
    /// Device pixels per view-box unit.
    scale: f64,
    /// The marks drawn so far, by label (which decides colour and shape) and outline:
    /// copying one is two to three times cheaper than filling, stroking and lettering it
    /// again (100 marks: 0.6 ms instead of 1.3–1.9 in headless Chromium without a GPU), and
    /// a lab scenario draws up to a hundred every frame.
    sprites: RefCell<Vec<(&'static str, Outline, HtmlCanvasElement)>>,
}

/// How a mark is outlined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outline {
    Plain,
    /// Held by the visitor: dashed.
    Held,
    /// Selected in the inspector.
    Selected,
}

/// Half the side of a mark's sprite, in view-box units: the mark and its widest outline.
const SPRITE_HALF: f64 = MARK_R + 2.0;

impl Painter {
    /// Sizes the canvas to the pixels it covers on this screen (no more: in a browser
    /// without a GPU every pixel is copied every frame), and sets its context up.
    fn new(canvas: &HtmlCanvasElement) -> Option<Painter> {
        let density = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0);
        // Not laid out yet (a panel out of view): as wide as the ring is ever shown.
        let css = match f64::from(canvas.client_width()) {
            w if w >= 100.0 => w,
            _ => 560.0,
        };
        let pixels = (css * density).round();
        canvas.set_width(pixels as u32);
        canvas.set_height(pixels as u32);
        let scale = pixels / SIZE;
        // Desynchronized: the browser shows each frame's canvas as its own surface instead of
        // copying it into the page's next commit. Without a GPU that copy was ~1.3 ms of the
        // main thread every frame (scripts/browser-bench.sh, PersistPartitionUnreliable at 1×:
        // 5.6 → 4.2 ms). Browsers that do not know the hint ignore it; with a GPU it may tear
        // a frame, which dots redrawn every frame do not show.
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"desynchronized".into(), &JsValue::TRUE).ok()?;
        let ctx = context(canvas, &options, scale)?;
        Some(Painter { ctx, palette: Palette::of(canvas), scale, sprites: RefCell::default() })
    }

    /// The sprite of a mark like `m` (its label, so its kind) with `outline`, drawn on first
    /// use.
    fn sprite(&self, m: &Mark, outline: Outline) -> Option<HtmlCanvasElement> {
        let mut sprites = self.sprites.borrow_mut();
        if let Some((.., c)) = sprites.iter().find(|(l, o, _)| *l == m.label && *o == outline) {
            return Some(c.clone());
        }
        let canvas = web_sys::window()?
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into::<HtmlCanvasElement>()
            .ok()?;
        let pixels = (2.0 * SPRITE_HALF * self.scale).ceil();
        canvas.set_width(pixels as u32);
        canvas.set_height(pixels as u32);
        let ctx = context(&canvas, &js_sys::Object::new(), pixels / (2.0 * SPRITE_HALF))?;
        self.draw_mark(&ctx, m, outline, SPRITE_HALF, SPRITE_HALF);
        sprites.push((m.label, outline, canvas.clone()));
        Some(canvas)
    }

    /// Draws a mark like `m` centred on (x, y) of `ctx`.
    fn draw_mark(
        &self,
        ctx: &CanvasRenderingContext2d,
        m: &Mark,
        outline: Outline,
        x: f64,
        y: f64,
    ) {
        let paint_of = |c: Colour| self.palette.get(c);
        ctx.begin_path();
        if m.reply {
            ctx.rect(x - 8.0, y - 8.0, 16.0, 16.0);
        } else {
            let _ = ctx.arc(x, y, MARK_R, 0.0, 2.0 * PI);
        }
        ctx.set_fill_style_str(paint_of(m.colour));
        ctx.fill();
        let (stroke, width) = match outline {
            Outline::Selected => (paint_of(Colour::Ink), 3.0),
            Outline::Held => (paint_of(Colour::Ink), 2.0),
            Outline::Plain => ("#fff", 1.5),
        };
        if outline == Outline::Held {
            let dashed = js_sys::Array::of2(&JsValue::from(2.0), &JsValue::from(2.0));
            let _ = ctx.set_line_dash(&dashed);
        }
        ctx.set_stroke_style_str(stroke);
        ctx.set_line_width(width);
        ctx.stroke();
        if outline == Outline::Held {
            let _ = ctx.set_line_dash(&js_sys::Array::new());
        }
        ctx.set_fill_style_str("#fff");
        let _ = ctx.fill_text(m.label, x, y);
    }

    /// Paints a frame's marks, replacing what the canvas showed.
    fn paint(&self, frame: &Marks) {
        let (ctx, paint_of) = (&self.ctx, |c: Colour| self.palette.get(c));
        ctx.clear_rect(0.0, 0.0, SIZE, SIZE);

        ctx.set_stroke_style_str(paint_of(Colour::Ink));
        ctx.set_line_width(3.0);
        ctx.set_global_alpha(0.55);
        for t in frame.timers {
            let start = -PI / 2.0;
            ctx.begin_path();
            let _ =
                ctx.arc(t.x, t.y, SERVER_R + 5.0, start, start + 2.0 * PI * t.left.clamp(0.0, 1.0));
            ctx.stroke();
        }

        ctx.set_stroke_style_str(paint_of(Colour::Drop));
        ctx.set_line_width(3.5);
        for c in frame.crosses {
            ctx.set_global_alpha(c.opacity);
            ctx.begin_path();
            ctx.move_to(c.x - 7.0, c.y - 7.0);
            ctx.line_to(c.x + 7.0, c.y + 7.0);
            ctx.move_to(c.x - 7.0, c.y + 7.0);
            ctx.line_to(c.x + 7.0, c.y - 7.0);
            ctx.stroke();
        }
        ctx.set_global_alpha(1.0);

        let side = 2.0 * SPRITE_HALF;
        for m in frame.marks {
            let outline = if m.selected {
                Outline::Selected
            } else if m.held {
                Outline::Held
            } else {
                Outline::Plain
            };
            match self.sprite(m, outline) {
                Some(sprite) => {
                    let (x, y) = (m.x - SPRITE_HALF, m.y - SPRITE_HALF);
                    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
                        &sprite, x, y, side, side,
                    );
                }
                None => self.draw_mark(ctx, m, outline, m.x, m.y),
            }
        }
    }
}

/// A 2D context of `canvas` made with `options`, scaled from view-box units to its pixels,
/// its text and lines set up for the marks.
fn context(
    canvas: &HtmlCanvasElement,
    options: &js_sys::Object,
    scale: f64,
) -> Option<CanvasRenderingContext2d> {
    let ctx = canvas
        .get_context_with_context_options("2d", options)
        .ok()??
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    let _ = ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0);
    ctx.set_font("700 8px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.set_line_cap("round");
    Some(ctx)
}

/// The ring's properties.
#[derive(Properties, Clone, PartialEq)]
pub struct ClusterProps {
    /// The page's state.
    pub model: Model,
    /// What goes under the ring (the network's faults).
    #[prop_or_default]
    pub children: Html,
}

/// The ring.
#[function_component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let on = &use_commands();
    let ctl = props.model.get();
    let view = ctl.view();
    let (n, clients) = (view.servers.len(), view.clients.len());
    let selection = ctl.selection();
    let partitioned = view.groups.len() > 1;

    let servers = view.servers.iter().map(|s| {
        let at = position(Endpoint::Server(s.id), n, clients);
        let selected = selection == Some(Selection::Server(s.id));
        let group = partitioned.then(|| GROUPS[ctl.groups()[s.id]]);
        let p = ServerProps::of(s, at, selected, group);
        html! { <ServerMark key={format!("s{}", s.id)} ..p /> }
    });
    let timers: Vec<Timer> = view
        .servers
        .iter()
        .filter_map(|s| {
            let (x, y) = position(Endpoint::Server(s.id), n, clients);
            timer_left(s, view.now).map(|left| Timer { x, y, left })
        })
        .collect();
    let undrawn = view.messages.len().saturating_sub(MESSAGES_DRAWN);
    let marks: Vec<Mark> = view
        .messages
        .iter()
        .take(MESSAGES_DRAWN)
        .map(|m| {
            let span = m.deliver_at.saturating_sub(m.sent_at).max(1) as f64;
            let t = view.now.saturating_sub(m.sent_at) as f64 / span;
            let (x, y) = along(position(m.from, n, clients), position(m.to, n, clients), t);
            let (label, colour) = kind_mark(m.kind);
            let selected = selection == Some(Selection::Message(m.id));
            Mark { id: m.id, x, y, label, colour, reply: m.kind.is_reply(), held: m.held, selected }
        })
        .collect();
    let crosses: Vec<Cross> = ctl
        .journal()
        .drops(view.now)
        .map(|(d, progress)| {
            let from = position(d.from, n, clients);
            let (x, y) = along(from, position(d.to, n, clients), progress);
            let age = view.now.saturating_sub(d.end_at) as f64 / DROP_MARK_LIFETIME as f64;
            Cross { x, y, opacity: (1.0 - age).clamp(0.0, 1.0) }
        })
        .collect();
    let drawn_count = marks.len();

    // The marks as last painted, for clicks.
    let drawn = use_mut_ref(Vec::<Mark>::new);
    let canvas = use_node_ref();
    let svg = use_node_ref();
    let painter = use_mut_ref(|| None::<Painter>);
    // Made again, at the new size, after the window is resized.
    {
        let painter = painter.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window()
                .map(|w| Listener::new(&w, "resize", move |_| drop(painter.borrow_mut().take())));
            move || drop(listener)
        });
    }
    {
        let (canvas, drawn) = (canvas.clone(), drawn.clone());
        use_effect(move || {
            let mut painter = painter.borrow_mut();
            if painter.is_none() {
                *painter = canvas.cast::<HtmlCanvasElement>().and_then(|c| Painter::new(&c));
            }
            if let Some(painter) = &*painter {
                painter.paint(&Marks { timers: &timers, marks: &marks, crosses: &crosses });
            }
            *drawn.borrow_mut() = marks;
        });
    }
    let onclick = ring_click(svg.clone(), drawn, on.clone());
    let clerks = (0..clients as u64).map(|c| {
        let (x, y) = position(Endpoint::Client(c), n, clients);
        html! {
            <g class="clerk" key={format!("c{c}")}>
                <rect x={format!("{:.1}", x - 16.0)} y={format!("{:.1}", y - 12.0)} width="32" height="24" rx="4" />
                <text x={format!("{x:.1}")} y={format!("{:.1}", y + 4.0)} text-anchor="middle">{ format!("C{c}") }</text>
            </g>
        }
    });

    html! {
        <section class="panel cluster-panel" aria-labelledby="cluster-title">
            <h2 id="cluster-title">{ "Cluster" }</h2>
            <div class="ring-box">
                <svg class="ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="group" ref={svg} {onclick}
                    aria-label="Servers on a ring, Clerks in the middle, messages in flight between them">
                    <circle class="ring-line" cx={CENTRE.to_string()} cy={CENTRE.to_string()} r={RING.to_string()} />
                    { for clerks }
                    { for servers }
                    if undrawn > 0 {
                        <text class="undrawn" x="8" y={(SIZE - 8.0).to_string()}>
                            { format!("+{undrawn} more messages in flight (not drawn)") }</text>
                    }
                </svg>
                // Keyboard and screen-reader users reach messages through the inspector's list.
                <canvas class="ring-messages" ref={canvas} aria-hidden="true"
                    data-drawn={drawn_count.to_string()} />
            </div>
            <p class="legend">
                { super::kind_legend("●") }
                <span>{ "circle = request, square = reply, dashed = held" }</span>
            </p>
            { props.children.clone() }
        </section>
    }
}

/// A server as the ring draws it: a memoised component, drawn again only when what it shows
/// changes (its election timer moves every frame, and is painted on the canvas).
#[derive(Properties, Clone, PartialEq)]
struct ServerProps {
    id: NodeId,
    at: (f64, f64),
    fill: &'static str,
    role: &'static str,
    lines: Vec<String>,
    label: String,
    selected: bool,
    group: Option<&'static str>,
}

impl ServerProps {
    fn of(
        s: &ServerView,
        at: (f64, f64),
        selected: bool,
        group: Option<&'static str>,
    ) -> ServerProps {
        let id = s.id;
        let (fill, role, lines, label) = match &s.raft {
            None => (
                "#3b4048",
                "crashed",
                vec!["crashed".to_string(), format!("T{} (disk)", s.persisted.term)],
                format!("S{id}, crashed; its disk holds term {}", s.persisted.term),
            ),
            Some(r) => {
                let vote = r.voted_for.map_or("–".to_string(), |v| format!("S{v}"));
                let lines = vec![
                    format!("T{} {}", r.term, role_letter(r.role)),
                    match r.role {
                        Role::Candidate => format!("votes {}", r.votes.len()),
                        _ => format!("vote {vote}"),
                    },
                    format!("c{} a{}", r.commit_index, r.last_applied),
                ];
                let label = format!(
                    "S{id}, {} in term {}, voted for {vote}, commit index {}, applied {}",
                    role_name(r.role),
                    r.term,
                    r.commit_index,
                    r.last_applied
                );
                (term_colour(r.term), role_name(r.role), lines, label)
            }
        };
        let label = match group {
            Some(g) => format!("{label}; in partition group {g}"),
            None => label,
        };
        ServerProps { id, at, fill, role, lines, label, selected, group }
    }
}

#[function_component]
fn ServerMark(p: &ServerProps) -> Html {
    let (id, (x, y), group) = (p.id, p.at, p.group);
    let on = use_commands();
    let select = on.reform(move |_| Command::Select(Some(Selection::Server(id))));
    let enter = on.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            enter.emit(Command::Select(Some(Selection::Server(id))));
        }
    });
    let group_label = group.map(|g| {
        html! { <text class="group-label" x={format!("{x:.1}")} y={format!("{:.1}", y - SERVER_R - 10.0)}
            text-anchor="middle">{ format!("group {g}") }</text> }
    });
    // The lines under the name are drawn beside the button, not in it: its label says them
    // in words, and a button's name must hold all the text it shows. Clicks pass through them.
    html! {
        <g>
            <g class={classes!("server", p.role, p.selected.then_some("selected"), group.map(|g| format!("group-{g}")))}
                tabindex="0" role="button" aria-label={p.label.clone()}
                onclick={select} {onkeydown}>
                // A partition group's colour as a ring (a drop shadow costs every frame's paint).
                if matches!(group, Some("B" | "C")) {
                    <circle class="halo" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={(SERVER_R + 9.0).to_string()} />
                }
                <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={SERVER_R.to_string()} fill={p.fill} />
                <text class="name" x={format!("{x:.1}")} y={format!("{:.1}", y - 12.0)} text-anchor="middle">{ format!("S{id}") }</text>
            </g>
            <g class={classes!("server-lines", p.role)} aria-hidden="true">
                { for p.lines.iter().enumerate().map(|(i, l)| html! {
                    <text x={format!("{x:.1}")} y={format!("{:.1}", y + 2.0 + 11.0 * i as f64)} text-anchor="middle">{ l.clone() }</text>
                }) }
                { group_label }
            </g>
        </g>
    }
}

/// How much of a server's election timeout is left (1 when just reset), if it is running.
fn timer_left(s: &ServerView, now: Time) -> Option<f64> {
    let r = s.raft.as_ref()?;
    let deadline = r.election_deadline.filter(|&d| d > r.election_reset_at)?;
    let span = (deadline - r.election_reset_at) as f64;
    Some(1.0 - now.saturating_sub(r.election_reset_at) as f64 / span)
}

fn role_letter(role: Role) -> &'static str {
    match role {
        Role::Follower => "F",
        Role::Candidate => "C",
        Role::Leader => "L ★",
    }
}

/// Selects the message drawn under a click on the ring, if any (a click on a server is the
/// server's).
fn ring_click(
    svg: NodeRef,
    drawn: Rc<RefCell<Vec<Mark>>>,
    on: Callback<Command>,
) -> Callback<MouseEvent> {
    Callback::from(move |e: MouseEvent| {
        let on_server = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest(".server").ok().flatten())
            .is_some();
        let Some(svg) = svg.cast::<Element>() else { return };
        let rect = svg.get_bounding_client_rect();
        if on_server || rect.width() <= 0.0 || rect.height() <= 0.0 {
            return;
        }
        let x = (f64::from(e.client_x()) - rect.left()) * SIZE / rect.width();
        let y = (f64::from(e.client_y()) - rect.top()) * SIZE / rect.height();
        if let Some(id) = hit(&drawn.borrow(), x, y) {
            on.emit(Command::Select(Some(Selection::Message(id))));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(id: MessageId, x: f64, y: f64) -> Mark {
        Mark {
            id,
            x,
            y,
            label: "AE",
            colour: Colour::Append,
            reply: false,
            held: false,
            selected: false,
        }
    }

    #[test]
    fn a_click_finds_the_nearest_message_within_reach() {
        let marks = [mark(1, 100.0, 100.0), mark(2, 110.0, 100.0)];
        assert_eq!(hit(&marks, 102.0, 101.0), Some(1));
        assert_eq!(hit(&marks, 108.0, 99.0), Some(2));
        assert_eq!(hit(&marks, 100.0, 111.0), Some(1), "within the radius and a finger's margin");
        assert_eq!(hit(&marks, 100.0, 113.0), None);
        assert_eq!(hit(&[], 100.0, 100.0), None);
    }

    #[test]
    fn of_two_marks_on_one_spot_the_one_painted_last_is_picked() {
        let marks = [mark(1, 50.0, 50.0), mark(2, 50.0, 50.0)];
        assert_eq!(hit(&marks, 50.0, 50.0), Some(2));
    }
}
