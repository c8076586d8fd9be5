//! `causal-sim`: runs a scenario file natively and prints its outcome.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufWriter, ErrorKind, Read, Write};
use std::process::ExitCode;

use causal_core::{explain, quoted, Conflicts, MAX_REPLICAS, MIN_REPLICAS};
use causal_core::{
    Census, Command, Delivery, Event, Puzzle, Report, Scenario, Simulation, Solution, StepError,
};
use causal_core::{ShivizLog, SHIVIZ_REGEX};
use clap::error::{ContextKind, ContextValue, ErrorKind as UsageError};
use clap::{Args, CommandFactory, Parser, Subcommand};
use serde::Serialize;

/// causal-sim: run a Causal Playground scenario file natively.
#[derive(Parser)]
#[command(name = "causal-sim", disable_version_flag = true)]
struct Cli {
    #[command(subcommand)]
    command: Do,
}

/// What to do with the file.
#[derive(Subcommand)]
enum Do {
    /// play every step, then print the state report (JSON):
    /// each replica's clock, store, held and delivered messages, the copies
    /// in flight, the violations, and whether the replicas agree
    Run(File),
    /// print one JSON line per event, with its step number
    Trace(File),
    /// print the run as a ShiViz log: the first line is the regular
    /// expression ShiViz needs, then an empty line, then the log
    Shiviz(File),
    /// count every order in which the copies in flight at the end of FILE
    /// can be received (each once): the orders, those that break causal
    /// order, those that end with replicas that disagree, and each distinct
    /// outcome with its orders and one of them (JSON); at most 12 copies in
    /// flight
    Census(File),
    /// the fewest moves that solve a puzzle file (lessons/puzzles/*.json)
    /// and one shortest solution, under its rule and under each other rule
    /// (JSON); a search gives up after 200,000 states or about 256 MB, and
    /// says so ("verdict": "not-found")
    Solve(PuzzleFile),
}

/// The scenario file a command reads.
#[derive(Args)]
struct File {
    /// a scenario file (version 1), or - for standard input
    #[arg(value_name = "FILE")]
    file: String,
}

/// The puzzle file `solve` reads.
#[derive(Args)]
struct PuzzleFile {
    /// a puzzle file, or - for standard input
    #[arg(value_name = "PUZZLE")]
    file: String,
}

impl Do {
    /// Its name on the command line, and the file it reads.
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Do::Run(f) => ("run", &f.file),
            Do::Trace(f) => ("trace", &f.file),
            Do::Shiviz(f) => ("shiviz", &f.file),
            Do::Census(f) => ("census", &f.file),
            Do::Solve(f) => ("solve", &f.file),
        }
    }
}

/// What the command line asks for.
enum Parsed {
    Help,
    Run(Do),
}

/// Reads the command line; bad usage is a one-line reason, as bad input is.
fn parse(args: &[OsString]) -> Result<Parsed, String> {
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(Parsed::Run(cli.command)),
        Err(e) => match e.kind() {
            UsageError::DisplayHelp => Ok(Parsed::Help),
            UsageError::InvalidSubcommand => {
                let name = match e.get(ContextKind::InvalidSubcommand) {
                    Some(ContextValue::String(name)) => name.clone(),
                    _ => String::new(),
                };
                Err(format!(
                    "unknown command {}: use {} (see causal-sim --help)",
                    quoted(&name),
                    either(&names())
                ))
            }
            _ => Err(usage()),
        },
    }
}

