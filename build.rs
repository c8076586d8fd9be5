//! Embeds every scenario file under `scenarios/`, every lesson file under
//! `lessons/` and every puzzle file under `lessons/puzzles/` in the page, so
//! the page and the tests load the very same files. A preset that the
//! engine refuses fails the build too.
//!
//! Lessons and puzzles are read and checked here, by the engine, so a bad
//! file fails the build with the engine's message, and the page gets them
//! checked (a lesson's questions already posed) without carrying the code
//! that checks them: the page embeds what the engine made of each file.
//!
//! What is embedded is Rust data, not JSON: static tables of the types in
//! `src/presets.rs`, `src/lessons.rs` and `src/puzzles.rs`, which the page
//! turns into the engine's values when one is opened, so it carries no JSON
//! reader for its own data (ARCHITECTURE.md, "Budgets"). Each writer below
//! names every field and variant, so a change to the engine's types fails
//! here until the page's tables follow it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use causal_core::{
    Choice, Command, Conflicts, Delivery, Goal, Lesson, Move, Posed, Puzzle, Reorder, Scenario,
    Step, Target, SCENARIO_VERSION,
};

fn main() {
    let scenarios: Vec<(PathBuf, Scenario)> = files("scenarios")
        .into_iter()
        .map(|path| {
            let scenario = Scenario::parse(&read(&path)).unwrap_or_else(|e| refuse(&path, e));
            (path, scenario)
        })
        .collect();
    let code = table(
        "Preset scenarios",
        "PRESETS",
        "ScenarioData",
        "the scenario as the engine read it",
        &scenarios,
        |(path, scenario)| scenario_data(path, scenario),
    );
    write("presets.rs", &code);

    let lessons: Vec<(PathBuf, Lesson)> = files("lessons")
        .into_iter()
        .map(|path| {
            let lesson = Lesson::parse(&read(&path)).unwrap_or_else(|e| refuse(&path, e));
            (path, lesson)
        })
        .collect();
    let code = table(
        "Guided lessons",
        "LESSONS",
        "LessonData",
        "the lesson as the engine read it, its questions posed",
        &lessons,
        |(path, lesson)| lesson_data(path, lesson),
    );
    write("lessons.rs", &code);

    let puzzles: Vec<(PathBuf, Puzzle)> = files("lessons/puzzles")
        .into_iter()
        .map(|path| {
            let puzzle = Puzzle::parse(&read(&path)).unwrap_or_else(|e| refuse(&path, e));
            (path, puzzle)
        })
        .collect();
    let code = table(
        "Puzzles",
        "PUZZLES",
        "PuzzleData",
        "the puzzle as the engine read it",
        &puzzles,
        |(path, puzzle)| puzzle_data(path, puzzle),
    );
    write("puzzles.rs", &code);
}

/// `presets::ScenarioData`.
fn scenario_data(path: &Path, scenario: &Scenario) -> String {
    let Scenario {
        version,
        title,
        description,
        replicas,
        delivery,
        conflicts,
        steps,
        reorders,
    } = scenario;
    if *version != SCENARIO_VERSION {
        refuse(path, format!("version {version} cannot be embedded"));
    }
    let steps: Vec<String> = steps.iter().map(command_data).collect();
    let reorders: Vec<String> = reorders
        .iter()
        .map(
            |Reorder {
                 after,
                 to,
                 index,
                 position,
             }| {
                format!(
                    "Reorder {{ after: {after}, to: {to}, index: {index}, position: {position} }}"
                )
            },
        )
        .collect();
    format!(
        "ScenarioData {{ title: {}, description: {}, replicas: {replicas}, delivery: {}, conflicts: {}, steps: &[{}], reorders: &[{}] }}",
        option_text(title.as_deref()),
        option_text(description.as_deref()),
        delivery_path(*delivery),
        conflicts_path(*conflicts),
        steps.join(", "),
        reorders.join(", "),
    )
}

/// `presets::CommandData`: a write's texts as `&'static str`, any other
/// command as the engine's own value (it holds no text).
fn command_data(command: &Command) -> String {
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => format!("CommandData::Write({replica}, {key:?}, {value:?})"),
        other => format!("CommandData::Other({})", command_expr(other)),
    }
}

/// A command with no text, as a constant expression.
fn command_expr(command: &Command) -> String {
    match command {
        Command::Write { .. } => unreachable!("a write is CommandData::Write"),
        Command::Deliver { message, to } => {
            format!(
                "Command::Deliver {{ message: MessageId({}), to: {to} }}",
                message.0
            )
        }
        Command::Drop { message, to } => {
            format!(
                "Command::Drop {{ message: MessageId({}), to: {to} }}",
                message.0
            )
        }
        Command::Duplicate { message, to } => {
            format!(
                "Command::Duplicate {{ message: MessageId({}), to: {to} }}",
                message.0
            )
        }
        Command::DeliverAll => "Command::DeliverAll".into(),
        Command::DeliverNext { to } => format!("Command::DeliverNext {{ to: {to} }}"),
        Command::Reorder {
            to,
            index,
            position,
        } => format!("Command::Reorder {{ to: {to}, index: {index}, position: {position} }}"),
    }
}

