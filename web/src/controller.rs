//! The page's model: the recorded run it drives ([`Runner`]), the play/pause clock, time
//! travel, the live linearizability check, and what the visitor has chosen (selection,
//! partition groups). Every change goes through a [`Command`]; every change to the cluster is
//! recorded as a scenario action, so a run can be replayed to any moment and shared as a link.
//! The protocol itself lives in the simulator, never here.
//!
//! A frame's work is bounded, however long the run: the simulator runs inside a budget of
//! real time (the speed actually reached is shown when it falls short), the check does a
//! bounded number of search steps on what changed, and time travel replays from the nearest
//! checkpoint, across frames when it is long, with its progress shown and a way to cancel.

use std::collections::VecDeque;
use std::rc::Rc;

use check::{Budget, Incremental, Verdict};
use kv::{ClientId, OpKind};
use raft::{NodeId, Time, SECOND};
use sim::scenario::{
    encode_link, ActError, Action, Checkpoints, Link, Runner, ScenarioFile, UnsafeMode,
};
use sim::{operation, MessageId, SimView, Simulator, Violation};

use crate::clock::now_ms;
use crate::journal::{Journal, Line, DEFAULT_DIAGRAM_WINDOW, DIAGRAM_WINDOWS};
use crate::sweep::{Slice, SweepRun, Waiter, MAX_SEEDS};
use crate::timeline::Timeline;

/// The slowest speed: one virtual second per 100 real seconds.
pub const MIN_SPEED: f64 = 0.01;
/// The fastest speed.
pub const MAX_SPEED: f64 = 100.0;
/// The speed a fresh page runs at: slow enough to follow, fast enough for a leader in a second.
pub const DEFAULT_SPEED: f64 = 0.5;
/// The seed a fresh page uses.
pub const DEFAULT_SEED: u64 = 1;
/// The `maxraftstate` choices offered, in bytes (`None`: never snapshot).
pub const MAX_RAFT_STATE_CHOICES: [Option<usize>; 4] = [None, Some(100), Some(300), Some(1000)];
/// The longest real time one frame may account for, so that a stalled tab does not jump.
const MAX_FRAME_MS: f64 = 100.0;
/// Replays run in slices of at most this much virtual time, handing each slice's trace to the
/// journal (so that memory stays bounded) and looking at the clock between slices.
const REPLAY_SLICE: Time = SECOND / 4;
/// The real time a frame may spend simulating, in ms: the rest of the frame is the page's.
const SIM_BUDGET_MS: f64 = 7.0;
/// The real time a frame may spend replaying (time travel, opening a link), in ms.
const REPLAY_BUDGET_MS: f64 = 12.0;
/// Search steps the live check may start per refresh: a hand-made history is checked at
/// once, a lab scenario's over a few frames.
const CHECK_STEPS: u64 = 40_000;
/// The live check's budget per segment of a key's history (see [`check::Incremental`]):
/// beyond it that segment's verdict is "unknown".
pub const LIVE_CHECK_BUDGET: Budget = Budget { max_steps: 300_000 };
/// How many lines the outbox keeps for subscribers that have not collected them.
const MAX_SUBSCRIBER_LINES: usize = 100_000;

/// The three partition groups a visitor can put servers in.
pub const GROUPS: [&str; 3] = ["A", "B", "C"];

/// What the visitor chose for a playground run: changing any of it starts a new run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Number of servers: 3, 5 or 7.
    pub servers: usize,
    /// The run's seed.
    pub seed: u64,
    /// Snapshot once the Raft state reaches this many bytes.
    pub max_raft_state: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { servers: 5, seed: DEFAULT_SEED, max_raft_state: None }
    }
}

impl Settings {
    /// The playground scenario with these settings.
    pub fn scenario(&self) -> ScenarioFile {
        ScenarioFile::playground(self.servers, self.seed, self.max_raft_state)
    }
}

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A server.
    Server(NodeId),
    /// A message in flight.
    Message(MessageId),
    /// A Clerk operation, by its position in the history.
    Op(usize),
}

