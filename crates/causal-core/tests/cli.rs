//! `causal-sim` (README.md, "causal-sim"): its three commands, standard input,
//! exit codes and messages, and a ShiViz log that ShiViz accepts.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use causal_core::{Report, Scenario};
use common::check_shiviz;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_causal-sim");

fn scenarios() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios"))
}

fn classic() -> String {
    scenarios().join("classic.json").display().to_string()
}

fn sim(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("causal-sim runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = sim(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{args:?} wrote to stderr");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs and expects exit 2, nothing on stdout, and one line on stderr,
/// which it returns.
fn bad(args: &[&str], stdin: Option<&str>) -> String {
    let out = sim(args, stdin);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.ends_with('\n') && stderr.trim_end().lines().count() == 1,
        "{args:?}: not one line: {stderr:?}"
    );
    stderr.trim_end().to_string()
}

#[test]
fn run_prints_the_state_report() {
    let out = ok(&["run", &classic()], None);
    assert_eq!(out.lines().count(), 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let store = json!({"x": "1", "y": "2"});
    let replica = |n: usize| json!({"replica": n, "clock": [1, 1, 0], "store": store, "held": [], "delivered": [1, 2]});
    assert_eq!(
        report,
        json!({
            "replicas": [replica(0), replica(1), replica(2)],
            "in_flight": [],
            "violations": [],
            "converged": true
        })
    );
    // The same as the library's report.
    let scenario = Scenario::parse(&std::fs::read_to_string(classic()).unwrap()).unwrap();
    let (simulation, _) = scenario.run().unwrap();
    assert_eq!(
        report,
        serde_json::to_value(Report::of(&simulation)).unwrap()
    );
}

#[test]
fn a_dash_reads_standard_input() {
    let text = std::fs::read_to_string(classic()).unwrap();
    for command in ["run", "trace", "shiviz"] {
        assert_eq!(
            ok(&[command, "-"], Some(&text)),
            ok(&[command, &classic()], None),
            "{command}"
        );
    }
}

#[test]
fn the_pages_reorders_are_ignored() {
    let text = std::fs::read_to_string(classic()).unwrap();
    let mut file: Value = serde_json::from_str(&text).unwrap();
    file["reorders"] = json!([{"after": 1, "to": 1, "index": 1, "position": 0}]);
    let with_lanes = file.to_string();
    for command in ["run", "trace", "shiviz"] {
        assert_eq!(
            ok(&[command, "-"], Some(&with_lanes)),
            ok(&[command, &classic()], None),
            "{command}"
        );
    }
}

#[test]
fn trace_prints_one_json_line_per_event_with_its_step() {
    let out = ok(&["trace", &classic()], None);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let scenario = Scenario::parse(&std::fs::read_to_string(classic()).unwrap()).unwrap();
    let (_, events) = scenario.run().unwrap();
    assert_eq!(lines.len(), events.len());
    for (line, (step, event)) in lines.iter().zip(&events) {
        let mut expected = serde_json::to_value(event).unwrap();
        expected["step"] = json!(step);
        assert_eq!(line, &expected);
    }
    assert_eq!(
        lines[0],
        json!({"step": 1, "event": "delivered", "replica": 0, "message": 1, "from": 0,
               "clock": [1, 0, 0], "released": false})
    );
    assert_eq!(
        lines[1],
        json!({"step": 1, "event": "sent", "message": 1, "from": 0, "to": 1})
    );
    let held: Vec<&Value> = lines.iter().filter(|l| l["event"] == "held").collect();
    assert_eq!(
        held,
        [
            &json!({"step": 4, "event": "held", "replica": 2, "message": 2, "from": 1,
                 "waits_for": [{"sender": 0, "have": 0, "first": 1, "last": 1}]})
        ]
    );
    let released: Vec<&Value> = lines.iter().filter(|l| l["released"] == true).collect();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0]["step"], 5);
    // Every kind of event, under the name scripts match on.
    let kinds = ok(
        &["trace", "-"],
        Some(
            r#"{"version": 1, "replicas": 3, "delivery": "fifo", "steps": [
                {"op": "write", "replica": 0, "key": "x", "value": "1"},
                {"op": "deliver", "message": 1, "to": 1},
                {"op": "write", "replica": 1, "key": "y", "value": "2"},
                {"op": "deliver", "message": 2, "to": 2},
                {"op": "write", "replica": 0, "key": "x", "value": "3"},
                {"op": "drop", "message": 1, "to": 2},
                {"op": "deliver", "message": 3, "to": 2},
                {"op": "duplicate", "message": 1, "to": 2},
                {"op": "deliver-all"},
                {"op": "duplicate", "message": 3, "to": 1},
                {"op": "deliver-all"}
            ]}"#,
        ),
    );
    let mut seen: Vec<String> = kinds
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "delivered",
            "discarded",
            "dropped",
            "held",
            "received",
            "sent",
            "violation"
        ]
    );
}

