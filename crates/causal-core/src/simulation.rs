//! The simulation: replicas, the network between them, and the history that
//! produced them. A deterministic state machine: `apply(command)` returns the
//! events it caused, or an error and no change.

use serde::{Deserialize, Serialize};

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
    history: Vec<Command>,
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
            history: Vec::new(),
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
        for (i, command) in commands.into_iter().enumerate() {
            simulation
                .apply(command)
                .map_err(|error| StepError { step: i + 1, error })?;
        }
        Ok(simulation)
    }

    /// Plays `commands` from the initial state like [`Simulation::replay`],
    /// keeping every event with the step (from 1) that caused it: what a
    /// trace, a space-time diagram or a ShiViz log is made from.
    pub fn replay_traced(config: Config, commands: &[Command]) -> Result<(Self, Trace), StepError> {
        let mut simulation =
            Simulation::new(config).map_err(|error| StepError { step: 0, error })?;
        let mut trace = Trace::new();
        for (i, command) in commands.iter().enumerate() {
            let events = simulation
                .apply(command.clone())
                .map_err(|error| StepError { step: i + 1, error })?;
            trace.extend(events.into_iter().map(|e| (i + 1, e)));
        }
        Ok((simulation, trace))
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
            history: Vec::new(),
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
        Simulation::replay(config, &self.history).map_err(|e| e.error)
    }

    /// The state after the first `steps` commands of the history (all of it
    /// when `steps` is past the end): undo, redo and time travel.
    pub fn at_step(&self, steps: usize) -> Result<Self, Error> {
        let steps = steps.min(self.history.len());
        Simulation::replay(self.config, &self.history[..steps]).map_err(|e| e.error)
    }

    /// Applies one command: the events it caused, or why it was refused (and
    /// then nothing changed).
    pub fn apply(&mut self, command: Command) -> Result<Vec<Event>, Error> {
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
        let mut events = Vec::new();
        match &command {
            Command::Write {
                replica,
                key,
                value,
            } => self.write(*replica, key, value, &mut events),
            Command::Deliver { .. } => {
                if let Some(copy) = copy {
                    self.receive(copy, &mut events);
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
                    self.receive(copy, &mut events);
                }
            }
            Command::DeliverNext { to } => {
                let first = self.network.lane(*to).next();
                if let Some(copy) = first {
                    self.receive(copy, &mut events);
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
        Ok(events)
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
        Ok(if replica.knows(sent) {
            Preview::Discard
        } else if replica.deliverable(rule, sent) {
            Preview::Deliver {
                violations: replica.undelivered_predecessors(sent, &self.messages),
                releases: replica.releases_after(rule, sent, &self.messages),
            }
        } else {
            Preview::Hold {
                waits_for: replica.gap(rule, sent),
            }
        })
    }

    /// What `message`, held at `replica`, waits for now (empty if it is not held).
    pub fn waits_for(&self, replica: ReplicaId, message: MessageId) -> Gap {
        match (self.replicas.get(replica), self.messages.get(message)) {
            (Some(r), Some(m)) if r.hold_back().contains(m.dot()) => r.gap(self.config.delivery, m),
            _ => Gap::default(),
        }
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

    /// The copies in flight.
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
    pub fn history(&self) -> &[Command] {
        &self.history
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

    fn write(&mut self, replica: ReplicaId, key: &str, value: &str, events: &mut Vec<Event>) {
        let writer = &mut self.replicas[replica];
        let mut clock = writer.clock().clone();
        clock.tick(replica);
        let message = self.messages.push(replica, key.into(), value.into(), clock);
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
