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
//! - [`clock`]: vector clocks, happened-before and concurrency.
//! - [`message`]: messages, their numbers and dots, and the table of all writes.
//! - [`rules`]: the delivery rules and conflict rules.
//! - [`gap`]: what a held message waits for.
//! - [`hold_back`]: the hold-back buffer, indexed so release never scans it.
//! - [`store`]: a replica's key-value store under a conflict rule.
//! - [`lookup`]: where a replica looks messages up, by number and by dot.
//! - [`replica`]: a replica, the delivery rules' tests on it, and the one receive path.
//! - [`network`]: copies in flight, in sending order and per-destination lanes.
//! - [`command`], [`event`], [`error`]: what goes in, what comes out, what is refused.
//! - [`simulation`]: the state machine, its history and previews.
//! - [`site`]: one replica on its own, receiving messages known by their dot (a node).
//! - [`scenario`], [`report`]: the scenario file and state report formats.
//! - [`quote`]: input quoted shortened in error messages.
//! - [`scheduler`]: seeded choices for autoplay.
//! - [`census`]: every order of the copies in flight, and the outcomes they reach.
//! - [`puzzle`]: puzzle files, and the search for their fewest moves.
//! - [`shiviz`]: a run as a ShiViz log.
//! - [`decision`]: the rule at work: a delivery rule as pseudocode, and the line that decided a receive.
//! - [`lesson`], [`question`]: lesson files, and the predictions whose answers the engine works out.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod census;
pub mod clock;
pub mod command;
pub mod decision;
pub mod error;
pub mod event;
pub mod gap;
pub mod hold_back;
pub mod lesson;
pub mod lookup;
pub mod message;
pub mod network;
pub mod puzzle;
pub mod question;
pub mod quote;
pub mod replica;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod scheduler;
pub mod shiviz;
pub mod simulation;
pub mod site;
pub mod store;

pub use census::{Arrival, Census, CensusError, CensusProgress, CensusReport, Outcome};
pub use clock::VectorClock;
pub use command::Command;
pub use decision::{decide, last_receive, rule_lines, why_held, Decision, Verdict};
pub use error::{Error, StepError};
pub use event::{Event, Trace, Violation};
pub use gap::{Gap, Missing};
pub use hold_back::HoldBack;
pub use lesson::{check_act, Lesson, LessonError, Step, Target, LESSON_VERSION};
pub use lookup::Lookup;
pub use message::{replica_name, Dot, Message, MessageId, Messages, ReplicaId};
pub use network::{CopyId, InFlight, Network};
pub use puzzle::{Goal, Move, Puzzle, PuzzleError, Solution};
pub use question::{Choice, Posed, Question};
pub use replica::Replica;
pub use report::{InFlightReport, ReplicaReport, Report};
pub use rules::{Conflicts, Delivery, UnknownRule};
pub use scenario::{Reorder, Scenario, ScenarioError, SCENARIO_VERSION};
pub use scheduler::Scheduler;
pub use simulation::{Config, Preview, Simulation, Whereabouts, MAX_REPLICAS, MIN_REPLICAS};
pub use site::{Receipt, Refusal, Site};
pub use store::{Store, Value, Version};
