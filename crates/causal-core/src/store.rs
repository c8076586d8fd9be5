//! A replica's key-value store, and the conflict rules that decide what a
//! delivered write does to it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Conflicts, Message, MessageId, ReplicaId, VectorClock};

/// What a key holds, as a report and the page show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Under `overwrite` and `lww`: one value.
    One(String),
    /// Under `multi-value`: every write not dominated by another, ascending by
    /// `(clock sum, sender)`.
    Siblings(Vec<String>),
}

impl Value {
    /// The value as the page's `data-value` shows it: siblings joined by `|`.
    pub fn joined(&self) -> String {
        match self {
            Value::One(value) => value.clone(),
            Value::Siblings(values) => values.join("|"),
        }
    }
}

/// One write kept by a key, with what the conflict rules compare.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Version {
    pub message: MessageId,
    /// Who wrote it.
    pub sender: ReplicaId,
    /// What it wrote.
    pub value: Arc<str>,
    pub clock: VectorClock,
}

impl Version {
    fn of(message: &Message) -> Self {
        Version {
            message: message.id,
            sender: message.sender,
            value: message.value.clone(),
            clock: message.clock.clone(),
        }
    }

    /// The total order `lww` and sibling listing use: `(clock sum, sender)`.
    fn rank(&self) -> (u64, ReplicaId) {
        (self.clock.sum(), self.sender)
    }
}

/// Makes `kept` the one version `message`, reusing what it can: a million
/// deliveries to a few keys then allocate nothing here.
fn replace(kept: &mut Vec<Version>, message: &Message) {
    kept.truncate(1);
    match kept.first_mut() {
        Some(version) => {
            version.message = message.id;
            version.sender = message.sender;
            version.value = message.value.clone();
            version.clock.clone_from(&message.clock);
        }
        None => kept.push(Version::of(message)),
    }
}

/// Key to the write(s) it keeps, under one conflict rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    rule: Conflicts,
    keys: BTreeMap<Arc<str>, Vec<Version>>,
}

impl Store {
    /// An empty store that resolves conflicts by `rule`.
    pub fn new(rule: Conflicts) -> Self {
        Store {
            rule,
            keys: BTreeMap::new(),
        }
    }

    /// Applies a delivered write by the conflict rule. Returns whether the
    /// store changed (an older write under `lww` changes nothing).
    pub fn apply(&mut self, message: &Message) -> bool {
        let Some(kept) = self.keys.get_mut(&message.key) else {
            self.keys
                .insert(message.key.clone(), vec![Version::of(message)]);
            return true;
        };
        match self.rule {
            Conflicts::Overwrite => {
                replace(kept, message);
                true
            }
            Conflicts::Lww => {
                let rank = (message.clock.sum(), message.sender);
                if kept.iter().all(|v| v.rank() < rank) {
                    replace(kept, message);
                    true
                } else {
                    false
                }
            }
            Conflicts::MultiValue => {
                if kept
                    .iter()
                    .any(|v| v.message == message.id || message.clock <= v.clock)
                {
                    return false;
                }
                let incoming = Version::of(message);
                kept.retain(|v| !v.clock.happened_before(&incoming.clock));
                let at = kept.partition_point(|v| v.rank() < incoming.rank());
                kept.insert(at, incoming);
                true
            }
        }
    }

    /// Every key written, ascending.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys.keys().map(|key| key.as_ref())
    }

    /// The writes `key` keeps (one, or siblings in ascending rank).
    pub fn versions(&self, key: &str) -> &[Version] {
        self.keys.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// What `key` holds, if it was ever written.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.keys.get(key).map(|kept| self.value_of(kept))
    }

    /// The key as this store already holds it, to share rather than copy:
    /// a run writes the same few keys again and again.
    pub(crate) fn shared_key(&self, key: &str) -> Option<Arc<str>> {
        self.keys.get_key_value(key).map(|(key, _)| Arc::clone(key))
    }

    /// Every key and what it holds, keys in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Value)> + '_ {
        self.keys
            .iter()
            .map(|(key, kept)| (key.as_ref(), self.value_of(kept)))
    }

    /// The store as a report shows it.
    pub fn to_map(&self) -> BTreeMap<String, Value> {
        self.iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Whether two stores hold the same values (which writes gave them may differ).
    pub fn same_values(&self, other: &Store) -> bool {
        self.keys.len() == other.keys.len() && self.iter().eq(other.iter())
    }

    fn value_of(&self, kept: &[Version]) -> Value {
        match self.rule {
            Conflicts::MultiValue => {
                Value::Siblings(kept.iter().map(|v| v.value.to_string()).collect())
            }
            _ => Value::One(kept.last().map(|v| v.value.to_string()).unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(id: u32, sender: ReplicaId, value: &str, clock: &[u64]) -> Message {
        Message {
            id: MessageId(id),
            sender,
            key: "x".into(),
            value: value.into(),
            clock: VectorClock::from_entries(clock.to_vec()),
        }
    }

    #[test]
    fn overwrite_takes_whatever_arrives() {
        let mut store = Store::new(Conflicts::Overwrite);
        store.apply(&write(2, 1, "new", &[1, 1, 0]));
        store.apply(&write(1, 0, "old", &[1, 0, 0]));
        assert_eq!(store.get("x"), Some(Value::One("old".into())));
    }

    #[test]
    fn lww_keeps_greatest_sum_then_sender() {
        let mut store = Store::new(Conflicts::Lww);
        assert!(store.apply(&write(2, 1, "new", &[1, 1, 0])));
        assert!(!store.apply(&write(1, 0, "old", &[1, 0, 0])));
        assert_eq!(store.get("x"), Some(Value::One("new".into())));
        // Concurrent, same sum: the higher sender wins.
        assert!(store.apply(&write(3, 2, "c", &[1, 0, 1])));
        assert_eq!(store.get("x"), Some(Value::One("c".into())));
    }

    #[test]
    fn multi_value_keeps_concurrent_siblings_in_rank_order() {
        let mut store = Store::new(Conflicts::MultiValue);
        store.apply(&write(2, 2, "c", &[0, 0, 1]));
        store.apply(&write(1, 0, "a", &[1, 0, 0]));
        assert_eq!(
            store.get("x"),
            Some(Value::Siblings(vec!["a".into(), "c".into()]))
        );
        assert_eq!(store.get("x").unwrap().joined(), "a|c");
        // A write that saw both replaces both.
        store.apply(&write(3, 1, "b", &[1, 1, 1]));
        assert_eq!(store.get("x"), Some(Value::Siblings(vec!["b".into()])));
        // An older one changes nothing.
        assert!(!store.apply(&write(1, 0, "a", &[1, 0, 0])));
    }
}
