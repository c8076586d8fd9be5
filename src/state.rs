//! The page's state and everything that can change it, as one reducer.
//! `reduce` is pure: the URL, storage and timers live in hooks (`hooks.rs`).

use std::collections::VecDeque;
use std::rc::Rc;

use causal_core::{
    replica_name, Command, Config, Conflicts, Delivery, ReplicaId, Scenario, Scheduler, Simulation,
    Trace,
};
use yew::Reducible;

use crate::describe::{describe, Tone};
use crate::loading::{Job, Origin, Outcome, Purpose, SLICE_STEPS};
use crate::presets::{preset, Preset};
use crate::puzzles::{self, ActivePuzzle};
use crate::session::{Branch, Session, SESSION_VERSION};
use crate::share;

// The write form reads its limits here.
pub use crate::text::{check_write, MAX_KEY_CHARS, MAX_VALUE_CHARS};
/// How many log lines are kept.
pub const LOG_LINES: usize = 200;
/// The seed a fresh session starts with.
pub const DEFAULT_SEED: u64 = 42;
/// How many sessions replaced by a load Undo can return to.
const EARLIER_SESSIONS: usize = 20;
/// A move of the timeline forward tells at most this many steps in the log.
const NARRATED_STEPS: usize = 40;
/// What the page says when a load replaced a session.
pub const ONE_UNDO_AWAY: &str = "Your previous run is one Undo away.";

/// Where an error message is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// At the top of the page.
    Page,
    /// Under a replica's write form.
    WriteForm(ReplicaId),
}

/// How serious a notice is: a benign one is shown quietly, an error as an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Nothing went wrong, the page only says why nothing happened ("There
    /// is nothing to redo", a card dropped on another replica).
    Info,
    /// Bad input or a refused action.
    Error,
}

/// A message for the user about what they just did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Benign or an error.
    pub severity: Severity,
    /// What happened, in words.
    pub text: String,
    /// Where to show it.
    pub place: Place,
}

impl Notice {
    /// An error shown at `place`.
    pub fn error(place: Place, text: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Error,
            text: text.into(),
            place,
        }
    }

    /// A benign notice at the top of the page.
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Info,
            text: text.into(),
            place: Place::Page,
        }
    }
}

/// One line of the "what just happened" log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Unique, for keyed rendering.
    pub id: u64,
    /// How it is styled.
    pub tone: Tone,
    /// The sentence.
    pub text: String,
}

/// The preset the session was loaded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetInfo {
    /// File name without `.json`.
    pub name: String,
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: String,
}

/// Everything the page shows.
#[derive(Clone, Debug)]
pub struct State {
    /// The engine, at the timeline's position on the current branch.
    pub simulation: Simulation,
    /// Every event up to that position, with its step: the diagram's data.
    /// Shared, so an action that does not change it does not copy it.
    pub trace: Rc<Trace>,
    /// Changes when the trace is rebuilt rather than extended or cut back
    /// (another rule, branch or file), so the diagram knows what it can reuse.
    pub trace_epoch: u64,
    /// Every branch of the history; acting at an earlier step adds one.
    pub branches: Vec<Branch>,
    /// The branch shown.
    pub current: usize,
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
    /// Counts every change, so effects (saving) and animations can follow it.
    pub revision: u64,
    /// The puzzle being played, if any: it refuses the moves it does not allow.
    pub puzzle: Option<Rc<ActivePuzzle>>,
    /// A load or a long move of the timeline under way, played in slices.
    pub job: Option<Box<Job>>,
    /// Sessions a load (reset, replica count, preset, import, link) replaced,
    /// newest last: Undo returns to them.
    earlier: Vec<Rc<Session>>,
    /// Sessions Undo left that way, newest last: Redo returns to them.
    later: Vec<Rc<Session>>,
    /// The last change was a load (or its undoing): Undo and Redo move
    /// between sessions rather than along the branch.
    at_load: bool,
    /// The saved session, shown if the link the page opened with fails.
    fallback: Option<Box<Session>>,
    next_log_id: u64,
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
}

impl Default for State {
    fn default() -> Self {
        State::fresh(Config::default())
    }
}

impl State {
    /// A fresh session under `config` (the default one if `config` is invalid).
    pub fn fresh(config: Config) -> Self {
        let simulation = Simulation::new(config).unwrap_or_default();
        State {
            simulation,
            trace: Rc::default(),
            trace_epoch: 0,
            branches: vec![Branch::default()],
            current: 0,
            preset: None,
            seed: DEFAULT_SEED,
            playing: false,
            speed_ms: 800,
            log: VecDeque::new(),
            notice: None,
            changed: Vec::new(),
            revision: 0,
            puzzle: None,
            job: None,
            earlier: Vec::new(),
            later: Vec::new(),
            at_load: false,
            fallback: None,
            next_log_id: 0,
        }
    }

    /// The session a shared link's fragment holds, else the one saved in
    /// storage, else a fresh one. One that cannot be read gives the saved
    /// session (or a fresh one) and a message saying why. A long one is
    /// loaded in slices: see [`State::job`].
    pub fn open(link: Option<&str>, saved: Option<&str>) -> Self {
        let mut state = State::default();
        // Only `#s=...` is a link; any other fragment is not ours to read.
        let link = link.filter(|f| {
            f.trim_start_matches('#')
                .starts_with(share::FRAGMENT_PREFIX)
        });
        // The saved copy is the page's own: no need to explain the codec.
        let saved = saved.map(|text| share::decode(text).map_err(|e| e.saved_cause().to_string()));
        match (link, saved) {
            (Some(fragment), saved) => {
                state.fallback = saved.and_then(Result::ok).map(Box::new);
                state.begin_load(
                    share::decode(fragment).map_err(|e| e.to_string()),
                    Origin::Link,
                );
            }
            (None, Some(session)) => state.begin_load(session, Origin::Saved),
            (None, None) => {}
        }
        state
    }

