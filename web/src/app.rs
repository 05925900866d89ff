//! The page: its state as a reducer that clicks, keys, animation frames and API calls are
//! dispatched to; the panels laid out, with commands reaching them through a context; the
//! clock run while playing and visible; keys mapped to commands.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::api;
use crate::clock::{now_ms, page_hidden, FrameLoop, Listener};
use crate::components::{
    Clerks, Cluster, Controls, EventLog, Faults, Help, History, Inspector, LessonCard, Logs, Seeds,
    SessionBar, SpaceTime, TimelineBar,
};
use crate::controller::{Command, Controller};
use crate::onscreen::{interval_of, InView, Onscreen, TEXT_INTERVAL_MS};
use crate::start::Start;
use crate::sweep::{Slice, SweepRun};

/// The page's state as Yew holds it, in a reducer ([`Reducible`]): the controller, shared
/// and changed in place (it holds a whole simulated cluster, which no action could afford to
/// copy), and a version, so that each change compares unequal and re-renders what reads it.
#[derive(Clone)]
pub struct Model {
    ctl: Rc<RefCell<Controller>>,
    version: u64,
    /// Changes that did not come from the clock (a visitor's command, an API call, a panel
    /// scrolled into view, a sweep's end): the panels drawn at a reading pace are drawn at
    /// once after one.
    nudges: u64,
    /// Reports of the seed sweep's progress: the seeds panel, which shows it, is drawn at
    /// once after one (see `onscreen::nudges_of`).
    swept: u64,
}

/// What kind of change a new version of the [`Model`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// The clock moved.
    Clock,
    /// Not the clock: a visitor's command, an API call, a panel in view, a sweep's end.
    Nudge,
    /// The seed sweep has seeds to report.
    SweepProgress,
}

impl Model {
    fn new(ctl: Controller) -> Model {
        Model { ctl: Rc::new(RefCell::new(ctl)), version: 0, nudges: 0, swept: 0 }
    }

    /// The next version, after a change of this kind.
    fn changed(&self, change: Change) -> Rc<Model> {
        Rc::new(Model {
            ctl: self.ctl.clone(),
            version: self.version + 1,
            nudges: self.nudges + u64::from(change == Change::Nudge),
            swept: self.swept + u64::from(change == Change::SweepProgress),
        })
    }

    /// Reads the controller.
    pub fn get(&self) -> std::cell::Ref<'_, Controller> {
        self.ctl.borrow()
    }

    /// Which change of the controller this is.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// How many changes so far did not come from the clock.
    pub fn nudges(&self) -> u64 {
        self.nudges
    }

    /// How many times so far the seed sweep reported progress.
    pub fn swept(&self) -> u64 {
        self.swept
    }

    /// The same controller as of an earlier `version`: props equal to those a panel was
    /// drawn with then, so that it is not drawn again.
    pub fn at_version(&self, version: u64) -> Model {
        Model { version, ..self.clone() }
    }
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl) && self.version == other.version
    }
}

/// A call of the JavaScript API, run on the controller inside the reducer.
pub type ApiCall = Box<dyn FnOnce(&mut Controller)>;

/// Real ms of seed-sweep work between two yields to the browser.
const SWEEP_SLICE_MS: f64 = 8.0;

/// What changes the page's state.
pub enum Action {
    /// A visitor's command: a click, a key.
    Command(Command),
    /// An animation frame, this many real ms after the last.
    Frame(f64),
    /// A call of the JavaScript API.
    Api(ApiCall),
    /// Nothing in the controller changed, but what is drawn should be (a panel came into view).
    Redraw,
    /// A slice of the seed sweep's work.
    SweepSlice,
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut ctl = self.ctl.borrow_mut();
        let change = match action {
            Action::Command(command) => {
                // A refused command shows as the notice.
                let _ = ctl.apply(command);
                Change::Nudge
            }
            Action::Frame(elapsed_ms) => {
                ctl.frame(elapsed_ms);
                Change::Clock
            }
            Action::Api(call) => {
                call(&mut ctl);
                Change::Nudge
            }
            Action::Redraw => Change::Nudge,
            Action::SweepSlice => match ctl.sweep_slice(SWEEP_SLICE_MS, TEXT_INTERVAL_MS) {
                // The same state: Yew draws nothing.
                Slice::Quiet => {
                    drop(ctl);
                    return self;
                }
                Slice::Progress => Change::SweepProgress,
                Slice::Ended => Change::Nudge,
            },
        };
        drop(ctl);
        self.changed(change)
    }
}

