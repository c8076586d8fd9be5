//! Nothing acknowledged is lost: all three nodes are killed with SIGKILL in
//! the middle of a concurrent load and restarted on the same data
//! directories; every write answered 200, before the kill or after, is in
//! every store once they converge.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{bounded, Cluster};
use serde_json::json;

const WRITERS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_every_node_under_load_loses_no_acknowledged_write() {
    bounded(async {
        let cluster = Arc::new(Cluster::start("sigkill-all", 3, &[]).await);
        let stop = Arc::new(AtomicBool::new(false));
        let stored = Arc::new(AtomicUsize::new(0));
        let mut writers = tokio::task::JoinSet::new();
        for lane in 0..WRITERS {
            let (cluster, stop, stored) =
                (Arc::clone(&cluster), Arc::clone(&stop), Arc::clone(&stored));
            writers.spawn(async move {
                let mut acknowledged = BTreeMap::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let (key, value) = (format!("w{lane}-{n}"), format!("v{n}"));
                    if cluster.try_put((lane + n) % 3, &key, &value).await {
                        acknowledged.insert(key, value);
                        stored.fetch_add(1, Ordering::SeqCst);
                    } else {
                        // Down (killed): try the next write in a moment.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    n += 1;
                }
                acknowledged
            });
        }
        // Kill all three once a good number of writes are stored, mid-load.
        let deadline = std::time::Instant::now() + common::PATIENCE;
        while stored.load(Ordering::SeqCst) < 600 {
            assert!(
                std::time::Instant::now() < deadline,
                "the load never got going"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for i in 0..3 {
            cluster.kill(i);
        }
        let before_restart = stored.load(Ordering::SeqCst);
        for i in 0..3 {
            cluster.spawn(i);
        }
        for i in 0..3 {
            cluster.wait_up(i).await;
        }
        // The load goes on for a while against the restarted nodes.
        let deadline = std::time::Instant::now() + common::PATIENCE;
        while stored.load(Ordering::SeqCst) < before_restart + 300 {
            assert!(
                std::time::Instant::now() < deadline,
                "no writes after the restart"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.store(true, Ordering::SeqCst);
        let mut acknowledged = BTreeMap::new();
        while let Some(done) = writers.join_next().await {
            acknowledged.extend(done.expect("a writer"));
        }
        assert!(acknowledged.len() >= 900, "{}", acknowledged.len());
        let store = cluster.converged().await;
        let mut missing = Vec::new();
        for (key, value) in &acknowledged {
            if store["store"][key] != json!(value) {
                missing.push(key.clone());
            }
        }
        assert!(
            missing.is_empty(),
            "{} acknowledged writes lost, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        );
        // Every write made is counted once in the clock: nothing acknowledged
        // was lost, and nothing was made twice.
        let clock: u64 = store["vector_clock"]
            .as_array()
            .expect("a clock")
            .iter()
            .filter_map(|e| e.as_u64())
            .sum();
        assert!(
            clock >= acknowledged.len() as u64,
            "{clock} < {}",
            acknowledged.len()
        );
    })
    .await;
}