    /// Starts loading `session` (shown once every branch is checked and
    /// replayed), or says why it cannot be.
    fn begin_load(&mut self, session: Result<Session, String>, origin: Origin) {
        match session.and_then(|s| Job::load(s, origin.clone())) {
            Ok(job) => {
                self.playing = false;
                self.job = Some(Box::new(job));
                self.advance();
            }
            Err(why) => self.load_failed(&origin, why),
        }
    }

    /// Plays one slice of the job under way; shows its result when it ends.
    fn advance(&mut self) {
        let Some(mut job) = self.job.take() else {
            return;
        };
        match job.advance(SLICE_STEPS) {
            Outcome::Running => self.job = Some(job),
            Outcome::Failed(why) => match job.purpose {
                Purpose::Load(_, origin) => self.load_failed(&origin, why),
                Purpose::Seek { .. } => self.refuse(Place::Page, capitalise(&why)),
            },
            Outcome::Done(shown) => match (job.purpose, *shown) {
                (Purpose::Load(session, origin), (simulation, trace)) => {
                    self.loaded(*session, origin, simulation, trace)
                }
                (Purpose::Seek { from }, (simulation, trace)) => {
                    let to = simulation.history().len();
                    self.show(simulation, trace);
                    if to > from {
                        self.narrate(from, to);
                    }
                }
            },
        }
    }

    /// Says why a session could not be loaded; the page stays as it was.
    fn load_failed(&mut self, origin: &Origin, why: String) {
        let why = crate::text::shorten(&why);
        let text = match origin {
            Origin::Import(file) => format!("{file} was not imported: {why}."),
            Origin::Link => match self.fallback.take() {
                Some(saved) => {
                    self.begin_load(Ok(*saved), Origin::Saved);
                    format!("The shared session could not be read ({why}), so your saved session is shown.")
                }
                None if self.session().is_blank() => format!(
                    "The shared session could not be read ({why}), so a fresh one was started."
                ),
                None => format!(
                    "The shared session could not be read ({why}); your session is kept as it was."
                ),
            },
            Origin::Saved => {
                format!("The saved session could not be read ({why}), so a fresh one was started.")
            }
            Origin::Preset(name) => format!("Preset {name} could not be loaded: {why}."),
            Origin::Lesson(title) => {
                format!("The lesson \u{201c}{title}\u{201d} could not be opened: {why}.")
            }
            Origin::Back | Origin::Forward => {
                format!("That session could not be shown again: {why}.")
            }
            Origin::Fresh(_) => format!("The page could not start afresh: {why}."),
        };
        self.refuse(Place::Page, text);
    }

    /// Shows a loaded `session`, with its state at the cursor. The session
    /// it replaces stays one Undo away.
    fn loaded(&mut self, session: Session, origin: Origin, simulation: Simulation, trace: Trace) {
        // A puzzle is played on the session it opened, not on another.
        self.puzzle = None;
        let before = Rc::new(match (&origin, self.fallback.take()) {
            (Origin::Link, Some(saved)) => *saved,
            _ => self.session(),
        });
        let kept = match origin {
            Origin::Saved => false,
            Origin::Back => {
                self.later.push(before);
                false
            }
            _ if before.is_blank() || *before == session => false,
            _ => {
                if origin != Origin::Forward {
                    self.later.clear();
                }
                self.earlier.push(before);
                if self.earlier.len() > EARLIER_SESSIONS {
                    self.earlier.remove(0);
                }
                true
            }
        };
        self.show_rebuilt(simulation, trace);
        let steps = session.branches[session.current].commands.len();
        self.branches = session.branches;
        self.current = session.current;
        self.seed = session.seed;
        self.preset = session
            .preset
            .and_then(|name| preset(&name).ok())
            .map(|p| PresetInfo::of(&p));
        self.playing = false;
        self.at_load = true;
        match &origin {
            Origin::Import(file) => self.note(
                Tone::Plain,
                format!("Imported {file}: {}.", count(steps, "step")),
            ),
            Origin::Link => self.note(Tone::Plain, "Opened the shared session.".into()),
            Origin::Preset(_) => {
                let title = self
                    .preset
                    .as_ref()
                    .map(|p| p.title.clone())
                    .unwrap_or_default();
                self.note(
                    Tone::Plain,
                    format!(
                        "Loaded \u{201c}{title}\u{201d} at its start: {}. Next (or Redo, or the timeline) plays them one by one.",
                        count(steps, "step")
                    ),
                )
            }
            Origin::Lesson(title) => self.note(
                Tone::Plain,
                format!("Opened the lesson \u{201c}{title}\u{201d}."),
            ),
            Origin::Back => self.note(
                Tone::Plain,
                "Back to the session before: Redo returns to the one you left.".into(),
            ),
            Origin::Forward => self.note(Tone::Plain, "Back to the session you left.".into()),
            Origin::Fresh(why) => self.note(Tone::Plain, why.clone()),
            Origin::Saved => {}
        }
        if kept {
            self.note(Tone::Plain, ONE_UNDO_AWAY.into());
        }
    }

    /// The session Undo returns to from the start of this one, if any: saved
    /// beside the session so that a reload keeps it one Undo away.
    pub fn previous(&self) -> Option<Rc<Session>> {
        self.earlier.last().cloned()
    }

    /// Remembers the session saved as [`State::previous`] (its text), when
    /// there is no other: the page has just opened.
    pub fn remembering(mut self, previous: Option<&str>) -> Self {
        if let Some(Ok(session)) = previous.map(share::decode) {
            if self.earlier.is_empty() && session.check_shape().is_ok() {
                self.earlier.push(Rc::new(session));
            }
        }
        self
    }

