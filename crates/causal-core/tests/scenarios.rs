//! The scenario files under `scenarios/` (the page's presets), their full
//! reports, and the scenario format's errors (README.md, "Scenario files").

use std::path::PathBuf;

use causal_core::{
    Command, Config, Conflicts, Delivery, Error, MessageId, Report, Scenario, ScenarioError,
    Simulation, StepError,
};
use serde_json::{json, Value};

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios"))
}

fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("scenarios/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> Scenario {
    let path = dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run(name: &str) -> Simulation {
    load(name).run().unwrap_or_else(|e| panic!("{name}: {e}")).0
}

fn report(sim: &Simulation) -> Value {
    serde_json::to_value(Report::of(sim)).expect("a report serializes")
}

/// A replica's line of a report.
fn replica(n: usize, clock: &[u64], store: Value, held: &[u32], delivered: &[u32]) -> Value {
    json!({"replica": n, "clock": clock, "store": store, "held": held, "delivered": delivered})
}

#[test]
fn every_scenario_file_parses_runs_and_has_a_title_and_description() {
    let files = files();
    assert!(files.len() >= 8, "{files:?}");
    for path in files {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        // Short kebab-case names: the selector's option values.
        assert!(
            name.len() <= 32
                && !name.starts_with('-')
                && !name.ends_with('-')
                && !name.contains("--")
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{name} is not short kebab-case"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        // The raw file carries the page's fields too.
        let raw: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(raw["version"], 1, "{name}");
        let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let title = scenario.title.clone().unwrap_or_default();
        let description = scenario.description.clone().unwrap_or_default();
        assert!(!title.trim().is_empty(), "{name} has no title");
        assert!(
            description.trim().len() > title.len(),
            "{name} has no description worth the name"
        );
        assert!(!scenario.steps.is_empty(), "{name} has no steps");
        let (sim, events) = scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sim.history(), &scenario.steps[..], "{name}");
        assert!(!events.is_empty());
        // Event steps count from 1 and never go past the last step.
        assert!(events
            .iter()
            .all(|(step, _)| (1..=scenario.steps.len()).contains(step)));
        // Written back out, it reads back the same.
        let again = Scenario::parse(&scenario.to_json()).unwrap();
        assert_eq!(again, scenario, "{name}");
    }
}

#[test]
fn classic() {
    let sim = run("classic");
    let store = json!({"x": "1", "y": "2"});
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[1, 1, 0], store.clone(), &[], &[1, 2]),
                replica(1, &[1, 1, 0], store.clone(), &[], &[1, 2]),
                replica(2, &[1, 1, 0], store, &[], &[1, 2]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": true
        })
    );
    // After step 4, C holds B's write, waiting for A's.
    let at4 = sim.at_step(4).unwrap();
    assert_eq!(
        report(&at4),
        json!({
            "replicas": [
                replica(0, &[1, 0, 0], json!({"x": "1"}), &[], &[1]),
                replica(1, &[1, 1, 0], json!({"x": "1", "y": "2"}), &[], &[1, 2]),
                replica(2, &[0, 0, 0], json!({}), &[2], &[]),
            ],
            "in_flight": [
                {"message": 1, "from": 0, "to": 2},
                {"message": 2, "from": 1, "to": 0}
            ],
            "violations": [],
            "converged": false
        })
    );
    assert_eq!(at4.waits_for(2, MessageId(2)).to_string(), "A#1");
}

#[test]
fn fifo_violation() {
    let sim = run("fifo-violation");
    let store = json!({"post": "I lost my keys", "reply": "found them!"});
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[1, 1, 0], store.clone(), &[], &[1, 2]),
                replica(1, &[1, 1, 0], store.clone(), &[], &[1, 2]),
                replica(2, &[1, 1, 0], store, &[], &[2, 1]),
            ],
            "in_flight": [],
            "violations": [{"replica": 2, "message": 2, "missing": 1}],
            "converged": true
        })
    );
    // Right after the early delivery, C shows the reply without the post.
    let at4 = sim.at_step(4).unwrap();
    assert_eq!(
        report(&at4)["replicas"][2],
        replica(2, &[1, 1, 0], json!({"reply": "found them!"}), &[], &[2])
    );
    // Under causal, the same run holds the reply back: no violation.
    let causal = sim
        .with_rules(Delivery::Causal, Conflicts::Overwrite)
        .unwrap();
    assert!(causal.violations().is_empty());
    assert_eq!(
        causal.replicas()[2].delivered().to_vec(),
        [MessageId(1), MessageId(2)]
    );
}