/// `lessons::LessonData`.
fn lesson_data(path: &Path, lesson: &Lesson) -> String {
    let Lesson {
        title,
        summary,
        start,
        steps,
        next,
    } = lesson;
    let steps: Vec<String> = steps.iter().map(step_data).collect();
    format!(
        "LessonData {{ title: {title:?}, summary: {summary:?}, start: {}, steps: &[\n        {}\n    ], next: {next:?} }}",
        scenario_data(path, start),
        steps.join(",\n        "),
    )
}

/// `lessons::StepData`.
fn step_data(step: &Step) -> String {
    match step {
        Step::Read { text, highlight } => format!(
            "StepData::Read {{ text: {text:?}, highlight: {} }}",
            targets(highlight)
        ),
        Step::Act {
            text,
            highlight,
            expect,
        } => format!(
            "StepData::Act {{ text: {text:?}, highlight: {}, expect: {} }}",
            targets(highlight),
            command_data(expect)
        ),
        Step::Predict {
            text,
            highlight,
            under,
            posed:
                Posed {
                    prompt,
                    choices,
                    answer,
                },
        } => {
            let under = match under {
                Some((delivery, conflicts)) => format!(
                    "Some(({}, {}))",
                    delivery_path(*delivery),
                    conflicts_path(*conflicts)
                ),
                None => "None".into(),
            };
            let choices: Vec<String> = choices
                .iter()
                .map(|Choice { label, why }| format!("({label:?}, {why:?})"))
                .collect();
            format!(
                "StepData::Predict {{ text: {text:?}, highlight: {}, under: {under}, prompt: {prompt:?}, choices: &[{}], answer: {answer} }}",
                targets(highlight),
                choices.join(", ")
            )
        }
    }
}

/// A lesson step's highlights: `Target` holds no owned text, so the engine's
/// values are written as they are.
fn targets(targets: &[Target]) -> String {
    let targets: Vec<String> = targets
        .iter()
        .map(|target| match target {
            Target::Part(part, replica) => format!("Target::Part({part:?}, {replica})"),
            Target::Message(message) => format!("Target::Message(MessageId({}))", message.0),
            Target::Page(page) => format!("Target::Page({page:?})"),
        })
        .collect();
    format!("&[{}]", targets.join(", "))
}

/// `puzzles::PuzzleData`.
fn puzzle_data(path: &Path, puzzle: &Puzzle) -> String {
    let Puzzle {
        title,
        description,
        rule,
        start,
        goal,
        moves,
    } = puzzle;
    let moves: Vec<String> = moves
        .iter()
        .map(|m| {
            match m {
                Move::Deliver => "Move::Deliver",
                Move::Drop => "Move::Drop",
                Move::Duplicate => "Move::Duplicate",
            }
            .to_string()
        })
        .collect();
    format!(
        "PuzzleData {{ title: {title:?}, description: {description:?}, rule: {}, start: {}, goal: || {}, moves: &[{}] }}",
        delivery_path(*rule),
        scenario_data(path, start),
        goal_expr(goal),
        moves.join(", ")
    )
}

/// A goal as an expression that builds it (it may hold texts and a list, so
/// it is built when the puzzle is opened).
fn goal_expr(goal: &Goal) -> String {
    let replica = |r: &Option<usize>| match r {
        Some(r) => format!("Some({r})"),
        None => "None".into(),
    };
    match goal {
        Goal::Disagree {
            key,
            replicas: [a, b],
        } => format!("Goal::Disagree {{ key: {key:?}.into(), replicas: [{a}, {b}] }}"),
        Goal::Value {
            replica,
            key,
            value,
        } => format!(
            "Goal::Value {{ replica: {replica}, key: {key:?}.into(), value: {value:?}.into() }}"
        ),
        Goal::Violation { replica: r } => format!("Goal::Violation {{ replica: {} }}", replica(r)),
        Goal::Holding { replica, count } => {
            format!("Goal::Holding {{ replica: {replica}, count: {count} }}")
        }
        Goal::Delivered { message, at } => format!(
            "Goal::Delivered {{ message: MessageId({}), at: {at} }}",
            message.0
        ),
        Goal::InFlight { message, to } => format!(
            "Goal::InFlight {{ message: MessageId({}), to: {} }}",
            message.0,
            replica(to)
        ),
        Goal::NothingInFlight => "Goal::NothingInFlight".into(),
        Goal::All { goals } => {
            let goals: Vec<String> = goals.iter().map(goal_expr).collect();
            format!("Goal::All {{ goals: vec![{}] }}", goals.join(", "))
        }
    }
}

fn delivery_path(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Causal => "Delivery::Causal",
        Delivery::Fifo => "Delivery::Fifo",
        Delivery::Unordered => "Delivery::Unordered",
    }
}

fn conflicts_path(conflicts: Conflicts) -> &'static str {
    match conflicts {
        Conflicts::Overwrite => "Conflicts::Overwrite",
        Conflicts::Lww => "Conflicts::Lww",
        Conflicts::MultiValue => "Conflicts::MultiValue",
    }
}

fn option_text(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("Some({text:?})"),
        None => "None".into(),
    }
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

/// A static `name`: one entry per file, (file name without `.json`, `value`
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
        "/// {what}: (file name without `.json`, {kind}).\npub static {name}: &[(&str, {ty})] = &[\n"
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
