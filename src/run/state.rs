//! The page's state and everything that can change it, as one reducer.
//! `reduce` is pure: the URL, storage and timers live in hooks (`hooks.rs`).
//!
//! # Layout
//! - `state.rs`: [`State`], [`Action`] and `reduce`.
//! - `state/timeline.rs`: acting, undo, redo, the timeline and branches, a
//!   rule re-run: the [`History`] and the simulation shown, kept in step.
//! - `state/loads.rs`: loading a session (a link, the saved copy, a preset,
//!   a file, a lesson, a reset) in slices, and Undo back across loads.
//! - `state/export.rs`: the session to save or share, the scenario to export.
//! - `state/play.rs`: the census's orders and the puzzles.
//! - `state/notices.rs`: what the page tells the user (notices, the log).
//!
//! An action copies only what it touches: the simulation and its trace are
//! shared ([`Rc`]) and replaced whole when they change, and the trace and
//! the history keep their events and commands in shared chunks, so a step
//! copies at most the last chunk of each.

mod export;
mod loads;
mod notices;
mod play;
mod timeline;

use std::collections::VecDeque;
use std::rc::Rc;

use causal_core::{Command, Config, Conflicts, Delivery, ReplicaId, Simulation};
use yew::Reducible;

use crate::data::puzzles::{ActivePuzzle, Best};
use crate::run::describe::Tone;
use crate::run::history::{Branch, History, Replaced};
use crate::run::loading::{Job, Origin, Purpose};
use crate::run::session::Session;
use crate::run::trace::Trace;

pub use loads::PresetInfo;
pub use notices::{count, LogLine, Notice, Place, Severity, LOG_LINES, ONE_UNDO_AWAY};
// The write form reads its limits here.
pub use crate::run::text::{check_write, MAX_KEY_CHARS, MAX_VALUE_CHARS};

pub use crate::run::session::DEFAULT_SEED;

/// Everything the page shows.
#[derive(Clone, Debug)]
pub struct State {
    /// The engine, at the timeline's position on the current branch.
    pub simulation: Rc<Simulation>,
    /// Every event up to that position, with its step: the diagram's data.
    /// Shared, so an action that does not change it does not copy it, and
    /// a new one exactly when what is shown changes.
    pub trace: Rc<Trace>,
    /// Changes when the trace is rebuilt rather than extended or cut back
    /// (another rule, branch or file), so the diagram knows what it can reuse.
    pub trace_epoch: u64,
    /// Every branch, the one shown and the timeline's position on it.
    pub history: History,
    /// The preset loaded, if any.
    pub preset: Option<PresetInfo>,
    /// The autoplay seed.
    pub seed: u64,
    /// Autoplay is running.
    pub playing: bool,
    /// Milliseconds between autoplay steps.
    pub speed_ms: u32,
    /// Newest first.
    pub log: VecDeque<LogLine>,
    /// The error to show, if any.
    pub notice: Option<Notice>,
    /// Clock entries the last action changed: (replica, entry).
    pub changed: Vec<(ReplicaId, usize)>,
    /// Counts every change, so effects and animations can follow it.
    pub revision: u64,
    /// Counts every change of the session that storage does not hold yet
    /// (what is saved and shared), so saving follows it and nothing else:
    /// opening the saved session is no such change; finding it damaged is.
    /// 0 for the page as it opens with nothing to save.
    pub session_revision: u64,
    /// What the last action did to the copy in storage.
    storage: Storage,
    /// The puzzle being played, if any: it refuses the moves it does not allow.
    pub puzzle: Option<Rc<ActivePuzzle>>,
    /// A load or a long move of the timeline under way, played in slices.
    pub job: Option<Box<Job>>,
    /// The case causal-check's link opened, shown until another load.
    pub check: Option<Rc<crate::run::observed::Found>>,
    /// Sessions loads replaced, and those Undo left.
    replaced: Replaced,
    /// The saved session, shown if the link the page opened with fails.
    fallback: Option<Rc<Session>>,
    /// States lately shown, so Undo and Redo need not replay.
    recent: timeline::Recent,
    next_log_id: u64,
}

/// The parts of the state a session is made of.
type SessionKey = (History, Config, u64, Option<String>);

