//! Puzzles: a start state, a delivery rule, a goal over the state and the
//! moves allowed, as a data file under `lessons/puzzles/` (the README
//! documents the format). The engine finds the fewest moves that reach the
//! goal (the par) and one shortest solution, by a breadth-first search that
//! visits each state once (as the census shares states), and says when the
//! goal cannot be reached under the rule at all.
//!
//! ```json
//! {
//!   "title": "A violation under FIFO",
//!   "description": "...",
//!   "rule": "fifo",
//!   "start": {"version": 1, "replicas": 3, "steps": [...]},
//!   "goal": {"kind": "violation"},
//!   "moves": ["deliver"]
//! }
//! ```

use std::collections::{BTreeSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::census::state_key;
use crate::quote::quoted;
use crate::{Command, Delivery, Event, MessageId, ReplicaId, Scenario, Simulation};

/// The most states a search visits before it gives up.
pub const SOLVE_MAX_STATES: usize = 200_000;

/// About how much memory a search may hold (bytes) before it gives up: the
/// states seen and those waiting to be expanded. A state of 8 replicas with
/// dozens of copies in flight takes kilobytes, so 200,000 of them took over
/// 3 GB; the page solves in WebAssembly, whose memory stops at 4 GB.
pub const SOLVE_MAX_BYTES: usize = 256 * 1024 * 1024;

/// Bytes a state costs the search for each word of its key: the key in the
/// set of states seen, the state itself waiting in the queue (a copy of
/// every replica), and how it was reached: measured with causal-sim solve
/// on a puzzle of 8 replicas and 112 copies in flight (peak memory).
const BYTES_PER_KEY_WORD: usize = 80;

/// The most moves a search looks for.
pub const SOLVE_MAX_MOVES: usize = 24;

/// What a player may do on a puzzle's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Move {
    /// Deliver a copy in flight (the earliest of its message to its replica).
    Deliver,
    /// Drop a copy in flight.
    Drop,
    /// Put another copy of a message in flight to a replica.
    Duplicate,
}

impl Move {
    /// The move `command` makes, and of which message at which replica;
    /// `None` for a command that is no move (a write, a reorder, ...).
    pub fn of(command: &Command) -> Option<(Move, MessageId, ReplicaId)> {
        match *command {
            Command::Deliver { message, to } => Some((Move::Deliver, message, to)),
            Command::Drop { message, to } => Some((Move::Drop, message, to)),
            Command::Duplicate { message, to } => Some((Move::Duplicate, message, to)),
            _ => None,
        }
    }

    /// The command that makes this move of `message` at `to`.
    pub fn command(self, message: MessageId, to: ReplicaId) -> Command {
        match self {
            Move::Deliver => Command::Deliver { message, to },
            Move::Drop => Command::Drop { message, to },
            Move::Duplicate => Command::Duplicate { message, to },
        }
    }
}

/// A condition on the state that ends a puzzle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum Goal {
    /// Both replicas hold `key`, with different values.
    Disagree {
        key: String,
        replicas: [ReplicaId; 2],
    },
    /// `replica` holds `value` for `key` (siblings joined by `|`).
    Value {
        replica: ReplicaId,
        key: String,
        value: String,
    },
    /// A violation happens during the moves (at `replica`, if given).
    Violation {
        /// Where, if it matters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replica: Option<ReplicaId>,
    },
    /// `replica` holds at least `count` messages in its hold-back buffer.
    Holding {
        replica: ReplicaId,
        /// How many, at least.
        count: usize,
    },
    /// Replica `at` has delivered `message`.
    Delivered { message: MessageId, at: ReplicaId },
    /// A copy of `message` is in flight (to `to`, if given).
    InFlight {
        message: MessageId,
        /// Its destination, if it matters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<ReplicaId>,
    },
    /// Nothing is in flight.
    NothingInFlight,
    /// Every goal at once.
    All { goals: Vec<Goal> },
}

