//! Three release nodes on loopback (as `scripts/bench --nodes` runs them):
//! writes per second over HTTP, each write's round trip, and the
//! replication lag, the time from the last acknowledged write until all
//! three nodes have delivered every write (same clock, nothing buffered;
//! under lww, the same store too).
//!
//! `BENCH_WRITES` (default 3,000) writes to a few keys, spread over the
//! three nodes, `BENCH_AT_ONCE` (default 32) at a time.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Cluster;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let i = (p * sorted.len()).div_ceil(100).max(1) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(conflicts: &str, writes: usize, at_once: usize) {
    let cluster = Arc::new(Cluster::start("bench", 3, &[("CONFLICTS", conflicts)]).await);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..at_once {
        let cluster = Arc::clone(&cluster);
        tasks.spawn(async move {
            let mut took = Vec::new();
            for n in (lane..writes).step_by(at_once) {
                let t = Instant::now();
                cluster
                    .put(n % 3, &format!("k{}", n % 16), &format!("v{n}"))
                    .await;
                took.push(t.elapsed());
            }
            took
        });
    }
    let mut took = Vec::new();
    while let Some(done) = tasks.join_next().await {
        took.extend(done.expect("a writer"));
    }
    let writing = started.elapsed();
    let last_write = Instant::now();
    let store = if conflicts == "lww" {
        cluster.converged().await
    } else {
        cluster.settled().await
    };
    let lag = last_write.elapsed();
    assert_eq!(
        store["vector_clock"]
            .as_array()
            .map(|c| c.iter().filter_map(|e| e.as_u64()).sum::<u64>()),
        Some(writes as u64)
    );
    took.sort();
    println!(
        "bench: nodes, {conflicts:<9} {writes} writes, {at_once} at a time: {:>7.0} writes/s   put p50 {:.1} ms, p95 {:.1} ms   replication lag {:.0} ms (last write to all three agreeing)",
        writes as f64 / writing.as_secs_f64(),
        percentile(&took, 50),
        percentile(&took, 95),
        lag.as_secs_f64() * 1000.0,
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read from the command line.
    let writes = setting("BENCH_WRITES", 3000);
    let at_once = setting("BENCH_AT_ONCE", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        run("overwrite", writes, at_once).await;
        run("lww", writes, at_once).await;
        run("overwrite", writes / 10, 1).await;
    });
}
