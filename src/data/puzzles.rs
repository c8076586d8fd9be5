//! The puzzles: every file under `lessons/puzzles/`, read and checked by the
//! engine at build time (build.rs) and embedded as static data, which
//! becomes the engine's [`Puzzle`] when it is opened (the page and the tests
//! load the same files; the page reads no JSON for them), and the puzzle
//! being played: its moves, what it refuses, the engine's par.

use causal_core::{
    replica_name, Appended, Command, Config, Conflicts, Delivery, Goal, MessageId, Move, Puzzle,
    Solution,
};

use crate::data::presets::{CommandData, ScenarioData};

include!(concat!(env!("OUT_DIR"), "/puzzles.rs"));

/// A puzzle as build.rs embeds it: the fields of [`Puzzle`]; the goal,
/// which may hold texts and a list, is built when the puzzle is opened.
#[derive(Debug)]
pub struct PuzzleData {
    /// [`Puzzle::title`].
    pub title: &'static str,
    /// [`Puzzle::description`].
    pub description: &'static str,
    /// [`Puzzle::rule`].
    pub rule: Delivery,
    /// [`Puzzle::start`].
    pub start: ScenarioData,
    /// Builds [`Puzzle::goal`].
    pub goal: fn() -> Goal,
    /// [`Puzzle::moves`].
    pub moves: &'static [Move],
}

impl PuzzleData {
    /// The engine's puzzle.
    pub fn puzzle(&self) -> Puzzle {
        Puzzle {
            title: self.title.into(),
            description: self.description.into(),
            rule: self.rule,
            start: self.start.scenario(),
            goal: (self.goal)(),
            moves: self.moves.to_vec(),
        }
    }
}

/// A puzzle being played: its file, where its start ends, and the engine's
/// best answer.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivePuzzle {
    /// The file name without `.json`.
    pub name: String,
    /// The file, read and checked.
    pub puzzle: Puzzle,
    /// Steps of its start: the moves are the steps after them.
    pub start: usize,
    /// The engine's search under the puzzle's rule: the par and a shortest
    /// solution.
    pub best: Solution,
}

impl ActivePuzzle {
    /// The page's replica count and rules while the puzzle is played.
    pub fn config(&self) -> Config {
        Config {
            delivery: self.puzzle.rule,
            ..self.puzzle.start.config()
        }
    }

    /// The fewest moves that reach the goal, if the goal can be reached.
    pub fn par(&self) -> Option<usize> {
        match self.best {
            Solution::Solved { par, .. } => Some(par),
            _ => None,
        }
    }

    /// A shortest solution, if there is one.
    pub fn solution(&self) -> Vec<Command> {
        match &self.best {
            Solution::Solved { moves, .. } => moves.clone(),
            _ => Vec::new(),
        }
    }

    /// The moves made on `branch` up to `cursor` (reorders change no
    /// replica and do not count).
    pub fn moves(&self, branch: &Appended<Command>, cursor: usize) -> Vec<Command> {
        branch
            .iter()
            .take(cursor)
            .skip(self.start)
            .filter(|c| !matches!(c, Command::Reorder { .. }))
            .cloned()
            .collect()
    }

    /// Whether the goal can still be reached after `moves` (the moves made
    /// since the start): the engine searches from there, as for the par.
    /// `false` only when it saw every state there is and none meets the goal.
    pub fn reachable_after(&self, moves: &[Command]) -> bool {
        // A violation already seen would be forgotten by a search that starts
        // after it: such goals are not judged.
        if mentions_violation(&self.puzzle.goal) {
            return true;
        }
        let mut from = self.puzzle.clone();
        from.start.steps.extend(moves.iter().cloned());
        !matches!(from.solve(), Solution::Impossible { .. })
    }

    /// Why `command` is refused in the puzzle, if it is.
    pub fn refusal(&self, command: &Command, cursor: usize) -> Option<String> {
        if cursor < self.start {
            return Some(format!(
                "The puzzle starts at step {}: move the timeline there to play.",
                self.start
            ));
        }
        if matches!(command, Command::Reorder { .. }) || self.puzzle.allows(command) {
            return None;
        }
        Some(format!(
            "This puzzle allows only these moves: {}. Close the puzzle to play freely.",
            self.allowed()
        ))
    }
}

impl ActivePuzzle {
    /// The moves allowed, in words: "deliver, drop".
    pub fn allowed(&self) -> String {
        let words: Vec<&str> = self
            .puzzle
            .moves
            .iter()
            .map(|m| match m {
                Move::Deliver => "deliver",
                Move::Drop => "drop",
                Move::Duplicate => "duplicate",
            })
            .collect();
        words.join(", ")
    }
}

/// The puzzle named `name`, read and solved by the engine, or why not.
pub fn open(name: &str) -> Result<ActivePuzzle, String> {
    let (name, data) = PUZZLES
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("there is no puzzle named {}", causal_core::quoted(name)))?;
    let puzzle = data.puzzle();
    let best = puzzle.solve();
    Ok(ActivePuzzle {
        name: name.to_string(),
        start: puzzle.start.steps.len(),
        puzzle,
        best,
    })
}

