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
use crate::presets::{preset, Preset};
use crate::puzzles::{self, ActivePuzzle};
use crate::session::{Branch, Session, SESSION_VERSION};
use crate::share;

/// The longest key a user may write.
pub const MAX_KEY_CHARS: usize = 24;
/// The longest value a user may write.
pub const MAX_VALUE_CHARS: usize = 48;
/// How many log lines are kept.
pub const LOG_LINES: usize = 200;
/// The seed a fresh session starts with.
pub const DEFAULT_SEED: u64 = 42;

/// Where an error message is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// At the top of the page.
    Page,
    /// Under a replica's write form.
    WriteForm(ReplicaId),
}

/// An error message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// What was wrong, in words.
    pub text: String,
    /// Where to show it.
    pub place: Place,
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
            next_log_id: 0,
        }
    }

    /// The session a shared link's fragment holds, else the one saved in
    /// storage, else a fresh one. One that cannot be read gives a fresh
    /// session and a message saying why.
    pub fn open(link: Option<&str>, saved: Option<&str>) -> Self {
        let mut state = State::default();
        // Only `#s=...` is a link; any other fragment is not ours to read.
        let link = link.filter(|f| {
            f.trim_start_matches('#')
                .starts_with(share::FRAGMENT_PREFIX)
        });
        match (link, saved) {
            (Some(fragment), _) => {
                state.load(share::decode(fragment).map_err(|e| e.to_string()), "shared");
            }
            (None, Some(text)) => {
                // The saved copy is the page's own: no need to explain the codec.
                let session = share::decode(text).map_err(|_| "it is damaged".to_string());
                state.load(session, "saved");
            }
            (None, None) => {}
        }
        state
    }

    /// Loads `session` (replacing everything), or keeps the current state
    /// and says why not. `source` says where it came from ("saved", "shared").
    fn load(&mut self, session: Result<Session, String>, source: &str) {
        match session.and_then(Session::validate) {
            Ok((session, simulation, trace)) => {
                self.changed = clock_changes(&self.simulation, &simulation);
                self.simulation = simulation;
                self.trace = Rc::new(trace);
                self.trace_epoch += 1;
                self.branches = session.branches;
                self.current = session.current;
                self.seed = session.seed;
                self.preset = session
                    .preset
                    .and_then(|name| preset(&name).ok())
                    .map(|p| PresetInfo::of(&p));
                self.playing = false;
                self.notice = None;
                if source != "saved" {
                    self.note(Tone::Plain, format!("Opened the {source} session."));
                }
            }
            Err(why) => self.refuse(
                Place::Page,
                format!(
                    "The {source} session could not be read ({why}), so a fresh one was started."
                ),
            ),
        }
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
        self.notice = Some(Notice { text, place });
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

    /// Moves the timeline to `steps` applied on the current branch.
    fn seek(&mut self, steps: usize) {
        let branch = self.branch().commands.clone();
        let steps = steps.min(branch.len());
        let cursor = self.cursor();
        if steps < cursor {
            match self.simulation.at_step(steps) {
                Ok(earlier) => {
                    let mut trace = Rc::unwrap_or_clone(std::mem::take(&mut self.trace));
                    trace.retain(|(step, _)| *step <= steps);
                    self.show(earlier, trace);
                }
                Err(e) => self.refuse(Place::Page, capitalise(&e.to_string())),
            }
        } else if steps > cursor {
            let mut next = self.simulation.clone();
            let mut trace = Rc::unwrap_or_clone(std::mem::take(&mut self.trace));
            for (i, command) in branch[cursor..steps].iter().enumerate() {
                match next.apply(command.clone()) {
                    Ok(events) => trace.extend(events.into_iter().map(|e| (cursor + i + 1, e))),
                    Err(e) => {
                        self.trace = Rc::new(trace);
                        return self.refuse(Place::Page, capitalise(&e.to_string()));
                    }
                }
            }
            self.show(next, trace);
        }
    }

    /// Replaces everything with one branch of `commands` under `config`.
    fn start(&mut self, config: Config, commands: Vec<Command>) -> Result<(), String> {
        let (simulation, trace) =
            Simulation::replay_traced(config, &commands).map_err(|e| e.to_string())?;
        self.show_rebuilt(simulation, trace);
        self.branches = vec![Branch {
            commands,
            parent: None,
        }];
        self.current = 0;
        self.playing = false;
        self.puzzle = None;
        Ok(())
    }

    fn rerun(&mut self, delivery: Delivery, conflicts: Conflicts) {
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

    fn start_afresh(&mut self, config: Config, why: String) {
        match self.start(config, Vec::new()) {
            Ok(()) => {
                self.preset = None;
                self.note(Tone::Plain, why);
            }
            Err(e) => self.refuse(Place::Page, capitalise(&e)),
        }
    }

    fn load_preset(&mut self, name: &str) {
        let loaded = preset(name).and_then(|p| {
            let steps = p.scenario.steps.clone();
            self.start(p.scenario.config(), steps)
                .map(|()| p)
                .map_err(|e| format!("Preset {name}: {e}"))
        });
        match loaded {
            Ok(p) => {
                let info = PresetInfo::of(&p);
                self.note(
                    Tone::Plain,
                    format!(
                        "Loaded \u{201c}{}\u{201d}: {} steps. Undo or the timeline walks back through them.",
                        info.title,
                        p.scenario.steps.len()
                    ),
                );
                self.preset = Some(info);
            }
            Err(why) => self.refuse(Place::Page, why),
        }
    }

    /// An imported scenario file replaces the session; a bad one changes nothing.
    fn import(&mut self, text: &str, file: &str) {
        let scenario = match Scenario::parse(text) {
            Ok(scenario) => scenario,
            Err(e) => return self.refuse(Place::Page, format!("{file} was not imported: {e}.")),
        };
        // Check every step before anything changes.
        if let Err(e) = scenario.run() {
            return self.refuse(Place::Page, format!("{file} was not imported: {e}."));
        }
        let steps = scenario.steps.len();
        match self.start(scenario.config(), scenario.steps) {
            Ok(()) => {
                self.preset = None;
                self.note(Tone::Plain, format!("Imported {file}: {steps} steps."));
            }
            Err(e) => self.refuse(Place::Page, format!("{file} was not imported: {e}.")),
        }
    }

    fn undo(&mut self) {
        let cursor = self.cursor();
        let Some(last) = self.simulation.history().last().cloned() else {
            return self.refuse(Place::Page, "There is nothing to undo.".into());
        };
        self.seek(cursor - 1);
        self.note(Tone::Plain, format!("Undid: {}.", summary(&last)));
    }

    fn redo(&mut self) {
        let cursor = self.cursor();
        let Some(next) = self.branch().commands.get(cursor).cloned() else {
            return self.refuse(Place::Page, "There is nothing to redo.".into());
        };
        self.seek(cursor + 1);
        self.note(Tone::Plain, format!("Redid: {}.", summary(&next)));
    }

    fn switch_branch(&mut self, branch: usize) {
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
                    self.refuse(Place::Page, "Nothing is in flight to deliver.".into());
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
        match self.start(active.config(), steps) {
            Ok(()) => {
                self.preset = None;
                self.note(
                    Tone::Plain,
                    format!(
                        "Opened the puzzle \u{201c}{}\u{201d}: {}.",
                        active.puzzle.title,
                        crate::components::puzzle::goal_words(&active.puzzle.goal)
                    ),
                );
                self.puzzle = Some(Rc::new(active));
            }
            Err(e) => self.refuse(Place::Page, capitalise(&format!("puzzle {name}: {e}"))),
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = Rc::unwrap_or_clone(self);
        let config = state.simulation.config();
        match action {
            Action::Write {
                replica,
                key,
                value,
            } => match check_write(&key, &value) {
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
            Action::Restore(session) => state.load(session, "shared"),
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

/// Why a write form's input is refused, if it is.
pub fn check_write(key: &str, value: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err("Type a key to write to, such as x.".into());
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(format!(
            "A key can have at most {MAX_KEY_CHARS} characters."
        ));
    }
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(format!(
            "A value can have at most {MAX_VALUE_CHARS} characters."
        ));
    }
    if key.chars().chain(value.chars()).any(char::is_control) {
        return Err(
            "Keys and values cannot contain control characters such as tabs or line breaks.".into(),
        );
    }
    Ok(())
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
        let state = run(State::default(), [Action::LoadPreset("classic".into())]);
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
}