/// A message control in the inspector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageAction {
    /// Keep it in flight until released.
    Hold,
    /// Deliver it at once.
    DeliverNow,
    /// Lose it.
    Drop,
    /// Send a copy.
    Duplicate,
}

/// Everything the visitor can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Run or pause the clock.
    TogglePlay,
    /// Run the next event only (pauses).
    Step,
    /// Run this much virtual time at once.
    Skip(Time),
    /// Set the speed (clamped to [`MIN_SPEED`]..=[`MAX_SPEED`]).
    SetSpeed(f64),
    /// Double the speed.
    Faster,
    /// Halve the speed.
    Slower,
    /// Start a new playground run with these settings (a scenario keeps its script and takes
    /// the new seed and `maxraftstate`; a new cluster size starts a fresh playground).
    Reset(Settings),
    /// Run a scenario (a lesson, a file, a link) from its start.
    Load(Box<ScenarioFile>),
    /// Go back (or forward, within the recording) to this virtual time, paused.
    Travel(Time),
    /// Stop a replay in progress where it has got to.
    CancelReplay,
    /// Run the current scenario again from the start with a deliberate bug on or off.
    SetUnsafe(UnsafeMode, bool),
    /// Crash a server.
    Crash(NodeId),
    /// Restart a crashed server from its persisted state.
    Restart(NodeId),
    /// Put a server in the next partition group (A → B → C → A).
    CycleGroup(NodeId),
    /// Split the network into the chosen groups.
    ApplyPartition,
    /// Put a server in this partition group (an index into [`GROUPS`]) and split the network
    /// into the chosen groups at once: the inspector's group buttons.
    MoveToGroup(NodeId, usize),
    /// Split the network into these groups (servers in none are cut off alone).
    Partition(Vec<Vec<NodeId>>),
    /// Cut the leader and a minority of followers off from the rest.
    IsolateLeader,
    /// Connect everyone again, servers and Clerks.
    Heal,
    /// Switch labrpc's unreliable network on or off.
    SetUnreliable(bool),
    /// Switch long reordering on or off.
    SetLongReordering(bool),
    /// Act on a message in flight.
    Message(MessageId, MessageAction),
    /// Show a server or message in the inspector (or nothing).
    Select(Option<Selection>),
    /// Add a Clerk.
    AddClerk,
    /// Let a Clerk reach a server or not.
    SetClerkReach(ClientId, NodeId, bool),
    /// Ask a Clerk to run an operation.
    ClerkOp {
        /// The Clerk.
        client: ClientId,
        /// Get, Put or Append.
        kind: OpKind,
        /// The key.
        key: String,
        /// The value (ignored for Get).
        value: String,
    },
    /// Show or hide the keyboard help.
    ToggleHelp,
    /// Set how much of the recent run the space-time diagram spans (virtual µs).
    SetDiagramWindow(Time),
    /// Say why something the visitor gave (a file, a link) cannot be used.
    Notice(String),
    /// Run the scenario on screen with this many seeds, from its own (see [`SweepRun`]).
    Sweep(u64),
    /// Stop the seed sweep where it has got to.
    CancelSweep,
}

/// A replay in progress: time travel or opening a permalink, run across frames.
struct Replay {
    runner: Runner,
    journal: Journal,
    /// Where it started and where it goes.
    from: Time,
    to: Time,
}

/// How far a replay has come, for the progress bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayProgress {
    /// Virtual time reached.
    pub at: Time,
    /// Virtual time it goes to.
    pub to: Time,
    /// Fraction done, 0 to 1.
    pub fraction: f64,
}

/// The live linearizability check: fed the history as it grows, it re-checks only what
/// changed, a bounded amount per refresh.
struct LiveCheck {
    checker: Incremental,
    /// History entries fed so far.
    fed: usize,
    /// Fed entries that had not returned yet.
    open: Vec<usize>,
    failing: Rc<Failing>,
    verdict: Option<Verdict>,
}

