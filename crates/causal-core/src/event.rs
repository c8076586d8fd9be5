//! Events: what a command made happen, in order. The page's log, the
//! space-time diagram and `causal-sim trace` are all built from these.

use serde::{Deserialize, Serialize};

use crate::{Gap, MessageId, ReplicaId, VectorClock};

/// A replica delivered a message while a message that happened before it was
/// not yet delivered there: causal order broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Where.
    pub replica: ReplicaId,
    /// The message delivered too early.
    pub message: MessageId,
    /// A message that happened before it and was not yet delivered.
    pub missing: MessageId,
}

/// Every event of a run, each with the step (from 1) that caused it.
pub type Trace = Vec<(usize, Event)>;

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A copy went in flight (a write's broadcast, or a duplicate).
    Sent {
        /// The message.
        message: MessageId,
        /// Its sender.
        from: ReplicaId,
        /// Its destination.
        to: ReplicaId,
    },
    /// A copy arrived at its destination.
    Received {
        /// The message.
        message: MessageId,
        /// Its sender.
        from: ReplicaId,
        /// Where it arrived.
        to: ReplicaId,
    },
    /// A received message was held back, waiting for what it depends on.
    Held {
        /// Where.
        replica: ReplicaId,
        /// The message.
        message: MessageId,
        /// Its sender.
        from: ReplicaId,
        /// What it waits for.
        waits_for: Gap,
    },
    /// A message was delivered: merged into the clock and applied to the store.
    /// A write is delivered at its writer at once (`from == replica`).
    Delivered {
        /// Where.
        replica: ReplicaId,
        /// The message.
        message: MessageId,
        /// Its sender.
        from: ReplicaId,
        /// The replica's clock after the delivery.
        clock: VectorClock,
        /// It came out of the hold-back buffer rather than straight off the network.
        released: bool,
    },
    /// A received message was already delivered or held there: a duplicate.
    Discarded {
        /// Where.
        replica: ReplicaId,
        /// The message.
        message: MessageId,
        /// Its sender.
        from: ReplicaId,
    },
    /// A copy was lost.
    Dropped {
        /// The message.
        message: MessageId,
        /// Its sender.
        from: ReplicaId,
        /// Where it was going.
        to: ReplicaId,
    },
    /// A delivery broke causal order.
    Violation(Violation),
}

impl Event {
    /// Whether this is a replica's own write: the write delivered at its
    /// writer at once, as opposed to a message received from another replica.
    pub fn is_write(&self) -> bool {
        matches!(self, Event::Delivered { replica, from, released: false, .. } if replica == from)
    }
}
