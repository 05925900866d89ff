//! The cluster drawn as a ring (as RaftScope does): servers with role, term, vote, an
//! election-timer arc and commit/applied; messages in flight moving along straight lines;
//! dropped messages as fading red crosses.

use std::f64::consts::PI;

use raft::{Role, Time};
use sim::{Endpoint, MessageView, PacketKind, ServerView};
use yew::prelude::*;

use super::term_colour;
use crate::app::PanelProps;
use crate::controller::{Command, Selection, GROUPS};
use crate::journal::{role_name, DropMark, DROP_MARK_LIFETIME};

const SIZE: f64 = 440.0;
const CENTRE: f64 = SIZE / 2.0;
const RING: f64 = 165.0;
const SERVER_R: f64 = 34.0;
/// The most messages drawn at once (the oldest in flight first); the rest are counted. A lab
/// scenario has a hundred in flight, each for less than a frame: drawing them all would cost
/// every frame and show nothing more.
const MESSAGES_DRAWN: usize = 40;

/// Where an endpoint sits: servers on the ring, Clerks in a row in the middle.
fn position(e: Endpoint, servers: usize, clients: usize) -> (f64, f64) {
    match e {
        Endpoint::Server(s) => {
            let a = -PI / 2.0 + 2.0 * PI * s as f64 / servers as f64;
            (CENTRE + RING * a.cos(), CENTRE + RING * a.sin())
        }
        Endpoint::Client(c) => {
            let offset = c as f64 - (clients.max(1) - 1) as f64 / 2.0;
            (CENTRE + offset * 46.0, CENTRE)
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

/// A message kind's short label and class (colour).
fn kind_mark(kind: PacketKind) -> (&'static str, &'static str) {
    use raft::MessageKind as K;
    match kind {
        PacketKind::Raft(K::RequestVote) => ("RV", "m-vote"),
        PacketKind::Raft(K::RequestVoteReply) => ("rv", "m-vote"),
        PacketKind::Raft(K::AppendEntries) => ("AE", "m-append"),
        PacketKind::Raft(K::Heartbeat) => ("HB", "m-heartbeat"),
        PacketKind::Raft(K::AppendEntriesReply) => ("ae", "m-append"),
        PacketKind::Raft(K::InstallSnapshot) => ("IS", "m-snapshot"),
        PacketKind::Raft(K::InstallSnapshotReply) => ("is", "m-snapshot"),
        PacketKind::ClerkRequest => ("C", "m-clerk"),
        PacketKind::ClerkReply => ("c", "m-clerk"),
    }
}

/// An SVG arc path around (cx, cy) covering `fraction` of the circle, from 12 o'clock.
fn arc(cx: f64, cy: f64, r: f64, fraction: f64) -> String {
    let f = fraction.clamp(0.0, 0.9999);
    let a = -PI / 2.0 + 2.0 * PI * f;
    let (x, y) = (cx + r * a.cos(), cy + r * a.sin());
    let large = u8::from(f > 0.5);
    format!("M {cx:.1} {:.1} A {r} {r} 0 {large} 1 {x:.1} {y:.1}", cy - r)
}

/// The ring.
#[function_component]
pub fn Cluster(props: &PanelProps) -> Html {
    let ctl = props.model.get();
    let view = ctl.view();
    let (n, clients) = (view.servers.len(), view.clients.len());
    let selection = ctl.selection();
    let partitioned = view.groups.len() > 1;
    let on = &props.on;

    let servers = view.servers.iter().map(|s| {
        let (x, y) = position(Endpoint::Server(s.id), n, clients);
        let selected = selection == Some(Selection::Server(s.id));
        let group = partitioned.then(|| GROUPS[ctl.groups()[s.id]]);
        server(s, view.now, (x, y), selected, group, on)
    });
    let undrawn = view.messages.len().saturating_sub(MESSAGES_DRAWN);
    let messages = view.messages.iter().take(MESSAGES_DRAWN).map(|m| {
        let from = position(m.from, n, clients);
        let to = position(m.to, n, clients);
        let selected = selection == Some(Selection::Message(m.id));
        message(m, view.now, from, to, selected, on)
    });
    let drops = ctl.journal().drops().iter().map(|d| {
        let from = position(d.from, n, clients);
        let to = position(d.to, n, clients);
        drop_mark(d, view.now, from, to)
    });
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
            <svg class="ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="group"
                aria-label="Servers on a ring, Clerks in the middle, messages in flight between them">
                <circle class="ring-line" cx={CENTRE.to_string()} cy={CENTRE.to_string()} r={RING.to_string()} />
                { for clerks }
                { for servers }
                { for messages }
                { for drops }
                if undrawn > 0 {
                    <text class="undrawn" x="8" y={(SIZE - 8.0).to_string()}>
                        { format!("+{undrawn} more messages in flight (not drawn)") }</text>
                }
            </svg>
            <p class="legend">
                <span class="m-vote">{ "● RequestVote" }</span>
                <span class="m-append">{ "● AppendEntries" }</span>
                <span class="m-heartbeat">{ "● heartbeat" }</span>
                <span class="m-snapshot">{ "● InstallSnapshot" }</span>
                <span class="m-clerk">{ "● Clerk" }</span>
                <span>{ "circle = request, square = reply, dashed = held" }</span>
            </p>
        </section>
    }
}

fn server(
    s: &ServerView,
    now: Time,
    (x, y): (f64, f64),
    selected: bool,
    group: Option<&str>,
    on: &Callback<Command>,
) -> Html {
    let id = s.id;
    let select = on.reform(move |_| Command::Select(Some(Selection::Server(id))));
    let onkeydown = on.reform(move |_: KeyboardEvent| Command::Select(Some(Selection::Server(id))));
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            onkeydown.emit(e);
        }
    });
    let (fill, role, lines, timer, label) = match &s.raft {
        None => (
            "#3b4048",
            "crashed",
            vec!["crashed".to_string(), format!("T{} (disk)", s.persisted.term)],
            Html::default(),
            format!("S{id}, crashed; its disk holds term {}", s.persisted.term),
        ),
        Some(r) => {
            let vote = r.voted_for.map_or("–".to_string(), |v| format!("S{v}"));
            let mut lines = vec![format!("T{} {}", r.term, role_letter(r.role))];
            lines.push(match r.role {
                Role::Candidate => format!("votes {}", r.votes.len()),
                _ => format!("vote {vote}"),
            });
            lines.push(format!("c{} a{}", r.commit_index, r.last_applied));
            let timer = match r.election_deadline {
                Some(deadline) if deadline > r.election_reset_at => {
                    let span = (deadline - r.election_reset_at) as f64;
                    let left = 1.0 - (now.saturating_sub(r.election_reset_at)) as f64 / span;
                    html! { <path class="timer" d={arc(x, y, SERVER_R + 5.0, left)} /> }
                }
                _ => Html::default(),
            };
            let label = format!(
                "S{id}, {} in term {}, voted for {vote}, commit index {}, applied {}",
                role_name(r.role),
                r.term,
                r.commit_index,
                r.last_applied
            );
            (term_colour(r.term), role_name(r.role), lines, timer, label)
        }
    };
    let group_label = group.map(|g| {
        html! { <text class="group-label" x={format!("{x:.1}")} y={format!("{:.1}", y - SERVER_R - 10.0)}
            text-anchor="middle">{ format!("group {g}") }</text> }
    });
    html! {
        <g class={classes!("server", role, selected.then_some("selected"), group.map(|g| format!("group-{g}")))}
            key={format!("s{id}")} tabindex="0" role="button" aria-label={label}
            onclick={select} {onkeydown}>
            { timer }
            // A partition group's colour as a ring (a drop shadow costs every frame's paint).
            if matches!(group, Some("B" | "C")) {
                <circle class="halo" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={(SERVER_R + 9.0).to_string()} />
            }
            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={SERVER_R.to_string()} fill={fill} />
            <text class="name" x={format!("{x:.1}")} y={format!("{:.1}", y - 12.0)} text-anchor="middle">{ format!("S{id}") }</text>
            { for lines.iter().enumerate().map(|(i, l)| html! {
                <text x={format!("{x:.1}")} y={format!("{:.1}", y + 2.0 + 11.0 * i as f64)} text-anchor="middle">{ l.clone() }</text>
            }) }
            { group_label }
        </g>
    }
}

