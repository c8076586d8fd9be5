//! Replaying in slices: a session that is loaded (a file, a link, the saved
//! copy, a session Undo returns to), a long move of the timeline, or a
//! branch replayed from its start (another branch, another rule) is played
//! a slice of steps at a time, so the page never stops answering and can
//! show how far it is. The reducer advances a [`Job`] by one slice per
//! `Continue`; a hook dispatches `Continue` after each render while one runs.

use std::fmt;
use std::rc::Rc;

use causal_core::{Command, Config, Simulation, StepError};

use crate::data::puzzles::ActivePuzzle;
use crate::run::session::Session;
use crate::run::text;
use crate::run::trace::Trace;

/// Steps played per slice: a slice of ordinary steps takes a few
/// milliseconds in the page, well within a frame.
pub const SLICE_STEPS: usize = 500;

/// The most steps a load may replay (every branch checked whole). A link
/// holds at most `share::MAX_COMMANDS`; this keeps a crafted one from
/// keeping the page busy for minutes.
pub const MAX_LOAD_STEPS: usize = 100_000;

/// The most events a run shown on the page may have: past this, drawing it
/// would keep the page busy for seconds (5,000 writes all delivered make
/// 25,000 events).
pub const MAX_EVENTS: usize = 50_000;

/// Where a session being loaded comes from: what the page says when it is
/// shown, or when it cannot be.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A scenario file, by name.
    Import(String),
    /// A share link.
    Link,
    /// The copy saved in storage, when the page opens.
    Saved,
    /// The session another tab of the page just saved.
    OtherTab,
    /// A preset, by name.
    Preset(String),
    /// A lesson's run, at one of its steps: the lesson's title.
    Lesson(String),
    /// Undo back to the session a load replaced, with the puzzle played
    /// on it.
    Back(Option<Rc<ActivePuzzle>>),
    /// Redo forward to the session an Undo left, with its puzzle.
    Forward(Option<Rc<ActivePuzzle>>),
    /// A reset or a change of replica count: what to say once done.
    Fresh(String),
    /// causal-check's link (`#check=`): the flaw and the node's answers.
    Check(Rc<crate::run::observed::Pending>),
}

/// What a job is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Purpose {
    /// Show `session`, every branch checked whole first.
    Load(Rc<Session>, Origin),
    /// Move the timeline of the current branch from step `from`.
    Seek {
        /// Where the timeline was.
        from: usize,
    },
    /// Replay a branch from the start: `branch` whole (a switch of
    /// branch), or the branch shown to the timeline under other `rules`.
    Replay {
        /// The branch (index).
        branch: usize,
        /// A change of rules (else of branch).
        rules: bool,
    },
}

/// One stretch of commands to play: branch `branch`, commands `next..end`,
/// the first of which is step `offset + 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pass {
    branch: usize,
    next: usize,
    end: usize,
    offset: usize,
    /// Starts from the initial state (else carries on from the last pass).
    fresh: bool,
    /// Keeps the events.
    record: bool,
    /// Its end is the state shown.
    keep: bool,
}

impl Pass {
    fn new(branch: usize, next: usize, end: usize) -> Self {
        Pass {
            branch,
            next,
            end,
            offset: 0,
            fresh: next == 0,
            record: false,
            keep: false,
        }
    }
}

/// A replay under way.
#[derive(Clone, Debug)]
pub struct Job {
    /// What it is for.
    pub purpose: Purpose,
    /// The commands of every branch involved (the session's, or those a
    /// seek plays), shared: copying a job does not copy them.
    branches: Rc<Vec<Vec<Command>>>,
    passes: Vec<Pass>,
    simulation: Simulation,
    trace: Trace,
    /// The state at the cursor, once reached.
    shown: Option<(Simulation, Trace)>,
    /// Steps played so far.
    pub done: usize,
    /// Steps to play in all.
    pub total: usize,
}

/// A finished job's result.
pub enum Outcome {
    /// Not finished: call [`Job::advance`] again.
    Running,
    /// The state at the cursor and its events.
    Done(Box<(Simulation, Trace)>),
    /// Why it cannot be shown.
    Failed(String),
}

/// A step refused on branch `branch` of `branches`: "branch 2, step 5: ..."
/// or "step 5: ..." (when there is one branch).
fn on_branch<E: fmt::Display>(branch: usize, branches: usize, refused: StepError<E>) -> String {
    if branches > 1 {
        format!("branch {}, {refused}", branch + 1)
    } else {
        refused.to_string()
    }
}

