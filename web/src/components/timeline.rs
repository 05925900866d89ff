//! The timeline of the whole recorded run, under the toolbar: the leader of each term as a
//! band in the term's colour; the network split, unreliable or reordering, messages held
//! back and servers down as bands; the operations that returned as bars up and the Clerks'
//! retries as bars down; InstallSnapshots as ticks, operations the checker cannot place as
//! red ticks; where the run is now and the space-time diagram's window ending there. A click
//! travels there and a drag scrubs through the run; the line under it says what happened
//! where the pointer is.

use std::fmt::Write;

use raft::{Time, SECOND};
use web_sys::{Element, PointerEvent};
use yew::prelude::*;

use super::{seconds, term_colour};
use crate::app::{use_commands, Model, PanelProps};
use crate::controller::Command;
use crate::timeline::Bin;

/// The view box's width.
const W: f64 = 1000.0;
/// Its height, and the tracks' places in it: the leaders' band at the top, a thin band per
/// fault, then operations up from the bottom and retries down from [`RETRIES`].
const H: f64 = 70.0;
const SPLIT: f64 = 18.0;
const UNRELIABLE: f64 = 23.0;
const REORDERING: f64 = 28.0;
const HELD: f64 = 33.0;
const DOWN: f64 = 38.0;
const FAULT_H: f64 = 4.0;
const RETRIES: f64 = 45.0;
const OPS_MAX_H: f64 = 13.0;
const RETRIES_MAX_H: f64 = 9.0;

/// Where time `t` is across the view box, for an axis ending at `end`.
fn x_of(t: Time, end: Time) -> String {
    format!("{:.1}", t.min(end) as f64 / end as f64 * W)
}

/// The stretches of consecutive bins whose `key` is the same: (first bin, bins, key).
fn runs<K: PartialEq + Copy>(bins: &[Bin], key: impl Fn(&Bin) -> K) -> Vec<(usize, usize, K)> {
    let mut out: Vec<(usize, usize, K)> = Vec::new();
    for (i, b) in bins.iter().enumerate() {
        let k = key(b);
        match out.last_mut() {
            Some((_, n, last)) if *last == k => *n += 1,
            _ => out.push((i, 1, k)),
        }
    }
    out
}

/// The servers a bit set names: "S1 S3".
fn servers(bits: u16) -> String {
    (0..16).filter(|s| bits & (1 << s) != 0).map(|s| format!("S{s}")).collect::<Vec<_>>().join(" ")
}

/// What the tracks are drawn from: the page's state, compared by what the tracks show (the
/// bins, the failing operations and the time axis) so that they are drawn again only when
/// that changes, not when the run only moves along the recording (time travel, a replay).
#[derive(Properties, Clone)]
struct TracksProps {
    model: Model,
    generation: u64,
    failing: usize,
    end: Time,
}

impl PartialEq for TracksProps {
    fn eq(&self, other: &Self) -> bool {
        (self.generation, self.failing, self.end) == (other.generation, other.failing, other.end)
    }
}

/// What a bin of the run (from `t0` to `t1`) holds, in words.
fn describe(b: &Bin, t0: Time, t1: Time) -> String {
    let mut out = format!("{:.2}–{:.2} s:", t0 as f64 / 1e6, t1 as f64 / 1e6);
    match b.leader {
        Some((s, term)) => write!(out, " S{s} leads in term {term}"),
        None => write!(out, " no leader"),
    }
    .ok();
    for (on, what) in [
        (b.split, "network split"),
        (b.unreliable, "unreliable"),
        (b.reordering, "long reordering"),
        (b.held, "messages held"),
    ] {
        if on {
            write!(out, " · {what}").ok();
        }
    }
    if b.crashed != 0 {
        write!(out, " · down: {}", servers(b.crashed)).ok();
    }
    write!(out, " · {} operations returned, {} retries", b.ops, b.retries).ok();
    if b.installs > 0 {
        write!(out, " · {} InstallSnapshot", b.installs).ok();
    }
    out
}

