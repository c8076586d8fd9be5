//! The guided lessons: every file under `lessons/` (not its sub-folders),
//! embedded at build time, read by the engine ([`causal_core::Lesson`]).

use std::rc::Rc;

use causal_core::Lesson;

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

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

/// The lesson named `name`, read and checked, or why it cannot be opened
/// (a sentence for the page).
pub fn lesson(name: &str) -> Result<Rc<Lesson>, String> {
    let (name, text) = LESSONS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let shown: String = name.chars().take(40).collect();
        format!("there is no lesson named {shown:?}")
    })?;
    Lesson::parse(text)
        .map(Rc::new)
        .map_err(|e| format!("Lesson {name} cannot be opened: {e}."))
}

/// Every lesson that reads, in the order a learner should take them.
pub fn catalogue() -> Vec<Entry> {
    let mut entries: Vec<Entry> = LESSONS
        .iter()
        .filter_map(|(name, text)| {
            let lesson = Lesson::parse(text).ok()?;
            Some(Entry {
                name,
                steps: lesson.steps.len(),
                title: lesson.title,
                summary: lesson.summary,
            })
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