    /// Stops the job under way. A session that was being loaded and is
    /// the user's own (the saved one, one Undo or Redo returned to) stays
    /// one Undo (or Redo) away: stopping never loses work.
    fn set_aside(&mut self) {
        let Some(job) = self.job.take() else {
            return;
        };
        let Purpose::Load(session, origin) = job.purpose else {
            return;
        };
        let kept = match origin {
            Origin::Saved => Some(*session),
            Origin::Link => self.fallback.take().map(|saved| *saved),
            Origin::Back => {
                self.earlier.push(Rc::new(*session));
                None
            }
            Origin::Forward => {
                self.later.push(Rc::new(*session));
                None
            }
            Origin::Import(_) | Origin::Preset(_) | Origin::Lesson(_) | Origin::Fresh(_) => None,
        };
        if let Some(saved) = kept.filter(|s| !s.is_blank()) {
            self.earlier.push(Rc::new(saved));
            self.note(
                Tone::Plain,
                "Your saved session was not opened: it is one Undo away.".into(),
            );
        }
    }

    /// Whether Undo can do anything.
    pub fn can_undo(&self) -> bool {
        self.cursor() > 0 || !self.earlier.is_empty()
    }

    /// Whether Redo can do anything.
    pub fn can_redo(&self) -> bool {
        self.cursor() < self.branch().commands.len() || (self.at_load && !self.later.is_empty())
    }