/// What a history that is not linearizable shows: the keys, and the operations that cannot
/// be placed (indices into the history).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Failing {
    /// The keys whose operations have no linearization.
    pub keys: Vec<String>,
    /// The operations that cannot come next in the longest order found.
    pub unplaceable: Vec<usize>,
}

impl LiveCheck {
    fn new() -> LiveCheck {
        LiveCheck {
            checker: Incremental::new(LIVE_CHECK_BUDGET),
            fed: 0,
            open: Vec::new(),
            failing: Rc::default(),
            verdict: Some(Verdict::Linearizable),
        }
    }

    /// Feeds what is new in `sim`'s history (O(new entries + open ones)) and checks up to
    /// `steps` search steps of it.
    fn update(&mut self, sim: &Simulator, steps: u64) {
        let history = sim.history();
        let mut changed = false;
        self.open.retain(|&i| match (history[i].ret_order, &history[i].output) {
            (Some(ret), output) => {
                self.checker.returned(i, ret, output.clone().unwrap_or_default());
                changed = true;
                false
            }
            _ => true,
        });
        for (i, e) in history.iter().enumerate().skip(self.fed) {
            self.checker.push(operation(e));
            if e.ret_order.is_none() {
                self.open.push(i);
            }
            changed = true;
        }
        self.fed = history.len();
        if changed || self.verdict.is_none() {
            self.checker.work(steps);
            let verdict = self.checker.verdict();
            // The whole result costs O(history): read it only when it has something to show.
            if verdict == Some(Verdict::NotLinearizable)
                && (self.verdict != verdict || self.checker.is_up_to_date())
            {
                let result = self.checker.result();
                self.failing = Rc::new(Failing {
                    keys: result
                        .keys
                        .into_iter()
                        .filter(|k| k.verdict == Verdict::NotLinearizable)
                        .map(|k| k.key)
                        .collect(),
                    unplaceable: self.checker.unplaceable().collect(),
                });
            }
            self.verdict = verdict;
        }
    }
}

/// The page's state.
pub struct Controller {
    runner: Runner,
    journal: Journal,
    /// Copies of the run as it went, each with the journal then, for time travel.
    checkpoints: Checkpoints<Journal>,
    /// Every new event-log line, for subscribers (of the JavaScript API), once one has asked.
    outbox: Option<VecDeque<Line>>,
    replay: Option<Replay>,
    /// The furthest moment this recording has reached: the time slider's end.
    horizon: Time,
    speed: f64,
    playing: bool,
    /// Virtual µs owed to the simulator from fractions of earlier frames.
    carry: f64,
    /// The speed really reached lately (virtual s per real s), when playing.
    reached: Option<f64>,
    selection: Option<Selection>,
    groups: Vec<usize>,
    clerk_errors: Vec<Option<String>>,
    notice: Option<String>,
    help: bool,
    /// What the space-time diagram spans.
    diagram_window: Time,
    view: Rc<SimView>,
    check: LiveCheck,
    /// The network's groups when `groups` was last matched to them.
    topology_seen: Vec<Vec<NodeId>>,
    /// The whole recording, summarised for the timeline.
    timeline: Timeline,
    /// The latest seed sweep, and how many this page has started.
    sweep: Option<SweepRun>,
    sweeps: u64,
}

