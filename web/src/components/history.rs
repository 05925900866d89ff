//! The history: every Clerk operation from call to return, a track per key and a lane per
//! Clerk, with the live linearizability verdict. On a violation the operations that cannot be
//! placed are marked; clicking an operation shows the server and log entry that served it.

use check::Verdict;
use kv::OpKind;
use sim::HistoryEntry;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::seconds;
use crate::app::{use_commands, PanelProps};
use crate::controller::{Command, Selection};
use crate::journal::{quoted, SHOWN_VALUE};

/// Width of the drawing, in SVG units.
const WIDTH: f64 = 600.0;
/// Height of one Clerk's lane.
const LANE: f64 = 24.0;
/// How many operations the drawing shows at once: the newest, or a window the visitor moved
/// back to. However long the history, the panel draws this many.
pub const WINDOW: usize = 40;
/// How many of the operations that cannot be placed are listed.
const BAD_LISTED: usize = 20;

/// The history panel.
#[function_component]
pub fn History(props: &PanelProps) -> Html {
    let on = use_commands();
    // Where the window starts, once the visitor has moved it; `None` follows the newest.
    let pinned = use_state(|| None::<usize>);
    let ctl = props.model.get();
    let history = ctl.runner().sim().history();
    let failing = ctl.failing();
    let selected = match ctl.selection() {
        Some(Selection::Op(i)) => Some(i),
        _ => None,
    };
    let last_start = history.len().saturating_sub(WINDOW);
    let first = pinned.map_or(last_start, |p| p.min(last_start));
    let window = &history[first..(first + WINDOW).min(history.len())];
    let keys = sorted_set(window.iter().map(|e| e.op.key.as_str()));
    // The axis is the order of calls and returns, as porcupine's visualiser draws it: every
    // operation gets room, however short, and idle stretches take none.
    let begin = window.first().map_or(0, |e| e.call_order);
    let end = window.iter().map(|e| e.ret_order.unwrap_or(e.call_order) + 1).max().unwrap_or(1);
    let slot = WIDTH / end.saturating_sub(begin).max(1) as f64;
    let x = |order: u64| order.saturating_sub(begin) as f64 * slot;
    let bad = &failing.unplaceable;

    let move_to = |start: Option<usize>| {
        let pinned = pinned.clone();
        Callback::from(move |_: MouseEvent| pinned.set(start))
    };
    let on_range = {
        let pinned = pinned.clone();
        Callback::from(move |e: InputEvent| {
            let v: usize =
                e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(0);
            pinned.set((v < last_start).then_some(v));
        })
    };
    let pager = (history.len() > WINDOW).then(|| html! {
        <div class="history-pager" role="group" aria-label="Which operations the drawing shows">
            <button onclick={move_to(Some(first.saturating_sub(WINDOW)))} disabled={first == 0}>{ "◀ Earlier" }</button>
            <input type="range" min="0" max={last_start.to_string()} value={first.to_string()} oninput={on_range}
                aria-label="First operation shown" />
            <button onclick={move_to((first + WINDOW < last_start).then_some(first + WINDOW))}
                disabled={pinned.is_none()}>{ "Later ▶" }</button>
            <button onclick={move_to(None)} disabled={pinned.is_none()}>{ "Newest" }</button>
            <span class="window-text">{ format!("operations {}–{} of {}{}", first + 1, first + window.len(), history.len(),
                if pinned.is_none() { " (following the newest)" } else { "" }) }</span>
        </div>
    });

    html! {
        <section class="panel history-panel" aria-labelledby="history-title">
            <h2 id="history-title">{ "History" }</h2>
            { verdict(ctl.verdict(), &failing.keys, history.len()) }
            if !history.is_empty() {
                <p class="hint">{ "A bar per operation, from call to return, left to right in the order calls and returns happened (dashed: still running). Click one to see where it was served." }</p>
            }
            { for pager }
            { for keys.iter().map(|&key| {
                let ops: Vec<(usize, &HistoryEntry)> = window.iter().enumerate()
                    .filter(|(_, e)| e.op.key == key).map(|(i, e)| (first + i, &**e)).collect();
                let clerks = sorted_set(ops.iter().map(|(_, e)| e.client));
                let height = clerks.len() as f64 * LANE + 4.0;
                html! {
                    <figure class="track" key={key.to_string()}>
                        <figcaption>{ format!("key {key:?}") }</figcaption>
                        <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img"
                            aria-label={format!("Operations on key {key:?}")}>
                            { for ops.iter().map(|&(i, e)| {
                                let lane = clerks.iter().position(|&c| c == e.client).unwrap_or(0);
                                let (x0, x1) = (x(e.call_order), x(e.ret_order.map_or(end, |r| r + 1)));
                                let class = classes!(
                                    "op", kind_class(e.op.kind),
                                    e.ret.is_none().then_some("pending"),
                                    bad.contains(&i).then_some("bad"),
                                    (selected == Some(i)).then_some("selected"),
                                );
                                let on = on.reform(move |_| Command::Select(Some(Selection::Op(i))));
                                html! {
                                    <g {class} onclick={on} key={i}>
                                        <title>{ describe(e) }</title>
                                        <rect x={format!("{x0:.1}")} y={format!("{:.1}", lane as f64 * LANE + 2.0)}
                                            width={format!("{:.1}", (x1 - x0 - 1.0).max(3.0))} height={format!("{:.1}", LANE - 4.0)} rx="3" />
                                        <text x={format!("{:.1}", x0 + 3.0)} y={format!("{:.1}", lane as f64 * LANE + 16.0)}>
                                            { format!("C{} {}", e.client, short(e)) }
                                        </text>
                                    </g>
                                }
                            }) }
                        </svg>
                    </figure>
                }
            }) }
            if !bad.is_empty() {
                <h3>{ "Cannot be placed in any order" }</h3>
                <ul class="bad-ops">
                    { for bad.iter().take(BAD_LISTED).filter_map(|&i| history.get(i).map(|e| (i, e))).map(|(i, e)| html! {
                        <li key={i}>
                            <button class="link" onclick={on.reform(move |_| Command::Select(Some(Selection::Op(i))))}>
                                { describe(e) }
                            </button>
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}

/// The verdict line: `None` while the history is still being checked.
fn verdict(verdict: Option<Verdict>, failing_keys: &[String], ops: usize) -> Html {
    if ops == 0 {
        return html! { <p class="verdict none">{ "No operations yet: ask a Clerk for a Get, Put or Append." }</p> };
    }
    let (class, text) = match verdict {
        None => ("checking", format!("Checking… — {ops} operations so far")),
        Some(Verdict::Linearizable) => {
            ("ok", format!("Linearizable ✓ — {ops} operations, checked as they return"))
        }
        Some(Verdict::NotLinearizable) => {
            let keys: Vec<String> = failing_keys.iter().map(|k| format!("{k:?}")).collect();
            ("bad", format!("NOT linearizable ✗ — no order of the operations on key {} explains what they returned", keys.join(", ")))
        }
        Some(Verdict::Unknown) => {
            ("unknown", "Unknown — the checker ran out of budget on this history".to_string())
        }
    };
    html! { <p class={classes!("verdict", class)} role="status">{ text }</p> }
}

fn kind_class(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Get => "get",
        OpKind::Put => "put",
        OpKind::Append => "append",
    }
}

/// `P 1`, `A x`, `G→12`: what fits in a bar.
fn short(e: &HistoryEntry) -> String {
    match e.op.kind {
        OpKind::Get => match e.output.as_deref() {
            Some(v) if v.chars().count() > 8 => {
                format!("G→{}…", v.chars().take(8).collect::<String>())
            }
            Some(v) => format!("G→{v}"),
            None => "G→…".to_string(),
        },
        OpKind::Put => format!("P {}", e.op.value),
        OpKind::Append => format!("A {}", e.op.value),
    }
}

/// An operation in words, with where it was served.
pub fn describe(e: &HistoryEntry) -> String {
    let result = match (&e.output, e.ret) {
        (Some(v), Some(_)) if e.op.kind == OpKind::Get => format!(" → {}", quoted(v, SHOWN_VALUE)),
        (_, Some(_)) => " → OK".to_string(),
        (_, None) => " (pending)".to_string(),
    };
    let served = match (e.server, e.index) {
        (Some(s), Some(i)) => format!(", by S{s} at log index {i}"),
        (Some(s), None) => format!(", by S{s}"),
        _ => String::new(),
    };
    let ret = e.ret.map_or(String::new(), |r| format!("–{}", seconds(r)));
    format!("C{} #{} {}{result} [{}{ret}{served}]", e.client, e.seq, e.op, seconds(e.call))
}

/// The distinct items, in order. The window holds a few dozen operations, so inserting each
/// where a binary search puts it is quick, and it needs no sort (a sort is ~2 KB of wasm for
/// each type it sorts; see `check::sort`).
fn sorted_set<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut set = Vec::new();
    for item in items {
        if let Err(at) = set.binary_search(&item) {
            set.insert(at, item);
        }
    }
    set
}
