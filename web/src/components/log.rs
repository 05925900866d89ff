//! Every server's log in one grid, one column per log index (as RaftScope draws it), so that
//! log matching, conflicting entries and what is committed can be read down a column:
//! entries coloured by term, dashed until committed, the snapshot prefix as one cell, each
//! server's commit index marked, the leader's next and match index on each follower's row,
//! and entries that differ from the leader's at the same index outlined. The grid follows
//! the newest entries; it can be moved back. Under it, each server's key/value map and
//! session table.

use raft::{Index, NodeId, Role};
use sim::{EntryLabel, LogWindow, ServerView, StoredValue, VIEW_VALUE_CHARS};
use yew::prelude::*;

use super::term_colour;
use crate::app::{use_commands, Model, PanelProps};
use crate::controller::{Command, Selection};
use crate::journal::quoted;

/// How many log indices the grid shows at once.
const COLUMNS: Index = 16;

/// The logs of all servers.
#[function_component]
pub fn Logs(props: &PanelProps) -> Html {
    let on = use_commands();
    // The last index shown, once the visitor has moved the grid back; `None` follows the tail.
    let pinned = use_state(|| None::<Index>);
    let ctl = props.model.get();
    let view = ctl.view();
    let sim = ctl.runner().sim();
    // The entry that served the operation selected in the history, if any.
    let served = match ctl.selection() {
        Some(Selection::Op(i)) => sim.history().get(i).and_then(|e| e.server.zip(e.index)),
        _ => None,
    };
    let newest = view
        .servers
        .iter()
        .map(|s| s.raft.as_ref().map_or(s.persisted.last_index, |r| r.last_log_index))
        .max()
        .unwrap_or(0);
    // The lowest last index that still fills the grid (or all of a short log).
    let full = COLUMNS.min(newest).max(1);
    let hi = pinned.map_or(newest, |p| p.min(newest)).max(full);
    let lo = hi.saturating_sub(COLUMNS - 1).max(1);
    let window = LogWindow { end: Some(hi), len: COLUMNS as usize };
    let rows: Vec<(&ServerView, Vec<EntryLabel>)> =
        view.servers.iter().map(|s| (s, sim.entry_labels(s.id, window))).collect();
    // The leader of the highest term, whose log the others are compared with.
    let leader = view
        .servers
        .iter()
        .filter_map(|s| s.raft.as_ref().filter(|r| r.role == Role::Leader))
        .max_by_key(|r| r.term);
    let leader_entries = leader
        .and_then(|l| rows.iter().find(|(s, _)| s.id == l.id))
        .map_or(&[][..], |(_, entries)| entries.as_slice());
    let grid = Grid { lo, hi, served, leader, leader_entries };

    let move_to = |end: Option<Index>| {
        let pinned = pinned.clone();
        Callback::from(move |_| pinned.set(end))
    };
    let older = move_to(Some(hi.saturating_sub(COLUMNS).max(full)));
    let newer = move_to((hi + COLUMNS < newest).then_some(hi + COLUMNS));
    html! {
        <section class="panel logs-panel" aria-labelledby="logs-title">
            <h2 id="logs-title">{ "Logs" }</h2>
            <p class="hint">{ "One column per log index. Colour = term; solid = committed, dashed = not yet; \
                ┃ = commit index; ▣ = snapshot (last included index@term); on a follower's row, \
                ▸ = the leader's next index for it, ▁ = its match index; a red outline = not the \
                leader's entry at that index." }</p>
            <nav class="log-window" aria-label="Which indices the grid shows">
                <button onclick={older} disabled={lo <= 1}>{ "◀ older" }</button>
                <span>{ format!("indices {lo}–{hi} of {newest}") }</span>
                <button onclick={newer} disabled={pinned.is_none()}>{ "newer ▶" }</button>
                if pinned.is_some() {
                    <button onclick={move_to(None)}>{ "follow the newest" }</button>
                }
            </nav>
            <div class="log-scroll">
                <table class="log-grid">
                    <thead><tr>
                        <th scope="col" class="who-col">{ "server" }</th>
                        { for (lo..=hi).map(|i| html! { <th key={i % COLUMNS} scope="col" class="idx">{ i }</th> }) }
                        <th scope="col" class="sum-col"><span class="sr-only">{ "summary" }</span></th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|(s, entries)| grid.row(s, entries, &on)) }
                    </tbody>
                </table>
            </div>
            { for view.servers.iter().map(|s| html! {
                <KvState key={s.id} model={props.model.clone()} server={s.id} />
            }) }
        </section>
    }
}

/// What every row of the grid is drawn against.
struct Grid<'a> {
    /// The first and last index shown.
    lo: Index,
    hi: Index,
    /// The entry that served the selected operation.
    served: Option<(NodeId, Index)>,
    /// The leader of the highest term, and its entries shown.
    leader: Option<&'a raft::RaftView>,
    leader_entries: &'a [EntryLabel],
}

