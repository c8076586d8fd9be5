//! The simulation: replicas, the network between them, and the history that
//! produced them. A deterministic state machine: `apply(command)` returns the
//! events it caused, or an error and no change.

use std::sync::Arc;

use crate::appended::Appended;
use serde::{Deserialize, Serialize};

use crate::Classified;
use crate::{
    Command, Conflicts, Delivery, Error, Event, Gap, InFlight, MessageId, Messages, Network,
    Replica, ReplicaId, StepError, Trace, Violation,
};

/// The fewest replicas a run can have.
pub const MIN_REPLICAS: usize = 2;
/// The most replicas a run can have.
pub const MAX_REPLICAS: usize = 8;

/// What a run is played with: how many replicas, and under which rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// 2 to 8.
    pub replicas: usize,
    /// When a message may be delivered.
    pub delivery: Delivery,
    /// What a store keeps for concurrent writes.
    pub conflicts: Conflicts,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            replicas: 3,
            delivery: Delivery::Causal,
            conflicts: Conflicts::Overwrite,
        }
    }
}

/// What delivering a copy now would do, worked out without doing it (the page
/// shows it on the card, and on the replica while the card is dragged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Preview {
    /// Delivered at once.
    Deliver {
        /// Messages that happened before it and are not delivered there:
        /// each a violation (never under `causal`).
        violations: Vec<MessageId>,
        /// Held messages that would then be released, in order.
        releases: Vec<MessageId>,
    },
    /// Held back.
    Hold {
        /// What it would wait for.
        waits_for: Gap,
    },
    /// Already delivered or held there: discarded as a duplicate.
    Discard,
}

/// Where the copy of a message to one replica is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Whereabouts {
    /// A copy is still in flight to it (the earliest, if there are several).
    InFlight,
    /// It arrived and is held back there.
    Held,
    /// It arrived and was delivered there.
    Delivered,
    /// It was dropped on the way, and no copy of it is in flight: only a
    /// duplicate can bring it now.
    Lost,
}

impl Default for Simulation {
    /// The default configuration's initial state: three replicas, causal
    /// delivery, overwrite. Infallible, unlike [`Simulation::new`].
    fn default() -> Self {
        Simulation::start(Config::default())
    }
}

/// A run: replicas, the network, every message written, the violations seen,
/// and the history of commands from the initial state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    config: Config,
    replicas: Vec<Replica>,
    messages: Messages,
    network: Network,
    violations: Vec<Violation>,
    history: Appended<Command>,
    /// The message each deliver-next of the history took, in order: a
    /// deliver-next depends on the lane order, so the portable scenario
    /// writes the deliver it did instead.
    taken_next: Appended<MessageId>,
}

impl Simulation {
    /// The initial state: no writes, nothing in flight.
    pub fn new(config: Config) -> Result<Self, Error> {
        if !(MIN_REPLICAS..=MAX_REPLICAS).contains(&config.replicas) {
            return Err(Error::ReplicaCount(config.replicas));
        }
        Ok(Simulation::start(config))
    }

    /// The initial state of a configuration already checked.
    fn start(config: Config) -> Self {
        Simulation {
            config,
            replicas: (0..config.replicas)
                .map(|i| Replica::new(i, config.replicas, config.conflicts))
                .collect(),
            messages: Messages::default(),
            network: Network::new(config.replicas),
            violations: Vec::new(),
            history: Appended::new(),
            taken_next: Appended::new(),
        }
    }

    /// Plays `commands` from the initial state. On a refused command, says
    /// which (from 1) and why.
    pub fn replay(config: Config, commands: &[Command]) -> Result<Self, StepError> {
        Simulation::replay_owned(config, commands.iter().cloned())
    }

    /// Plays `commands` from the initial state like [`Simulation::replay`],
    /// taking them by value: a long history is not copied (what `causal-sim`
    /// does with a file of a million steps).
    pub fn replay_owned(
        config: Config,
        commands: impl IntoIterator<Item = Command>,
    ) -> Result<Self, StepError> {
        let mut simulation =
            Simulation::new(config).map_err(|error| StepError { step: 0, error })?;
        simulation.apply_all(commands)?;
        Ok(simulation)
    }