impl Controller {
    /// A fresh run of `scenario`, playing or not.
    pub fn new(scenario: &ScenarioFile, playing: bool) -> Controller {
        let runner = Runner::new(scenario, scenario.seed);
        let view = Rc::new(runner.sim().view());
        let journal = Journal::default();
        let mut c = Controller {
            groups: vec![0; scenario.servers],
            clerk_errors: vec![None; runner.sim().clients()],
            checkpoints: Checkpoints::new(&runner, &journal),
            runner,
            journal,
            outbox: None,
            replay: None,
            horizon: 0,
            speed: DEFAULT_SPEED,
            playing,
            carry: 0.0,
            reached: None,
            selection: None,
            notice: None,
            help: false,
            diagram_window: DEFAULT_DIAGRAM_WINDOW,
            view,
            check: LiveCheck::new(),
            topology_seen: Vec::new(),
            timeline: Timeline::default(),
            sweep: None,
            sweeps: 0,
        };
        // What the network and the servers are like before anything happens.
        c.timeline.cut(0, 0, &c.view);
        c.refresh();
        c
    }

    /// Opens `scenario` at virtual time `at` (a permalink), paused. A replay that does not
    /// end within a frame's budget goes on across frames ([`Controller::frame`]) with its
    /// progress shown and the run's start on screen meanwhile.
    pub fn at(scenario: &ScenarioFile, at: Time) -> Controller {
        let mut c = Controller::new(scenario, false);
        c.travel(at);
        c.go_on_replaying(REPLAY_BUDGET_MS);
        c.refresh();
        c
    }

    /// One animation frame, `elapsed_ms` of real time after the last: a replay in progress
    /// goes on; otherwise, when playing, virtual time advances by `elapsed_ms` × speed, as
    /// far as the frame's budget allows. The live check goes on either way.
    pub fn frame(&mut self, elapsed_ms: f64) {
        if self.replay.is_some() {
            self.go_on_replaying(REPLAY_BUDGET_MS);
            self.refresh();
            return;
        }
        if !self.playing {
            self.refresh();
            return;
        }
        let start = now_ms();
        let elapsed = elapsed_ms.clamp(0.0, MAX_FRAME_MS);
        self.carry += elapsed * 1000.0 * self.speed;
        let whole = self.carry.floor();
        self.carry -= whole;
        let (from, until) = (self.runner.sim().now(), self.runner.sim().now() + whole as Time);
        // Slices of an eighth of the frame's share, the clock read between them.
        let slice = (whole as Time / 8).max(1);
        let mut result = Ok(());
        while self.runner.sim().now() < until && result.is_ok() {
            let to = (self.runner.sim().now() + slice).min(until);
            result = self.runner.advance_to(to);
            if now_ms() - start > SIM_BUDGET_MS {
                break;
            }
        }
        // What the budget did not allow is not owed: the clock slows instead of freezing.
        if self.runner.sim().now() < until {
            self.carry = 0.0;
        }
        if elapsed > 0.0 {
            let rate = (self.runner.sim().now() - from) as f64 / 1000.0 / elapsed;
            self.reached = Some(self.reached.map_or(rate, |r| 0.9 * r + 0.1 * rate));
        }
        self.after(result);
    }

    /// Carries out a command; an error (also shown as the notice) if it could not be.
    pub fn apply(&mut self, command: Command) -> Result<(), String> {
        self.notice = None;
        let result = self.carry_out(command);
        if let Err(e) = &result {
            self.notice = Some(e.clone());
        }
        self.refresh();
        result
    }

