//! Each server's log: entries coloured by term, committed or not, the snapshot prefix, the
//! leader's next/match per follower, and an expandable key/value map and session table.

use raft::{Index, NodeId};
use sim::{ServerView, StoredValue, VIEW_VALUE_CHARS};
use yew::prelude::*;

use super::term_colour;
use crate::app::{use_commands, Model, PanelProps};
use crate::controller::{Command, Selection};
use crate::journal::quoted;

/// How many of the newest entries a row shows.
const SHOWN: usize = 20;

/// The logs of all servers.
#[function_component]
pub fn Logs(props: &PanelProps) -> Html {
    let on = use_commands();
    let ctl = props.model.get();
    let view = ctl.view();
    // The entry that served the operation selected in the history, if any.
    let served = match ctl.selection() {
        Some(Selection::Op(i)) => {
            ctl.runner().sim().history().get(i).and_then(|e| e.server.zip(e.index))
        }
        _ => None,
    };
    html! {
        <section class="panel logs-panel" aria-labelledby="logs-title">
            <h2 id="logs-title">{ "Logs" }</h2>
            <p class="hint">{ "Solid = committed, dashed = not yet. ▣ = snapshot (last included index@term)." }</p>
            { for view.servers.iter().map(|s| row(s, view.servers.len(), served, &props.model, &on)) }
        </section>
    }
}

fn row(
    s: &ServerView,
    servers: usize,
    served: Option<(NodeId, Index)>,
    model: &Model,
    on: &Callback<Command>,
) -> Html {
    let id = s.id;
    let Some(r) = &s.raft else {
        return html! {
            <div class="log-row crashed" key={id}>
                <button class="who" onclick={on.reform(move |_| Command::Select(Some(Selection::Server(id))))}>
                    { format!("S{id}") }</button>
                <span class="muted">{ format!(
                    "crashed — its disk keeps log up to {} (snapshot ≤ {}), term {}",
                    s.persisted.last_index, s.persisted.last_included_index, s.persisted.term
                ) }</span>
            </div>
        };
    };
    let shown = s.entries.len().min(SHOWN);
    let hidden = (r.last_log_index - r.last_included_index) as usize - shown;
    let snapshot = (r.last_included_index > 0).then(|| html! {
        <span class="snap" title={format!("snapshot: entries up to {} ({} bytes)", r.last_included_index, r.snapshot_bytes)}
            style={format!("border-color: {}", term_colour(r.last_included_term))}>
            { format!("▣ ≤{}@{}", r.last_included_index, r.last_included_term) }
        </span>
    });
    let progress = (!r.progress.is_empty()).then(|| html! {
        <div class="progress" aria-label="The leader's next and match index per follower">
            { for r.progress.iter().enumerate().take(servers).filter(|(f, _)| *f != id).map(|(f, p)| html! {
                <span>{ format!("S{f} next {} match {}", p.next_index, p.match_index) }</span>
            }) }
        </div>
    });
    html! {
        <div class={classes!("log-row", (r.role == raft::Role::Leader).then_some("leader"))} key={id}>
            <button class="who" onclick={on.reform(move |_| Command::Select(Some(Selection::Server(id))))}
                aria-label={format!("Inspect S{id}")}>{ format!("S{id}") }</button>
            <ol class="entries" aria-label={format!("S{id} log, commit index {}", r.commit_index)}>
                { for snapshot }
                if hidden > 0 {
                    <li class="more">{ format!("…{hidden}") }</li>
                }
                { for s.entries.iter().skip(s.entries.len() - shown).map(|e| html! {
                    <li key={e.index} class={classes!("entry", (!e.committed).then_some("uncommitted"),
                            (served == Some((id, e.index))).then_some("served"))}
                        style={format!("background: {}", term_colour(e.term))}
                        title={format!("index {} term {}: {}{}", e.index, e.term, e.label,
                            if e.committed { " (committed)" } else { " (not committed)" })}>
                        <span class="idx">{ e.index }</span>
                        <span class="lbl" aria-hidden="true">{ short(&e.label) }</span>
                    </li>
                }) }
            </ol>
            { for progress }
            <KvState model={model.clone()} server={id} />
        </div>
    }
}

/// A stored value, with its length when the view holds only its start.
fn shown(v: &StoredValue) -> String {
    if v.length > v.value.len() {
        format!("{:?}… ({} bytes)", v.value, v.length)
    } else {
        quoted(&v.value, VIEW_VALUE_CHARS)
    }
}

/// A log label short enough for a cell: the operation's initial and key (`P x`, `A x`,
/// `G x`) or `no-op`; the full label is in the cell's title.
fn short(label: &str) -> String {
    let Some((kind, rest)) = label.split_once('(') else {
        return label.chars().take(6).collect();
    };
    let key: String =
        rest.trim_start_matches('"').chars().take_while(|&c| c != '"').take(4).collect();
    format!("{} {key}", kind.chars().next().unwrap_or('?'))
}

/// [`KvState`]'s properties.
#[derive(Properties, Clone, PartialEq)]
pub struct KvStateProps {
    /// The page's state.
    pub model: Model,
    /// The server.
    pub server: NodeId,
}

/// A server's key/value map and session table, folded; the tables are built only while it
/// is open (values grow with every Append: they are not drawn every frame unasked).
#[function_component]
pub fn KvState(props: &KvStateProps) -> Html {
    let open = use_state(|| false);
    let view = props.model.get().view();
    let Some(s) = view.servers.get(props.server) else { return Html::default() };
    let id = s.id;
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            open.set(e.target_unchecked_into::<web_sys::HtmlDetailsElement>().open())
        })
    };
    html! {
        <details class="state" {ontoggle}>
            <summary>{ format!("KV map ({} keys) · sessions ({}) · duplicates answered: {}",
                s.store.len(), s.sessions.len(), s.duplicates) }</summary>
            if *open {
                <table class="kv">
                    <caption>{ format!("S{id} key/value map") }</caption>
                    <tr><th scope="col">{ "key" }</th><th scope="col">{ "value" }</th></tr>
                    { for s.store.iter().map(|v| html! { <tr><td>{ format!("{:?}", v.key) }</td><td>{ shown(v) }</td></tr> }) }
                </table>
                <table class="kv">
                    <caption>{ format!("S{id} sessions: last applied Seq per Clerk") }</caption>
                    <tr><th scope="col">{ "Clerk" }</th><th scope="col">{ "Seq" }</th></tr>
                    { for s.sessions.iter().map(|(c, q)| html! { <tr><td>{ format!("C{c}") }</td><td>{ q }</td></tr> }) }
                </table>
            }
        </details>
    }
}
