//! Vector clocks: how a replica knows what it has seen.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ReplicaId;

/// One counter per replica. Entry `i` of a replica's clock says how many of
/// replica `i`'s writes have flowed into what it has seen.
///
/// Clocks are only partially ordered: `a < b` means every entry of `a` is at
/// most the same entry of `b`, and one is smaller. That is happened-before.
/// Two clocks neither of which is below the other are concurrent.
#[derive(Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VectorClock(Vec<u64>);

impl Clone for VectorClock {
    fn clone(&self) -> Self {
        VectorClock(self.0.clone())
    }

    /// Reuses the allocation: a store overwriting a key copies the new
    /// timestamp into the old one's place.
    fn clone_from(&mut self, source: &Self) {
        self.0.clone_from(&source.0);
    }
}

impl VectorClock {
    /// The clock of a replica that has done nothing, among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        VectorClock(vec![0; replicas])
    }

    /// A clock with the given entries, e.g. from a test or a file.
    pub fn from_entries(entries: Vec<u64>) -> Self {
        VectorClock(entries)
    }

    /// The entries, one per replica.
    pub fn entries(&self) -> &[u64] {
        &self.0
    }

    /// Entry `replica`, or 0 when the clock has no such entry.
    pub fn get(&self, replica: ReplicaId) -> u64 {
        self.0.get(replica).copied().unwrap_or(0)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for a clock with no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A write at `replica` ticks its own entry.
    pub fn tick(&mut self, replica: ReplicaId) {
        if replica >= self.0.len() {
            self.0.resize(replica + 1, 0);
        }
        self.0[replica] += 1;
    }

    /// A delivery merges the message's timestamp in, entry by entry (max).
    /// Commutative, associative and idempotent.
    pub fn merge(&mut self, other: &VectorClock) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// The sum of the entries: a total order that extends happened-before,
    /// used (with the sender) to pick a winner under last-writer-wins.
    pub fn sum(&self) -> u64 {
        self.0.iter().sum()
    }

    /// `self` happened before `other`: strictly below it.
    pub fn happened_before(&self, other: &VectorClock) -> bool {
        self.partial_cmp(other) == Some(Ordering::Less)
    }

    /// Neither happened before the other, and they differ.
    pub fn concurrent(&self, other: &VectorClock) -> bool {
        self.partial_cmp(other).is_none()
    }
}

impl PartialOrd for VectorClock {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        let n = self.0.len().max(other.0.len());
        let (mut less, mut greater) = (false, false);
        for i in 0..n {
            match self.get(i).cmp(&other.get(i)) {
                Ordering::Less => less = true,
                Ordering::Greater => greater = true,
                Ordering::Equal => {}
            }
        }
        match (less, greater) {
            (false, false) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (true, true) => None,
        }
    }
}

impl fmt::Display for VectorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, entry) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ",")?;
            }
            write!(f, "{entry}")?;
        }
        write!(f, "]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc(entries: &[u64]) -> VectorClock {
        VectorClock::from_entries(entries.to_vec())
    }

    #[test]
    fn tick_and_merge() {
        let mut a = VectorClock::new(3);
        a.tick(0);
        a.merge(&vc(&[0, 2, 1]));
        assert_eq!(a, vc(&[1, 2, 1]));
        assert_eq!(a.sum(), 4);
        assert_eq!(a.to_string(), "[1,2,1]");
    }

    #[test]
    fn order() {
        assert!(vc(&[1, 0, 0]).happened_before(&vc(&[1, 1, 0])));
        assert!(!vc(&[1, 1, 0]).happened_before(&vc(&[1, 1, 0])));
        assert!(vc(&[1, 0, 0]).concurrent(&vc(&[0, 1, 0])));
        assert!(!vc(&[1, 0, 0]).concurrent(&vc(&[1, 0, 0])));
    }
}