    fn carry_out(&mut self, command: Command) -> Result<(), String> {
        // While a replay runs, only what does not touch the run can be done.
        let harmless = matches!(
            command,
            Command::Select(_)
                | Command::ToggleHelp
                | Command::SetDiagramWindow(_)
                | Command::SetSpeed(_)
                | Command::Faster
                | Command::Slower
                | Command::CancelReplay
                | Command::Notice(_)
                | Command::Reset(_)
                | Command::Load(_)
                | Command::Travel(_)
                | Command::SetUnsafe(..)
                | Command::Sweep(_)
                | Command::CancelSweep
        );
        if self.replay.is_some() && !harmless {
            return Err("wait for the replay to finish, or cancel it".into());
        }
        match command {
            Command::TogglePlay => {
                self.playing = !self.playing && self.runner.sim().violation().is_none();
                self.reached = None;
            }
            Command::Step => {
                self.playing = false;
                let result = self.runner.step();
                self.after(result);
            }
            Command::Skip(d) => {
                // In slices, so that the trace is read and checkpoints are taken as it goes.
                let until = self.runner.sim().now() + d;
                let mut result = Ok(());
                while self.runner.sim().now() < until && result.is_ok() {
                    result =
                        self.runner.advance_to((self.runner.sim().now() + REPLAY_SLICE).min(until));
                    self.absorb();
                }
                self.after(result);
            }
            Command::SetSpeed(s) => self.speed = s.clamp(MIN_SPEED, MAX_SPEED),
            Command::Faster => self.speed = (self.speed * 2.0).min(MAX_SPEED),
            Command::Slower => self.speed = (self.speed / 2.0).max(MIN_SPEED),
            Command::Reset(settings) => {
                let current = self.runner.file();
                let scenario = if settings.servers == current.servers {
                    ScenarioFile {
                        seed: settings.seed,
                        max_raft_state: settings.max_raft_state,
                        ..current.clone()
                    }
                } else {
                    settings.scenario()
                };
                self.restart_with(&scenario);
            }
            Command::Load(scenario) => {
                let scenario = *scenario;
                scenario.validate().map_err(|e| e.to_string())?;
                self.restart_with(&scenario);
            }
            Command::Travel(to) => {
                self.travel(to);
                // A short replay (the usual case: a checkpoint is near) ends in this frame.
                self.go_on_replaying(REPLAY_BUDGET_MS);
            }
            Command::CancelReplay => self.cancel_replay(),
            Command::SetUnsafe(mode, on) => {
                let mut scenario = self.runner.file().clone();
                scenario.unsafe_modes.retain(|&m| m != mode);
                if on {
                    scenario.unsafe_modes.push(mode);
                }
                self.restart_with(&scenario);
            }
            Command::Crash(server) => self.act(Action::Crash { server })?,
            Command::Restart(server) => self.act(Action::Restart { server })?,
            Command::CycleGroup(s) => {
                let g = self.groups.get_mut(s).ok_or_else(|| format!("no server S{s}"))?;
                *g = (*g + 1) % GROUPS.len();
            }
            Command::ApplyPartition => self.apply_groups()?,
            Command::MoveToGroup(s, g) => {
                if s >= self.groups.len() || g >= GROUPS.len() {
                    return Err(format!("no server S{s} or group {g}"));
                }
                self.groups[s] = g;
                self.apply_groups()?;
            }
            Command::Partition(groups) => self.act(Action::Partition { groups })?,
            Command::IsolateLeader => {
                self.act(Action::isolate_leader_in_minority(self.runner.file().servers))?;
            }
            Command::Heal => self.act(Action::Heal)?,
            Command::SetUnreliable(on) => self.act(Action::Unreliable { on })?,
            Command::SetLongReordering(on) => self.act(Action::LongReordering { on })?,
            Command::Message(message, action) => self.act(match action {
                MessageAction::Hold => Action::HoldMessage { message },
                MessageAction::DeliverNow => Action::DeliverMessage { message },
                MessageAction::Drop => Action::DropMessage { message },
                MessageAction::Duplicate => Action::DuplicateMessage { message },
            })?,
            Command::Select(s) => self.selection = s,
            Command::AddClerk => self.act(Action::AddClerk)?,
            Command::SetClerkReach(c, s, on) => {
                let client = self.scripted(c)?;
                let mut servers = self.runner.sim().client_links(c);
                servers.retain(|&x| x != s);
                if on {
                    servers.push(s);
                }
                self.act(Action::Reach { client, servers })?;
            }
            Command::ClerkOp { client: c, kind, key, value } => {
                let client = self.scripted(c)?;
                let action = match kind {
                    OpKind::Get => Action::Get { client, key },
                    OpKind::Put => Action::Put { client, key, value },
                    OpKind::Append => Action::Append { client, key, value },
                };
                let result = self.act(action);
                self.clerk_errors.resize(self.runner.sim().clients(), None);
                self.clerk_errors[c as usize] = result.clone().err();
                result?;
            }
            Command::ToggleHelp => self.help = !self.help,
            Command::SetDiagramWindow(w) => {
                self.diagram_window =
                    *DIAGRAM_WINDOWS.iter().min_by_key(|&&c| c.abs_diff(w)).unwrap_or(&w)
            }
            Command::Notice(why) => return Err(why),
            Command::Sweep(n) => {
                if !(1..=MAX_SEEDS).contains(&n) {
                    return Err(format!("a sweep runs 1 to {MAX_SEEDS} seeds, not {n}"));
                }
                if let Some(old) = &mut self.sweep {
                    old.end();
                }
                self.sweeps += 1;
                let (file, now) = (self.runner.file(), self.runner.sim().now());
                self.sweep = Some(SweepRun::start(file, now, n, self.sweeps));
            }
            Command::CancelSweep => {
                if let Some(sweep) = &mut self.sweep {
                    sweep.end();
                }
            }
        }
        Ok(())
    }

