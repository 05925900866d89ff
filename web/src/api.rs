//! The JavaScript API a course page uses to drive an embedded playground:
//! `window.raftkv` (in the iframe: `iframe.contentWindow.raftkv`).
//!
//! ```js
//! const kv = frame.contentWindow.raftkv;
//! kv.load("two-leaders");                 // a library id, or a scenario file (JSON)
//! kv.partition([[0, 1], [2, 3, 4]]);      // groups of servers; kv.heal() joins them again
//! kv.crash(2); kv.restart(2); kv.isolateLeader(); kv.setUnreliable(true);
//! kv.op(0, "put", "x", "1");              // Clerk 0: "get" | "put" | "append"
//! kv.run(1000);                           // run 1000 ms of virtual time now
//! kv.play(); kv.pause(); kv.step(); kv.travel(500); kv.speed(10);
//! const id = kv.subscribe(e => console.log(e.at_us, e.kind, e.server, e.text));
//! kv.unsubscribe(id);
//! kv.now();     // virtual time, µs
//! kv.state();   // { now_us, servers: [...], verdict, violation, history: [...], checkpoints }
//! kv.link();    // a permalink to this run at this moment
//! kv.sweep(20).then(rs => rs.filter(r => !r.passed)); // 20 seeds from this one, each checked
//! kv.cancelSweep();
//! ```
//!
//! Every call goes through the same [`Command`]s as the page's buttons; a call that cannot be
//! carried out throws an `Error` saying why, and changes nothing. A subscriber may call any
//! method from inside its callback: no state is borrowed while JavaScript runs.
//!
//! An event carries `seq`, `at_us`, `category` (the event log's filter group), `kind` (what
//! happened: `"role_changed"`, `"committed"`, `"sent"`, `"op_returned"`, …), `text` (in
//! words), and the fields that fit its kind: `server`, `role`, `term`, `index`, `client`,
//! `seq_no` (a Clerk's sequence number), `message`, `from`, `to`, `message_kind`, `reason`,
//! `value`, `groups`. While a sweep runs, each seed done arrives as a `"sweep_progress"` event
//! with `sweep` (which sweep of the page), `done`, `total`, and the seed's outcome as
//! `sweep()`'s promise gives it: `seed`, `verdict`, `passed`, `text`, `operations`, `returned`,
//! `virtual_us`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use check::Verdict;
use kv::OpKind;
use raft::MILLISECOND;
use sim::scenario::{RunVerdict, SeedOutcome};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::functional::UseReducerDispatcher;

use crate::app::{Action, Model};
use crate::controller::{Command, Controller, MAX_SPEED, MIN_SPEED};
use crate::files;
use crate::journal::{attempt_error, drop_reason, endpoint_name, kind_name, role_name, Line};
use crate::start::scenario_from_text;
use crate::sweep::MAX_SEEDS;

/// The name of the API object on `window`.
const NAME: &str = "raftkv";

type Method = Closure<dyn Fn(JsValue, JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;
/// A method's body: the controller and up to four arguments in, a value or a reason out.
type Body = Rc<dyn Fn(&mut Controller, [JsValue; 4]) -> Result<JsValue, String>>;
/// A method's result, set from inside the reducer.
type Outcome = Rc<RefCell<Option<Result<JsValue, String>>>>;

/// Subscribers by id.
type Subscribers = Rc<RefCell<Vec<(u32, js_sys::Function)>>>;

/// The installed API; dropping it removes `window.raftkv`.
pub struct Api {
    _methods: Vec<Method>,
    subscribers: Subscribers,
    /// The seed sweep whose outcomes subscribers have been told of, and how many.
    told: Cell<(u64, usize)>,
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = js_sys::Reflect::delete_property(&w, &NAME.into());
        }
    }
}