    /// Plays `commands` from the initial state like [`Simulation::replay`],
    /// keeping every event with the step (from 1) that caused it: what a
    /// trace, a space-time diagram or a ShiViz log is made from.
    pub fn replay_traced(config: Config, commands: &[Command]) -> Result<(Self, Trace), StepError> {
        let mut simulation =
            Simulation::new(config).map_err(|error| StepError { step: 0, error })?;
        let mut trace = Trace::new();
        simulation.apply_traced(commands.iter().cloned(), &mut trace)?;
        Ok((simulation, trace))
    }

    /// Applies `commands` in order, each numbered by its place in the
    /// history (from 1, counting the commands applied before).
    ///
    /// Stops at the first refused command and says which and why: the
    /// commands before it stay applied, the refused one and those after it
    /// are not. Work on a copy to keep all or nothing.
    pub fn apply_all(
        &mut self,
        commands: impl IntoIterator<Item = Command>,
    ) -> Result<(), StepError> {
        self.extend(commands, None)
    }

    /// Applies `commands` like [`Simulation::apply_all`], adding each one's
    /// events to `trace` with its step (from 1): a run and its trace grow
    /// together. On a refused command, `trace` holds the events of the
    /// commands applied before it, as the simulation does.
    pub fn apply_traced(
        &mut self,
        commands: impl IntoIterator<Item = Command>,
        trace: &mut Trace,
    ) -> Result<(), StepError> {
        self.extend(commands, Some(trace))
    }

    fn extend(
        &mut self,
        commands: impl IntoIterator<Item = Command>,
        mut trace: Option<&mut Trace>,
    ) -> Result<(), StepError> {
        // One buffer for every command's events: a million commands then
        // allocate no million vectors.
        let mut events = Vec::new();
        for command in commands {
            let step = self.history.len() + 1;
            self.apply_into(command, &mut events)
                .map_err(|error| StepError { step, error })?;
            match trace.as_deref_mut() {
                Some(trace) => trace.extend(events.drain(..).map(|e| (step, e))),
                None => events.clear(),
            }
        }
        Ok(())
    }

    /// The same state with no history and no violations seen: what the
    /// outcome census and the puzzle solver explore from, cloning it for
    /// every state they try (a long history would be copied each time).
    pub(crate) fn detached(&self) -> Simulation {
        Simulation {
            config: self.config,
            replicas: self.replicas.clone(),
            messages: self.messages.clone(),
            network: self.network.clone(),
            violations: Vec::new(),
            history: Appended::new(),
            taken_next: Appended::new(),
        }
    }

    /// The same history played under other rules (the replica count stays).
    pub fn with_rules(&self, delivery: Delivery, conflicts: Conflicts) -> Result<Self, Error> {
        let config = Config {
            delivery,
            conflicts,
            ..self.config
        };
        // Whether a command is valid never depends on the rules (the network
        // only sees sends, receipts and drops), so this cannot be refused.
        Simulation::replay_owned(config, self.history.iter().cloned()).map_err(|e| e.error)
    }

    /// The state after the first `steps` commands of the history (all of it
    /// when `steps` is past the end): undo, redo and time travel.
    pub fn at_step(&self, steps: usize) -> Result<Self, Error> {
        let steps = steps.min(self.history.len());
        Simulation::replay_owned(self.config, self.history.iter().take(steps).cloned())
            .map_err(|e| e.error)
    }

    /// Applies one command: the events it caused, or why it was refused (and
    /// then nothing changed).
    pub fn apply(&mut self, command: Command) -> Result<Vec<Event>, Error> {
        let mut events = Vec::new();
        self.apply_into(command, &mut events)?;
        Ok(events)
    }

