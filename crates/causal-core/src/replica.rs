//! A replica: its vector clock, store, hold-back buffer and delivery log,
//! and the delivery rules' tests on them.

use crate::appended::Appended;
use std::collections::BTreeMap;

use crate::{
    Conflicts, Delivery, Dot, Event, Gap, HoldBack, Lookup, Message, MessageId, Missing, ReplicaId,
    Store, VectorClock, Violation,
};

/// Which of one sender's writes a replica has delivered: a prefix `1..=prefix`
/// and, under `unordered` only, scattered runs above it.
///
/// The runs are kept as intervals so that listing what is missing costs as
/// much as what is missing, not as much as what was delivered: with A#1 lost
/// and A#2..A#10000 delivered under `unordered`, each delivery finds its one
/// missing message in a step, not in a scan of the thousands delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SenderLog {
    prefix: u64,
    /// Delivered runs above the prefix: first to last (inclusive), disjoint,
    /// not touching each other nor the prefix.
    above: BTreeMap<u64, u64>,
    /// How many writes the runs hold.
    above_count: u64,
}

impl SenderLog {
    fn contains(&self, seq: u64) -> bool {
        seq <= self.prefix
            || self
                .above
                .range(..=seq)
                .next_back()
                .is_some_and(|(_, &last)| seq <= last)
    }

    fn insert(&mut self, seq: u64) {
        if seq == 0 || self.contains(seq) {
            return;
        }
        let (mut first, mut last) = (seq, seq);
        // Join the run that ends just below, and the one that starts just above.
        if let Some((&below, &end)) = self.above.range(..seq).next_back() {
            if end + 1 == seq {
                self.above.remove(&below);
                self.above_count -= end - below + 1;
                first = below;
            }
        }
        if let Some(end) = self.above.remove(&(seq + 1)) {
            self.above_count -= end - seq;
            last = end;
        }
        if first == self.prefix + 1 {
            self.prefix = last;
        } else {
            self.above.insert(first, last);
            self.above_count += last - first + 1;
        }
    }

    fn count(&self) -> u64 {
        self.prefix + self.above_count
    }

    /// Sequence numbers up to `last` not delivered, ascending. Costs the
    /// number of them, plus the number of runs between, plus a lookup.
    fn missing_up_to(&self, last: u64) -> impl Iterator<Item = u64> + '_ {
        let mut from = self.prefix + 1;
        let mut runs = self.above.range(..=last);
        let mut gap = None::<std::ops::RangeInclusive<u64>>;
        std::iter::from_fn(move || loop {
            if let Some(seq) = gap.as_mut().and_then(Iterator::next) {
                return Some(seq);
            }
            if from > last {
                return None;
            }
            match runs.next() {
                Some((&start, &end)) => {
                    gap = Some(from..=start - 1);
                    from = end + 1;
                }
                None => {
                    gap = Some(from..=last);
                    from = last + 1;
                }
            }
        })
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

    /// The delivery rule's test, as the rule is stated (under causal, the
    /// original nodes' test).
    fn deliverable(&self, rule: Delivery, message: &Message) -> bool {
        let j = message.sender;
        match rule {
            Delivery::Causal => {
                let (sent, seen) = (message.clock.entries(), self.clock.entries());
                let entry = |clock: &[u64], k: usize| clock.get(k).copied().unwrap_or(0);
                entry(sent, j) == entry(seen, j) + 1
                    && seen
                        .iter()
                        .enumerate()
                        .all(|(k, &seen)| k == j || entry(sent, k) <= seen)
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
    fn releasable(&self, rule: Delivery, messages: &impl Lookup) -> Option<Dot> {
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
                let message = messages.message(id)?;
                self.deliverable(rule, message).then_some((arrival, dot))
            })
            .min()
            .map(|(_, dot)| dot)
    }
}

/// What a replica does with a message that arrives ([`Replica::classify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Classified {
    /// Known already (delivered or held): a duplicate, discarded.
    Discard,
    /// Deliverable now.
    Deliver,
    /// Held back, waiting for this gap.
    Hold(Gap),
}