/// What the page gives its parts through a context: where to send the visitor's commands
/// (into the reducer), and what of the page is in view. One context, as each kind of context
/// adds its own copy of Yew's provider to the bundle.
#[derive(Clone, PartialEq)]
pub struct Commands(Callback<Command>, InView);

/// The callback a component gives its buttons: it sends a [`Command`] to the page's state.
#[hook]
pub fn use_commands() -> Callback<Command> {
    use_context::<Commands>().map_or_else(Callback::noop, |c| c.0)
}

/// What of the page is in view, to draw only that.
#[hook]
pub fn use_in_view() -> Option<InView> {
    use_context::<Commands>().map(|c| c.1)
}

/// The properties every panel takes.
#[derive(Properties, Clone, PartialEq)]
pub struct PanelProps {
    /// The page's state.
    pub model: Model,
}

/// The panels a phone shows one at a time under the cluster: the slot's id and the tab's name.
const TABS: [(&str, &str); 7] = [
    ("inspector", "Inspect"),
    ("logs", "Logs"),
    ("spacetime", "Diagram"),
    ("clerks", "Clerks"),
    ("history", "History"),
    ("seeds", "Seeds"),
    ("events", "Events"),
];

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
    /// Embedded, with the lesson's card above the cluster: what the lesson shows, in a
    /// course page that does not say it itself.
    pub describe: bool,
    /// Panels scrolled out of view are not drawn again until they come back (see
    /// [`crate::onscreen`]).
    pub lazy: bool,
}

impl Default for AppProps {
    fn default() -> Self {
        AppProps {
            autoplay: true,
            start: Start::Playground(Default::default()),
            embed: false,
            describe: false,
            lazy: true,
        }
    }
}

