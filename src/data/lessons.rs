//! The guided lessons: every file under `lessons/` (not its sub-folders),
//! read and checked by the engine ([`causal_core::Lesson`]) at build time
//! (build.rs) and embedded as the engine made them.

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
    crate::data::json::from_json(text)
        .map(Rc::new)
        .map_err(|e| format!("Lesson {name} cannot be opened: {e}."))
}

/// Every lesson, in the order a learner should take them.
pub fn catalogue() -> Vec<Entry> {
    let mut entries: Vec<Entry> = CATALOGUE
        .iter()
        .map(|&(name, (title, summary, steps))| Entry {
            name,
            title: title.to_string(),
            summary: summary.to_string(),
            steps,
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
        assert_eq!(LESSONS.len(), CATALOGUE.len());
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