/// Every puzzle's name and title, in file-name order.
pub fn titles() -> Vec<(&'static str, String)> {
    PUZZLES
        .iter()
        .map(|(name, data)| (*name, data.title.to_string()))
        .collect()
}

/// What the engine says about the goal under `rule`, in words.
pub fn verdict(puzzle: &Puzzle, rule: Delivery) -> String {
    match puzzle.solve_under(rule) {
        Solution::Solved { par, .. } => format!(
            "Possible under {rule} delivery: the engine reaches the goal in {par} move{}.",
            if par == 1 { "" } else { "s" }
        ),
        Solution::Impossible { states } => format!(
            "Impossible under {rule} delivery: the engine tried every one of the {states} states the moves can reach, and none meets the goal."
        ),
        Solution::NotFound { states, moves } => format!(
            "Not found under {rule} delivery within {moves} moves ({states} states searched)."
        ),
    }
}

fn mentions_violation(goal: &Goal) -> bool {
    match goal {
        Goal::Violation { .. } => true,
        Goal::All { goals } => goals.iter().any(mentions_violation),
        _ => false,
    }
}

/// The goal in words.
pub fn goal_words(goal: &Goal) -> String {
    match goal {
        Goal::Disagree {
            key,
            replicas: [a, b],
        } => format!(
            "{} and {} both hold {key}, with different values",
            replica_name(*a),
            replica_name(*b)
        ),
        Goal::Value {
            replica,
            key,
            value,
        } => format!("{} holds {key} = {value}", replica_name(*replica)),
        Goal::Violation { replica: None } => "a replica breaks causal order".to_string(),
        Goal::Violation { replica: Some(r) } => {
            format!("{} breaks causal order", replica_name(*r))
        }
        Goal::Holding { replica, count } => format!(
            "{} holds back at least {count} message{} at once",
            replica_name(*replica),
            if *count == 1 { "" } else { "s" }
        ),
        Goal::Delivered { message, at } => {
            format!("{} has delivered {message}", replica_name(*at))
        }
        Goal::InFlight { message, to: None } => format!("{message} is still in flight"),
        Goal::InFlight {
            message,
            to: Some(to),
        } => format!("{message} is still in flight to {}", replica_name(*to)),
        Goal::NothingInFlight => "nothing is left in flight".to_string(),
        Goal::All { goals } => {
            let parts: Vec<String> = goals.iter().map(goal_words).collect();
            match parts.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{}, and {last}", rest.join(", "))
                }
                _ => parts.join(""),
            }
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::run::state::testing::run;
    use crate::run::state::{Action, Place, State};

    #[test]
    fn every_embedded_puzzle_opens_and_its_solution_reaches_the_goal() {
        assert!(PUZZLES.len() >= 6, "at least six puzzles");
        for (name, _) in PUZZLES {
            let active = open(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let par = active.par().unwrap_or_else(|| panic!("{name} has a par"));
            let solution = active.solution();
            assert_eq!(solution.len(), par, "{name}");
            assert!(active.puzzle.solved_by(&solution), "{name}");
        }
        assert!(open("nope").is_err());
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_page_gets_each_puzzle_as_the_engine_reads_its_file() {
        for (name, _) in PUZZLES {
            let path = format!("{}/lessons/puzzles/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let file = std::fs::read_to_string(&path).unwrap();
            let read = Puzzle::parse(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(titles().contains(&(*name, read.title.clone())), "{name}");
            assert_eq!(open(name).unwrap().puzzle, read, "{name}");
        }
    }

    #[test]
    fn a_puzzle_refuses_moves_it_does_not_allow_and_counts_the_others() {
        let state = run(
            State::default(),
            [Action::OpenPuzzle("fifo-violation".into())],
        );
        let active = state.puzzle.clone().expect("the puzzle is open");
        assert_eq!(state.simulation.config(), active.config());
        let start = state.cursor();
        let after = run(
            state,
            [Action::Write {
                replica: 0,
                key: "z".into(),
                value: "9".into(),
            }],
        );
        let notice = after.notice.clone().expect("a write is refused");
        assert_eq!(notice.place, Place::WriteForm(0));
        assert!(
            notice.text.contains("only these moves: deliver"),
            "{}",
            notice.text
        );
        assert_eq!(after.cursor(), start);
        let after = run(after, [Action::Apply(Command::deliver(2, 2))]);
        let moves = active.moves(after.simulation.history(), after.cursor());
        assert_eq!(moves.len(), 1);
        assert!(active.puzzle.solved_by(&moves));
        // Another load ends the puzzle.
        let after = run(after, [Action::LoadPreset("classic".into())]);
        assert!(after.puzzle.is_none());
    }
}