/// One replica of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replica {
    id: ReplicaId,
    progress: Progress,
    store: Store,
    delivered: Appended<MessageId>,
    /// Deliveries no longer listed in `delivered` (a site forgets the
    /// order of what it delivered; a simulation never does).
    forgotten: u64,
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
            delivered: Appended::new(),
            forgotten: 0,
        }
    }

    /// Its number.
    pub fn id(&self) -> ReplicaId {
        self.id
    }

    /// Its vector clock: ticked by its writes, merged with each message it
    /// delivers.
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

    /// Messages it has delivered (its own writes included), in delivery
    /// order; for a [`Site`](crate::Site)'s replica, only those of its
    /// latest write or receive.
    pub fn delivered(&self) -> &Appended<MessageId> {
        &self.delivered
    }

    /// How many messages it has delivered in all, its own writes included.
    pub fn delivered_count(&self) -> u64 {
        self.forgotten + self.delivered.len() as u64
    }

    /// It made `writes` writes whose contents are lost (its history was):
    /// its own entry of the clock, and the count of its own writes, go up
    /// to `writes`, so its next write is numbered `writes + 1`. Never down.
    pub(crate) fn resume_own(&mut self, writes: u64) {
        let mut own = vec![0; self.progress.clock.len()];
        own[self.id] = writes;
        self.progress.clock.merge(&VectorClock::from_entries(own));
        let log = &mut self.progress.logs[self.id];
        if writes > log.prefix {
            // Its own writes are delivered in order, with no runs above.
            log.prefix = writes;
        }
    }

    /// Forgets which messages it delivered, in what order (their count, the
    /// clock and the store stay), so that a long-running replica's memory
    /// does not grow with its history.
    pub(crate) fn forget_delivery_order(&mut self) {
        self.forgotten += self.delivered.len() as u64;
        self.delivered = Appended::new();
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

    /// Whether it has delivered the message with this dot.
    pub fn has_delivered_dot(&self, dot: Dot) -> bool {
        self.progress
            .logs
            .get(dot.replica)
            .is_some_and(|log| log.contains(dot.seq))
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
        messages: &impl Lookup,
    ) -> Vec<MessageId> {
        let mut missing = Vec::new();
        for (k, log) in self.progress.logs.iter().enumerate() {
            let seen = message.clock.get(k);
            let last = if k == message.sender {
                seen.saturating_sub(1)
            } else {
                seen
            };
            // The usual case, under causal always: nothing missing from k.
            if k == self.id || last <= log.prefix {
                continue;
            }
            missing.extend(
                log.missing_up_to(last)
                    .filter_map(|seq| messages.number_of(Dot { replica: k, seq })),
            );
        }
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
        messages: &impl Lookup,
    ) -> Vec<MessageId> {
        let mut progress = self.progress.clone();
        progress.delivered(message);
        let mut released = Vec::new();
        while let Some(dot) = progress.releasable(rule, messages) {
            let Some(next) = progress
                .hold_back
                .release(dot)
                .and_then(|id| messages.message(id))
            else {
                break;
            };
            progress.delivered(next);
            released.push(next.id);
        }
        released
    }

    /// The one decision about a message that arrives here: discard it (a
    /// duplicate), deliver it, or hold it back with what it waits for.
    /// [`Replica::receive`], [`Simulation::preview`](crate::Simulation::preview)
    /// and the rule at work ([`decide`](crate::decide)) all ask this.
    pub fn classify(&self, rule: Delivery, message: &Message) -> Classified {
        if self.knows(message) {
            Classified::Discard
        } else {
            self.test(rule, message)
        }
    }

    /// The delivery rule's test alone, for a message not known here or held
    /// here: deliver, or hold with its gap.
    pub fn test(&self, rule: Delivery, message: &Message) -> Classified {
        if self.deliverable(rule, message) {
            Classified::Deliver
        } else {
            Classified::Hold(self.gap(rule, message))
        }
    }

    /// A message arrives: discard it as a duplicate, deliver it (and whatever
    /// it releases, until nothing more is deliverable), or hold it back. The
    /// events say which, in order; `message` must be in `messages`.
    pub fn receive(
        &mut self,
        rule: Delivery,
        message: &Message,
        messages: &impl Lookup,
        events: &mut Vec<Event>,
    ) {
        let at = self.id;
        match self.classify(rule, message) {
            Classified::Discard => events.push(Event::Discarded {
                replica: at,
                message: message.id,
                from: message.sender,
            }),
            Classified::Deliver => {
                self.deliver_logged(message, messages, false, events);
                while let Some(next) = self.release_next(rule, messages) {
                    let Some(next) = messages.message(next) else {
                        break;
                    };
                    self.deliver_logged(next, messages, true, events);
                }
            }
            Classified::Hold(waits_for) => {
                self.progress.hold_back.hold(message.dot(), message.id);
                events.push(Event::Held {
                    replica: at,
                    message: message.id,
                    from: message.sender,
                    waits_for,
                });
            }
        }
    }

    /// Delivers `message` and says so, with a violation for each message that
    /// happened before it and is not delivered here.
    fn deliver_logged(
        &mut self,
        message: &Message,
        messages: &impl Lookup,
        released: bool,
        events: &mut Vec<Event>,
    ) {
        let missing = self.undelivered_predecessors(message, messages);
        self.deliver(message);
        events.push(Event::Delivered {
            replica: self.id,
            message: message.id,
            from: message.sender,
            clock: self.clock().clone(),
            released,
        });
        events.extend(missing.into_iter().map(|missing| {
            Event::Violation(Violation {
                replica: self.id,
                message: message.id,
                missing,
            })
        }));
    }

    /// Delivers: merges the clock, applies the write to the store, logs it.
    pub(crate) fn deliver(&mut self, message: &Message) {
        self.progress.delivered(message);
        self.store.apply(message);
        self.delivered.push(message.id);
    }

    /// Takes the earliest-received held message that has become deliverable
    /// out of the buffer, if there is one.
    fn release_next(&mut self, rule: Delivery, messages: &impl Lookup) -> Option<MessageId> {
        let dot = self.progress.releasable(rule, messages)?;
        self.progress.hold_back.release(dot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every order of inserting 1..=6 (and a few repeats and zeros) agrees
    /// with a plain set on `contains`, `count` and `missing_up_to`.
    #[test]
    fn sender_log_agrees_with_a_plain_set() {
        fn permutations(items: &[u64]) -> Vec<Vec<u64>> {
            if items.len() <= 1 {
                return vec![items.to_vec()];
            }
            let mut all = Vec::new();
            for i in 0..items.len() {
                let mut rest = items.to_vec();
                let first = rest.remove(i);
                for mut p in permutations(&rest) {
                    p.insert(0, first);
                    all.push(p);
                }
            }
            all
        }
        for order in permutations(&[1, 2, 3, 4, 5, 6]) {
            for cut in 0..=order.len() {
                let mut log = SenderLog::default();
                let mut set = BTreeSet::new();
                for &seq in order[..cut].iter().chain([0, order[0]].iter()) {
                    log.insert(seq);
                    if seq > 0 {
                        set.insert(seq);
                    }
                }
                for seq in 0..=8 {
                    assert_eq!(
                        log.contains(seq),
                        seq == 0 || set.contains(&seq),
                        "{order:?}"
                    );
                }
                assert_eq!(log.count(), set.len() as u64);
                for last in 0..=8 {
                    let missing: Vec<u64> = log.missing_up_to(last).collect();
                    let expected: Vec<u64> = (1..=last).filter(|s| !set.contains(s)).collect();
                    assert_eq!(missing, expected, "{order:?} up to {last}");
                }
                assert!(log.above.keys().all(|&first| first > log.prefix + 1));
            }
        }
    }
}
