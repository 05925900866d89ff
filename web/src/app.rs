//! The page: lays out the panels, runs the clock while playing and visible, and maps keys
//! to commands.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::api;
use crate::clock::{now_ms, page_hidden, FrameLoop, Listener};
use crate::components::{
    Clerks, Cluster, Controls, EventLog, Help, History, Inspector, LessonCard, Logs, SessionBar,
};
use crate::controller::{Command, Controller};
use crate::start::Start;

/// The controller as the panels receive it: shared, and compared by version so that every
/// change re-renders them and nothing else does.
#[derive(Clone)]
pub struct Model {
    ctl: Rc<RefCell<Controller>>,
    version: u64,
}

impl Model {
    /// Reads the controller.
    pub fn get(&self) -> std::cell::Ref<'_, Controller> {
        self.ctl.borrow()
    }
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl) && self.version == other.version
    }
}

/// The properties every panel takes.
#[derive(Properties, Clone, PartialEq)]
pub struct PanelProps {
    /// The page's state.
    pub model: Model,
    /// Where commands go.
    pub on: Callback<Command>,
}

/// The app's properties.
#[derive(Properties, Clone, PartialEq)]
pub struct AppProps {
    /// Whether the clock starts running at once.
    pub autoplay: bool,
    /// What the page opens with.
    pub start: Start,
    /// Chrome-less, for an iframe in a course page: the cluster, the Clerks and the history,
    /// with a compact clock bar, fitted to the frame.
    pub embed: bool,
}

impl Default for AppProps {
    fn default() -> Self {
        AppProps { autoplay: true, start: Start::Playground(Default::default()), embed: false }
    }
}

/// What one frame cost, in real milliseconds.
#[derive(Clone, Copy, Default)]
struct FrameCost {
    /// Running the simulator and taking its view.
    sim: f64,
    /// Rendering the page.
    render: f64,
}

/// The playground.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let render_start = now_ms();
    let ctl = {
        let (start, autoplay) = (props.start.clone(), props.autoplay);
        use_mut_ref(move || start.controller(autoplay))
    };
    let version = use_mut_ref(|| 0u64);
    let redraw = use_force_update();
    let cost = use_mut_ref(FrameCost::default);
    let visible = use_state(|| !page_hidden());

    let api = use_mut_ref(|| None::<api::Api>);
    let on = {
        let (ctl, redraw, version, api) =
            (ctl.clone(), redraw.clone(), version.clone(), api.clone());
        Callback::from(move |command: Command| {
            // A refused command shows as the notice.
            let _ = ctl.borrow_mut().apply(command);
            *version.borrow_mut() += 1;
            if let Some(api) = &*api.borrow() {
                api.publish(&mut ctl.borrow_mut());
            }
            redraw.force_update();
        })
    };

    // The JavaScript API for course pages, `window.raftkv`.
    {
        let (ctl, redraw, version, api) =
            (ctl.clone(), redraw.clone(), version.clone(), api.clone());
        use_effect_with((), move |_| {
            *api.borrow_mut() = api::install(ctl, move || {
                *version.borrow_mut() += 1;
                redraw.force_update();
            });
            move || drop(api.borrow_mut().take())
        });
    }

    // Pause the clock while the tab is hidden.
    {
        let visible = visible.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|d| {
                Listener::new(&d, "visibilitychange", move |_| visible.set(!page_hidden()))
            });
            move || drop(listener)
        });
    }

    // Keyboard shortcuts, except while typing in a field.
    {
        let on = on.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|d| {
                Listener::new(&d, "keydown", move |e| {
                    if let Some(command) = e.dyn_ref::<KeyboardEvent>().and_then(shortcut) {
                        e.prevent_default();
                        on.emit(command);
                    }
                })
            });
            move || drop(listener)
        });
    }

    // The clock: one animation-frame loop while playing and visible, none otherwise.
    let playing = ctl.borrow().playing();
    {
        let (ctl, redraw, version, cost, api) =
            (ctl.clone(), redraw.clone(), version.clone(), cost.clone(), api.clone());
        use_effect_with(playing && *visible, move |&run| {
            let frames = run.then(|| {
                FrameLoop::start(move |elapsed| {
                    let start = now_ms();
                    ctl.borrow_mut().advance(elapsed);
                    cost.borrow_mut().sim = now_ms() - start;
                    if let Some(api) = &*api.borrow() {
                        api.publish(&mut ctl.borrow_mut());
                    }
                    *version.borrow_mut() += 1;
                    redraw.force_update();
                })
            });
            move || drop(frames)
        });
    }

    // Measure how long this render took, once it is on screen.
    {
        let cost = cost.clone();
        use_effect(move || {
            cost.borrow_mut().render = now_ms() - render_start;
        });
    }

    let model = Model { ctl: ctl.clone(), version: *version.borrow() };
    let c = ctl.borrow();
    let view = c.view();
    let cost = *cost.borrow();
    let status = format!(
        "t = {:.3} s · {} · {}× · {} servers",
        view.now as f64 / 1e6,
        if c.playing() { "running" } else { "paused" },
        crate::components::controls::speed_text(c.speed()),
        view.servers.len()
    );
    let alerts = html! {
        <>
            if let Some(v) = &view.violation {
                <p class="violation" role="alert">{ format!("Invariant broken: {v}") }</p>
            }
            if let Some(n) = c.notice() {
                <p class="notice" role="alert">{ n }</p>
            }
        </>
    };
    if props.embed {
        return html! {
            <div class="app embed">
                <SessionBar model={model.clone()} on={on.clone()} embed=true />
                { alerts }
                <main class="grid">
                    <Cluster model={model.clone()} on={on.clone()} />
                    <Clerks model={model.clone()} on={on.clone()} />
                    <History model={model.clone()} on={on.clone()} />
                </main>
            </div>
        };
    }
    html! {
        <div class="app">
            <header class="top">
                <h1>{ "Raft KV playground" }</h1>
                <p class="status" role="status">{ status }</p>
            </header>
            <Controls model={model.clone()} on={on.clone()} />
            <SessionBar model={model.clone()} on={on.clone()} embed=false />
            <LessonCard model={model.clone()} on={on.clone()} />
            { alerts }
            <main class="grid">
                <Cluster model={model.clone()} on={on.clone()} />
                <Inspector model={model.clone()} on={on.clone()} />
                <Logs model={model.clone()} on={on.clone()} />
                <Clerks model={model.clone()} on={on.clone()} />
                <History model={model.clone()} on={on.clone()} />
                <EventLog model={model.clone()} on={on.clone()} />
            </main>
            <footer class="foot">
                { format!(
                    "seed {} · frame cost: simulator {:.2} ms + render {:.2} ms · press ? for keys",
                    view.seed, cost.sim, cost.render
                ) }
            </footer>
            if c.help() {
                <Help on={on.clone()} />
            }
        </div>
    }
}

/// The command a key stands for.
fn shortcut(e: &KeyboardEvent) -> Option<Command> {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return None;
    }
    let typing = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
    if typing {
        return None;
    }
    let focus_on_button = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.tag_name() == "BUTTON" || el.tag_name() == "SUMMARY");
    match e.key().as_str() {
        // Space on a focused button presses that button.
        " " if !focus_on_button => Some(Command::TogglePlay),
        "s" | "S" => Some(Command::Step),
        "+" | "=" => Some(Command::Faster),
        "-" | "_" => Some(Command::Slower),
        "?" => Some(Command::ToggleHelp),
        "Escape" => Some(Command::Select(None)),
        _ => None,
    }
}