    /// Applies one command like [`Simulation::apply`], adding the events it
    /// caused to `events` (left as it was when the command is refused).
    pub fn apply_into(
        &mut self,
        mut command: Command,
        events: &mut Vec<Event>,
    ) -> Result<(), Error> {
        // Deliveries are the hot path: the copy is looked up once, here.
        let copy = match &command {
            Command::Deliver { message, to } | Command::Drop { message, to } => {
                Some(self.copy_in_flight(*message, *to)?)
            }
            other => {
                self.check(other)?;
                None
            }
        };
        match &mut command {
            Command::Write {
                replica,
                key,
                value,
            } => {
                // A key the writer's store holds (written or received there)
                // is kept once, however often it is written.
                if let Some(kept) = self.replicas[*replica].store().shared_key(key) {
                    *key = kept;
                }
                self.write(*replica, key, value, events);
            }
            Command::Deliver { .. } => {
                if let Some(copy) = copy {
                    self.receive(copy, events);
                }
            }
            Command::Drop { .. } => {
                if let Some(copy) = copy {
                    self.network.take(copy.copy);
                    events.push(Event::Dropped {
                        message: copy.message,
                        from: copy.from,
                        to: copy.to,
                    });
                }
            }
            Command::Duplicate { message, to } => {
                if let Some(sender) = self.messages.get(*message).map(|m| m.sender) {
                    self.network.send(*message, sender, *to);
                    events.push(Event::Sent {
                        message: *message,
                        from: sender,
                        to: *to,
                    });
                }
            }
            Command::DeliverAll => {
                while let Some(copy) = self.network.first() {
                    self.receive(copy, events);
                }
            }
            Command::DeliverNext { to } => {
                let first = self.network.lane(*to).next();
                if let Some(copy) = first {
                    self.taken_next.push(copy.message);
                    self.receive(copy, events);
                }
            }
            Command::Reorder {
                to,
                index,
                position,
            } => {
                self.network.reorder(*to, *index, *position);
            }
        }
        self.history.push(command);
        Ok(())
    }

