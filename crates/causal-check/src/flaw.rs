//! Flaws: what a node did wrong at one step, named by kind (README.md,
//! "causal-check"), with what the engine expected and what the node did.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// The kinds of flaw, as the JSON line names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// It keeps buffered a message the engine has delivered.
    HeldTooLong,
    /// A message that arrived again was buffered or applied again.
    DuplicateKept,
    /// It applied a message before what happened before it.
    DeliveredTooEarly,
    /// Its vector clock is not the engine's.
    ClockDiffers,
    /// A key holds a value no legal order gives, or its buffer is wrong.
    StoreDiffers,
    /// What it sent to a peer is wrong, or it never sent it.
    BadMessage,
    /// An answer that is not the API's.
    BadResponse,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::HeldTooLong,
        Kind::DuplicateKept,
        Kind::DeliveredTooEarly,
        Kind::ClockDiffers,
        Kind::StoreDiffers,
        Kind::BadMessage,
        Kind::BadResponse,
    ];

    /// Its name in the JSON line and the reproducer's file name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::HeldTooLong => "held-too-long",
            Kind::DuplicateKept => "duplicate-kept",
            Kind::DeliveredTooEarly => "delivered-too-early",
            Kind::ClockDiffers => "clock-differs",
            Kind::StoreDiffers => "store-differs",
            Kind::BadMessage => "bad-message",
            Kind::BadResponse => "bad-response",
        }
    }
}

impl Kind {
    /// What it means, in a line of the help.
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::HeldTooLong => "keeps buffered a message the engine has delivered",
            Kind::DuplicateKept => "buffers or applies again a message that arrives twice",
            Kind::DeliveredTooEarly => "applies a message before what happened before it",
            Kind::ClockDiffers => "its vector clock is not the engine's",
            Kind::StoreDiffers => {
                "a key holds a value no legal order gives (or its buffer is wrong)"
            }
            Kind::BadMessage => "what it sends its peers is wrong, or it never sends it",
            Kind::BadResponse => "an answer that is not the API's (or none: it hung, or crashed)",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The first thing a node got wrong in a case.
#[derive(Clone, Debug, PartialEq)]
pub struct Flaw {
    /// Which kind.
    pub kind: Kind,
    /// At which step (0-based).
    pub step: usize,
    /// What the engine expected.
    pub expected: Value,
    /// What the node answered or sent.
    pub got: Value,
    /// What went wrong, in a sentence about this step.
    pub why: String,
    /// What the node (or each node) answered at that step, when it answered.
    pub observed: Vec<Observed>,
}

/// What the node answered at the failing step, as the page shows it beside
/// the engine's replica.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observed {
    /// Which replica (0 is A).
    pub replica: usize,
    /// Its vector clock.
    pub clock: Vec<u64>,
    /// Its store, as it answered.
    pub store: BTreeMap<String, Value>,
    /// The messages it holds back, by number, as it listed them (those it
    /// listed that no replica sent are left out).
    pub held: Vec<u32>,
}