#[test]
fn shiviz_prints_a_log_shiviz_accepts() {
    let out = ok(&["shiviz", &classic()], None);
    let events = check_shiviz(&out).unwrap_or_else(|why| panic!("{why}\n{out}"));
    let lines: Vec<(String, String, String)> = events
        .iter()
        .map(|(host, clock, text)| {
            (
                host.clone(),
                serde_json::to_string(clock).unwrap(),
                text.clone(),
            )
        })
        .collect();
    let expected = [
        ("A", r#"{"A":1}"#, "A wrote x = 1 (m1)"),
        (
            "B",
            r#"{"A":1,"B":1}"#,
            "B received m1 from A and delivered it: its clock is now [1,0,0]",
        ),
        ("B", r#"{"A":1,"B":2}"#, "B wrote y = 2 (m2)"),
        (
            "C",
            r#"{"A":1,"B":2,"C":1}"#,
            "C received m2 from B and held it back: it waits for A#1 (m1)",
        ),
        (
            "C",
            r#"{"A":1,"B":2,"C":2}"#,
            "C received m1 from A and delivered it: its clock is now [1,0,0]",
        ),
        (
            "C",
            r#"{"A":1,"B":2,"C":3}"#,
            "C delivered m2 from B out of its hold-back buffer: its clock is now [1,1,0]",
        ),
        (
            "A",
            r#"{"A":2,"B":2}"#,
            "A received m2 from B and delivered it: its clock is now [1,1,0]",
        ),
    ]
    .map(|(h, c, t)| (h.to_string(), c.to_string(), t.to_string()));
    assert_eq!(lines, expected);
}

#[test]
fn every_scenario_makes_a_valid_shiviz_log() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenarios())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let out = ok(&["shiviz", &path.display().to_string()], None);
        if let Err(why) = check_shiviz(&out) {
            panic!("{}: {why}\n{out}", path.display());
        }
    }
}

#[test]
fn shiviz_marks_violations_discards_and_strange_text() {
    let out = ok(
        &["shiviz", "-"],
        Some(
            r#"{"version": 1, "delivery": "unordered", "steps": [
                {"op": "write", "replica": 0, "key": "line\nbreak", "value": "tab\there"},
                {"op": "deliver", "message": 1, "to": 1},
                {"op": "write", "replica": 1, "key": "x", "value": "2"},
                {"op": "deliver", "message": 2, "to": 2},
                {"op": "duplicate", "message": 2, "to": 2},
                {"op": "deliver-all"}
            ]}"#,
        ),
    );
    let events = check_shiviz(&out).unwrap_or_else(|why| panic!("{why}\n{out}"));
    assert_eq!(events[0].2, "A wrote line break = tab here (m1)");
    assert!(events.iter().any(|(h, _, t)| h == "C"
        && t.contains("; causal order broken at C: m2 was delivered before m1")));
    assert!(events
        .iter()
        .any(|(h, _, t)| h == "C" && t.contains("again and discarded the duplicate")));
    // A host that logs nothing (no writes, nothing received) is never named.
    let out = ok(
        &["shiviz", "-"],
        Some(
            r#"{"version": 1, "replicas": 4, "steps": [
                {"op": "write", "replica": 0, "key": "x", "value": "1"},
                {"op": "deliver", "message": 1, "to": 2}
            ]}"#,
        ),
    );
    let events = check_shiviz(&out).unwrap();
    assert!(events
        .iter()
        .all(|(host, clock, _)| host != "B" && host != "D" && !clock.contains_key("B")));
}

