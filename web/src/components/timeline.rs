//! The timeline of the whole recorded run, under the toolbar: the leader of each term as a
//! band in the term's colour, the network split, unreliable, and servers down as bands, the
//! operations that returned as a histogram, InstallSnapshots as ticks, operations the
//! checker cannot place as red ticks, where the run is now and the space-time diagram's
//! window ending there. A click travels there; hovering a band says what it is.

use raft::{Time, SECOND};
use web_sys::Element;
use yew::prelude::*;

use super::{seconds, term_colour};
use crate::app::{use_commands, Model, PanelProps};
use crate::controller::Command;
use crate::timeline::Bin;

/// The view box's width.
const W: f64 = 1000.0;

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

/// The timeline panel.
#[function_component]
pub fn TimelineBar(props: &PanelProps) -> Html {
    let on = use_commands();
    let svg = use_node_ref();
    let ctl = props.model.get();
    let now = ctl.runner().sim().now();
    let window = ctl.diagram_window();
    let end = ctl.horizon().max(now).max(SECOND);
    let x = |t: Time| x_of(t, end);
    let onclick = {
        let svg = svg.clone();
        on.reform(move |e: MouseEvent| {
            let rect = svg.cast::<Element>().map(|s| s.get_bounding_client_rect());
            let fraction = rect
                .filter(|r| r.width() > 0.0)
                .map_or(0.0, |r| (f64::from(e.client_x()) - r.left()) / r.width());
            Command::Travel((fraction.clamp(0.0, 1.0) * end as f64) as Time)
        })
    };
    let tracks = TracksProps {
        model: props.model.clone(),
        generation: ctl.timeline().generation(),
        failing: ctl.failing().unplaceable.len(),
        end,
    };
    html! {
        <section class="panel timeline-panel" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{ "Timeline" }</h2>
            <svg class="timeline" ref={svg} viewBox={format!("0 0 {W} 58")} preserveAspectRatio="none"
                role="img" aria-label="The run from its start: leaders by term, faults, operations; click to travel there"
                {onclick}>
                <Tracks ..tracks />
                <rect class="window" x={x(now.saturating_sub(window))} y="0" height="58"
                    width={format!("{:.1}", (now - now.saturating_sub(window)) as f64 / end as f64 * W)}>
                    <title>{ "the space-time diagram's window" }</title>
                </rect>
                <line class="now" x1={x(now)} x2={x(now)} y1="0" y2="58" />
            </svg>
            <p class="legend">
                <span>{ "leader (colour = term)" }</span>
                <span class="l-split" data-mark="▬">{ "split" }</span>
                <span class="l-unreliable" data-mark="▬">{ "unreliable" }</span>
                <span class="l-down" data-mark="▬">{ "server down" }</span>
                <span>{ "bars = operations returned" }</span>
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
            .map(|(i, n, _)| band(i, n, y, 5.0, class, None, what.to_string()))
            .collect::<Html>()
    };
    let down = runs(bins, |b| b.crashed).into_iter().filter(|r| r.2 != 0).map(|(i, n, bits)| {
        band(i, n, 30.0, 5.0, "down", None, format!("down: {}", servers(bits)))
    });
    // Operations as one path of bars, InstallSnapshots as one path of ticks.
    let most = bins.iter().map(|b| b.ops).max().unwrap_or(0).max(1) as f64;
    let mut ops = String::new();
    let mut installs = String::new();
    for (i, b) in bins.iter().enumerate() {
        let mid = x(i as Time * bin + bin / 2);
        if b.ops > 0 {
            ops.push_str(&format!("M{mid} 58V{:.1}", 58.0 - 18.0 * f64::from(b.ops) / most));
        }
        if b.installs > 0 {
            installs.push_str(&format!("M{mid} 38V58"));
        }
    }
    let history = ctl.runner().sim().history();
    let mut bad = String::new();
    for &i in &ctl.failing().unplaceable {
        if let Some(e) = history.get(i) {
            bad.push_str(&format!("M{} 0V58", x(e.call)));
        }
    }
    html! {
        <>
            { for leaders }
            { flags(|b| b.split, 18.0, "split", "network split") }
            { flags(|b| b.unreliable, 24.0, "unreliable", "network unreliable") }
            { for down }
            <path class="ops" d={ops} />
            <path class="installs" d={installs} />
            <path class="unplaceable" d={bad} />
        </>
    }
}
