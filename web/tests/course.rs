//! The course features in headless Chromium: permalinks, time travel, lessons with their
//! deliberate bugs, embed mode, and the JavaScript API.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p web --target wasm32-unknown-unknown --test course`
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use js_sys::{Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web::{AppProps, Settings, Start};
use web_sys::{Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A short session: a Put, a crash, a partition, another Put, a heal.
async fn session(root: &Element) {
    skip(root, 1).await;
    type_into(root, ".clerk-card input.key", "x").await;
    type_into(root, ".clerk-card input.value", "1").await;
    click(root, ".clerk-card", "Put").await;
    skip(root, 1).await;
    click(root, ".inspector-panel", "S3").await;
    click(root, ".inspector-panel", "Crash S3").await;
    click(root, ".partition", "Isolate leader").await;
    type_into(root, ".clerk-card input.value", "2").await;
    click(root, ".clerk-card", "Append").await;
    skip(root, 2).await;
    click(root, ".partition", "Heal").await;
    skip(root, 2).await;
}

fn input_value(root: &Element, selector: &str) -> String {
    let input: HtmlInputElement =
        root.query_selector(selector).unwrap().unwrap().dyn_into().unwrap();
    input.value()
}

#[wasm_bindgen_test]
async fn a_permalink_reproduces_the_same_history() {
    let root = mount().await;
    session(&root).await;
    let history = text_of(&root, ".history-panel");
    assert!(history.contains("Linearizable ✓"), "{history}");
    assert!(history.contains("Append(\"x\", \"2\")"), "{history}");
    click(&root, ".session", "Copy link").await;
    let url = input_value(&root, ".link-text");
    let fragment = url.split_once("#run=").expect("a #run= link").1.to_string();
    let again = mount_with(Start::Link(fragment), false).await;
    assert_eq!(text_of(&again, ".history-panel"), history);
    assert_eq!(
        text_of(&again, ".status").split(" · ").next(),
        text_of(&root, ".status").split(" · ").next()
    );
    assert_eq!(count(&again, ".ring .server.crashed"), 1);
}

#[wasm_bindgen_test]
async fn a_damaged_link_opens_the_default_cluster_and_says_why() {
    let root = mount_with(Start::Link("1.bm90IGEgbGluaw".into()), false).await;
    let notice = text_of(&root, ".notice");
    assert!(
        notice.contains("This link is damaged") && notice.contains("default cluster"),
        "{notice}"
    );
    assert_eq!(count(&root, ".ring .server"), 5);
    let root = mount_with(Start::Lesson("no-such-lesson".into()), false).await;
    assert!(
        text_of(&root, ".notice").contains("no lesson called"),
        "{}",
        text_of(&root, ".notice")
    );
}

#[wasm_bindgen_test]
async fn time_travel_goes_back_and_resuming_forks_the_future() {
    let root = mount().await;
    session(&root).await;
    let end = text_of(&root, ".history-panel");
    // Back to 1.5 s: the Put was called at 1 s, the Append not yet.
    change(&root, ".controls .travel input", "1500").await;
    assert!(text_of(&root, ".status").starts_with("t = 1.500 s"), "{}", text_of(&root, ".status"));
    let back = text_of(&root, ".history-panel");
    assert!(back.contains("Put(\"x\", \"1\")") && !back.contains("Append"), "{back}");
    assert_eq!(count(&root, ".ring .server.crashed"), 0, "S3 crashed only at 2 s");
    // Resuming without acting plays the recorded future again, identically.
    skip(&root, 5).await;
    change(&root, ".controls .travel input", "6000").await;
    assert_eq!(text_of(&root, ".history-panel"), end);
    // Acting in the past drops the recorded future.
    change(&root, ".controls .travel input", "1500").await;
    click(&root, ".inspector-panel", "S1").await;
    click(&root, ".inspector-panel", "Crash S1").await;
    let max = root.query_selector(".controls .travel input").unwrap().unwrap().get_attribute("max");
    assert_eq!(max.as_deref(), Some("1500"));
    skip(&root, 3).await;
    assert!(!text_of(&root, ".history-panel").contains("Append"));
}

#[wasm_bindgen_test]
async fn a_lesson_with_a_bug_is_caught_and_passes_with_the_bug_off() {
    let root = mount_with(Start::Lesson("stale-read".into()), false).await;
    assert!(
        text_of(&root, ".lesson").contains("Deliberate bug on"),
        "{}",
        text_of(&root, ".lesson")
    );
    skip(&root, 8).await;
    let verdict = text_of(&root, ".history-panel .verdict");
    assert!(verdict.contains("NOT linearizable"), "{verdict}");
    assert!(count(&root, ".history-panel .op.bad") > 0, "the impossible read is marked");
    assert!(text_of(&root, ".lesson .explain").contains("Caught"), "{}", text_of(&root, ".lesson"));
    click(&root, ".lesson", "Switch it off and run again").await;
    click(&root, ".controls", "Pause").await;
    skip(&root, 8).await;
    assert!(text_of(&root, ".history-panel .verdict").contains("Linearizable ✓"));
    assert!(text_of(&root, ".lesson").contains("Deliberate bug off"));
}

#[wasm_bindgen_test]
async fn embed_mode_has_no_chrome_and_fits_its_container() {
    let document = web_sys::window().unwrap().document().unwrap();
    let frame = document.create_element("div").unwrap();
    frame.set_attribute("style", "width: 420px; height: 600px").unwrap();
    document.body().unwrap().append_child(&frame).unwrap();
    let root = mount_with(Start::Lesson("two-leaders".into()), true).await;
    frame.append_child(&root).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(count(&root, ".controls"), 0);
    assert_eq!(count(&root, "header"), 0);
    assert_eq!(count(&root, ".embed-bar"), 1);
    assert_eq!(count(&root, ".ring .server"), 5);
    let app = root.query_selector(".app").unwrap().unwrap();
    assert!(app.scroll_width() <= 420, "{} px wide in a 420 px frame", app.scroll_width());
    let ring = root.query_selector(".ring").unwrap().unwrap().get_bounding_client_rect();
    assert!(ring.width() > 200.0 && ring.width() <= 420.0, "ring {} px", ring.width());
}

/// `?embed=1&describe=1`: the lesson's card above the cluster, at a course page's narrowest
/// and widest frames.
#[wasm_bindgen_test]
async fn embed_mode_shows_the_lessons_description_when_asked_from_360_to_1200_px() {
    let document = web_sys::window().unwrap().document().unwrap();
    for width in [360, 1200] {
        let frame = document.create_element("div").unwrap();
        frame.set_attribute("style", &format!("width: {width}px")).unwrap();
        document.body().unwrap().append_child(&frame).unwrap();
        let start = Start::Lesson("two-leaders".into());
        let props = AppProps { autoplay: false, start, embed: true, describe: true, lazy: false };
        let root = mount_props(props).await;
        frame.append_child(&root).unwrap();
        yew::scheduler::flush().await;
        assert_eq!(count(&root, ".controls"), 0, "still chrome-less");
        let card = text_of(&root, ".lesson .description");
        assert!(card.contains("minority"), "the description at {width} px: {card:?}");
        let app = root.query_selector(".app").unwrap().unwrap();
        assert!(app.scroll_width() <= width, "{} px wide in {width} px", app.scroll_width());
        let lesson = root.query_selector(".lesson").unwrap().unwrap().get_bounding_client_rect();
        let ring = root.query_selector(".ring").unwrap().unwrap().get_bounding_client_rect();
        assert!(lesson.bottom() <= ring.top(), "the card above the cluster");
        frame.remove();
    }
}

fn api() -> JsValue {
    Reflect::get(&web_sys::window().unwrap(), &"raftkv".into()).unwrap()
}

fn call(name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(&api(), &name.into()).unwrap().dyn_into().unwrap();
    f.apply(&api(), &args.iter().collect())
}

fn get(v: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(v.clone(), |v, k| Reflect::get(&v, &(*k).into()).unwrap())
}

#[wasm_bindgen_test]
async fn the_javascript_api_drives_a_partition_and_an_op() {
    let root = mount_with(Start::Playground(Settings::default()), false).await;
    let events = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = events.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        sink.borrow_mut().push(get(&e, &["text"]).as_string().unwrap_or_default());
    });
    let id = call("subscribe", &[listener.as_ref().clone()]).unwrap();
    call("run", &[1500.into()]).unwrap();
    call("partition", &[serde_wasm_bindgen::to_value(&vec![vec![0, 1], vec![2, 3, 4]]).unwrap()])
        .unwrap();
    call("op", &[0.into(), "put".into(), "x".into(), "1".into()]).unwrap();
    call("run", &[3000.into()]).unwrap();
    yew::scheduler::flush().await;
    let state = call("state", &[]).unwrap();
    let op = get(&state, &["history", "0"]);
    assert_eq!(get(&op, &["input", "op"]).as_string().as_deref(), Some("put"));
    assert!(get(&op, &["return"]).as_f64().is_some(), "the Put returned");
    assert_eq!(get(&state, &["verdict"]).as_string().as_deref(), Some("linearizable"));
    let leader = js_sys::Array::from(&get(&state, &["servers"]))
        .iter()
        .find(|s| get(s, &["role"]).as_string().as_deref() == Some("leader"))
        .map(|s| get(&s, &["id"]).as_f64().unwrap() as usize);
    assert!(matches!(leader, Some(2..=4)), "the majority side leads: {leader:?}");
    assert_eq!(count(&root, ".ring .group-label"), 5, "the page draws the API's partition");
    let heard = events.borrow().clone();
    let split = heard
        .iter()
        .any(|t| t.starts_with("network split") && t.contains("S2 S3 S4") && t.contains("S0 S1"));
    assert!(split, "{} events", heard.len());
    // Bad calls throw and change nothing.
    assert!(call("crash", &[9.into()]).is_err());
    assert!(call("op", &[0.into(), "delete".into(), "x".into()]).is_err());
    assert!(call("load", &["not a lesson".into()]).is_err());
    assert!(call("load", &["two-leaders".into()]).is_ok());
    call("unsubscribe", &[id]).unwrap();
    drop(listener);
}

