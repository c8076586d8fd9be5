//! The puzzles: every file under `lessons/puzzles/`, read and checked by the
//! engine at build time (build.rs) and embedded as static data, which
//! becomes the engine's [`Puzzle`] when it is opened (the page and the tests
//! load the same files; the page reads no JSON for them), and the puzzle
//! being played: its moves, what it refuses, the engine's par.
//!
//! The engine's search ([`search`]) runs in the search worker, not in the
//! page (ARCHITECTURE.md, "The search worker"): the page asks, and keeps
//! the answer.

use causal_core::{
    replica_name, Appended, Command, Config, Conflicts, Delivery, Goal, MessageId, Move, Puzzle,
    ReplicaId, Solution,
};
use serde::{Deserialize, Serialize};

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
/// best answer once the search worker has found it.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivePuzzle {
    /// The file name without `.json`.
    pub name: String,
    /// The file, read and checked.
    pub puzzle: Puzzle,
    /// Steps of its start: the moves are the steps after them.
    pub start: usize,
    /// The engine's search under the puzzle's rule: the par and a shortest
    /// solution; `None` until the search worker answers.
    pub best: Option<Best>,
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
        self.best.as_ref().and_then(|b| b.par)
    }

    /// A shortest solution, if there is one.
    pub fn solution(&self) -> Vec<Command> {
        self.best
            .iter()
            .flat_map(|b| &b.solution)
            .map(Played::command)
            .collect()
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

    /// Whether the page asks, after each move, if the goal can still be
    /// reached. A violation already seen would be forgotten by a search that
    /// starts after it: such goals are not judged.
    pub fn judges_reach(&self) -> bool {
        !mentions_violation(&self.puzzle.goal)
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

/// The puzzle named `name`, read, or why not. Its best answer is searched
/// for apart ([`search`]).
pub fn open(name: &str) -> Result<ActivePuzzle, String> {
    let (name, puzzle) = find(name)?;
    Ok(ActivePuzzle {
        name: name.to_string(),
        start: puzzle.start.steps.len(),
        puzzle,
        best: None,
    })
}

fn find(name: &str) -> Result<(&'static str, Puzzle), String> {
    PUZZLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, data)| (*n, data.puzzle()))
        .ok_or_else(|| format!("there is no puzzle named {}", causal_core::quoted(name)))
}

/// What the page asks the engine about a puzzle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Search {
    /// The fewest moves from its start, under its rule (the par).
    Best,
    /// Whether the goal can still be reached after `moves` (the moves made
    /// since its start): not only when the engine saw every state there is
    /// and none meets the goal.
    After(#[serde(with = "crate::data::steps::as_steps")] Vec<Command>),
    /// Whether the goal can be reached from its start under a rule.
    Under(Delivery),
}

/// What the engine found, as the page uses it (a search's states and
/// limits stay in the worker).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Found {
    /// For [`Search::Best`].
    Best(Best),
    /// For [`Search::After`]: whether the goal can still be reached.
    Reachable(bool),
    /// For [`Search::Under`]: the verdict, in words.
    Verdict(String),
    /// Why the engine could not search.
    Failed(String),
}

/// The par and a shortest solution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Best {
    /// The fewest moves that reach the goal; `None` when none was found.
    pub par: Option<usize>,
    /// One shortest solution.
    pub solution: Vec<Played>,
}

/// A move of a solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Played {
    /// What is done.
    pub play: Move,
    /// To which message.
    pub message: u32,
    /// At which replica.
    pub to: ReplicaId,
}

impl Played {
    /// The move as a step of the run.
    pub fn command(&self) -> Command {
        self.play.command(MessageId(self.message), self.to)
    }

    fn of(command: &Command) -> Option<Played> {
        Move::of(command).map(|(play, message, to)| Played {
            play,
            message: message.0,
            to,
        })
    }
}

/// The engine's search of puzzle `name` for `search`. The search worker
/// runs this.
pub fn search(name: &str, search: &Search) -> Found {
    let mut puzzle = match find(name) {
        Ok((_, puzzle)) => puzzle,
        Err(why) => return Found::Failed(why),
    };
    match search {
        Search::Best => Found::Best(match puzzle.solve() {
            Solution::Solved { par, moves, .. } => Best {
                par: Some(par),
                solution: moves.iter().filter_map(Played::of).collect(),
            },
            _ => Best {
                par: None,
                solution: Vec::new(),
            },
        }),
        Search::After(moves) => {
            puzzle.start.steps.extend(moves.iter().cloned());
            Found::Reachable(!matches!(puzzle.solve(), Solution::Impossible { .. }))
        }
        Search::Under(rule) => Found::Verdict(verdict(*rule, &puzzle.solve_under(*rule))),
    }
}

/// Every puzzle's name and title, in file-name order.
pub fn titles() -> Vec<(&'static str, String)> {
    PUZZLES
        .iter()
        .map(|(name, data)| (*name, data.title.to_string()))
        .collect()
}

/// What the engine found about the goal under `rule`, in words.
fn verdict(rule: Delivery, found: &Solution) -> String {
    match found {
        Solution::Solved { par, .. } => format!(
            "Possible under {rule} delivery: the engine reaches the goal in {par} move{}.",
            if *par == 1 { "" } else { "s" }
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
            let mut active = open(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(active.par(), None, "not searched yet");
            let Found::Best(best) = search(name, &Search::Best) else {
                panic!("{name}: the best")
            };
            active.best = Some(best);
            let par = active.par().unwrap_or_else(|| panic!("{name} has a par"));
            let solution = active.solution();
            assert_eq!(solution.len(), par, "{name}");
            assert!(active.puzzle.solved_by(&solution), "{name}");
        }
        assert!(open("nope").is_err());
        assert!(matches!(search("nope", &Search::Best), Found::Failed(_)));
    }

    /// The three searches the page asks for, as `causal-sim solve` and the
    /// engine answer them.
    #[test]
    fn the_search_after_moves_and_under_another_rule_is_the_engines() {
        let active = open("held-forever").unwrap();
        assert!(active.judges_reach());
        let after = |moves| search("held-forever", &Search::After(moves));
        assert_eq!(after(Vec::new()), Found::Reachable(true));
        // Delivering m1 to C first: C will never hold anything back.
        assert_eq!(after(vec![Command::deliver(1, 2)]), Found::Reachable(false));
        let fifo = open("fifo-violation").unwrap();
        assert!(!fifo.judges_reach(), "a violation goal is not judged");
        let under = |rule| match search("fifo-violation", &Search::Under(rule)) {
            Found::Verdict(words) => words,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            under(Delivery::Fifo),
            "Possible under fifo delivery: the engine reaches the goal in 1 move."
        );
        assert!(under(Delivery::Causal).starts_with("Impossible under causal delivery"));
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
