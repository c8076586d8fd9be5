//! The network's costs on a long run: any step, a duplicate or a reorder,
//! costs about the same however long the run; 40,000 duplicates of one copy
//! cost at most 20 times 5,000 (ARCHITECTURE.md, "Budgets and how they are
//! measured").
//!
//! - `duplicates/N`: replica A writes once; N duplicates of its copy to C
//!   go in flight, then are all delivered (the first delivers, the others
//!   are discarded).
//! - `reorders/N`: a lane of N copies, then N reorders between positions
//!   picked pseudo-randomly.
//!
//! `cargo bench -p causal-core --bench network`. The ratio between sizes is
//! the point: ten times the work should cost about ten times the time
//! (n log n), not a hundred (n²).

use std::hint::black_box;
use std::time::Duration;

use causal_core::splitmix64;
use causal_core::{Command, Config, MessageId, Simulation};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

fn duplicates(n: usize) -> Simulation {
    let mut sim = Simulation::new(Config::default()).unwrap();
    sim.apply(Command::Write {
        replica: 0,
        key: "x".into(),
        value: "1".into(),
    })
    .unwrap();
    for _ in 0..n {
        sim.apply(Command::Duplicate {
            message: MessageId(1),
            to: 2,
        })
        .unwrap();
    }
    sim.apply(Command::DeliverAll).unwrap();
    sim
}

/// A lane of `n` copies to B (A's writes, undelivered).
fn long_lane(n: usize) -> Simulation {
    let mut sim = Simulation::new(Config {
        replicas: 2,
        ..Config::default()
    })
    .unwrap();
    for i in 0..n {
        sim.apply(Command::Write {
            replica: 0,
            key: "x".into(),
            value: i.to_string().into(),
        })
        .unwrap();
    }
    sim
}

fn reorders(mut sim: Simulation, n: usize) -> Simulation {
    for i in 0..n as u64 {
        let index = (splitmix64(i) % n as u64) as usize;
        let position = (splitmix64(i ^ 0xABCD) % n as u64) as usize;
        sim.apply(Command::Reorder {
            to: 1,
            index,
            position,
        })
        .unwrap();
    }
    sim
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("duplicates");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for n in [10_000, 100_000] {
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| black_box(duplicates(n)))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("reorders");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for n in [10_000, 100_000] {
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter_batched(
                || long_lane(n),
                |sim| black_box(reorders(sim, n)),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
