//! The page in headless Chromium, driven through its own controls: clicks and inputs are
//! dispatched on the DOM, virtual time passes with the "+1 s" button (no real waiting).
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test -p web --target wasm32-unknown-unknown`
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web::Start;
use web_sys::{
    CanvasRenderingContext2d, DomRect, Element, HtmlCanvasElement, HtmlElement, PointerEvent,
    PointerEventInit,
};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_leader_appears() {
    let root = mount().await;
    assert_eq!(count(&root, ".ring .server"), 5);
    assert_eq!(leaders(&root), 0);
    skip(&root, 1).await;
    assert_eq!(leaders(&root), 1, "{}", text(&root));
    assert!(text(&root).contains("is leader in term"), "the event log tells the election");
}

#[wasm_bindgen_test]
async fn a_server_crashes_and_restarts() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".inspector-panel", "S2").await;
    click(&root, ".inspector-panel", "Crash S2").await;
    assert_eq!(count(&root, ".ring .server.crashed"), 1);
    let inspector = text(&root.query_selector(".inspector-panel").unwrap().unwrap());
    assert!(inspector.contains("Survives a crash"), "{inspector}");
    skip(&root, 1).await;
    click(&root, ".inspector-panel", "Restart S2").await;
    assert_eq!(count(&root, ".ring .server.crashed"), 0);
    skip(&root, 1).await;
    assert_eq!(leaders(&root), 1);
    assert!(text(&root).contains("S2 restarted from its persisted state"));
}

#[wasm_bindgen_test]
async fn a_partition_and_heal() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".partition", "S0:A").await;
    click(&root, ".partition", "S1:A").await;
    click(&root, ".partition", "Apply").await;
    assert!(text(&root).contains("network split: S2 S3 S4 | S0 S1"), "{}", text(&root));
    assert_eq!(count(&root, ".ring .group-label"), 5);
    skip(&root, 2).await;
    click(&root, ".partition", "Heal").await;
    assert_eq!(count(&root, ".ring .group-label"), 0);
    skip(&root, 2).await;
    assert_eq!(leaders(&root), 1);
}

#[wasm_bindgen_test]
async fn put_then_get_through_a_clerk() {
    let root = mount().await;
    skip(&root, 1).await;
    type_into(&root, ".clerk-card input.key", "colour").await;
    type_into(&root, ".clerk-card input.value", "blue").await;
    click(&root, ".clerk-card", "Put").await;
    skip(&root, 1).await;
    assert!(ops(&root).contains("Put(\"colour\", \"blue\")"), "{}", ops(&root));
    assert!(ops(&root).contains("→ OK"), "{}", ops(&root));
    click(&root, ".clerk-card", "Get").await;
    skip(&root, 1).await;
    assert!(ops(&root).contains("→ \"blue\""), "{}", ops(&root));
    // Every live replica applied the Put (its map is drawn once unfolded).
    for summary in all(&root, ".logs-panel details.state summary") {
        summary.click();
    }
    settle().await;
    let maps = all(&root, ".logs-panel details.state table.kv:first-of-type caption + tr + tr");
    assert_eq!(maps.len(), 5, "{}", text_of(&root, ".logs-panel"));
    assert!(maps.iter().all(|row| text(row).contains("\"colour\"")));
}

#[wasm_bindgen_test]
async fn bad_input_gets_a_clear_message() {
    let root = mount().await;
    type_into(&root, ".clerk-card input.value", &"v".repeat(5000)).await;
    click(&root, ".clerk-card", "Put").await;
    let error = text(&root.query_selector(".clerk-card .error").unwrap().expect("an error shows"));
    assert!(error.contains("limit is 4096"), "{error}");
}

#[wasm_bindgen_test]
async fn an_op_in_a_minority_waits_for_the_heal() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".partition", "Isolate leader").await;
    // Let the Clerk reach only the minority (the servers now in group B).
    let majority: Vec<String> = all(&root, ".partition .group")
        .iter()
        .map(|b| text(b))
        .filter(|t| t.ends_with(":A"))
        .map(|t| t.trim_end_matches(":A").to_string())
        .collect();
    assert_eq!(majority.len(), 3);
    for s in &majority {
        let label = all(&root, ".clerk-card .reach label")
            .into_iter()
            .find(|l| text(l).trim() == s)
            .unwrap();
        let input: HtmlElement =
            label.query_selector("input").unwrap().unwrap().dyn_into().unwrap();
        input.click();
        yew::scheduler::flush().await;
    }
    click(&root, ".clerk-card", "Put").await;
    skip(&root, 3).await;
    assert!(ops(&root).contains("in progress"), "{}", ops(&root));
    assert!(!ops(&root).contains("→ OK"), "{}", ops(&root));
    click(&root, ".partition", "Heal").await;
    skip(&root, 3).await;
    assert!(ops(&root).contains("→ OK"), "{}", ops(&root));
}

/// The point (in the page's CSS pixels) of a pixel the ring's canvas painted opaque in a
/// colour (a message's fill: the election timers are translucent, labels and edges white).
fn painted_point(root: &Element) -> Option<(f64, f64)> {
    let canvas: HtmlCanvasElement =
        root.query_selector(".ring-messages").unwrap().unwrap().dyn_into().unwrap();
    let ctx: CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let (w, h) = (canvas.width(), canvas.height());
    let pixels = ctx.get_image_data(0.0, 0.0, w as f64, h as f64).unwrap().data();
    let rect = canvas.get_bounding_client_rect();
    (0..w * h).find_map(|i| {
        let p = &pixels[4 * i as usize..4 * i as usize + 4];
        let white = p[0] > 240 && p[1] > 240 && p[2] > 240;
        (p[3] == 255 && !white).then(|| {
            let (x, y) = ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5);
            (rect.left() + x * rect.width() / w as f64, rect.top() + y * rect.height() / h as f64)
        })
    })
}

/// Clicks what `selector` matches at a point of the page.
async fn click_at(root: &Element, selector: &str, at: (f64, f64)) {
    pointer_at(root, selector, "click", at).await;
}

/// Fires a pointer event of `kind` ("click", "pointerdown", …) at client point (x, y).
async fn pointer_at(root: &Element, selector: &str, kind: &str, (x, y): (f64, f64)) {
    let init = PointerEventInit::new();
    init.set_bubbles(true);
    init.set_pointer_id(1);
    init.set_client_x(x.round() as i32);
    init.set_client_y(y.round() as i32);
    let event = PointerEvent::new_with_event_init_dict(kind, &init).unwrap();
    let target = root.query_selector(selector).unwrap().unwrap();
    target.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn a_click_on_a_message_painted_in_flight_inspects_it() {
    let root = mount().await;
    skip(&root, 1).await;
    let drawn = |root: &Element| {
        let canvas = root.query_selector(".ring-messages").unwrap().unwrap();
        canvas.get_attribute("data-drawn").unwrap().parse::<usize>().unwrap()
    };
    for _ in 0..100 {
        if drawn(&root) > 0 {
            break;
        }
        click(&root, ".controls", "Step").await;
    }
    assert!(drawn(&root) > 0, "a leader sends heartbeats");
    let inspector = || text_of(&root, ".inspector-panel");
    // A click where nothing is painted selects nothing.
    let rect = root.query_selector(".ring").unwrap().unwrap().get_bounding_client_rect();
    click_at(&root, ".ring", (rect.left() + 3.0, rect.top() + 3.0)).await;
    assert!(!inspector().contains("Message #"), "{}", inspector());
    let at = painted_point(&root).expect("the canvas painted a message");
    click_at(&root, ".ring", at).await;
    let shown = inspector();
    assert!(shown.contains("Message #") && !shown.contains("no longer in flight"), "{shown}");
}

#[wasm_bindgen_test]
async fn the_log_grid_puts_each_index_in_one_column() {
    let root = mount().await;
    skip(&root, 1).await;
    for _ in 0..3 {
        click(&root, ".clerk-card", "Put").await;
        skip(&root, 1).await;
    }
    let x = |e: &HtmlElement| e.get_bounding_client_rect().left();
    let headers = all(&root, ".log-grid thead th.idx");
    assert!(headers.len() >= 4, "a no-op and three Puts: {}", text_of(&root, ".log-grid"));
    let rows = all(&root, ".log-grid tbody tr");
    assert_eq!(rows.len(), 5);
    for row in &rows {
        let cells = all(row, "td.entry, td.empty");
        assert_eq!(cells.len(), headers.len(), "{}", text(row));
        for (cell, header) in cells.iter().zip(&headers) {
            assert!((x(cell) - x(header)).abs() < 0.5, "index {} out of its column", text(header));
        }
        // Every server holds the same committed entries.
        assert_eq!(count(row, "td.entry"), headers.len() as u32, "{}", text(row));
    }
    let first_row_terms: Vec<String> =
        all(&rows[0], "td.entry .term").iter().map(|t| text(t)).collect();
    for row in &rows[1..] {
        let terms: Vec<String> = all(row, "td.entry .term").iter().map(|t| text(t)).collect();
        assert_eq!(terms, first_row_terms, "log matching: same index, same term");
    }
}

#[wasm_bindgen_test]
async fn the_log_grid_marks_the_deposed_leaders_conflicting_entry() {
    let root = mount_with(Start::Lesson("two-leaders".into()), false).await;
    skip(&root, 4).await;
    let conflicts = all(&root, ".log-grid td.conflict");
    assert!(!conflicts.is_empty(), "{}", text_of(&root, ".log-grid"));
    assert!(conflicts.iter().all(|c| c.class_name().contains("uncommitted")));
    let title = conflicts[0].get_attribute("title").unwrap_or_default();
    assert!(title.contains("the leader has another term here"), "{title}");
    // After the heal the old leader's entry is replaced: no conflict is left.
    skip(&root, 4).await;
    assert_eq!(count(&root, ".log-grid td.conflict"), 0, "{}", text_of(&root, ".log-grid"));
}

#[wasm_bindgen_test]
async fn a_server_is_cut_off_from_the_inspector_and_the_rest_elect_a_leader() {
    let root = mount().await;
    skip(&root, 1).await;
    let leader = root.query_selector(".ring .server.leader").unwrap().expect("a leader");
    let leader = leader.get_attribute("aria-label").unwrap();
    let id = leader[1..].split(',').next().unwrap().to_string();
    click(&root, ".inspector-panel", &format!("S{id}")).await;
    click(&root, ".inspector-panel", &format!("Cut S{id} off")).await;
    assert!(text(&root).contains(&format!("| S{id}")), "{}", text_of(&root, ".events-panel"));
    skip(&root, 2).await;
    // The four others elect a leader of a higher term; the old one still believes it leads.
    assert_eq!(leaders(&root), 2, "{}", text_of(&root, ".ring"));
    click(&root, ".faults", "Heal").await;
    skip(&root, 1).await;
    assert_eq!(leaders(&root), 1);
}

#[wasm_bindgen_test]
async fn a_server_is_moved_to_a_partition_group_from_the_inspector() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".inspector-panel", "S1").await;
    click(&root, ".server-details .groups", "B").await;
    click(&root, ".inspector-panel", "Clear").await;
    click(&root, ".inspector-panel", "S3").await;
    click(&root, ".server-details .groups", "B").await;
    let events = text_of(&root, ".events-panel");
    assert!(events.contains("S0 S2 S4") && events.contains("S1 S3"), "{events}");
    assert_eq!(count(&root, ".ring .group-label"), 5);
    let pressed = all(&root, ".server-details .groups button[aria-pressed=\"true\"]");
    assert_eq!(pressed.len(), 1);
    assert_eq!(text(&pressed[0]).trim(), "B");
    // The partition fieldset shows the same choice.
    assert!(text_of(&root, ".partition").contains("S3:B"), "{}", text_of(&root, ".partition"));
    skip(&root, 2).await;
    // The majority (S0, S2, S4) has a leader; S1 and S3 cannot elect one.
    assert!(leaders(&root) >= 1);
}

#[wasm_bindgen_test]
async fn the_timeline_shows_who_led_and_a_click_on_it_travels_there() {
    let root = mount().await;
    skip(&root, 4).await;
    let band = root.query_selector(".timeline rect.lead").unwrap().expect("a leader's band");
    let said = text(&band);
    assert!(said.contains("leads in term 1"), "{said}");
    // A click a quarter of the way along travels to about 1 s of the 4 s recorded, which stay.
    let svg = root.query_selector(".timeline").unwrap().unwrap();
    let r = svg.get_bounding_client_rect();
    click_at(&root, ".timeline", (r.left() + r.width() / 4.0, r.top() + 10.0)).await;
    let status = text_of(&root, ".status");
    let t: f64 = status.trim_start_matches("t = ").split(' ').next().unwrap().parse().unwrap();
    assert!((0.9..=1.1).contains(&t), "{status}");
    let max = root.query_selector(".controls .travel input").unwrap().unwrap().get_attribute("max");
    assert_eq!(max.as_deref(), Some("4000"));
    assert!(count(&root, ".timeline rect.lead") >= 1, "the recording's bands stay");
}

#[wasm_bindgen_test]
async fn pointing_at_the_timeline_says_what_happened_there_and_a_drag_scrubs_through_the_run() {
    let root = mount().await;
    skip(&root, 1).await;
    click(&root, ".faults", "Isolate leader").await;
    skip(&root, 3).await;
    let r = root.query_selector(".timeline").unwrap().unwrap().get_bounding_client_rect();
    let at = |fraction: f64| (r.left() + r.width() * fraction, r.top() + 10.0);
    let time = |root: &Element| -> f64 {
        let status = text_of(root, ".status");
        status.trim_start_matches("t = ").split(' ').next().unwrap().parse().unwrap()
    };
    // Near the end (the leader cut off since 1 s): the split, the new leader, operations.
    pointer_at(&root, ".timeline", "pointermove", at(0.95)).await;
    let said = text_of(&root, ".timeline-said");
    assert!(said.contains("leads in term 2") && said.contains("network split"), "{said}");
    assert!(said.contains("operations returned"), "{said}");
    assert!((time(&root) - 4.0).abs() < 0.01, "pointing alone travels nowhere");
    // Pressed at a quarter and moved to a half: the run is at about 2 s of the 4 recorded.
    pointer_at(&root, ".timeline", "pointerdown", at(0.25)).await;
    pointer_at(&root, ".timeline", "pointermove", at(0.5)).await;
    assert!((1.9..=2.1).contains(&time(&root)), "{}", text_of(&root, ".status"));
    pointer_at(&root, ".timeline", "pointerup", at(0.5)).await;
    pointer_at(&root, ".timeline", "pointermove", at(0.75)).await;
    assert!((1.9..=2.1).contains(&time(&root)), "released, moving travels no more");
    let said = text_of(&root, ".timeline-said");
    assert!(said.starts_with("2.9") || said.starts_with("3.0"), "{said}");
}

#[wasm_bindgen_test]
async fn the_status_line_is_announced_only_while_paused() {
    let root = mount().await;
    let live = |root: &Element| {
        root.query_selector(".status").unwrap().unwrap().get_attribute("aria-live").unwrap()
    };
    assert_eq!(live(&root), "polite");
    click(&root, ".controls", "Play").await;
    assert_eq!(live(&root), "off", "while running it changes several times a second");
    click(&root, ".controls", "Pause").await;
    assert_eq!(live(&root), "polite");
}

#[wasm_bindgen_test]
async fn every_clerk_of_a_lab_scenario_is_drawn_inside_the_ring_apart_from_the_others() {
    let root =
        mount_with(Start::Lesson("PersistPartitionUnreliableLinearizable3A".into()), false).await;
    let ring = root.query_selector(".ring").unwrap().unwrap().get_bounding_client_rect();
    let rects = root.query_selector_all(".ring .clerk rect").unwrap();
    let boxes: Vec<DomRect> = (0..rects.length())
        .filter_map(|i| rects.item(i)?.dyn_into::<Element>().ok())
        .map(|r| r.get_bounding_client_rect())
        .collect();
    assert_eq!(boxes.len(), 15, "the scenario's fifteen Clerks");
    for (i, b) in boxes.iter().enumerate() {
        assert!(
            b.left() >= ring.left() && b.right() <= ring.right(),
            "C{i} at {}–{}, the ring {}–{}",
            b.left(),
            b.right(),
            ring.left(),
            ring.right()
        );
        for (j, o) in boxes.iter().enumerate().skip(i + 1) {
            let apart = b.right() <= o.left()
                || o.right() <= b.left()
                || b.bottom() <= o.top()
                || o.bottom() <= b.top();
            assert!(apart, "C{i} and C{j} overlap");
        }
    }
}

/// The space-time diagram's arrows that are drawn: (message id, its path's classes, its
/// segment from its start to its end in the page's CSS pixels).
fn diagram_arrows(root: &Element) -> Vec<(u64, String, [f64; 4])> {
    // The plot starts 52 units into the drawing, which its view box fits to its width.
    let svg = root.query_selector(".spacetime").unwrap().unwrap();
    let view_box = svg.get_attribute("viewBox").unwrap();
    let units: f64 = view_box.split(' ').nth(2).unwrap().parse().unwrap();
    let rect = svg.get_bounding_client_rect();
    let k = rect.width() / units;
    let (left, top) =
        (rect.left() + 52.0 * k, rect.top() + (rect.height() - k * rect.height()) / 2.0);
    let mut out = Vec::new();
    for path in svg_all(root, ".spacetime path[data-ids]") {
        let class = path.get_attribute("class").unwrap_or_default();
        // A bucket's paths are moved along by its group.
        let dx: f64 = path
            .parent_element()
            .and_then(|g| g.get_attribute("transform"))
            .and_then(|t| t.strip_prefix("translate(")?.split(' ').next()?.parse().ok())
            .unwrap_or(0.0);
        let d = path.get_attribute("d").unwrap();
        let segments = d.split('M').filter(|s| !s.is_empty()).map(|s| {
            let n: Vec<f64> = s.split([' ', 'L']).map(|v| v.parse().unwrap()).collect();
            [left + k * (dx + n[0]), top + k * n[1], left + k * (dx + n[2]), top + k * n[3]]
        });
        let ids = path.get_attribute("data-ids").unwrap();
        let ids: Vec<u64> = ids.split(' ').map(|i| i.parse().unwrap()).collect();
        let segments: Vec<[f64; 4]> = segments.collect();
        assert_eq!(ids.len(), segments.len(), "an id per segment: {d}");
        out.extend(ids.into_iter().zip(segments).map(|(id, s)| (id, class.clone(), s)));
    }
    out
}

/// The elements (SVG ones too) that `selector` matches.
fn svg_all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

#[wasm_bindgen_test]
async fn the_space_time_diagram_draws_the_messages_delivered_and_lost_in_its_window() {
    use sim::scenario::{encode_link, Link, Runner};
    use sim::TraceEvent;
    let mut file = web::Settings::default().scenario();
    file.network.unreliable = true;
    let link = encode_link(&Link { scenario: file.clone(), at_us: 0 });
    let root = mount_with(Start::Link(link), false).await;
    skip(&root, 2).await;
    // Then events one at a time until messages are in flight.
    let mut steps = 0;
    while text_of(&root, ".inspector-panel").contains("In flight (0)") {
        click(&root, ".controls", "Step").await;
        steps += 1;
    }
    // The same run, on its own: what ended in the last second (the diagram's default window),
    // and what is in flight at its end.
    let mut run = Runner::new(&file, file.seed);
    run.advance_to(2 * raft::SECOND).unwrap();
    for _ in 0..steps {
        run.step().unwrap();
    }
    let now = run.sim().now();
    let mut delivered = std::collections::BTreeSet::new();
    let mut lost = std::collections::BTreeSet::new();
    for r in run.take_trace().into_iter().filter(|r| r.at >= now - raft::SECOND) {
        match r.event {
            TraceEvent::Delivered { id } => drop(delivered.insert(id)),
            TraceEvent::Dropped { id, .. } => drop(lost.insert(id)),
            _ => {}
        }
    }
    let flying: std::collections::BTreeSet<u64> =
        run.sim().view().messages.iter().map(|m| m.id).collect();
    assert!(!lost.is_empty() && delivered.len() > 20 && !flying.is_empty(), "{lost:?} {flying:?}");

    let arrows = diagram_arrows(&root);
    let drawn = |has: &str, not: &[&str]| -> std::collections::BTreeSet<u64> {
        let classes = |c: &String| c.split(' ').map(str::to_string).collect::<Vec<_>>();
        arrows
            .iter()
            .filter(|(_, c, _)| {
                let c = classes(c);
                (has.is_empty() || c.iter().any(|x| x == has))
                    && !not.iter().any(|n| c.iter().any(|x| x == n))
            })
            .map(|a| a.0)
            .collect()
    };
    assert_eq!(drawn("flying", &[]), flying, "the messages in flight end where they are now");
    assert_eq!(drawn("lost", &[]), lost, "each lost message ends in a cross");
    assert_eq!(drawn("ended", &["lost"]), delivered, "an arrow per delivery");
    let crosses: usize = svg_all(&root, ".spacetime .crosses")
        .iter()
        .map(|p| p.get_attribute("d").unwrap_or_default().matches("l7 7").count())
        .sum();
    assert_eq!(crosses, lost.len(), "a cross where each was lost");
    // Each arrow runs forward in time, from its sender's lane to its receiver's.
    assert!(arrows.iter().all(|(_, _, [x1, _, x2, _])| x2 >= x1));

    // A click on a delivered arrow's middle inspects that message, no longer in flight.
    let (id, _, [x1, y1, x2, y2]) =
        arrows.iter().find(|(id, _, _)| delivered.contains(id)).cloned().unwrap();
    click_at(&root, ".spacetime", ((x1 + x2) / 2.0, (y1 + y2) / 2.0)).await;
    let shown = text_of(&root, ".inspector-panel");
    let picked = shown
        .split("Message #")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("a message is inspected: {shown}"));
    assert!(shown.contains("delivered at") || shown.contains("lost at"), "{shown}");
    // The one clicked, or one crossing it there.
    let (_, _, [a, b, c, d]) = diagram_arrows(&root).into_iter().find(|a| a.0 == picked).unwrap();
    let mid = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let t = (((mid.0 - a) * (c - a) + (mid.1 - b) * (d - b)) / ((c - a).powi(2) + (d - b).powi(2)))
        .clamp(0.0, 1.0);
    let off = ((a + t * (c - a) - mid.0).powi(2) + (b + t * (d - b) - mid.1).powi(2)).sqrt();
    assert!(picked == id || off < 7.5, "picked #{picked} {off:.1} px away, clicked #{id}");
    assert_eq!(count(&root, ".spacetime .picked"), 1, "the picked arrow stands out");
}