    /// The latest seed sweep, running or done.
    pub fn sweep(&self) -> Option<&SweepRun> {
        self.sweep.as_ref()
    }

    /// Works on the sweep for about `budget_ms`; what there is to draw after, its progress at
    /// most every `pace_ms` (see [`SweepRun::slice`]).
    pub fn sweep_slice(&mut self, budget_ms: f64, pace_ms: f64) -> Slice {
        self.sweep.as_mut().map_or(Slice::Ended, |s| s.slice(budget_ms, pace_ms))
    }

    /// Calls `waiter` with the sweep's outcomes once it ends; an error if there is none.
    pub fn wait_for_sweep(&mut self, waiter: Waiter) -> Result<(), String> {
        let sweep = self.sweep.as_mut().ok_or("no seed sweep has been started")?;
        sweep.wait(waiter);
        Ok(())
    }

    /// The scripted-Clerk number of Clerk `c`; the workload's Clerks take no orders.
    fn scripted(&self, c: ClientId) -> Result<usize, String> {
        (c as usize)
            .checked_sub(self.runner.workers())
            .ok_or_else(|| format!("C{c} runs this scenario's workload; use another Clerk"))
    }

    /// Split the network into the groups the visitor chose, one per letter in use.
    fn apply_groups(&mut self) -> Result<(), String> {
        let groups: Vec<Vec<NodeId>> = (0..GROUPS.len())
            .map(|g| (0..self.groups.len()).filter(|&s| self.groups[s] == g).collect())
            .filter(|g: &Vec<NodeId>| !g.is_empty())
            .collect();
        self.act(Action::Partition { groups })
    }

    fn act(&mut self, action: Action) -> Result<(), String> {
        let result = self.runner.act(action);
        // Acting in the past forks the future away: the recording now ends here, and so do
        // its checkpoints.
        if result.is_ok() {
            let now = self.runner.sim().now();
            self.horizon = now;
            self.checkpoints.forget_after(now);
            self.timeline.cut(now, self.journal.seen(), &self.runner.sim().view());
        }
        result.map_err(|e: ActError| e.to_string())
    }

    fn restart_with(&mut self, scenario: &ScenarioFile) {
        let (speed, help, outbox) = (self.speed, self.help, self.outbox.take());
        let (sweep, sweeps, window) = (self.sweep.take(), self.sweeps, self.diagram_window);
        *self = Controller::new(scenario, true);
        self.speed = speed;
        self.help = help;
        self.diagram_window = window;
        self.outbox = outbox;
        // A sweep goes on, and its results stay, whichever run is on screen.
        (self.sweep, self.sweeps) = (sweep, sweeps);
    }

    /// Starts replaying the recording to `to`, from the latest checkpoint before it; the
    /// page stays as it is until the replay is done.
    fn travel(&mut self, to: Time) {
        let (runner, journal) = self.checkpoints.before(to, self.runner.file());
        let from = runner.sim().now();
        self.replay = Some(Replay { runner, journal, from, to });
        self.playing = false;
    }

