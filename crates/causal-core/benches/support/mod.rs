//! What the engine's benches share: the original nodes' algorithm they
//! measure the engine against, and the writes both sides make.

use std::fmt::Write as _;
use std::sync::Arc;

use causal_core::{Command, Config, Conflicts, Delivery};

/// The original nodes, as a student would first write them: a clock, a
/// store, and a hold-back buffer that is a plain list, scanned in full after
/// each delivery until a scan delivers nothing.
pub mod naive {
    use std::collections::BTreeMap;

    /// A write as broadcast.
    #[derive(Clone, Debug)]
    pub struct Msg {
        pub sender: usize,
        pub key: String,
        pub value: String,
        pub clock: Vec<u64>,
    }

    /// One node.
    #[derive(Clone, Debug)]
    pub struct Node {
        pub id: usize,
        pub clock: Vec<u64>,
        pub store: BTreeMap<String, String>,
        pub buffer: Vec<Msg>,
        pub delivered: usize,
    }

    impl Node {
        pub fn new(id: usize, n: usize) -> Self {
            Node {
                id,
                clock: vec![0; n],
                store: BTreeMap::new(),
                buffer: Vec::new(),
                delivered: 0,
            }
        }

        /// A local write: tick, apply, and the message to broadcast.
        pub fn write(&mut self, key: &str, value: &str) -> Msg {
            self.clock[self.id] += 1;
            self.store.insert(key.to_string(), value.to_string());
            Msg {
                sender: self.id,
                key: key.to_string(),
                value: value.to_string(),
                clock: self.clock.clone(),
            }
        }

        fn deliverable(&self, m: &Msg) -> bool {
            let j = m.sender;
            m.clock[j] == self.clock[j] + 1
                && (0..self.clock.len())
                    .filter(|&k| k != j)
                    .all(|k| m.clock[k] <= self.clock[k])
        }

        fn deliver(&mut self, m: &Msg) {
            for (mine, theirs) in self.clock.iter_mut().zip(&m.clock) {
                *mine = (*mine).max(*theirs);
            }
            self.store.insert(m.key.clone(), m.value.clone());
            self.delivered += 1;
        }

        /// A message arrives: deliver it and scan the buffer, or hold it.
        pub fn receive(&mut self, m: Msg) {
            if !self.deliverable(&m) {
                self.buffer.push(m);
                return;
            }
            self.deliver(&m);
            loop {
                let mut changed = false;
                let mut i = 0;
                while i < self.buffer.len() {
                    if self.deliverable(&self.buffer[i]) {
                        let m = self.buffer.remove(i);
                        self.deliver(&m);
                        changed = true;
                    } else {
                        i += 1;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
    }
}

/// What the i-th write writes, made the same way for both sides: one of 16
/// keys, held as a client would hold them, and `i` as text in a reused
/// buffer (so neither side is timed formatting numbers).
pub struct Inputs {
    keys: Vec<Arc<str>>,
    value: String,
}

impl Inputs {
    pub fn new() -> Self {
        Inputs {
            keys: (0..16).map(|k| format!("k{k}").into()).collect(),
            value: String::new(),
        }
    }

    /// The i-th key, and the i-th value as text in the reused buffer.
    fn write(&mut self, i: usize) -> (&Arc<str>, &str) {
        self.value.clear();
        write!(self.value, "{i}").expect("a String takes any text");
        (&self.keys[i % self.keys.len()], &self.value)
    }

    /// The engine's command: it keeps the strings, so the value is copied
    /// into one of its own (the original nodes copy both in `write`).
    pub fn command(&mut self, replica: usize, i: usize) -> Command {
        let (key, value) = self.write(i);
        Command::Write {
            replica,
            key: Arc::clone(key),
            value: value.into(),
        }
    }

    pub fn naive(&mut self, node: &mut naive::Node, i: usize) -> naive::Msg {
        let (key, value) = self.write(i);
        node.write(key, value)
    }
}

pub fn config(replicas: usize) -> Config {
    Config {
        replicas,
        delivery: Delivery::Causal,
        conflicts: Conflicts::Overwrite,
    }
}
