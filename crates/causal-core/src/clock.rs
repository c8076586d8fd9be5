//! Vector clocks: how a replica knows what it has seen.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ReplicaId;

/// How many entries a clock keeps in place, without allocating.
const INLINE: usize = 4;

/// One counter per replica. Entry `i` of a replica's clock says how many of
/// replica `i`'s writes have flowed into what it has seen.
///
/// Clocks are only partially ordered: `a < b` means every entry of `a` is at
/// most the same entry of `b`, and one is smaller. That is happened-before.
/// Two clocks neither of which is below the other are concurrent.
pub struct VectorClock(Entries);

/// Every message, delivery event and stored version carries a clock: among
/// a few replicas they are kept in place, so that a million deliveries do
/// not allocate a million clocks. A longer clock (5 to 8 replicas, or one
/// read from a file or a node) is allocated, and then also pays for the
/// unused place (40 bytes where a `Vec` took 24).
#[derive(Clone)]
enum Entries {
    Inline { len: u8, at: [u64; INLINE] },
    Heap(Vec<u64>),
}

impl Entries {
    fn as_slice(&self) -> &[u64] {
        match self {
            Entries::Inline { len, at } => &at[..usize::from(*len)],
            Entries::Heap(entries) => entries,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u64] {
        match self {
            Entries::Inline { len, at } => &mut at[..usize::from(*len)],
            Entries::Heap(entries) => entries,
        }
    }

    /// `len` entries, all 0.
    fn zeros(len: usize) -> Self {
        if len <= INLINE {
            Entries::Inline {
                len: len as u8,
                at: [0; INLINE],
            }
        } else {
            Entries::Heap(vec![0; len])
        }
    }

    /// Grows to `len` entries, the new ones 0 (a clock never shrinks).
    fn grow(&mut self, len: usize) {
        debug_assert!(len >= self.as_slice().len(), "a clock never shrinks");
        match self {
            // Entries past `len` are never written, so they are still 0.
            Entries::Inline { len: old, .. } if len <= INLINE => *old = len as u8,
            Entries::Inline { .. } => {
                let mut entries = self.as_slice().to_vec();
                entries.resize(len, 0);
                *self = Entries::Heap(entries);
            }
            Entries::Heap(entries) => entries.resize(len, 0),
        }
    }
}

impl Clone for VectorClock {
    fn clone(&self) -> Self {
        VectorClock(self.0.clone())
    }

    /// Reuses the allocation of a long clock: a store overwriting a key
    /// copies the new timestamp into the old one's place.
    fn clone_from(&mut self, source: &Self) {
        match (&mut self.0, &source.0) {
            (Entries::Heap(mine), Entries::Heap(theirs)) => mine.clone_from(theirs),
            (mine, theirs) => *mine = theirs.clone(),
        }
    }
}

impl PartialEq for VectorClock {
    fn eq(&self, other: &Self) -> bool {
        self.entries() == other.entries()
    }
}

impl Eq for VectorClock {}

impl Hash for VectorClock {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.entries().hash(state);
    }
}

impl fmt::Debug for VectorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VectorClock").field(&self.entries()).finish()
    }
}

/// Written as the list of entries, as it always was.
impl Serialize for VectorClock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for VectorClock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::deserialize(deserializer).map(VectorClock::from_entries)
    }
}

impl VectorClock {
    /// The clock of a replica that has done nothing, among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        VectorClock(Entries::zeros(replicas))
    }

    /// A clock with the given entries, e.g. from a test or a file.
    pub fn from_entries(entries: Vec<u64>) -> Self {
        if entries.len() > INLINE {
            return VectorClock(Entries::Heap(entries));
        }
        let mut clock = Entries::zeros(entries.len());
        clock.as_mut_slice().copy_from_slice(&entries);
        VectorClock(clock)
    }

    /// The entries, one per replica.
    pub fn entries(&self) -> &[u64] {
        self.0.as_slice()
    }

    /// Entry `replica`, or 0 when the clock has no such entry.
    pub fn get(&self, replica: ReplicaId) -> u64 {
        self.entries().get(replica).copied().unwrap_or(0)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// True for a clock with no entries.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// A write at `replica` ticks its own entry.
    pub fn tick(&mut self, replica: ReplicaId) {
        if replica >= self.len() {
            self.0.grow(replica + 1);
        }
        self.0.as_mut_slice()[replica] += 1;
    }

    /// A delivery merges the message's timestamp in, entry by entry (max).
    /// Commutative, associative and idempotent.
    pub fn merge(&mut self, other: &VectorClock) {
        if let (
            Entries::Inline { len, at },
            Entries::Inline {
                len: other_len,
                at: other_at,
            },
        ) = (&mut self.0, &other.0)
        {
            // Every delivery merges: entries past a clock's length are 0, so
            // the whole arrays merge without looking at the lengths.
            for (mine, theirs) in at.iter_mut().zip(other_at) {
                *mine = (*mine).max(*theirs);
            }
            *len = (*len).max(*other_len);
            return;
        }
        if other.len() > self.len() {
            self.0.grow(other.len());
        }
        for (mine, theirs) in self.0.as_mut_slice().iter_mut().zip(other.entries()) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// The sum of the entries: a total order that extends happened-before,
    /// used (with the sender) to pick a winner under last-writer-wins.
    pub fn sum(&self) -> u64 {
        self.entries().iter().sum()
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
        let n = self.len().max(other.len());
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
        for (i, entry) in self.entries().iter().enumerate() {
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
        let mut short = vc(&[5]);
        short.merge(&vc(&[0, 2, 3]));
        assert_eq!(short, vc(&[5, 2, 3]), "a shorter clock grows as it merges");
        let mut long = vc(&[0, 2, 3]);
        long.merge(&vc(&[5]));
        assert_eq!(long, vc(&[5, 2, 3]));
        assert_eq!(a.to_string(), "[1,2,1]");
    }

    #[test]
    fn a_clock_longer_than_kept_in_place_behaves_the_same() {
        for n in [INLINE - 1, INLINE, INLINE + 1, 2 * INLINE] {
            let mut grown = VectorClock::new(1);
            grown.tick(n - 1);
            grown.merge(&vc(&vec![2; n]));
            let expected = vec![2; n];
            assert_eq!(grown.entries(), expected.as_slice(), "{n} entries");
            assert_eq!(grown, VectorClock::from_entries(expected.clone()));
            assert_eq!(grown.len(), n);
            grown.tick(0);
            assert!(vc(&expected).happened_before(&grown));
            let mut copy = VectorClock::new(2);
            copy.clone_from(&grown);
            assert_eq!(copy, grown);
            let json = serde_json::to_string(&grown).unwrap();
            assert_eq!(json, format!("{:?}", grown.entries()).replace(' ', ""));
            assert_eq!(serde_json::from_str::<VectorClock>(&json).unwrap(), grown);
            assert_eq!(
                format!("{grown:?}"),
                format!("VectorClock({:?})", grown.entries())
            );
        }
    }

    #[test]
    fn order() {
        assert!(vc(&[1, 0, 0]).happened_before(&vc(&[1, 1, 0])));
        assert!(!vc(&[1, 1, 0]).happened_before(&vc(&[1, 1, 0])));
        assert!(vc(&[1, 0, 0]).concurrent(&vc(&[0, 1, 0])));
        assert!(!vc(&[1, 0, 0]).concurrent(&vc(&[1, 0, 0])));
    }
}
