//! The keyboard help overlay.

use yew::prelude::*;

use super::fields;
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
                { fields("keys", &[
                    ("Space", "pause / play".to_string()),
                    ("S", "run one event".to_string()),
                    ("+ / −", "faster / slower".to_string()),
                    ("Enter", "on a server: inspect it".to_string()),
                    ("Esc", "clear the inspector".to_string()),
                    ("?", "this help".to_string()),
                ]) }
                <p>{ "Servers are coloured by term; the arc around a follower is its election timer \
                      running out. Click a server or a message to inspect it, crash it, or hold, \
                      drop, duplicate or deliver it." }</p>
                <button onclick={on.reform(|_| Command::ToggleHelp)} autofocus=true>{ "Close" }</button>
            </div>
        </div>
    }
}
