//! The hold-back buffer's worst case, measured against a straightforward
//! implementation of the original Python nodes' algorithm (ARCHITECTURE.md,
//! "Budgets and how they are measured"; the million deliveries are
//! `benches/deliveries.rs`).
//!
//! - `hold_back/*`: Replica A writes N messages; every copy to B is
//!   delivered in reverse order, so N - 1 are held and the last delivery
//!   releases them all. The engine indexes held messages by dot (about
//!   n log n); the original nodes scanned the whole buffer after every
//!   delivery until nothing changed (n²).
//! - `unordered_lost/*`: under `unordered`, A's first message to B is lost
//!   and the N - 1 others are delivered in order: each delivery is a
//!   violation naming the lost message, found without scanning what B
//!   already delivered (the engine alone: the original nodes had no such rule).
//!
//! `cargo bench -p causal-core --bench hold_back`. Samples are few and
//! short: the point is the growth, not the last nanosecond.
//!
//! Measured on a shared 2-vCPU VM (other builds paused), median of 10:
//!
//! | workload                     | engine  | original nodes |
//! | ---------------------------- | ------- | -------------- |
//! | hold-back, N = 1,000         | 0.83 ms | 1.4 ms         |
//! | hold-back, N = 10,000        | 6.8 ms  | 132 ms         |
//! | unordered, first lost, 1,000 | 0.46 ms |                |
//! | unordered, first lost, 10,000| 3.6 ms  |                |
//!
//! Ten times the messages cost the engine about ten times the time
//! (n log n) and the original nodes a hundred times (n²).

mod support;

use std::hint::black_box;
use std::time::Duration;

use causal_core::{Command, Config, Delivery, MessageId, Simulation};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

use support::{config, naive, Inputs};

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

criterion_group!(benches, hold_back, unordered_lost);
criterion_main!(benches);