/// The color runs: the same steps under three conflict rules.
fn colors(name: &str, a: Value, b: Value, c: Value, converged: bool) {
    let sim = run(name);
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[1, 1, 0], json!({"color": a}), &[], &[1, 2]),
                replica(1, &[1, 1, 0], json!({"color": b}), &[], &[2, 1]),
                replica(2, &[1, 1, 0], json!({"color": c}), &[], &[1, 2]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": converged
        }),
        "{name}"
    );
    assert_eq!(sim.converged(), converged);
}

#[test]
fn overwrite_diverges() {
    colors(
        "overwrite-diverges",
        json!("blue"),
        json!("red"),
        json!("blue"),
        false,
    );
    assert_eq!(run("overwrite-diverges").diverged_keys(), ["color"]);
}

#[test]
fn concurrent_writes_lww() {
    colors(
        "concurrent-writes-lww",
        json!("blue"),
        json!("blue"),
        json!("blue"),
        true,
    );
}

#[test]
fn concurrent_writes_multi_value() {
    let both = json!(["red", "blue"]);
    colors(
        "concurrent-writes-multi-value",
        both.clone(),
        both.clone(),
        both,
        true,
    );
    // Before B hears of A's write, B has one value, a list of one.
    let sim = run("concurrent-writes-multi-value").at_step(3).unwrap();
    assert_eq!(
        report(&sim)["replicas"][1]["store"],
        json!({"color": ["blue"]})
    );
    assert_eq!(
        report(&sim)["replicas"][0]["store"],
        json!({"color": ["red", "blue"]})
    );
}

#[test]
fn the_color_runs_differ_only_in_their_conflict_rule() {
    let steps = load("overwrite-diverges").steps;
    for (name, conflicts) in [
        ("concurrent-writes-lww", Conflicts::Lww),
        ("concurrent-writes-multi-value", Conflicts::MultiValue),
    ] {
        let scenario = load(name);
        assert_eq!(scenario.steps, steps, "{name}");
        assert_eq!(scenario.conflicts, conflicts);
        let switched = run("overwrite-diverges")
            .with_rules(Delivery::Causal, conflicts)
            .unwrap();
        assert_eq!(Report::of(&switched), Report::of(&run(name)));
    }
}

#[test]
fn lost_message() {
    let sim = run("lost-message");
    let store = json!({"x": "2"});
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[2, 0, 0], store.clone(), &[], &[1, 2]),
                replica(1, &[2, 0, 0], store.clone(), &[], &[1, 2]),
                replica(2, &[2, 0, 0], store, &[], &[1, 2]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": true
        })
    );
    // After deliver-all (step 5), B still holds m2: nothing is in flight.
    let stuck = sim.at_step(5).unwrap();
    assert_eq!(
        report(&stuck),
        json!({
            "replicas": [
                replica(0, &[2, 0, 0], json!({"x": "2"}), &[], &[1, 2]),
                replica(1, &[0, 0, 0], json!({}), &[2], &[]),
                replica(2, &[2, 0, 0], json!({"x": "2"}), &[], &[1, 2]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": false
        })
    );
    assert_eq!(stuck.waits_for(1, MessageId(2)).to_string(), "A#1");
    // The retransmission goes in flight, last (step 6).
    let resent = sim.at_step(6).unwrap();
    assert_eq!(
        report(&resent)["in_flight"],
        json!([{"message": 1, "from": 0, "to": 1}])
    );
}

#[test]
fn duplicate() {
    let scenario = load("duplicate");
    let (sim, events) = scenario.run().unwrap();
    let store = json!({"x": "2"});
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[2, 0, 0], store.clone(), &[], &[1, 2]),
                replica(1, &[2, 0, 0], store.clone(), &[], &[1, 2]),
                replica(2, &[2, 0, 0], store, &[], &[1, 2]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": true
        })
    );
    // Step 4 discards a copy already delivered, step 8 one already held.
    let discarded: Vec<(usize, Value)> = events
        .iter()
        .filter(|(_, e)| matches!(e, causal_core::Event::Discarded { .. }))
        .map(|(step, e)| (*step, serde_json::to_value(e).unwrap()))
        .collect();
    assert_eq!(
        discarded,
        [
            (
                4,
                json!({"event": "discarded", "replica": 1, "message": 1, "from": 0})
            ),
            (
                8,
                json!({"event": "discarded", "replica": 2, "message": 2, "from": 0})
            ),
        ]
    );
    let at8 = sim.at_step(8).unwrap();
    assert_eq!(report(&at8)["replicas"][2]["held"], json!([2]));
}

