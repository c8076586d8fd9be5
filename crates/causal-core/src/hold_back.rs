//! The hold-back buffer: messages received too early, waiting to be delivered.
//!
//! The original nodes kept a list and scanned all of it after every delivery,
//! which is quadratic when thousands of messages wait. Here held messages are
//! indexed by their dot (sender, sequence number): under `causal` and `fifo`
//! only the *next* write of each sender can become deliverable, so finding
//! what to release costs one lookup per sender, not a scan.

use std::collections::BTreeMap;

use crate::{Dot, MessageId};

/// Held messages, in arrival order and by dot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HoldBack {
    by_arrival: BTreeMap<u64, MessageId>,
    by_dot: BTreeMap<Dot, (u64, MessageId)>,
    arrivals: u64,
}

impl HoldBack {
    /// Holds `message` back; it arrived after everything held so far.
    pub fn hold(&mut self, dot: Dot, message: MessageId) {
        let arrival = self.arrivals;
        self.arrivals += 1;
        self.by_arrival.insert(arrival, message);
        self.by_dot.insert(dot, (arrival, message));
    }

    /// The held message with this dot, and when it arrived (smaller is earlier).
    pub fn get(&self, dot: Dot) -> Option<(u64, MessageId)> {
        self.by_dot.get(&dot).copied()
    }

    /// Whether a message with this dot is held.
    pub fn contains(&self, dot: Dot) -> bool {
        self.by_dot.contains_key(&dot)
    }

    /// Takes the message with this dot out of the buffer.
    pub fn release(&mut self, dot: Dot) -> Option<MessageId> {
        let (arrival, message) = self.by_dot.remove(&dot)?;
        self.by_arrival.remove(&arrival);
        Some(message)
    }

    /// Held messages, earliest arrival first.
    pub fn iter(&self) -> impl Iterator<Item = MessageId> + '_ {
        self.by_arrival.values().copied()
    }

    /// How many messages are held.
    pub fn len(&self) -> usize {
        self.by_arrival.len()
    }

    /// Nothing is held.
    pub fn is_empty(&self) -> bool {
        self.by_arrival.is_empty()
    }
}
