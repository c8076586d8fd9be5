//! `causal-sim`: runs a scenario file natively and prints its outcome.

use std::io::{Read, Write};
use std::process::ExitCode;

use causal_core::shiviz::{shiviz_events, shiviz_file};
use causal_core::{Event, Report, Scenario};
use serde::Serialize;

const HELP: &str = "\
causal-sim: run a Causal Playground scenario file natively.

USAGE:
    causal-sim run FILE       play every step, then print the state report (JSON):
                              each replica's clock, store, held and delivered
                              messages, the copies in flight, the violations,
                              and whether the replicas agree
    causal-sim trace FILE     print one JSON line per event, with its step number
    causal-sim shiviz FILE    print the run as a ShiViz log: the first line is the
                              regular expression ShiViz needs, then an empty line,
                              then the log
    causal-sim --help         print this help

FILE is a scenario file (version 1), or - for standard input:
    {\"version\": 1, \"replicas\": 3, \"delivery\": \"causal\", \"conflicts\": \"overwrite\",
     \"steps\": [...]}
delivery is causal, fifo or unordered; conflicts is overwrite, lww or
multi-value; replicas is 2 to 8. Each step is one of
    {\"op\": \"write\", \"replica\": 0, \"key\": \"x\", \"value\": \"1\"}
    {\"op\": \"deliver\", \"message\": 1, \"to\": 1}     the earliest copy arrives
    {\"op\": \"drop\", \"message\": 1, \"to\": 2}        the earliest copy is lost
    {\"op\": \"duplicate\", \"message\": 1, \"to\": 2}   another copy goes in flight
    {\"op\": \"deliver-all\"}                        everything, in sending order
    {\"op\": \"deliver-next\", \"to\": 1}              the first copy of a lane
    {\"op\": \"reorder\", \"to\": 1, \"index\": 2, \"position\": 0}

EXAMPLE:
    $ echo '{\"version\": 1, \"steps\": [
        {\"op\": \"write\", \"replica\": 0, \"key\": \"x\", \"value\": \"1\"},
        {\"op\": \"deliver\", \"message\": 1, \"to\": 1}]}' | causal-sim run -
    {\"replicas\":[{\"replica\":0,\"clock\":[1,0,0],\"store\":{\"x\":\"1\"},...},...],
     \"in_flight\":[{\"message\":1,\"from\":0,\"to\":2}],\"violations\":[],\"converged\":false}

Exit status: 0 on success; 2 on bad input, with a one-line reason on
standard error (e.g. `step 4: message 3 is not in flight to replica 1`)
and nothing on standard output.
";

/// A trace line: the step that caused the event, then the event.
#[derive(Serialize)]
struct TraceLine<'a> {
    step: usize,
    #[serde(flatten)]
    event: &'a Event,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--help" || flag == "-h" || flag == "help" => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        [command, file] => match run(command, file) {
            Ok(output) => {
                let mut stdout = std::io::stdout().lock();
                // A closed pipe (`| head`) is not an error worth reporting.
                let _ = stdout.write_all(output.as_bytes());
                ExitCode::SUCCESS
            }
            Err(reason) => fail(&reason),
        },
        _ => fail("usage: causal-sim run|trace|shiviz FILE (see causal-sim --help)"),
    }
}

/// The reason alone, on one line (`step 4: message 3 is not in flight to
/// replica 1`), as DESIGN.md section 3 words it: scripts can match it.
fn fail(reason: &str) -> ExitCode {
    let line: String = reason
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    eprintln!("{line}");
    ExitCode::from(2)
}

/// Everything the command prints, or why it failed: output is built whole
/// first so that bad input prints nothing on standard output.
fn run(command: &str, file: &str) -> Result<String, String> {
    if !matches!(command, "run" | "trace" | "shiviz") {
        return Err(format!(
            "unknown command {command:?}: use run, trace or shiviz (see causal-sim --help)"
        ));
    }
    let text = read(file)?;
    let scenario = Scenario::parse(&text).map_err(|e| e.to_string())?;
    let (simulation, events) = scenario.run().map_err(|e| e.to_string())?;
    Ok(match command {
        "run" => json(&Report::of(&simulation)) + "\n",
        "trace" => events
            .iter()
            .map(|(step, event)| json(&TraceLine { step: *step, event }) + "\n")
            .collect(),
        _ => {
            let only: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
            shiviz_file(&shiviz_events(
                scenario.replicas,
                simulation.messages(),
                &only,
            ))
        }
    })
}

fn read(file: &str) -> Result<String, String> {
    let mut text = String::new();
    if file == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
    } else {
        text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    }
    Ok(text)
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
