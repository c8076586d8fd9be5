//! A list that only grows, shared between clones in chunks: the page keeps
//! the state before each action (undo, the timeline) and applies the next
//! command to a clone, so a clone must not copy what the run has gathered.
//! A clone copies the pointers to the full chunks and the last, partial
//! chunk: at 10,000 steps it costs what it costs at 200.

use std::fmt;
use std::sync::Arc;

/// How many items a shared chunk holds.
const CHUNK: usize = 64;

/// The items of an [`Appended`], in order: the full chunks', then the tail's.
pub type Iter<'a, T> = std::iter::Chain<
    std::iter::FlatMap<
        std::slice::Iter<'a, Arc<Vec<T>>>,
        std::slice::Iter<'a, T>,
        fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T>,
    >,
    std::slice::Iter<'a, T>,
>;

/// A growing list whose clones share everything but the last chunk.
pub struct Appended<T> {
    /// Chunks of exactly [`CHUNK`] items, shared by every clone. A chunk is
    /// the tail it was, moved behind an `Arc` when full: not copied.
    full: Arc<Vec<Arc<Vec<T>>>>,
    /// The items after the full chunks, fewer than [`CHUNK`], owned.
    tail: Vec<T>,
}

impl<T> Appended<T> {
    /// An empty list.
    pub fn new() -> Self {
        Appended {
            full: Arc::new(Vec::new()),
            tail: Vec::new(),
        }
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    /// It holds nothing.
    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.tail.is_empty()
    }

    /// The item at `index` (from 0), if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        match self.full.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None if index / CHUNK == self.full.len() => self.tail.get(index % CHUNK),
            None => None,
        }
    }

    /// The last item, if there is one.
    pub fn last(&self) -> Option<&T> {
        self.tail
            .last()
            .or_else(|| self.full.last().and_then(|chunk| chunk.last()))
    }

    /// Every item, in the order pushed.
    pub fn iter(&self) -> Iter<'_, T> {
        let chunk: fn(&Arc<Vec<T>>) -> std::slice::Iter<'_, T> = |chunk| chunk.iter();
        self.full.iter().flat_map(chunk).chain(self.tail.iter())
    }

    /// The items from `start` (from 0) on, found without walking the ones
    /// before it.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + '_ {
        let first = start / CHUNK;
        let skip = start % CHUNK;
        let chunks = self.full.get(first..).unwrap_or_default();
        let tail = if first <= self.full.len() {
            let from = if first == self.full.len() { skip } else { 0 };
            self.tail.get(from..).unwrap_or_default()
        } else {
            &[]
        };
        chunks
            .iter()
            .enumerate()
            .flat_map(move |(i, chunk)| chunk[if i == 0 { skip } else { 0 }..].iter())
            .chain(tail.iter())
    }

    /// Adds `item` at the end, and gives it back where it now lies.
    pub fn push(&mut self, item: T) -> &T {
        if self.tail.capacity() == 0 {
            // One allocation per chunk, not one per doubling.
            self.tail.reserve_exact(CHUNK);
        }
        self.tail.push(item);
        if self.tail.len() < CHUNK {
            return &self.tail[self.tail.len() - 1];
        }
        let chunk = Arc::new(std::mem::take(&mut self.tail));
        // Copies the chunk pointers (not the items) when a clone shares them.
        let chunks = Arc::make_mut(&mut self.full);
        chunks.push(chunk);
        &chunks[chunks.len() - 1][CHUNK - 1]
    }
}

impl<T: PartialEq> Appended<T> {
    /// Whether it holds `item`.
    pub fn contains(&self, item: &T) -> bool {
        self.iter().any(|i| i == item)
    }
}

impl<T: Clone> Appended<T> {
    /// The items as one vector (a copy).
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T> Default for Appended<T> {
    fn default() -> Self {
        Appended::new()
    }
}

impl<T: Clone> Clone for Appended<T> {
    fn clone(&self) -> Self {
        Appended {
            full: Arc::clone(&self.full),
            tail: self.tail.clone(),
        }
    }
}

impl<T: PartialEq> PartialEq for Appended<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for Appended<T> {}

impl<T: PartialEq> PartialEq<[T]> for Appended<T> {
    fn eq(&self, other: &[T]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for &Appended<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        **self == *other.as_slice()
    }
}

impl<T: PartialEq, const N: usize> PartialEq<[T; N]> for &Appended<T> {
    fn eq(&self, other: &[T; N]) -> bool {
        **self == *other.as_slice()
    }
}

impl<T: fmt::Debug> fmt::Debug for Appended<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> FromIterator<T> for Appended<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut list = Appended::new();
        for item in items {
            list.push(item);
        }
        list
    }
}

impl<'a, T> IntoIterator for &'a Appended<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_pushed_across_chunks() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let list: Appended<usize> = (0..n).collect();
            assert_eq!(list.len(), n);
            assert_eq!(list.is_empty(), n == 0);
            assert_eq!(list.to_vec(), (0..n).collect::<Vec<_>>());
            assert_eq!(list.last(), n.checked_sub(1).as_ref());
            for i in 0..n + 2 {
                assert_eq!(list.get(i), (i < n).then_some(&i), "item {i} of {n}");
            }
            assert_eq!(list.iter().next_back(), n.checked_sub(1).as_ref());
            for start in 0..n + 2 {
                let from: Vec<usize> = list.iter_from(start).copied().collect();
                assert_eq!(
                    from,
                    (start.min(n)..n).collect::<Vec<_>>(),
                    "from {start} of {n}"
                );
            }
            assert!(!list.contains(&n));
            assert_eq!(list.contains(&0), n > 0);
        }
    }

    #[test]
    fn a_clone_shares_the_full_chunks_and_grows_on_its_own() {
        let mut first: Appended<usize> = (0..2 * CHUNK + 3).collect();
        let mut second = first.clone();
        assert!(Arc::ptr_eq(&first.full[0], &second.full[0]));
        second.push(1_000);
        first.push(2_000);
        assert_eq!(first.last(), Some(&2_000));
        assert_eq!(second.last(), Some(&1_000));
        assert_eq!(first.len(), second.len());
        assert_ne!(first, second);
        assert!(Arc::ptr_eq(&first.full[1], &second.full[1]));
    }
}
