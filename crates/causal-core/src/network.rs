//! The network: copies of messages in flight, one lane per destination.
//!
//! Nothing arrives by itself. A copy waits until a command receives it,
//! drops it, or duplicates it, so the user (or a seeded scheduler) is the
//! network's adversary: any order of arrival can be tried.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::{MessageId, ReplicaId};

/// A copy's number, in the order copies were put in flight. Stable across a
/// re-run of the same history under another rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CopyId(pub u64);

/// One copy of a message on its way to one replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Which copy.
    pub copy: CopyId,
    /// The message it carries.
    pub message: MessageId,
    /// Its sender.
    pub from: ReplicaId,
    /// Its destination.
    pub to: ReplicaId,
}

/// "No copy": the end of a chain, or an empty lane's ends.
const NONE: u64 = u64::MAX;

/// A copy in flight, with its links: to the next copy of the same message,
/// and to its neighbours in its lane.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Slot {
    in_flight: InFlight,
    /// The next copy in flight of the same message (in sending order), or NONE.
    next_same: u64,
    /// The copy before it in its lane, or NONE.
    prev: u64,
    /// The copy after it in its lane, or NONE.
    next: u64,
}

/// A destination's lane: a list linked through the slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Lane {
    first: u64,
    last: u64,
    len: usize,
}

impl Default for Lane {
    fn default() -> Self {
        Lane {
            first: NONE,
            last: NONE,
            len: 0,
        }
    }
}

/// Every copy in flight, in sending order and in lane order.
///
/// Copies are numbered in sending order and kept in a window of slots from
/// the oldest copy still in flight to the newest, so that sending, finding,
/// receiving and dropping a copy cost a step each (finding the earliest copy
/// of a message to a replica walks the copies of that message, a handful).
/// The window is trimmed as the oldest copies leave: it only grows while an
/// old copy stays in flight, by one slot per copy sent after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    /// Copies `base`, `base + 1`, ...: `None` once received or dropped. The
    /// first slot, when there is one, is always a copy in flight.
    slots: VecDeque<Option<Slot>>,
    /// The number of the copy in the first slot.
    base: u64,
    /// How many copies are in flight.
    live: usize,
    /// Per message number, its first copy in flight (NONE if none); the
    /// others follow through `next_same`.
    by_message: Vec<u64>,
    /// Per destination.
    lanes: Vec<Lane>,
    /// How many copies were ever sent: the next copy's number.
    sent: u64,
}

