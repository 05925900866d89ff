//! The page's model: the recorded run it drives ([`Runner`]), the play/pause clock, time
//! travel, the live linearizability check, and what the visitor has chosen (selection,
//! partition groups). Every change goes through a [`Command`]; every change to the cluster is
//! recorded as a scenario action, so a run can be replayed to any moment and shared as a link.
//! The protocol itself lives in the simulator, never here.

use std::rc::Rc;

use check::{check_kv, Budget, CheckResult};
use kv::{ClientId, OpKind};
use raft::{NodeId, Time, SECOND};
use sim::scenario::{encode_link, ActError, Action, Link, Runner, ScenarioFile, UnsafeMode};
use sim::{operations, MessageId, SimView, Simulator, TraceRecord, Violation};

use crate::journal::Journal;

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
/// Time travel replays in slices of this much virtual time, handing each slice's trace to the
/// journal, so that memory stays bounded however long the run.
const REPLAY_SLICE: Time = 2 * SECOND;
/// The live check's budget: enough for any history a visitor makes by hand, small enough to
/// never hold up a frame for long; beyond it the verdict is "unknown".
pub const LIVE_CHECK_BUDGET: Budget = Budget { max_steps: 300_000 };

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
    /// Say why something the visitor gave (a file, a link) cannot be used.
    Notice(String),
}

/// The page's state.
pub struct Controller {
    runner: Runner,
    journal: Journal,
    /// The furthest moment this recording has reached: the time slider's end.
    horizon: Time,
    speed: f64,
    playing: bool,
    /// Virtual µs owed to the simulator from fractions of earlier frames.
    carry: f64,
    selection: Option<Selection>,
    groups: Vec<usize>,
    clerk_errors: Vec<Option<String>>,
    notice: Option<String>,
    help: bool,
    view: Rc<SimView>,
    checked: Rc<CheckResult>,
    /// The history's length and returned count when it was last checked.
    checked_for: (usize, usize),
    /// The network's groups when `groups` was last matched to them.
    topology_seen: Vec<Vec<NodeId>>,
}

impl Controller {
    /// A fresh run of `scenario`, playing or not.
    pub fn new(scenario: &ScenarioFile, playing: bool) -> Controller {
        let runner = Runner::new(scenario, scenario.seed);
        let view = Rc::new(runner.sim().view());
        let mut c = Controller {
            groups: vec![0; scenario.servers],
            clerk_errors: vec![None; runner.sim().clients()],
            runner,
            journal: Journal::default(),
            horizon: 0,
            speed: DEFAULT_SPEED,
            playing,
            carry: 0.0,
            selection: None,
            notice: None,
            help: false,
            view,
            checked: Rc::new(check_kv(&[], LIVE_CHECK_BUDGET)),
            checked_for: (0, 0),
            topology_seen: Vec::new(),
        };
        c.refresh();
        c
    }

    /// Opens `scenario` at virtual time `at` (a permalink), paused.
    pub fn at(scenario: &ScenarioFile, at: Time) -> Controller {
        let mut c = Controller::new(scenario, false);
        c.travel(at);
        c.refresh();
        c
    }