impl Goal {
    /// Whether `simulation` meets the goal; `violated` lists the replicas
    /// where a violation happened during the moves.
    pub fn holds(&self, simulation: &Simulation, violated: &BTreeSet<ReplicaId>) -> bool {
        let replicas = simulation.replicas();
        match self {
            Goal::Disagree {
                key,
                replicas: [a, b],
            } => match (replicas.get(*a), replicas.get(*b)) {
                (Some(a), Some(b)) => match (a.store().get(key), b.store().get(key)) {
                    (Some(x), Some(y)) => x != y,
                    _ => false,
                },
                _ => false,
            },
            Goal::Value {
                replica,
                key,
                value,
            } => replicas
                .get(*replica)
                .and_then(|r| r.store().get(key))
                .is_some_and(|v| v.joined() == *value),
            Goal::Violation { replica } => match replica {
                Some(r) => violated.contains(r),
                None => !violated.is_empty(),
            },
            Goal::Holding { replica, count } => replicas
                .get(*replica)
                .is_some_and(|r| r.hold_back().len() >= *count),
            Goal::Delivered { message, at } => replicas
                .get(*at)
                .is_some_and(|r| r.delivered().contains(message)),
            Goal::InFlight { message, to } => simulation
                .in_flight()
                .any(|c| c.message == *message && to.is_none_or(|to| c.to == to)),
            Goal::NothingInFlight => simulation.network().is_empty(),
            Goal::All { goals } => goals.iter().all(|g| g.holds(simulation, violated)),
        }
    }

    /// Whether a violation matters to the goal (the search then tells apart
    /// states reached with and without one).
    fn needs_violations(&self) -> bool {
        match self {
            Goal::Violation { .. } => true,
            Goal::All { goals } => goals.iter().any(Goal::needs_violations),
            _ => false,
        }
    }

    /// Why the goal cannot refer to `simulation`'s replicas and messages.
    fn check(&self, simulation: &Simulation) -> Result<(), String> {
        let replicas = simulation.replicas().len();
        let written = simulation.messages().len();
        let replica = |r: ReplicaId| {
            if r < replicas {
                Ok(())
            } else {
                Err(format!(
                    "the goal names replica {r}: there are {replicas}, numbered 0 to {}",
                    replicas - 1
                ))
            }
        };
        let message = |m: MessageId| {
            if (1..=written).contains(&(m.0 as usize)) {
                Ok(())
            } else {
                Err(format!(
                    "the goal names message {}: the start writes {written}",
                    m.0
                ))
            }
        };
        match self {
            Goal::Disagree {
                replicas: [a, b],
                key,
            } => {
                replica(*a)?;
                replica(*b)?;
                if a == b {
                    return Err("a disagree goal needs two different replicas".into());
                }
                if key.is_empty() {
                    return Err("the goal's key is empty".into());
                }
                Ok(())
            }
            Goal::Value { replica: r, .. } => replica(*r),
            Goal::Violation { replica: r } => r.map_or(Ok(()), replica),
            Goal::Holding { replica: r, count } => {
                replica(*r)?;
                if *count == 0 {
                    return Err("a holding goal needs a count of 1 or more".into());
                }
                Ok(())
            }
            Goal::Delivered { message: m, at } => {
                replica(*at)?;
                message(*m)
            }
            Goal::InFlight { message: m, to } => {
                message(*m)?;
                to.map_or(Ok(()), replica)
            }
            Goal::NothingInFlight => Ok(()),
            Goal::All { goals } => {
                if goals.is_empty() {
                    return Err("an all goal needs at least one goal".into());
                }
                goals.iter().try_for_each(|g| g.check(simulation))
            }
        }
    }
}

/// A puzzle file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Puzzle {
    /// Its title.
    pub title: String,
    /// One paragraph: what to do, and why it is interesting.
    pub description: String,
    /// The delivery rule the puzzle is played under (the start's own is
    /// replaced by it).
    pub rule: Delivery,
    /// The state the puzzle starts from.
    pub start: Scenario,
    /// What to reach.
    pub goal: Goal,
    /// What the player may do.
    pub moves: Vec<Move>,
}

/// Why a puzzle file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PuzzleError(pub String);

impl fmt::Display for PuzzleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PuzzleError {}

