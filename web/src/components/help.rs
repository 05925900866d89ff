//! The keyboard help overlay.

use yew::prelude::*;

use crate::app::use_commands;
use crate::controller::Command;

/// Keys and how to read the picture.
#[function_component]
pub fn Help() -> Html {
    let on = use_commands();
    html! {
        <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title">
            <div class="help-box">
                <h2 id="help-title">{ "Keys" }</h2>
                <dl>
                    <dt>{ "Space" }</dt><dd>{ "pause / play" }</dd>
                    <dt>{ "S" }</dt><dd>{ "run one event" }</dd>
                    <dt>{ "+ / −" }</dt><dd>{ "faster / slower" }</dd>
                    <dt>{ "Enter" }</dt><dd>{ "on a server: inspect it" }</dd>
                    <dt>{ "Esc" }</dt><dd>{ "clear the inspector" }</dd>
                    <dt>{ "?" }</dt><dd>{ "this help" }</dd>
                </dl>
                <p>{ "Servers are coloured by term; the arc around a follower is its election timer \
                      running out. Click a server or a message to inspect it, crash it, or hold, \
                      drop, duplicate or deliver it." }</p>
                <button onclick={on.reform(|_| Command::ToggleHelp)} autofocus=true>{ "Close" }</button>
            </div>
        </div>
    }
}
