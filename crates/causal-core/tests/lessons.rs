//! The lesson files under `lessons/` (every one must parse: a broken lesson
//! fails the build), the lesson format's errors, and the answers the engine
//! computes for predictions, on states made by hand.

use std::path::PathBuf;

use causal_core::{
    check_act, Command, Config, Conflicts, Delivery, Lesson, MessageId, Question, Simulation, Step,
};

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../lessons"))
}

/// Every lesson file (puzzles live in a folder of their own, not read here).
fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("lessons/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> Lesson {
    let text = std::fs::read_to_string(dir().join(format!("{name}.json"))).unwrap();
    Lesson::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_lesson_file_parses_and_can_be_completed() {
    let files = files();
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            name.len() <= 32
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{name} is not short kebab-case"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lesson = Lesson::parse(&text).unwrap_or_else(|e| panic!("lessons/{name}.json: {e}"));
        assert!(
            !lesson.next.trim().is_empty(),
            "{name} says nothing about what to try next"
        );
        // Every lesson reads, acts and predicts.
        for kind in ["read", "act", "predict"] {
            assert!(
                lesson.steps.iter().any(|s| s.kind() == kind),
                "{name} has no {kind} step"
            );
        }
        // Walk it as a learner would: each act is accepted where it stands,
        // each question has its answer among two to four distinct choices.
        let mut sim = lesson.opening();
        for (i, step) in lesson.steps.iter().enumerate() {
            assert_eq!(sim, lesson.state_at(i), "{name} step {}", i + 1);
            // A prediction's own prompt may stand alone.
            let prompt = match step {
                Step::Predict { posed, .. } => posed.prompt.as_str(),
                _ => "",
            };
            assert!(
                !format!("{}{prompt}", step.text()).trim().is_empty(),
                "{name} step {} has no text",
                i + 1
            );
            match step {
                Step::Act { expect, .. } => {
                    assert_eq!(check_act(&sim, expect, expect), Ok(()));
                    sim.apply(expect.clone())
                        .unwrap_or_else(|e| panic!("{name} step {}: {e}", i + 1));
                }
                Step::Predict { posed, .. } => {
                    assert!(
                        (2..=4).contains(&posed.choices.len()),
                        "{name} step {}",
                        i + 1
                    );
                    assert!(posed.answer < posed.choices.len());
                    let mut labels: Vec<&str> =
                        posed.choices.iter().map(|c| c.label.as_str()).collect();
                    labels.sort();
                    labels.dedup();
                    assert_eq!(labels.len(), posed.choices.len(), "{name} step {}", i + 1);
                    // One right answer; every wrong choice told in words of its own.
                    assert_eq!(posed.check(), Ok(()), "{name} step {}", i + 1);
                    for (c, choice) in posed.choices.iter().enumerate() {
                        assert!(!choice.why.trim().is_empty(), "{name} step {}", i + 1);
                        // Feedback is words a beginner reads, never a chain of `=`.
                        assert!(
                            choice.why.matches(" = ").count() <= 1,
                            "{name} step {} choice {}: {}",
                            i + 1,
                            c + 1,
                            choice.why
                        );
                    }
                }
                Step::Read { .. } => {}
            }
        }
    }
}

#[test]
fn the_five_lessons_of_the_issue_teach_what_they_say() {
    // Why hold back: C holds m2, waiting for m1; delivering m1 releases it.
    let lesson = load("why-hold-back");
    let answers: Vec<String> = lesson
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Predict { posed, .. } => Some(posed.choices[posed.answer].label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(answers, ["hold it back", "m1", "[1,1,0]"]);
    // FIFO is not causal: fifo holds m3, delivers m2 (m1 missing); causal holds m2.
    let answers: Vec<String> = load("fifo-is-not-causal")
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Predict { posed, .. } => Some(posed.choices[posed.answer].label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers,
        [
            "hold it back",
            "deliver it",
            "hold it back",
            "a violation: m1 is missing"
        ]
    );
    // Concurrent writes: C ends blue; replicas disagree; lww blue; multi-value both.
    let lesson = load("concurrent-writes");
    let predicts: Vec<(String, String)> = lesson
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Predict { posed, .. } => Some((
                posed.prompt.clone(),
                posed.choices[posed.answer].label.clone(),
            )),
            _ => None,
        })
        .collect();
    let answers: Vec<&str> = predicts.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        answers,
        [
            "deliver it",
            "blue",
            "no: they end different",
            "blue",
            "red and blue, both kept"
        ]
    );
    assert!(
        predicts[3].0.starts_with("Under lww, when every message"),
        "{}",
        predicts[3].0
    );
    // Lost and duplicated: held, waits for m1, released to [2,0,0], discarded.
    let answers: Vec<String> = load("lost-and-duplicated")
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Predict { posed, .. } => Some(posed.choices[posed.answer].label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers,
        ["hold it back", "m1", "[2,0,0]", "discard it as a duplicate"]
    );
    // What a vector clock counts: a write ticks, a delivery merges.
    let answers: Vec<String> = load("vector-clocks")
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Predict { posed, .. } => Some(posed.choices[posed.answer].label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(answers, ["[1,0,0]", "[1,0,0]", "[1,1,0]"]);
}

