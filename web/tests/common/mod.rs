//! What the browser tests share: mounting the page and driving it through the DOM.
#![allow(dead_code)] // each test binary uses its own share

use wasm_bindgen::JsCast;
use web::{App, AppProps, Settings, Start};
use web_sys::{Element, EventInit, HtmlElement, HtmlInputElement};

/// Renders a paused playground into a fresh div.
pub async fn mount() -> Element {
    mount_with(Start::Playground(Settings::default()), false).await
}

/// The page's style sheet, so that the tests see the page laid out as visitors do.
const STYLE: &str = include_str!("../../style.css");

/// Renders a paused page that starts with `start` into a fresh div.
pub async fn mount_with(start: Start, embed: bool) -> Element {
    // Test pages stack up below the fold: every panel is drawn, in view or not.
    mount_props(AppProps { autoplay: false, start, embed, describe: false, lazy: false }).await
}

/// Renders a page with these properties into a fresh div.
pub async fn mount_props(props: AppProps) -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    if document.get_element_by_id("page-style").is_none() {
        let style = document.create_element("style").unwrap();
        style.set_id("page-style");
        style.set_text_content(Some(STYLE));
        document.head().unwrap().append_child(&style).unwrap();
    }
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    root
}

pub fn all(root: &Element, selector: &str) -> Vec<HtmlElement> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

/// How many elements (HTML or SVG) match `selector`.
pub fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

pub fn text(e: &Element) -> String {
    e.text_content().unwrap_or_default()
}

/// Clicks the first button under `scope` whose text is `label`.
pub async fn click(root: &Element, scope: &str, label: &str) {
    let button = all(root, &format!("{scope} button"))
        .into_iter()
        .find(|b| text(b).trim() == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {scope}"));
    button.click();
    yew::scheduler::flush().await;
}

/// Runs one second of virtual time, `n` times.
pub async fn skip(root: &Element, n: usize) {
    for _ in 0..n {
        click(root, ".controls", "+1 s").await;
    }
}

/// Types `value` into the input matching `selector`.
pub async fn type_into(root: &Element, selector: &str, value: &str) {
    let input: HtmlInputElement =
        root.query_selector(selector).unwrap().unwrap().dyn_into().unwrap();
    input.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

pub fn leaders(root: &Element) -> u32 {
    count(root, ".ring .server.leader")
}

pub fn ops(root: &Element) -> String {
    all(root, ".clerk-card .ops").iter().map(|o| text(o)).collect()
}

/// Sets a range or text input to `value` and fires `change`, as letting go of a slider does.
pub async fn change(root: &Element, selector: &str, value: &str) {
    let input: HtmlInputElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap();
    input.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    input.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

/// The text of the first element matching `selector`.
pub fn text_of(root: &Element, selector: &str) -> String {
    root.query_selector(selector).unwrap().map(|e| text(&e)).unwrap_or_default()
}

/// Lets the browser run its queued tasks (events such as `toggle`, animation frames), then
/// finishes rendering.
pub async fn settle() {
    gloo_timers::future::TimeoutFuture::new(50).await;
    yew::scheduler::flush().await;
}
