//! # causal-check
//!
//! Is this node causally consistent? `causal-check` tests any program that
//! serves the original nodes' HTTP API (README.md, "causal-check"): it
//! starts the node afresh for each case, plays the other replicas itself,
//! drives the node with writes and with the others' messages (reordered,
//! delayed, duplicated), and after every step judges the node's answers and
//! `GET /store` against the engine's replica. Cases are drawn from a seed, as
//! Maelstrom and Jepsen do; a failing one is shrunk to a smallest case that
//! still shows the same kind of flaw, and written as a scenario file that
//! `causal-sim` and the page replay.
//!
//! The engine is the reference: the checker never decides a rule itself. It
//! is fair: a node's clock and buffer are determined by what it received, but
//! the order in which it delivers concurrent messages is its own choice, so a
//! key may hold any write the engine keeps as a multi-value sibling.
//!
//! # Layout
//!
//! - [`api`]: the node's HTTP API as the checker calls it, read strictly.
//! - [`http`]: the blocking HTTP client the checker sends with.
//! - [`peers`]: listeners playing the node's peers, recording what it sends.
//! - [`target`]: starting a node for a case, or attaching to a running one.
//! - [`case`]: a test case, drawn from a seed, cut down, written as a scenario.
//! - [`judge`]: one step's answers against the engine's replica.
//! - [`play`]: playing one case on a node.
//! - [`flaw`]: the kinds of flaw.
//! - [`check`]: the loop over cases, shrinking and reporting.

// One `unsafe` block: the kernel's parent-death signal asked for between
// fork and exec (target.rs).
#![deny(unsafe_code)]
#![warn(missing_docs)]
// A flaw ends a case, once per case: its size on the way out costs nothing.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod case;
pub mod check;
pub mod cluster;
pub mod family;
pub mod flaw;
pub mod http;
pub mod judge;
pub mod peers;
pub mod play;
pub mod target;
pub mod tell;

pub use case::Case;
pub use check::{check, shrink, Found, Options, Progress, Summary, Target};
pub use flaw::{Flaw, Kind};