/// What an action did to the copy of the session in storage, beside
/// changing the session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Storage {
    /// Nothing: it is out of date if the session changed.
    #[default]
    Follows,
    /// The session shown was opened from storage: storage holds it.
    Holds,
}

/// Everything that can happen on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A replica's write form was submitted.
    Write {
        /// The writer.
        replica: ReplicaId,
        /// The key typed.
        key: String,
        /// The value typed.
        value: String,
    },
    /// Deliver, drop, duplicate, reorder, deliver all...
    Apply(Command),

    /// Go back one step on the current branch.
    Undo,
    /// Go forward one step on the current branch.
    Redo,
    /// Move the timeline to this many steps applied.
    Seek(usize),
    /// Show another branch, at its end.
    SwitchBranch(usize),
    /// Play the next slice of the load or move under way.
    Continue,
    /// Stop the load or move under way; the page stays as it is.
    Cancel,
    /// A scenario file was imported (its text, and its file name).
    Import(String, String),
    /// A shared session was read (or could not be: why).
    Restore(Result<Session, String>),
    /// causal-check's link was read (its session and what the node
    /// answered), or could not be: why.
    OpenCheck(Result<Box<(Session, crate::run::observed::Pending)>, String>),
    /// Another tab of the page saved this session: shown here too, so
    /// neither tab's save wipes the other's work (this one's stays one Undo away).
    FollowSaved(Session),
    /// Start afresh with the same replica count and rules.
    Reset,
    /// Re-run the history under another delivery rule.
    SetDelivery(Delivery),
    /// Re-run the history under another conflict rule.
    SetConflicts(Conflicts),
    /// Start afresh with this many replicas.
    SetReplicas(usize),
    /// Load the preset scenario with this name.
    LoadPreset(String),
    /// Open a lesson's run: its start and the acts before the step it opens
    /// at, played to their end.
    OpenLesson {
        /// The lesson's title, for the log.
        title: String,
        /// Its replica count and rules.
        config: Config,
        /// The steps to play.
        commands: Vec<Command>,
    },
    /// The seed field changed.
    SetSeed(String),
    /// Start autoplay.
    Play,
    /// Stop autoplay.
    Pause,
    /// One autoplay step (the timer's tick or the step button).
    Step,
    /// Autoplay speed.
    SetSpeed(u32),
    /// Add a line to the log (a link was copied, a file exported).
    Note(String),
    /// Show an error that the page found (a card dropped on the wrong replica).
    Refuse(Notice),
    /// Hide the error.
    Dismiss,
    /// Open an order the census found as a new branch from where it was
    /// counted (`branch`, `step`): the order's deliveries, one step each.
    OpenOrder {
        /// The branch the census counted on (index).
        branch: usize,
        /// The step it counted at.
        step: usize,
        /// The deliveries, in order.
        order: Vec<Command>,
        /// The outcome's number in the list, from 1.
        outcome: usize,
    },
    /// Play the puzzle with this name, from its start.
    OpenPuzzle(String),
    /// Stop playing the puzzle; the run stays as it is.
    ClosePuzzle,
    /// The search worker's best answer for the puzzle with this name.
    PuzzleSearched {
        /// The puzzle's file name.
        name: String,
        /// The par and a shortest solution.
        best: Best,
    },
}

impl Default for State {
    fn default() -> Self {
        State::fresh(Config::default())
    }
}

impl State {
    /// A fresh session under `config` (the default one if `config` is invalid).
    pub fn fresh(config: Config) -> Self {
        State {
            simulation: Rc::new(Simulation::new(config).unwrap_or_default()),
            trace: Rc::default(),
            trace_epoch: 0,
            history: History::default(),
            preset: None,
            seed: DEFAULT_SEED,
            playing: false,
            speed_ms: 800,
            log: VecDeque::new(),
            notice: None,
            changed: Vec::new(),
            revision: 0,
            session_revision: 0,
            storage: Storage::Follows,
            puzzle: None,
            job: None,
            check: None,
            replaced: Replaced::default(),
            fallback: None,
            recent: timeline::Recent::default(),
            next_log_id: 0,
        }
    }

    /// Every branch of the history.
    pub fn branches(&self) -> &[Branch] {
        self.history.branches()
    }

    /// The branch shown (index).
    pub fn current(&self) -> usize {
        self.history.current()
    }

