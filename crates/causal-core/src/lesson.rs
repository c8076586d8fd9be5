//! Guided lessons: a data file under `lessons/` (the README's "Writing a
//! lesson" documents it) that starts from a scenario and walks the learner
//! through steps to read, to do on the page, and to predict.
//!
//! [`Lesson::parse`] reads and checks a file in one go: it plays the start,
//! then each `act` in turn (each must be a valid command where it stands), and
//! poses each prediction to the state it stands at, so the right answer and
//! the choices come from the engine. A lesson that parses can be completed.
//!
//! ```json
//! {
//!   "version": 1,
//!   "title": "Why hold back",
//!   "summary": "Alice posts, Bob replies, Carol sees the reply first.",
//!   "start": {"version": 1, "replicas": 3, "steps": [...]},
//!   "steps": [
//!     {"kind": "read", "text": "...", "highlight": ["lane-2"]},
//!     {"kind": "predict", "question": {"ask": "outcome", "message": 2, "to": 2}},
//!     {"kind": "act", "expect": {"op": "deliver", "message": 2, "to": 2}}
//!   ],
//!   "next": "What to try next, in a sentence or two."
//! }
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::explain::{instruction, short};
use crate::question::{Posed, Question};
use crate::{Command, Conflicts, Delivery, MessageId, ReplicaId, Report, Scenario, Simulation};

/// The only lesson file version there is.
pub const LESSON_VERSION: u32 = 1;

/// What a step points at, by its name in the file: a replica or one of its
/// parts, a message, or one of the page's panels. The page finds the
/// elements (`src/features/lesson_effects.rs`); the engine only checks they exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `replica-i`, `clock-i`, `store-i`, `held-i`, `lane-i`, `write-i`: a
    /// replica's panel or one of its parts (its `data-testid` on the page).
    Part(&'static str, ReplicaId),
    /// `message-m`: the cards (and held entries) of message m.
    Message(MessageId),
    /// `delivery`, `conflicts`, `diagram`, `timeline`, `violations`,
    /// `converged`, `undo`, `rule-at-work`: one element of the page.
    Page(&'static str),
}

const PARTS: [&str; 6] = ["replica", "clock", "store", "held", "lane", "write"];
const PAGE: [&str; 8] = [
    "delivery",
    "conflicts",
    "diagram",
    "timeline",
    "violations",
    "converged",
    "undo",
    "rule-at-work",
];

impl Target {
    /// Reads `clock-2`, `message-3`, `diagram`, ...
    pub fn parse(name: &str) -> Result<Target, String> {
        if let Some(page) = PAGE.iter().find(|p| **p == name) {
            return Ok(Target::Page(page));
        }
        let known = || {
            format!(
                "{name:?} is not a page element a lesson can highlight (one of {}-N, message-N, {})",
                PARTS.join("-N, "),
                PAGE.join(", ")
            )
        };
        let (part, number) = name.rsplit_once('-').ok_or_else(known)?;
        let number: u32 = number.parse().map_err(|_| known())?;
        if part == "message" {
            return Ok(Target::Message(MessageId(number)));
        }
        let part = PARTS.iter().find(|p| **p == part).ok_or_else(known)?;
        Ok(Target::Part(part, number as ReplicaId))
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Target, D::Error> {
        let name = String::deserialize(deserializer)?;
        Target::parse(&name).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Part(part, i) => write!(f, "{part}-{i}"),
            Target::Message(m) => write!(f, "message-{}", m.0),
            Target::Page(name) => f.write_str(name),
        }
    }
}

/// One step of a lesson, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Text to read, with the elements it talks about.
    Read {
        /// A few sentences.
        text: String,
        /// What to highlight.
        highlight: Vec<Target>,
    },
    /// Something the learner does on the page; the lesson goes on when it
    /// is done.
    Act {
        /// The instruction (the file's, or the engine's wording of `expect`).
        text: String,
        /// What to highlight.
        highlight: Vec<Target>,
        /// The scenario step the learner must perform.
        expect: Command,
    },
    /// A question to answer before going on.
    Predict {
        /// A sentence to set the question up (may be empty).
        text: String,
        /// What to highlight.
        highlight: Vec<Target>,
        /// The rules the question is asked under, when not the run's own:
        /// the same history played under another rule.
        under: Option<(Delivery, Conflicts)>,
        /// The question put to the state at this step: choices and answer.
        posed: Posed,
    },
}

