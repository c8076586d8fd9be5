//! # causal-core
//!
//! A small replicated key-value store whose replicas broadcast their writes,
//! and the rules by which they deliver what they receive.
//!
//! *Causal delivery* means: a replica applies a write only after every write
//! that happened before it. Each replica keeps a vector clock (one counter per
//! replica) and stamps its writes with it. A message that arrives before what
//! it depends on is *held back* in a buffer until the gap is filled, then
//! delivered. Under weaker rules (`fifo`, `unordered`) the same arrival is
//! delivered at once, and the engine records the *violation*.
//!
//! The engine is a pure, deterministic state machine, modelled on stateright's
//! actors: [`Simulation::apply`] takes a [`Command`] and returns the [`Event`]s
//! it caused, or an [`Error`] and no change. Nothing is sent by itself: copies
//! wait [in flight](Network) until a command receives, drops or duplicates
//! them. There is no I/O, no clock and no hidden randomness (the
//! [`Scheduler`] takes a seed), so a history of commands replays to the same
//! state, under any rule.
//!
//! ```
//! use causal_core::{Command, Config, MessageId, Simulation};
//!
//! let mut sim = Simulation::new(Config::default()).unwrap();
//! sim.apply(Command::Write { replica: 0, key: "x".into(), value: "1".into() }).unwrap();
//! sim.apply(Command::Deliver { message: MessageId(1), to: 1 }).unwrap();
//! sim.apply(Command::Write { replica: 1, key: "y".into(), value: "2".into() }).unwrap();
//! // C receives B's write first: it depends on A's, so it is held back.
//! sim.apply(Command::Deliver { message: MessageId(2), to: 2 }).unwrap();
//! let c = &sim.replicas()[2];
//! assert_eq!(c.hold_back().iter().collect::<Vec<_>>(), vec![MessageId(2)]);
//! assert_eq!(sim.waits_for(2, MessageId(2)).to_string(), "A#1");
//! ```
//!
//! # Layout
//!
//! One file per concept; the modules are private, and what a user needs is
//! re-exported here, so every item has one path (`causal_core::Simulation`).
//!
//! - `clock.rs`: [`VectorClock`], happened-before and concurrency.
//! - `message.rs`: a [`Message`], its number ([`MessageId`]) and [`Dot`], and
//!   the table of all writes ([`Messages`]).
//! - `rules.rs`: the delivery rules ([`Delivery`]) and conflict rules ([`Conflicts`]).
//! - `gap.rs`: what a held message waits for ([`Gap`]).
//! - `hold_back.rs`: the [`HoldBack`] buffer, indexed so release never scans it.
//! - `store.rs`: a replica's key-value [`Store`] under a conflict rule.
//! - `lookup.rs`: where a replica looks messages up, by number and by dot ([`Lookup`]).
//! - `replica.rs`: a [`Replica`], the delivery rules' tests on it, and the one receive path.
//! - `network.rs`: copies [`InFlight`], in sending order and per-destination lanes ([`Network`]).
//! - `command.rs`, `event.rs`, `error.rs`: what goes in ([`Command`]), what
//!   comes out ([`Event`], a [`Trace`]), what is refused ([`Error`], [`StepError`]).
//! - `simulation.rs`: the state machine ([`Simulation`]), its history, previews
//!   and where a copy is ([`Whereabouts`]).
//! - `site.rs`: one replica on its own, receiving messages known by their dot (a node's [`Site`]).
//! - `node_event.rs`: what a real node did, as it logs it and the live view reads it ([`NodeEvent`]).
//! - `scenario.rs`, `report.rs`: the [`Scenario`] file and the state [`Report`] formats.
//! - `quote.rs`: input [`quoted`] shortened in error messages, numbers in [`thousands`].
//! - `scheduler.rs`: seeded choices for autoplay ([`Scheduler`]).
//! - `census.rs`: every order of the copies in flight, and the outcomes they reach ([`Census`]).
//! - `puzzle.rs`: [`Puzzle`] files, and the search for their fewest moves.
//! - `shiviz.rs`: a run as a ShiViz log ([`shiviz_events`], [`shiviz_file`]).
//! - `decision.rs`: the rule at work: a delivery rule as pseudocode, and the
//!   line that [`decide`]d a receive.
//! - `explain/`: the explaining layer: every decision, command and test put
//!   in words and one notation ([`explain::receive`], [`Explanation`]).
//! - `lesson.rs`, `question.rs`: [`Lesson`] files, and the predictions whose
//!   answers the engine works out ([`Question`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod appended;
mod census;
mod clock;
mod command;
mod decision;
mod error;
mod event;
pub mod explain;
mod gap;
mod hold_back;
mod lesson;
mod lookup;
mod message;
mod network;
mod node_event;
mod puzzle;
mod question;
mod quote;
mod replica;
mod report;
mod rules;
mod scenario;
mod scheduler;
mod shiviz;
mod simulation;
mod site;
mod store;

pub use appended::Appended;
pub use census::{
    orders_of, Arrival, Census, CensusError, CensusProgress, CensusReport, FinalReplica, Outcome,
    CENSUS_MAX_COPIES,
};
pub use clock::VectorClock;
pub use command::Command;
pub use decision::{decide, last_receive, rule_lines, why_held, Decision, Verdict};
pub use error::{Error, StepError};
pub use event::{Event, Trace, Violation};
pub use explain::{short, Explanation};
pub use gap::{Gap, Missing};
pub use hold_back::HoldBack;
pub use lesson::{check_act, Lesson, LessonError, Step, Target, LESSON_VERSION};
pub use lookup::Lookup;
pub use message::{replica_name, Dot, Message, MessageId, Messages, ReplicaId};
pub use network::{CopyId, InFlight, Network};
pub use node_event::{NodeEvent, NodeEventKind};
pub use puzzle::{
    Goal, Move, Puzzle, PuzzleError, Solution, SOLVE_MAX_BYTES, SOLVE_MAX_MOVES, SOLVE_MAX_STATES,
};
pub use question::{Choice, Posed, Question};
pub use quote::{quoted, thousands};
pub use replica::{Classified, Replica};
pub use report::{InFlightReport, ReplicaReport, Report};
pub use rules::{Conflicts, Delivery, UnknownRule};
pub use scenario::{utf8_text, Reorder, Scenario, ScenarioError, SCENARIO_VERSION};
pub use scheduler::{splitmix64, Scheduler};
pub use shiviz::{shiviz_events, shiviz_file, ShivizEvent, ShivizLog, SHIVIZ_REGEX};
pub use simulation::{Config, Preview, Simulation, Whereabouts, MAX_REPLICAS, MIN_REPLICAS};
pub use site::{Receipt, Refusal, Site};
pub use store::{Store, Value, Version};
