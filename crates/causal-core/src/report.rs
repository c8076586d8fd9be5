//! The state report: a run's outcome as `causal-sim run` prints it.

use std::collections::BTreeMap;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::{InFlight, MessageId, Replica, ReplicaId, Simulation, Value, VectorClock, Violation};

/// One replica's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ReplicaReport {
    pub replica: ReplicaId,
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
#[allow(missing_docs)]
pub struct InFlightReport {
    pub message: MessageId,
    pub from: ReplicaId,
    pub to: ReplicaId,
}

/// The state report: every replica, the copies in flight and the violations, as
/// `causal-sim run` prints it.
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
                .map(ReplicaReport::of)
                .collect(),
            in_flight: simulation.in_flight().map(InFlightReport::of).collect(),
            violations: simulation.violations().to_vec(),
            converged: simulation.converged(),
        }
    }

    /// The report of `simulation`'s current state as it serializes: the
    /// same JSON as [`Report::of`]'s, built one replica and one copy at a
    /// time as it is written, so that `causal-sim run` never holds millions
    /// of copies in flight twice.
    pub fn written(simulation: &Simulation) -> impl Serialize + '_ {
        Written(simulation)
    }
}

impl ReplicaReport {
    fn of(replica: &Replica) -> Self {
        ReplicaReport {
            replica: replica.id(),
            clock: replica.clock().clone(),
            store: replica.store().to_map(),
            held: replica.hold_back().iter().collect(),
            delivered: replica.delivered().to_vec(),
        }
    }
}

impl InFlightReport {
    fn of(copy: InFlight) -> Self {
        InFlightReport {
            message: copy.message,
            from: copy.from,
            to: copy.to,
        }
    }
}

/// [`Report::written`].
struct Written<'a>(&'a Simulation);

impl Serialize for Written<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let simulation = self.0;
        let mut report = serializer.serialize_struct("Report", 4)?;
        report.serialize_field(
            "replicas",
            &Sequence(|| simulation.replicas().iter().map(ReplicaReport::of)),
        )?;
        report.serialize_field(
            "in_flight",
            &Sequence(|| simulation.in_flight().map(InFlightReport::of)),
        )?;
        report.serialize_field("violations", simulation.violations())?;
        report.serialize_field("converged", &simulation.converged())?;
        report.end()
    }
}

/// A list serialized from an iterator, element by element.
struct Sequence<F>(F);

impl<F, I> Serialize for Sequence<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, Config};

    #[test]
    fn the_written_report_is_the_report() {
        let mut simulation = Simulation::new(Config::default()).unwrap();
        simulation
            .apply_all([
                Command::Write {
                    replica: 0,
                    key: "x".into(),
                    value: "1".into(),
                },
                Command::Deliver {
                    message: MessageId(1),
                    to: 1,
                },
                Command::Write {
                    replica: 1,
                    key: "y".into(),
                    value: "2".into(),
                },
                Command::Duplicate {
                    message: MessageId(2),
                    to: 0,
                },
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        let report = Report::of(&simulation);
        assert_eq!(report.in_flight.len(), 4);
        assert_eq!(
            serde_json::to_string(&Report::written(&simulation)).unwrap(),
            serde_json::to_string(&report).unwrap()
        );
    }
}
