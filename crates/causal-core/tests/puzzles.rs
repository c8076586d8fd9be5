//! Every puzzle under lessons/puzzles/ is a valid puzzle file, its par (the
//! engine's breadth-first search) is what a brute force over every sequence
//! of moves finds, and its shortest solution solves it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use causal_core::{Command, Delivery, Event, Move, Puzzle, ReplicaId, Simulation, Solution};

fn puzzles() -> Vec<(String, Puzzle)> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../lessons/puzzles"
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let puzzle = Puzzle::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, puzzle)
        })
        .collect()
}

/// Every move the rules allow, listed the plain way.
fn moves(puzzle: &Puzzle, sim: &Simulation) -> Vec<Command> {
    let mut all = Vec::new();
    let copies: BTreeSet<_> = sim.in_flight().map(|c| (c.message, c.to)).collect();
    for &(message, to) in &copies {
        if puzzle.moves.contains(&Move::Deliver) {
            all.push(Command::Deliver { message, to });
        }
        if puzzle.moves.contains(&Move::Drop) {
            all.push(Command::Drop { message, to });
        }
    }
    if puzzle.moves.contains(&Move::Duplicate) {
        for m in sim.messages().iter() {
            for to in (0..sim.replicas().len()).filter(|&to| to != m.sender) {
                all.push(Command::Duplicate { message: m.id, to });
            }
        }
    }
    all
}

/// Whether some sequence of exactly `depth` moves (no state shared) reaches
/// the goal; with `depth` None, whether any sequence at all does (the moves
/// must run out: deliveries and drops only).
fn reachable(
    puzzle: &Puzzle,
    sim: &Simulation,
    violated: &BTreeSet<ReplicaId>,
    depth: Option<usize>,
) -> bool {
    if depth == Some(0) || depth.is_none() && puzzle.goal.holds(sim, violated) {
        return puzzle.goal.holds(sim, violated);
    }
    moves(puzzle, sim).into_iter().any(|command| {
        let mut next = sim.clone();
        let events = next.apply(command).unwrap();
        let mut now = violated.clone();
        now.extend(events.iter().filter_map(|e| match e {
            Event::Violation(v) => Some(v.replica),
            _ => None,
        }));
        reachable(puzzle, &next, &now, depth.map(|d| d - 1))
    })
}

fn start(puzzle: &Puzzle, rule: Delivery) -> Simulation {
    let config = causal_core::Config {
        delivery: rule,
        ..puzzle.start.config()
    };
    Simulation::replay(config, &puzzle.start.steps).unwrap()
}

#[test]
fn there_are_at_least_six_puzzles_each_with_a_title_and_a_paragraph() {
    let all = puzzles();
    assert!(all.len() >= 6, "{} puzzles", all.len());
    for (name, puzzle) in &all {
        assert!(puzzle.title.len() >= 5, "{name}");
        assert!(
            puzzle.description.split_whitespace().count() >= 25,
            "{name}: one paragraph"
        );
        assert!(!puzzle.description.contains('\n'), "{name}");
    }
}

#[test]
fn every_par_is_what_a_brute_force_finds() {
    for (name, puzzle) in puzzles() {
        let Solution::Solved { par, moves, .. } = puzzle.solve() else {
            panic!("{name}: not solvable under its own rule");
        };
        assert_eq!(moves.len(), par, "{name}");
        assert!(
            puzzle.solved_by(&moves),
            "{name}: the solution does not solve it"
        );
        let sim = start(&puzzle, puzzle.rule);
        for shorter in 0..par {
            assert!(
                !reachable(&puzzle, &sim, &BTreeSet::new(), Some(shorter)),
                "{name}: {shorter} moves reach the goal, par says {par}"
            );
        }
        assert!(
            reachable(&puzzle, &sim, &BTreeSet::new(), Some(par)),
            "{name}"
        );
    }
}