    /// How many of the branch's steps are applied: the timeline's position.
    pub fn cursor(&self) -> usize {
        self.history.cursor()
    }

    /// How many steps the branch shown has.
    pub fn steps(&self) -> usize {
        self.history.steps()
    }

    /// Whether Undo can do anything.
    pub fn can_undo(&self) -> bool {
        self.cursor() > 0 || self.replaced.can_undo()
    }

    /// Whether Redo can do anything.
    pub fn can_redo(&self) -> bool {
        self.cursor() < self.steps() || self.replaced.can_redo()
    }

    /// A session is being loaded: what is shown is not yet what will be saved.
    pub fn loading(&self) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| matches!(j.purpose, Purpose::Load(..)))
    }

    /// Counts a change of the session since `before` (its key) that storage
    /// does not hold yet.
    fn settle(&mut self, before: SessionKey) {
        let changed = match std::mem::take(&mut self.storage) {
            Storage::Follows => self.session_key() != before,
            Storage::Holds => false,
        };
        if changed {
            self.session_revision += 1;
        }
    }

    /// What identifies the session saved: it changes exactly when the
    /// session does.
    /// (A copy of a history shares its commands: this copies no command.)
    fn session_key(&self) -> SessionKey {
        (
            self.history.clone(),
            self.simulation.config(),
            self.seed,
            self.preset.as_ref().map(|p| p.name.clone()),
        )
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = Rc::unwrap_or_clone(self);
        let before = state.session_key();
        state.apply(action);
        state.revision += 1;
        state.settle(before);
        Rc::new(state)
    }
}

impl State {
    fn apply(&mut self, action: Action) {
        let config = self.simulation.config();
        if self.job.is_some() {
            match &action {
                Action::Continue
                | Action::Note(_)
                | Action::Refuse(_)
                | Action::Dismiss
                | Action::Pause
                | Action::SetSpeed(_)
                | Action::SetSeed(_)
                | Action::PuzzleSearched { .. } => {}
                // A new load replaces the one under way.
                Action::Import(..)
                | Action::Restore(_)
                | Action::OpenCheck(_)
                | Action::FollowSaved(_)
                | Action::LoadPreset(_)
                | Action::OpenLesson { .. }
                | Action::Reset
                | Action::SetReplicas(_)
                | Action::OpenPuzzle(_)
                | Action::Cancel => self.set_aside(),
                // A move of the timeline gives way to whatever the user does.
                _ if !self.loading() => self.job = None,
                _ => {
                    return self
                        .inform("The page is still loading a session: wait for it, or cancel it.")
                }
            }
        }
        match action {
            Action::Write {
                replica,
                key,
                value,
            } => match crate::run::text::check_write(&key, &value) {
                Ok(()) => self.act(
                    Command::write(replica, key, value),
                    Place::WriteForm(replica),
                ),
                Err(why) => self.refuse(Place::WriteForm(replica), why),
            },
            Action::Apply(command) => self.act(command, Place::Page),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::Seek(steps) => self.seek(steps),
            Action::SwitchBranch(branch) => self.switch_branch(branch),
            Action::Import(text, file) => self.import(&text, &file),
            Action::Restore(Ok(session)) if session == self.session() => self.note(
                Tone::Plain,
                "The link holds the session already shown.".into(),
            ),
            Action::Restore(session) => self.begin_load(session, Origin::Link),
            Action::OpenCheck(found) => self.open_check(found.map(|b| *b)),
            Action::FollowSaved(session) if session == self.session() => {}
            Action::FollowSaved(session) => self.begin_load(Ok(session), Origin::OtherTab),
            Action::Continue => self.advance(),
            Action::Cancel => self.note(
                Tone::Plain,
                "Stopped: the page shows what it showed before.".into(),
            ),
            Action::Reset => self.start_afresh(
                config,
                format!("Started afresh with {} replicas.", config.replicas),
            ),
            Action::SetDelivery(delivery) => self.rerun(delivery, config.conflicts),
            Action::SetConflicts(conflicts) => self.rerun(config.delivery, conflicts),
            Action::SetReplicas(replicas) => self.start_afresh(
                Config { replicas, ..config },
                format!("Started afresh with {replicas} replicas."),
            ),
            Action::LoadPreset(name) => self.load_preset(&name),
            Action::OpenLesson {
                title,
                config,
                commands,
            } => {
                let session = Session::linear(config, commands, self.seed);
                self.begin_load(Ok(session), Origin::Lesson(title));
            }
            Action::SetSeed(text) => match text.trim().parse::<u64>() {
                Ok(seed) => {
                    self.seed = seed;
                    self.notice = None;
                }
                Err(_) => self.refuse(
                    Place::Page,
                    format!(
                        "The seed must be a whole number from 0 to {}, not {text:?}.",
                        u64::MAX
                    ),
                ),
            },
            Action::Play => {
                self.playing = true;
                self.notice = None;
            }
            Action::Pause => self.playing = false,
            Action::Step => self.step(),
            Action::SetSpeed(ms) => self.speed_ms = ms.clamp(50, 5000),
            Action::Note(text) => self.note(Tone::Plain, text),
            Action::Refuse(notice) => self.notice = Some(notice),
            Action::Dismiss => self.notice = None,
            Action::OpenOrder {
                branch,
                step,
                order,
                outcome,
            } => self.open_order(branch, step, order, outcome),
            Action::OpenPuzzle(name) => self.open_puzzle(&name),
            Action::ClosePuzzle => self.close_puzzle(),
            Action::PuzzleSearched { name, best } => self.puzzle_searched(&name, best),
        }
    }
}

