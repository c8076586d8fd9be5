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

/// One copy of `message`, from its sender `from` to `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct InFlight {
    pub copy: CopyId,
    pub message: MessageId,
    pub from: ReplicaId,
    pub to: ReplicaId,
}

/// "No copy": the end of a chain, an empty subtree, an empty lane.
const NONE: u64 = u64::MAX;

/// A copy in flight, with its links: to the copies of the same message to
/// the same replica (a circular list in sending order), and its place in its
/// lane's tree.
///
/// 32 bytes, since a long run keeps millions in flight: each link is the
/// distance from this copy's number to the other's ([`Link`]), and a vacant
/// slot (its copy received or dropped) is one whose `size` is 0.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Slot {
    message: MessageId,
    from: u16,
    to: u16,
    /// How many copies its lane subtree holds, itself included; 0 for a
    /// vacant slot.
    size: u32,
    /// The previous copy of the same message to the same replica; the first
    /// one's is the last one (the chain is circular).
    prev_same: Link,
    /// The next copy of the same message to the same replica, or none.
    next_same: Link,
    parent: Link,
    left: Link,
    right: Link,
}

impl Slot {
    const VACANT: Slot = Slot {
        message: MessageId(0),
        from: 0,
        to: 0,
        size: 0,
        prev_same: Link::NONE,
        next_same: Link::NONE,
        parent: Link::NONE,
        left: Link::NONE,
        right: Link::NONE,
    };

    fn is_vacant(&self) -> bool {
        self.size == 0
    }
}

/// A link from one copy to another, as the distance between their numbers:
/// both are in the window, so it fits 32 bits while the window holds fewer
/// than 2^31 copies (64 GiB of slots).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Link(i32);

impl Link {
    const NONE: Link = Link(i32::MIN);

    /// The link from copy `from` to copy `to` (NONE for none).
    fn between(from: u64, to: u64) -> Link {
        if to == NONE {
            Link::NONE
        } else {
            Link(to.wrapping_sub(from) as i64 as i32)
        }
    }

    /// The copy this link of copy `from` leads to (NONE for none).
    fn from(self, from: u64) -> u64 {
        if self == Link::NONE {
            NONE
        } else {
            from.wrapping_add_signed(i64::from(self.0))
        }
    }
}

/// A destination's lane: a treap ordered by position (each subtree knows its
/// size, each copy's priority is a hash of its number), so that finding,
/// moving and removing the copy at any position cost the tree's depth, about
/// log n, never the lane's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Lane {
    root: u64,
}

impl Default for Lane {
    fn default() -> Self {
        Lane { root: NONE }
    }
}

/// Every copy in flight, in sending order and in lane order.
///
/// Copies are numbered in sending order and kept in a window of slots from
/// the oldest copy still in flight to the newest, so that sending, finding,
/// receiving and dropping a copy cost a step each, and a lane position about
/// log n steps, however long the run and however many duplicates of a copy
/// are in flight. The window is trimmed as the oldest copies leave: it only
/// grows while an old copy stays in flight, by one slot per copy sent after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    /// Copies `base`, `base + 1`, ...: `None` once received or dropped. The
    /// first slot, when there is one, is always a copy in flight.
    slots: VecDeque<Slot>,
    /// The number of the copy in the first slot.
    base: u64,
    /// How many copies are in flight.
    live: usize,
    /// Per message number and destination (`message * stride + to`), the
    /// first copy in flight, its number's low 32 bits (the window is
    /// narrower than 2^32); the others follow through `next_same`. An entry
    /// is only believed when it names a copy in flight of that message to
    /// that destination: when there is none, the entry is stale and no copy
    /// matches it, so it needs no mark for "none".
    heads: Vec<u32>,
    /// The message whose entries start `heads`: the entries are dropped
    /// whenever nothing is in flight, so that a copy of the network (the
    /// page keeps one per action) costs what is in flight, not the run.
    heads_from: u32,
    /// Destinations per message in `heads`.
    stride: usize,
    /// Per destination.
    lanes: Vec<Lane>,
    /// How many copies were ever sent: the next copy's number.
    sent: u64,
    /// Steps taken through chains and lane trees, for the tests that check
    /// no command walks a whole lane or chain.
    #[cfg(test)]
    walked: u64,
}