    /// A session is being loaded: what is shown is not yet what will be saved.
    pub fn loading(&self) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| matches!(j.purpose, Purpose::Load(..)))
    }

    /// The session to save or share.
    pub fn session(&self) -> Session {
        Session {
            version: SESSION_VERSION,
            config: self.simulation.config(),
            branches: self.branches.clone(),
            current: self.current,
            cursor: self.cursor(),
            seed: self.seed,
            preset: self.preset.as_ref().map(|p| p.name.clone()),
        }
    }

    /// The branch shown.
    pub fn branch(&self) -> &Branch {
        &self.branches[self.current]
    }

    /// How many of the branch's steps are applied: the timeline's position.
    pub fn cursor(&self) -> usize {
        self.simulation.history().len()
    }

    /// The scenario file that replays the run up to the timeline's position,
    /// in the five operations every reader knows (DESIGN.md section 3): a
    /// "deliver the next copy" becomes a deliver of the copy it took, and lane
    /// reorders, which change no replica, are left out.
    pub fn scenario(&self) -> Scenario {
        let mut scenario = Scenario::of(&self.simulation);
        scenario.steps = self
            .simulation
            .history()
            .iter()
            .enumerate()
            .filter_map(|(i, command)| match command {
                Command::Reorder { .. } => None,
                Command::DeliverNext { .. } => {
                    self.trace.iter().find_map(|(step, event)| match event {
                        causal_core::Event::Received { message, to, .. } if *step == i + 1 => {
                            Some(Command::Deliver {
                                message: *message,
                                to: *to,
                            })
                        }
                        _ => None,
                    })
                }
                other => Some(other.clone()),
            })
            .collect();
        if let Some(p) = &self.preset {
            scenario.title = Some(p.title.clone());
            scenario.description = Some(p.description.clone());
        }
        scenario
    }

    fn refuse(&mut self, place: Place, text: String) {
        self.notice = Some(Notice::error(place, text));
    }

    /// Says why nothing happened, when nothing went wrong.
    fn inform(&mut self, text: &str) {
        self.notice = Some(Notice::info(text));
    }

    fn note(&mut self, tone: Tone, text: String) {
        self.log.push_front(LogLine {
            id: self.next_log_id,
            tone,
            text,
        });
        self.next_log_id += 1;
        self.log.truncate(LOG_LINES);
    }

    /// Tells steps `from + 1 ..= to` in the log as if they had just
    /// happened (the last [`NARRATED_STEPS`] of them when there are more).
    fn narrate(&mut self, from: usize, to: usize) {
        let first = from.max(to.saturating_sub(NARRATED_STEPS)) + 1;
        if first > from + 1 {
            self.note(
                Tone::Plain,
                format!(
                    "Moved forward {} steps; the last {NARRATED_STEPS} follow.",
                    to - from
                ),
            );
        }
        let trace = Rc::clone(&self.trace);
        let commands = self.branch().commands.clone();
        for step in first..=to {
            let start = trace.partition_point(|(s, _)| *s < step);
            let end = trace.partition_point(|(s, _)| *s <= step);
            let events: Vec<_> = trace[start..end].iter().map(|(_, e)| e.clone()).collect();
            let lines = describe(&events, self.simulation.messages());
            if lines.is_empty() {
                if let Some(command) = commands.get(step - 1) {
                    self.note(Tone::Plain, capitalise(&summary(command)));
                }
            }
            for (tone, text) in lines {
                self.note(tone, text);
            }
        }
    }

    /// Shows `simulation` and its `trace`, recording which clock entries changed.
    fn show(&mut self, simulation: Simulation, trace: Trace) {
        self.changed = clock_changes(&self.simulation, &simulation);
        self.simulation = simulation;
        self.trace = Rc::new(trace);
        self.notice = None;
    }

    /// Shows a trace built anew (not the current one extended or cut back).
    fn show_rebuilt(&mut self, simulation: Simulation, trace: Trace) {
        self.show(simulation, trace);
        self.trace_epoch += 1;
    }

    /// Applies a new command at the timeline's position. At the end of the
    /// branch it extends it; earlier, it starts a new branch and keeps the old.
    fn act(&mut self, command: Command, place: Place) {
        self.at_load = false;
        if let Some(why) = self
            .puzzle
            .as_ref()
            .and_then(|p| p.refusal(&command, self.cursor()))
        {
            return self.refuse(place, why);
        }
        let mut next = self.simulation.clone();
        let events = match next.apply(command.clone()) {
            Ok(events) => events,
            Err(e) => return self.refuse(place, capitalise(&e.to_string())),
        };
        let cursor = self.cursor();
        if cursor == self.branch().commands.len() {
            self.branches[self.current].commands.push(command);
        } else {
            let mut commands = self.branch().commands[..cursor].to_vec();
            commands.push(command);
            self.branches.push(Branch {
                commands,
                parent: Some((self.current, cursor)),
            });
            let old = self.current;
            self.current = self.branches.len() - 1;
            self.note(
                Tone::Plain,
                format!(
                    "Started branch {} at step {cursor}; branch {} is kept.",
                    self.current + 1,
                    old + 1
                ),
            );
        }
        let lines = describe(&events, next.messages());
        let mut trace = Rc::unwrap_or_clone(std::mem::take(&mut self.trace));
        trace.extend(events.into_iter().map(|e| (cursor + 1, e)));
        self.show(next, trace);
        for (tone, text) in lines {
            self.note(tone, text);
        }
    }

    /// Moves the timeline to `steps` applied on the current branch, in
    /// slices when the way is long.
    fn seek(&mut self, steps: usize) {
        self.at_load = false;
        if steps.min(self.branch().commands.len()) == self.cursor() {
            return;
        }
        self.job = Some(Box::new(Job::seek(
            &self.simulation,
            &self.trace,
            &self.branch().commands,
            steps,
        )));
        self.advance();
    }

    /// Replaces the session with a fresh one under `config`; the one
    /// replaced stays one Undo away.
    fn start_afresh(&mut self, config: Config, why: String) {
        let session = Session::linear(config, Vec::new(), self.seed);
        self.begin_load(Ok(session), Origin::Fresh(why));
    }

    fn rerun(&mut self, delivery: Delivery, conflicts: Conflicts) {
        self.at_load = false;
        let config = Config {
            delivery,
            conflicts,
            ..self.simulation.config()
        };
        match Simulation::replay_traced(config, self.simulation.history()) {
            Ok((next, trace)) => {
                let steps = next.history().len();
                self.show_rebuilt(next, trace);
                self.note(
                    Tone::Plain,
                    format!("Re-ran the same {steps} steps under {delivery} delivery and {conflicts} conflicts."),
                );
            }
            Err(e) => self.refuse(Place::Page, capitalise(&e.error.to_string())),
        }
    }

    /// A preset opens at its start: Redo, the timeline or Next play it.
    fn load_preset(&mut self, name: &str) {
        match preset(name) {
            Ok(p) => {
                let mut session = Session::linear(p.scenario.config(), p.scenario.steps, self.seed);
                session.cursor = 0;
                session.preset = Some(name.to_string());
                self.begin_load(Ok(session), Origin::Preset(name.to_string()));
            }
            Err(why) => self.refuse(Place::Page, capitalise(&why)),
        }
    }

    /// An imported scenario file replaces the session, played to its end;
    /// a bad one changes nothing.
    fn import(&mut self, text: &str, file: &str) {
        let session = Scenario::parse(text)
            .map(|s| Session::linear(s.config(), s.steps, self.seed))
            .map_err(|e| e.to_string());
        self.begin_load(session, Origin::Import(file.to_string()));
    }

    fn undo(&mut self) {
        let cursor = self.cursor();
        if self.at_load || cursor == 0 {
            if let Some(before) = self.earlier.pop() {
                return self.begin_load(Ok(Rc::unwrap_or_clone(before)), Origin::Back);
            }
        }
        let Some(last) = self.simulation.history().last().cloned() else {
            return self.inform("There is nothing to undo.");
        };
        self.seek(cursor - 1);
        self.note(Tone::Plain, format!("Undid: {}.", summary(&last)));
    }

    /// Plays the next step of the branch, told as if it had just happened.
    fn redo(&mut self) {
        if self.at_load {
            if let Some(after) = self.later.pop() {
                return self.begin_load(Ok(Rc::unwrap_or_clone(after)), Origin::Forward);
            }
        }
        let cursor = self.cursor();
        if cursor == self.branch().commands.len() {
            return self.inform("There is nothing to redo.");
        }
        self.seek(cursor + 1);
    }

    fn switch_branch(&mut self, branch: usize) {
        self.at_load = false;
        let Some(commands) = self.branches.get(branch).map(|b| b.commands.clone()) else {
            return self.refuse(Place::Page, format!("There is no branch {}.", branch + 1));
        };
        match Simulation::replay_traced(self.simulation.config(), &commands) {
            Ok((simulation, trace)) => {
                self.current = branch;
                self.show_rebuilt(simulation, trace);
                self.note(Tone::Plain, format!("Switched to branch {}.", branch + 1));
            }
            Err(e) => self.refuse(Place::Page, capitalise(&e.to_string())),
        }
    }

    fn step(&mut self) {
        match Scheduler::new(self.seed).next(&self.simulation) {
            Some(command) => self.act(command, Place::Page),
            None => {
                if self.playing {
                    self.note(
                        Tone::Plain,
                        "Nothing is in flight: autoplay stopped.".into(),
                    );
                } else {
                    self.inform("Nothing is in flight to deliver.");
                }
                self.playing = false;
            }
        }
    }
}

/// The page's side of the census and the puzzles.
impl State {
    /// Opens `order` as a new branch from step `step` of branch `branch`,
    /// which must be what is shown.
    fn open_order(&mut self, branch: usize, step: usize, order: Vec<Command>, outcome: usize) {
        let cursor = self.cursor();
        if (self.current, cursor) != (branch, step) {
            return self.refuse(
                Place::Page,
                format!(
                    "Outcome {outcome} was counted at step {step} of branch {}, which is not shown: go there and explore again.",
                    branch + 1
                ),
            );
        }
        let refused = order
            .iter()
            .find_map(|c| self.puzzle.as_ref().and_then(|p| p.refusal(c, cursor)));
        if let Some(why) = refused {
            return self.refuse(Place::Page, why);
        }
        let mut next = self.simulation.clone();
        let mut trace = (*self.trace).clone();
        for (i, command) in order.iter().enumerate() {
            match next.apply(command.clone()) {
                Ok(events) => trace.extend(events.into_iter().map(|e| (cursor + i + 1, e))),
                Err(e) => return self.refuse(Place::Page, capitalise(&e.to_string())),
            }
        }
        let mut commands = self.branch().commands[..cursor].to_vec();
        commands.extend(order);
        let steps = commands.len() - cursor;
        self.branches.push(Branch {
            commands,
            parent: Some((self.current, cursor)),
        });
        let old = self.current;
        self.current = self.branches.len() - 1;
        self.show(next, trace);
        self.note(
            Tone::Plain,
            format!(
                "Opened outcome {outcome} as branch {}: {steps} deliveries from step {cursor} of branch {}, which is kept.",
                self.current + 1,
                old + 1
            ),
        );
    }

