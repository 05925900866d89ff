//! The text event log: what happened, in words, filterable by kind, read out politely by
//! screen readers.

use std::collections::HashSet;

use yew::prelude::*;

use super::seconds;
use crate::app::PanelProps;
use crate::journal::Category;

/// How many lines are shown.
const SHOWN: usize = 80;

/// The event log with its filter.
#[function_component]
pub fn EventLog(props: &PanelProps) -> Html {
    // Messages are many: off until asked for.
    let shown = use_state(|| {
        Category::ALL.into_iter().filter(|c| *c != Category::Messages).collect::<HashSet<_>>()
    });
    let ctl = props.model.get();
    let lines: Vec<_> = ctl
        .journal()
        .newest_lines()
        .filter(|l| shown.contains(&l.category()))
        .take(SHOWN)
        .collect();
    html! {
        <section class="panel events-panel" aria-labelledby="events-title">
            <h2 id="events-title">{ "Events" }</h2>
            <fieldset class="filter">
                <legend>{ "Show" }</legend>
                { for Category::ALL.into_iter().map(|c| {
                    let toggle = {
                        let shown = shown.clone();
                        Callback::from(move |_: Event| {
                            let mut next = (*shown).clone();
                            if !next.remove(&c) {
                                next.insert(c);
                            }
                            shown.set(next);
                        })
                    };
                    html! {
                        <label><input type="checkbox" checked={shown.contains(&c)} onchange={toggle} />
                            { format!(" {}", c.name()) }</label>
                    }
                }) }
            </fieldset>
            <ol class="events" aria-live="polite" aria-relevant="additions" reversed=true>
                { for lines.into_iter().map(|l| html! {
                    <li key={l.seq} class={format!("ev-{}", l.category().name())}>
                        <time>{ seconds(l.at) }</time>{ " " }{ l.text() }
                    </li>
                }) }
            </ol>
        </section>
    }
}
