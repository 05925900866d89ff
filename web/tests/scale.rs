//! The page at scale, in headless Chromium: a long history keeps the page's DOM bounded, the
//! live check agrees with the checker run on the whole history, a hostile link shows its
//! progress and can be cancelled, and the JavaScript API may be called from inside a
//! subscriber.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p web --target wasm32-unknown-unknown --test scale`
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use check::{check_kv, Budget};
use common::*;
use js_sys::{Function, Reflect};
use raft::SECOND;
use sim::scenario::{encode_link, Link, NetworkSpec, ScenarioFile, Workload};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web::controller::{Command, Controller};
use web::Start;

wasm_bindgen_test_configure!(run_in_browser);

/// A lab scenario whose Clerks keep going for `minutes`.
fn long_lab(minutes: u64) -> ScenarioFile {
    let mut file = sim::lessons::find("Basic3A").unwrap();
    file.duration_ms = minutes * 60_000;
    file
}

/// Runs `c` for `seconds` virtual seconds, a second at a time, as the page's +1 s does.
fn run(c: &mut Controller, seconds: u64) {
    for _ in 0..seconds {
        c.apply(Command::Skip(SECOND)).unwrap();
    }
}

#[wasm_bindgen_test]
async fn after_ten_thousand_operations_the_history_panel_stays_small() {
    let link = encode_link(&Link { scenario: long_lab(10), at_us: 0 });
    let root = mount_with(Start::Link(link), false).await;
    let total = |root: &web_sys::Element| -> usize {
        let shown = text_of(root, ".history-panel .window-text");
        shown.split(" of ").nth(1).and_then(|t| t.split(' ').next()?.parse().ok()).unwrap_or(0)
    };
    for _ in 0..120 {
        if total(&root) >= 10_000 {
            break;
        }
        skip(&root, 1).await;
    }
    assert!(total(&root) >= 10_000, "{}", text_of(&root, ".history-panel .window-text"));
    let nodes = count(&root, ".history-panel *");
    let bars = count(&root, ".history-panel g.op");
    assert!(bars <= 40, "{bars} bars");
    assert!(nodes < 2_000, "{nodes} elements in the history panel");
    assert!(count(&root, ".clerk-card .ops li") <= 6 * 5, "Clerk lists are bounded");
    assert!(count(&root, ".events li") <= 80);
    // The window moves back, and the bars are the earliest operations then.
    click(&root, ".history-pager", "◀ Earlier").await;
    assert!(!text_of(&root, ".history-pager").contains("following"));
    assert!(count(&root, ".history-panel g.op") <= 40);
    let sizes: Vec<(String, usize)> =
        all(&root, ".panel").iter().map(|p| (p.class_name(), p.inner_html().len())).collect();
    assert!(root.inner_html().len() < 200_000, "{sizes:?}");
}

#[wasm_bindgen_test]
fn the_live_check_agrees_with_the_checker_on_the_whole_history() {
    for (file, seconds) in [
        (long_lab(1), 12),
        (sim::lessons::find("stale-read").unwrap(), 8),
        (sim::lessons::find("duplicate-append").unwrap(), 8),
        (sim::lessons::find("PersistPartitionUnreliableLinearizable3A").unwrap(), 18),
    ] {
        let mut c = Controller::new(&file, false);
        run(&mut c, seconds);
        c.finish_checking();
        let whole = check_kv(&sim::operations(c.runner().sim().history()), Budget::default());
        assert_eq!(c.verdict(), Some(whole.verdict), "{}", file.name);
        let mut bad: Vec<usize> = whole.keys.iter().flat_map(|k| k.unplaceable.clone()).collect();
        bad.sort_unstable();
        assert_eq!(c.failing().unplaceable.is_empty(), bad.is_empty(), "{}", file.name);
    }
}

/// The hostile link of the issue: 7 servers, 64 Clerks on one key, an unreliable network,
/// and a moment one virtual day in.
fn hostile() -> String {
    let mut file = ScenarioFile::playground(7, 5, None);
    file.duration_ms = 24 * 3600 * 1000;
    file.network = NetworkSpec { unreliable: true, ..NetworkSpec::default() };
    file.workload =
        Some(Workload { clients: 64, keys: vec!["k".into()], get: 50, put: 10, append: 40 });
    encode_link(&Link { scenario: file, at_us: 24 * 3600 * SECOND })
}

#[wasm_bindgen_test]
async fn a_hostile_link_shows_its_progress_and_can_be_cancelled() {
    let link = hostile();
    assert!(link.len() < 400, "{} characters", link.len());
    let root = mount_with(Start::Link(link), false).await;
    // Within a frame: the page is drawn, the replay's progress with a Cancel button.
    assert_eq!(count(&root, ".ring .server"), 7);
    assert!(text_of(&root, ".replay").contains("Replaying the run to 86400.0 s"));
    settle().await;
    let before = text_of(&root, ".replay");
    settle().await;
    assert_ne!(text_of(&root, ".replay"), before, "it goes on across frames");
    click(&root, ".replay", "Cancel").await;
    assert_eq!(count(&root, ".replay"), 0);
    let status = text_of(&root, ".status");
    assert!(status.contains("paused"), "{status}");
    let t: f64 = status.trim_start_matches("t = ").split(' ').next().unwrap().parse().unwrap();
    assert!(t > 0.0 && t < 86_400.0, "stopped at {t} s");
}

fn api() -> JsValue {
    Reflect::get(&web_sys::window().unwrap(), &"raftkv".into()).unwrap()
}

fn call(name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(&api(), &name.into()).unwrap().dyn_into().unwrap();
    f.apply(&api(), &args.iter().collect())
}

fn field(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

#[wasm_bindgen_test]
async fn a_subscriber_may_call_the_api_from_its_callback() {
    let _root = mount().await;
    let seen = Rc::new(RefCell::new(Vec::<(String, Option<f64>, Option<f64>)>::new()));
    let sink = seen.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let kind = field(&e, "kind").as_string().unwrap_or_default();
        sink.borrow_mut().push((
            kind.clone(),
            field(&e, "server").as_f64(),
            field(&e, "term").as_f64(),
        ));
        // Reading and acting from inside the callback.
        let state = call("state", &[]).expect("state() from a subscriber");
        assert!(field(&state, "now_us").as_f64().is_some());
        if kind == "role_changed" && field(&e, "role").as_string().as_deref() == Some("leader") {
            // Refused (not thrown away) if the Clerk is still busy with an earlier one.
            let _ = call("op", &[0.into(), "put".into(), "x".into(), "1".into()]);
            call("pause", &[]).expect("pause()");
        }
    });
    let id = call("subscribe", &[listener.as_ref().clone()]).unwrap();
    call("play", &[]).unwrap();
    call("run", &[3000.into()]).unwrap();
    // The Put asked for from the callback runs on from there.
    call("run", &[1000.into()]).unwrap();
    yew::scheduler::flush().await;
    let seen = seen.borrow().clone();
    let elected = seen.iter().find(|(k, _, _)| k == "role_changed");
    assert!(matches!(elected, Some((_, Some(_), Some(t))) if *t >= 1.0), "{seen:?}");
    assert!(seen.iter().any(|(k, _, _)| k == "op_invoked"), "the Put from the callback ran");
    assert!(seen.iter().any(|(k, _, _)| k == "op_returned"));
    let state = call("state", &[]).unwrap();
    assert_eq!(field(&state, "verdict").as_string().as_deref(), Some("linearizable"));
    call("unsubscribe", &[id]).unwrap();
    drop(listener);
}