/// Helpers the state's tests share, and the page's other tests of it.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub fn run(state: State, actions: impl IntoIterator<Item = Action>) -> State {
        actions
            .into_iter()
            .fold(Rc::new(state), |state, action| state.reduce(action))
            .as_ref()
            .clone()
    }

    pub fn write(replica: ReplicaId, key: &str, value: &str) -> Action {
        Action::Write {
            replica,
            key: key.into(),
            value: value.into(),
        }
    }

    pub fn clocks(state: &State) -> Vec<Vec<u64>> {
        let replicas = state.simulation.replicas();
        replicas
            .iter()
            .map(|r| r.clock().entries().to_vec())
            .collect()
    }

    /// Plays the job under way to its end, counting its slices.
    pub fn finish(mut state: State) -> (State, usize) {
        let mut slices = 0;
        while state.job.is_some() {
            state = run(state, [Action::Continue]);
            slices += 1;
            assert!(slices < 10_000, "the job ends");
        }
        (state, slices)
    }

    pub fn page_error(state: &State) -> String {
        state
            .notice
            .as_ref()
            .filter(|n| n.severity == Severity::Error)
            .map(|n| n.text.clone())
            .unwrap_or_default()
    }

    pub fn scenario_file(steps: &str) -> String {
        format!(r#"{{"version":1,"replicas":3,"steps":[{steps}]}}"#)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn bad_writes_are_refused_at_their_form() {
        for (key, value) in [
            ("", "1"),
            ("   ", "1"),
            (&"k".repeat(25)[..], "1"),
            ("k", &"v".repeat(49)[..]),
            ("a\tb", "1"),
        ] {
            let state = run(State::default(), [write(1, key, value)]);
            assert_eq!(
                state.notice.as_ref().map(|n| n.place),
                Some(Place::WriteForm(1)),
                "{key:?}"
            );
            assert!(state.simulation.history().is_empty());
        }
    }

    #[test]
    fn the_session_revision_counts_changes_of_the_session_only() {
        let state = run(State::default(), [write(0, "x", "1")]);
        assert_eq!(state.session_revision, 1);
        let state = run(
            state,
            [
                Action::Dismiss,
                Action::Note("a line".into()),
                Action::Play,
                Action::Pause,
                Action::SetSpeed(300),
            ],
        );
        assert_eq!(state.session_revision, 1, "nothing saved changed");
        let state = run(state, [Action::Undo, Action::SetSeed("7".into())]);
        assert_eq!(state.session_revision, 3);
        // Opening the saved session changes nothing storage holds; nor does
        // finding it damaged (it is kept until the user says otherwise).
        let saved = crate::run::share::encode(&state.session());
        let (opened, _) = finish(State::open(None, Some(&saved)));
        assert_eq!(opened.session(), state.session());
        assert_eq!(opened.session_revision, 0);
        let damaged = State::open(None, Some("{bad"));
        assert_eq!(damaged.session_revision, 0, "nothing is saved over it");
        assert_eq!(State::open(None, None).session_revision, 0);
    }
}
