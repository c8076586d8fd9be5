//! A replica: its vector clock, store, hold-back buffer and delivery log,
//! and the delivery rules' tests on them.

use std::collections::BTreeSet;

use crate::{
    Conflicts, Delivery, Dot, Gap, HoldBack, Message, MessageId, Messages, Missing, ReplicaId,
    Store, VectorClock,
};

/// Which of one sender's writes a replica has delivered: a prefix `1..=prefix`
/// and, under `unordered` only, scattered ones above it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SenderLog {
    prefix: u64,
    above: BTreeSet<u64>,
}

impl SenderLog {
    fn contains(&self, seq: u64) -> bool {
        seq <= self.prefix || self.above.contains(&seq)
    }

    fn insert(&mut self, seq: u64) {
        if seq == self.prefix + 1 {
            self.prefix = seq;
            while self.above.remove(&(self.prefix + 1)) {
                self.prefix += 1;
            }
        } else if seq > self.prefix {
            self.above.insert(seq);
        }
    }

    fn count(&self) -> u64 {
        self.prefix + self.above.len() as u64
    }

    /// Sequence numbers up to `last` not delivered, ascending.
    fn missing_up_to(&self, last: u64) -> impl Iterator<Item = u64> + '_ {
        (self.prefix + 1..=last).filter(move |seq| !self.above.contains(seq))
    }
}

/// What decides whether a message can be delivered: the clock, what has been
/// delivered from each sender, and what is held. Split from the store so that
/// a preview can play deliveries forward without copying the data.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Progress {
    clock: VectorClock,
    logs: Vec<SenderLog>,
    hold_back: HoldBack,
}

impl Progress {
    fn knows(&self, message: &Message) -> bool {
        let dot = message.dot();
        self.logs[dot.replica].contains(dot.seq) || self.hold_back.contains(dot)
    }

    /// The delivery rule's test, as DESIGN.md states it.
    fn deliverable(&self, rule: Delivery, message: &Message) -> bool {
        let j = message.sender;
        match rule {
            Delivery::Causal => {
                message.clock.get(j) == self.clock.get(j) + 1
                    && (0..self.clock.len())
                        .filter(|&k| k != j)
                        .all(|k| message.clock.get(k) <= self.clock.get(k))
            }
            Delivery::Fifo => message.clock.get(j) == self.logs[j].count() + 1,
            Delivery::Unordered => true,
        }
    }

    fn delivered(&mut self, message: &Message) {
        self.clock.merge(&message.clock);
        let dot = message.dot();
        self.logs[dot.replica].insert(dot.seq);
    }

    /// The earliest-received held message that has become deliverable. Under
    /// `causal` and `fifo` it can only be the next write of some sender, so
    /// this looks at one candidate per sender.
    fn releasable(&self, rule: Delivery, messages: &Messages) -> Option<Dot> {
        if self.hold_back.is_empty() {
            return None;
        }
        (0..self.logs.len())
            .filter_map(|sender| {
                let next = match rule {
                    Delivery::Causal => self.clock.get(sender) + 1,
                    Delivery::Fifo => self.logs[sender].count() + 1,
                    Delivery::Unordered => return None,
                };
                let dot = Dot {
                    replica: sender,
                    seq: next,
                };
                let (arrival, id) = self.hold_back.get(dot)?;
                let message = messages.get(id)?;
                self.deliverable(rule, message).then_some((arrival, dot))
            })
            .min()
            .map(|(_, dot)| dot)
    }
}

/// One replica of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replica {
    id: ReplicaId,
    progress: Progress,
    store: Store,
    delivered: Vec<MessageId>,
}

impl Replica {
    /// Replica `id` of `replicas`, with an empty store under `conflicts`.
    pub fn new(id: ReplicaId, replicas: usize, conflicts: Conflicts) -> Self {
        Replica {
            id,
            progress: Progress {
                clock: VectorClock::new(replicas),
                logs: vec![SenderLog::default(); replicas],
                hold_back: HoldBack::default(),
            },
            store: Store::new(conflicts),
            delivered: Vec::new(),
        }
    }

    /// Its number.
    pub fn id(&self) -> ReplicaId {
        self.id
    }

    /// Its vector clock.
    pub fn clock(&self) -> &VectorClock {
        &self.progress.clock
    }

    /// Its store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Its hold-back buffer.
    pub fn hold_back(&self) -> &HoldBack {
        &self.progress.hold_back
    }