/// The commands' names, as the help and the usage line list them.
fn names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// "run, trace, shiviz, census or solve".
fn either(names: &[String]) -> String {
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The one-line usage that bad usage prints.
fn usage() -> String {
    format!(
        "usage: causal-sim {} FILE (see causal-sim --help)",
        names().join("|")
    )
}

/// The help: the commands with what they read, from the command line's
/// own types; the file's format, its lists from the engine's.
fn help() -> String {
    let cli = Cli::command();
    let usage: Vec<String> = cli
        .get_subcommands()
        .map(|c| {
            let file = c
                .get_positionals()
                .filter_map(|a| a.get_value_names()?.first().map(|n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ");
            format!("    causal-sim {} {file}", c.get_name())
        })
        .collect();
    let width = usage.iter().map(String::len).max().unwrap_or(0) + 2;
    let mut text =
        String::from("causal-sim: run a Causal Playground scenario file natively.\n\nUSAGE:\n");
    for (line, command) in usage.iter().zip(cli.get_subcommands()) {
        let about = command
            .get_about()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let mut lines = wrap(&about, 78 - width).into_iter();
        text.push_str(&format!(
            "{line:width$}{}\n",
            lines.next().unwrap_or_default()
        ));
        for more in lines {
            text.push_str(&format!("{:width$}{more}\n", ""));
        }
    }
    text.push_str(&format!(
        "{:width$}print this help\n",
        "    causal-sim --help"
    ));
    let names = |names: Vec<&str>| either(&names.into_iter().map(String::from).collect::<Vec<_>>());
    let examples = [
        Command::write(0, "x", "1"),
        Command::deliver(1, 1),
        Command::drop(1, 2),
        Command::duplicate(1, 2),
        Command::DeliverAll,
        Command::DeliverNext { to: 1 },
        Command::Reorder {
            to: 1,
            index: 2,
            position: 0,
        },
    ];
    let steps: Vec<(String, String)> = examples
        .iter()
        .map(|c| {
            let json = serde_json::to_string(c).unwrap_or_default();
            (
                json.replace(",\"", ", \"").replace("\":", "\": "),
                explain::instruction(c),
            )
        })
        .collect();
    text.push_str(&format!(
        "
FILE is a scenario file (version 1), or - for standard input:
    {{\"version\": 1, \"replicas\": 3, \"delivery\": \"causal\", \"conflicts\": \"overwrite\",
     \"steps\": [...]}}
delivery is {};
conflicts is {}; replicas is {MIN_REPLICAS} to {MAX_REPLICAS}.
Each step is one of, for example
",
        names(Delivery::ALL.iter().map(|d| d.name()).collect()),
        names(Conflicts::ALL.iter().map(|c| c.name()).collect()),
    ));
    for (json, words) in steps {
        text.push_str(&format!("    {json}\n        {words}\n"));
    }
    text.push_str(AFTER);
    text
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

const AFTER: &str = "
A deliver, drop or duplicate takes the earliest copy of the message in
flight to that replica; deliver-all delivers every copy in sending order.

EXAMPLE:
    $ echo '{\"version\": 1, \"steps\": [
        {\"op\": \"write\", \"replica\": 0, \"key\": \"x\", \"value\": \"1\"},
        {\"op\": \"deliver\", \"message\": 1, \"to\": 1}]}' | causal-sim run -
    {\"replicas\":[{\"replica\":0,\"clock\":[1,0,0],\"store\":{\"x\":\"1\"},...},...],
     \"in_flight\":[{\"message\":1,\"from\":0,\"to\":2}],\"violations\":[],\"converged\":false}

FILE may start with a UTF-8 byte order mark; at most 128 MiB is read (a
larger or endless input is refused).

Exit status: 0 on success; 2 on bad input, with a one-line reason on
standard error (e.g. `step 4: message 3 is not in flight to replica 1`),
quoting the input shortened, and nothing on standard output; 1 when the
output cannot be written (a full disk, standard output closed), with the
reason. A reader that stops reading early (`| head`) ends it quietly.
";

/// The most `causal-sim` reads: a larger input (or an endless one, such as
/// `yes | causal-sim run -`) is refused once this much has been read.
const MAX_INPUT: u64 = 128 * 1024 * 1024;

/// The longest line `causal-sim` writes on standard error.
const MAX_REASON: usize = 300;

/// A trace line: the step that caused the event, then the event.
#[derive(Serialize)]
struct TraceLine<'a> {
    step: usize,
    #[serde(flatten)]
    event: &'a Event,
}

/// How a command ended badly.
enum Failure {
    /// Bad input or usage: exit 2, nothing on standard output.
    Input(String),
    /// The output could not be written: exit 1.
    Output(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    let result = match parse(&args) {
        Ok(Parsed::Help) => stdout.write_all(help().as_bytes()).map_err(Failure::Output),
        Ok(Parsed::Run(command)) => {
            let (command, file) = command.parts();
            run(command, file, &mut stdout)
        }
        Err(reason) => Err(Failure::Input(reason)),
    };
    let result = result.and_then(|()| stdout.flush().map_err(Failure::Output));
    let result = result.and_then(|()| {
        if stdout_closed() {
            Err(Failure::Output(std::io::Error::other(
                "standard output is closed",
            )))
        } else {
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(reason)) => {
            say(&reason);
            ExitCode::from(2)
        }
        // A reader that stopped reading (`| head`) is not an error worth
        // reporting; any other failure to write is.
        Err(Failure::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            say(&format!("cannot write the output: {e}"));
            ExitCode::from(1)
        }
    }
}

/// Whether standard output was closed when causal-sim started (`>&-`):
/// Rust's runtime then opens /dev/null in its place, for reading and
/// writing, and whatever is printed would vanish without a word. An output
/// sent to /dev/null on purpose (`> /dev/null`) is opened for writing only.
fn stdout_closed() -> bool {
    #[cfg(target_os = "linux")]
    {
        let null = std::fs::read_link("/proc/self/fd/1")
            .is_ok_and(|target| target == std::path::Path::new("/dev/null"));
        let read_and_write = || {
            std::fs::read_to_string("/proc/self/fdinfo/1")
                .ok()
                .and_then(|info| {
                    info.lines()
                        .find_map(|l| l.strip_prefix("flags:"))
                        .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
                })
                .is_some_and(|flags| flags & 0o3 == 0o2)
        };
        null && read_and_write()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// The reason alone, on one line (`step 4: message 3 is not in flight to
/// replica 1`), in the file's words (README.md, "causal-sim"): scripts can
/// match it. Never longer than [`MAX_REASON`] characters, whatever the input.
fn say(reason: &str) {
    let mut line: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON + 1)
        .collect();
    if line.chars().count() > MAX_REASON {
        line = line.chars().take(MAX_REASON - 3).collect::<String>() + "...";
    }
    eprintln!("{line}");
}

/// Plays the file and writes what the command prints. Every step is checked
/// before anything is written, so bad input prints nothing on standard
/// output; a long trace or log is then written as the run is played again,
/// never held whole in memory.
fn run(command: &str, file: &str, out: &mut impl Write) -> Result<(), Failure> {
    let text = read(file).map_err(Failure::Input)?;
    if command == "solve" {
        return solve(&text, out);
    }
    let scenario = Scenario::parse(&text).map_err(|e| Failure::Input(e.to_string()))?;
    drop(text);
    let config = scenario.config();
    if command == "run" || command == "census" {
        let simulation = Simulation::replay_owned(config, handed_over(scenario.steps))
            .map_err(|e| Failure::Input(e.to_string()))?;
        if command == "census" {
            let report = Census::run(&simulation).map_err(|e| Failure::Input(e.to_string()))?;
            serde_json::to_writer(&mut *out, &report).map_err(std::io::Error::from)?;
        } else {
            serde_json::to_writer(&mut *out, &Report::written(&simulation))
                .map_err(std::io::Error::from)?;
        }
        out.write_all(b"\n")?;
        return Ok(());
    }
    Simulation::replay(config, &scenario.steps).map_err(|e| Failure::Input(e.to_string()))?;
    let mut simulation = Simulation::new(config).map_err(|e| Failure::Input(e.to_string()))?;
    let mut log = ShivizLog::new(config.replicas);
    if command == "shiviz" {
        write!(out, "{SHIVIZ_REGEX}\n\n")?;
    }
    for (i, step) in handed_over(scenario.steps).enumerate() {
        let events = simulation
            .apply(step)
            .map_err(|error| Failure::Input(StepError { step: i + 1, error }.to_string()))?;
        for event in &events {
            if command == "trace" {
                serde_json::to_writer(&mut *out, &TraceLine { step: i + 1, event })
                    .map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            } else if let Some(made) = log.push(simulation.messages(), event) {
                out.write_all(made.lines().as_bytes())?;
            }
        }
    }
    if let Some(made) = log.finish() {
        out.write_all(made.lines().as_bytes())?;
    }
    Ok(())
}

/// `causal-sim solve`: the puzzle's par and a shortest solution under its
/// rule, and what the search finds under every rule.
fn solve(text: &str, out: &mut impl Write) -> Result<(), Failure> {
    let puzzle = Puzzle::parse(text).map_err(|e| Failure::Input(e.to_string()))?;
    // Each rule searched once; the puzzle's own is its solution. Every
    // verdict also in words ("gave up after 38,012 states, ...").
    let said = |solution: &Solution| {
        let mut value = serde_json::to_value(solution).unwrap_or_default();
        value["says"] = solution.to_string().into();
        value
    };
    let under: BTreeMap<&str, Solution> = Delivery::ALL
        .iter()
        .map(|&rule| (rule.name(), puzzle.solve_under(rule)))
        .collect();
    let answer = serde_json::json!({
        "title": puzzle.title,
        "rule": puzzle.rule,
        "solution": under.get(puzzle.rule.name()).map(said),
        "under": under.iter().map(|(rule, s)| (*rule, said(s))).collect::<BTreeMap<_, _>>(),
    });
    serde_json::to_writer(&mut *out, &answer).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The steps, first to last, each handed over by value, the list giving its
/// memory back as it empties (the simulation's history keeps each step).
fn handed_over(mut steps: Vec<Command>) -> impl Iterator<Item = Command> {
    steps.reverse();
    std::iter::from_fn(move || {
        let step = steps.pop()?;
        if steps.capacity() > 4096 && steps.len() < steps.capacity() / 2 {
            steps.shrink_to_fit();
        }
        Some(step)
    })
}

/// The file (or standard input, for `-`) as text, at most [`MAX_INPUT`]
/// bytes.
fn read(file: &str) -> Result<String, String> {
    let (mut source, name): (Box<dyn Read>, String) = if file == "-" {
        (Box::new(std::io::stdin().lock()), "standard input".into())
    } else {
        let opened =
            std::fs::File::open(file).map_err(|e| format!("cannot read {}: {e}", quoted(file)))?;
        (Box::new(opened), quoted(file))
    };
    let mut bytes = Vec::new();
    source
        .by_ref()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(format!(
            "{name} is larger than {} MiB, the most causal-sim reads",
            MAX_INPUT / 1024 / 1024
        ));
    }
    // The page's import reads a file by the same rule (the mark, if any,
    // is skipped by the scenario reader).
    causal_core::utf8_text(&bytes, &name)?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}
