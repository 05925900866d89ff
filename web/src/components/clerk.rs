//! The Clerk panel: ask a Clerk for Get, Put or Append and follow each operation's path —
//! the server it tries, wrong-leader replies, timeouts and retries, the log index it was
//! applied at, and its result.

use kv::{ClientId, OpKind};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::seconds;
use crate::app::{use_commands, use_in_view, Model, PanelProps};
use crate::controller::Command;
use crate::journal::{attempt_error, quoted, OpRecord, SHOWN_VALUE};

/// How many past operations each Clerk lists.
const SHOWN: usize = 6;

/// Every Clerk, and a button to add one.
#[function_component]
pub fn Clerks(props: &PanelProps) -> Html {
    let on = use_commands();
    let in_view = use_in_view();
    let clients = props.model.get().view().clients.len() as ClientId;
    // A card scrolled out of the list's view keeps the state it was last drawn with, so that
    // it is not drawn again; it is drawn afresh as it comes back, as any part of the page is.
    let card_model = |c: ClientId| match &in_view {
        Some(v) => v.model_for(&card_title(c), &props.model),
        None => props.model.clone(),
    };
    html! {
        <section class="panel clerk-panel" aria-labelledby="clerk-title">
            <h2 id="clerk-title">{ "Clerks" }</h2>
            // A lab scenario runs up to 15 Clerks: their cards scroll inside the panel, and
            // the browser lays out only those in view (style.css), so a redraw costs the
            // cards on screen, not all of them.
            <div class="clerk-list" role="region" aria-label="The Clerks' cards" tabindex="0">
                { for (0..clients).map(|c| html! {
                    <ClerkCard key={c} client={c} model={card_model(c)} />
                }) }
            </div>
            <button onclick={on.reform(|_| Command::AddClerk)}>{ "Add a Clerk" }</button>
        </section>
    }
}

/// One Clerk card's properties.
#[derive(Properties, Clone, PartialEq)]
pub struct ClerkProps {
    /// The Clerk.
    pub client: ClientId,
    /// The page's state.
    pub model: Model,
}

/// One Clerk: inputs, buttons, where it stands, and its operations.
#[function_component]
pub fn ClerkCard(props: &ClerkProps) -> Html {
    let on = &use_commands();
    let key = use_state(|| "x".to_string());
    let value = use_state(|| "1".to_string());
    let ctl = props.model.get();
    let view = ctl.view();
    let c = props.client;
    let clerk = &view.clients[c as usize];

    let op = |kind: OpKind| {
        let (key, value) = (key.clone(), value.clone());
        on.reform(move |_| Command::ClerkOp {
            client: c,
            kind,
            key: (*key).clone(),
            value: (*value).clone(),
        })
    };
    let set = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let busy = clerk.in_progress.is_some();
    let status = match (&clerk.in_progress, clerk.last_error) {
        (Some(p), _) => format!(
            "#{} {}: waiting for S{} (attempt {}, gives up at {})",
            p.seq,
            p.op,
            p.target,
            p.attempts,
            seconds(p.deadline)
        ),
        (None, Some((s, e))) => format!("idle; last failed attempt: S{s} {}", attempt_error(e)),
        (None, None) => format!("idle; tries S{} first", clerk.leader),
    };
    let reach = &view.client_reach[c as usize];
    let ops: Vec<&OpRecord> = ctl.journal().ops(c).collect();
    let skip = ops.len().saturating_sub(SHOWN);

    html! {
        <div class="clerk-card" role="group" aria-labelledby={card_title(c)}>
            <h3 id={card_title(c)}>{ format!("Clerk C{c}") }</h3>
            <div class="reach" role="group" aria-label={format!("Servers C{c} can reach")}>
                { "reaches " }
                { for (0..view.servers.len()).map(|s| {
                    let on_now = reach.contains(&s);
                    html! {
                        <label><input type="checkbox" checked={on_now}
                            onchange={on.reform(move |_| Command::SetClerkReach(c, s, !on_now))} />
                            { format!("S{s}") }</label>
                    }
                }) }
            </div>
            <div class="op-inputs">
                <label>{ "key " }<input class="key" type="text" value={(*key).clone()} oninput={set(&key)} size="8" /></label>
                <label>{ "value " }<input class="value" type="text" value={(*value).clone()} oninput={set(&value)} size="8" /></label>
                <button class="get" onclick={op(OpKind::Get)} disabled={busy}>{ "Get" }</button>
                <button class="put" onclick={op(OpKind::Put)} disabled={busy}>{ "Put" }</button>
                <button class="append" onclick={op(OpKind::Append)} disabled={busy}>{ "Append" }</button>
            </div>
            if let Some(e) = &ctl.clerk_errors()[c as usize] {
                <p class="error" role="alert">{ format!("Not sent: {e}") }</p>
            }
            <p class="clerk-status">{ status }</p>
            <ol class="ops" aria-label={format!("C{c} operations")}>
                { for ops.iter().skip(skip).map(|r| op_item(r)) }
            </ol>
        </div>
    }
}

/// The id of Clerk `c`'s heading, which names its card.
fn card_title(c: ClientId) -> String {
    format!("clerk-c{c}-title")
}

fn op_item(r: &OpRecord) -> Html {
    let result = match &r.result {
        None => html! { <span class="pending">{ "… in progress" }</span> },
        Some(res) => {
            let index = res.index.map_or(String::new(), |i| format!(" at log index {i}"));
            let value = match r.op.kind {
                OpKind::Get => format!(" → {}", quoted(&res.value, SHOWN_VALUE)),
                _ => " → OK".to_string(),
            };
            html! { <span class="done">{ format!("S{} applied it{index}{value} ({})", res.server, seconds(res.at - r.invoked_at)) }</span> }
        }
    };
    html! {
        <li class="op" key={r.seq}>
            <span class="what">{ format!("#{} {}", r.seq, r.op) }</span>
            { for r.steps.iter().map(|s| html! { <span class="step">{ s.clone() }</span> }) }
            { result }
        </li>
    }
}