    /// Replays for up to `budget_ms` of real time; installs the run once it is there.
    fn go_on_replaying(&mut self, budget_ms: f64) {
        let start = now_ms();
        while let Some(r) = &mut self.replay {
            let t = (r.runner.sim().now() + REPLAY_SLICE).min(r.to);
            let stopped = r.runner.advance_to(t).is_err();
            let trace = r.runner.take_trace();
            let timeline = &mut self.timeline;
            r.journal.absorb(trace, r.runner.sim(), |line| timeline.record(line));
            let journal = &r.journal;
            self.checkpoints.observe(&r.runner, || journal.clone());
            if stopped || t >= r.to {
                self.finish_replay();
            } else if now_ms() - start > budget_ms {
                return;
            }
        }
    }

    /// Runs a replay in progress to its end at once (the API's travel, which returns when
    /// it is there).
    pub fn finish_replaying(&mut self) {
        self.go_on_replaying(f64::INFINITY);
        self.refresh();
    }

    /// Stops a replay in progress where it has got to, paused there.
    fn cancel_replay(&mut self) {
        if self.replay.is_some() {
            self.finish_replay();
        }
    }

    fn finish_replay(&mut self) {
        let Some(r) = self.replay.take() else { return };
        self.runner = r.runner;
        self.journal = r.journal;
        self.playing = false;
        self.carry = 0.0;
        self.selection = None;
        self.clerk_errors = vec![None; self.runner.sim().clients()];
        // The history may be shorter than the one checked: check this one afresh.
        self.check = LiveCheck::new();
    }

    /// How far a replay in progress has come.
    pub fn replay_progress(&self) -> Option<ReplayProgress> {
        self.replay.as_ref().map(|r| {
            let at = r.runner.sim().now();
            let span = r.to.saturating_sub(r.from).max(1) as f64;
            ReplayProgress { at, to: r.to, fraction: at.saturating_sub(r.from) as f64 / span }
        })
    }

    /// Every event of the run so far, one JSON object per line, by replaying it.
    pub fn full_trace(&self) -> String {
        let mut out = String::new();
        let file = self.runner.file();
        let mut runner = Runner::new(file, file.seed);
        let to = self.runner.sim().now();
        loop {
            let t = (runner.sim().now() + REPLAY_SLICE * 8).min(to);
            let stopped = runner.advance_to(t).is_err();
            for record in runner.take_trace() {
                out.push_str(&serde_json::to_string(&record).expect("trace records serialise"));
                out.push('\n');
            }
            if stopped || t >= to {
                return out;
            }
        }
    }

    fn after(&mut self, result: Result<(), Violation>) {
        if result.is_err() {
            self.playing = false;
        }
        self.refresh();
    }

    /// Reads the trace since the last call into the journal (and the subscribers' outbox),
    /// and takes a checkpoint if one is due.
    fn absorb(&mut self) {
        let trace = self.runner.take_trace();
        let (outbox, timeline) = (&mut self.outbox, &mut self.timeline);
        self.journal.absorb(trace, self.runner.sim(), |line| {
            timeline.record(line);
            if let Some(o) = outbox.as_mut() {
                if o.len() == MAX_SUBSCRIBER_LINES {
                    o.pop_front();
                }
                o.push_back(line.clone());
            }
        });
        let journal = &self.journal;
        self.checkpoints.observe(&self.runner, || journal.clone());
    }

    fn refresh(&mut self) {
        self.absorb();
        self.horizon = self.horizon.max(self.runner.sim().now());
        self.clerk_errors.resize(self.runner.sim().clients(), None);
        self.view = Rc::new(self.runner.sim().view());
        // A partition made by a script, a replay or the API shows in the group buttons too;
        // the visitor's unapplied choices stay until the network changes.
        if self.view.groups != self.topology_seen {
            for (g, members) in self.view.groups.iter().enumerate() {
                for &s in members {
                    self.groups[s] = g.min(GROUPS.len() - 1);
                }
            }
            self.topology_seen = self.view.groups.clone();
        }
        self.check.update(self.runner.sim(), CHECK_STEPS);
    }