#[test]
fn unordered_stale() {
    let sim = run("unordered-stale");
    let newer = json!({"x": "2"});
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[1, 1, 0], newer.clone(), &[], &[1, 2]),
                replica(1, &[1, 1, 0], newer, &[], &[1, 2]),
                replica(2, &[1, 1, 0], json!({"x": "1"}), &[], &[2, 1]),
            ],
            "in_flight": [],
            "violations": [{"replica": 2, "message": 2, "missing": 1}],
            "converged": false
        })
    );
    // lww ignores the older write and the replicas agree.
    let lww = sim.with_rules(Delivery::Unordered, Conflicts::Lww).unwrap();
    assert!(lww.converged());
    assert_eq!(lww.violations().len(), 1);
}

#[test]
fn reordered_lane() {
    let sim = run("reordered-lane");
    let store = json!({"x": "3"});
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[3, 0, 0], store.clone(), &[], &[1, 2, 3]),
                replica(1, &[3, 0, 0], store.clone(), &[], &[1, 2, 3]),
                replica(2, &[3, 0, 0], store, &[], &[1, 2, 3]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": true
        })
    );
    // After the first deliver-next, B holds m3, waiting for A#1..A#2; the
    // report's in-flight list keeps the sending order, not the lane's.
    let at5 = sim.at_step(5).unwrap();
    assert_eq!(
        report(&at5),
        json!({
            "replicas": [
                replica(0, &[3, 0, 0], json!({"x": "3"}), &[], &[1, 2, 3]),
                replica(1, &[0, 0, 0], json!({}), &[3], &[]),
                replica(2, &[0, 0, 0], json!({}), &[], &[]),
            ],
            "in_flight": [
                {"message": 1, "from": 0, "to": 1},
                {"message": 1, "from": 0, "to": 2},
                {"message": 2, "from": 0, "to": 1},
                {"message": 2, "from": 0, "to": 2},
                {"message": 3, "from": 0, "to": 2}
            ],
            "violations": [],
            "converged": false
        })
    );
    assert_eq!(at5.waits_for(1, MessageId(3)).to_string(), "A#1..A#2");
    // Step 7 delivers m2, which releases m3.
    let events = Scenario {
        steps: load("reordered-lane").steps[..7].to_vec(),
        ..load("reordered-lane")
    }
    .run()
    .unwrap()
    .1;
    let released: Vec<_> = events
        .iter()
        .filter(|(_, e)| matches!(e, causal_core::Event::Delivered { released: true, .. }))
        .map(|(step, _)| *step)
        .collect();
    assert_eq!(released, [7]);
}

// ---------------------------------------------------------------------------
// The format: defaults, unknown fields, errors.
// ---------------------------------------------------------------------------

fn parse_err(text: &str) -> String {
    Scenario::parse(text).expect_err("refused").to_string()
}