impl Network {
    /// An empty network among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        Network {
            lanes: vec![Lane::default(); replicas],
            ..Network::default()
        }
    }

    fn slot(&self, copy: u64) -> Option<&Slot> {
        let index = copy.checked_sub(self.base)?;
        self.slots.get(usize::try_from(index).ok()?)?.as_ref()
    }

    fn slot_mut(&mut self, copy: u64) -> Option<&mut Slot> {
        let index = copy.checked_sub(self.base)?;
        self.slots.get_mut(usize::try_from(index).ok()?)?.as_mut()
    }

    /// Puts a copy in flight, last in its sending order and last in its lane.
    pub fn send(&mut self, message: MessageId, from: ReplicaId, to: ReplicaId) -> InFlight {
        let copy = self.sent;
        self.sent += 1;
        let in_flight = InFlight {
            copy: CopyId(copy),
            message,
            from,
            to,
        };
        if self.lanes.len() <= to {
            self.lanes.resize(to + 1, Lane::default());
        }
        let lane = self.lanes[to];
        if self.live == 0 {
            // Nothing in flight: the window restarts at this copy.
            self.slots.clear();
            self.base = copy;
        }
        self.slots.push_back(Some(Slot {
            in_flight,
            next_same: NONE,
            prev: lane.last,
            next: NONE,
        }));
        self.live += 1;
        // Last in its lane.
        match self.slot_mut(lane.last) {
            Some(before) => before.next = copy,
            None => self.lanes[to].first = copy,
        }
        self.lanes[to].last = copy;
        self.lanes[to].len += 1;
        // Last of its message's copies.
        let m = message.0 as usize;
        if self.by_message.len() <= m {
            self.by_message.resize(m + 1, NONE);
        }
        let mut at = self.by_message[m];
        if at == NONE {
            self.by_message[m] = copy;
        } else {
            while let Some(next) = self.slot(at).map(|s| s.next_same).filter(|&n| n != NONE) {
                at = next;
            }
            if let Some(last) = self.slot_mut(at) {
                last.next_same = copy;
            }
        }
        in_flight
    }

    /// The earliest copy of `message` in flight to `to`.
    pub fn earliest(&self, message: MessageId, to: ReplicaId) -> Option<InFlight> {
        let mut at = *self.by_message.get(message.0 as usize)?;
        while let Some(slot) = self.slot(at) {
            if slot.in_flight.to == to {
                return Some(slot.in_flight);
            }
            at = slot.next_same;
        }
        None
    }

    /// The copy with this number, if it is in flight.
    pub fn get(&self, copy: CopyId) -> Option<InFlight> {
        self.slot(copy.0).map(|slot| slot.in_flight)
    }

    /// The copy first put in flight of those still in flight.
    pub fn first(&self) -> Option<InFlight> {
        self.slots
            .front()
            .and_then(Option::as_ref)
            .map(|slot| slot.in_flight)
    }

    /// Takes a copy out of the network (received or dropped).
    pub fn take(&mut self, copy: CopyId) -> Option<InFlight> {
        let index = usize::try_from(copy.0.checked_sub(self.base)?).ok()?;
        let slot = self.slots.get_mut(index)?.take()?;
        self.live -= 1;
        // Out of its lane.
        let to = slot.in_flight.to;
        match self.slot_mut(slot.prev) {
            Some(before) => before.next = slot.next,
            None => self.lanes[to].first = slot.next,
        }
        match self.slot_mut(slot.next) {
            Some(after) => after.prev = slot.prev,
            None => self.lanes[to].last = slot.prev,
        }
        self.lanes[to].len -= 1;
        // Out of its message's chain.
        let m = slot.in_flight.message.0 as usize;
        if self.by_message[m] == copy.0 {
            self.by_message[m] = slot.next_same;
        } else {
            let mut at = self.by_message[m];
            while let Some(s) = self.slot_mut(at) {
                if s.next_same == copy.0 {
                    s.next_same = slot.next_same;
                    break;
                }
                at = s.next_same;
            }
        }
        // Trim the window's front to the oldest copy still in flight.
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(slot.in_flight)
    }

    /// Every copy in flight, in the order they were put in flight.
    pub fn iter(&self) -> impl Iterator<Item = InFlight> + '_ {
        self.slots.iter().flatten().map(|slot| slot.in_flight)
    }

    /// How many copies are in flight.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The copies in flight to `to`, in lane order.
    pub fn lane(&self, to: ReplicaId) -> impl Iterator<Item = InFlight> + '_ {
        let mut at = self.lanes.get(to).map_or(NONE, |lane| lane.first);
        std::iter::from_fn(move || {
            let slot = self.slot(at)?;
            at = slot.next;
            Some(slot.in_flight)
        })
    }

    /// How many copies are in flight to `to`.
    pub fn lane_len(&self, to: ReplicaId) -> usize {
        self.lanes.get(to).map_or(0, |lane| lane.len)
    }

    /// Moves the copy at `index` of lane `to` to `position`; the others keep
    /// their order. Relinks the lane, which is short (the user reorders it
    /// by hand); receiving and sending stay a step each.
    pub fn reorder(&mut self, to: ReplicaId, index: usize, position: usize) -> bool {
        let len = self.lane_len(to);
        if index >= len || position >= len {
            return false;
        }
        let mut order: Vec<u64> = self.lane(to).map(|c| c.copy.0).collect();
        let moved = order.remove(index);
        order.insert(position, moved);
        for (i, &copy) in order.iter().enumerate() {
            let prev = if i == 0 { NONE } else { order[i - 1] };
            let next = order.get(i + 1).copied().unwrap_or(NONE);
            if let Some(slot) = self.slot_mut(copy) {
                slot.prev = prev;
                slot.next = next;
            }
        }
        self.lanes[to].first = order[0];
        self.lanes[to].last = order[len - 1];
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(network: &Network, to: ReplicaId) -> Vec<u32> {
        network.lane(to).map(|c| c.message.0).collect()
    }

    #[test]
    fn the_window_shrinks_as_the_oldest_copies_leave() {
        let mut network = Network::new(3);
        for m in 1..=100 {
            network.send(MessageId(m), 0, 1 + (m as usize % 2));
        }
        assert_eq!(network.slots.len(), 100);
        // Taking the oldest copies shrinks the window from the front...
        for copy in 0..10 {
            assert!(network.take(CopyId(copy)).is_some());
        }
        assert_eq!((network.len(), network.slots.len()), (90, 90));
        // ...taking copies behind the oldest leaves holes...
        for copy in (11..100).rev() {
            assert!(network.take(CopyId(copy)).is_some());
        }
        assert_eq!((network.len(), network.slots.len()), (1, 90));
        assert_eq!(network.first().map(|c| c.copy), Some(CopyId(10)));
        // ...until the oldest leaves too.
        network.take(CopyId(10));
        assert!(network.is_empty() && network.slots.is_empty());
        assert_eq!(network.first(), None);
        // Numbers go on from where they were.
        assert_eq!(network.send(MessageId(7), 0, 2).copy, CopyId(100));
        assert_eq!(
            network.get(CopyId(100)).map(|c| c.message),
            Some(MessageId(7))
        );
        assert_eq!(network.get(CopyId(5)), None);
        assert_eq!(network.take(CopyId(5)), None);
        assert_eq!(network.take(CopyId(u64::MAX)), None);
    }

    #[test]
    fn lanes_and_chains_survive_taking_from_anywhere() {
        let mut network = Network::new(2);
        for m in 1..=5 {
            network.send(MessageId(m), 0, 1);
        }
        network.send(MessageId(2), 0, 1); // a duplicate, copy 5
        assert_eq!(lane(&network, 1), [1, 2, 3, 4, 5, 2]);
        assert!(network.reorder(1, 4, 0));
        assert_eq!(lane(&network, 1), [5, 1, 2, 3, 4, 2]);
        assert_eq!(
            network.earliest(MessageId(2), 1).map(|c| c.copy),
            Some(CopyId(1))
        );
        network.take(CopyId(1));
        assert_eq!(
            network.earliest(MessageId(2), 1).map(|c| c.copy),
            Some(CopyId(5))
        );
        network.take(CopyId(4));
        network.take(CopyId(5));
        assert_eq!(lane(&network, 1), [1, 3, 4]);
        assert_eq!(network.earliest(MessageId(2), 1), None);
        assert_eq!(network.earliest(MessageId(2), 0), None);
        assert_eq!(network.earliest(MessageId(99), 1), None);
        assert_eq!(network.lane_len(1), 3);
        assert!(!network.reorder(1, 3, 0));
        assert!(network.reorder(1, 2, 0));
        assert_eq!(lane(&network, 1), [4, 1, 3]);
        network.send(MessageId(6), 0, 1);
        assert_eq!(lane(&network, 1), [4, 1, 3, 6]);
        let order: Vec<u64> = network.iter().map(|c| c.copy.0).collect();
        assert_eq!(order, [0, 2, 3, 6]);
        assert_eq!(lane(&network, 0), Vec::<u32>::new());
    }
}