impl Network {
    /// An empty network among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        Network {
            lanes: vec![Lane::default(); replicas],
            stride: replicas.max(1),
            ..Network::default()
        }
    }

    fn slot(&self, copy: u64) -> Option<&Slot> {
        let index = copy.checked_sub(self.base)?;
        Some(self.slots.get(usize::try_from(index).ok()?)?).filter(|s| !s.is_vacant())
    }

    fn slot_mut(&mut self, copy: u64) -> Option<&mut Slot> {
        let index = copy.checked_sub(self.base)?;
        Some(self.slots.get_mut(usize::try_from(index).ok()?)?).filter(|s| !s.is_vacant())
    }

    fn in_flight(&self, copy: u64) -> Option<InFlight> {
        self.slot(copy).map(|s| InFlight {
            copy: CopyId(copy),
            message: s.message,
            from: s.from as ReplicaId,
            to: s.to as ReplicaId,
        })
    }

    #[inline]
    fn walk(&mut self) {
        #[cfg(test)]
        {
            self.walked += 1;
        }
    }

    /// Where the chain of `message`'s copies to `to` starts, in `heads`.
    fn head_index(&self, message: MessageId, to: ReplicaId) -> Option<usize> {
        let row = message.0.checked_sub(self.heads_from)? as usize;
        (to < self.stride).then(|| row * self.stride + to)
    }

    /// The first copy of `message` in flight to `to`, or NONE.
    fn head(&self, message: MessageId, to: ReplicaId) -> u64 {
        let Some(&low) = self.head_index(message, to).and_then(|i| self.heads.get(i)) else {
            return NONE;
        };
        let copy = self.base + u64::from(low.wrapping_sub(self.base as u32));
        match self.slot(copy) {
            Some(s) if s.message == message && usize::from(s.to) == to => copy,
            _ => NONE,
        }
    }

    /// Puts a copy in flight, last in its sending order and last in its lane.
    pub fn send(&mut self, message: MessageId, from: ReplicaId, to: ReplicaId) -> InFlight {
        let copy = self.sent;
        self.sent += 1;
        if self.lanes.len() <= to {
            self.lanes.resize(to + 1, Lane::default());
        }
        if to >= self.stride {
            self.widen(to + 1);
        }
        if self.live == 0 {
            // Nothing in flight: the window restarts at this copy.
            self.slots.clear();
            self.base = copy;
            self.heads.clear();
            self.heads_from = message.0;
        }
        if message.0 < self.heads_from {
            // A copy of an older message (a retransmission): none of its
            // copies is in flight, its rows start empty.
            let rows = (self.heads_from - message.0) as usize * self.stride;
            self.heads.splice(0..0, std::iter::repeat_n(0, rows));
            self.heads_from = message.0;
        }
        // Before the new copy is in its slot, so that a stale head cannot
        // name it.
        let head = self.head(message, to);
        self.slots.push_back(Slot {
            message,
            from: from as u16,
            to: to as u16,
            size: 1,
            prev_same: Link(0),
            next_same: Link::NONE,
            parent: Link::NONE,
            left: Link::NONE,
            right: Link::NONE,
        });
        self.live += 1;
        // Last of its message's copies to `to`: the head's `prev_same` is the tail.
        let index = (message.0 - self.heads_from) as usize * self.stride + to;
        if self.heads.len() <= index {
            self.heads.resize(index + 1, 0);
        }
        if head == NONE {
            self.heads[index] = copy as u32;
        } else {
            let tail = self.slot(head).map_or(head, |s| s.prev_same.from(head));
            self.set(tail, |s| &mut s.next_same, copy);
            self.set(copy, |s| &mut s.prev_same, tail);
            self.set(head, |s| &mut s.prev_same, copy);
        }
        self.append(to, copy);
        InFlight {
            copy: CopyId(copy),
            message,
            from,
            to,
        }
    }

    /// Re-indexes `heads` for `stride` destinations per message (only a
    /// network used outside a simulation sends past its replica count).
    fn widen(&mut self, stride: usize) {
        let mut heads = vec![0; (self.heads.len() / self.stride + 1) * stride];
        for (i, &head) in self.heads.iter().enumerate() {
            heads[i / self.stride * stride + i % self.stride] = head;
        }
        self.heads = heads;
        self.stride = stride;
    }

    /// The earliest copy of `message` in flight to `to`.
    pub fn earliest(&self, message: MessageId, to: ReplicaId) -> Option<InFlight> {
        self.in_flight(self.head(message, to))
    }

    /// The copy with this number, if it is in flight.
    pub fn get(&self, copy: CopyId) -> Option<InFlight> {
        self.in_flight(copy.0)
    }

    /// The copy first put in flight of those still in flight.
    pub fn first(&self) -> Option<InFlight> {
        self.in_flight(self.base)
    }

    /// Takes a copy out of the network (received or dropped).
    pub fn take(&mut self, copy: CopyId) -> Option<InFlight> {
        let taken = self.get(copy)?;
        let (to, copy) = (taken.to, copy.0);
        let head = self.head(taken.message, to);
        self.remove(to, copy);
        let index = usize::try_from(copy - self.base).ok()?;
        let slot = std::mem::replace(self.slots.get_mut(index)?, Slot::VACANT);
        self.live -= 1;
        let (prev_same, next_same) = (slot.prev_same.from(copy), slot.next_same.from(copy));
        // Out of its chain.
        let head_index = self.head_index(taken.message, to)?;
        if head == copy {
            // NONE when it was the only one: a stale entry.
            self.heads[head_index] = next_same as u32;
            self.set(next_same, |s| &mut s.prev_same, prev_same);
        } else {
            self.set(prev_same, |s| &mut s.next_same, next_same);
            // The next one's previous, or the head's when this was the tail.
            let after = if next_same == NONE { head } else { next_same };
            self.set(after, |s| &mut s.prev_same, prev_same);
        }
        // Trim the window's front to the oldest copy still in flight.
        while self.slots.front().is_some_and(Slot::is_vacant) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(taken)
    }

    /// Every copy in flight, in the order they were put in flight.
    pub fn iter(&self) -> impl Iterator<Item = InFlight> + '_ {
        (self.base..self.base + self.slots.len() as u64).filter_map(|copy| self.in_flight(copy))
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
        let root = self.lanes.get(to).map_or(NONE, |lane| lane.root);
        let mut at = self.leftmost(root);
        std::iter::from_fn(move || {
            let here = self.in_flight(at)?;
            at = self.successor(at);
            Some(here)
        })
    }

    /// How many copies are in flight to `to`.
    pub fn lane_len(&self, to: ReplicaId) -> usize {
        self.lanes
            .get(to)
            .map_or(0, |lane| self.size(lane.root) as usize)
    }

    /// Moves the copy at `index` of lane `to` to `position`; the others keep
    /// their order. About log n steps, whatever the lane's length.
    pub fn reorder(&mut self, to: ReplicaId, index: usize, position: usize) -> bool {
        let len = self.lane_len(to);
        if index >= len || position >= len {
            return false;
        }
        let Some(moved) = self.select(to, index) else {
            return false;
        };
        self.remove(to, moved);
        self.insert_at(to, position, moved);
        true
    }

    // The lane trees. A copy's priority is a fixed hash of its number, so a
    // lane's tree depends only on its order: two networks with the same
    // copies in the same lane order are equal.

    fn priority(copy: u64) -> u64 {
        crate::scheduler::splitmix64(copy)
    }

    fn size(&self, x: u64) -> u32 {
        self.slot(x).map_or(0, |s| s.size)
    }

    fn left(&self, x: u64) -> u64 {
        self.slot(x).map_or(NONE, |s| s.left.from(x))
    }

    fn right(&self, x: u64) -> u64 {
        self.slot(x).map_or(NONE, |s| s.right.from(x))
    }

    fn parent(&self, x: u64) -> u64 {
        self.slot(x).map_or(NONE, |s| s.parent.from(x))
    }

    /// Points one of `x`'s links at copy `to` (NONE for none).
    fn set(&mut self, x: u64, link: impl FnOnce(&mut Slot) -> &mut Link, to: u64) {
        if let Some(s) = self.slot_mut(x) {
            *link(s) = Link::between(x, to);
        }
    }

    fn set_parent(&mut self, x: u64, parent: u64) {
        self.set(x, |s| &mut s.parent, parent);
    }

    /// Recounts `x`'s subtree from its children's.
    fn resize(&mut self, x: u64) {
        let size = self.size(self.left(x)) + self.size(self.right(x)) + 1;
        if let Some(s) = self.slot_mut(x) {
            s.size = size;
        }
    }

    fn leftmost(&self, mut x: u64) -> u64 {
        while self.left(x) != NONE {
            x = self.left(x);
        }
        x
    }

    /// The copy after `x` in its lane: a step on average over a whole lane.
    fn successor(&self, mut x: u64) -> u64 {
        if self.right(x) != NONE {
            return self.leftmost(self.right(x));
        }
        loop {
            let parent = self.parent(x);
            if parent == NONE || self.left(parent) == x {
                return parent;
            }
            x = parent;
        }
    }

    /// Puts `x` (a fresh slot, alone) last in lane `to`.
    fn append(&mut self, to: ReplicaId, x: u64) {
        let priority = Network::priority(x);
        let (mut parent, mut at) = (NONE, self.lanes[to].root);
        // Down the right spine while the copies there outrank `x`.
        while at != NONE && Network::priority(at) > priority {
            self.walk();
            if let Some(s) = self.slot_mut(at) {
                s.size += 1;
            }
            parent = at;
            at = self.right(at);
        }
        // What was below comes before `x`: its left subtree.
        let below = self.size(at);
        self.set(x, |s| &mut s.left, at);
        self.set_parent(x, parent);
        if let Some(s) = self.slot_mut(x) {
            s.size = below + 1;
        }
        self.set_parent(at, x);
        if parent == NONE {
            self.lanes[to].root = x;
        } else {
            self.set(parent, |p| &mut p.right, x);
        }
    }

    /// Takes `x` out of lane `to`'s tree.
    fn remove(&mut self, to: ReplicaId, x: u64) {
        let (left, right, parent) = (self.left(x), self.right(x), self.parent(x));
        let joined = self.merge(left, right);
        self.set_parent(joined, parent);
        if parent == NONE {
            self.lanes[to].root = joined;
        } else if self.left(parent) == x {
            self.set(parent, |p| &mut p.left, joined);
        } else {
            self.set(parent, |p| &mut p.right, joined);
        }
        let mut up = parent;
        while up != NONE {
            self.walk();
            if let Some(s) = self.slot_mut(up) {
                s.size -= 1;
            }
            up = self.parent(up);
        }
        if let Some(s) = self.slot_mut(x) {
            (s.left, s.right, s.parent, s.size) = (Link::NONE, Link::NONE, Link::NONE, 1);
        }
    }

    /// The copy at `index` of lane `to`.
    fn select(&mut self, to: ReplicaId, mut index: usize) -> Option<u64> {
        let mut at = self.lanes.get(to)?.root;
        while at != NONE {
            self.walk();
            let left = self.size(self.left(at)) as usize;
            match index.cmp(&left) {
                std::cmp::Ordering::Less => at = self.left(at),
                std::cmp::Ordering::Equal => return Some(at),
                std::cmp::Ordering::Greater => {
                    index -= left + 1;
                    at = self.right(at);
                }
            }
        }
        None
    }

    /// Puts `x` (alone) at `position` of lane `to`.
    fn insert_at(&mut self, to: ReplicaId, position: usize, x: u64) {
        let root = self.lanes[to].root;
        let (before, after) = self.split(root, position);
        let joined = self.merge(before, x);
        let root = self.merge(joined, after);
        self.set_parent(root, NONE);
        self.lanes[to].root = root;
    }

    /// Splits the subtree at `t` into its first `k` copies and the rest.
    fn split(&mut self, t: u64, k: usize) -> (u64, u64) {
        if t == NONE {
            return (NONE, NONE);
        }
        self.walk();
        let left = self.left(t);
        let left_size = self.size(left) as usize;
        if k <= left_size {
            let (a, b) = self.split(left, k);
            self.set(t, |s| &mut s.left, b);
            self.set_parent(b, t);
            self.set_parent(a, NONE);
            self.resize(t);
            (a, t)
        } else {
            let right = self.right(t);
            let (a, b) = self.split(right, k - left_size - 1);
            self.set(t, |s| &mut s.right, a);
            self.set_parent(a, t);
            self.set_parent(b, NONE);
            self.resize(t);
            (t, b)
        }
    }

    /// Joins two subtrees, every copy of `a` before every copy of `b`.
    fn merge(&mut self, a: u64, b: u64) -> u64 {
        if a == NONE {
            return b;
        }
        if b == NONE {
            return a;
        }
        self.walk();
        if Network::priority(a) > Network::priority(b) {
            let right = self.right(a);
            let joined = self.merge(right, b);
            self.set(a, |s| &mut s.right, joined);
            self.set_parent(joined, a);
            self.resize(a);
            a
        } else {
            let left = self.left(b);
            let joined = self.merge(a, left);
            self.set(b, |s| &mut s.left, joined);
            self.set_parent(joined, b);
            self.resize(b);
            b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(network: &Network, to: ReplicaId) -> Vec<u32> {
        network.lane(to).map(|c| c.message.0).collect()
    }

    /// A million writes among 8 replicas put 7 million copies in flight:
    /// causal-sim's memory budget (ARCHITECTURE.md, "Budgets and how they
    /// are measured") rests on this.
    #[test]
    fn a_copy_in_flight_takes_32_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 32);
    }

    #[test]
    fn links_reach_back_and_forth_and_say_none() {
        for (from, to) in [
            (5, 5),
            (5, 9),
            (9, 5),
            (1 << 40, (1 << 40) + 7),
            ((1 << 40) + 7, 1 << 40),
            (0, NONE),
        ] {
            assert_eq!(Link::between(from, to).from(from), to, "{from} to {to}");
        }
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

#[cfg(test)]
mod costs {
    //! What a command costs, counted in steps through chains and lane trees
    //! (never timed): a duplicate or a reorder never walks a whole chain or
    //! lane, so many of them cost about n log n, not n².

    use super::*;
    use crate::scheduler::splitmix64;

    /// Steps taken by `n` duplicates of one copy, then delivering them all
    /// (each the earliest of its message to its replica).
    fn duplicates(n: u64) -> u64 {
        let mut network = Network::new(3);
        network.send(MessageId(1), 0, 1);
        network.send(MessageId(1), 0, 2);
        for _ in 0..n {
            network.send(MessageId(1), 0, 2);
        }
        // A copy to another replica behind them all is found at once.
        network.send(MessageId(1), 0, 1);
        while let Some(copy) = network.earliest(MessageId(1), 2) {
            network.take(copy.copy);
        }
        assert_eq!(network.lane_len(1), 2);
        network.walked
    }

    /// Steps taken by `n` reorders of a lane of `n` copies, between
    /// positions picked pseudo-randomly.
    fn reorders(n: u64) -> u64 {
        let mut network = Network::new(2);
        for m in 1..=n {
            network.send(MessageId(m as u32), 0, 1);
        }
        let before = network.walked;
        for i in 0..n {
            let index = (splitmix64(i) % n) as usize;
            let position = (splitmix64(i ^ 0xABCD) % n) as usize;
            assert!(network.reorder(1, index, position));
        }
        network.walked - before
    }

    #[test]
    fn a_duplicate_never_walks_the_chain() {
        // Quadratic work (the old chain walk) would make 8 times the
        // duplicates cost 64 times as much; the budget allows 20 at most.
        let (small, large) = (duplicates(5_000), duplicates(40_000));
        assert!(large <= 20 * small, "5,000: {small} steps; 40,000: {large}");
        // And each costs a few steps, not a walk of the thousands before it.
        assert!(large <= 40 * 40_000, "40,000 duplicates took {large} steps");
        let mut network = Network::new(3);
        for _ in 0..40_000 {
            network.send(MessageId(1), 0, 2);
        }
        let before = network.walked;
        network.send(MessageId(1), 0, 2);
        assert!(network.walked - before <= 64, "{}", network.walked - before);
    }

    #[test]
    fn a_reorder_never_walks_the_lane() {
        let (small, large) = (reorders(5_000), reorders(40_000));
        assert!(large <= 20 * small, "5,000: {small} steps; 40,000: {large}");
        assert!(large <= 400 * 40_000, "40,000 reorders took {large} steps");
        // Moving the last copy of 100,000 to the front, and back.
        let mut network = Network::new(2);
        for m in 1..=100_000 {
            network.send(MessageId(m), 0, 1);
        }
        let before = network.walked;
        assert!(network.reorder(1, 99_999, 0));
        assert!(network.reorder(1, 0, 99_999));
        assert!(
            network.walked - before <= 400,
            "{}",
            network.walked - before
        );
        assert_eq!(
            network.lane(1).last().map(|c| c.message),
            Some(MessageId(100_000))
        );
    }

    /// Random sends, duplicates, takes and reorders agree with plain lists.
    #[test]
    fn the_network_agrees_with_plain_lists() {
        let replicas = 3;
        let mut network = Network::new(replicas);
        // (copy, message, from, to) in sending order; lanes as copy numbers.
        let mut sent: Vec<(u64, u32, usize, usize)> = Vec::new();
        let mut lanes: Vec<Vec<u64>> = vec![Vec::new(); replicas];
        let mut next = 0u64;
        for i in 0..4_000u64 {
            let r = splitmix64(i);
            let to = (r % replicas as u64) as usize;
            let message = (r >> 8) % 6 + 1;
            match (r >> 16) % 8 {
                0..=2 => {
                    let from = (to + 1) % replicas;
                    let c = network.send(MessageId(message as u32), from, to);
                    assert_eq!(c.copy, CopyId(next));
                    sent.push((next, message as u32, from, to));
                    lanes[to].push(next);
                    next += 1;
                }
                3 | 4 => {
                    let expected = sent
                        .iter()
                        .find(|c| c.1 == message as u32 && c.3 == to)
                        .map(|c| c.0);
                    let got = network.earliest(MessageId(message as u32), to);
                    assert_eq!(got.map(|c| c.copy.0), expected);
                    if let Some(copy) = expected {
                        network.take(CopyId(copy));
                        sent.retain(|c| c.0 != copy);
                        lanes[to].retain(|&c| c != copy);
                    }
                }
                5 => {
                    // The first of a lane (deliver-next), perhaps not the
                    // earliest of its message.
                    if let Some(&copy) = lanes[to].first() {
                        assert_eq!(network.lane(to).next().map(|c| c.copy.0), Some(copy));
                        network.take(CopyId(copy));
                        sent.retain(|c| c.0 != copy);
                        lanes[to].remove(0);
                    }
                }
                _ => {
                    let len = lanes[to].len() as u64 + 1;
                    let (index, position) = ((r >> 24) % len, (r >> 40) % len);
                    let ok = network.reorder(to, index as usize, position as usize);
                    assert_eq!(ok, index + 1 < len && position + 1 < len);
                    if ok {
                        let moved = lanes[to].remove(index as usize);
                        lanes[to].insert(position as usize, moved);
                    }
                }
            }
            let order: Vec<(u64, u32, usize, usize)> = network
                .iter()
                .map(|c| (c.copy.0, c.message.0, c.from, c.to))
                .collect();
            assert_eq!(order, sent, "after operation {i}");
            assert_eq!(network.len(), sent.len());
            assert_eq!(network.first().map(|c| c.copy.0), sent.first().map(|c| c.0));
            for (to, lane) in lanes.iter().enumerate() {
                let got: Vec<u64> = network.lane(to).map(|c| c.copy.0).collect();
                assert_eq!(&got, lane, "lane {to} after operation {i}");
                assert_eq!(network.lane_len(to), lane.len());
            }
        }
    }
}
