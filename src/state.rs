//! The page's state and everything that can change it, as one reducer.
//! `reduce` is pure: the URL, storage and timers live in hooks (`hooks.rs`).

use std::collections::VecDeque;
use std::rc::Rc;

use causal_core::{
    replica_name, Command, Config, Conflicts, Delivery, ReplicaId, Scheduler, Simulation,
};
use yew::Reducible;

use crate::describe::{describe, Tone};
use crate::presets::{preset, Preset};
use crate::session::{Session, SESSION_VERSION};

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
    /// The engine.
    pub simulation: Simulation,
    /// Undone commands; the next to redo is last.
    pub redo: Vec<Command>,
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
    /// Go back one command.
    Undo,
    /// Redo the last undone command.
    Redo,
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
    /// Show an error that the page found (a card dropped on the wrong replica).
    Refuse(Notice),
    /// Hide the error.
    Dismiss,
}

impl Default for State {
    fn default() -> Self {
        State::fresh(Config::default())
    }
}

impl State {
    /// A fresh session under `config` (2 to 8 replicas; anything else falls
    /// back to the default configuration).
    pub fn fresh(config: Config) -> Self {
        let simulation = Simulation::new(config)
            .or_else(|_| Simulation::new(Config::default()))
            .unwrap_or_else(|_| unreachable_default());
        State {
            simulation,
            redo: Vec::new(),
            preset: None,
            seed: DEFAULT_SEED,
            playing: false,
            speed_ms: 800,
            log: VecDeque::new(),
            notice: None,
            changed: Vec::new(),
            revision: 0,
            next_log_id: 0,
        }
    }

    /// The state a saved session describes, or a fresh one with a message
    /// saying why the saved one could not be used.
    pub fn restore(saved: Option<&str>) -> Self {
        let Some(text) = saved else {
            return State::default();
        };
        match Session::restore(text) {
            Ok((session, simulation)) => {
                let mut state = State::fresh(session.config);
                state.simulation = simulation;
                state.redo = session.redo;
                state.seed = session.seed;
                state.preset = session
                    .preset
                    .and_then(|name| preset(&name).ok())
                    .map(|p| PresetInfo::of(&p));
                state
            }
            Err(why) => {
                let mut state = State::default();
                state.refuse(
                    Place::Page,
                    format!(
                        "The saved session could not be read ({why}), so a fresh one was started."
                    ),
                );
                state
            }
        }
    }

    /// The session to save.
    pub fn session(&self) -> Session {
        Session {
            version: SESSION_VERSION,
            config: self.simulation.config(),
            history: self.simulation.history().to_vec(),
            redo: self.redo.clone(),
            seed: self.seed,
            preset: self.preset.as_ref().map(|p| p.name.clone()),
        }
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

    /// Replaces the simulation, recording which clock entries changed.
    fn replace(&mut self, next: Simulation) {
        self.changed = clock_changes(&self.simulation, &next);
        self.simulation = next;
    }

    /// Applies a new command (which forgets what could be redone).
    fn apply(&mut self, command: Command, place: Place) {
        match self.run(command) {
            Ok(()) => self.redo.clear(),
            Err(why) => self.refuse(place, why),
        }
    }

    /// Applies a command and logs what it did.
    fn run(&mut self, command: Command) -> Result<(), String> {
        let mut next = self.simulation.clone();
        let events = next
            .apply(command)
            .map_err(|e| capitalise(&e.to_string()))?;
        let lines = describe(&events, next.messages());
        self.replace(next);
        self.notice = None;
        for (tone, text) in lines {
            self.note(tone, text);
        }
        Ok(())
    }

    fn rerun(&mut self, delivery: Delivery, conflicts: Conflicts) {
        match self.simulation.with_rules(delivery, conflicts) {
            Ok(next) => {
                let steps = next.history().len();
                self.replace(next);
                self.notice = None;
                self.note(
                    Tone::Plain,
                    format!("Re-ran the same {steps} steps under {delivery} delivery and {conflicts} conflicts."),
                );
            }
            Err(e) => self.refuse(Place::Page, capitalise(&e.to_string())),
        }
    }

    fn start_afresh(&mut self, config: Config, why: String) {
        match Simulation::new(config) {
            Ok(next) => {
                self.replace(next);
                self.redo.clear();
                self.preset = None;
                self.playing = false;
                self.notice = None;
                self.note(Tone::Plain, why);
            }
            Err(e) => self.refuse(Place::Page, capitalise(&e.to_string())),
        }
    }

    fn load_preset(&mut self, name: &str) {
        let loaded = preset(name).and_then(|p| {
            p.scenario
                .run()
                .map(|(simulation, _)| (p, simulation))
                .map_err(|e| format!("preset {name}: {e}"))
        });
        match loaded {
            Ok((p, simulation)) => {
                let info = PresetInfo::of(&p);
                self.replace(simulation);
                self.redo.clear();
                self.playing = false;
                self.notice = None;
                self.note(
                    Tone::Plain,
                    format!(
                        "Loaded \u{201c}{}\u{201d}: {} steps. Undo walks back through them.",
                        info.title,
                        p.scenario.steps.len()
                    ),
                );
                self.preset = Some(info);
            }
            Err(why) => self.refuse(Place::Page, why),
        }
    }

    fn undo(&mut self) {
        let steps = self.simulation.history().len();
        let Some(last) = self.simulation.history().last().cloned() else {
            self.refuse(Place::Page, "There is nothing to undo.".into());
            return;
        };
        match self.simulation.at_step(steps - 1) {
            Ok(previous) => {
                self.replace(previous);
                self.notice = None;
                self.note(Tone::Plain, format!("Undid: {}.", summary(&last)));
                self.redo.push(last);
            }
            Err(e) => self.refuse(Place::Page, capitalise(&e.to_string())),
        }
    }

    fn redo(&mut self) {
        let Some(command) = self.redo.pop() else {
            self.refuse(Place::Page, "There is nothing to redo.".into());
            return;
        };
        if let Err(why) = self.run(command.clone()) {
            self.redo.push(command);
            self.refuse(Place::Page, why);
        }
    }

    fn step(&mut self) {
        match Scheduler::new(self.seed).next(&self.simulation) {
            Some(command) => self.apply(command, Place::Page),
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
                Ok(()) => state.apply(
                    Command::Write {
                        replica,
                        key,
                        value,
                    },
                    Place::WriteForm(replica),
                ),
                Err(why) => state.refuse(Place::WriteForm(replica), why),
            },
            Action::Apply(command) => state.apply(command, Place::Page),
            Action::Undo => state.undo(),
            Action::Redo => state.redo(),
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
            Action::Refuse(notice) => state.notice = Some(notice),
            Action::Dismiss => state.notice = None,
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
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
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

/// The default configuration always starts; this only satisfies the types.
fn unreachable_default() -> Simulation {
    match Simulation::new(Config::default()) {
        Ok(s) => s,
        Err(_) => unreachable!("the default configuration is valid"),
    }
}
