//! Embeds every scenario file under `scenarios/`, every lesson file under
//! `lessons/` and every puzzle file under `lessons/puzzles/` in the page, so
//! the page and the tests load the very same files. A preset that the
//! engine refuses fails the build too.
//!
//! Lessons and puzzles are read and checked here, by the engine, so a bad
//! file fails the build with the engine's message, and the page gets them
//! checked (a lesson's questions already posed) without carrying the code
//! that checks them: the page embeds what the engine made of each file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use causal_core::{Lesson, Puzzle, Scenario};

fn main() {
    let scenarios: Vec<(PathBuf, Scenario)> = files("scenarios")
        .into_iter()
        .map(|path| {
            let scenario = Scenario::parse(&read(&path)).unwrap_or_else(|e| refuse(&path, e));
            (path, scenario)
        })
        .collect();
    let mut code = table(
        "Preset scenarios",
        "PRESETS",
        "&str",
        "file text",
        &scenarios,
        |(path, _)| format!("include_str!({:?})", path.display().to_string()),
    );
    // The selector's titles, so the page need not read every preset to list them.
    code += &table(
        "The presets' list",
        "PRESET_TITLES",
        "&str",
        "title (the file name if it has none)",
        &scenarios,
        |(path, scenario)| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            format!("{:?}", scenario.title.as_deref().unwrap_or(stem))
        },
    );
    write("presets.rs", &code);

    let lessons: Vec<(PathBuf, Lesson)> = files("lessons")
        .into_iter()
        .map(|path| {
            let lesson = Lesson::parse(&read(&path)).unwrap_or_else(|e| refuse(&path, e));
            (path, lesson)
        })
        .collect();
    code = table(
        "Guided lessons",
        "LESSONS",
        "&str",
        "the lesson as the engine read it, as JSON",
        &lessons,
        |(path, lesson)| format!("{:?}", json(path, lesson)),
    );
    code += &table(
        "The lessons' list",
        "CATALOGUE",
        "(&str, &str, usize)",
        "title, summary, number of steps",
        &lessons,
        |(_, lesson)| {
            format!(
                "({:?}, {:?}, {})",
                lesson.title,
                lesson.summary,
                lesson.steps.len()
            )
        },
    );
    write("lessons.rs", &code);

    let puzzles: Vec<(PathBuf, Puzzle)> = files("lessons/puzzles")
        .into_iter()
        .map(|path| {
            let puzzle = Puzzle::parse(&read(&path)).unwrap_or_else(|e| refuse(&path, e));
            (path, puzzle)
        })
        .collect();
    code = table(
        "Puzzles",
        "PUZZLES",
        "&str",
        "the puzzle as the engine read it, as JSON",
        &puzzles,
        |(path, puzzle)| format!("{:?}", json(path, puzzle)),
    );
    code += &table(
        "The puzzles' list",
        "PUZZLE_TITLES",
        "&str",
        "title",
        &puzzles,
        |(_, p)| format!("{:?}", p.title),
    );
    write("puzzles.rs", &code);
}

/// Every `.json` file of `dir` (not its sub-folders), in file-name order.
fn files(dir: &str) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={dir}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    files
}

/// A constant `name`: one entry per file, (file name without `.json`, `value`
/// of the entry), in file-name order.
fn table<T: AsRef<Path>, V>(
    what: &str,
    name: &str,
    ty: &str,
    kind: &str,
    entries: &[(T, V)],
    value: impl Fn(&(T, V)) -> String,
) -> String {
    let mut code = format!(
        "/// {what}: (file name without `.json`, {kind}).\npub const {name}: &[(&str, {ty})] = &[\n"
    );
    for entry in entries {
        let stem = entry
            .0
            .as_ref()
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let _ = writeln!(code, "    ({stem:?}, {}),", value(entry));
    }
    code.push_str("];\n");
    code
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| refuse(path, e))
}

fn json<T: serde::Serialize>(path: &Path, value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| refuse(path, e))
}

/// Fails the build with the file and the engine's reason:
/// `lessons/x.json: step 4: the act cannot be done here: ...`.
fn refuse(path: &Path, why: impl std::fmt::Display) -> ! {
    let file = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path);
    panic!("{}: {why}", file.display())
}

fn write(out: &str, code: &str) {
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join(out);
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