impl Step {
    /// `read`, `act` or `predict` (the page's `data-kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Read { .. } => "read",
            Step::Act { .. } => "act",
            Step::Predict { .. } => "predict",
        }
    }

    /// The step's text.
    pub fn text(&self) -> &str {
        match self {
            Step::Read { text, .. } | Step::Act { text, .. } | Step::Predict { text, .. } => text,
        }
    }

    /// The elements to highlight while the step is shown.
    pub fn highlight(&self) -> &[Target] {
        match self {
            Step::Read { highlight, .. }
            | Step::Act { highlight, .. }
            | Step::Predict { highlight, .. } => highlight,
        }
    }
}

/// A lesson, read and checked.
///
/// Its serde form is not the lesson file: it is what [`Lesson::parse`] made
/// of one (questions already posed), written at build time so the page gets
/// lessons checked and posed without the cost of doing it; reading it back
/// checks nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    /// Its title.
    pub title: String,
    /// One sentence for the list of lessons.
    pub summary: String,
    /// The scenario the lesson opens on (played to its end).
    pub start: Scenario,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// What to try next, shown at the end.
    pub next: String,
}

/// Why a lesson file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonError {
    /// Not a JSON object of the expected shape.
    Malformed(String),
    /// The start scenario is refused.
    Start(String),
    /// Step `step` (from 1) is malformed, cannot be done, or asks what
    /// cannot be answered.
    Step {
        /// Which step, from 1.
        step: usize,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LessonError::Malformed(why) => write!(f, "not a lesson file: {why}"),
            LessonError::Start(why) => write!(f, "start: {why}"),
            LessonError::Step { step, reason } => write!(f, "step {step}: {reason}"),
        }
    }
}

impl std::error::Error for LessonError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    version: u32,
    title: String,
    summary: String,
    start: serde_json::Value,
    steps: Vec<serde_json::Value>,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum RawStep {
    Read {
        text: String,
        #[serde(default)]
        highlight: Vec<String>,
    },
    Act {
        #[serde(default)]
        text: String,
        #[serde(default)]
        highlight: Vec<String>,
        expect: Command,
    },
    Predict {
        #[serde(default)]
        text: String,
        #[serde(default)]
        highlight: Vec<String>,
        question: Question,
        #[serde(default)]
        delivery: Option<Delivery>,
        #[serde(default)]
        conflicts: Option<Conflicts>,
    },
}

/// Whether `performed`, done on `before`, is the act `expected`: the same
/// command, or one with the same effect (a deliver of the lane's first card
/// as a deliver-next). Otherwise the learner is told what was expected, and
/// how to get back on track.
pub fn check_act(
    before: &Simulation,
    expected: &Command,
    performed: &Command,
) -> Result<(), String> {
    if performed == expected {
        return Ok(());
    }
    let refused = || format!("That was not {}: undo it and try again.", short(expected));
    let is_reorder = |c: &Command| matches!(c, Command::Reorder { .. });
    if is_reorder(expected) || is_reorder(performed) {
        return Err(refused());
    }
    let after = |command: &Command| {
        let mut sim = before.clone();
        sim.apply(command.clone()).ok().map(|_| Report::of(&sim))
    };
    match (after(expected), after(performed)) {
        (Some(want), Some(got)) if want == got => Ok(()),
        _ => Err(refused()),
    }
}