// ---------------------------------------------------------------------------
// Answers on hand-made states.
// ---------------------------------------------------------------------------

fn sim(delivery: Delivery, conflicts: Conflicts, steps: &[Command]) -> Simulation {
    let mut sim = Simulation::new(Config {
        replicas: 3,
        delivery,
        conflicts,
    })
    .unwrap();
    for step in steps {
        sim.apply(step.clone()).unwrap();
    }
    sim
}

fn write(replica: usize, key: &str, value: &str) -> Command {
    Command::write(replica, key, value)
}

fn deliver(message: u32, to: usize) -> Command {
    Command::deliver(message, to)
}

/// A writes x = 1 (m1), B delivers it and writes y = 2 (m2).
fn classic(delivery: Delivery) -> Simulation {
    sim(
        delivery,
        Conflicts::Overwrite,
        &[write(0, "x", "1"), deliver(1, 1), write(1, "y", "2")],
    )
}

fn right(question: Question, sim: &Simulation) -> (String, String) {
    let posed = question.pose(sim).unwrap();
    let choice = &posed.choices[posed.answer];
    (choice.label.clone(), choice.why.clone())
}

#[test]
fn outcome_follows_the_rule_with_its_numbers() {
    let q = Question::Outcome {
        message: MessageId(2),
        to: 2,
    };
    let posed = q.pose(&classic(Delivery::Causal)).unwrap();
    assert_eq!(posed.prompt, "What will C do with m2 when it arrives?");
    assert_eq!(posed.choices[posed.answer].label, "hold it back");
    // The wrong "deliver" is told why not, in words, then the numbers.
    assert_eq!(
        posed.choices[0].why,
        "Not yet: C has not delivered everything m2 must come after. \
         m2 from B waits for A#1 (m1): C has delivered 0 of A's writes. \
         m2 [1,1,0] against C [0,0,0]: entry A fails."
    );
    // The wrong "hold" under fifo says what fifo checks, and is true.
    let fifo = Question::Outcome {
        message: MessageId(2),
        to: 2,
    }
    .pose(&classic(Delivery::Fifo))
    .unwrap();
    assert!(
        fifo.choices[1].why.starts_with(
            "Under fifo, C only checks that m2 is the next message from B, and it is."
        ),
        "{}",
        fifo.choices[1].why
    );
    let (label, why) = right(q.clone(), &classic(Delivery::Fifo));
    assert_eq!(label, "deliver it");
    assert!(why.contains("m1 happened before m2"), "{why}");
    // Already delivered: discarded.
    let q = Question::Outcome {
        message: MessageId(1),
        to: 1,
    };
    assert_eq!(
        right(q, &classic(Delivery::Causal)).0,
        "discard it as a duplicate"
    );
}