    /// Replaces the session with the puzzle's start, under its rules.
    fn open_puzzle(&mut self, name: &str) {
        let active = match puzzles::open(name) {
            Ok(active) => active,
            Err(why) => return self.refuse(Place::Page, capitalise(&why)),
        };
        let steps = active.puzzle.start.steps.clone();
        let session = Session::linear(active.config(), steps.clone(), self.seed);
        let why = format!(
            "Opened the puzzle \u{201c}{}\u{201d}: {}.",
            active.puzzle.title,
            crate::components::puzzle::goal_words(&active.puzzle.goal)
        );
        self.begin_load(Ok(session), Origin::Fresh(why));
        // A puzzle's start is a few steps: it is loaded at once.
        let started = self.job.is_none()
            && self.current == 0
            && self.branch().commands == steps
            && self.simulation.config() == active.config();
        if started {
            self.preset = None;
            self.puzzle = Some(Rc::new(active));
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = Rc::unwrap_or_clone(self);
        let config = state.simulation.config();
        if state.job.is_some() {
            match &action {
                Action::Continue
                | Action::Note(_)
                | Action::Refuse(_)
                | Action::Dismiss
                | Action::Pause
                | Action::SetSpeed(_)
                | Action::SetSeed(_) => {}
                // A new load replaces the one under way.
                Action::Import(..)
                | Action::Restore(_)
                | Action::LoadPreset(_)
                | Action::OpenLesson { .. }
                | Action::Reset
                | Action::SetReplicas(_)
                | Action::OpenPuzzle(_)
                | Action::Cancel => state.set_aside(),
                // A move of the timeline gives way to whatever the user does.
                _ if !state.loading() => state.job = None,
                _ => {
                    state.inform("The page is still loading a session: wait for it, or cancel it.");
                    state.revision += 1;
                    return Rc::new(state);
                }
            }
        }
        match action {
            Action::Write {
                replica,
                key,
                value,
            } => match crate::text::check_write(&key, &value) {
                Ok(()) => state.act(
                    Command::Write {
                        replica,
                        key,
                        value,
                    },
                    Place::WriteForm(replica),
                ),
                Err(why) => state.refuse(Place::WriteForm(replica), why),
            },
            Action::Apply(command) => state.act(command, Place::Page),
            Action::Undo => state.undo(),
            Action::Redo => state.redo(),
            Action::Seek(steps) => state.seek(steps),
            Action::SwitchBranch(branch) => state.switch_branch(branch),
            Action::Import(text, file) => state.import(&text, &file),
            Action::Restore(Ok(session)) if session == state.session() => state.note(
                Tone::Plain,
                "The link holds the session already shown.".into(),
            ),
            Action::Restore(session) => state.begin_load(session, Origin::Link),
            Action::Continue => state.advance(),
            Action::Cancel => state.note(
                Tone::Plain,
                "Stopped: the page shows what it showed before.".into(),
            ),
            Action::Reset => state.start_afresh(
                config,
                format!("Started afresh with {} replicas.", config.replicas),
            ),
            Action::SetDelivery(delivery) => state.rerun(delivery, config.conflicts),
            Action::SetConflicts(conflicts) => state.rerun(config.delivery, conflicts),
            Action::SetReplicas(replicas) => state.start_afresh(
                Config { replicas, ..config },
                format!("Started afresh with {replicas} replicas."),
            ),
            Action::LoadPreset(name) => state.load_preset(&name),
            Action::OpenLesson {
                title,
                config,
                commands,
            } => {
                let session = Session::linear(config, commands, state.seed);
                state.begin_load(Ok(session), Origin::Lesson(title));
            }
            Action::SetSeed(text) => match text.trim().parse::<u64>() {
                Ok(seed) => {
                    state.seed = seed;
                    state.notice = None;
                }
                Err(_) => state.refuse(
                    Place::Page,
                    format!(
                        "The seed must be a whole number from 0 to {}, not {text:?}.",
                        u64::MAX
                    ),
                ),
            },
            Action::Play => {
                state.playing = true;
                state.notice = None;
            }
            Action::Pause => state.playing = false,
            Action::Step => state.step(),
            Action::SetSpeed(ms) => state.speed_ms = ms.clamp(50, 5000),
            Action::Note(text) => state.note(Tone::Plain, text),
            Action::Refuse(notice) => state.notice = Some(notice),
            Action::Dismiss => state.notice = None,
            Action::OpenOrder {
                branch,
                step,
                order,
                outcome,
            } => state.open_order(branch, step, order, outcome),
            Action::OpenPuzzle(name) => state.open_puzzle(&name),
            Action::ClosePuzzle => {
                if let Some(p) = state.puzzle.take() {
                    state.note(
                        Tone::Plain,
                        format!(
                            "Closed the puzzle \u{201c}{}\u{201d}: every move is allowed again.",
                            p.puzzle.title
                        ),
                    );
                }
            }
        }
        state.revision += 1;
        Rc::new(state)
    }
}

/// "1 step", "2 steps".
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A command in a few words, for "Undid: ...".
pub fn summary(command: &Command) -> String {
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => format!("{} wrote {key} = {value}", replica_name(*replica)),
        Command::Deliver { message, to } => {
            format!("deliver {message} to {}", replica_name(*to))
        }
        Command::Drop { message, to } => format!("drop {message} to {}", replica_name(*to)),
        Command::Duplicate { message, to } => {
            format!("duplicate {message} to {}", replica_name(*to))
        }
        Command::DeliverAll => "deliver everything".into(),
        Command::DeliverNext { to } => format!("deliver the next copy to {}", replica_name(*to)),
        Command::Reorder { to, .. } => format!("reorder the lane to {}", replica_name(*to)),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // ASCII only: Unicode case tables would cost the page kilobytes.
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str() + ".",
        None => String::new(),
    }
}