/// The playground.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let state = {
        let (start, autoplay) = (props.start.clone(), props.autoplay);
        use_reducer(move || Model::new(start.controller(autoplay)))
    };
    let live: Model = (*state).clone();
    let ctl = live.ctl.clone();
    let dispatcher = state.dispatcher();
    let visible = use_state(|| !page_hidden());

    // The panel a phone shows under the cluster: the inspector when something is picked.
    let tab = use_state(|| "logs");
    {
        let tab = tab.clone();
        use_effect_with(live.get().selection(), move |picked| {
            if picked.is_some() {
                tab.set("inspector");
            }
        });
    }

    let api = use_mut_ref(|| None::<api::Api>);
    // Made once: a new callback every render would make every panel's props differ, and
    // every panel draw again, each frame. What a command makes happen reaches subscribers
    // after the reducer is done, so that they may call the API themselves.
    let on = {
        let (ctl, dispatcher, api) = (ctl.clone(), dispatcher.clone(), api.clone());
        (*use_memo((), move |_| {
            Callback::from(move |command: Command| {
                dispatcher.dispatch(Action::Command(command));
                if let Some(api) = &*api.borrow() {
                    api.publish(&ctl);
                }
            })
        }))
        .clone()
    };

    // The JavaScript API for course pages, `window.raftkv`.
    {
        let (ctl, dispatcher, api) = (ctl.clone(), dispatcher.clone(), api.clone());
        use_effect_with((), move |_| {
            *api.borrow_mut() = api::install(ctl, dispatcher);
            move || drop(api.borrow_mut().take())
        });
    }

    // Which panels are in view.
    let root = use_node_ref();
    let onscreen = use_mut_ref(|| None::<Onscreen>);
    {
        let (onscreen, dispatcher, lazy) = (onscreen.clone(), dispatcher.clone(), props.lazy);
        use_effect_with((), move |_| {
            if lazy {
                *onscreen.borrow_mut() = Onscreen::new(move || dispatcher.dispatch(Action::Redraw));
            }
            move || drop(onscreen.borrow_mut().take())
        });
    }
    {
        // Watched again after each drawing, as the set of panels and Clerks' cards may have
        // changed (a lesson brings its card, a scenario its Clerks).
        let (onscreen, root) = (onscreen.clone(), root.clone());
        use_effect(move || {
            if let (Some(o), Some(root)) = (&*onscreen.borrow(), root.cast::<web_sys::Element>()) {
                o.watch(&root);
            }
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

    // The clock: one animation-frame loop while playing and visible, or while a replay or
    // the check has work left; none otherwise.
    let needs_frames = {
        let c = live.get();
        (c.playing() && *visible) || c.busy()
    };
    {
        let (ctl, dispatcher, api) = (ctl.clone(), dispatcher.clone(), api.clone());
        use_effect_with(needs_frames, move |&run| {
            let frames = run.then(|| {
                FrameLoop::start(move |elapsed| {
                    dispatcher.dispatch(Action::Frame(elapsed));
                    if let Some(api) = &*api.borrow() {
                        api.publish(&ctl);
                    }
                })
            });
            move || drop(frames)
        });
    }

    // The seed sweep: a slice of work, then a yield to the browser (a zero-delay timer), until
    // it ends or is stopped. It goes on while the cluster is paused, and while the tab is
    // hidden as fast as the browser lets timers run there (about once a second).
    let sweeping = live.get().sweep().is_some_and(SweepRun::running);
    {
        let (ctl, dispatcher, api) = (ctl.clone(), dispatcher.clone(), api.clone());
        use_effect_with(sweeping, move |&on| {
            let stop = Rc::new(Cell::new(!on));
            let stopped = stop.clone();
            if on {
                yew::platform::spawn_local(async move {
                    while !stopped.get() {
                        dispatcher.dispatch(Action::SweepSlice);
                        if let Some(api) = &*api.borrow() {
                            api.publish(&ctl);
                        }
                        TimeoutFuture::new(0).await;
                    }
                });
            }
            move || stop.set(true)
        });
    }

    let now = now_ms();
    let speed = live.get().speed();
    // The ring animates every frame; the panels of text, the clock's line and the bars of
    // controls follow at a reading pace (and at once after a command).
    let model = |panel: &str| match &*onscreen.borrow() {
        Some(o) => o.model_for(panel, &live, interval_of(panel, speed), now),
        None => live.clone(),
    };
    let c = live.get();
    let view = c.view();
    let alerts = html! {
        <>
            if let Some(v) = &view.violation {
                <p class="violation" role="alert">{ format!("Invariant broken: {v}") }</p>
            }
            if let Some(n) = c.notice() {
                <p class="notice" role="alert">{ n }</p>
            }
            if let Some(p) = c.replay_progress() {
                <div class="replay" role="status">
                    <label>{ format!("Replaying the run to {:.1} s: {:.1} s ", p.to as f64 / 1e6, p.at as f64 / 1e6) }
                        <progress max="1" value={format!("{:.3}", p.fraction)} /></label>
                    <button class="cancel-replay" onclick={on.reform(|_| Command::CancelReplay)}>{ "Cancel" }</button>
                </div>
            }
        </>
    };
    // On a phone the panels under the cluster are shown one at a time (style.css hides the
    // others' slots); wider, every slot shows and the strip of tabs does not.
    let slot = |id: &'static str, panel: Html| {
        html! { <div class={classes!("slot", (*tab != id).then_some("off"))}>{ panel }</div> }
    };
    let page = if props.embed {
        html! {
            <div class="app embed" ref={root}>
                <SessionBar model={model("session")} embed=true />
                { alerts }
                if props.describe {
                    <LessonCard model={model("lesson-title")} />
                }
                <main class="grid">
                    // Taken out of the grid's flow, as it is not drawn.
                    <h1 class="sr-only">{ "Raft KV playground" }</h1>
                    <Cluster model={model("cluster-title")} />
                    <Clerks model={model("clerk-title")} />
                    <History model={model("history-title")} />
                </main>
            </div>
        }
    } else {
        html! {
            <div class={classes!("app", (!props.lazy).then_some("eager"))} ref={root}>
                <header class="top">
                    <h1>{ "Raft KV playground" }</h1>
                    <Status model={model("status")} />
                </header>
                // The toolbar stays in view (at the top, or at the bottom of a phone's screen).
                <section class="toolbar" aria-label="Clock, scenarios and sharing">
                    <Controls model={model("controls")} />
                    <SessionBar model={model("session")} embed=false />
                </section>
                { alerts }
                <main class="grid">
                    <TimelineBar model={model("timeline-title")} />
                    <Cluster model={model("cluster-title")}>
                        <Faults model={model("faults")} />
                    </Cluster>
                    <LessonCard model={model("lesson-title")} />
                    <nav class="tabs" aria-label="Panels">
                        { for TABS.iter().map(|&(id, name)| {
                            let tab = tab.clone();
                            html! {
                                <button aria-pressed={(*tab == id).to_string()}
                                    onclick={Callback::from(move |_| tab.set(id))}>{ name }</button>
                            }
                        }) }
                    </nav>
                    { slot("inspector", html! { <Inspector model={model("inspector-title")} /> }) }
                    { slot("logs", html! { <Logs model={model("logs-title")} /> }) }
                    { slot("spacetime", html! { <SpaceTime model={model("spacetime-title")} /> }) }
                    { slot("clerks", html! { <Clerks model={model("clerk-title")} /> }) }
                    { slot("history", html! { <History model={model("history-title")} /> }) }
                    { slot("seeds", html! { <Seeds model={model("seeds-title")} /> }) }
                    { slot("events", html! { <EventLog model={model("events-title")} /> }) }
                </main>
                <footer class="foot">
                    { {
                        let (n, bytes, every) = c.checkpoints();
                        format!(
                            "seed {} · time travel: {n} checkpoints ({:.1} MB), one every {every} events · press ? for keys",
                            view.seed, bytes as f64 / 1048576.0
                        )
                    } }
                </footer>
                if c.help() {
                    <Help />
                }
            </div>
        }
    };
    html! {
        <ContextProvider<Commands> context={Commands(on, InView(onscreen.clone()))}>{ page }</ContextProvider<Commands>>
    }
}

/// The line under the title: the virtual time, running or paused, the speed (and what the
/// machine reaches when it falls short) and the cluster's size.
#[function_component]
fn Status(props: &PanelProps) -> Html {
    let c = props.model.get();
    let speed = crate::components::controls::speed_text(c.speed());
    let speed = match c.reached() {
        Some(r) if r < c.speed() * 0.9 => {
            format!("{speed}× asked, {}× reached", crate::components::controls::speed_text(r))
        }
        _ => format!("{speed}×"),
    };
    let view = c.view();
    html! {
        // Announced when it changes by a step or a click; while the clock runs it changes
        // several times a second, and a screen reader would read nothing else.
        <p class="status" role="status" aria-live={if c.playing() { "off" } else { "polite" }}>{ format!(
            "t = {:.3} s · {} · {speed} · {} servers",
            view.now as f64 / 1e6,
            if c.playing() { "running" } else { "paused" },
            view.servers.len()
        ) }</p>
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
