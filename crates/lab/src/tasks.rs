//! The lab tests' goroutines as state machines the tester polls at their wake-up times.

use raft::{Index, Time, MILLISECOND, SECOND};
use rand::Rng;

use super::{command, command_value, Failure, Tester};

/// A background activity of a test.
#[derive(Clone, Debug)]
pub enum Task {
    /// A `one()` call.
    One(OneCall),
    /// A churn client.
    Churn(ChurnClient),
}

impl Task {
    /// When the task next needs polling; `None` once it is done.
    pub fn wake_at(&self) -> Option<Time> {
        match self {
            Task::One(c) => c.wake,
            Task::Churn(c) => c.wake,
        }
    }

    /// Whether the task has finished.
    pub fn is_done(&self) -> bool {
        self.wake_at().is_none()
    }

    pub(super) fn poll(&mut self, tester: &mut Tester) -> Result<(), Failure> {
        match self {
            Task::One(c) => c.poll(tester),
            Task::Churn(c) => c.poll(tester),
        }
    }
}

#[derive(Clone, Debug)]
enum OneState {
    /// Looking for a leader to take the command.
    Propose,
    /// A leader took it at `index` at time `since`: waiting up to 2 s for agreement.
    Await { index: Index, since: Time },
}

/// The tester's `one(cmd, expectedServers, retry)`.
#[derive(Clone, Debug)]
pub struct OneCall {
    cmd: Vec<u8>,
    expected: usize,
    retry: bool,
    started: Time,
    starts: usize,
    state: OneState,
    wake: Option<Time>,
    index: Option<Index>,
}

impl OneCall {
    pub(super) fn new(cmd: Vec<u8>, expected: usize, retry: bool, now: Time) -> OneCall {
        OneCall {
            cmd,
            expected,
            retry,
            started: now,
            starts: 0,
            state: OneState::Propose,
            wake: Some(now),
            index: None,
        }
    }

    /// The index the command committed at, once done.
    pub fn index(&self) -> Option<Index> {
        self.index
    }

    fn poll(&mut self, tester: &mut Tester) -> Result<(), Failure> {
        let now = tester.sim().now();
        match self.state {
            OneState::Propose => {
                if now - self.started >= 10 * SECOND {
                    return tester.fail(format!(
                        "one({:?}) failed to reach agreement",
                        command_value(&Some(self.cmd.clone()))
                    ));
                }
                let n = tester.servers();
                for _ in 0..n {
                    self.starts = (self.starts + 1) % n;
                    if tester.is_connected(self.starts) {
                        if let Some((index, _)) = tester.start(self.starts, self.cmd.clone()) {
                            self.state = OneState::Await { index, since: now };
                            return self.poll(tester);
                        }
                    }
                }
                self.wake = Some(now + 50 * MILLISECOND);
            }
            OneState::Await { index, since } => {
                let (nd, value) = tester.n_committed(index)?;
                if nd > 0
                    && nd >= self.expected
                    && value.as_ref().is_some_and(|v| v.as_deref() == Some(&self.cmd[..]))
                {
                    self.index = Some(index);
                    self.wake = None;
                } else if now - since >= 2 * SECOND {
                    if !self.retry {
                        return tester.fail(format!(
                            "one({:?}) failed to reach agreement",
                            command_value(&Some(self.cmd.clone()))
                        ));
                    }
                    self.state = OneState::Propose;
                    self.wake = Some(now);
                } else {
                    self.wake = Some(now + 20 * MILLISECOND);
                }
            }
        }
        Ok(())
    }
}

/// A client of the churn tests: proposes random values to whoever accepts, and remembers
/// the ones it saw committed.
#[derive(Clone, Debug)]
pub struct ChurnClient {
    me: usize,
    stop: bool,
    values: Vec<u64>,
    /// Waiting for `(index, value)`; `step` counts the polls so far.
    pending: Option<(Index, u64, usize)>,
    wake: Option<Time>,
}

/// The pauses between a churn client's checks of its proposal.
const CHURN_POLLS: [Time; 5] = [10, 20, 50, 100, 200];

impl ChurnClient {
    pub(super) fn new(me: usize, now: Time) -> ChurnClient {
        ChurnClient { me, stop: false, values: Vec::new(), pending: None, wake: Some(now) }
    }

    /// Values this client saw committed at the index it was given.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    pub(super) fn stop(&mut self) {
        self.stop = true;
    }

    fn poll(&mut self, tester: &mut Tester) -> Result<(), Failure> {
        let now = tester.sim().now();
        if let Some((index, x, step)) = self.pending {
            if step < CHURN_POLLS.len() {
                let (nd, value) = tester.n_committed(index)?;
                if nd > 0 {
                    if value.as_ref().and_then(command_value) == Some(x) {
                        self.values.push(x);
                    }
                } else {
                    self.pending = Some((index, x, step + 1));
                    self.wake = Some(now + CHURN_POLLS[step] * MILLISECOND);
                    return Ok(());
                }
            }
            self.pending = None;
        }
        if self.stop {
            self.wake = None;
            return Ok(());
        }
        let x = tester.rng().random::<u64>() >> 1;
        let mut index = None;
        for s in 0..tester.servers() {
            if tester.is_alive(s) {
                if let Some((i, _)) = tester.start(s, command(x)) {
                    index = Some(i);
                }
            }
        }
        match index {
            Some(i) => {
                self.pending = Some((i, x, 0));
                self.poll(tester)
            }
            None => {
                self.wake = Some(now + (79 + 17 * self.me as Time) * MILLISECOND);
                Ok(())
            }
        }
    }
}
