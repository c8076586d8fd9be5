//! One replica running on its own, as a real node does: no simulation
//! around it, no global numbering. It makes writes, and receives the other
//! replicas' messages named by what they carry (sender, key, value, clock);
//! a message is known by its dot.
//!
//! Receiving is [`Replica::receive`], the same code a [`Simulation`](crate::Simulation)
//! runs. The site numbers the messages it learns of in that order, and
//! keeps in memory only those it may still need (held back, or just
//! delivered), so its memory does not grow with its history.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::{
    Config, Delivery, Dot, Error, Event, Lookup, Message, MessageId, Replica, ReplicaId,
    VectorClock, MAX_REPLICAS, MIN_REPLICAS,
};

/// The messages a site learnt of (its own writes and what it received, not
/// duplicates) are numbered from 1 in that order; it keeps in memory only
/// those it may still need: the ones held back, and the ones delivered by
/// its latest write or receive (for its caller to read). A delivered
/// message is known afterwards by its dot alone, in the replica's record of
/// what it delivered, which is all a duplicate needs: so a site's memory
/// grows with what it holds back, not with its history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Known {
    kept: BTreeMap<MessageId, Message>,
    by_dot: BTreeMap<Dot, MessageId>,
    /// How many messages were numbered.
    count: u32,
    /// Delivered by the latest write or receive: forgotten at the next.
    latest: Vec<MessageId>,
}

impl Known {
    fn add(&mut self, sender: ReplicaId, key: &str, value: &str, clock: VectorClock) -> MessageId {
        self.count += 1;
        let id = MessageId(self.count);
        let message = Message {
            id,
            sender,
            key: Arc::from(key),
            value: Arc::from(value),
            clock,
        };
        self.by_dot.insert(message.dot(), id);
        self.kept.insert(id, message);
        id
    }

    fn forget_latest(&mut self) {
        for id in self.latest.drain(..) {
            if let Some(message) = self.kept.remove(&id) {
                self.by_dot.remove(&message.dot());
            }
        }
    }
}

impl Lookup for Known {
    fn message(&self, id: MessageId) -> Option<&Message> {
        self.kept.get(&id)
    }

    fn number_of(&self, dot: Dot) -> Option<MessageId> {
        self.by_dot.get(&dot).copied()
    }
}

/// What became of a received message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receipt {
    /// Delivered at once (and perhaps released held messages after it).
    Delivered,
    /// Held back: it arrived before something it depends on.
    Held,
    /// Already delivered or held: a duplicate, discarded; nothing changed.
    Discarded,
}

