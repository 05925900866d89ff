//! The inspector: the clicked server (with what a crash keeps and loses, and crash/restart),
//! the clicked message (with hold, drop, deliver now, duplicate), or the clicked operation of
//! the history (with the server and log entry that served it).

use sim::{HistoryEntry, MessageView, ServerView, SimView};
use yew::prelude::*;

use super::history::describe;
use super::spacetime::ended_details;
use super::{fields, seconds};
use crate::app::{use_commands, PanelProps};
use crate::controller::{Command, MessageAction, Selection, GROUPS};
use crate::journal::{endpoint_name, kind_name, role_name};

/// How many messages in flight the inspector lists when nothing is selected.
const LISTED: usize = 12;

/// The inspector panel.
#[function_component]
pub fn Inspector(props: &PanelProps) -> Html {
    let on = &use_commands();
    let ctl = props.model.get();
    let view = ctl.view();
    let body = match ctl.selection() {
        Some(Selection::Server(s)) => match view.servers.get(s) {
            Some(server) => server_details(server, view.servers.len(), ctl.groups()[s], on),
            None => html! { <p>{ "No such server." }</p> },
        },
        Some(Selection::Message(id)) => match view.messages.iter().find(|m| m.id == id) {
            Some(m) => message_details(m, &view, on),
            None => match ctl.journal().arrow(id) {
                Some(a) => ended_details(a),
                None => html! {
                    <p>{ format!("Message #{id} is no longer in flight: it was delivered or lost.") }</p>
                },
            },
        },
        Some(Selection::Op(i)) => match ctl.runner().sim().history().get(i) {
            Some(e) => op_details(e, on),
            None => html! { <p>{ "No such operation." }</p> },
        },
        None => in_flight(&view, on),
    };
    html! {
        <section class="panel inspector-panel" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ "Inspector" }</h2>
            if ctl.selection().is_some() {
                <button class="close" onclick={on.reform(|_| Command::Select(None))}>{ "Clear" }</button>
            }
            { body }
        </section>
    }
}

fn in_flight(view: &SimView, on: &Callback<Command>) -> Html {
    html! {
        <>
            <p class="hint">{ "Click a server or a message (or use the buttons) to inspect it." }</p>
            <div class="server-buttons" role="group" aria-label="Inspect a server">
                { for view.servers.iter().map(|s| {
                    let id = s.id;
                    html! { <button onclick={on.reform(move |_| Command::Select(Some(Selection::Server(id))))}>
                        { format!("S{id}") }</button> }
                }) }
            </div>
            <h3>{ format!("In flight ({})", view.messages.len()) }</h3>
            <ul class="flight">
                { for view.messages.iter().take(LISTED).map(|m| {
                    let id = m.id;
                    html! { <li key={id}><button class="link" onclick={on.reform(move |_| Command::Select(Some(Selection::Message(id))))}>
                        { format!("#{id} {} → {}: {}", endpoint_name(m.from), endpoint_name(m.to), m.label) }
                    </button></li> }
                }) }
            </ul>
        </>
    }
}