#[test]
fn defaults_and_unknown_fields() {
    let scenario =
        Scenario::parse(r#"{"version": 1, "steps": [], "lanes": [[1]], "theme": "dark"}"#).unwrap();
    assert_eq!(scenario.replicas, 3);
    assert_eq!(scenario.delivery, Delivery::Causal);
    assert_eq!(scenario.conflicts, Conflicts::Overwrite);
    assert_eq!(scenario.title, None);
    let (sim, events) = scenario.run().unwrap();
    assert!(events.is_empty());
    assert_eq!(
        report(&sim),
        json!({
            "replicas": [
                replica(0, &[0, 0, 0], json!({}), &[], &[]),
                replica(1, &[0, 0, 0], json!({}), &[], &[]),
                replica(2, &[0, 0, 0], json!({}), &[], &[]),
            ],
            "in_flight": [],
            "violations": [],
            "converged": true
        })
    );
    // Unknown fields in a step are ignored too.
    let scenario = Scenario::parse(
        r#"{"version": 1, "replicas": 2, "delivery": "unordered", "conflicts": "multi-value",
            "steps": [{"op": "write", "replica": 1, "key": "k", "value": "v", "note": "hi"}]}"#,
    )
    .unwrap();
    assert_eq!(
        scenario.steps,
        [Command::Write {
            replica: 1,
            key: "k".into(),
            value: "v".into()
        }]
    );
    assert_eq!(scenario.conflicts, Conflicts::MultiValue);
    let sim = scenario.run().unwrap().0;
    assert_eq!(report(&sim)["replicas"][1]["store"], json!({"k": ["v"]}));
}

#[test]
fn every_op_reads_as_the_design_spells_it() {
    let text = r#"{"version": 1, "replicas": 3, "steps": [
        {"op": "write", "replica": 0, "key": "x", "value": "1"},
        {"op": "deliver", "message": 1, "to": 1},
        {"op": "drop", "message": 1, "to": 2},
        {"op": "duplicate", "message": 1, "to": 2},
        {"op": "reorder", "to": 2, "index": 0, "position": 0},
        {"op": "deliver-next", "to": 2},
        {"op": "deliver-all"}
    ]}"#;
    let scenario = Scenario::parse(text).unwrap();
    assert_eq!(
        scenario.steps[6],
        Command::DeliverAll,
        "deliver-all takes no fields"
    );
    let (sim, _) = scenario.run().unwrap();
    assert!(sim.converged());
    // Written back as they are read.
    let written: Value = serde_json::from_str(&scenario.to_json()).unwrap();
    let ops: Vec<&str> = written["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "write",
            "deliver",
            "drop",
            "duplicate",
            "reorder",
            "deliver-next",
            "deliver-all"
        ]
    );
    assert_eq!(
        written["steps"][2],
        json!({"op": "drop", "message": 1, "to": 2})
    );
    // The portable scenario of the run says the deliver the deliver-next
    // did, and keeps the reorder in a field of its own, after the four steps
    // before it.
    let portable: Value = serde_json::from_str(&Scenario::of(&sim).to_json()).unwrap();
    assert_eq!(
        portable["steps"][4],
        json!({"op": "deliver", "message": 1, "to": 2})
    );
    assert_eq!(portable["steps"].as_array().unwrap().len(), 6);
    assert_eq!(
        portable["reorders"],
        json!([{"after": 4, "to": 2, "index": 0, "position": 0}])
    );
}

/// A run whose lanes were reordered before a deliver-next: B's lane holds
/// A's two writes, the second moved first and delivered next.
fn reordered_run() -> Simulation {
    let mut sim = Simulation::new(Config::default()).unwrap();
    sim.apply_all([
        Command::Write {
            replica: 0,
            key: "x".into(),
            value: "1".into(),
        },
        Command::Write {
            replica: 0,
            key: "x".into(),
            value: "2".into(),
        },
        Command::Reorder {
            to: 1,
            index: 1,
            position: 0,
        },
        Command::DeliverNext { to: 1 },
        Command::Write {
            replica: 1,
            key: "y".into(),
            value: "3".into(),
        },
        Command::Reorder {
            to: 2,
            index: 2,
            position: 0,
        },
    ])
    .unwrap();
    sim
}