#[test]
fn clock_answers_merge_and_tick_and_offer_the_usual_mistakes() {
    let held = Question::Clock {
        replica: 2,
        after: deliver(2, 2),
    };
    let posed = held.pose(&classic(Delivery::Causal)).unwrap();
    assert_eq!(
        posed.prompt,
        "What will C's clock be after m2 arrives at C?"
    );
    assert_eq!(posed.choices[posed.answer].label, "[0,0,0]");
    let labels: Vec<&str> = posed.choices.iter().map(|c| c.label.as_str()).collect();
    // Ascending, so the answer is not always first; the copy of m2's
    // timestamp is among the mistakes.
    assert_eq!(labels, ["[0,0,0]", "[0,0,1]", "[1,1,0]", "[1,1,1]"]);
    assert!(posed.choices[2]
        .why
        .contains("is not replaced by m2's timestamp"));
    assert!(posed.choices[posed.answer]
        .why
        .contains("holding a message back does not change the clock"));
    // Under fifo it is delivered: max merges.
    let (label, why) = right(held, &classic(Delivery::Fifo));
    assert_eq!(label, "[1,1,0]");
    assert!(
        why.contains("merges its timestamp [1,1,0] into C's clock [0,0,0]"),
        "{why}"
    );
    // A write ticks the writer's entry only.
    let q = Question::Clock {
        replica: 1,
        after: write(1, "z", "3"),
    };
    let (label, why) = right(q, &classic(Delivery::Causal));
    assert_eq!(label, "[1,2,0]");
    assert!(why.contains("B's entry goes from 1 to 2"), "{why}");
    // A step elsewhere leaves the clock alone.
    let q = Question::Clock {
        replica: 0,
        after: deliver(2, 2),
    };
    assert_eq!(right(q, &classic(Delivery::Causal)).0, "[1,0,0]");
    // A refused step cannot be asked about.
    let q = Question::Clock {
        replica: 0,
        after: deliver(7, 2),
    };
    assert!(q.pose(&classic(Delivery::Causal)).is_err());
}

#[test]
fn waits_for_names_the_gap_of_a_held_or_arriving_message() {
    let mut s = sim(
        Delivery::Causal,
        Conflicts::Overwrite,
        &[write(0, "x", "1"), write(0, "x", "2"), write(0, "x", "3")],
    );
    let q = Question::WaitsFor {
        message: MessageId(3),
        to: 2,
    };
    let (label, why) = right(q.clone(), &s);
    assert_eq!(label, "m1 and m2");
    assert!(why.contains("A#1..A#2"), "{why}");
    assert!(
        why.contains("m3 [3,0,0] against C [0,0,0]: entry A fails."),
        "{why}"
    );
    // Held, after m1 arrived: only m2 is left.
    s.apply(deliver(3, 2)).unwrap();
    s.apply(deliver(1, 2)).unwrap();
    let posed = q.pose(&s).unwrap();
    assert_eq!(posed.choices[posed.answer].label, "m2");
    let wrong = posed
        .choices
        .iter()
        .find(|c| c.label == "m1 and m2")
        .unwrap();
    assert!(
        wrong.why.starts_with("C has delivered m1 already."),
        "{}",
        wrong.why
    );
    // Deliverable: nothing.
    let q = Question::WaitsFor {
        message: MessageId(2),
        to: 1,
    };
    let mut s = s.clone();
    s.apply(deliver(1, 1)).unwrap();
    assert_eq!(right(q, &s).0, "nothing: it can be delivered now");
    // Neither held nor in flight: cannot be asked.
    let q = Question::WaitsFor {
        message: MessageId(1),
        to: 2,
    };
    assert!(q.pose(&s).is_err());
}

#[test]
fn violations_are_named_under_fifo_and_never_under_causal() {
    let q = Question::Violations {
        message: MessageId(2),
        to: 2,
    };
    assert_eq!(
        right(q.clone(), &classic(Delivery::Fifo)).0,
        "a violation: m1 is missing"
    );
    assert_eq!(
        right(q.clone(), &classic(Delivery::Unordered)).0,
        "a violation: m1 is missing"
    );
    let (label, why) = right(q, &classic(Delivery::Causal));
    assert_eq!(label, "no violation: nothing is missing");
    assert!(why.contains("holds m2 back"), "{why}");
}

fn colors(conflicts: Conflicts) -> Simulation {
    sim(
        Delivery::Causal,
        conflicts,
        &[
            write(0, "color", "red"),
            write(1, "color", "blue"),
            deliver(2, 0),
            deliver(1, 1),
        ],
    )
}

