//! A list kept in shared chunks, for what the page appends to on every
//! action (a branch's commands, the events of the run shown): yew's reducer
//! copies the state on every action, and a copy of this copies pointers,
//! never items.

use std::ops::Range;
use std::rc::Rc;

/// Items per chunk.
const CHUNK: usize = 64;

/// A list in shared chunks of [`CHUNK`] items (every chunk full but the
/// last): a copy shares them all, a push copies at most the last one (when
/// it is shared), and cutting the list back shares every chunk before the
/// cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunks<T> {
    chunks: Vec<Rc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Chunks<T> {
    /// How many items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The item at `index` (from 0).
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.chunks.last()?.last()
    }

    /// Appends `item`.
    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Rc::make_mut(last).push(item),
            _ => self.chunks.push(Rc::new(vec![item])),
        }
        self.len += 1;
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.chunks.truncate(len.div_ceil(CHUNK));
        if let Some(last) = self
            .chunks
            .last_mut()
            .filter(|_| !len.is_multiple_of(CHUNK))
        {
            // Only the items kept are copied, when the chunk is shared.
            match Rc::get_mut(last) {
                Some(last) => last.truncate(len % CHUNK),
                None => *last = Rc::new(last[..len % CHUNK].to_vec()),
            }
        }
        self.len = len;
    }

    /// Every item, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// The items at `range` (clamped to the list), in order.
    pub fn range(&self, range: Range<usize>) -> impl DoubleEndedIterator<Item = &T> {
        let (start, end) = (range.start, range.end.min(self.len));
        let chunks = if start < end {
            &self.chunks[start / CHUNK..end.div_ceil(CHUNK)]
        } else {
            &[]
        };
        let first = start / CHUNK * CHUNK;
        chunks.iter().enumerate().flat_map(move |(i, chunk)| {
            let at = first + i * CHUNK;
            let from = start.saturating_sub(at);
            let to = (end - at).min(chunk.len());
            &chunk[from..to]
        })
    }

    /// The index of the first item for which `pred` is false, the list
    /// being every item for which it holds followed by every other (as
    /// [`slice::partition_point`]).
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        let whole = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(&pred));
        match self.chunks.get(whole) {
            Some(chunk) => whole * CHUNK + chunk.partition_point(&pred),
            None => self.len,
        }
    }

    /// How many of the first items `self` and `other` hold in the very same
    /// chunks: what a copy shares instead of copying.
    #[cfg(test)]
    pub fn shared_with(&self, other: &Self) -> usize {
        self.chunks
            .iter()
            .zip(&other.chunks)
            .take_while(|(a, b)| Rc::ptr_eq(a, b))
            .map(|(a, _)| a.len())
            .sum()
    }
}

impl<T: Clone> Extend<T> for Chunks<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<T: Clone> FromIterator<T> for Chunks<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut all = Chunks::default();
        all.extend(items);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_copies_at_most_the_last_chunk_and_a_cut_shares_what_it_keeps() {
        let mut list: Chunks<usize> = (0..3 * CHUNK + 5).collect();
        let before = list.clone();
        list.push(1_000);
        assert_eq!(list.shared_with(&before), 3 * CHUNK, "the last chunk only");
        assert_eq!(before.len(), 3 * CHUNK + 5, "the copy is untouched");
        assert_eq!(before.last(), Some(&(3 * CHUNK + 4)));
        // Onto a full chunk: a new one, nothing copied.
        let mut full: Chunks<usize> = (0..2 * CHUNK).collect();
        let kept = full.clone();
        full.push(7);
        assert_eq!(full.shared_with(&kept), 2 * CHUNK);
        // Cut back into a chunk: those before it are shared.
        let mut cut = before.clone();
        cut.truncate(CHUNK + 3);
        assert_eq!(cut.shared_with(&before), CHUNK);
        assert!(cut.iter().copied().eq(0..CHUNK + 3));
        let mut at_edge = before.clone();
        at_edge.truncate(2 * CHUNK);
        assert_eq!(at_edge.shared_with(&before), 2 * CHUNK);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever is pushed and cut, the list is the `Vec` it stands for.
            #[test]
            fn it_is_the_vec_it_stands_for(
                ops in prop::collection::vec((0usize..4 * CHUNK, 0usize..300), 1..12),
                probe in 0usize..1_000,
            ) {
                let (mut list, mut vec) = (Chunks::default(), Vec::new());
                let mut copies = Vec::new();
                for (n, keep) in ops {
                    copies.push((list.clone(), vec.clone()));
                    let start = vec.len();
                    list.extend(start..start + n);
                    vec.extend(start..start + n);
                    list.truncate(keep);
                    vec.truncate(keep);
                    prop_assert_eq!(list.len(), vec.len());
                    prop_assert!(list.iter().eq(vec.iter()));
                    prop_assert!(list.iter().rev().eq(vec.iter().rev()));
                    prop_assert_eq!(list.get(probe), vec.get(probe));
                    prop_assert_eq!(list.last(), vec.last());
                    let (a, b) = (probe % (vec.len() + 1), probe / 3);
                    let (a, b) = (a.min(b), a.max(b));
                    prop_assert!(list.range(a..b).eq(vec.get(a..b.min(vec.len())).unwrap_or(&[]).iter()));
                    prop_assert!(list.range(a..b).rev().eq(vec.get(a..b.min(vec.len())).unwrap_or(&[]).iter().rev()));
                    prop_assert_eq!(list.partition_point(|&x| x < probe), vec.partition_point(|&x| x < probe));
                }
                // Every earlier copy is as it was.
                for (list, vec) in copies {
                    prop_assert!(list.iter().eq(vec.iter()));
                }
            }
        }
    }
}