#[test]
fn a_portable_scenario_keeps_the_lane_order_in_a_field_of_its_own() {
    let sim = reordered_run();
    let scenario = Scenario::of(&sim);
    assert_eq!(
        scenario.steps[2],
        Command::Deliver {
            message: MessageId(2),
            to: 1
        },
        "the deliver-next became the deliver it did"
    );
    assert_eq!(scenario.steps.len(), 4);
    let file: Value = serde_json::from_str(&scenario.to_json()).unwrap();
    assert_eq!(
        file["reorders"],
        json!([
            {"after": 2, "to": 1, "index": 1, "position": 0},
            {"after": 4, "to": 2, "index": 2, "position": 0}
        ])
    );
    // Imported, the steps and the reorders give the same lanes and state.
    let read = Scenario::parse(&scenario.to_json()).unwrap();
    let imported = Simulation::replay(read.config(), &read.clone().into_history()).unwrap();
    assert_eq!(Report::of(&imported), Report::of(&sim));
    let lane = |s: &Simulation, to| s.network().lane(to).map(|c| c.message).collect::<Vec<_>>();
    assert_eq!(
        lane(&imported, 2),
        [MessageId(3), MessageId(1), MessageId(2)]
    );
    assert_eq!(lane(&imported, 2), lane(&sim, 2));
    assert_eq!(lane(&imported, 1), lane(&sim, 1));
    // The steps alone (what causal-sim runs) reach the same replicas, with
    // the lanes in sending order.
    let (stepped, _) = read.run().unwrap();
    assert_eq!(Report::of(&stepped), Report::of(&sim));
    assert_eq!(
        lane(&stepped, 2),
        [MessageId(1), MessageId(2), MessageId(3)]
    );
}