fn role_letter(role: Role) -> &'static str {
    match role {
        Role::Follower => "F",
        Role::Candidate => "C",
        Role::Leader => "L ★",
    }
}

fn message(
    m: &MessageView,
    now: Time,
    from: (f64, f64),
    to: (f64, f64),
    selected: bool,
    on: &Callback<Command>,
) -> Html {
    let span = m.deliver_at.saturating_sub(m.sent_at).max(1) as f64;
    let t = now.saturating_sub(m.sent_at) as f64 / span;
    let (x, y) = along(from, to, t);
    let (text, class) = kind_mark(m.kind);
    let id = m.id;
    let select = on.reform(move |_| Command::Select(Some(Selection::Message(id))));
    // A mark is made of as few attributes as can be: in a lab scenario nearly every message
    // is new each frame. One attribute moves it; its shape's geometry is in the style sheet.
    // Keyboard and screen-reader users reach messages through the inspector's list.
    let shape = if m.kind.is_reply() {
        html! { <rect /> }
    } else {
        html! { <circle /> }
    };
    html! {
        <g class={classes!("message", class, m.held.then_some("held"), selected.then_some("selected"))}
            key={id} onclick={select} transform={format!("translate({x:.1} {y:.1})")}>
            { shape }
            <text>{ text }</text>
        </g>
    }
}

fn drop_mark(d: &DropMark, now: Time, from: (f64, f64), to: (f64, f64)) -> Html {
    let (x, y) = along(from, to, d.progress);
    let age = now.saturating_sub(d.at) as f64 / DROP_MARK_LIFETIME as f64;
    let opacity = format!("{:.2}", (1.0 - age).clamp(0.0, 1.0));
    html! {
        <g class="dropped" key={format!("d{}", d.id)} opacity={opacity} aria-hidden="true"
            transform={format!("translate({x:.1} {y:.1})")}>
            <line x1="-7" y1="-7" x2="7" y2="7" />
            <line x1="-7" y1="7" x2="7" y2="-7" />
        </g>
    }
}