/// What the search found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Solution {
    /// The goal is reached in `par` moves at best; `moves` is one way.
    Solved {
        /// The fewest moves.
        par: usize,
        /// One shortest solution, as scenario steps.
        moves: Vec<Command>,
        /// States visited.
        states: usize,
    },
    /// No sequence of moves reaches the goal: every reachable state was seen.
    Impossible {
        /// States visited (all there are).
        states: usize,
    },
    /// Not found within the search's limits: [`SOLVE_MAX_MOVES`] moves deep,
    /// [`SOLVE_MAX_STATES`] states, or about [`SOLVE_MAX_BYTES`] of memory;
    /// the search gave up after `states` states.
    NotFound {
        /// States visited.
        states: usize,
        /// Moves searched to.
        moves: usize,
    },
}

impl fmt::Display for Solution {
    /// The verdict in words, as `causal-sim solve` says it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Solution::Solved { par, .. } => write!(
                f,
                "solved in {par} move{}",
                if *par == 1 { "" } else { "s" }
            ),
            Solution::Impossible { states } => write!(
                f,
                "impossible: none of the {} states the moves reach meets the goal",
                crate::quote::thousands(*states as u64)
            ),
            Solution::NotFound { states, moves } => write!(
                f,
                "gave up after {} states, {moves} moves deep: the search stops at {} states, {SOLVE_MAX_MOVES} moves or about {} MB",
                crate::quote::thousands(*states as u64),
                crate::quote::thousands(SOLVE_MAX_STATES as u64),
                SOLVE_MAX_BYTES / 1024 / 1024
            ),
        }
    }
}

