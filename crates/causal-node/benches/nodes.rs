//! Three nodes on loopback under the original API's load, as `scripts/bench
//! --nodes` runs them: `BENCH_AT_ONCE` writers (default 32), each posting
//! `/put` after `/put` (distinct keys, spread over the three nodes). For
//! each kind of node: acknowledged writes per second, each write's round
//! trip (p50, p95), and the lag from the last acknowledged write until all
//! three nodes agree (same store, same clock, nothing buffered).
//!
//! Release causal-nodes first (`BENCH_WRITES` writes, default 20,000), then,
//! when `BENCH_PYTHON` names a Python with Flask, the minimal Python node of
//! scripts/bench-support/flask_node.py under the same load
//! (`BENCH_PYTHON_WRITES`, default 2,000: at its pace that is long enough),
//! and the ratio of the two rates. `BENCH_PYTHON_SKIPPED` says why it was
//! not run. Exits 1 when a figure misses its budget (ARCHITECTURE.md,
//! "Budgets and how they are measured").

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Cluster;

/// At least this many acknowledged writes per second...
const RATE_BUDGET: f64 = 3000.0;
/// ...at least this many times the Python node's...
const RATIO_BUDGET: f64 = 10.0;
/// ...and every node agreeing within this long of the last write.
const LAG_BUDGET: Duration = Duration::from_secs(1);

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

struct Figures {
    rate: f64,
    p50: f64,
    p95: f64,
    lag: Duration,
}

async fn load(cluster: Cluster, writes: usize, at_once: usize) -> Figures {
    let cluster = Arc::new(cluster);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..at_once {
        let cluster = Arc::clone(&cluster);
        tasks.spawn(async move {
            let mut took = Vec::new();
            for n in (lane..writes).step_by(at_once) {
                let t = Instant::now();
                cluster.put(n % 3, &format!("k{n}"), &format!("v{n}")).await;
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
    let store = cluster.converged().await;
    let lag = last_write.elapsed();
    assert_eq!(
        store["vector_clock"]
            .as_array()
            .map(|c| c.iter().filter_map(|e| e.as_u64()).sum::<u64>()),
        Some(writes as u64),
        "every write delivered everywhere"
    );
    assert_eq!(store["store"].as_object().map(|s| s.len()), Some(writes));
    took.sort();
    Figures {
        rate: writes as f64 / writing.as_secs_f64(),
        p50: percentile(&took, 50),
        p95: percentile(&took, 95),
        lag,
    }
}

fn show(what: &str, writes: usize, f: &Figures) {
    println!(
        "  {what:<13} {writes:>6} writes: {:>7.0} writes/s   round trip p50 {:>6.1} ms, p95 {:>6.1} ms   all agree {:>5.0} ms after the last write",
        f.rate,
        f.p50,
        f.p95,
        f.lag.as_secs_f64() * 1000.0,
    );
}

fn verdict(ok: bool, over: &mut bool) -> &'static str {
    if ok {
        "ok"
    } else {
        *over = true;
        "OVER BUDGET"
    }
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read from the command line.
    let writes = setting("BENCH_WRITES", 20_000);
    let python_writes = setting("BENCH_PYTHON_WRITES", 2_000);
    let at_once = setting("BENCH_AT_ONCE", 32);
    let python = std::env::var_os("BENCH_PYTHON").map(PathBuf::from);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut over = false;
    runtime.block_on(async {
        println!(
            "bench: nodes, 3 on loopback, {at_once} writers, causal delivery, overwrite, distinct keys"
        );
        let ours = load(Cluster::start("bench", 3, &[]).await, writes, at_once).await;
        show("causal-node", writes, &ours);
        let theirs = match &python {
            Some(python) => {
                let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../scripts/bench-support/flask_node.py");
                let program = [python.clone().into_os_string(), script.into_os_string()];
                let cluster = Cluster::start_program("bench-python", 3, &program, &[]).await;
                let theirs = load(cluster, python_writes, at_once).await;
                show("python+flask", python_writes, &theirs);
                Some(theirs)
            }
            None => {
                let why = std::env::var("BENCH_PYTHON_SKIPPED")
                    .unwrap_or_else(|_| "BENCH_PYTHON is not set".to_string());
                println!("  python+flask  skipped: {why}");
                None
            }
        };
        println!(
            "  budget: at least {RATE_BUDGET:.0} writes/s: {:.0}, {}",
            ours.rate,
            verdict(ours.rate >= RATE_BUDGET, &mut over)
        );
        println!(
            "  budget: all agree within {} ms of the last write: {:.0} ms, {}",
            LAG_BUDGET.as_millis(),
            ours.lag.as_secs_f64() * 1000.0,
            verdict(ours.lag <= LAG_BUDGET, &mut over)
        );
        if let Some(theirs) = theirs {
            let ratio = ours.rate / theirs.rate;
            println!(
                "  budget: at least {RATIO_BUDGET:.0} times the Python node: {ratio:.1} times, {}",
                verdict(ratio >= RATIO_BUDGET, &mut over)
            );
        } else {
            println!("  budget: at least {RATIO_BUDGET:.0} times the Python node: not measured (no Python with Flask)");
        }
    });
    if over {
        std::process::exit(1);
    }
}