    /// Whether `command` would be accepted, and if not, why.
    pub fn check(&self, command: &Command) -> Result<(), Error> {
        match command {
            Command::Write { replica, .. } => self.check_replica(*replica),
            Command::Deliver { message, to } | Command::Drop { message, to } => {
                self.copy_in_flight(*message, *to).map(|_| ())
            }
            Command::Duplicate { message, to } => {
                self.check_replica(*to)?;
                let sent = self
                    .messages
                    .get(*message)
                    .ok_or(Error::NoSuchMessage(*message))?;
                if sent.sender == *to {
                    return Err(Error::ToSender {
                        message: *message,
                        to: *to,
                    });
                }
                Ok(())
            }
            Command::DeliverAll => Ok(()),
            Command::DeliverNext { to } => {
                self.check_replica(*to)?;
                if self.network.lane_len(*to) == 0 {
                    return Err(Error::LaneEmpty(*to));
                }
                Ok(())
            }
            Command::Reorder {
                to,
                index,
                position,
            } => {
                self.check_replica(*to)?;
                let len = self.network.lane_len(*to);
                for &position in [index, position] {
                    if position >= len {
                        return Err(Error::NoSuchPosition {
                            to: *to,
                            position,
                            len,
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// What delivering `message` to `to` now would do, without doing it.
    pub fn preview(&self, message: MessageId, to: ReplicaId) -> Result<Preview, Error> {
        self.check(&Command::Deliver { message, to })?;
        let (Some(replica), Some(sent)) = (self.replicas.get(to), self.messages.get(message))
        else {
            return Err(Error::NotInFlight { message, to });
        };
        let rule = self.config.delivery;
        Ok(match replica.classify(rule, sent) {
            Classified::Discard => Preview::Discard,
            Classified::Deliver => Preview::Deliver {
                violations: replica.undelivered_predecessors(sent, &self.messages),
                releases: replica.releases_after(rule, sent, &self.messages),
            },
            Classified::Hold(waits_for) => Preview::Hold { waits_for },
        })
    }

    /// What `message`, held at `replica`, waits for now (empty if it is not held).
    pub fn waits_for(&self, replica: ReplicaId, message: MessageId) -> Gap {
        match (self.replicas.get(replica), self.messages.get(message)) {
            (Some(r), Some(m)) if r.hold_back().contains(m.dot()) => r.gap(self.config.delivery, m),
            _ => Gap::default(),
        }
    }

    /// Where `message`'s copy to `to` is now; `None` if there is no such
    /// message or replica, or `to` wrote it (a write is delivered at its
    /// writer, never sent there).
    ///
    /// Every write sends a copy to every other replica, and a copy leaves
    /// the network only by arriving (after which the replica holds or has
    /// delivered the message) or by being dropped: so a message neither in
    /// flight to a replica nor known there was lost on the way.
    pub fn whereabouts(&self, message: MessageId, to: ReplicaId) -> Option<Whereabouts> {
        let sent = self.messages.get(message)?;
        let replica = self.replicas.get(to).filter(|_| sent.sender != to)?;
        Some(if self.network.earliest(message, to).is_some() {
            Whereabouts::InFlight
        } else if replica.hold_back().contains(sent.dot()) {
            Whereabouts::Held
        } else if replica.knows(sent) {
            Whereabouts::Delivered
        } else {
            Whereabouts::Lost
        })
    }

    /// The rules and replica count.
    pub fn config(&self) -> Config {
        self.config
    }

    /// The replicas, by number.
    pub fn replicas(&self) -> &[Replica] {
        &self.replicas
    }

    /// Every message written.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// The copies in flight, in sending order and lane by lane.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Copies in flight, in the order they were put in flight.
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight> + '_ {
        self.network.iter()
    }

    /// Violations, in the order they happened.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The commands applied since the initial state.
    pub fn history(&self) -> &Appended<Command> {
        &self.history
    }

    /// The message each deliver-next of the history took, in order.
    pub(crate) fn taken_next(&self) -> &Appended<MessageId> {
        &self.taken_next
    }

    /// Every replica has the same store.
    pub fn converged(&self) -> bool {
        let mut stores = self.replicas.iter().map(Replica::store);
        let first = stores.next();
        stores.all(|store| first.is_some_and(|f| f.same_values(store)))
    }

    /// Keys on which some replicas differ, ascending.
    pub fn diverged_keys(&self) -> Vec<String> {
        let mut keys: Vec<&str> = self
            .replicas
            .iter()
            .flat_map(|r| r.store().iter().map(|(k, _)| k))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .filter(|key| {
                let first = self.replicas[0].store().get(key);
                self.replicas[1..]
                    .iter()
                    .any(|r| r.store().get(key) != first)
            })
            .map(str::to_string)
            .collect()
    }

    /// The copy a deliver or drop of `message` to `to` takes: the earliest
    /// in flight.
    fn copy_in_flight(&self, message: MessageId, to: ReplicaId) -> Result<InFlight, Error> {
        self.check_replica(to)?;
        self.network
            .earliest(message, to)
            .ok_or(Error::NotInFlight { message, to })
    }

    fn check_replica(&self, replica: ReplicaId) -> Result<(), Error> {
        if replica < self.replicas.len() {
            Ok(())
        } else {
            Err(Error::NoSuchReplica {
                replica,
                replicas: self.replicas.len(),
            })
        }
    }

    /// The message shares the command's strings.
    fn write(
        &mut self,
        replica: ReplicaId,
        key: &Arc<str>,
        value: &Arc<str>,
        events: &mut Vec<Event>,
    ) {
        let writer = &mut self.replicas[replica];
        let mut clock = writer.clock().clone();
        clock.tick(replica);
        let message = self
            .messages
            .push(replica, Arc::clone(key), Arc::clone(value), clock);
        writer.deliver(message);
        events.push(Event::Delivered {
            replica,
            message: message.id,
            from: replica,
            clock: writer.clock().clone(),
            released: false,
        });
        let id = message.id;
        for to in (0..self.replicas.len()).filter(|&to| to != replica) {
            self.network.send(id, replica, to);
            events.push(Event::Sent {
                message: id,
                from: replica,
                to,
            });
        }
    }

    /// A copy arrives: the replica receives it (the engine's one receive
    /// path, [`Replica::receive`]), and the violations it reports are kept.
    fn receive(&mut self, copy: InFlight, events: &mut Vec<Event>) {
        self.network.take(copy.copy);
        events.push(Event::Received {
            message: copy.message,
            from: copy.from,
            to: copy.to,
        });
        let Some(sent) = self.messages.get(copy.message) else {
            return;
        };
        let first = events.len();
        self.replicas[copy.to].receive(self.config.delivery, sent, &self.messages, events);
        self.violations
            .extend(events[first..].iter().filter_map(|event| match event {
                Event::Violation(violation) => Some(*violation),
                _ => None,
            }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(replica: ReplicaId, value: &str) -> Command {
        Command::Write {
            replica,
            key: "x".into(),
            value: value.into(),
        }
    }

    #[test]
    fn apply_into_adds_the_events_and_leaves_them_on_a_refusal() {
        let mut sim = Simulation::new(Config::default()).unwrap();
        let mut events = Vec::new();
        sim.apply_into(write(0, "1"), &mut events).unwrap();
        let written = events.len();
        assert!(matches!(events[0], Event::Delivered { replica: 0, .. }));
        sim.apply_into(Command::deliver(1, 1), &mut events).unwrap();
        assert!(
            events.len() > written,
            "the delivery's events follow the write's"
        );
        let before = events.clone();
        let refused = sim.apply_into(Command::deliver(1, 1), &mut events);
        assert_eq!(
            refused,
            Err(Error::NotInFlight {
                message: MessageId(1),
                to: 1
            })
        );
        assert_eq!(events, before);
        assert_eq!(sim.history().len(), 2);
    }

    #[test]
    fn a_key_written_again_is_kept_once() {
        let mut sim = Simulation::new(Config::default()).unwrap();
        sim.apply_all([write(0, "1"), write(0, "2")]).unwrap();
        let keys: Vec<&Arc<str>> = sim
            .history()
            .iter()
            .filter_map(|command| match command {
                Command::Write { key, .. } => Some(key),
                _ => None,
            })
            .collect();
        assert!(
            Arc::ptr_eq(keys[0], keys[1]),
            "the second write shares the first's key"
        );
        let message = sim.messages().get(MessageId(2)).unwrap();
        assert!(Arc::ptr_eq(&message.key, keys[0]));
        let Command::Write { value, .. } = sim.history().get(1).unwrap() else {
            unreachable!("the second step is a write")
        };
        assert!(
            Arc::ptr_eq(&message.value, value),
            "the message shares the command's value"
        );
    }

    #[test]
    fn whereabouts_follows_a_copy_from_the_network_to_the_replica() {
        let mut sim = Simulation::default();
        let m = |n| MessageId(n);
        sim.apply_all([write(0, "1"), write(0, "2")]).unwrap();
        assert_eq!(sim.whereabouts(m(2), 1), Some(Whereabouts::InFlight));
        sim.apply_all([Command::Deliver {
            message: m(2),
            to: 1,
        }])
        .unwrap();
        assert_eq!(sim.whereabouts(m(2), 1), Some(Whereabouts::Held));
        sim.apply_all([Command::Drop {
            message: m(1),
            to: 2,
        }])
        .unwrap();
        assert_eq!(sim.whereabouts(m(1), 2), Some(Whereabouts::Lost));
        sim.apply_all([Command::Deliver {
            message: m(1),
            to: 1,
        }])
        .unwrap();
        assert_eq!(sim.whereabouts(m(1), 1), Some(Whereabouts::Delivered));
        assert_eq!(sim.whereabouts(m(2), 1), Some(Whereabouts::Delivered));
        // A duplicate brings a lost message back in flight.
        sim.apply_all([Command::Duplicate {
            message: m(1),
            to: 2,
        }])
        .unwrap();
        assert_eq!(sim.whereabouts(m(1), 2), Some(Whereabouts::InFlight));
        // No copy goes to the writer; no such message or replica.
        assert_eq!(sim.whereabouts(m(1), 0), None);
        assert_eq!(sim.whereabouts(m(9), 1), None);
        assert_eq!(sim.whereabouts(m(1), 7), None);
    }

    #[test]
    fn apply_traced_numbers_steps_from_the_history_and_keeps_what_came_before_a_refusal() {
        let mut sim = Simulation::default();
        let mut trace = Trace::new();
        sim.apply_traced([write(0, "1")], &mut trace).unwrap();
        let refused = sim.apply_traced(
            [
                Command::Deliver {
                    message: MessageId(1),
                    to: 1,
                },
                Command::Deliver {
                    message: MessageId(1),
                    to: 1,
                },
                write(1, "never"),
            ],
            &mut trace,
        );
        assert_eq!(
            refused,
            Err(StepError {
                step: 3,
                error: Error::NotInFlight {
                    message: MessageId(1),
                    to: 1
                }
            })
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            "step 3: message 1 is not in flight to replica 1"
        );
        assert_eq!(sim.history().len(), 2, "the steps before the refusal stay");
        let steps: Vec<usize> = trace.iter().map(|(step, _)| *step).collect();
        assert_eq!(steps, [1, 1, 1, 2, 2]);
        let (whole, whole_trace) =
            Simulation::replay_traced(Config::default(), &sim.history().to_vec()).unwrap();
        assert_eq!((whole, whole_trace), (sim, trace));
    }

    #[test]
    fn a_write_is_the_writers_own_delivery_only() {
        let mut sim = Simulation::default();
        let events = sim.apply(write(0, "1")).unwrap();
        assert!(events[0].is_write());
        assert!(
            events[1..].iter().all(|e| !e.is_write()),
            "the sends are not"
        );
        let events = sim
            .apply(Command::Deliver {
                message: MessageId(1),
                to: 1,
            })
            .unwrap();
        assert!(
            events.iter().all(|e| !e.is_write()),
            "a delivery elsewhere is not"
        );
    }
}