impl Lesson {
    /// Reads a lesson file and checks it against the engine: the start
    /// plays, every `act` is a valid command at its step, every question can
    /// be answered at its step, every highlighted element exists.
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        let raw: RawLesson =
            serde_json::from_str(text).map_err(|e| LessonError::Malformed(e.to_string()))?;
        if raw.version != LESSON_VERSION {
            return Err(LessonError::Malformed(format!(
                "version must be {LESSON_VERSION}, not {}",
                raw.version
            )));
        }
        for (field, value) in [("title", &raw.title), ("summary", &raw.summary)] {
            if value.trim().is_empty() {
                return Err(LessonError::Malformed(format!("{field} is empty")));
            }
        }
        if raw.steps.is_empty() {
            return Err(LessonError::Malformed(
                "a lesson needs at least one step".into(),
            ));
        }
        let start = Scenario::parse(&raw.start.to_string())
            .map_err(|e| LessonError::Start(e.to_string()))?;
        let mut simulation = start
            .run()
            .map_err(|e| LessonError::Start(e.to_string()))?
            .0;
        let mut steps = Vec::with_capacity(raw.steps.len());
        let mut named_messages = Vec::new();
        for (i, value) in raw.steps.into_iter().enumerate() {
            let fail = |reason: String| LessonError::Step {
                step: i + 1,
                reason,
            };
            let raw: RawStep = serde_json::from_value(value).map_err(|e| fail(e.to_string()))?;
            let (highlight, step) = match raw {
                RawStep::Read { text, highlight } => {
                    if text.trim().is_empty() {
                        return Err(fail("a read step needs some text".into()));
                    }
                    (
                        highlight,
                        Step::Read {
                            text,
                            highlight: Vec::new(),
                        },
                    )
                }
                RawStep::Act {
                    text,
                    highlight,
                    expect,
                } => {
                    simulation
                        .apply(expect.clone())
                        .map_err(|e| fail(format!("the act cannot be done here: {e}")))?;
                    let text = if text.trim().is_empty() {
                        instruction(&expect)
                    } else {
                        text
                    };
                    (
                        highlight,
                        Step::Act {
                            text,
                            highlight: Vec::new(),
                            expect,
                        },
                    )
                }
                RawStep::Predict {
                    text,
                    highlight,
                    question,
                    delivery,
                    conflicts,
                } => {
                    let config = simulation.config();
                    let under = (delivery.is_some() || conflicts.is_some()).then(|| {
                        (
                            delivery.unwrap_or(config.delivery),
                            conflicts.unwrap_or(config.conflicts),
                        )
                    });
                    let posed = match under {
                        None => question.pose(&simulation),
                        Some((d, c)) => {
                            let other = simulation
                                .with_rules(d, c)
                                .map_err(|e| fail(e.to_string()))?;
                            let mut rules = Vec::new();
                            if d != config.delivery {
                                rules.push(format!("{d} delivery"));
                            }
                            if c != config.conflicts {
                                rules.push(c.to_string());
                            }
                            question.pose(&other).map(|mut posed| {
                                if !rules.is_empty() {
                                    let mut prompt = posed.prompt.chars();
                                    let first = prompt.next().map(|c| c.to_ascii_lowercase());
                                    posed.prompt = format!(
                                        "Under {}, {}{}",
                                        rules.join(" and "),
                                        first.map(String::from).unwrap_or_default(),
                                        prompt.as_str()
                                    );
                                }
                                posed
                            })
                        }
                    }
                    .map_err(&fail)?;
                    posed.check().map_err(&fail)?;
                    (
                        highlight,
                        Step::Predict {
                            text,
                            highlight: Vec::new(),
                            under,
                            posed,
                        },
                    )
                }
            };
            let mut targets = Vec::with_capacity(highlight.len());
            for name in &highlight {
                let target = Target::parse(name).map_err(&fail)?;
                match target {
                    Target::Part(_, r) if r >= start.replicas => {
                        return Err(fail(format!(
                            "{name}: replica {r} does not exist: there are {}, numbered 0 to {}",
                            start.replicas,
                            start.replicas - 1
                        )))
                    }
                    Target::Message(m) => named_messages.push((i + 1, name.clone(), m)),
                    _ => {}
                }
                targets.push(target);
            }
            steps.push(with_highlight(step, targets));
        }
        // A step may point at a message written later in the lesson.
        if let Some((step, name, _)) = named_messages
            .into_iter()
            .find(|(_, _, m)| simulation.messages().get(*m).is_none())
        {
            return Err(LessonError::Step {
                step,
                reason: format!("{name}: that message is never written in this lesson"),
            });
        }
        Ok(Lesson {
            title: raw.title,
            summary: raw.summary,
            start,
            steps,
            next: raw.next,
        })
    }

    /// The state the lesson opens on: the start scenario played to its end.
    pub fn opening(&self) -> Simulation {
        // `parse` played it.
        self.start
            .run()
            .map(|(simulation, _)| simulation)
            .unwrap_or_default()
    }

    /// The state at step `index` (from 0): the opening with every `act`
    /// before it done. Predictions were posed to it.
    pub fn state_at(&self, index: usize) -> Simulation {
        let mut simulation = self.opening();
        for step in self.steps.iter().take(index) {
            if let Step::Act { expect, .. } = step {
                // `parse` checked every act where it stands.
                let _ = simulation.apply(expect.clone());
            }
        }
        simulation
    }
}

fn with_highlight(step: Step, targets: Vec<Target>) -> Step {
    match step {
        Step::Read { text, .. } => Step::Read {
            text,
            highlight: targets,
        },
        Step::Act { text, expect, .. } => Step::Act {
            text,
            highlight: targets,
            expect,
        },
        Step::Predict {
            text, under, posed, ..
        } => Step::Predict {
            text,
            highlight: targets,
            under,
            posed,
        },
    }
}