#[test]
fn bad_input_exits_2_with_one_line_and_prints_nothing() {
    let not_in_flight = r#"{"version": 1, "steps": [
        {"op": "write", "replica": 0, "key": "x", "value": "1"},
        {"op": "deliver", "message": 3, "to": 1}
    ]}"#;
    for command in ["run", "trace", "shiviz"] {
        assert!(bad(&[command, "-"], Some("{ not json")).starts_with("not a scenario file: "));
        assert_eq!(
            bad(&[command, "-"], Some(r#"{"version": 2, "steps": []}"#)),
            "version must be 1, not 2"
        );
        assert_eq!(
            bad(
                &[command, "-"],
                Some(r#"{"version": 1, "replicas": 9, "steps": []}"#)
            ),
            "replicas must be 2 to 8, not 9"
        );
        assert_eq!(
            bad(&[command, "-"], Some(not_in_flight)),
            "step 2: message 3 is not in flight to replica 1"
        );
        assert!(bad(&[command, "-"], Some("")).starts_with("not a scenario file: "));
        assert!(bad(&[command, "/no/such/file.json"], None)
            .starts_with("cannot read \"/no/such/file.json\": "));
    }
    // A step of the wrong form is named too, in the file's words.
    assert_eq!(
        bad(
            &["run", "-"],
            Some(r#"{"version": 1, "steps": [{"op": "deliver-all"}, {"op": "fly"}]}"#)
        ),
        "step 2: unknown op \"fly\" (expected write, deliver, drop, duplicate, deliver-all, deliver-next or reorder)"
    );
    // Usage errors.
    assert!(bad(&[], None).contains("usage"));
    assert!(bad(&["run"], None).contains("usage"));
    assert!(bad(&["run", "a", "b"], None).contains("usage"));
    assert!(bad(&["play", &classic()], None).contains("unknown command"));
}

#[test]
fn help_explains_the_commands_with_an_example() {
    for flag in ["--help", "-h"] {
        let help = ok(&[flag], None);
        for word in [
            "run FILE",
            "trace FILE",
            "shiviz FILE",
            "standard input",
            "EXAMPLE",
            "deliver-all",
            "Exit status",
        ] {
            assert!(help.contains(word), "{flag}: no {word:?} in\n{help}");
        }
    }
    // The example does what the help says.
    let out = ok(
        &["run", "-"],
        Some(
            r#"{"version": 1, "steps": [
                {"op": "write", "replica": 0, "key": "x", "value": "1"},
                {"op": "deliver", "message": 1, "to": 1}]}"#,
        ),
    );
    assert!(out.starts_with(r#"{"replicas":[{"replica":0,"clock":[1,0,0],"store":{"x":"1"},"#));
    assert!(out.trim_end().ends_with(
        r#""in_flight":[{"message":1,"from":0,"to":2}],"violations":[],"converged":false}"#
    ));
}

/// A scenario of `writes` writes, each delivered everywhere at once.
fn long_scenario(writes: usize) -> String {
    let steps: Vec<Value> = (0..writes)
        .flat_map(|i| {
            [
                json!({"op": "write", "replica": i % 3, "key": format!("k{}", i % 5), "value": i.to_string()}),
                json!({"op": "deliver-all"}),
            ]
        })
        .collect();
    json!({"version": 1, "steps": steps}).to_string()
}

#[test]
fn error_lines_quote_the_input_shortened() {
    let long = "x".repeat(1_000_000);
    let cases = [
        format!(r#"{{"version": 1, "steps": [{{"op": "{long}"}}]}}"#),
        format!(r#"{{"version": 1, "delivery": "{long}", "steps": []}}"#),
        format!(
            r#"{{"version": 1, "steps": [{{"op": "write", "replica": 0, "key": {long_number}, "value": "1"}}]}}"#,
            long_number = "1".repeat(400)
        ),
        format!(r#"{{"{long}": 1}}"#),
    ];
    for text in &cases {
        for command in ["run", "trace", "shiviz"] {
            let line = bad(&[command, "-"], Some(text));
            assert!(
                line.chars().count() <= 300,
                "{} characters: {line:.400}",
                line.len()
            );
        }
    }
    assert_eq!(
        bad(&["run", "-"], Some(&cases[0])),
        format!(
            "step 1: unknown op \"{}...\" (1,000,000 characters) (expected write, deliver, drop, duplicate, deliver-all, deliver-next or reorder)",
            "x".repeat(24)
        )
    );
    // A long file name or command is shortened too.
    let name = format!("/no/such/{}.json", "y".repeat(5_000));
    let line = bad(&["run", &name], None);
    assert!(
        line.starts_with("cannot read \"/no/such/yyyy") && line.len() < 300,
        "{line}"
    );
    let line = bad(&[&"z".repeat(5_000), "f"], None);
    assert!(
        line.starts_with("unknown command \"zzz") && line.len() < 300,
        "{line}"
    );
}

#[test]
fn a_step_that_repeats_a_key_is_refused() {
    let text = r#"{"version": 1, "steps": [
        {"op": "write", "replica": 0, "key": "x", "value": "1"},
        {"op": "write", "op": "deliver-all", "replica": 0, "key": "x", "value": "2"}
    ]}"#;
    for command in ["run", "trace", "shiviz"] {
        assert_eq!(
            bad(&[command, "-"], Some(text)),
            "step 2: \"op\" appears twice"
        );
    }
    assert_eq!(
        bad(
            &["run", "-"],
            Some(r#"{"version": 1, "replicas": 3, "replicas": 4, "steps": []}"#)
        ),
        "\"replicas\" appears twice"
    );
}

#[test]
fn a_byte_order_mark_is_read() {
    let text = std::fs::read_to_string(classic()).unwrap();
    let with_mark = format!("\u{feff}{text}");
    let dir = std::env::temp_dir().join(format!("causal-sim-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("classic-bom.json");
    std::fs::write(&file, &with_mark).unwrap();
    for command in ["run", "trace", "shiviz"] {
        let expected = ok(&[command, &classic()], None);
        assert_eq!(ok(&[command, "-"], Some(&with_mark)), expected, "{command}");
        assert_eq!(ok(&[command, &file.display().to_string()], None), expected);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn output_that_cannot_be_written_exits_1_with_the_reason() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    for command in ["run", "trace", "shiviz", "--help"] {
        let mut args = vec![command];
        if command != "--help" {
            args.push("-");
        }
        let out = Command::new(BIN)
            .args(&args)
            .stdin(std::fs::File::open(classic()).unwrap())
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr, "cannot write the output: No space left on device (os error 28)\n",
            "{command}"
        );
    }
}

#[test]
fn a_reader_that_stops_early_ends_it_quietly() {
    // Like `causal-sim trace big.json | head -1`: megabytes of trace, one line read.
    let text = long_scenario(20_000);
    let mut child = Command::new(BIN)
        .args(["trace", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let mut first = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert_eq!(&first, br#"{"step":1,"#);
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn endless_input_stops_at_the_size_limit() {
    // `yes | causal-sim run -`
    let mut child = Command::new(BIN)
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = "y\n".repeat(32 * 1024);
        let mut written = 0u64;
        while stdin.write_all(chunk.as_bytes()).is_ok() {
            written += chunk.len() as u64;
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "standard input is larger than 128 MiB, the most causal-sim reads\n"
    );
    assert!(
        (128 * 1024 * 1024..200 * 1024 * 1024).contains(&written),
        "{written}"
    );
}

#[test]
fn a_long_run_streams_the_same_trace_and_log() {
    // The trace and the ShiViz log are written as the run is played again:
    // the same as the library's, whole.
    let text = long_scenario(300);
    let scenario = Scenario::parse(&text).unwrap();
    let (simulation, events) = scenario.run().unwrap();
    let only: Vec<causal_core::Event> = events.iter().map(|(_, e)| e.clone()).collect();
    let log =
        causal_core::shiviz_file(&causal_core::shiviz_events(3, simulation.messages(), &only));
    assert_eq!(ok(&["shiviz", "-"], Some(&text)), log);
    assert_eq!(
        ok(&["trace", "-"], Some(&text)).lines().count(),
        events.len()
    );
}

#[test]
fn shiviz_replaces_what_its_dot_cannot_match() {
    // ShiViz's `.` stops at \n, \r, U+2028 and U+2029: a key or value holding
    // one would cut its event in two.
    let out = ok(
        &["shiviz", "-"],
        Some(
            r#"{"version": 1, "steps": [
                {"op": "write", "replica": 0, "key": "a\u2028b", "value": "c\u2029d\r\u0085e"}
            ]}"#,
        ),
    );
    let events = check_shiviz(&out).unwrap_or_else(|why| panic!("{why}\n{out}"));
    assert_eq!(events[0].2, "A wrote a b = c d  e (m1)");
    assert!(!out.contains(['\u{2028}', '\u{2029}', '\r', '\u{85}']));
}

#[test]
fn census_prints_the_counts_of_every_order() {
    let out = ok(
        &["census", "-"],
        Some(
            r#"{"version": 1, "delivery": "unordered", "steps": [
                {"op": "write", "replica": 0, "key": "x", "value": "1"},
                {"op": "deliver", "message": 1, "to": 1},
                {"op": "write", "replica": 1, "key": "x", "value": "2"}
            ]}"#,
        ),
    );
    let census: Value = serde_json::from_str(&out).unwrap();
    // m1 to C, m2 to A, m2 to C: 3! orders; C delivering m2 before m1 breaks
    // causal order (half of them) and leaves C with x = 1 (the same half diverge).
    assert_eq!(census["copies"], 3);
    assert_eq!(census["orders"], 6);
    assert_eq!(census["violating"], 3);
    assert_eq!(census["diverging"], 3);
    let outcomes = census["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0]["orders"], 3);
    assert_eq!(outcomes[0]["order"].as_array().unwrap().len(), 3);
    assert_eq!(outcomes[0]["replicas"][0]["clock"], json!([1, 1, 0]));
    // More copies than the census takes.
    let steps: Vec<Value> = (0..7)
        .map(|i| json!({"op": "write", "replica": i % 3, "key": "x", "value": "v"}))
        .collect();
    let text = json!({"version": 1, "steps": steps}).to_string();
    assert_eq!(
        bad(&["census", "-"], Some(&text)),
        "14 copies are in flight, more than the 12 the census explores (they can be received in 87,178,291,200 different orders, counting copies of one message to one replica as interchangeable)"
    );
    // 13 copies, 12 of them copies of one message to one replica: 13 orders,
    // and the refusal says why so few.
    let mut steps = vec![json!({"op": "write", "replica": 0, "key": "x", "value": "v"})];
    steps.extend((0..11).map(|_| json!({"op": "duplicate", "message": 1, "to": 1})));
    let text = json!({"version": 1, "steps": steps}).to_string();
    assert_eq!(
        bad(&["census", "-"], Some(&text)),
        "13 copies are in flight, more than the 12 the census explores (they can be received in 13 different orders, counting copies of one message to one replica as interchangeable)"
    );
}

#[test]
fn solve_prints_the_par_under_every_rule() {
    let puzzle = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../lessons/puzzles/fifo-violation.json"
    ));
    let out = ok(&["solve", &puzzle.display().to_string()], None);
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["solution"]["verdict"], "solved");
    assert_eq!(answer["solution"]["par"], 1);
    assert_eq!(
        answer["solution"]["moves"],
        json!([{"op": "deliver", "message": 2, "to": 2}])
    );
    assert_eq!(answer["under"]["causal"]["verdict"], "impossible");
    assert!(bad(&["solve", "-"], Some(r#"{"title": "t"}"#)).starts_with("not a puzzle file: "));
    let help = ok(&["--help"], None);
    assert!(help.contains("census FILE") && help.contains("solve PUZZLE"));
}

#[test]
fn a_closed_standard_output_exits_1_and_dev_null_is_fine() {
    for command in ["run", "--help"] {
        let file = if command == "run" { " \"$1\"" } else { "" };
        let script = format!("exec \"$0\" {command}{file} >&-");
        let out = Command::new("sh")
            .args(["-c", &script, BIN, &classic()])
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            "cannot write the output: standard output is closed\n"
        );
    }
    // Sent to /dev/null on purpose: that is a success.
    let out = Command::new(BIN)
        .args(["run", &classic()])
        .stdout(std::fs::File::create("/dev/null").unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

#[test]
fn numbers_past_64_bits_are_not_misquoted() {
    // 2^70: a float would print 1180591620717411300000, a number nobody wrote.
    for text in [
        r#"{"version": 1, "replicas": 1180591620717411303424, "steps": []}"#,
        r#"{"version": 1180591620717411303424, "steps": []}"#,
        r#"{"version": 1, "steps": [{"op": "write", "replica": 1180591620717411303424, "key": "x", "value": "1"}]}"#,
        r#"{"version": 1, "steps": [1180591620717411303424]}"#,
    ] {
        let why = bad(&["run", "-"], Some(text));
        assert!(!why.contains("11805916207174113"), "{why}");
        assert!(
            why.contains("a number larger than 18,446,744,073,709,551,615"),
            "{why}"
        );
    }
}

#[test]
fn puzzle_files_are_refused_in_the_projects_words() {
    let good = json!({
        "title": "T", "description": "D", "rule": "causal",
        "start": {"version": 1, "steps": [{"op": "write", "replica": 0, "key": "x", "value": "1"}]},
        "goal": {"kind": "holding", "replica": 2, "count": 1},
        "moves": ["deliver"]
    });
    assert!(ok(&["solve", "-"], Some(&good.to_string())).contains("\"verdict\""));
    let with = |field: &str, value: Value| {
        let mut puzzle = good.clone();
        puzzle[field] = value;
        bad(&["solve", "-"], Some(&puzzle.to_string()))
    };
    assert_eq!(
        with("rule", json!("fast")),
        "not a puzzle file: \"rule\" must be causal, fifo or unordered, not \"fast\""
    );
    assert_eq!(
        with("title", json!(3)),
        "not a puzzle file: \"title\" must be a text, not 3"
    );
    assert_eq!(
        with("mvoes", json!([])),
        "not a puzzle file: unknown field \"mvoes\" (a puzzle has title, description, rule, start, goal, moves)"
    );
    assert_eq!(
        with("moves", json!(["teleport"])),
        "not a puzzle file: its moves: unknown kind \"teleport\": it must be one of \"deliver\", \"drop\", \"duplicate\""
    );
    assert_eq!(
        with(
            "goal",
            json!({"kind": "holding", "replica": "C", "count": 1})
        ),
        "not a puzzle file: its goal: \"C\": it must be a whole number"
    );
    assert_eq!(
        with("start", json!({"version": 1})),
        "not a puzzle file: its start: not a scenario file: it has no \"steps\" (a list of steps, which may be empty)"
    );
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("goal");
    assert_eq!(
        bad(&["solve", "-"], Some(&missing.to_string())),
        "not a puzzle file: it has no \"goal\""
    );
    assert_eq!(
        bad(&["solve", "-"], Some("[1, 2]")),
        "not a puzzle file: it must be an object such as {\"title\": ..., \"description\": ..., \"rule\": \"causal\", \"start\": {...}, \"goal\": {...}, \"moves\": [\"deliver\"]}, not a list"
    );
    for why in [
        with("goal", json!({"kind": "teleport"})),
        with("moves", json!("deliver")),
    ] {
        assert!(
            why.starts_with("not a puzzle file: its ") && !why.contains('`'),
            "{why}"
        );
    }
}

/// A small puzzle file whose search has no end in sight: 8 replicas, each
/// writing twice, everything in flight, a goal no order of deliveries and
/// drops reaches (a value never written).
fn endless_puzzle() -> String {
    let steps: Vec<Value> = (0..16)
        .map(|i| json!({"op": "write", "replica": i % 8, "key": "k", "value": format!("v{i}")}))
        .collect();
    json!({
        "title": "Never", "description": "No order gets there.", "rule": "causal",
        "start": {"version": 1, "replicas": 8, "steps": steps},
        "goal": {"kind": "value", "replica": 0, "key": "k", "value": "never written"},
        "moves": ["deliver", "drop"]
    })
    .to_string()
}

#[test]
fn solve_gives_up_within_its_bounds_and_says_so() {
    let text = endless_puzzle();
    assert!(text.len() < 2_000, "{} bytes", text.len());
    let out = ok(&["solve", "-"], Some(&text));
    let answer: Value = serde_json::from_str(&out).unwrap();
    let solution = &answer["solution"];
    assert_eq!(solution["verdict"], "not-found", "{solution}");
    let states = solution["states"].as_u64().unwrap();
    assert!(
        states < causal_core::SOLVE_MAX_STATES as u64,
        "the memory bound stops a search of states this big first: {states}"
    );
    let says = solution["says"].as_str().unwrap();
    assert!(
        says.starts_with(&format!(
            "gave up after {} states",
            causal_core::thousands(states)
        )),
        "{says}"
    );
    assert!(says.contains("about 256 MB"), "{says}");
    for rule in ["causal", "fifo", "unordered"] {
        assert!(answer["under"][rule]["says"].is_string(), "{rule}");
    }
}

/// Runs `causal-sim run -` on `bytes`: its exit code and standard error.
fn run_bytes(bytes: &[u8]) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn utf16_and_bytes_that_are_not_utf8_are_refused_as_the_page_refuses_them() {
    let text = r#"{"version": 1, "steps": []}"#;
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_eq!(
        run_bytes(&utf16),
        (
            Some(2),
            "not a scenario file: standard input is UTF-16 text (it starts FF FE), not UTF-8: save it as UTF-8\n".to_string()
        )
    );
    // A byte that is not UTF-8, after a byte order mark: counted from the file's start.
    let mut bad = b"\xEF\xBB\xBF{\"version\": 1, \"steps\": [], \"title\": \"".to_vec();
    bad.extend([0xC3, 0x28, b'"', b'}']);
    let at = bad.iter().position(|&b| b == 0xC3).unwrap() + 1;
    assert_eq!(
        run_bytes(&bad),
        (
            Some(2),
            format!("not a scenario file: standard input is not UTF-8 text (byte {at} is not)\n")
        )
    );
    assert_eq!(causal_core::utf8_text(b"\xEF\xBB\xBF{}", "f"), Ok("{}"));
}