    /// Whether the page has work to do even while paused: a replay, or a check not done.
    pub fn busy(&self) -> bool {
        self.replay.is_some() || self.check.verdict.is_none()
    }

    /// The whole recording, summarised for the timeline.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The recorded run: its scenario, seed and every action so far.
    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    /// The scenario as a JSON file (which the CLI runs too); it replays this run to where it
    /// is now.
    pub fn scenario_json(&self) -> String {
        let mut file = self.runner.file().clone();
        let now_ms = self.runner.sim().now().div_ceil(1000);
        file.duration_ms = file.duration_ms.min(now_ms.max(1));
        file.to_json_pretty()
    }

    /// A permalink fragment for this run at this moment.
    pub fn link(&self) -> String {
        encode_link(&Link { scenario: self.runner.file().clone(), at_us: self.runner.sim().now() })
    }

    /// The furthest moment reached: where the time slider ends.
    pub fn horizon(&self) -> Time {
        self.horizon.max(self.runner.last_action_at())
    }

    /// What the check found wrong with the history so far (nothing unless the verdict is
    /// not linearizable).
    pub fn failing(&self) -> Rc<Failing> {
        self.check.failing.clone()
    }

    /// The verdict on the history so far; `None` while it is still being checked.
    pub fn verdict(&self) -> Option<Verdict> {
        self.check.verdict
    }

    /// Checks what is left of the history at once, whatever it costs (the API's state and
    /// the tests).
    pub fn finish_checking(&mut self) {
        while self.check.verdict.is_none() {
            self.check.update(self.runner.sim(), u64::MAX);
        }
    }

    /// The simulator's picture as of the last change.
    pub fn view(&self) -> Rc<SimView> {
        self.view.clone()
    }

    /// The run's settings.
    pub fn settings(&self) -> Settings {
        let file = self.runner.file();
        Settings { servers: file.servers, seed: file.seed, max_raft_state: file.max_raft_state }
    }

    /// Every event-log line since the last call, for subscribers; the first call starts
    /// collecting them.
    pub fn take_events(&mut self) -> Vec<Line> {
        self.outbox.get_or_insert_with(VecDeque::new).drain(..).collect()
    }

    /// What the page remembers of the trace.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The time-travel checkpoints kept: how many, roughly how many bytes, and the spacing
    /// in simulated events.
    pub fn checkpoints(&self) -> (usize, usize, u64) {
        (self.checkpoints.len(), self.checkpoints.bytes(), self.checkpoints.every())
    }

    /// Speed: virtual seconds per real second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The speed really reached lately, when playing.
    pub fn reached(&self) -> Option<f64> {
        self.reached.filter(|_| self.playing)
    }

    /// Whether the clock runs.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// What the inspector shows.
    pub fn selection(&self) -> Option<Selection> {
        self.selection
    }

    /// Each server's chosen partition group (index into [`GROUPS`]).
    pub fn groups(&self) -> &[usize] {
        &self.groups
    }

    /// Each Clerk's last refused operation, in words.
    pub fn clerk_errors(&self) -> &[Option<String>] {
        &self.clerk_errors
    }

    /// Shows `notice` until the next command.
    pub fn set_notice(&mut self, notice: String) {
        self.notice = Some(notice);
    }

    /// A message about the last command, if it could not be carried out.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Whether the keyboard help is open.
    pub fn help(&self) -> bool {
        self.help
    }

    /// How much of the recent run the space-time diagram spans.
    pub fn diagram_window(&self) -> Time {
        self.diagram_window
    }
}

/// One second of virtual time, for the skip button.
pub const SKIP: Time = SECOND;
