//! The network: copies of messages in flight, one lane per destination.
//!
//! Nothing arrives by itself. A copy waits until a command receives it,
//! drops it, or duplicates it, so the user (or a seeded scheduler) is the
//! network's adversary: any order of arrival can be tried.

use std::collections::{BTreeMap, BTreeSet};

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

/// Every copy in flight, in sending order and in lane order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    /// Copy to (copy, its key in its lane), in sending order.
    copies: BTreeMap<CopyId, (InFlight, u64)>,
    /// (message, destination, copy): finds the earliest copy of m to i.
    addressed: BTreeSet<(MessageId, ReplicaId, CopyId)>,
    /// Per destination: lane key to copy, in lane order.
    lanes: Vec<BTreeMap<u64, CopyId>>,
    sent: u64,
}

impl Network {
    /// An empty network among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        Network {
            lanes: vec![BTreeMap::new(); replicas],
            ..Network::default()
        }
    }

    /// Puts a copy in flight, last in its sending order and last in its lane.
    pub fn send(&mut self, message: MessageId, from: ReplicaId, to: ReplicaId) -> InFlight {
        let copy = CopyId(self.sent);
        self.sent += 1;
        let lane = &mut self.lanes[to];
        let key = lane.last_key_value().map_or(0, |(key, _)| key + 1);
        lane.insert(key, copy);
        let in_flight = InFlight {
            copy,
            message,
            from,
            to,
        };
        self.copies.insert(copy, (in_flight, key));
        self.addressed.insert((message, to, copy));
        in_flight
    }

    /// The earliest copy of `message` in flight to `to`.
    pub fn earliest(&self, message: MessageId, to: ReplicaId) -> Option<InFlight> {
        let (_, _, copy) = self
            .addressed
            .range((message, to, CopyId(0))..=(message, to, CopyId(u64::MAX)))
            .next()?;
        self.get(*copy)
    }

    /// The copy with this number, if it is in flight.
    pub fn get(&self, copy: CopyId) -> Option<InFlight> {
        self.copies.get(&copy).map(|(in_flight, _)| *in_flight)
    }

    /// The copy first put in flight of those still in flight.
    pub fn first(&self) -> Option<InFlight> {
        self.copies.values().next().map(|(in_flight, _)| *in_flight)
    }

    /// Takes a copy out of the network (received or dropped).
    pub fn take(&mut self, copy: CopyId) -> Option<InFlight> {
        let (in_flight, key) = self.copies.remove(&copy)?;
        self.addressed
            .remove(&(in_flight.message, in_flight.to, copy));
        self.lanes[in_flight.to].remove(&key);
        Some(in_flight)
    }

    /// Every copy in flight, in the order they were put in flight.
    pub fn iter(&self) -> impl Iterator<Item = InFlight> + '_ {
        self.copies.values().map(|(in_flight, _)| *in_flight)
    }

    /// How many copies are in flight.
    pub fn len(&self) -> usize {
        self.copies.len()
    }

    /// Nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }

    /// The copies in flight to `to`, in lane order.
    pub fn lane(&self, to: ReplicaId) -> impl Iterator<Item = InFlight> + '_ {
        self.lanes
            .get(to)
            .into_iter()
            .flat_map(|lane| lane.values())
            .filter_map(|copy| self.get(*copy))
    }

    /// How many copies are in flight to `to`.
    pub fn lane_len(&self, to: ReplicaId) -> usize {
        self.lanes.get(to).map_or(0, BTreeMap::len)
    }

    /// Moves the copy at `index` of lane `to` to `position`; the others keep
    /// their order. Renumbers the lane, which is short (the user reorders it
    /// by hand); receiving and sending stay logarithmic.
    pub fn reorder(&mut self, to: ReplicaId, index: usize, position: usize) -> bool {
        let Some(lane) = self.lanes.get_mut(to) else {
            return false;
        };
        if index >= lane.len() || position >= lane.len() {
            return false;
        }
        let mut order: Vec<CopyId> = lane.values().copied().collect();
        let moved = order.remove(index);
        order.insert(position, moved);
        lane.clear();
        for (key, copy) in order.into_iter().enumerate() {
            lane.insert(key as u64, copy);
            if let Some(entry) = self.copies.get_mut(&copy) {
                entry.1 = key as u64;
            }
        }
        true
    }
}