#[test]
fn final_values_under_each_conflict_rule() {
    let at = |replica| Question::FinalValue {
        replica,
        key: "color".into(),
    };
    // Overwrite: the last delivered; C gets m1 then m2 (sending order).
    let s = colors(Conflicts::Overwrite);
    assert_eq!(right(at(0), &s).0, "blue");
    assert_eq!(right(at(1), &s).0, "red");
    // C's value depends on which of m1 and m2 arrives last: refused, with why.
    let refused = at(2).pose(&s).unwrap_err();
    assert!(
        refused.contains("depends on the order in which the messages in flight arrive"),
        "{refused}"
    );
    // Once m1 has arrived, the order is stated.
    let mut s = s.clone();
    s.apply(deliver(1, 2)).unwrap();
    let (label, why) = right(at(2), &s);
    assert_eq!(label, "blue");
    assert!(
        why.contains("m1 (red, [1,0,0]), then m2 (blue, [0,1,0])"),
        "{why}"
    );
    // lww: equal sums, B is the later sender and wins the tie.
    let (label, why) = right(at(1), &colors(Conflicts::Lww));
    assert_eq!(label, "blue");
    assert!(
        why.contains("on a tie, the sender later in A, B, C wins"),
        "{why}"
    );
    assert!(why.contains("m2 (blue) has clock sum 1, from B"), "{why}");
    // multi-value: both, as siblings; a later write replaces them.
    let posed = at(2).pose(&colors(Conflicts::MultiValue)).unwrap();
    let labels: Vec<&str> = posed.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["blue", "red", "red and blue, both kept"]);
    assert_eq!(posed.answer, 2);
    let mut s = colors(Conflicts::MultiValue);
    s.apply(write(0, "color", "green")).unwrap();
    let (label, why) = right(at(1), &s);
    assert_eq!(label, "green");
    assert!(why.contains("replaces"), "{why}");
    // A key nobody wrote cannot be asked about.
    let q = Question::FinalValue {
        replica: 0,
        key: "nope".into(),
    };
    assert!(q.pose(&s).is_err());
}

#[test]
fn final_value_tells_of_a_message_held_for_good() {
    let mut s = sim(
        Delivery::Causal,
        Conflicts::Overwrite,
        &[write(0, "x", "1"), write(0, "x", "2")],
    );
    s.apply(Command::Drop {
        message: MessageId(1),
        to: 1,
    })
    .unwrap();
    let (label, why) = right(
        Question::FinalValue {
            replica: 1,
            key: "x".into(),
        },
        &s,
    );
    assert_eq!(label, "no value");
    assert!(why.contains("B still holds m2"), "{why}");
}

#[test]
fn agree_says_where_replicas_differ() {
    let (label, why) = right(Question::Agree, &colors(Conflicts::Overwrite));
    assert_eq!(label, "no: they end different");
    assert!(
        why.contains("color is blue (m2) at A, C but red (m1) at B"),
        "{why}"
    );
    let (label, why) = right(Question::Agree, &colors(Conflicts::Lww));
    assert_eq!(label, "yes: they all end the same");
    assert!(
        why.contains("Every replica ends with color = blue"),
        "{why}"
    );
}

#[test]
fn an_act_is_checked_against_what_the_learner_did() {
    let s = classic(Delivery::Causal);
    // The same deliver, and the lane's first card, are the act.
    assert_eq!(check_act(&s, &deliver(2, 2), &deliver(2, 2)), Ok(()));
    let first_in_lane_2 = Command::DeliverNext { to: 2 };
    assert_eq!(check_act(&s, &deliver(1, 2), &first_in_lane_2), Ok(()));
    // Anything else is named, with the way back.
    assert_eq!(
        check_act(&s, &deliver(2, 2), &deliver(1, 2)),
        Err("That was not m2 to C: undo it and try again.".into())
    );
    assert_eq!(
        check_act(&s, &write(0, "x", "1"), &write(0, "x", "2")),
        Err("That was not a write of x = 1 at A: undo it and try again.".into())
    );
}

// ---------------------------------------------------------------------------
// The format's errors: each names where and why.
// ---------------------------------------------------------------------------

fn lesson_with(steps: &str) -> String {
    format!(
        r#"{{"version": 1, "title": "t", "summary": "s",
            "start": {{"version": 1, "replicas": 3, "steps": [
                {{"op": "write", "replica": 0, "key": "x", "value": "1"}}]}},
            "steps": [{steps}]}}"#
    )
}

fn error(text: &str) -> String {
    Lesson::parse(text).expect_err("refused").to_string()
}

