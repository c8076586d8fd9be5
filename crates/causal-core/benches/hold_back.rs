//! The engine's two speed budgets (ARCHITECTURE.md, "Budgets and how they are
//! measured"), measured against a straightforward implementation of the
//! original Python nodes' algorithm.
//!
//! - `hold_back/*`: the worst case of the hold-back buffer. Replica A writes
//!   N messages; every copy to B is delivered in reverse order, so N - 1 are
//!   held and the last delivery releases them all. The engine indexes held
//!   messages by dot (about n log n); the original nodes scanned the whole
//!   buffer after every delivery until nothing changed (n²).
//! - `deliveries/*`: 1,000,000 deliveries among 3 replicas. The replicas
//!   write in turn and each write's two copies are delivered at once.
//! - `unordered_lost/*`: under `unordered`, A's first message to B is lost
//!   and the N - 1 others are delivered in order: each delivery is a
//!   violation naming the lost message, found without scanning what B
//!   already delivered (the engine alone: the original nodes had no such rule).
//!
//! `cargo bench -p causal-core`. Samples are few and short: the point is the
//! ratio and the growth, not the last nanosecond.
//!
//! Measured on a shared 2-vCPU VM (other builds paused), median of 10:
//!
//! | workload                     | engine  | original nodes |
//! | ---------------------------- | ------- | -------------- |
//! | hold-back, N = 1,000         | 0.83 ms | 1.4 ms         |
//! | hold-back, N = 10,000        | 6.8 ms  | 132 ms         |
//! | 1,000,000 deliveries, 3 reps | 367 ms  | 218 ms         |
//! | unordered, first lost, 1,000 | 0.46 ms |                |
//! | unordered, first lost, 10,000| 3.6 ms  |                |
//!
//! Ten times the messages cost the engine about ten times the time
//! (n log n) and the original nodes a hundred times (n²). On the easy path
//! of the million deliveries the engine does more than the original nodes
//! (it keeps the history, every message, the lanes) and stays under a
//! second, at 1.55 to 2.15 times the original's time over five runs on
//! this machine, often over its 1.5 budget (ARCHITECTURE.md, "Budgets and
//! how they are measured", says where the time goes).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use causal_core::{Command, Config, Conflicts, Delivery, MessageId, Simulation};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

/// The original nodes, as a student would first write them: a clock, a
/// store, and a hold-back buffer that is a plain list, scanned in full after
/// each delivery until a scan delivers nothing.
mod naive {
    use super::BTreeMap;

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
struct Inputs {
    keys: Vec<Arc<str>>,
    value: String,
}

impl Inputs {
    fn new() -> Self {
        Inputs {
            keys: (0..16).map(|k| format!("k{k}").into()).collect(),
            value: String::new(),
        }
    }

    fn key(&self, i: usize) -> &Arc<str> {
        &self.keys[i % self.keys.len()]
    }

    fn value(&mut self, i: usize) -> &str {
        self.value.clear();
        write!(self.value, "{i}").expect("a String takes any text");
        &self.value
    }

    /// The engine's command: it keeps the strings, so the value is copied
    /// into one of its own (the original nodes copy both in `write`).
    fn command(&mut self, replica: usize, i: usize) -> Command {
        let key = Arc::clone(self.key(i));
        Command::Write {
            replica,
            key,
            value: self.value(i).into(),
        }
    }