impl Puzzle {
    /// Reads and checks a puzzle file: its fields, that its start runs, that
    /// its goal names replicas and messages that exist and is not met at the
    /// start.
    pub fn parse(text: &str) -> Result<Puzzle, PuzzleError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let bad = |why: String| PuzzleError(format!("not a puzzle file: {why}"));
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(syntax(&e)))?;
        let serde_json::Value::Object(fields) = value else {
            return Err(bad(format!(
                "it must be an object such as {{\"title\": ..., \"description\": ..., \"rule\": \"causal\", \"start\": {{...}}, \"goal\": {{...}}, \"moves\": [\"deliver\"]}}, not {}",
                describe(&value)
            )));
        };
        if let Some(name) = fields.keys().find(|k| !PUZZLE_FIELDS.contains(&k.as_str())) {
            return Err(bad(format!(
                "unknown field {} (a puzzle has {})",
                quoted(name),
                PUZZLE_FIELDS.join(", ")
            )));
        }
        let field = |name: &str| {
            fields
                .get(name)
                .ok_or_else(|| bad(format!("it has no \"{name}\"")))
        };
        let text_field = |name: &str| match field(name)? {
            serde_json::Value::String(text) => Ok(text.clone()),
            other => Err(bad(format!(
                "\"{name}\" must be a text, not {}",
                describe(other)
            ))),
        };
        let rule = field("rule")?;
        let rule = Delivery::ALL
            .iter()
            .copied()
            .find(|d| rule.as_str() == Some(d.name()))
            .ok_or_else(|| {
                bad(format!(
                    "\"rule\" must be {}, not {}",
                    Delivery::names(),
                    describe(rule)
                ))
            })?;
        let start = Scenario::parse(&field("start")?.to_string())
            .map_err(|e| bad(format!("its start: {e}")))?;
        let goal: Goal = serde_json::from_value(field("goal")?.clone())
            .map_err(|e| bad(format!("its goal: {}", in_words(&e.to_string()))))?;
        let moves: Vec<Move> = serde_json::from_value(field("moves")?.clone())
            .map_err(|e| bad(format!("its moves: {}", in_words(&e.to_string()))))?;
        let puzzle = Puzzle {
            title: text_field("title")?,
            description: text_field("description")?,
            rule,
            start,
            goal,
            moves,
        };
        puzzle.validate()?;
        Ok(puzzle)
    }

    fn validate(&self) -> Result<(), PuzzleError> {
        let fail = |why: String| Err(PuzzleError(why));
        if self.title.trim().is_empty() {
            return fail("the puzzle has no title".into());
        }
        if self.description.trim().is_empty() {
            return fail("the puzzle has no description".into());
        }
        if self.moves.is_empty() {
            return fail("the puzzle allows no move".into());
        }
        let sorted: BTreeSet<Move> = self.moves.iter().copied().collect();
        if sorted.len() != self.moves.len() {
            return fail("the puzzle lists a move twice".into());
        }
        let start = self
            .start_state()
            .map_err(|e| PuzzleError(format!("the start does not run: {e}")))?;
        self.goal.check(&start).map_err(PuzzleError)?;
        if self.goal.holds(&start, &BTreeSet::new()) {
            return fail("the goal is already met at the start".into());
        }
        Ok(())
    }

    /// The state the puzzle starts from, under its rule.
    pub fn start_state(&self) -> Result<Simulation, crate::StepError> {
        self.start_under(self.rule)
    }

    fn start_under(&self, rule: Delivery) -> Result<Simulation, crate::StepError> {
        let config = crate::Config {
            delivery: rule,
            ..self.start.config()
        };
        Simulation::replay(config, &self.start.steps)
    }

    /// Whether `command` is one of the moves the puzzle allows.
    pub fn allows(&self, command: &Command) -> bool {
        Move::of(command).is_some_and(|(kind, ..)| self.moves.contains(&kind))
    }

    /// Whether `simulation`, reached from the start by `moves`, meets the goal.
    pub fn solved_by(&self, moves: &[Command]) -> bool {
        let Ok(mut simulation) = self.start_state() else {
            return false;
        };
        let mut violated = BTreeSet::new();
        for command in moves {
            if !self.allows(command) {
                return false;
            }
            match simulation.apply(command.clone()) {
                Ok(events) => violated.extend(violations(&events)),
                Err(_) => return false,
            }
        }
        self.goal.holds(&simulation, &violated)
    }

    /// The fewest moves to the goal under the puzzle's rule, and one way.
    pub fn solve(&self) -> Solution {
        self.solve_under(self.rule)
    }

    /// The same search under another delivery rule: some goals reachable
    /// under `fifo` cannot be reached under `causal`.
    pub fn solve_under(&self, rule: Delivery) -> Solution {
        let Ok(start) = self.start_under(rule) else {
            return Solution::Impossible { states: 0 };
        };
        let start = start.detached();
        let base: Vec<usize> = start
            .replicas()
            .iter()
            .map(|r| r.delivered().len())
            .collect();
        let track = self.goal.needs_violations();
        let key = |simulation: &Simulation, violated: &BTreeSet<ReplicaId>| {
            let mut pairs: Vec<u64> = simulation
                .in_flight()
                .map(|c| ((c.message.0 as u64) << 8) | c.to as u64)
                .collect();
            pairs.sort_unstable();
            pairs.push(u64::MAX);
            if track {
                pairs.extend(violated.iter().map(|&r| r as u64));
                pairs.push(u64::MAX);
            }
            state_key(simulation, &base, &mut pairs);
            pairs
        };
        // Every state found: how it was reached (parent and move).
        let mut found: Vec<(usize, Option<Command>)> = vec![(0, None)];
        let mut seen: BTreeSet<Vec<u64>> = BTreeSet::new();
        let none = BTreeSet::new();
        seen.insert(key(&start, &none));
        let mut held = 0usize;
        let mut queue: VecDeque<(usize, usize, Simulation, BTreeSet<ReplicaId>)> =
            VecDeque::from([(0, 0, start, none)]);
        let mut cut = false;
        while let Some((id, depth, simulation, violated)) = queue.pop_front() {
            if depth >= SOLVE_MAX_MOVES {
                cut = true;
                continue;
            }
            for command in self.moves_from(&simulation) {
                let mut next = simulation.clone();
                let Ok(events) = next.apply(command.clone()) else {
                    continue;
                };
                let mut now = violated.clone();
                if track {
                    now.extend(violations(&events));
                }
                let state = key(&next, &now);
                let words = state.len();
                if !seen.insert(state) {
                    continue;
                }
                held += words * BYTES_PER_KEY_WORD;
                found.push((id, Some(command)));
                let child = found.len() - 1;
                if self.goal.holds(&next, &now) {
                    let moves = path(&found, child);
                    return Solution::Solved {
                        par: moves.len(),
                        moves,
                        states: seen.len(),
                    };
                }
                if seen.len() >= SOLVE_MAX_STATES || held >= SOLVE_MAX_BYTES {
                    return Solution::NotFound {
                        states: seen.len(),
                        moves: depth + 1,
                    };
                }
                queue.push_back((child, depth + 1, next, now));
            }
        }
        if cut {
            Solution::NotFound {
                states: seen.len(),
                moves: SOLVE_MAX_MOVES,
            }
        } else {
            Solution::Impossible { states: seen.len() }
        }
    }

    /// Every move allowed from `simulation`, in a fixed order: deliveries,
    /// then drops, of each distinct (message, destination) in flight,
    /// ascending; then duplicates of every message to every other replica.
    pub fn moves_from(&self, simulation: &Simulation) -> Vec<Command> {
        let pairs: BTreeSet<(MessageId, ReplicaId)> =
            simulation.in_flight().map(|c| (c.message, c.to)).collect();
        let mut moves = Vec::new();
        for kind in [Move::Deliver, Move::Drop, Move::Duplicate] {
            if !self.moves.contains(&kind) {
                continue;
            }
            match kind {
                Move::Deliver | Move::Drop => {
                    moves.extend(pairs.iter().map(|&(message, to)| kind.command(message, to)))
                }
                Move::Duplicate => {
                    for message in simulation.messages().iter() {
                        for to in 0..simulation.replicas().len() {
                            if to != message.sender {
                                moves.push(kind.command(message.id, to));
                            }
                        }
                    }
                }
            }
        }
        moves
    }
}