/// Lets the seed sweep's timer loop run until the seeds panel says `done`.
async fn sweep_until(root: &Element, done: &str) {
    for _ in 0..600 {
        if text_of(root, ".seeds-panel").contains(done) {
            return;
        }
        settle().await;
    }
    panic!("the sweep did not get to {done:?}: {}", text_of(root, ".seeds-panel"));
}

#[wasm_bindgen_test]
async fn a_seed_sweep_catches_a_lessons_bug_and_opens_the_failing_seed() {
    let root = mount_with(Start::Lesson("stale-read".into()), false).await;
    let seed = get(&call("state", &[]).unwrap(), &["seed"]).as_f64().unwrap() as u64;
    let heard = Rc::new(RefCell::new(Vec::<(String, f64)>::new()));
    let sink = heard.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        if get(&e, &["kind"]).as_string().as_deref() == Some("sweep_progress") {
            let verdict = get(&e, &["verdict"]).as_string().unwrap_or_default();
            sink.borrow_mut().push((verdict, get(&e, &["done"]).as_f64().unwrap_or(-1.0)));
        }
    });
    let id = call("subscribe", &[listener.as_ref().clone()]).unwrap();

    // From the page: three seeds from the lesson's own, which shows the stale read.
    change(&root, ".seeds-panel input", "3").await;
    click(&root, ".seeds-panel", &format!("Run from seed {seed}")).await;
    assert!(
        text_of(&root, ".seeds-panel").contains("of 3 seeds"),
        "{}",
        text_of(&root, ".seeds-panel")
    );
    sweep_until(&root, "3 of 3 seeds run").await;
    let rows = all(&root, ".sweep-results tbody tr");
    assert_eq!(rows.len(), 3);
    assert!(rows[0].class_name().contains("bad"), "{}", text(&rows[0]));
    assert!(text(&rows[0]).contains("NOT linearizable"), "{}", text(&rows[0]));
    let told: Vec<f64> = heard.borrow().iter().map(|(_, done)| *done).collect();
    assert_eq!(told, [1.0, 2.0, 3.0], "a progress event per seed");
    assert_eq!(heard.borrow()[0].0, "not_linearizable");

    // From the API: a promise of the outcomes, and Cancel stops a sweep where it is.
    let promise: js_sys::Promise = call("sweep", &[2.into()]).unwrap().dyn_into().unwrap();
    let result = Rc::new(RefCell::new(None::<JsValue>));
    let slot = result.clone();
    let then = Closure::<dyn FnMut(JsValue)>::new(move |v| *slot.borrow_mut() = Some(v));
    let _ = promise.then(&then);
    sweep_until(&root, "2 of 2 seeds run").await;
    settle().await;
    let outcomes = js_sys::Array::from(&result.borrow().clone().expect("the promise resolved"));
    assert_eq!(outcomes.length(), 2);
    assert_eq!(get(&outcomes.get(0), &["seed"]).as_f64(), Some(seed as f64));
    assert_eq!(get(&outcomes.get(0), &["passed"]).as_bool(), Some(false));
    call("sweep", &[50.into()]).unwrap();
    yew::scheduler::flush().await;
    click(&root, ".seeds-panel", "Cancel").await;
    settle().await;
    assert!(
        text_of(&root, ".seeds-panel").contains("of 50 seeds run"),
        "{}",
        text_of(&root, ".seeds-panel")
    );
    assert!(call("sweep", &[0.into()]).is_err(), "no sweep of 0 seeds");

    // A click on the first sweep's failing seed opens its run: the lesson at that seed.
    call("sweep", &[1.into()]).unwrap();
    yew::scheduler::flush().await;
    sweep_until(&root, "1 of 1 seeds run").await;
    let button = all(&root, ".sweep-results tbody button").remove(0);
    button.click();
    yew::scheduler::flush().await;
    let state = call("state", &[]).unwrap();
    assert_eq!(get(&state, &["seed"]).as_f64(), Some(seed as f64));
    assert_eq!(get(&state, &["now_us"]).as_f64(), Some(0.0), "opened from its start");
    call("unsubscribe", &[id]).unwrap();
    drop((listener, then));
}
