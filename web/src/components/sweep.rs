//! Seed sweeps: the scenario on screen run with other seeds, as `raftkv run FILE --seeds A..B`
//! does, a few milliseconds at a time so that the page stays responsive. A bug a lesson shows
//! with its seed may show on some seeds only; a fix should hold on all of them.

use sim::scenario::ScenarioFile;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::seconds;
use crate::app::{use_commands, Model, PanelProps};
use crate::controller::Command;
use crate::sweep::{SweepRun, MAX_SEEDS};

/// The seeds panel: how many, Run, the progress and the results.
#[function_component]
pub fn Seeds(props: &PanelProps) -> Html {
    let on = use_commands();
    let count = use_state(|| 20u64);
    let ctl = props.model.get();
    let on_count = {
        let count = count.clone();
        Callback::from(move |e: Event| {
            let n = e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(20);
            count.set(n);
        })
    };
    let n = *count;
    html! {
        <section class="panel seeds-panel" aria-labelledby="seeds-title">
            <h2 id="seeds-title">{ "Seeds" }</h2>
            <p class="hint">{ "Run this scenario, with what you did in it, with other seeds: each to its end \
                (an open-ended run as far as this one has gone, at least a minute), its history checked — \
                as raftkv run FILE --seeds A..B does. Click a seed to open its run." }</p>
            <div class="sweep-start">
                <label>{ "Seeds " }<input type="number" min="1" max={MAX_SEEDS.to_string()}
                    value={n.to_string()} onchange={on_count} /></label>
                <button class="run-seeds" onclick={on.reform(move |_| Command::Sweep(n))}>
                    { format!("Run from seed {}", ctl.view().seed) }</button>
            </div>
            if let Some(s) = ctl.sweep() {
                { progress(s, &on) }
                { outcomes(&props.model, s, &on) }
            }
        </section>
    }
}

/// The progress bar and what it says: seeds done, the rate, the time left, Cancel.
fn progress(s: &SweepRun, on: &Callback<Command>) -> Html {
    let (done, total) = (s.outcomes().len(), s.total());
    let failed = s.outcomes().iter().filter(|o| !o.verdict.passed()).count();
    let (rate, left) = s.rate();
    let text = if s.running() {
        format!("{done} of {total} seeds · {rate:.1} seeds/s · about {left:.0} s left · {failed} failed")
    } else {
        format!("{done} of {total} seeds run: {failed} failed")
    };
    html! {
        <div class="sweep-progress" role="status">
            <progress max={total.to_string()} value={done.to_string()} />
            <span>{ text }</span>
            if s.running() {
                <button onclick={on.reform(|_| Command::CancelSweep)}>{ "Cancel" }</button>
            }
        </div>
    }
}

/// Seeds per chunk of the results table: a full chunk never changes, so while a sweep runs only
/// its last chunk is drawn again.
const CHUNK: usize = 50;

/// The table of outcomes, a row per seed; a click on a seed opens its run.
fn outcomes(model: &Model, s: &SweepRun, on: &Callback<Command>) -> Html {
    let file = s.file().clone();
    // One listener for the table: the seed is in the button's `data-seed`.
    let on = on.clone();
    let open = Callback::from(move |e: MouseEvent| {
        let seed = e
            .target_dyn_into::<web_sys::Element>()
            .and_then(|t| t.get_attribute("data-seed"))
            .and_then(|seed| seed.parse().ok());
        if let Some(seed) = seed {
            on.emit(Command::Load(Box::new(ScenarioFile { seed, ..file.clone() })));
        }
    });
    let done = s.outcomes().len();
    let chunks = (0..done).step_by(CHUNK).map(|from| {
        let to = (from + CHUNK).min(done);
        html! { <Rows key={from} model={model.clone()} number={s.number()} {from} {to} /> }
    });
    html! {
        <div class="sweep-results">
            <table onclick={open}>
                <thead><tr>
                    <th scope="col">{ "seed" }</th><th scope="col">{ "verdict" }</th>
                    <th scope="col" title="returned / called">{ "operations" }</th>
                    <th scope="col">{ "virtual time" }</th>
                </tr></thead>
                { for chunks }
            </table>
        </div>
    }
}

/// Which rows of which sweep a [`Rows`] draws.
#[derive(Properties, Clone)]
struct RowsProps {
    /// The page's state, where the outcomes are.
    model: Model,
    /// The sweep ([`SweepRun::number`]).
    number: u64,
    /// The outcomes' range, `from..to`.
    from: usize,
    to: usize,
}

/// Outcomes, once finished, do not change: the same sweep and range draw the same rows.
impl PartialEq for RowsProps {
    fn eq(&self, other: &Self) -> bool {
        (self.number, self.from, self.to) == (other.number, other.from, other.to)
    }
}

/// A chunk of the results table: one `<tbody>` of rows.
#[function_component]
fn Rows(props: &RowsProps) -> Html {
    let ctl = props.model.get();
    let Some(s) = ctl.sweep() else { return Html::default() };
    let rows = s.outcomes().get(props.from..props.to).unwrap_or_default().iter().map(|o| {
        html! {
            <tr key={o.seed} class={classes!((!o.verdict.passed()).then_some("bad"))}>
                <td><button class="link" data-seed={o.seed.to_string()}>{ o.seed }</button></td>
                <td>{ o.verdict.to_string() }</td>
                <td>{ format!("{}/{}", o.returned, o.operations) }</td>
                <td>{ seconds(o.virtual_time) }</td>
            </tr>
        }
    });
    html! { <tbody>{ for rows }</tbody> }
}