impl Api {
    /// Tells subscribers what happened since the last call.
    pub fn publish(&self, ctl: &RefCell<Controller>) {
        publish(&self.subscribers, ctl);
        // Each seed the sweep has finished since, as a `"sweep_progress"` event (none from
        // before there were subscribers).
        let events: Vec<JsValue> = match ctl.borrow().sweep() {
            Some(s) => {
                let (number, told) = self.told.get();
                let from = if number == s.number() { told } else { 0 };
                self.told.set((s.number(), s.outcomes().len()));
                if self.subscribers.borrow().is_empty() {
                    return;
                }
                s.outcomes()[from.min(s.outcomes().len())..]
                    .iter()
                    .enumerate()
                    .map(|(i, o)| {
                        let event = outcome(o);
                        let set = |key: &str, value: f64| {
                            let _ = js_sys::Reflect::set(&event, &key.into(), &value.into());
                        };
                        set("sweep", s.number() as f64);
                        set("done", (from + i + 1) as f64);
                        set("total", s.total() as f64);
                        let _ =
                            js_sys::Reflect::set(&event, &"kind".into(), &"sweep_progress".into());
                        event
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let subscribers = self.subscribers.borrow().clone();
        for event in &events {
            for (_, f) in &subscribers {
                if let Err(e) = f.call1(&JsValue::NULL, event) {
                    web_sys::console::error_2(&"raftkv subscriber failed:".into(), &e);
                }
            }
        }
    }
}

/// A seed's outcome for JavaScript: `seed`, `verdict` (`"linearizable"`,
/// `"not_linearizable"`, `"unknown"`, `"invariant_broken"`), `passed`, `text` (in words),
/// `operations`, `returned` and `virtual_us`.
fn outcome(o: &SeedOutcome) -> JsValue {
    let verdict = match o.verdict {
        RunVerdict::Linearizable => "linearizable",
        RunVerdict::NotLinearizable { .. } => "not_linearizable",
        RunVerdict::Unknown => "unknown",
        RunVerdict::InvariantBroken(_) => "invariant_broken",
    };
    let num = |n: usize| JsValue::from_f64(n as f64);
    object(&[
        ("seed", (o.seed as f64).into()),
        ("verdict", verdict.into()),
        ("passed", o.verdict.passed().into()),
        ("text", o.verdict.to_string().into()),
        ("operations", num(o.operations)),
        ("returned", num(o.returned)),
        ("virtual_us", (o.virtual_time as f64).into()),
    ])
}

/// One event as subscribers receive it: the trace event's fields by name, and its text. Set
/// field by field on a plain object: a serde derive for it would cost the bundle more.
fn event(line: &Line) -> JsValue {
    use sim::TraceEvent as T;
    let object = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = js_sys::Reflect::set(&object, &key.into(), &value);
    };
    let num = |n: u64| JsValue::from_f64(n as f64);
    set("seq", num(line.seq as u64));
    set("at_us", num(line.at));
    set("category", line.category().name().into());
    set("text", line.text().into());
    let kind = match &line.event {
        T::Sent { id, from, to, kind, .. } => {
            set("message", num(*id));
            set("from", endpoint_name(*from).into());
            set("to", endpoint_name(*to).into());
            set("message_kind", kind_name(*kind).into());
            "sent"
        }
        T::Delivered { id }
        | T::Held { id }
        | T::Released { id, .. }
        | T::Duplicated { id, .. } => {
            set("message", num(*id));
            match &line.event {
                T::Delivered { .. } => "delivered",
                T::Held { .. } => "held",
                T::Released { .. } => "released",
                _ => "duplicated",
            }
        }
        T::Dropped { id, reason } => {
            set("message", num(*id));
            set("reason", drop_reason(*reason).into());
            "dropped"
        }
        T::RoleChanged { server, role, term } => {
            set("server", num(*server as u64));
            set("role", role_name(*role).into());
            set("term", num(*term));
            "role_changed"
        }
        T::Committed { server, index }
        | T::Applied { server, index }
        | T::SnapshotTaken { server, index, .. }
        | T::SnapshotInstalled { server, index } => {
            set("server", num(*server as u64));
            set("index", num(*index));
            match &line.event {
                T::Committed { .. } => "committed",
                T::Applied { .. } => "applied",
                T::SnapshotTaken { .. } => "snapshot_taken",
                _ => "snapshot_installed",
            }
        }
        T::Crashed { server } | T::Restarted { server } => {
            set("server", num(*server as u64));
            if matches!(line.event, T::Crashed { .. }) {
                "crashed"
            } else {
                "restarted"
            }
        }
        T::TopologyChanged { groups } => {
            let groups: js_sys::Array = groups
                .iter()
                .map(|g| g.iter().map(|&s| num(s as u64)).collect::<js_sys::Array>())
                .collect();
            set("groups", groups.into());
            "topology_changed"
        }
        T::NetworkChanged { .. } => "network_changed",
        T::OpInvoked { client, seq, op } => {
            set("client", num(*client));
            set("seq_no", num(*seq));
            set("value", op.to_string().into());
            "op_invoked"
        }
        T::ClerkRetried { client, seq, server, reason } => {
            set("client", num(*client));
            set("seq_no", num(*seq));
            set("server", num(*server as u64));
            set("reason", attempt_error(*reason).into());
            "clerk_retried"
        }
        T::OpReturned { client, seq, server, index, value } => {
            set("client", num(*client));
            set("seq_no", num(*seq));
            set("server", num(*server as u64));
            if let Some(i) = index {
                set("index", num(*i));
            }
            set("value", value.as_str().into());
            "op_returned"
        }
    };
    set("kind", kind.into());
    object.into()
}

/// A plain object with these fields (set one by one: a serde derive costs the bundle more).
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

/// Hands the event-log lines since the last call to every subscriber. Nothing is borrowed
/// while they run, so they may call the API themselves (what that makes happen reaches them
/// from that call).
fn publish(subscribers: &Subscribers, ctl: &RefCell<Controller>) {
    if subscribers.borrow().is_empty() {
        return;
    }
    let lines = ctl.borrow_mut().take_events();
    let subscribers = subscribers.borrow().clone();
    for line in &lines {
        let value = event(line);
        for (_, f) in &subscribers {
            if let Err(e) = f.call1(&JsValue::NULL, &value) {
                web_sys::console::error_2(&"raftkv subscriber failed:".into(), &e);
            }
        }
    }
}

/// Installs `window.raftkv`: each call is dispatched to the page's reducer as an action,
/// and what it made happen is then published to subscribers; `ctl` is the reducer's
/// controller, read for that.
pub fn install(
    ctl: Rc<RefCell<Controller>>,
    dispatcher: UseReducerDispatcher<Model>,
) -> Option<Api> {
    let window = web_sys::window()?;
    let object = js_sys::Object::new();
    let subscribers: Subscribers = Rc::default();
    let next_id = Rc::new(std::cell::Cell::new(1u32));
    let mut methods = Vec::new();
    let mut add = |name: &str, f: Body| {
        let (ctl, dispatcher, subscribers) = (ctl.clone(), dispatcher.clone(), subscribers.clone());
        let method: Method = Closure::new(move |a, b, c, d| {
            let outcome: Outcome = Rc::default();
            // Nothing holds the state while JavaScript runs (the reducer and the panels call
            // none); should that ever change, a call is refused rather than the page panicking.
            if ctl.try_borrow_mut().is_ok() {
                let (f, out) = (f.clone(), outcome.clone());
                dispatcher.dispatch(Action::Api(Box::new(move |ctl| {
                    *out.borrow_mut() = Some(f(ctl, [a, b, c, d]));
                })));
            }
            publish(&subscribers, &ctl);
            let result = outcome.borrow_mut().take();
            result
                .unwrap_or_else(
                    || Err("raftkv is busy; call it again after this event".to_string()),
                )
                .map_err(|why| js_sys::Error::new(&why).into())
        });
        let _ = js_sys::Reflect::set(&object, &name.into(), method.as_ref().unchecked_ref());
        methods.push(method);
    };
    let done = |r: Result<(), String>| r.map(|()| JsValue::UNDEFINED);
    add(
        "load",
        Rc::new(move |c, [source, ..]| {
            let text =
                source.as_string().ok_or("load takes a lesson id or a scenario file's text")?;
            let file = match sim::lessons::find(text.trim()) {
                Some(file) => file,
                None => scenario_from_text(&text)
                    .map_err(|e| format!("not a lesson id, and not a scenario file: {e}"))?,
            };
            done(c.apply(Command::Load(Box::new(file))))
        }),
    );
    add(
        "partition",
        Rc::new(move |c, [groups, ..]| {
            let groups: Vec<Vec<usize>> = serde_wasm_bindgen::from_value(groups).map_err(|_| {
                "partition takes groups of server numbers, e.g. [[0, 1], [2, 3, 4]]".to_string()
            })?;
            done(c.apply(Command::Partition(groups)))
        }),
    );
    add("heal", Rc::new(move |c, _| done(c.apply(Command::Heal))));
    add("isolateLeader", Rc::new(move |c, _| done(c.apply(Command::IsolateLeader))));
    add("crash", Rc::new(move |c, [s, ..]| done(c.apply(Command::Crash(server(&s)?)))));
    add("restart", Rc::new(move |c, [s, ..]| done(c.apply(Command::Restart(server(&s)?)))));
    add(
        "setUnreliable",
        Rc::new(move |c, [on, ..]| done(c.apply(Command::SetUnreliable(on.is_truthy())))),
    );
    add(
        "op",
        Rc::new(move |c, [client, kind, key, value]| {
            let client = client
                .as_f64()
                .filter(|n| n.fract() == 0.0 && *n >= 0.0)
                .ok_or("op's first argument is a Clerk number")? as u64;
            let kind = match kind.as_string().as_deref() {
                Some("get") => OpKind::Get,
                Some("put") => OpKind::Put,
                Some("append") => OpKind::Append,
                _ => return Err("op's second argument is \"get\", \"put\" or \"append\"".into()),
            };
            if client as usize >= c.runner().sim().clients() {
                return Err(format!("there is no Clerk {client}"));
            }
            let key = key.as_string().ok_or("op's third argument is the key")?;
            let value = value.as_string().unwrap_or_default();
            done(c.apply(Command::ClerkOp { client, kind, key, value }))
        }),
    );
    add(
        "run",
        Rc::new(move |c, [ms, ..]| {
            let ms = ms
                .as_f64()
                .filter(|m| (0.0..=3.6e6).contains(m))
                .ok_or("run takes virtual milliseconds, up to an hour")?;
            done(c.apply(Command::Skip(ms as u64 * MILLISECOND)))
        }),
    );
    add(
        "travel",
        Rc::new(move |c, [ms, ..]| {
            let ms =
                ms.as_f64().filter(|m| *m >= 0.0).ok_or("travel takes a virtual time in ms")?;
            c.apply(Command::Travel(ms as u64 * MILLISECOND))?;
            // The API's travel returns once it is there.
            c.finish_replaying();
            Ok(JsValue::UNDEFINED)
        }),
    );
    add(
        "speed",
        Rc::new(move |c, [x, ..]| {
            let x = x
                .as_f64()
                .filter(|x| (MIN_SPEED..=MAX_SPEED).contains(x))
                .ok_or(format!("speed takes a number from {MIN_SPEED} to {MAX_SPEED}"))?;
            done(c.apply(Command::SetSpeed(x)))
        }),
    );
    add("now", Rc::new(move |c, _| Ok(JsValue::from_f64(c.runner().sim().now() as f64))));
    add(
        "play",
        Rc::new(move |c, _| {
            if !c.playing() {
                c.apply(Command::TogglePlay)?;
            }
            Ok(JsValue::UNDEFINED)
        }),
    );
    add(
        "pause",
        Rc::new(move |c, _| {
            if c.playing() {
                c.apply(Command::TogglePlay)?;
            }
            Ok(JsValue::UNDEFINED)
        }),
    );
    add("step", Rc::new(move |c, _| done(c.apply(Command::Step))));
    let subs = subscribers.clone();
    add(
        "subscribe",
        Rc::new(move |c, [f, ..]| {
            let f: js_sys::Function =
                f.dyn_into().map_err(|_| "subscribe takes a function".to_string())?;
            let id = next_id.get();
            next_id.set(id + 1);
            // From now on: drop what happened before the first subscriber.
            c.take_events();
            subs.borrow_mut().push((id, f));
            Ok(id.into())
        }),
    );
    let subs = subscribers.clone();
    add(
        "unsubscribe",
        Rc::new(move |_, [id, ..]| {
            let id = id.as_f64().unwrap_or(-1.0);
            subs.borrow_mut().retain(|(i, _)| f64::from(*i) != id);
            Ok(JsValue::UNDEFINED)
        }),
    );
    add(
        "sweep",
        Rc::new(move |c, [n, ..]| {
            let n = n
                .as_f64()
                .filter(|n| n.fract() == 0.0 && (1.0..=MAX_SEEDS as f64).contains(n))
                .ok_or(format!("sweep takes a number of seeds, 1 to {MAX_SEEDS}"))?;
            c.apply(Command::Sweep(n as u64))?;
            let mut resolve = None;
            let promise = js_sys::Promise::new(&mut |ok, _| resolve = Some(ok));
            let resolve = resolve.ok_or("the browser did not start the promise")?;
            c.wait_for_sweep(Box::new(move |outcomes| {
                let outcomes: js_sys::Array = outcomes.iter().map(outcome).collect();
                let _ = resolve.call1(&JsValue::NULL, &outcomes);
            }))?;
            Ok(promise.into())
        }),
    );
    add("cancelSweep", Rc::new(move |c, _| done(c.apply(Command::CancelSweep))));
    add("state", Rc::new(move |c, _| state(c)));
    add(
        "link",
        Rc::new(move |c, _| Ok(format!("{}#run={}", files::page_address(), c.link()).into())),
    );
    let _ = js_sys::Reflect::set(&window, &NAME.into(), &object);
    Some(Api { _methods: methods, subscribers, told: Cell::new((0, 0)) })
}

/// A server number as JavaScript gave it; the simulator refuses one that does not exist.
fn server(s: &JsValue) -> Result<usize, String> {
    s.as_f64()
        .filter(|x| x.fract() == 0.0 && *x >= 0.0)
        .map(|x| x as usize)
        .ok_or_else(|| "a server is given by its number".to_string())
}

fn state(c: &mut Controller) -> Result<JsValue, String> {
    // A script asking for the verdict gets the final one.
    c.finish_checking();
    let view = c.view();
    let verdict = match c.verdict() {
        Some(Verdict::Linearizable) => "linearizable",
        Some(Verdict::NotLinearizable) => "not_linearizable",
        Some(Verdict::Unknown) | None => "unknown",
    };
    let num = |n: u64| JsValue::from_f64(n as f64);
    let servers: js_sys::Array = view
        .servers
        .iter()
        .map(|s| {
            let role = s.raft.as_ref().map_or(JsValue::NULL, |r| role_name(r.role).into());
            let raft =
                |f: fn(&raft::RaftView) -> u64, down: u64| num(s.raft.as_ref().map_or(down, f));
            object(&[
                ("id", num(s.id as u64)),
                ("alive", s.alive.into()),
                ("role", role),
                ("term", raft(|r| r.term, s.persisted.term)),
                ("commit_index", raft(|r| r.commit_index, 0)),
                ("last_applied", raft(|r| r.last_applied, 0)),
                ("last_index", raft(|r| r.last_log_index, s.persisted.last_index)),
            ])
        })
        .collect();
    let history = js_sys::JSON::parse(&sim::porcupine_json(c.runner().sim().history()))
        .map_err(|_| "the history did not parse as JSON".to_string())?;
    let (count, bytes, every_events) = c.checkpoints();
    Ok(object(&[
        ("now_us", num(view.now)),
        ("scenario", c.runner().file().name.as_str().into()),
        ("seed", num(view.seed)),
        ("servers", servers.into()),
        ("verdict", verdict.into()),
        ("violation", view.violation.as_ref().map_or(JsValue::NULL, |v| v.to_string().into())),
        // Porcupine's JSON, parsed by the browser (no JSON value type in the bundle).
        ("history", history),
        // The time-travel checkpoints kept: how many, roughly how many bytes, and how many
        // simulated events apart.
        (
            "checkpoints",
            object(&[
                ("count", num(count as u64)),
                ("bytes", num(bytes as u64)),
                ("every_events", num(every_events)),
            ]),
        ),
    ]))
}