    /// Advances virtual time by `elapsed_ms` of real time × speed (when playing).
    pub fn advance(&mut self, elapsed_ms: f64) {
        if !self.playing {
            return;
        }
        self.carry += elapsed_ms.clamp(0.0, MAX_FRAME_MS) * 1000.0 * self.speed;
        let whole = self.carry.floor();
        self.carry -= whole;
        let until = self.runner.sim().now() + whole as Time;
        let result = self.runner.advance_to(until);
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
        match command {
            Command::TogglePlay => {
                self.playing = !self.playing && self.runner.sim().violation().is_none();
            }
            Command::Step => {
                self.playing = false;
                let result = self.runner.step();
                self.after(result);
            }
            Command::Skip(d) => {
                let result = self.runner.advance_to(self.runner.sim().now() + d);
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
            Command::Travel(to) => self.travel(to),
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
            Command::CycleGroup(s) => self.groups[s] = (self.groups[s] + 1) % GROUPS.len(),
            Command::ApplyPartition => {
                let groups: Vec<Vec<NodeId>> = (0..GROUPS.len())
                    .map(|g| (0..self.groups.len()).filter(|&s| self.groups[s] == g).collect())
                    .filter(|g: &Vec<NodeId>| !g.is_empty())
                    .collect();
                self.act(Action::Partition { groups })?;
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
            Command::Notice(why) => return Err(why),
        }
        Ok(())
    }

    /// The scripted-Clerk number of Clerk `c`; the workload's Clerks take no orders.
    fn scripted(&self, c: ClientId) -> Result<usize, String> {
        (c as usize)
            .checked_sub(self.runner.workers())
            .ok_or_else(|| format!("C{c} runs this scenario's workload; use another Clerk"))
    }

    fn act(&mut self, action: Action) -> Result<(), String> {
        let result = self.runner.act(action);
        // Acting in the past forks the future away: the recording now ends here.
        if result.is_ok() {
            self.horizon = self.runner.sim().now();
        }
        result.map_err(|e: ActError| e.to_string())
    }

    fn restart_with(&mut self, scenario: &ScenarioFile) {
        let (speed, help) = (self.speed, self.help);
        *self = Controller::new(scenario, true);
        self.speed = speed;
        self.help = help;
    }

    /// Replays the recording from the start to `to`, paused there.
    fn travel(&mut self, to: Time) {
        let mut journal = Journal::default();
        let runner = self.replay(to, |trace, sim| journal.absorb(trace, sim));
        // Subscribers hear what happens from here on, not the replay.
        if self.journal.outbox_open() {
            journal.open_outbox();
        }
        self.runner = runner;
        self.journal = journal;
        self.playing = false;
        self.carry = 0.0;
        self.selection = None;
        self.clerk_errors = vec![None; self.runner.sim().clients()];
    }

    /// A fresh replay of the recording to `to` (or to a broken invariant), handing each
    /// slice's trace to `each` as it goes so that memory stays bounded.
    fn replay(&self, to: Time, mut each: impl FnMut(Vec<TraceRecord>, &Simulator)) -> Runner {
        let file = self.runner.file();
        let mut runner = Runner::new(file, file.seed);
        let mut t = 0;
        loop {
            t = (t + REPLAY_SLICE).min(to);
            let stopped = runner.advance_to(t).is_err();
            each(runner.take_trace(), runner.sim());
            if stopped || t >= to {
                return runner;
            }
        }
    }

    /// Every event of the run so far, one JSON object per line, by replaying it.
    pub fn full_trace(&self) -> String {
        let mut out = String::new();
        self.replay(self.runner.sim().now(), |trace, _| {
            for record in trace {
                out.push_str(&serde_json::to_string(&record).expect("trace records serialise"));
                out.push('\n');
            }
        });
        out
    }

    fn after(&mut self, result: Result<(), Violation>) {
        if result.is_err() {
            self.playing = false;
        }
        self.refresh();
    }

    fn refresh(&mut self) {
        let trace = self.runner.take_trace();
        self.journal.absorb(trace, self.runner.sim());
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
        let history = self.runner.sim().history();
        let shape = (history.len(), history.iter().filter(|e| e.ret.is_some()).count());
        if shape != self.checked_for {
            self.checked = Rc::new(check_kv(&operations(history), LIVE_CHECK_BUDGET));
            self.checked_for = shape;
        }
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

    /// The linearizability check of the history so far.
    pub fn checked(&self) -> Rc<CheckResult> {
        self.checked.clone()
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
    pub fn take_events(&mut self) -> Vec<crate::journal::Line> {
        self.journal.open_outbox();
        self.journal.take_outbox()
    }

    /// What the page remembers of the trace.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Speed: virtual seconds per real second.
    pub fn speed(&self) -> f64 {
        self.speed
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
}

/// One second of virtual time, for the skip button.
pub const SKIP: Time = SECOND;
