//! The lesson card: what the running scenario shows, its deliberate bug (switchable), and —
//! once the run has shown it — what happened and why.

use check::Verdict;
use sim::lessons;
use sim::scenario::{Expectation, UnsafeMode};
use yew::prelude::*;

use crate::app::{use_commands, PanelProps};
use crate::controller::Command;

/// The lesson card; nothing for the plain playground.
#[function_component]
pub fn LessonCard(props: &PanelProps) -> Html {
    let on = use_commands();
    let ctl = props.model.get();
    let file = ctl.runner().file();
    if file.description.is_empty() && file.lesson.is_none() {
        return html! {};
    }
    let sim = ctl.runner().sim();
    let ended = sim.now() >= file.duration_ms * raft::MILLISECOND;
    let outcome = Expectation::shown(sim.violation().is_some(), ctl.verdict(), ended);
    let bugs: Vec<UnsafeMode> = file.unsafe_modes.clone();
    let expected = file.lesson.as_ref().map(|l| l.expect);
    let explain = file.lesson.as_ref().map(|l| l.explain.clone()).unwrap_or_default();
    let result = match (outcome, expected) {
        (Some(o), Some(e)) if o == e => html! {
            <div class="explain" role="status">
                <h3>{ match o {
                    Expectation::Linearizable => "What happened",
                    Expectation::NotLinearizable => "Caught: the history is not linearizable",
                    Expectation::InvariantBroken => "Caught: an invariant broke",
                } }</h3>
                { paragraphs(&explain) }
            </div>
        },
        (Some(o), _) => html! {
            <p class="explain" role="status">{ match o {
                Expectation::Linearizable => "The run is over and its history is linearizable: with this setting nothing went wrong.",
                Expectation::NotLinearizable => "The checker found a history that is not linearizable.",
                Expectation::InvariantBroken => "An invariant broke.",
            } }</p>
        },
        (None, _) if ended && ctl.verdict() == Some(Verdict::Unknown) => html! {
            <p class="explain" role="status">{ "The checker ran out of its budget before it could decide whether this history is linearizable." }</p>
        },
        (None, _) if ended => html! {
            <p class="muted" role="status">{ "The scenario is over; checking its history…" }</p>
        },
        (None, _) => html! {
            <p class="muted">{ format!("The scenario runs for {} s of virtual time; this card explains the outcome once it is there.",
                file.duration_ms as f64 / 1000.0) }</p>
        },
    };
    // The bugs the lesson as written switches on, each now on or off.
    let lesson_bugs =
        lessons::named(&file.name).map_or(bugs.clone(), |(_, o)| o.unsafe_modes.clone());
    html! {
        <section class="panel lesson" aria-labelledby="lesson-title">
            <h2 id="lesson-title">{ file.name.clone() }</h2>
            <div class="description">{ paragraphs(&file.description) }</div>
            { for lesson_bugs.iter().map(|&m| {
                let active = bugs.contains(&m);
                html! {
                    <p class={classes!("bug", active.then_some("on"))}>
                        <strong>{ format!("Deliberate bug {}: {}", if active { "on" } else { "off" }, bug_name(m)) }</strong>{ " " }
                        <button onclick={on.reform(move |_| Command::SetUnsafe(m, !active))}>
                            { if active { "Switch it off and run again" } else { "Switch it on and run again" } }</button>
                    </p>
                }
            }) }
            { result }
        </section>
    }
}

/// A deliberate bug in words.
pub fn bug_name(mode: UnsafeMode) -> &'static str {
    match mode {
        UnsafeMode::LocalReads => "the leader answers Get from its own map (local_reads)",
        UnsafeMode::NoDedup => "no de-duplication of retried operations (no_dedup)",
        UnsafeMode::ForgetVotedFor => "Raft does not persist votedFor (forget_voted_for)",
    }
}

/// A lesson's text as paragraphs: its files wrap lines by hand, and a blank line starts a
/// paragraph, so that the panel's width decides where lines break.
fn paragraphs(text: &str) -> Html {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| html! { <p>{ p }</p> })
        .collect()
}
