//! The state report: a run's outcome as `causal-sim run` prints it
//! (DESIGN.md section 4).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{MessageId, ReplicaId, Simulation, Value, VectorClock, Violation};

/// One replica's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaReport {
    /// Its number.
    pub replica: ReplicaId,
    /// Its vector clock.
    pub clock: VectorClock,
    /// Its store, keys ascending.
    pub store: BTreeMap<String, Value>,
    /// Held messages, in arrival order.
    pub held: Vec<MessageId>,
    /// Delivered messages, in delivery order.
    pub delivered: Vec<MessageId>,
}

/// A copy in flight, as reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightReport {
    /// The message.
    pub message: MessageId,
    /// Its sender.
    pub from: ReplicaId,
    /// Its destination.
    pub to: ReplicaId,
}

/// The whole state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Every replica, by number.
    pub replicas: Vec<ReplicaReport>,
    /// Copies in flight, in the order they were put in flight.
    pub in_flight: Vec<InFlightReport>,
    /// Violations, in the order they happened.
    pub violations: Vec<Violation>,
    /// Every replica has the same store.
    pub converged: bool,
}

impl Report {
    /// The report of `simulation`'s current state.
    pub fn of(simulation: &Simulation) -> Self {
        Report {
            replicas: simulation
                .replicas()
                .iter()
                .map(|r| ReplicaReport {
                    replica: r.id(),
                    clock: r.clock().clone(),
                    store: r.store().to_map(),
                    held: r.hold_back().iter().collect(),
                    delivered: r.delivered().to_vec(),
                })
                .collect(),
            in_flight: simulation
                .in_flight()
                .map(|c| InFlightReport {
                    message: c.message,
                    from: c.from,
                    to: c.to,
                })
                .collect(),
            violations: simulation.violations().to_vec(),
            converged: simulation.converged(),
        }
    }
}
