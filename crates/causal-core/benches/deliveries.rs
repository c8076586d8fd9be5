//! The engine's million deliveries against the original nodes' algorithm
//! (ARCHITECTURE.md, "Budgets and how they are measured"): 1,000,000
//! deliveries among 3 replicas, the replicas writing in turn and each
//! write's two copies delivered at once. Budget: under 1 s, and at most 1.5
//! times the original nodes' algorithm, which keeps no history.
//!
//! Not criterion: the two sides run in turn, pair after pair (which goes
//! first alternating), so that a spell of a busy machine slows both sides
//! of a pair; the ratio is the median of the pairs' ratios. Prints a line
//! per side and one for the ratio, which `scripts/bench --engine` reads.
//!
//! `cargo bench -p causal-core --bench deliveries [-- --pairs N]`.

mod support;

use std::hint::black_box;
use std::time::Instant;

use causal_core::{Command, MessageId, Simulation};

use support::{config, naive, Inputs};

const DELIVERIES: usize = 1_000_000;

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

/// Milliseconds `run` takes.
fn timed(run: fn(usize) -> usize) -> f64 {
    let start = Instant::now();
    black_box(run(black_box(DELIVERIES)));
    start.elapsed().as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pairs = args
        .iter()
        .position(|a| a == "--pairs")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(9usize)
        .max(1);
    // Each side once first: the allocator's and the caches' first touch.
    timed(engine_deliveries);
    timed(naive_deliveries);
    let (mut engine, mut original, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for pair in 0..pairs {
        let (e, o) = if pair % 2 == 0 {
            let e = timed(engine_deliveries);
            (e, timed(naive_deliveries))
        } else {
            let o = timed(naive_deliveries);
            (timed(engine_deliveries), o)
        };
        engine.push(e);
        original.push(o);
        ratios.push(e / o);
    }
    println!(
        "deliveries/engine/{DELIVERIES}: median {:.0} ms over {pairs} runs",
        median(engine)
    );
    println!(
        "deliveries/naive/{DELIVERIES}: median {:.0} ms over {pairs} runs",
        median(original)
    );
    println!(
        "deliveries/ratio: {:.2} (the median of {pairs} pairs' ratios)",
        median(ratios)
    );
}