    fn naive(&mut self, node: &mut naive::Node, i: usize) -> naive::Msg {
        let key = Arc::clone(self.key(i));
        node.write(&key, self.value(i))
    }
}

fn config(replicas: usize) -> Config {
    Config {
        replicas,
        delivery: Delivery::Causal,
        conflicts: Conflicts::Overwrite,
    }
}

/// A has written `n` messages, all in flight to B.
fn written(n: usize) -> Simulation {
    let mut sim = Simulation::new(config(2)).expect("2 replicas");
    let mut inputs = Inputs::new();
    for i in 0..n {
        sim.apply(inputs.command(0, i)).expect("write");
    }
    sim
}

/// Delivers every copy to B, last written first; returns what B delivered.
fn reverse_deliveries(mut sim: Simulation, n: usize) -> usize {
    for m in (1..=n as u32).rev() {
        sim.apply(Command::Deliver {
            message: MessageId(m),
            to: 1,
        })
        .expect("in flight");
    }
    assert!(sim.replicas()[1].hold_back().is_empty());
    sim.replicas()[1].delivered().len()
}

fn naive_written(n: usize) -> Vec<naive::Msg> {
    let mut a = naive::Node::new(0, 2);
    let mut inputs = Inputs::new();
    (0..n).map(|i| inputs.naive(&mut a, i)).collect()
}

fn naive_reverse_deliveries(messages: Vec<naive::Msg>) -> usize {
    let mut b = naive::Node::new(1, 2);
    for m in messages.into_iter().rev() {
        b.receive(m);
    }
    assert!(b.buffer.is_empty());
    b.delivered
}

fn hold_back(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold_back");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for n in [1_000usize, 10_000] {
        group.bench_with_input(BenchmarkId::new("engine", n), &n, |b, &n| {
            let sim = written(n);
            b.iter_batched(
                || sim.clone(),
                |sim| black_box(reverse_deliveries(sim, n)),
                BatchSize::PerIteration,
            );
        });
        group.bench_with_input(BenchmarkId::new("naive", n), &n, |b, &n| {
            let messages = naive_written(n);
            b.iter_batched(
                || messages.clone(),
                |messages| black_box(naive_reverse_deliveries(messages)),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

/// Writes round-robin among 3 replicas, each write's two copies delivered
/// at once: `deliveries` deliveries (and half as many writes) in all.
fn engine_deliveries(deliveries: usize) -> usize {
    let mut sim = Simulation::new(config(3)).expect("3 replicas");
    let mut inputs = Inputs::new();
    let mut events = Vec::new();
    for i in 0..deliveries / 2 {
        let writer = i % 3;
        sim.apply_into(inputs.command(writer, i), &mut events)
            .expect("write");
        let message = MessageId(i as u32 + 1);
        for to in (0..3).filter(|&to| to != writer) {
            sim.apply_into(Command::Deliver { message, to }, &mut events)
                .expect("in flight");
        }
        events.clear();
    }
    sim.replicas().iter().map(|r| r.delivered().len()).sum()
}

fn naive_deliveries(deliveries: usize) -> usize {
    let mut nodes: Vec<naive::Node> = (0..3).map(|i| naive::Node::new(i, 3)).collect();
    let mut inputs = Inputs::new();
    for i in 0..deliveries / 2 {
        let writer = i % 3;
        let m = inputs.naive(&mut nodes[writer], i);
        for to in (0..3).filter(|&to| to != writer) {
            nodes[to].receive(m.clone());
        }
    }
    nodes.iter().map(|n| n.delivered).sum()
}

fn deliveries(c: &mut Criterion) {
    let mut group = c.benchmark_group("deliveries");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let n = 1_000_000;
    group.bench_function(BenchmarkId::new("engine", n), |b| {
        b.iter(|| black_box(engine_deliveries(n)))
    });
    group.bench_function(BenchmarkId::new("naive", n), |b| {
        b.iter(|| black_box(naive_deliveries(n)))
    });
    group.finish();
}

/// A has written `n` messages under `unordered`; the first copy to B is lost.
fn lost_first(n: usize) -> Simulation {
    let mut sim = Simulation::new(Config {
        delivery: Delivery::Unordered,
        ..config(2)
    })
    .expect("2 replicas");
    let mut inputs = Inputs::new();
    for i in 0..n {
        sim.apply(inputs.command(0, i)).expect("write");
    }
    sim.apply(Command::Drop {
        message: MessageId(1),
        to: 1,
    })
    .expect("in flight");
    sim
}

fn in_order_deliveries(mut sim: Simulation, n: usize) -> usize {
    for m in 2..=n as u32 {
        sim.apply(Command::Deliver {
            message: MessageId(m),
            to: 1,
        })
        .expect("in flight");
    }
    sim.violations().len()
}

fn unordered_lost(c: &mut Criterion) {
    let mut group = c.benchmark_group("unordered_lost");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for n in [1_000usize, 10_000] {
        group.bench_with_input(BenchmarkId::new("engine", n), &n, |b, &n| {
            let sim = lost_first(n);
            b.iter_batched(
                || sim.clone(),
                |sim| black_box(in_order_deliveries(sim, n)),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, hold_back, deliveries, unordered_lost);
criterion_main!(benches);