#[test]
fn broken_lessons_are_refused_with_the_step_and_the_reason() {
    assert!(error("{").starts_with("not a lesson file: "));
    assert!(error(&lesson_with("")).contains("at least one step"));
    assert_eq!(
        error(&lesson_with(
            r#"{"kind": "act", "expect": {"op": "deliver", "message": 2, "to": 1}}"#
        )),
        "step 1: the act cannot be done here: message 2 is not in flight to replica 1"
    );
    // Acts change the state later steps see.
    assert_eq!(
        error(&lesson_with(
            r#"{"kind": "act", "expect": {"op": "deliver", "message": 1, "to": 1}},
               {"kind": "predict", "question": {"ask": "waits-for", "message": 1, "to": 1}}"#
        )),
        "step 2: B has already delivered m1"
    );
    assert_eq!(
        error(&lesson_with(
            r#"{"kind": "predict", "question": {"ask": "outcome", "message": 4, "to": 1}}"#
        )),
        "step 1: message 4 has not been written yet"
    );
    // A typo is caught, not ignored.
    assert!(error(&lesson_with(
        r#"{"kind": "read", "text": "hi", "higlight": []}"#
    ))
    .starts_with("step 1: unknown field `higlight`"));
    assert!(error(&lesson_with(
        r#"{"kind": "predict", "question": {"ask": "outcome", "message": 1, "to": 1, "answer": 2}}"#
    ))
    .starts_with("step 1: unknown field `answer`"));
    assert!(error(&lesson_with(
        r#"{"kind": "read", "text": "hi", "highlight": ["clock-3"]}"#
    ))
    .contains("replica 3 does not exist"));
    assert!(error(&lesson_with(
        r#"{"kind": "read", "text": "hi", "highlight": ["knob"]}"#
    ))
    .contains("is not a page element"));
    assert!(error(&lesson_with(
        r#"{"kind": "read", "text": "hi", "highlight": ["message-9"]}"#
    ))
    .contains("message-9: that message is never written"));
    assert!(error(&lesson_with(r#"{"kind": "read", "text": " "}"#)).contains("needs some text"));
    assert!(
        error(&lesson_with(r#"{"kind": "wait"}"#)).starts_with("step 1: unknown variant `wait`")
    );
    let bad_start = r#"{"version": 1, "title": "t", "summary": "s",
        "start": {"version": 1, "steps": [{"op": "deliver", "message": 1, "to": 1}]},
        "steps": [{"kind": "read", "text": "hi"}]}"#;
    assert_eq!(
        error(bad_start),
        "start: step 1: message 1 is not in flight to replica 1"
    );
}

#[test]
fn an_ill_posed_question_is_refused_with_its_step_and_why() {
    // Two concurrent writes in flight to C: C's final color depends on the
    // order they arrive in, so the question has no single right answer.
    let lesson = |question: &str| {
        format!(
            r#"{{"version": 1, "title": "t", "summary": "s",
               "start": {{"version": 1, "replicas": 3, "steps": [
                 {{"op": "write", "replica": 0, "key": "color", "value": "red"}},
                 {{"op": "write", "replica": 1, "key": "color", "value": "blue"}}]}},
               "steps": [{{"kind": "read", "text": "Two writes."}},
                         {{"kind": "predict", "question": {question}}}]}}"#
        )
    };
    let err = Lesson::parse(&lesson(
        r#"{"ask": "final-value", "replica": 2, "key": "color"}"#,
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("step 2: the value of color at C depends on the order"),
        "{err}"
    );
    // Whether they agree does not depend on it (A and B differ either way).
    assert!(Lesson::parse(&lesson(r#"{"ask": "agree"}"#)).is_ok());
    // Stated order: once m1 has arrived at C, one answer is right.
    let stated = lesson(r#"{"ask": "final-value", "replica": 2, "key": "color"}"#).replace(
        r#"{"kind": "read", "text": "Two writes."}"#,
        r#"{"kind": "act", "expect": {"op": "deliver", "message": 1, "to": 2}}"#,
    );
    assert!(Lesson::parse(&stated).is_ok());
}

#[test]
fn every_wrong_choice_of_every_lesson_has_feedback_of_its_own() {
    for path in files() {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let lesson = load(&name);
        for (i, step) in lesson.steps.iter().enumerate() {
            let Step::Predict { posed, under, .. } = step else {
                continue;
            };
            // The right answer is the engine's, from the state shown.
            let state = match under {
                None => lesson.state_at(i),
                Some((d, c)) => lesson.state_at(i).with_rules(*d, *c).unwrap(),
            };
            let rights = posed
                .choices
                .iter()
                .enumerate()
                .filter(|(c, _)| *c == posed.answer)
                .count();
            assert_eq!(rights, 1, "{name} step {}", i + 1);
            assert!(state.replicas().len() >= 2);
            let mut whys: Vec<&str> = posed.choices.iter().map(|c| c.why.as_str()).collect();
            whys.sort();
            whys.dedup();
            assert_eq!(
                whys.len(),
                posed.choices.len(),
                "{name} step {}: two choices told the same",
                i + 1
            );
        }
    }
}
