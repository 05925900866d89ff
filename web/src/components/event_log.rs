//! The text event log: what happened, in words, filterable by kind, read out politely by
//! screen readers.

use std::collections::HashSet;

use yew::prelude::*;

use super::seconds;
use crate::app::PanelProps;
use crate::journal::Category;

/// How many lines are shown while paused.
const SHOWN: usize = 80;
/// How many while the clock runs: what the box shows without scrolling. A lab scenario
/// writes more lines between two redraws than the box holds, so lines below it would be
/// made only to be thrown away at the next redraw, unread.
const SHOWN_PLAYING: usize = 20;

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
        .take(if ctl.playing() { SHOWN_PLAYING } else { SHOWN })
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