fn violations(events: &[Event]) -> impl Iterator<Item = ReplicaId> + '_ {
    events.iter().filter_map(|e| match e {
        Event::Violation(v) => Some(v.replica),
        _ => None,
    })
}

/// The moves from the start to state `at`.
fn path(found: &[(usize, Option<Command>)], mut at: usize) -> Vec<Command> {
    let mut moves = Vec::new();
    while let Some((parent, Some(command))) = found.get(at) {
        moves.push(command.clone());
        at = *parent;
    }
    moves.reverse();
    moves
}

/// The fields of a puzzle file, in the order the README gives them.
const PUZZLE_FIELDS: &[&str] = &["title", "description", "rule", "start", "goal", "moves"];

/// What a JSON value is, in the words of a refusal: `"fast"`, `3`, `a list`.
fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        // Past the 64-bit integers JSON keeps only a float's leading digits.
        Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.abs() >= 1.8e19) => {
            "a number too large for any field".into()
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => quoted(s),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Where a puzzle file's JSON breaks, in the words the scenario reader uses.
fn syntax(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    let bare = text
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&text);
    match e.classify() {
        Category::Eof if line <= 1 && column == 0 => "it is empty".into(),
        Category::Eof => format!("it ends too early, at line {line}, column {column}"),
        _ => format!("{}, at line {line}, column {column}", in_words(bare)),
    }
}

/// serde's refusal of a goal or a list of moves in the project's words:
/// texts in double quotes, "a text" and "a whole number" rather than Rust's
/// type names, the alternatives listed plainly.
fn in_words(serde: &str) -> String {
    // `a`, `b` -> "a", "b"; then Rust's words for what was expected.
    let mut out = serde
        .replace('`', "\"")
        .replace("invalid type: ", "")
        .replace("invalid value: ", "")
        .replace("integer ", "")
        .replace("string ", "")
        .replace("floating point ", "")
        .replace("boolean ", "")
        .replace("map, ", "an object, ")
        .replace("sequence, ", "a list, ")
        .replace("unit value, ", "null, ")
        .replace("missing field ", "it has no ")
        .replace("duplicate field ", "it gives twice ")
        .replace(", expected one of ", ": it must be one of ")
        .replace(", expected ", ": it must be ")
        .replace("must be a string", "must be a text")
        .replace("must be a sequence", "must be a list")
        .replace(
            "must be internally tagged enum Goal",
            "must be an object such as {\"kind\": \"violation\"}",
        );
    for rust in ["usize", "u64", "u32", "u16", "u8", "i64", "u128"] {
        out = out.replace(&format!("must be {rust}"), "must be a whole number");
    }
    out.replace("unknown variant ", "unknown kind ")
}
