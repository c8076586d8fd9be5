//! The guided lessons: every file under `lessons/` (not its sub-folders),
//! read and checked by the engine ([`causal_core::Lesson`]) at build time
//! (build.rs) and embedded as static data, which becomes the engine's
//! [`Lesson`] when it is opened (the page reads no JSON for it).

use std::rc::Rc;

use causal_core::{Choice, Command, Conflicts, Delivery, Lesson, MessageId, Posed, Step, Target};

use crate::data::presets::{CommandData, ScenarioData};

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// A lesson as build.rs embeds it: the fields of [`Lesson`], its questions
/// already posed by the engine.
#[derive(Debug)]
pub struct LessonData {
    /// [`Lesson::title`].
    pub title: &'static str,
    /// [`Lesson::summary`].
    pub summary: &'static str,
    /// [`Lesson::start`].
    pub start: ScenarioData,
    /// [`Lesson::steps`].
    pub steps: &'static [StepData],
    /// [`Lesson::next`].
    pub next: &'static str,
}

/// A [`Step`] as build.rs embeds it.
#[derive(Debug)]
#[allow(missing_docs)]
pub enum StepData {
    Read {
        text: &'static str,
        highlight: &'static [Target],
    },
    Act {
        text: &'static str,
        highlight: &'static [Target],
        expect: CommandData,
    },
    /// The question's prompt, its choices (label, why) and the right one.
    Predict {
        text: &'static str,
        highlight: &'static [Target],
        under: Option<(Delivery, Conflicts)>,
        prompt: &'static str,
        choices: &'static [(&'static str, &'static str)],
        answer: usize,
    },
}

impl LessonData {
    /// The engine's lesson.
    pub fn lesson(&self) -> Lesson {
        Lesson {
            title: self.title.into(),
            summary: self.summary.into(),
            start: self.start.scenario(),
            steps: self.steps.iter().map(StepData::step).collect(),
            next: self.next.into(),
        }
    }
}

impl StepData {
    fn step(&self) -> Step {
        match self {
            StepData::Read { text, highlight } => Step::Read {
                text: (*text).into(),
                highlight: highlight.to_vec(),
            },
            StepData::Act {
                text,
                highlight,
                expect,
            } => Step::Act {
                text: (*text).into(),
                highlight: highlight.to_vec(),
                expect: expect.command(),
            },
            StepData::Predict {
                text,
                highlight,
                under,
                prompt,
                choices,
                answer,
            } => Step::Predict {
                text: (*text).into(),
                highlight: highlight.to_vec(),
                under: *under,
                posed: Posed {
                    prompt: (*prompt).into(),
                    choices: choices
                        .iter()
                        .map(|(label, why)| Choice {
                            label: (*label).into(),
                            why: (*why).into(),
                        })
                        .collect(),
                    answer: *answer,
                },
            },
        }
    }
}

/// A lesson in the list: its name (file name without `.json`), title and summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file name without `.json`: `#lesson=NAME`.
    pub name: &'static str,
    /// Its title.
    pub title: String,
    /// One sentence.
    pub summary: String,
    /// How many steps it has.
    pub steps: usize,
}

/// The lesson named `name`, or why it cannot be opened (a phrase the page
/// puts in its own sentence).
pub fn lesson(name: &str) -> Result<Rc<Lesson>, String> {
    let (_, data) = LESSONS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let shown: String = name.chars().take(40).collect();
        format!("there is no lesson named {shown:?}")
    })?;
    Ok(Rc::new(data.lesson()))
}

/// Every lesson, in the order a learner should take them.
pub fn catalogue() -> Vec<Entry> {
    let mut entries: Vec<Entry> = LESSONS
        .iter()
        .map(|(name, data)| Entry {
            name,
            title: data.title.to_string(),
            summary: data.summary.to_string(),
            steps: data.steps.len(),
        })
        .collect();
    entries.sort_by_key(|e| {
        ORDER
            .iter()
            .position(|n| *n == e.name)
            .unwrap_or(ORDER.len())
    });
    entries
}

/// The order of the course; lessons not named here come after, by name.
const ORDER: [&str; 5] = [
    "vector-clocks",
    "why-hold-back",
    "fifo-is-not-causal",
    "concurrent-writes",
    "lost-and-duplicated",
];

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_each_lesson_as_the_engine_reads_its_file() {
        assert!(!LESSONS.is_empty());
        for (name, _) in LESSONS {
            let path = format!("{}/lessons/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let file = std::fs::read_to_string(&path).unwrap();
            let read = Lesson::parse(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(*lesson(name).unwrap(), read, "{name}");
            let entry = catalogue().into_iter().find(|e| e.name == *name).unwrap();
            assert_eq!(
                (entry.title, entry.summary, entry.steps),
                (read.title, read.summary, read.steps.len())
            );
        }
        assert!(lesson("nope").is_err());
    }
}