/// The timeline panel.
#[function_component]
pub fn TimelineBar(props: &PanelProps) -> Html {
    let on = use_commands();
    let svg = use_node_ref();
    // The time under the pointer, and whether a drag is scrubbing through the run.
    let pointed = use_state(|| None::<Time>);
    let dragging = use_mut_ref(|| false);
    let ctl = props.model.get();
    let now = ctl.runner().sim().now();
    let window = ctl.diagram_window();
    let end = ctl.horizon().max(now).max(SECOND);
    let x = |t: Time| x_of(t, end);
    let time_at = {
        let svg = svg.clone();
        move |client_x: i32| {
            let rect = svg.cast::<Element>().map(|s| s.get_bounding_client_rect());
            let fraction = rect
                .filter(|r| r.width() > 0.0)
                .map_or(0.0, |r| (f64::from(client_x) - r.left()) / r.width());
            (fraction.clamp(0.0, 1.0) * end as f64) as Time
        }
    };
    let onclick = {
        let time_at = time_at.clone();
        on.reform(move |e: MouseEvent| Command::Travel(time_at(e.client_x())))
    };
    let onpointerdown = {
        let dragging = dragging.clone();
        Callback::from(move |e: PointerEvent| {
            *dragging.borrow_mut() = true;
            if let Some(target) = e.target_dyn_into::<Element>() {
                // Keeps the drag's moves coming while the pointer leaves the strip.
                target.set_pointer_capture(e.pointer_id()).ok();
            }
        })
    };
    let onpointermove = {
        let (dragging, pointed, on) = (dragging.clone(), pointed.clone(), on.clone());
        Callback::from(move |e: PointerEvent| {
            let t = time_at(e.client_x());
            pointed.set(Some(t));
            if *dragging.borrow() {
                on.emit(Command::Travel(t));
            }
        })
    };
    let stop = {
        let dragging = dragging.clone();
        Callback::from(move |_: PointerEvent| *dragging.borrow_mut() = false)
    };
    let onpointerleave = {
        let pointed = pointed.clone();
        Callback::from(move |_: PointerEvent| pointed.set(None))
    };
    let timeline = ctl.timeline();
    let said = pointed.map(|t| {
        let bin = timeline.bin_time();
        let i = (t / bin) as usize;
        match timeline.bins().get(i) {
            Some(b) => describe(b, i as Time * bin, ((i + 1) as Time * bin).min(end)),
            None => format!("{:.2} s: not run yet", t as f64 / 1e6),
        }
    });
    let tracks = TracksProps {
        model: props.model.clone(),
        generation: ctl.timeline().generation(),
        failing: ctl.failing().unplaceable.len(),
        end,
    };
    html! {
        <section class="panel timeline-panel" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{ "Timeline" }</h2>
            <svg class="timeline" ref={svg} viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none"
                role="img" aria-label="The run from its start: leaders by term, faults, operations; click or drag to travel there"
                {onclick} {onpointerdown} {onpointermove} onpointerup={stop.clone()} onpointercancel={stop}
                {onpointerleave}>
                <Tracks ..tracks />
                <rect class="window" x={x(now.saturating_sub(window))} y="0" height={H.to_string()}
                    width={format!("{:.1}", (now - now.saturating_sub(window)) as f64 / end as f64 * W)}>
                    <title>{ "the space-time diagram's window" }</title>
                </rect>
                <line class="now" x1={x(now)} x2={x(now)} y1="0" y2={H.to_string()} />
            </svg>
            <p class="timeline-said">{ said.unwrap_or_else(|| "Point at the timeline to see what happened there; click or drag to travel.".into()) }</p>
            <p class="legend">
                <span>{ "leader (colour = term)" }</span>
                <span class="l-split" data-mark="▬">{ "split" }</span>
                <span class="l-unreliable" data-mark="▬">{ "unreliable" }</span>
                <span class="l-reordering" data-mark="▬">{ "long reordering" }</span>
                <span class="l-held" data-mark="▬">{ "held" }</span>
                <span class="l-down" data-mark="▬">{ "server down" }</span>
                <span class="l-ops" data-mark="▮">{ "operations returned" }</span>
                <span class="l-retries" data-mark="▮">{ "Clerk retries" }</span>
                <span class="l-install" data-mark="|">{ "InstallSnapshot" }</span>
                <span class="l-bad" data-mark="|">{ "cannot be placed" }</span>
                <span class="l-window" data-mark="▭">{ "space-time diagram" }</span>
                <span>{ format!("0 – {}", seconds(end)) }</span>
            </p>
        </section>
    }
}

