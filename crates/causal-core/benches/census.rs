//! The outcome census (budget: 8 copies in flight under 1 s in the page;
//! ARCHITECTURE.md, "Budgets and how they are measured"). Replicas A, B, C
//! write in turn (x and y alternately), nothing delivered: 3, 4, 5 and 6 writes
//! leave 6, 8, 10 and 12 copies in flight, 720 to 479,001,600 orders, explored
//! as 80 to 15,625 states.
//!
//! `cargo bench -p causal-core --bench census`.

use std::hint::black_box;
use std::time::Duration;

use causal_core::{Census, Command, Config, Delivery, Simulation};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn state(writes: usize, delivery: Delivery) -> Simulation {
    let steps: Vec<Command> = (0..writes)
        .map(|i| Command::Write {
            replica: i % 3,
            key: if i % 2 == 0 { "x" } else { "y" }.into(),
            value: i.to_string().into(),
        })
        .collect();
    Simulation::replay(
        Config {
            delivery,
            ..Config::default()
        },
        &steps,
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("census");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for delivery in [Delivery::Causal, Delivery::Unordered] {
        for writes in [3, 4, 5, 6] {
            let sim = state(writes, delivery);
            let id = format!("{delivery}/{}", sim.network().len());
            group.bench_with_input(BenchmarkId::from_parameter(id), &sim, |b, sim| {
                b.iter(|| black_box(Census::run(sim).unwrap()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
