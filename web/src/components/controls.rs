//! The controls: the toolbar (clock, speed, time travel), the network's faults (under the
//! ring), and the cluster's settings (in the scenario menu).

use raft::Time;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::{use_commands, PanelProps};
use crate::controller::{Command, Controller, Settings, GROUPS, MAX_RAFT_STATE_CHOICES, SKIP};

/// A speed for reading: `0.05`, `1`, `100`.
pub fn speed_text(speed: f64) -> String {
    if speed >= 10.0 {
        format!("{speed:.0}")
    } else if speed >= 1.0 {
        format!("{speed:.1}").trim_end_matches(".0").to_string()
    } else {
        format!("{speed:.2}")
    }
}

/// The time slider: travel back through the recorded run (and forward, to its horizon).
pub fn travel_slider(ctl: &Controller, on: &Callback<Command>) -> Html {
    let now = ctl.runner().sim().now();
    let horizon = ctl.horizon().max(now);
    let on_travel = on.reform(|e: Event| {
        // The browser parses the number: Rust's `f64::from_str` (with its table of powers of
        // five) would add ~14 KB gzipped to the bundle.
        let ms = e.target_unchecked_into::<HtmlInputElement>().value_as_number();
        Command::Travel((ms * 1000.0) as Time)
    });
    html! {
        <label class="travel" title="Drag back to replay the run to that moment; act there and the old future is dropped">
            { "Time " }
            <input type="range" min="0" max={(horizon / 1000).to_string()} step="10"
                value={(now / 1000).to_string()} onchange={on_travel}
                aria-valuetext={format!("{:.2} s of {:.2} s", now as f64 / 1e6, horizon as f64 / 1e6)} />
            <output>{ format!("{:.2} / {:.2} s", now as f64 / 1e6, horizon as f64 / 1e6) }</output>
        </label>
    }
}

/// The toolbar that stays in view: play/pause, step, a second at once, the speed, and the
/// time slider.
#[function_component]
pub fn Controls(props: &PanelProps) -> Html {
    let on = &use_commands();
    let ctl = props.model.get();
    // The browser's logarithm and power: Rust's would add their code to the bundle.
    let slider = (js_sys::Math::log10(ctl.speed()) * 100.0).round() as i32;
    let on_speed = on.reform(|e: InputEvent| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value_as_number();
        Command::SetSpeed(js_sys::Math::pow(10.0, v / 100.0))
    });
    html! {
        <nav class="controls" aria-label="Clock and time travel">
            <button class="play" onclick={on.reform(|_| Command::TogglePlay)}
                aria-keyshortcuts="Space">
                { if ctl.playing() { "Pause" } else { "Play" } }
            </button>
            <button class="step" onclick={on.reform(|_| Command::Step)} aria-keyshortcuts="S"
                title="Run the next event only">{ "Step" }</button>
            <button class="skip" onclick={on.reform(|_| Command::Skip(SKIP))}
                title="Run one second of virtual time at once">{ "+1 s" }</button>
            <label class="speed">
                { "Speed " }
                <input type="range" min="-200" max="200" step="10" value={slider.to_string()}
                    oninput={on_speed} aria-valuetext={format!("{}× real time", speed_text(ctl.speed()))} />
                <output>{ format!("{}×", speed_text(ctl.speed())) }</output>
            </label>
            { travel_slider(&ctl, on) }
        </nav>
    }
}

/// Where the network's faults are made, under the ring: the unreliable network, long
/// reordering, and partitions into groups.
#[function_component]
pub fn Faults(props: &PanelProps) -> Html {
    let on = &use_commands();
    let ctl = props.model.get();
    let view = ctl.view();
    let unreliable = view.network.is_unreliable();
    let reordering = view.network.long_reordering;
    html! {
        <div class="faults">
            <fieldset class="network">
                <legend>{ "Network" }</legend>
                <label><input type="checkbox" checked={unreliable}
                    onchange={on.reform(move |_| Command::SetUnreliable(!unreliable))} />
                    { " unreliable" }</label>
                <label><input type="checkbox" checked={reordering}
                    onchange={on.reform(move |_| Command::SetLongReordering(!reordering))} />
                    { " long reordering" }</label>
            </fieldset>
            <fieldset class="partition">
                <legend>{ "Partition" }</legend>
                <span class="groups" role="group" aria-label="Partition group of each server">
                    { for ctl.groups().iter().enumerate().map(|(s, &g)| html! {
                        <button class={classes!("group", format!("group-{}", GROUPS[g]))}
                            onclick={on.reform(move |_| Command::CycleGroup(s))}
                            aria-label={format!("S{s}:{g}, S{s} in group {g}; press for the next group", g = GROUPS[g])}>
                            { format!("S{s}:{}", GROUPS[g]) }
                        </button>
                    }) }
                </span>
                <button onclick={on.reform(|_| Command::ApplyPartition)}>{ "Apply" }</button>
                <button onclick={on.reform(|_| Command::IsolateLeader)}
                    title="Cut the leader and a minority of followers off">{ "Isolate leader" }</button>
                <button onclick={on.reform(|_| Command::Heal)} title="Connect every server and Clerk again">{ "Heal" }</button>
            </fieldset>
        </div>
    }
}

/// The cluster's size and `maxraftstate`: changing either starts the run again.
pub fn cluster_settings(ctl: &Controller, on: &Callback<Command>) -> Html {
    let settings = ctl.settings().clone();
    let on_servers = {
        let settings = settings.clone();
        on.reform(move |e: Event| {
            let n = e.target_unchecked_into::<HtmlSelectElement>().value().parse().unwrap_or(5);
            Command::Reset(Settings { servers: n, ..settings.clone() })
        })
    };
    let on_max_state = {
        let settings = settings.clone();
        on.reform(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            Command::Reset(Settings { max_raft_state: v.parse().ok(), ..settings.clone() })
        })
    };
    html! {
        <fieldset class="cluster-settings">
            <legend>{ "Cluster" }</legend>
            <label>{ "Servers " }
                <select onchange={on_servers}>
                    { for [3usize, 5, 7].into_iter().map(|n| html! {
                        <option value={n.to_string()} selected={n == settings.servers}>{ n.to_string() }</option>
                    }) }
                </select>
            </label>
            <label title="Snapshot once the persisted Raft state reaches this size (restarts the run)">
                { "maxraftstate " }
                <select onchange={on_max_state}>
                    { for MAX_RAFT_STATE_CHOICES.into_iter().map(|m| html! {
                        <option value={m.map_or("off".to_string(), |b| b.to_string())}
                            selected={m == settings.max_raft_state}>
                            { m.map_or("off".to_string(), |b| format!("{b} bytes")) }
                        </option>
                    }) }
                </select>
            </label>
            <button onclick={on.reform(move |_| Command::Reset(settings.clone()))}
                title="Start this run again from the beginning">{ "Restart run" }</button>
        </fieldset>
    }
}