/// A server's fields, its actions and its partition group: `group` is the visitor's choice
/// for it (as the Partition fieldset shows it), which follows the network whenever the
/// network changes.
fn server_details(s: &ServerView, servers: usize, group: usize, on: &Callback<Command>) -> Html {
    let id = s.id;
    // The others in one group, this server alone.
    let others: Vec<usize> = (0..servers).filter(|&o| o != id).collect();
    let p = &s.persisted;
    let vote = |v: Option<usize>| v.map_or("nobody".to_string(), |v| format!("S{v}"));
    let live = match &s.raft {
        Some(r) => html! {
            { fields("fields", &[
                    ("role", role_name(r.role).to_string()),
                    ("term", r.term.to_string()),
                    ("voted for", vote(r.voted_for)),
                    ("knows leader", r.leader_id.map_or("–".to_string(), |l| format!("S{l}"))),
                    ("commit index", r.commit_index.to_string()),
                    ("last applied", r.last_applied.to_string()),
                    ("log", format!("{} entries after the snapshot", r.last_log_index - r.last_included_index)),
                    ("snapshot", format!("up to {}@{} ({} bytes)", r.last_included_index, r.last_included_term, r.snapshot_bytes)),
                    ("election timer", r.election_deadline.map_or("off (leader)".to_string(), |d| format!("fires at {}", seconds(d)))),
                    ("waiting requests", s.pending.iter().map(|q| format!("C{}#{} at {}", q.client_id, q.seq, q.index)).collect::<Vec<_>>().join(", ")),
                ]) }
        },
        None => {
            html! { <p class="crashed-note">{ "Crashed. Everything volatile is gone: role, commit index, last applied, \
            the key/value map and sessions (rebuilt from the snapshot and the log on restart), the \
            leader's next/match, waiting requests." }</p> }
        }
    };
    html! {
        <div class="server-details">
            <h3>{ format!("S{id}{}", if s.alive { "" } else { " (crashed)" }) }</h3>
            <div class="actions">
                if s.alive {
                    <button class="crash" onclick={on.reform(move |_| Command::Crash(id))}>{ format!("Crash S{id}") }</button>
                    <button class="cut-off" onclick={on.reform(move |_| Command::Partition(vec![others.clone()]))}
                        title="Partition the network so that this server is alone; Heal joins it again">
                        { format!("Cut S{id} off") }</button>
                } else {
                    <button class="restart" onclick={on.reform(move |_| Command::Restart(id))}>{ format!("Restart S{id}") }</button>
                }
            </div>
            <div class="groups" role="group" aria-label={format!("Partition group of S{id}")}>
                { "Partition group " }
                { for GROUPS.iter().enumerate().map(|(g, name)| html! {
                    <button class={classes!("group", format!("group-{name}"))} aria-pressed={(g == group).to_string()}
                        onclick={on.reform(move |_| Command::MoveToGroup(id, g))}
                        title={format!("Move S{id} to group {name} and split the network into the groups")}>
                        { *name }</button>
                }) }
            </div>
            { live }
            <h4>{ "Survives a crash (on disk)" }</h4>
            { fields("fields persisted", &[
                    ("term", p.term.to_string()),
                    ("voted for", vote(p.voted_for)),
                    ("log", format!("up to index {}", p.last_index)),
                    ("snapshot", format!("up to index {} ({} bytes)", p.last_included_index, p.snapshot_bytes)),
                    ("Raft state", format!("{} bytes", p.raft_state_bytes)),
                ]) }
        </div>
    }
}

fn op_details(e: &HistoryEntry, on: &Callback<Command>) -> Html {
    let served = e.server.map(|s| {
        let at = e.index.map_or(String::new(), |i| format!(" (its log entry {i} is outlined in Logs)"));
        html! {
            <p>
                { format!("Answered by S{s}{at}. ") }
                <button class="link" onclick={on.reform(move |_| Command::Select(Some(Selection::Server(s))))}>
                    { format!("Inspect S{s}") }
                </button>
            </p>
        }
    });
    html! {
        <div class="op-details">
            <h3>{ format!("C{} operation #{}", e.client, e.seq) }</h3>
            <p>{ describe(e) }</p>
            { fields("fields", &[
                    ("called", seconds(e.call)),
                    ("returned", e.ret.map_or("not yet".to_string(), seconds)),
                    ("attempts", e.attempts.to_string()),
                ]) }
            { for served }
        </div>
    }
}

fn message_details(m: &MessageView, view: &SimView, on: &Callback<Command>) -> Html {
    let id = m.id;
    let act = |a: MessageAction| on.reform(move |_| Command::Message(id, a));
    html! {
        <div class="message-details">
            <h3>{ format!("Message #{id}: {}", kind_name(m.kind)) }</h3>
            { fields("fields", &[
                    ("from → to", format!("{} → {}", endpoint_name(m.from), endpoint_name(m.to))),
                    ("content", m.label.to_string()),
                    ("size", format!("{} bytes", m.bytes)),
                    ("sent", seconds(m.sent_at)),
                    ("arrives", if m.held { "held: not until released".to_string() } else {
                    format!("{} (in {})", seconds(m.deliver_at), seconds(m.deliver_at.saturating_sub(view.now))) }),
                ]) }
            <div class="actions">
                <button onclick={act(MessageAction::Hold)} disabled={m.held}>{ "Hold" }</button>
                <button onclick={act(MessageAction::DeliverNow)}>{ if m.held { "Release now" } else { "Deliver now" } }</button>
                <button onclick={act(MessageAction::Drop)}>{ "Drop" }</button>
                <button onclick={act(MessageAction::Duplicate)}>{ "Duplicate" }</button>
            </div>
        </div>
    }
}