fn clock_changes(before: &Simulation, after: &Simulation) -> Vec<(ReplicaId, usize)> {
    after
        .replicas()
        .iter()
        .zip(before.replicas())
        .flat_map(|(a, b)| {
            let (a_clock, b_clock) = (a.clock(), b.clock());
            (0..a_clock.len())
                .filter(move |&k| a_clock.get(k) != b_clock.get(k))
                .map(move |k| (a.id(), k))
                .collect::<Vec<_>>()
        })
        .collect()
}

impl PresetInfo {
    fn of(p: &Preset) -> Self {
        PresetInfo {
            name: p.name.to_string(),
            title: p
                .scenario
                .title
                .clone()
                .unwrap_or_else(|| p.name.to_string()),
            description: p.scenario.description.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: State, actions: impl IntoIterator<Item = Action>) -> State {
        actions
            .into_iter()
            .fold(Rc::new(state), |state, action| state.reduce(action))
            .as_ref()
            .clone()
    }

    fn write(replica: ReplicaId, key: &str, value: &str) -> Action {
        Action::Write {
            replica,
            key: key.into(),
            value: value.into(),
        }
    }

    fn clocks(state: &State) -> Vec<Vec<u64>> {
        let replicas = state.simulation.replicas();
        replicas
            .iter()
            .map(|r| r.clock().entries().to_vec())
            .collect()
    }

    #[test]
    fn acting_at_an_earlier_step_starts_a_branch_and_keeps_the_old_one() {
        let state = run(
            State::default(),
            [Action::LoadPreset("classic".into()), Action::Seek(6)],
        );
        let full = clocks(&state);
        let state = run(state, [Action::Seek(3), write(2, "z", "9")]);
        assert_eq!(state.branches.len(), 2);
        assert_eq!(state.current, 1);
        assert_eq!(state.branches[1].parent, Some((0, 3)));
        assert_eq!(state.branches[1].commands.len(), 4);
        assert_eq!(state.trace.last().map(|(step, _)| *step), Some(4));
        let back = run(state, [Action::SwitchBranch(0)]);
        assert_eq!(clocks(&back), full);
        assert_eq!(back.cursor(), 6);
    }

    #[test]
    fn undo_and_redo_move_along_the_branch_and_keep_the_trace_in_step() {
        let state = run(State::default(), [write(0, "x", "1"), write(1, "y", "2")]);
        let undone = run(state.clone(), [Action::Undo]);
        assert_eq!(undone.cursor(), 1);
        assert!(undone.trace.iter().all(|(step, _)| *step <= 1));
        assert_eq!(
            undone.branch().commands.len(),
            2,
            "undo keeps what can be redone"
        );
        let redone = run(undone, [Action::Redo]);
        assert_eq!(clocks(&redone), clocks(&state));
        assert_eq!(redone.trace, state.trace);
        let nothing = run(State::default(), [Action::Undo]);
        assert!(nothing.notice.is_some());
    }

    #[test]
    fn a_bad_import_names_its_step_and_changes_nothing() {
        let state = run(State::default(), [write(0, "x", "1")]);
        let bad = r#"{"version":1,"steps":[{"op":"write","replica":0,"key":"k","value":"v"},{"op":"deliver","message":3,"to":1}]}"#;
        let after = run(
            state.clone(),
            [Action::Import(bad.into(), "bad.json".into())],
        );
        let notice = after
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        assert!(
            notice.contains("bad.json")
                && notice.contains("step 2: message 3 is not in flight to replica 1"),
            "{notice}"
        );
        assert_eq!(after.simulation, state.simulation);
        assert_eq!(after.branches, state.branches);
    }

    #[test]
    fn the_exported_scenario_uses_only_the_standard_steps_and_replays_the_same_state() {
        let state = run(
            State::default(),
            [
                write(0, "x", "1"),
                write(0, "x", "2"),
                Action::Apply(Command::Reorder {
                    to: 1,
                    index: 1,
                    position: 0,
                }),
                Action::Apply(Command::DeliverNext { to: 1 }),
            ],
        );
        let scenario = state.scenario();
        assert!(scenario
            .steps
            .iter()
            .all(|c| !matches!(c, Command::Reorder { .. } | Command::DeliverNext { .. })));
        assert_eq!(
            scenario.steps.last(),
            Some(&Command::Deliver {
                message: causal_core::MessageId(2),
                to: 1
            })
        );
        let (replayed, _) = scenario.run().expect("the export replays");
        assert_eq!(
            causal_core::Report::of(&replayed),
            causal_core::Report::of(&state.simulation)
        );
    }

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
    fn a_damaged_link_gives_a_fresh_session_and_says_why() {
        let state = State::open(Some("s=AQIDAC"), None);
        assert!(state.simulation.history().is_empty());
        let text = state.notice.map(|n| n.text).unwrap_or_default();
        assert!(text.contains("shared session could not be read"), "{text}");
        // A fragment that is not a link is not read as one.
        assert!(State::open(Some("about"), None).notice.is_none());
    }

    /// Plays the job under way to its end, counting its slices.
    fn finish(mut state: State) -> (State, usize) {
        let mut slices = 0;
        while state.job.is_some() {
            state = run(state, [Action::Continue]);
            slices += 1;
            assert!(slices < 10_000, "the job ends");
        }
        (state, slices)
    }

    fn page_error(state: &State) -> String {
        state
            .notice
            .as_ref()
            .filter(|n| n.severity == Severity::Error)
            .map(|n| n.text.clone())
            .unwrap_or_default()
    }

    fn scenario_file(steps: &str) -> String {
        format!(r#"{{"version":1,"replicas":3,"steps":[{steps}]}}"#)
    }

    #[test]
    fn undo_returns_to_the_session_each_load_replaced_and_redo_comes_back() {
        let worked = run(
            State::default(),
            [write(0, "x", "1"), write(1, "y", "2"), Action::Undo],
        );
        let before = worked.session();
        let file = scenario_file(r#"{"op":"write","replica":2,"key":"z","value":"3"}"#);
        let link = {
            let mut other = Session::linear(Config::default(), Vec::new(), 7);
            other.branches[0].commands.push(Command::Write {
                replica: 1,
                key: "k".into(),
                value: "v".into(),
            });
            other.cursor = 1;
            other
        };
        for load in [
            Action::Reset,
            Action::SetReplicas(5),
            Action::LoadPreset("classic".into()),
            Action::Import(file.clone(), "a.json".into()),
            Action::Restore(Ok(link.clone())),
        ] {
            let loaded = run(worked.clone(), [load.clone()]);
            assert_ne!(loaded.session(), before, "{load:?} changed the session");
            assert_eq!(
                loaded.log.front().map(|l| l.text.as_str()),
                Some(ONE_UNDO_AWAY),
                "{load:?}"
            );
            assert!(loaded.can_undo(), "{load:?}");
            let back = run(loaded.clone(), [Action::Undo]);
            assert_eq!(back.session(), before, "Undo after {load:?}");
            assert_eq!(clocks(&back), clocks(&worked));
            let again = run(back, [Action::Redo]);
            assert_eq!(again.session(), loaded.session(), "Redo after {load:?}");
        }
    }

    #[test]
    fn a_preset_opens_at_its_start_and_redo_tells_each_step_as_it_happens() {
        let state = run(State::default(), [Action::LoadPreset("classic".into())]);
        assert_eq!(state.cursor(), 0);
        assert_eq!(state.branch().commands.len(), 6);
        let mut state = state;
        let mut told = Vec::new();
        for _ in 0..6 {
            let before = state.log.len();
            state = run(state, [Action::Redo]);
            let new: Vec<String> = state
                .log
                .iter()
                .take(state.log.len() - before)
                .map(|l| l.text.clone())
                .collect();
            assert!(!new.is_empty());
            told.extend(new.into_iter().rev());
        }
        assert_eq!(state.cursor(), 6);
        assert!(told.iter().all(|l| !l.starts_with("Redid")), "{told:?}");
        assert!(
            told.iter()
                .any(|l| l == "C received m2 from B and held it back: it waits for A#1 (m1)."),
            "{told:?}"
        );
        // The timeline tells them too.
        let seeked = run(
            State::default(),
            [Action::LoadPreset("classic".into()), Action::Seek(6)],
        );
        let lines: Vec<&str> = seeked.log.iter().map(|l| l.text.as_str()).collect();
        assert!(
            lines.contains(&"C received m2 from B and held it back: it waits for A#1 (m1)."),
            "{lines:?}"
        );
    }

    #[test]
    fn imports_and_links_obey_the_write_forms_rules() {
        let state = run(State::default(), [write(0, "x", "1")]);
        let long_key = "k".repeat(500);
        for (file, key) in [
            ("long.json", long_key.as_str()),
            ("ctl.json", r"a\u0001b"),
            ("nonchar.json", r"a\uFFFEb"),
        ] {
            let text = scenario_file(&format!(
                r#"{{"op":"write","replica":1,"key":"{key}","value":"1"}}"#
            ));
            let after = run(state.clone(), [Action::Import(text, file.into())]);
            let error = page_error(&after);
            assert!(
                error.starts_with(&format!(
                    "{file} was not imported: step 1: the write at B: the key "
                )),
                "{error}"
            );
            assert_eq!(after.session(), state.session());
        }
        let mut bad = Session::linear(
            Config::default(),
            vec![Command::Write {
                replica: 0,
                key: "a\u{1}b".into(),
                value: "1".into(),
            }],
            1,
        );
        bad.cursor = 0;
        let after = run(state.clone(), [Action::Restore(Ok(bad.clone()))]);
        assert!(
            page_error(&after).contains("U+0001"),
            "{}",
            page_error(&after)
        );
        assert_eq!(after.session(), state.session());
        let opened = State::open(Some(&format!("s={}", share::encode(&bad))), None);
        assert!(opened.simulation.history().is_empty());
        assert!(page_error(&opened).contains("U+0001"));
    }

    #[test]
    fn a_link_is_checked_whole_when_it_opens() {
        let write_at = |replica| Command::Write {
            replica,
            key: "x".into(),
            value: "1".into(),
        };
        let mut session = Session::linear(Config::default(), vec![write_at(0), write_at(200)], 1);
        session.cursor = 1;
        let opened = State::open(Some(&format!("#s={}", share::encode(&session))), None);
        let error = page_error(&opened);
        assert!(error.contains("step 2"), "{error}");
        assert!(
            opened.simulation.history().is_empty(),
            "nothing of it is shown"
        );
        // Another branch is checked too.
        let mut two = Session::linear(Config::default(), vec![write_at(0)], 1);
        two.branches.push(Branch {
            commands: vec![write_at(0), write_at(9)],
            parent: Some((0, 1)),
        });
        let opened = State::open(Some(&format!("#s={}", share::encode(&two))), None);
        assert!(
            page_error(&opened).contains("branch 2, step 2"),
            "{}",
            page_error(&opened)
        );
        // A replica count is not a step.
        let nine = Session::linear(
            Config {
                replicas: 9,
                ..Config::default()
            },
            vec![],
            1,
        );
        let opened = State::open(Some(&format!("#s={}", share::encode(&nine))), None);
        let error = page_error(&opened);
        assert!(error.contains("9") && !error.contains("step"), "{error}");
    }

    #[test]
    fn a_damaged_link_keeps_the_saved_session_and_a_good_one_keeps_it_one_undo_away() {
        let saved = run(State::default(), [write(0, "x", "1")]).session();
        let saved_text = share::encode(&saved);
        let damaged = State::open(Some("s=AQIDAC"), Some(&saved_text));
        assert_eq!(damaged.session(), saved);
        assert!(page_error(&damaged).contains("your saved session is shown"));
        let other = run(State::default(), [write(1, "y", "2")]).session();
        let opened = State::open(
            Some(&format!("s={}", share::encode(&other))),
            Some(&saved_text),
        );
        assert_eq!(opened.session(), other);
        let back = run(opened, [Action::Undo]);
        assert_eq!(back.session(), saved);
        // A reload: the link is still in the address, the link's session is
        // saved, and the one before it was saved beside it.
        let reloaded = State::open(
            Some(&format!("s={}", share::encode(&other))),
            Some(&share::encode(&other)),
        )
        .remembering(Some(&saved_text));
        assert_eq!(reloaded.session(), other);
        assert_eq!(reloaded.previous().as_deref(), Some(&saved));
        let back = run(reloaded, [Action::Undo]);
        assert_eq!(back.session(), saved);
    }

    #[test]
    fn a_long_import_is_played_in_slices_and_the_page_answers_meanwhile() {
        let steps: Vec<String> = (0..5_000)
            .map(|i| {
                format!(
                    r#"{{"op":"write","replica":{},"key":"k{}","value":"{i}"}}"#,
                    i % 3,
                    i % 10
                )
            })
            .collect();
        let state = run(State::default(), [write(0, "x", "1")]);
        let loading = run(
            state.clone(),
            [Action::Import(
                scenario_file(&steps.join(",")),
                "big.json".into(),
            )],
        );
        let job = loading.job.as_ref().expect("a job under way");
        assert!(
            job.done > 0 && job.done < job.total,
            "{} of {}",
            job.done,
            job.total
        );
        assert_eq!(
            loading.session(),
            state.session(),
            "nothing changes until it is done"
        );
        assert!(loading.loading());
        // Acting meanwhile is refused quietly; the load goes on.
        let busy = run(loading.clone(), [write(1, "y", "2")]);
        assert!(busy.job.is_some());
        assert_eq!(
            busy.notice.as_ref().map(|n| n.severity),
            Some(Severity::Info)
        );
        let (done, slices) = finish(loading.clone());
        assert!(slices >= 5_000 / SLICE_STEPS - 1, "{slices} slices");
        assert_eq!(done.cursor(), 5_000);
        assert_eq!(
            done.log.get(1).map(|l| l.text.as_str()),
            Some("Imported big.json: 5000 steps.")
        );
        // Cancel leaves the page as it was.
        let cancelled = run(loading, [Action::Cancel]);
        assert!(cancelled.job.is_none());
        assert_eq!(cancelled.session(), state.session());
        // Stopping the saved session's load keeps it one Undo away.
        let saved = share::encode(&done.session());
        let opening = State::open(None, Some(&saved));
        assert!(opening.loading());
        let stopped = run(opening, [Action::Cancel]);
        assert!(stopped.simulation.history().is_empty());
        let (back, _) = finish(run(stopped, [Action::Undo]));
        assert_eq!(back.session(), done.session());
        // A long move of the timeline is sliced too, both ways.
        let back = run(done.clone(), [Action::Seek(4_000)]);
        let (back, slices) = finish(back);
        assert!(slices > 1);
        assert_eq!(back.cursor(), 4_000);
        assert!(back.trace.iter().all(|(step, _)| *step <= 4_000));
        let (forth, _) = finish(run(back, [Action::Seek(5_000)]));
        assert_eq!(forth.trace, done.trace);
        assert_eq!(clocks(&forth), clocks(&done));
    }

    #[test]
    fn a_crafted_link_too_big_to_show_is_refused_in_slices_and_changes_nothing() {
        // Eight replicas: each write is eight events, so that a link holds
        // more than the page shows.
        let writes = (0..10_000)
            .map(|i| Command::Write {
                replica: i % 8,
                key: "k".into(),
                value: "v".into(),
            })
            .collect();
        let config = Config {
            replicas: 8,
            ..Config::default()
        };
        let crafted = Session::linear(config, writes, 1);
        assert!(share::encode(&crafted).len() < share::MAX_FRAGMENT_CHARS);
        let state = run(State::default(), [write(0, "x", "1")]);
        let opening = run(state.clone(), [Action::Restore(Ok(crafted))]);
        assert!(opening.loading());
        let (after, slices) = finish(opening);
        assert!(slices > 10, "{slices} slices");
        let error = page_error(&after);
        assert!(error.contains("more than 50,000 events"), "{error}");
        assert_eq!(after.session(), state.session());
    }

    #[test]
    fn small_words() {
        let one = scenario_file(r#"{"op":"write","replica":0,"key":"x","value":""}"#);
        let state = run(State::default(), [Action::Import(one, "a.json".into())]);
        let lines: Vec<&str> = state.log.iter().map(|l| l.text.as_str()).collect();
        assert!(lines.contains(&"Imported a.json: 1 step."), "{lines:?}");
        let state = run(state, [Action::Undo, Action::Undo, write(0, "k", "")]);
        assert_eq!(
            state.log.front().map(|l| l.text.as_str()),
            Some("A wrote k = \"\" (an empty value) (m1) and sent it to B, C.")
        );
    }
}