impl Job {
    /// A job that loads `session`: checks its shape, its configuration and
    /// every key and value at once, then replays the current branch to the
    /// cursor (keeping its events) and every branch to its end, in slices.
    pub fn load(session: Session, origin: Origin) -> Result<Job, String> {
        session.check_shape()?;
        let simulation = Simulation::new(session.config).map_err(|e| e.to_string())?;
        let count = session.branches.len();
        for (b, branch) in session.branches.iter().enumerate() {
            text::check_commands(&branch.commands).map_err(|e| on_branch(b, count, e))?;
        }
        let current = session.current;
        let mut passes = vec![
            Pass {
                record: true,
                keep: true,
                ..Pass::new(current, 0, session.cursor)
            },
            Pass::new(
                current,
                session.cursor,
                session.branches[current].commands.len(),
            ),
        ];
        passes[1].fresh = false;
        passes.extend(
            (0..count)
                .filter(|&b| b != current)
                .map(|b| Pass::new(b, 0, session.branches[b].commands.len())),
        );
        let total: usize = passes.iter().map(|p| p.end - p.next).sum();
        if total > MAX_LOAD_STEPS {
            return Err(format!(
                "it has {} steps over all its branches; the page loads at most {}",
                text::grouped(total),
                text::grouped(MAX_LOAD_STEPS)
            ));
        }
        let branches = session
            .branches
            .iter()
            .map(|b| b.commands.clone())
            .collect();
        Ok(Job {
            purpose: Purpose::Load(Rc::new(session), origin),
            branches: Rc::new(branches),
            passes,
            simulation,
            trace: Trace::default(),
            shown: None,
            done: 0,
            total,
        })
    }

    /// A job that moves the timeline from step `from` by playing
    /// `commands` from `start` (a state on the current branch, with its
    /// `trace`; the events are kept if `record`, else `trace` is already
    /// the one to show).
    pub fn seek(
        from: usize,
        start: Simulation,
        trace: Trace,
        record: bool,
        commands: Vec<Command>,
    ) -> Job {
        Job::play(Purpose::Seek { from }, start, trace, record, commands)
    }

    /// A job that replays `commands` from the start under `config`,
    /// keeping the events.
    pub fn replay(purpose: Purpose, config: Config, commands: Vec<Command>) -> Job {
        let start = Simulation::new(config).unwrap_or_default();
        Job::play(purpose, start, Trace::default(), true, commands)
    }

    fn play(
        purpose: Purpose,
        start: Simulation,
        trace: Trace,
        record: bool,
        commands: Vec<Command>,
    ) -> Job {
        let total = commands.len();
        Job {
            purpose,
            passes: vec![Pass {
                offset: start.history().len(),
                fresh: false,
                record,
                keep: true,
                ..Pass::new(0, 0, total)
            }],
            branches: Rc::new(vec![commands]),
            simulation: start,
            trace,
            shown: None,
            done: 0,
            total,
        }
    }

    /// Plays up to `budget` more steps.
    pub fn advance(&mut self, mut budget: usize) -> Outcome {
        let count = self.branches.len();
        while let Some(pass) = self.passes.first_mut() {
            if pass.fresh {
                pass.fresh = false;
                if let Ok(initial) = Simulation::new(self.simulation.config()) {
                    self.simulation = initial;
                }
            }
            // The engine plays the slice and numbers the events and any
            // refused step; the events are counted once a slice is played.
            let take = budget.min(pass.end - pass.next);
            let commands = self.branches[pass.branch][pass.next..pass.next + take]
                .iter()
                .cloned();
            let played = if pass.record {
                let mut events = causal_core::Trace::new();
                let played = self.simulation.apply_traced(commands, &mut events);
                self.trace.append(events);
                played
            } else {
                self.simulation.apply_all(commands)
            };
            if let Err(e) = played {
                return Outcome::Failed(on_branch(pass.branch, count, e));
            }
            if pass.record && self.trace.len() > MAX_EVENTS {
                return Outcome::Failed(format!(
                    "its run has more than {} events, more than the page can show at once; causal-sim can run it",
                    text::grouped(MAX_EVENTS)
                ));
            }
            pass.next += take;
            self.done += take;
            budget -= take;
            if pass.next < pass.end {
                return Outcome::Running;
            }
            let keep = pass.keep;
            self.passes.remove(0);
            if keep {
                // Passes that only check the rest go on from a copy.
                let simulation = if self.passes.iter().any(|p| p.end > p.next) {
                    self.simulation.clone()
                } else {
                    std::mem::take(&mut self.simulation)
                };
                self.shown = Some((simulation, std::mem::take(&mut self.trace)));
            }
        }
        match self.shown.take() {
            Some(shown) => Outcome::Done(Box::new(shown)),
            None => Outcome::Failed("nothing was replayed".into()),
        }
    }
}

/// Checks the whole session at once (every branch replayed to its end)
/// and gives its state at the cursor, with the events: what loading it
/// in slices gives.
pub fn validate(session: Session) -> Result<(Session, Simulation, Trace), String> {
    let mut job = Job::load(session.clone(), Origin::Link)?;
    match job.advance(usize::MAX) {
        Outcome::Done(shown) => {
            let (simulation, trace) = *shown;
            Ok((session, simulation, trace))
        }
        Outcome::Failed(why) => Err(why),
        Outcome::Running => Err("it did not finish".into()),
    }
}