#[test]
fn reorders_of_the_wrong_form_are_refused_in_the_files_words() {
    let with_lanes = |lanes: &str| {
        format!(
            r#"{{"version": 1, "steps": [{{"op": "write", "replica": 0, "key": "x", "value": "1"}}], "reorders": {lanes}}}"#
        )
    };
    for (lanes, why) in [
        ("3", "\"reorders\" must be a list of reorders, not 3"),
        ("[1]", "\"reorders\", reorder 1: a reorder must be an object such as {\"after\": 0, \"to\": 1, \"index\": 1, \"position\": 0}, not 1"),
        (r#"[{"after": 1, "to": 1, "index": 0}]"#, "\"reorders\", reorder 1: it needs \"position\" (a number from 0)"),
        (r#"[{"after": 1, "to": "B", "index": 0, "position": 0}]"#, "\"reorders\", reorder 1: \"to\" must be a number from 0, not \"B\""),
        (r#"[{"after": 2, "to": 1, "index": 0, "position": 0}]"#, "\"reorders\", reorder 1: \"after\" must be 0 to 1 (reorders in the order of the steps), not 2"),
        (r#"[{"after": 1, "to": 1, "index": 0, "position": 0}, {"after": 0, "to": 1, "index": 0, "position": 0}]"#, "\"reorders\", reorder 2: \"after\" must be 1 to 1 (reorders in the order of the steps), not 0"),
        (r#"[{"after": 1, "after": 1, "to": 1, "index": 0, "position": 0}]"#, "\"reorders\", reorder 1: \"after\" appears twice"),
    ] {
        assert_eq!(
            Scenario::parse(&with_lanes(lanes)).unwrap_err().to_string(),
            why,
            "{lanes}"
        );
    }
    // An empty list, or a reorder with fields of its own, is fine.
    assert!(Scenario::parse(&with_lanes("[]")).is_ok());
    let extra = with_lanes(r#"[{"after": 1, "to": 1, "index": 0, "position": 0, "note": "?"}]"#);
    assert_eq!(Scenario::parse(&extra).unwrap().reorders.len(), 1);
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    assert!(parse_err("{").starts_with("not a scenario file: "));
    assert!(parse_err("[]").starts_with("not a scenario file: "));
    assert_eq!(
        parse_err(r#"{"steps": []}"#),
        "not a scenario file: it has no \"version\" (write \"version\": 1)"
    );
    assert_eq!(
        parse_err(r#"{"version": 2, "steps": []}"#),
        "version must be 1, not 2"
    );
    assert!(parse_err(r#"{"version": "1", "steps": []}"#).contains("version must be 1"));
    assert_eq!(
        parse_err(r#"{"version": 1, "replicas": 9, "steps": []}"#),
        "replicas must be 2 to 8, not 9"
    );
    assert_eq!(
        parse_err(r#"{"version": 1, "replicas": 1, "steps": []}"#),
        "replicas must be 2 to 8, not 1"
    );
    assert!(
        parse_err(r#"{"version": 1, "replicas": "three", "steps": []}"#)
            .contains("replicas must be 2 to 8")
    );
    assert_eq!(
        parse_err(r#"{"version": 1}"#),
        "not a scenario file: it has no \"steps\" (a list of steps, which may be empty)"
    );
    assert_eq!(
        parse_err(r#"{"version": 1, "delivery": "total", "steps": []}"#),
        "delivery must be causal, fifo or unordered, not \"total\""
    );
    assert_eq!(
        parse_err(r#"{"version": 1, "conflicts": 3, "steps": []}"#),
        "conflicts must be overwrite, lww or multi-value, not 3"
    );
    // A malformed step is named by its number, from 1.
    let e = parse_err(
        r#"{"version": 1, "steps": [{"op": "deliver-all"}, {"op": "teleport", "to": 1}]}"#,
    );
    assert!(e.starts_with("step 2: "), "{e}");
    let e = parse_err(
        r#"{"version": 1, "steps": [{"op": "write", "replica": 0, "key": 1, "value": "v"}]}"#,
    );
    assert!(e.starts_with("step 1: "), "{e}");
    let e = parse_err(r#"{"version": 1, "steps": [{"op": "deliver", "message": 1}]}"#);
    assert!(e.starts_with("step 1: ") && e.contains("to"), "{e}");
    // Every reason is one line.
    for text in ["{", r#"{"version": 1, "steps": [{"op": 7}]}"#] {
        assert!(!parse_err(text).contains('\n'));
    }
}

#[test]
fn a_refused_step_is_named_and_nothing_is_half_applied() {
    let scenario = Scenario::parse(
        r#"{"version": 1, "steps": [
            {"op": "write", "replica": 0, "key": "x", "value": "1"},
            {"op": "write", "replica": 1, "key": "x", "value": "2"},
            {"op": "deliver", "message": 1, "to": 1},
            {"op": "deliver", "message": 3, "to": 1}
        ]}"#,
    )
    .unwrap();
    let error = scenario.run().expect_err("step 4 is refused");
    assert_eq!(
        error,
        ScenarioError::Step(StepError {
            step: 4,
            error: Error::NotInFlight {
                message: MessageId(3),
                to: 1
            }
        })
    );
    assert_eq!(
        error.to_string(),
        "step 4: message 3 is not in flight to replica 1"
    );
    for (step, reason) in [
        (
            r#"{"op": "write", "replica": 3, "key": "x", "value": "1"}"#,
            "replica 3 does not exist: there are 3, numbered 0 to 2",
        ),
        (
            r#"{"op": "duplicate", "message": 1, "to": 0}"#,
            "message 1 cannot be sent to replica 0: it is the message's sender",
        ),
        (
            r#"{"op": "duplicate", "message": 5, "to": 1}"#,
            "message 5 has not been written",
        ),
        (
            r#"{"op": "deliver-next", "to": 0}"#,
            "nothing is in flight to replica 0",
        ),
        (
            r#"{"op": "reorder", "to": 1, "index": 0, "position": 3}"#,
            "the lane to replica 1 has 1 copies: there is no position 3",
        ),
    ] {
        let text = format!(
            r#"{{"version": 1, "steps": [{{"op": "write", "replica": 0, "key": "x", "value": "1"}}, {step}]}}"#
        );
        let error = Scenario::parse(&text).unwrap().run().expect_err(reason);
        assert_eq!(error.to_string(), format!("step 2: {reason}"));
    }
}

/// Refusals say what was wrong in the file's own words, never the parser's
/// ("invalid length 0, expected struct ...", "unknown variant `teleport`").
#[test]
fn refusals_are_sentences_in_the_files_words() {
    for (text, reason) in [
        (
            "[]",
            "not a scenario file: it must be an object such as {\"version\": 1, \"steps\": []}, not a list",
        ),
        ("", "not a scenario file: it is empty"),
        ("  \n", "not a scenario file: it is empty"),
        (
            r#"{"version": 1, "steps": [{"op": "write", "replica": 0, "key": "x", "value": "1"}, {"op": "teleport", "to": 1}]}"#,
            "step 2: unknown op \"teleport\" (expected write, deliver, drop, duplicate, deliver-all, deliver-next or reorder)",
        ),
        (
            r#"{"version": 1, "steps": [{"to": 1}]}"#,
            "step 1: it has no \"op\" (one of write, deliver, drop, duplicate, deliver-all, deliver-next or reorder)",
        ),
        (
            r#"{"version": 1, "steps": [{"op": "deliver-all"}, 7]}"#,
            "step 2: a step must be an object such as {\"op\": \"deliver-all\"}, not 7",
        ),
        (
            r#"{"version": 1, "steps": [{"op": "write", "replica": 0, "key": 1, "value": "v"}]}"#,
            "step 1: \"key\" must be a text, not 1",
        ),
        (
            r#"{"version": 1, "steps": [{"op": "write", "replica": -1, "key": "k", "value": "v"}]}"#,
            "step 1: \"replica\" must be a replica number from 0, not -1",
        ),
        (
            r#"{"version": 1, "steps": [{"op": "deliver", "message": 1}]}"#,
            "step 1: a deliver step needs \"to\" (a replica number from 0)",
        ),
        (
            r#"{"version": 1, "steps": [{"op": "drop", "message": 4294967296, "to": 1}]}"#,
            "step 1: \"message\" must be a message number from 1, not 4294967296",
        ),
        (
            r#"{"version": 1, "steps": [{"op": "reorder", "to": 1, "index": 0, "position": "top"}]}"#,
            "step 1: \"position\" must be a lane position from 0, not \"top\"",
        ),
        (
            r#"{"version": 1, "steps": {"op": "deliver-all"}}"#,
            "\"steps\" must be a list of steps, not an object",
        ),
        (
            r#"{"version": 1, "title": 5, "steps": []}"#,
            "\"title\" must be a text, not 5",
        ),
        (
            r#"{"version": 1, "replicas": [3], "steps": []}"#,
            "replicas must be 2 to 8, not a list",
        ),
        (r#"{"version": 1.5, "steps": []}"#, "version must be 1, not 1.5"),
        (
            r#"{"version": 1, "steps": [{"op": "deliver-next", "to": 0.5}]}"#,
            "step 1: \"to\" must be a replica number from 0, not 0.5",
        ),
        (
            r#"{"version": null, "steps": []}"#,
            "version must be 1, not null",
        ),
    ] {
        assert_eq!(parse_err(text), reason, "{text}");
    }
    // JSON that does not parse says where.
    assert_eq!(
        parse_err("{ not json"),
        "not a scenario file: key must be a string, at line 1, column 3"
    );
    assert_eq!(
        parse_err(r#"{"version": 1, "steps": ["#),
        "not a scenario file: it ends too early, at line 1, column 25"
    );
}

/// JSON lets an object repeat a key, and the last one would silently win:
/// a scenario refuses it, at the top and in a step, naming the step.
#[test]
fn a_repeated_key_is_refused() {
    assert_eq!(
        parse_err(
            r#"{"version": 1, "steps": [{"op": "deliver-all"}, {"op": "write", "op": "deliver-all", "replica": 0, "key": "x", "value": "1"}]}"#
        ),
        "step 2: \"op\" appears twice"
    );
    assert_eq!(
        parse_err(
            r#"{"version": 1, "steps": [{"op": "write", "replica": 0, "key": "x", "key": "y", "value": "1"}]}"#
        ),
        "step 1: \"key\" appears twice"
    );
    assert_eq!(
        parse_err(r#"{"version": 1, "steps": [], "steps": []}"#),
        "\"steps\" appears twice"
    );
    // Unknown fields are ignored, repeated or not, wherever they are.
    let scenario = Scenario::parse(
        r#"{"version": 1, "lane": 1, "lane": [2], "steps": [{"op": "deliver-all", "note": 1, "note": {"a": [1]}}]}"#,
    )
    .unwrap();
    assert_eq!(scenario.steps, [Command::DeliverAll]);
}

/// Input is quoted shortened: the reason stays one short line whatever the
/// input holds.
#[test]
fn long_input_is_quoted_shortened() {
    let long = "x".repeat(1_000_000);
    let text = format!(r#"{{"version": 1, "steps": [{{"op": "{long}"}}]}}"#);
    let reason = parse_err(&text);
    assert!(reason.len() < 300, "{} characters", reason.len());
    assert!(
        reason.starts_with(&format!(
            "step 1: unknown op \"{}...\" (1,000,000 characters)",
            "x".repeat(24)
        )),
        "{reason}"
    );
    for text in [
        format!(r#"{{"version": "{long}", "steps": []}}"#),
        format!(r#"{{"version": 1, "delivery": "{long}", "steps": []}}"#),
        format!(r#"{{"version": 1, "steps": [{{"op": "write", "replica": "{long}"}}]}}"#),
        format!(
            r#"{{"version": 1, "steps": ["{}"]}}"#,
            "\\n".repeat(100_000)
        ),
    ] {
        let reason = parse_err(&text);
        assert!(reason.len() < 300 && !reason.contains('\n'), "{reason}");
        assert!(
            reason.contains("(1,000,000 characters)") || reason.contains("(100,000 characters)"),
            "{reason}"
        );
    }
}

/// A whole number written with a decimal point (as JavaScript hands numbers
/// over) is that number.
#[test]
fn whole_numbers_may_have_a_decimal_point() {
    let scenario = Scenario::parse(
        r#"{"version": 1.0, "replicas": 2.0, "steps": [{"op": "deliver-next", "to": 1.0}]}"#,
    )
    .unwrap();
    assert_eq!(scenario.replicas, 2);
    assert_eq!(scenario.steps, [Command::DeliverNext { to: 1 }]);
}

/// A file saved with a UTF-8 byte order mark reads as without one.
#[test]
fn a_byte_order_mark_is_read() {
    let text = r#"{"version": 1, "steps": [{"op": "deliver-all"}]}"#;
    assert_eq!(
        Scenario::parse(&format!("\u{feff}{text}")).unwrap(),
        Scenario::parse(text).unwrap()
    );
    // Only at the start.
    assert!(Scenario::parse(&format!("{text}\u{feff}")).is_err());
}

/// A replay stops at the refused step, named from 1; a refused replica count
/// names no step.
#[test]
fn a_step_error_names_its_step() {
    let config = causal_core::Config::default();
    let steps = [
        Command::Write {
            replica: 0,
            key: "x".into(),
            value: "1".into(),
        },
        Command::DeliverNext { to: 0 },
    ];
    let e = Simulation::replay(config, &steps).unwrap_err();
    assert_eq!((e.step, e.error.clone()), (2, Error::LaneEmpty(0)));
    assert_eq!(e.to_string(), "step 2: nothing is in flight to replica 0");
    assert_eq!(
        Simulation::replay_owned(config, steps.to_vec()).unwrap_err(),
        e
    );
    let nine = causal_core::Config {
        replicas: 9,
        ..config
    };
    let e = Simulation::replay(nine, &[]).unwrap_err();
    assert_eq!(e.step, 0);
    assert_eq!(e.to_string(), "there must be 2 to 8 replicas, not 9");
}
