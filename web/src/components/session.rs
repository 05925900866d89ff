//! The scenario menu: which scenario runs (the playground, a lesson, a file), the cluster's
//! settings, and sharing the run — a permalink, the scenario as a file, the history and the
//! trace as downloads, an embed snippet for a course page. Embedded, a compact clock bar.

use sim::generic::GENERIC_TESTS;
use sim::lessons;
use sim::porcupine_json;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDetailsElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::{use_commands, Model};
use crate::clock::Listener;
use crate::components::controls::{cluster_settings, travel_slider};
use crate::controller::{Command, Settings};
use crate::files;
use crate::start::scenario_from_text;

/// The scenario menu's properties.
#[derive(Properties, Clone, PartialEq)]
pub struct SessionProps {
    /// The page's state.
    pub model: Model,
    /// The compact form for an embedded page.
    pub embed: bool,
}

/// What the menu shows after a click (the link or snippet it copied).
#[derive(Clone, PartialEq)]
enum Shown {
    Nothing,
    Link(String),
    Embed(String),
}

/// The scenario menu (embedded: the compact clock bar).
#[function_component]
pub fn SessionBar(props: &SessionProps) -> Html {
    let on = &use_commands();
    let ctl = props.model.get();
    let shown = use_state(|| Shown::Nothing);
    let file = ctl.runner().file();
    let lesson_id = lessons::id_of(&file.name);
    let slider = travel_slider(&ctl, on);
    // The menu closes when the visitor clicks anywhere else, or presses Escape.
    let menu = use_node_ref();
    {
        let menu = menu.clone();
        use_effect_with((), move |_| {
            let close = move |e: web_sys::Event| {
                let Some(details) = menu.cast::<HtmlDetailsElement>() else { return };
                let inside = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                    .is_some_and(|t| details.contains(Some(&t)));
                let escape = e.dyn_ref::<KeyboardEvent>().is_some_and(|k| k.key() == "Escape");
                if details.open() && (escape || !inside) {
                    details.set_open(false);
                }
            };
            let document = web_sys::window().and_then(|w| w.document());
            let listeners = document.map(|d| {
                let close = std::rc::Rc::new(close);
                let (a, b) = (close.clone(), close);
                (
                    Listener::new(&d, "pointerdown", move |e| a(e)),
                    Listener::new(&d, "keydown", move |e| b(e)),
                )
            });
            move || drop(listeners)
        });
    }
    // Links and files are made on click, not on every frame.
    let model = props.model.clone();
    let full_url = move || format!("{}#run={}", files::page_address(), model.get().link());

    if props.embed {
        let on_open = Callback::from(move |_| files::open(&full_url()));
        return html! {
            <nav class="session embed-bar" aria-label="Clock">
                <button class="play" onclick={on.reform(|_| Command::TogglePlay)}>
                    { if ctl.playing() { "Pause" } else { "Play" } }
                </button>
                <button class="step" onclick={on.reform(|_| Command::Step)}>{ "Step" }</button>
                { slider }
                <span class="scenario-name">{ file.name.clone() }</span>
                <button onclick={on_open} title="This run, at this moment, in the full playground">{ "Open in full page" }</button>
            </nav>
        };
    }

    let on_pick = on.reform(|e: Event| {
        let id = e.target_unchecked_into::<HtmlSelectElement>().value();
        match lessons::find(&id) {
            Some(scenario) => Command::Load(Box::new(scenario)),
            None => Command::Reset(Settings::default()),
        }
    });
    let on_copy_link = {
        let shown = shown.clone();
        Callback::from(move |_| {
            let url = full_url();
            files::copy(&url);
            shown.set(Shown::Link(url));
        })
    };
    let on_embed = {
        let (shown, model) = (shown.clone(), props.model.clone());
        Callback::from(move |_| {
            let src = match lesson_id {
                Some(id) => format!("{}?embed=1&describe=1&lesson={id}", files::page_address()),
                None => format!("{}?embed=1#run={}", files::page_address(), model.get().link()),
            };
            let snippet = format!(
                "<iframe src=\"{src}\" title=\"Raft KV playground\" style=\"width: 100%; height: 560px; border: 0\"></iframe>"
            );
            files::copy(&snippet);
            shown.set(Shown::Embed(snippet));
        })
    };
    let model = props.model.clone();
    let on_save = Callback::from(move |_| {
        let _ = files::download("scenario.json", "application/json", &model.get().scenario_json());
    });
    let on_load = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let on = on.clone();
            files::read_chosen(&input, move |text| {
                let parsed = text.and_then(|t| scenario_from_text(&t));
                on.emit(match parsed {
                    Ok(file) => Command::Load(Box::new(file)),
                    Err(why) => Command::Notice(why),
                });
            });
            input.set_value("");
        })
    };
    let on_one_file = {
        let (on, model) = (on.clone(), props.model.clone());
        Callback::from(move |_| {
            let (on, link) = (on.clone(), model.get().link());
            yew::platform::spawn_local(async move {
                let saved = files::one_file(&link).await.and_then(|html| {
                    files::download(files::ONE_FILE, "text/html", &html)
                        .map_err(|_| "the browser refused the download".to_string())
                });
                if let Err(why) = saved {
                    on.emit(Command::Notice(format!("Download as one file: {why}")));
                }
            });
        })
    };
    let model = props.model.clone();
    let on_history = Callback::from(move |_| {
        let history = porcupine_json(model.get().runner().sim().history());
        let _ = files::download("history.json", "application/json", &history);
    });
    let on_trace = {
        let model = props.model.clone();
        Callback::from(move |_| {
            let trace = model.get().full_trace();
            let _ = files::download("trace.jsonl", "application/x-ndjson", &trace);
        })
    };

    html! {
        <details class="session menu" ref={menu}>
            <summary>
                <span class="short" aria-hidden="true">{ "☰ Scenario" }</span>
                <span class="long">{ "Scenario · files · sharing" }</span>
            </summary>
            <div class="menu-body">
            <fieldset>
                <legend>{ "Scenario" }</legend>
                <select onchange={on_pick} aria-label="Scenario">
                    <option value="" selected={lesson_id.is_none()}>{ "Playground" }</option>
                    <optgroup label="Lessons">
                        { for lessons::parsed().iter().map(|(l, scenario)| html! {
                            <option value={l.id} selected={lesson_id == Some(l.id)}>{ scenario.name.clone() }</option>
                        }) }
                    </optgroup>
                    <optgroup label="The lab's kvraft tests (3A, 3B)">
                        { for GENERIC_TESTS.iter().map(|(name, _)| html! {
                            <option value={*name} selected={lesson_id == Some(*name)}>{ *name }</option>
                        }) }
                    </optgroup>
                </select>
                <button onclick={on.reform(|_| Command::Travel(0))} title="Replay this run from its start">{ "From start" }</button>
            </fieldset>
            { cluster_settings(&ctl, on) }
            <fieldset>
                <legend>{ "Share" }</legend>
                <button class="copy-link" onclick={on_copy_link}>{ "Copy link" }</button>
                <button class="embed-snippet" onclick={on_embed}>{ "Embed" }</button>
                <button onclick={on_save} title="The scenario with every action so far, as JSON (raftkv run FILE.json replays it)">{ "Save scenario" }</button>
                <label class="file-button">{ "Load scenario " }
                    <input type="file" accept=".json,application/json" onchange={on_load} /></label>
                <button class="one-file" onclick={on_one_file}
                    title="The playground in one HTML file that opens this run, from disk, with no server">
                    { "Download as one file" }</button>
                <button onclick={on_history} title="Porcupine's key/value shape">{ "History JSON" }</button>
                <button onclick={on_trace} title="Every event of the run, one JSON object per line">{ "Trace" }</button>
            </fieldset>
            { match &*shown {
                Shown::Nothing => html! {},
                Shown::Link(url) => html! {
                    <p class="shown">{ "Link (copied): " }<input class="link-text" readonly=true value={url.clone()} /></p>
                },
                Shown::Embed(snippet) => html! {
                    <p class="shown">{ "Embed snippet (copied): " }<input class="embed-text" readonly=true value={snippet.clone()} /></p>
                },
            } }
            </div>
        </details>
    }
}