#[test]
fn goals_impossible_under_a_rule_are_said_so_and_are() {
    let mut impossible = 0;
    for (name, puzzle) in puzzles() {
        for rule in Delivery::ALL {
            let verdict = puzzle.solve_under(rule);
            if puzzle.moves.contains(&Move::Duplicate) {
                // Duplicates never run out: the search can only say "solved".
                assert!(matches!(verdict, Solution::Solved { .. }), "{name} {rule}");
                continue;
            }
            let sim = start(&puzzle, rule);
            let possible = reachable(&puzzle, &sim, &BTreeSet::new(), None);
            match verdict {
                Solution::Solved { par, .. } => {
                    assert!(possible, "{name} under {rule}");
                    assert!(reachable(&puzzle, &sim, &BTreeSet::new(), Some(par)));
                }
                Solution::Impossible { .. } => {
                    assert!(!possible, "{name} under {rule}: solvable");
                    impossible += 1;
                }
                Solution::NotFound { .. } => panic!("{name} under {rule}: search gave up"),
            }
        }
    }
    // Some of the puzzles teach that a rule forbids what another allows.
    assert!(impossible >= 3, "{impossible}");
    let (_, fifo) = puzzles()
        .into_iter()
        .find(|(name, _)| name == "fifo-violation")
        .unwrap();
    assert!(matches!(
        fifo.solve_under(Delivery::Causal),
        Solution::Impossible { .. }
    ));
}

#[test]
fn moves_outside_the_rules_do_not_solve_a_puzzle() {
    let (_, puzzle) = puzzles()
        .into_iter()
        .find(|(name, _)| name == "three-held")
        .unwrap();
    let Solution::Solved { moves, .. } = puzzle.solve() else {
        panic!()
    };
    let mut with_a_drop = moves.clone();
    with_a_drop.insert(
        0,
        Command::Drop {
            message: causal_core::MessageId(1),
            to: 1,
        },
    );
    assert!(!puzzle.solved_by(&with_a_drop));
    assert!(!puzzle.solved_by(&moves[..moves.len() - 1]));
}

#[test]
fn bad_puzzle_files_are_refused_with_a_reason() {
    let good = r#"{
        "title": "T", "description": "D", "rule": "causal",
        "start": {"version": 1, "steps": [{"op": "write", "replica": 0, "key": "x", "value": "1"}]},
        "goal": {"kind": "holding", "replica": 2, "count": 1},
        "moves": ["deliver"]
    }"#;
    assert!(Puzzle::parse(good).is_ok());
    for (from, to, reason) in [
        (
            r#""replica": 2, "count": 1"#,
            r#""replica": 5, "count": 1"#,
            "the goal names replica 5: there are 3, numbered 0 to 2",
        ),
        (
            r#""count": 1"#,
            r#""count": 0"#,
            "a holding goal needs a count of 1 or more",
        ),
        (r#"["deliver"]"#, "[]", "the puzzle allows no move"),
        (
            r#"["deliver"]"#,
            r#"["deliver", "deliver"]"#,
            "the puzzle lists a move twice",
        ),
        (
            r#""title": "T""#,
            r#""title": " ""#,
            "the puzzle has no title",
        ),
        (
            r#""kind": "holding", "replica": 2, "count": 1"#,
            r#""kind": "in-flight", "message": 1"#,
            "the goal is already met at the start",
        ),
        (
            r#""kind": "holding", "replica": 2, "count": 1"#,
            r#""kind": "delivered", "message": 4, "at": 1"#,
            "the goal names message 4: the start writes 1",
        ),
        (
            r#""value": "1"}]"#,
            r#""value": "1"}, {"op": "deliver", "message": 2, "to": 1}]"#,
            "the start does not run: step 2: message 2 is not in flight to replica 1",
        ),
    ] {
        assert!(good.contains(from), "{from}");
        let text = good.replace(from, to);
        assert_eq!(
            Puzzle::parse(&text).unwrap_err().to_string(),
            reason,
            "{to}"
        );
    }
    for (from, to) in [
        (r#""rule": "causal""#, r#""rule": "total""#),
        (r#""moves""#, r#""moves": [], "mvoes""#),
        (r#""kind": "holding""#, r#""kind": "teleport""#),
    ] {
        let e = Puzzle::parse(&good.replace(from, to))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("not a puzzle file: "), "{e}");
    }
}
