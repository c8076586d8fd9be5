//! Three nodes as child processes: the classic anomaly across a held link,
//! a node killed and restarted, a peer down and back, and many concurrent
//! writes. Each test is bounded in time; none times anything.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{bounded, Cluster};
use serde_json::{json, Value};

/// The README's curl session: A's link to C is held; A writes, B receives
/// it and writes; C holds B's write back until A's arrives, then applies both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_link_makes_c_hold_back_b_write_until_released() {
    bounded(async {
        let cluster = Cluster::start("held-link", 3, &[]).await;
        let (status, answer) = cluster.post(0, "/admin/hold", &json!({ "peer": 2 })).await;
        assert_eq!((status, &answer["status"]), (200, &json!("held")));

        let answer = cluster.put(0, "x", "1").await;
        assert_eq!(answer["vector_clock"], json!([1, 0, 0]));
        cluster
            .until(1, "A's write", |s| s["store"]["x"] == "1")
            .await;
        let answer = cluster.put(1, "x", "2").await;
        assert_eq!(answer["vector_clock"], json!([1, 1, 0]));

        let c = cluster
            .until(2, "B's write held back", |s| {
                s["buffered"].as_array().is_some_and(|b| b.len() == 1)
            })
            .await;
        assert_eq!(
            c,
            json!({
                "store": {},
                "vector_clock": [0, 0, 0],
                "buffered": [{"key": "x", "value": "2", "sender": 1, "clock": [1, 1, 0]}],
            })
        );
        // A gets B's write in its own time: wait for it, as C's buffer was.
        let a = cluster
            .until(0, "B's write at A", |s| s["store"]["x"] == "2")
            .await;
        assert_eq!(a["store"], json!({ "x": "2" }));

        let (status, answer) = cluster
            .post(0, "/admin/release", &json!({ "peer": 2 }))
            .await;
        assert_eq!((status, &answer["status"]), (200, &json!("released")));
        let store = cluster.converged().await;
        assert_eq!(store["store"], json!({ "x": "2" }));
        assert_eq!(store["vector_clock"], json!([1, 1, 0]));
    })
    .await;
}

/// Writes keys `{prefix}{n}` round-robin over `nodes`; every write must be
/// stored. Returns them.
async fn write_many(
    cluster: &Cluster,
    prefix: &str,
    count: usize,
    nodes: &[usize],
) -> BTreeMap<String, String> {
    let mut written = BTreeMap::new();
    for n in 0..count {
        let (key, value) = (format!("{prefix}{n}"), format!("v{n}"));
        cluster.put(nodes[n % nodes.len()], &key, &value).await;
        written.insert(key, value);
    }
    written
}

fn assert_holds_every_write(store: &Value, written: &BTreeMap<String, String>) {
    for (key, value) in written {
        assert_eq!(store["store"][key], json!(value), "{key} in {store}");
    }
}

/// A node killed with SIGKILL in the middle of a run (writes going on at
/// every node) comes back with its store, clock and queues, and sends what
/// it had not sent yet. Every write any node acknowledged ends up everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_run_comes_back_with_everything() {
    bounded(async {
        let cluster = Arc::new(Cluster::start("kill", 3, &[]).await);
        // B's link to C is held, so B dies with writes queued for C.
        cluster.post(1, "/admin/hold", &json!({ "peer": 2 })).await;
        let mut writers = tokio::task::JoinSet::new();
        for node in 0..3 {
            let cluster = Arc::clone(&cluster);
            writers.spawn(async move {
                let mut stored = BTreeMap::new();
                for n in 0..40 {
                    let (key, value) = (format!("n{node}-{n}"), format!("v{n}"));
                    if cluster.try_put(node, &key, &value).await {
                        stored.insert(key, value);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                stored
            });
        }
        // Let some of B's writes be stored, then kill it mid-run.
        cluster
            .until(1, "a few of its own writes", |s| {
                s["vector_clock"][1].as_u64().is_some_and(|n| n >= 5)
            })
            .await;
        let before = cluster.store(1).await;
        cluster.kill(1);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        cluster.spawn(1);
        cluster.wait_up(1).await;
        let mut written = BTreeMap::new();
        while let Some(stored) = writers.join_next().await {
            written.extend(stored.expect("a writer"));
        }
        // Everything B had stored, it still has.
        let after = cluster.store(1).await;
        for (key, value) in before["store"].as_object().expect("a store") {
            assert_eq!(&after["store"][key], value, "{key}");
        }
        // Its link is still held: C lacks B's writes.
        let c = cluster.store(2).await;
        assert_eq!(
            c["vector_clock"][1], 0,
            "C got B's writes through a held link: {c}"
        );
        cluster
            .post(1, "/admin/release", &json!({ "peer": 2 }))
            .await;
        written.extend(write_many(&cluster, "after", 15, &[0, 1, 2]).await);
        let store = cluster.converged().await;
        assert_holds_every_write(&store, &written);
        let b_writes = written.keys().filter(|k| k.starts_with("n1-")).count() as u64 + 5;
        assert!(
            store["vector_clock"][1].as_u64() >= Some(b_writes),
            "{store}"
        );
    })
    .await;
}

/// A peer that is down for a while catches up when it returns: its peers
/// kept retrying with backoff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_down_for_a_while_catches_up() {
    bounded(async {
        let cluster = Cluster::start("down", 3, &[]).await;
        cluster.kill(2);
        let written = write_many(&cluster, "k", 20, &[0, 1]).await;
        // Long enough for several failed retries and a grown backoff.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        cluster.spawn(2);
        cluster.wait_up(2).await;
        let store = cluster.converged().await;
        assert_holds_every_write(&store, &written);
        assert_eq!(store["vector_clock"], json!([10, 10, 0]));
    })
    .await;
}

/// 1,500 writes sent concurrently over three nodes, to a few keys, under
/// last-writer-wins: every node ends with the same store and clock, and
/// nothing left in any buffer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_writes_under_lww_converge() {
    bounded(async {
        let cluster = Arc::new(Cluster::start("lww", 3, &[("CONFLICTS", "lww")]).await);
        const WRITES: usize = 1500;
        const AT_ONCE: usize = 48;
        let mut tasks = tokio::task::JoinSet::new();
        for lane in 0..AT_ONCE {
            let cluster = Arc::clone(&cluster);
            tasks.spawn(async move {
                for n in (lane..WRITES).step_by(AT_ONCE) {
                    cluster
                        .put(n % 3, &format!("k{}", n % 7), &format!("v{n}"))
                        .await;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("a writer");
        }
        let store = cluster.converged().await;
        assert_eq!(store["vector_clock"], json!([500, 500, 500]));
        assert_eq!(store["store"].as_object().map(|s| s.len()), Some(7));
    })
    .await;
}