    /// Messages it has delivered (its own writes included), in delivery order.
    pub fn delivered(&self) -> &[MessageId] {
        &self.delivered
    }

    /// How many of `sender`'s writes it has delivered.
    pub fn delivered_from(&self, sender: ReplicaId) -> u64 {
        self.progress.logs.get(sender).map_or(0, SenderLog::count)
    }

    /// Whether it has delivered this message.
    pub fn has_delivered(&self, message: &Message) -> bool {
        let dot = message.dot();
        self.progress.logs[dot.replica].contains(dot.seq)
    }

    /// Whether it has delivered or holds this message: a copy of it now
    /// would be discarded as a duplicate.
    pub fn knows(&self, message: &Message) -> bool {
        self.progress.knows(message)
    }

    /// Whether `rule` lets it deliver `message` now.
    pub fn deliverable(&self, rule: Delivery, message: &Message) -> bool {
        self.progress.deliverable(rule, message)
    }

    /// What `message` waits for under `rule`: the sender's earlier writes not
    /// yet delivered and, under `causal`, every other write its timestamp has
    /// seen that this replica has not. Empty when it is deliverable.
    /// Costs one step per replica, whatever the size of the gap.
    pub fn gap(&self, rule: Delivery, message: &Message) -> Gap {
        let j = message.sender;
        // (sender, how many of its writes count as delivered under the rule)
        let senders: Vec<(ReplicaId, u64)> = match rule {
            Delivery::Causal => (0..self.progress.clock.len())
                .map(|k| (k, self.progress.clock.get(k)))
                .collect(),
            Delivery::Fifo => vec![(j, self.delivered_from(j))],
            Delivery::Unordered => Vec::new(),
        };
        Gap(senders
            .into_iter()
            .filter_map(|(k, have)| {
                let seen = message.clock.get(k);
                // The sender's own entry counts the message itself.
                let last = if k == j { seen.saturating_sub(1) } else { seen };
                (last > have).then(|| Missing {
                    sender: k,
                    have,
                    first: have + 1,
                    last,
                })
            })
            .collect())
    }

    /// Messages that happened before `message` and are not delivered here:
    /// delivering it now is a violation for each. Ascending. Own writes never
    /// count (they are delivered the moment they are made).
    pub fn undelivered_predecessors(
        &self,
        message: &Message,
        messages: &Messages,
    ) -> Vec<MessageId> {
        let mut missing: Vec<MessageId> = (0..self.progress.logs.len())
            .filter(|&k| k != self.id)
            .flat_map(|k| {
                let seen = message.clock.get(k);
                let last = if k == message.sender {
                    seen.saturating_sub(1)
                } else {
                    seen
                };
                self.progress.logs[k]
                    .missing_up_to(last)
                    .filter_map(move |seq| messages.id_of(Dot { replica: k, seq }))
            })
            .collect();
        missing.sort_unstable();
        missing
    }

    /// What would be released from the hold-back buffer, in order, if
    /// `message` were delivered now. Plays the deliveries forward on a copy
    /// of the clock and buffer only.
    pub fn releases_after(
        &self,
        rule: Delivery,
        message: &Message,
        messages: &Messages,
    ) -> Vec<MessageId> {
        let mut progress = self.progress.clone();
        progress.delivered(message);
        let mut released = Vec::new();
        while let Some(dot) = progress.releasable(rule, messages) {
            let Some(next) = progress
                .hold_back
                .release(dot)
                .and_then(|id| messages.get(id))
            else {
                break;
            };
            progress.delivered(next);
            released.push(next.id);
        }
        released
    }

    pub(crate) fn hold(&mut self, message: &Message) {
        self.progress.hold_back.hold(message.dot(), message.id);
    }

    /// Delivers: merges the clock, applies the write to the store, logs it.
    pub(crate) fn deliver(&mut self, message: &Message) {
        self.progress.delivered(message);
        self.store.apply(message);
        self.delivered.push(message.id);
    }

    /// Takes the earliest-received held message that has become deliverable
    /// out of the buffer, if there is one.
    pub(crate) fn release_next(
        &mut self,
        rule: Delivery,
        messages: &Messages,
    ) -> Option<MessageId> {
        let dot = self.progress.releasable(rule, messages)?;
        self.progress.hold_back.release(dot)
    }
}