/// The entry at index `i` of `entries` (which hold consecutive indices).
fn at(entries: &[EntryLabel], i: Index) -> Option<&EntryLabel> {
    let first = entries.first()?.index;
    entries.get(usize::try_from(i.checked_sub(first)?).ok()?)
}

impl Grid<'_> {
    fn row(&self, s: &ServerView, entries: &[EntryLabel], on: &Callback<Command>) -> Html {
        let id = s.id;
        let columns = (self.hi - self.lo + 1) as usize;
        let who = html! {
            <th scope="row" class="who-col">
                <button class="who" onclick={on.reform(move |_| Command::Select(Some(Selection::Server(id))))}
                    aria-label={format!("Inspect S{id}")}>{ format!("S{id}") }</button>
            </th>
        };
        let Some(r) = &s.raft else {
            let p = &s.persisted;
            return html! {
                <tr class="crashed" key={id}>
                    { who }
                    <td colspan={columns.to_string()} class="down">{ format!(
                        "crashed — its disk keeps the log up to {} (snapshot ≤ {}), term {}",
                        p.last_index, p.last_included_index, p.term
                    ) }</td>
                    <td class="sum-col" />
                </tr>
            };
        };
        // The leader's next and match index for this server, if it is a follower of it.
        let progress = self
            .leader
            .filter(|l| l.id != id)
            .and_then(|l| l.progress.get(id))
            .map(|p| (p.next_index, p.match_index));
        // The snapshot covers the indices up to its last included one: one cell for them.
        let snap_end = r.last_included_index.min(self.hi);
        let snapshot = (r.last_included_index >= self.lo).then(|| {
            html! {
                <td class="snap" colspan={(snap_end - self.lo + 1).to_string()}
                    title={format!("snapshot: entries up to {}, term {} ({} bytes)",
                        r.last_included_index, r.last_included_term, r.snapshot_bytes)}
                    style={format!("border-color: {}", term_colour(r.last_included_term))}>
                    { format!("▣ ≤{}@{}", r.last_included_index, r.last_included_term) }
                </td>
            }
        });
        let first = if r.last_included_index >= self.lo { snap_end + 1 } else { self.lo };
        let cells = (first..=self.hi).map(|i| {
            let marks = (progress.map(|p| p.0) == Some(i), progress.map(|p| p.1) == Some(i));
            self.cell(id, i, at(entries, i), r.commit_index, marks)
        });
        // At the row's end, in short: the commit index, a snapshot left of the grid, and the
        // leader's next/match for this server (in words in its title).
        let mut summary = format!("c{}", r.commit_index);
        let mut words = format!("commit index {}", r.commit_index);
        if r.last_included_index > 0 && r.last_included_index < self.lo {
            summary = format!("▣≤{} {summary}", r.last_included_index);
            words.push_str(&format!("; snapshot up to {}", r.last_included_index));
        }
        if let Some((next, matched)) = progress {
            summary.push_str(&format!(" n{next} m{matched}"));
            words.push_str(&format!(
                "; the leader's next index for it {next}, match index {matched}"
            ));
        }
        html! {
            <tr class={classes!((r.role == Role::Leader).then_some("leader"))} key={id}
                aria-label={format!("S{id}, commit index {}, last index {}", r.commit_index, r.last_log_index)}>
                { who }
                { for snapshot }
                { for cells }
                <td class="sum-col" title={words}>{ summary }</td>
            </tr>
        }
    }

    /// The cell of server `id` at index `i`; `(next, matched)`: the leader's next and match
    /// index for this server are here. Keyed by index modulo the columns: as the grid follows
    /// the tail by a few indices, the cells that stay keep their elements and only those
    /// that leave are written again (as the newest); a jump of a whole grid rewrites cells
    /// in place instead of making new ones.
    fn cell(
        &self,
        id: NodeId,
        i: Index,
        entry: Option<&EntryLabel>,
        commit: Index,
        (next, matched): (bool, bool),
    ) -> Html {
        let commit_edge = (i == commit).then_some("commit");
        let marks = classes!(next.then_some("next"), matched.then_some("match"), commit_edge);
        let Some(e) = entry else {
            return html! { <td key={i % COLUMNS} class={classes!("empty", marks)} /> };
        };
        let conflict = at(self.leader_entries, i).is_some_and(|l| l.term != e.term);
        let served = self.served == Some((id, i));
        html! {
            <td key={i % COLUMNS} class={classes!("entry", (!e.committed).then_some("uncommitted"),
                    conflict.then_some("conflict"), served.then_some("served"), marks)}
                style={format!("background: {}", term_colour(e.term))}
                title={format!("S{id} index {i}, term {}: {}{}{}", e.term, e.label,
                    if e.committed { " (committed)" } else { " (not committed)" },
                    if conflict { "; the leader has another term here" } else { "" })}>
                <span class="term">{ format!("T{}", e.term) }</span>
                <span class="lbl">{ short(&e.label) }</span>
            </td>
        }
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
            <summary>{ format!("S{id}: KV map ({} keys) · sessions ({}) · duplicates answered: {}",
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
