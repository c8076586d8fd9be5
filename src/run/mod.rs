//! The run: the reducer and what it keeps, facts the views turn into pixels.
//! Tested natively, with no browser. Imports only [`crate::data`].
//!
//! The log's lines are the one place the run keeps words: `describe` turns
//! the engine's events into them (through `causal_core::explain`) as a step
//! is taken, so undoing and redoing shows the same sentences.

pub(crate) mod chunks;
pub mod describe;
pub mod history;
pub mod loading;
pub mod observed;
pub mod session;
pub mod share;
pub mod state;
pub mod text;
pub mod trace;
pub mod tutor;