/// The tracks: bands, the histogram and the ticks.
#[function_component]
fn Tracks(props: &TracksProps) -> Html {
    let ctl = props.model.get();
    let timeline = ctl.timeline();
    let bins = timeline.bins();
    let end = props.end;
    let bin = timeline.bin_time();
    let x = |t: Time| x_of(t, end);
    let span = move |first: usize, n: usize| (first as Time * bin, (first + n) as Time * bin);
    let band = |first: usize,
                n: usize,
                y: f64,
                h: f64,
                class: &'static str,
                fill: Option<&'static str>,
                title: String| {
        let (t0, t1) = span(first, n);
        let width = (t1.min(end) - t0.min(end)) as f64 / end as f64 * W;
        html! {
            <rect class={class} x={x(t0)} y={y.to_string()} width={format!("{width:.1}")} height={h.to_string()}
                fill={fill}>
                <title>{ format!("{title}, {}–{}", seconds(t0), seconds(t1.min(end))) }</title>
            </rect>
        }
    };
    let leaders = runs(bins, |b| b.leader).into_iter().filter_map(|(i, n, l)| {
        let (s, term) = l?;
        Some(band(
            i,
            n,
            0.0,
            16.0,
            "lead",
            Some(term_colour(term)),
            format!("S{s} leads in term {term}"),
        ))
    });
    let flags = |key: fn(&Bin) -> bool, y: f64, class: &'static str, what: &'static str| {
        runs(bins, key)
            .into_iter()
            .filter(|r| r.2)
            .map(|(i, n, _)| band(i, n, y, FAULT_H, class, None, what.to_string()))
            .collect::<Html>()
    };
    let down = runs(bins, |b| b.crashed).into_iter().filter(|r| r.2 != 0).map(|(i, n, bits)| {
        band(i, n, DOWN, FAULT_H, "down", None, format!("down: {}", servers(bits)))
    });
    // Operations and retries as one path of bars each, InstallSnapshots as one of ticks.
    let most = |count: fn(&Bin) -> u32| bins.iter().map(count).max().unwrap_or(0).max(1) as f64;
    let (most_ops, most_retries) = (most(|b| b.ops), most(|b| b.retries));
    let (mut ops, mut retries, mut installs) = (String::new(), String::new(), String::new());
    for (i, b) in bins.iter().enumerate() {
        let mid = x(i as Time * bin + bin / 2);
        if b.ops > 0 {
            let top = H - OPS_MAX_H * f64::from(b.ops) / most_ops;
            write!(ops, "M{mid} {H}V{top:.1}").ok();
        }
        if b.retries > 0 {
            let bottom = RETRIES + RETRIES_MAX_H * f64::from(b.retries) / most_retries;
            write!(retries, "M{mid} {RETRIES}V{bottom:.1}").ok();
        }
        if b.installs > 0 {
            write!(installs, "M{mid} {RETRIES}V{H}").ok();
        }
    }
    let history = ctl.runner().sim().history();
    let mut bad = String::new();
    for &i in &ctl.failing().unplaceable {
        if let Some(e) = history.get(i) {
            write!(bad, "M{} 0V{H}", x(e.call)).ok();
        }
    }
    html! {
        <>
            { for leaders }
            { flags(|b| b.split, SPLIT, "split", "network split") }
            { flags(|b| b.unreliable, UNRELIABLE, "unreliable", "network unreliable") }
            { flags(|b| b.reordering, REORDERING, "reordering", "long reordering") }
            { flags(|b| b.held, HELD, "held", "messages held back") }
            { for down }
            <path class="ops" d={ops} />
            <path class="retries" d={retries} />
            <path class="installs" d={installs} />
            <path class="unplaceable" d={bad} />
        </>
    }
}
