//! The page's model: the simulator it drives, the play/pause clock, and what the visitor
//! has chosen (selection, partition groups, Clerk inputs). Every change goes through a
//! [`Command`]; the protocol itself lives in the simulator, never here.

use std::rc::Rc;

use kv::{ClientId, Op, OpKind};
use raft::{NodeId, Time, MILLISECOND, SECOND};
use sim::{MessageId, NetworkConfig, ServiceConfig, SimConfig, SimView, Simulator, Violation};

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

/// The three partition groups a visitor can put servers in.
pub const GROUPS: [&str; 3] = ["A", "B", "C"];

/// What the visitor chose for a run: changing any of it starts a new run.
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
    /// The simulator configuration: the KV service, default Raft timing, and links slow
    /// enough to watch (8–15 ms, as RaftScope).
    pub fn config(&self) -> SimConfig {
        let mut config = SimConfig::new(self.servers, self.seed);
        config.network = NetworkConfig {
            min_delay: 8 * MILLISECOND,
            max_delay: 15 * MILLISECOND,
            ..config.network
        };
        if let ServiceConfig::Kv(kv) = &mut config.service {
            kv.max_raft_state = self.max_raft_state;
        }
        config.trace = true;
        config
    }
}

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A server.
    Server(NodeId),
    /// A message in flight.
    Message(MessageId),
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
    /// Start a new run with these settings.
    Reset(Settings),
    /// Crash a server.
    Crash(NodeId),
    /// Restart a crashed server from its persisted state.
    Restart(NodeId),
    /// Put a server in the next partition group (A → B → C → A).
    CycleGroup(NodeId),
    /// Split the network into the chosen groups.
    ApplyPartition,
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
}

/// The page's state.
pub struct Controller {
    settings: Settings,
    sim: Simulator,
    journal: Journal,
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
}

impl Controller {
    /// A fresh run with `settings`, one Clerk, playing or not.
    pub fn new(settings: Settings, playing: bool) -> Controller {
        let sim = Simulator::new(settings.config());
        let view = Rc::new(sim.view());
        let mut c = Controller {
            groups: vec![0; settings.servers],
            settings,
            sim,
            journal: Journal::default(),
            speed: DEFAULT_SPEED,
            playing,
            carry: 0.0,
            selection: None,
            clerk_errors: Vec::new(),
            notice: None,
            help: false,
            view,
        };
        c.add_clerk();
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
        let result = self.sim.run_for(whole as Time);
        self.after(result);
    }

    /// Carries out a command.
    pub fn apply(&mut self, command: Command) {
        self.notice = None;
        match command {
            Command::TogglePlay => {
                self.playing = !self.playing && self.sim.violation().is_none();
            }
            Command::Step => {
                self.playing = false;
                let result = self.sim.step().map(|_| ());
                self.after(result);
            }
            Command::Skip(d) => {
                let result = self.sim.run_for(d);
                self.after(result);
            }
            Command::SetSpeed(s) => self.speed = s.clamp(MIN_SPEED, MAX_SPEED),
            Command::Faster => self.speed = (self.speed * 2.0).min(MAX_SPEED),
            Command::Slower => self.speed = (self.speed / 2.0).max(MIN_SPEED),
            Command::Reset(settings) => {
                let (speed, help) = (self.speed, self.help);
                *self = Controller::new(settings, true);
                self.speed = speed;
                self.help = help;
            }
            Command::Crash(s) => self.sim.crash(s),
            Command::Restart(s) => self.sim.restart(s),
            Command::CycleGroup(s) => self.groups[s] = (self.groups[s] + 1) % GROUPS.len(),
            Command::ApplyPartition => {
                let groups: Vec<Vec<NodeId>> = (0..GROUPS.len())
                    .map(|g| (0..self.groups.len()).filter(|&s| self.groups[s] == g).collect())
                    .filter(|g: &Vec<NodeId>| !g.is_empty())
                    .collect();
                self.sim.partition(&groups);
            }
            Command::IsolateLeader => {
                let followers = (self.settings.servers - 1) / 2 - 1;
                match sim::scenario::leader_minority(&self.sim, followers) {
                    Some((minority, majority)) => {
                        for s in 0..self.groups.len() {
                            self.groups[s] = usize::from(minority.contains(&s));
                        }
                        self.sim.partition(&[majority, minority]);
                    }
                    None => self.notice = Some("there is no leader to isolate yet".into()),
                }
            }
            Command::Heal => {
                self.groups.iter_mut().for_each(|g| *g = 0);
                self.sim.heal();
                let all: Vec<NodeId> = (0..self.settings.servers).collect();
                for c in 0..self.sim.clients() as ClientId {
                    self.sim.connect_client(c, &all);
                }
            }
            Command::SetUnreliable(on) => self.sim.set_unreliable(on),
            Command::SetLongReordering(on) => self.sim.set_long_reordering(on),
            Command::Message(id, action) => {
                let result = match action {
                    MessageAction::Hold => self.sim.hold(id),
                    MessageAction::DeliverNow => self.sim.deliver_now(id),
                    MessageAction::Drop => self.sim.drop_message(id),
                    MessageAction::Duplicate => self.sim.duplicate(id).map(|_| ()),
                };
                if let Err(e) = result {
                    self.notice = Some(e.to_string());
                }
            }
            Command::Select(s) => self.selection = s,
            Command::AddClerk => self.add_clerk(),
            Command::SetClerkReach(c, s, on) => {
                let mut servers = self.sim.client_links(c);
                servers.retain(|&x| x != s);
                if on {
                    servers.push(s);
                }
                self.sim.connect_client(c, &servers);
            }
            Command::ClerkOp { client, kind, key, value } => {
                let op = match kind {
                    OpKind::Get => Op::get(key),
                    OpKind::Put => Op::put(key, value),
                    OpKind::Append => Op::append(key, value),
                };
                self.clerk_errors[client as usize] =
                    self.sim.client_start(client, op).err().map(|e| e.to_string());
            }
            Command::ToggleHelp => self.help = !self.help,
        }
        self.refresh();
    }

    fn add_clerk(&mut self) {
        self.sim.add_client();
        self.clerk_errors.push(None);
    }

    fn after(&mut self, result: Result<(), Violation>) {
        if result.is_err() {
            self.playing = false;
        }
        self.refresh();
    }

    fn refresh(&mut self) {
        self.journal.absorb(&self.sim);
        self.view = Rc::new(self.sim.view());
    }

    /// The simulator's picture as of the last change.
    pub fn view(&self) -> Rc<SimView> {
        self.view.clone()
    }

    /// The run's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
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