/// Why a received message is refused (it could not come from a replica of
/// this run); nothing changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The clock has the wrong number of entries.
    ClockLength {
        /// Entries given.
        got: usize,
        /// One per replica.
        replicas: usize,
    },
    /// No replica has the sender's number.
    NoSuchSender {
        /// The number given.
        sender: ReplicaId,
        /// How many replicas there are.
        replicas: usize,
    },
    /// The sender is this replica: its own writes never come back to it.
    FromItself(ReplicaId),
    /// The sender's own entry is 0: the message is no write of the sender.
    NoWrite(ReplicaId),
    /// The clock has seen more of this replica's writes than it has made.
    AheadOfUs {
        /// This replica.
        replica: ReplicaId,
        /// The clock's entry for it.
        seen: u64,
        /// How many writes it has made.
        made: u64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ClockLength { got, replicas } => write!(
                f,
                "clock has {got} entries but there are {replicas} replicas (one entry each)"
            ),
            Refusal::NoSuchSender { sender, replicas } => write!(
                f,
                "sender {sender} does not exist: replicas are numbered 0 to {}",
                replicas - 1
            ),
            Refusal::FromItself(me) => {
                write!(f, "sender {me} is this replica itself: its writes never come back to it")
            }
            Refusal::NoWrite(sender) => write!(
                f,
                "clock[{sender}] is 0, so this is no write of sender {sender} (its own entry counts the write)"
            ),
            Refusal::AheadOfUs {
                replica,
                seen,
                made,
            } => write!(
                f,
                "clock[{replica}] is {seen} but replica {replica} has made only {made} writes"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// One replica on its own: it writes, and receives messages known by their dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    delivery: Delivery,
    replica: Replica,
    known: Known,
}

impl Site {
    /// Replica `id` of `config.replicas`, with nothing written or received.
    pub fn new(id: ReplicaId, config: Config) -> Result<Self, Error> {
        if !(MIN_REPLICAS..=MAX_REPLICAS).contains(&config.replicas) {
            return Err(Error::ReplicaCount(config.replicas));
        }
        if id >= config.replicas {
            return Err(Error::NoSuchReplica {
                replica: id,
                replicas: config.replicas,
            });
        }
        Ok(Site {
            delivery: config.delivery,
            replica: Replica::new(id, config.replicas, config.conflicts),
            known: Known::default(),
        })
    }

    /// The replica: its clock, store, hold-back buffer and what it delivered.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// The message this site numbered `id`, while it is kept: held back,
    /// or delivered by the latest write or receive.
    pub fn message(&self, id: MessageId) -> Option<&Message> {
        self.known.message(id)
    }

    /// How many messages it keeps in memory: those held back, and those
    /// delivered by its latest write or receive.
    pub fn kept(&self) -> usize {
        self.known.kept.len()
    }

    /// Forgets what its latest write or receive delivered, and the order
    /// of deliveries: what a long-running site needs no more.
    fn forget_latest(&mut self) {
        self.known.forget_latest();
        self.replica.forget_delivery_order();
    }

    /// Held messages, earliest arrival first.
    pub fn held(&self) -> impl Iterator<Item = &Message> + '_ {
        self.replica
            .hold_back()
            .iter()
            .filter_map(|id| self.known.message(id))
    }

    /// A write here: ticks the clock, applies it at once, and returns the
    /// message to broadcast to the other replicas.
    pub fn write(&mut self, key: &str, value: &str) -> &Message {
        self.forget_latest();
        let me = self.replica.id();
        let mut clock = self.replica.clock().clone();
        clock.tick(me);
        let id = self.known.add(me, key, value, clock);
        self.known.latest.push(id);
        let message = &self.known.kept[&id];
        self.replica.deliver(message);
        message
    }

    /// This replica lost its history (its data, on a real node) after
    /// making `writes` writes, which its peers have seen: it takes up its
    /// numbering there, so that its next write is `writes + 1` and no peer
    /// discards it as a duplicate of a lost one. What it lost stays lost
    /// here. Returns whether anything changed (never when it has made as
    /// many already).
    pub fn resume(&mut self, writes: u64) -> bool {
        let me = self.replica.id();
        if writes <= self.replica.clock().get(me) {
            return false;
        }
        self.forget_latest();
        self.replica.resume_own(writes);
        true
    }

    /// Whether a message from `sender` stamped `clock` could come from a
    /// replica of this run (validate before receiving, as crdts does).
    pub fn validate(&self, sender: ReplicaId, clock: &VectorClock) -> Result<(), Refusal> {
        let replicas = self.replica.clock().len();
        let me = self.replica.id();
        if clock.len() != replicas {
            return Err(Refusal::ClockLength {
                got: clock.len(),
                replicas,
            });
        }
        if sender >= replicas {
            return Err(Refusal::NoSuchSender { sender, replicas });
        }
        if sender == me {
            return Err(Refusal::FromItself(me));
        }
        if clock.get(sender) == 0 {
            return Err(Refusal::NoWrite(sender));
        }
        // Its own entry counts exactly its writes: a delivery only merges
        // clocks that passed this test.
        let made = self.replica.clock().get(me);
        if clock.get(me) > made {
            return Err(Refusal::AheadOfUs {
                replica: me,
                seen: clock.get(me),
                made,
            });
        }
        Ok(())
    }

    /// Receives a message by the engine's rules: delivered (with whatever
    /// it releases), held back, or discarded as a duplicate. The events say
    /// what happened, in order. A refused message changes nothing.
    pub fn receive(
        &mut self,
        sender: ReplicaId,
        key: &str,
        value: &str,
        clock: VectorClock,
    ) -> Result<(Receipt, Vec<Event>), Refusal> {
        self.validate(sender, &clock)?;
        let dot = Dot {
            replica: sender,
            seq: clock.get(sender),
        };
        let mut events = Vec::new();
        if let Some(held) = self
            .known
            .number_of(dot)
            .and_then(|id| self.known.message(id))
        {
            // Known by its dot: the replica discards it; nothing changes.
            self.replica
                .receive(self.delivery, held, &self.known, &mut events);
            return Ok((Receipt::Discarded, events));
        }
        if self.replica.has_delivered_dot(dot) {
            // Delivered and forgotten: named by the number the next new
            // message will get, and not kept.
            let copy = Message {
                id: MessageId(self.known.count + 1),
                sender,
                key: Arc::from(key),
                value: Arc::from(value),
                clock,
            };
            self.replica
                .receive(self.delivery, &copy, &self.known, &mut events);
            return Ok((Receipt::Discarded, events));
        }
        self.forget_latest();
        let id = self.known.add(sender, key, value, clock);
        let message = &self.known.kept[&id];
        self.replica
            .receive(self.delivery, message, &self.known, &mut events);
        self.known
            .latest
            .extend(events.iter().filter_map(|event| match event {
                Event::Delivered { message, .. } => Some(*message),
                _ => None,
            }));
        let receipt = match events.first() {
            Some(Event::Held { .. }) => Receipt::Held,
            Some(Event::Delivered { .. }) => Receipt::Delivered,
            _ => Receipt::Discarded,
        };
        Ok((receipt, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, Conflicts, Simulation, Value};

    fn config(delivery: Delivery) -> Config {
        Config {
            replicas: 3,
            delivery,
            conflicts: Conflicts::Overwrite,
        }
    }

    fn vc(entries: &[u64]) -> VectorClock {
        VectorClock::from_entries(entries.to_vec())
    }

    /// The classic anomaly: C receives B's write before A's, holds it, and
    /// delivers both once A's arrives.
    #[test]
    fn holds_back_then_releases() {
        let mut c = Site::new(2, config(Delivery::Causal)).unwrap();
        let (receipt, _) = c.receive(1, "x", "b", vc(&[1, 1, 0])).unwrap();
        assert_eq!(receipt, Receipt::Held);
        assert_eq!(c.held().count(), 1);
        let (receipt, events) = c.receive(0, "x", "a", vc(&[1, 0, 0])).unwrap();
        assert_eq!(receipt, Receipt::Delivered);
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, Event::Delivered { .. }))
                .count(),
            2
        );
        assert_eq!(c.held().count(), 0);
        assert_eq!(c.replica().clock(), &vc(&[1, 1, 0]));
        assert_eq!(c.replica().store().get("x"), Some(Value::One("b".into())));
        // Both again: duplicates, nothing changes.
        let before = c.clone();
        for (sender, clock) in [(1, vc(&[1, 1, 0])), (0, vc(&[1, 0, 0]))] {
            let (receipt, _) = c.receive(sender, "x", "z", clock).unwrap();
            assert_eq!(receipt, Receipt::Discarded);
        }
        assert_eq!(c, before);
    }

    /// Thousands of writes and receipts, delivered in order or after being
    /// held back: the site keeps only what is held and what the latest
    /// call delivered, and duplicates of what it forgot are still
    /// discarded.
    #[test]
    fn memory_stays_bounded_by_what_is_held() {
        let mut b = Site::new(1, config(Delivery::Causal)).unwrap();
        for n in 1..=5_000u64 {
            b.write("x", &format!("b{n}"));
            assert!(b.kept() <= 1, "{} kept after {n} writes", b.kept());
            b.receive(0, "x", &format!("a{n}"), vc(&[n, n - 1, 0]))
                .unwrap();
            assert!(b.kept() <= 1, "{} kept after {n} receipts", b.kept());
        }
        // C's writes 2..=101 arrive before C#1: held, and kept.
        for n in (2..=101u64).rev() {
            let (receipt, _) = b.receive(2, "y", "c", vc(&[0, 0, n])).unwrap();
            assert_eq!(receipt, Receipt::Held);
        }
        assert_eq!(b.kept(), 100);
        let (receipt, events) = b.receive(2, "y", "c1", vc(&[0, 0, 1])).unwrap();
        assert_eq!(receipt, Receipt::Delivered);
        assert_eq!(events.len(), 101);
        // The latest call's deliveries stay readable until the next call.
        assert_eq!(b.kept(), 101);
        assert!(events.iter().all(|e| match e {
            Event::Delivered { message, .. } => b.message(*message).is_some(),
            _ => false,
        }));
        b.write("z", "1");
        assert_eq!(b.kept(), 1);
        assert_eq!(b.replica().delivered_count(), 10_000 + 101 + 1);
        assert!(b.replica().delivered().len() <= 1);
        assert_eq!(b.replica().clock(), &vc(&[5_000, 5_001, 101]));
        // Forgotten, still discarded, and nothing changes.
        let before = b.clone();
        for (sender, clock) in [(0, vc(&[1, 0, 0])), (2, vc(&[0, 0, 50]))] {
            let (receipt, _) = b.receive(sender, "x", "again", clock).unwrap();
            assert_eq!(receipt, Receipt::Discarded);
        }
        assert_eq!(b, before);
    }

    /// A site that lost its history takes up its numbering where its peers
    /// saw it: its next write is not a duplicate of a lost one.
    #[test]
    fn a_resumed_site_numbers_its_writes_after_the_lost_ones() {
        let mut b = Site::new(1, config(Delivery::Causal)).unwrap();
        let mut a = Site::new(0, config(Delivery::Causal)).unwrap();
        for n in 1..=3 {
            let m = a.write("x", &n.to_string()).clone();
            b.receive(0, &m.key, &m.value, m.clock).unwrap();
        }
        // A loses everything, and resumes after its 3 writes.
        let mut a = Site::new(0, config(Delivery::Causal)).unwrap();
        assert!(a.resume(3));
        assert!(!a.resume(2), "never down");
        assert_eq!(a.replica().clock(), &vc(&[3, 0, 0]));
        let m = a.write("y", "4").clone();
        assert_eq!(m.clock, vc(&[4, 0, 0]));
        let (receipt, _) = b.receive(0, &m.key, &m.value, m.clock).unwrap();
        assert_eq!(receipt, Receipt::Delivered);
        // B's writes, which depend on A's lost ones, are delivered at A.
        let w = b.write("z", "b").clone();
        let (receipt, _) = a.receive(1, &w.key, &w.value, w.clock).unwrap();
        assert_eq!(receipt, Receipt::Delivered);
    }

    #[test]
    fn a_held_message_arriving_again_is_discarded() {
        let mut c = Site::new(2, config(Delivery::Causal)).unwrap();
        c.receive(1, "x", "b", vc(&[1, 1, 0])).unwrap();
        let before = c.clone();
        let (receipt, _) = c.receive(1, "x", "b", vc(&[1, 1, 0])).unwrap();
        assert_eq!(receipt, Receipt::Discarded);
        assert_eq!(c, before);
    }

    #[test]
    fn refuses_what_no_replica_could_send_and_changes_nothing() {
        let mut a = Site::new(0, config(Delivery::Causal)).unwrap();
        a.write("x", "1");
        let before = a.clone();
        let cases = [
            (1, vc(&[0, 1]), "clock has 2 entries"),
            (3, vc(&[0, 0, 1]), "sender 3 does not exist"),
            (0, vc(&[2, 0, 0]), "this replica itself"),
            (1, vc(&[0, 0, 1]), "clock[1] is 0"),
            (
                1,
                vc(&[2, 1, 0]),
                "clock[0] is 2 but replica 0 has made only 1",
            ),
        ];
        for (sender, clock, reason) in cases {
            let refusal = a.receive(sender, "x", "2", clock).unwrap_err();
            assert!(refusal.to_string().contains(reason), "{refusal}");
        }
        assert_eq!(a, before);
    }

    /// A site receiving what a simulated replica receives ends where that
    /// replica ends, under every rule: one receive path.
    #[test]
    fn agrees_with_the_simulation() {
        for delivery in [Delivery::Causal, Delivery::Fifo, Delivery::Unordered] {
            let mut sim = Simulation::new(config(delivery)).unwrap();
            let write = |replica: usize, value: &str| Command::Write {
                replica,
                key: "x".into(),
                value: value.into(),
            };
            let deliver = |message: u32, to: usize| Command::Deliver {
                message: MessageId(message),
                to,
            };
            for command in [
                write(0, "a1"),
                deliver(1, 1),
                write(1, "b1"),
                write(0, "a2"),
                write(1, "b2"),
                deliver(4, 2),
                deliver(2, 2),
                deliver(3, 2),
                deliver(2, 2),
                deliver(1, 2),
            ] {
                if let Command::Deliver { message, to } = &command {
                    if sim.network().earliest(*message, *to).is_none() {
                        sim.apply(Command::Duplicate {
                            message: *message,
                            to: *to,
                        })
                        .unwrap();
                    }
                }
                sim.apply(command).unwrap();
            }
            let mut c = Site::new(2, config(delivery)).unwrap();
            for m in [4, 2, 3, 2, 1] {
                let sent = sim.messages().get(MessageId(m)).unwrap();
                c.receive(sent.sender, &sent.key, &sent.value, sent.clock.clone())
                    .unwrap();
            }
            let expected = &sim.replicas()[2];
            assert_eq!(c.replica().clock(), expected.clock(), "{delivery:?}");
            assert!(c.replica().store().same_values(expected.store()));
            assert_eq!(c.replica().hold_back().len(), expected.hold_back().len());
        }
    }

    proptest::proptest! {
        /// Over random runs (writes, deliveries in any order, duplicates,
        /// drops) under every rule, each replica of the simulation and a
        /// site fed the same writes and arrivals end alike: clock, store,
        /// hold-back buffer in arrival order, and every receipt.
        #[test]
        fn a_site_is_a_simulated_replica(
            rule in 0..3usize,
            conflicts in 0..3usize,
            choices in proptest::collection::vec((0..10u8, 0..64usize, 0..8usize), 1..80),
        ) {
            let delivery = [Delivery::Causal, Delivery::Fifo, Delivery::Unordered][rule];
            let conflicts = [Conflicts::Overwrite, Conflicts::Lww, Conflicts::MultiValue][conflicts];
            let config = Config { replicas: 3, delivery, conflicts };
            let mut sim = Simulation::new(config).unwrap();
            let mut sites: Vec<Site> = (0..3).map(|i| Site::new(i, config).unwrap()).collect();
            for (kind, pick, replica) in choices {
                let in_flight: Vec<_> = sim.in_flight().collect();
                let command = match (kind, in_flight.get(pick % in_flight.len().max(1))) {
                    (0..=2, _) | (_, None) => Command::Write {
                        replica: replica % 3,
                        key: format!("k{}", pick % 3).into(),
                        value: format!("v{pick}").into(),
                    },
                    (3..=7, Some(copy)) => Command::Deliver { message: copy.message, to: copy.to },
                    (8, Some(copy)) => Command::Duplicate { message: copy.message, to: copy.to },
                    (_, Some(copy)) => Command::Drop { message: copy.message, to: copy.to },
                };
                let events = sim.apply(command).unwrap();
                for (i, event) in events.iter().enumerate() {
                    match *event {
                        Event::Delivered { replica, message, from, released: false, .. }
                            if replica == from =>
                        {
                            let m = sim.messages().get(message).unwrap();
                            sites[replica].write(&m.key, &m.value);
                        }
                        Event::Received { message, to, .. } => {
                            let m = sim.messages().get(message).unwrap();
                            let (receipt, _) = sites[to]
                                .receive(m.sender, &m.key, &m.value, m.clock.clone())
                                .unwrap();
                            // The simulation's next event says what became of it.
                            let expected = match events.get(i + 1) {
                                Some(Event::Held { .. }) => Receipt::Held,
                                Some(Event::Delivered { .. }) => Receipt::Delivered,
                                _ => Receipt::Discarded,
                            };
                            proptest::prop_assert_eq!(receipt, expected);
                        }
                        _ => {}
                    }
                }
            }
            for (site, replica) in sites.iter().zip(sim.replicas()) {
                proptest::prop_assert_eq!(site.replica().clock(), replica.clock());
                proptest::prop_assert!(site.replica().store().same_values(replica.store()));
                let held: Vec<Dot> = site.held().map(Message::dot).collect();
                let expected: Vec<Dot> = replica
                    .hold_back()
                    .iter()
                    .map(|id| sim.messages().get(id).unwrap().dot())
                    .collect();
                proptest::prop_assert_eq!(held, expected);
                proptest::prop_assert_eq!(site.replica().delivered_count(), replica.delivered().len() as u64);
            }
        }
    }
}
