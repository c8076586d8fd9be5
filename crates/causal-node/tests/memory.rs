//! A node's memory is bounded by what it still needs, not by its history:
//! after thousands of writes it keeps in memory only the messages it holds
//! back (and those its latest request delivered), while its clock, store
//! and count of deliveries stay whole.

mod common;

use std::sync::Arc;

use common::{bounded, Cluster};
use serde_json::{json, Value};

async fn memory(cluster: &Cluster, i: usize) -> Value {
    let answer = cluster
        .client
        .get(&format!("{}/admin/memory", cluster.url(i)))
        .await
        .expect("the node answers");
    assert_eq!(answer.status, 200, "{}", answer.text());
    serde_json::from_slice(&answer.body).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_holds_what_is_held_not_the_history() {
    bounded(async {
        let cluster = Arc::new(Cluster::start("memory", 3, &[]).await);
        const EACH: usize = 1_000;
        let mut writers = tokio::task::JoinSet::new();
        for lane in 0..8 {
            let cluster = Arc::clone(&cluster);
            writers.spawn(async move {
                for n in (lane..2 * EACH).step_by(8) {
                    cluster.put(n % 2, "x", &format!("v{n}")).await;
                }
            });
        }
        while let Some(done) = writers.join_next().await {
            done.expect("a writer");
        }
        let store = cluster.settled().await;
        assert_eq!(store["vector_clock"], json!([EACH, EACH, 0]));
        for i in 0..3 {
            let figures = memory(&cluster, i).await;
            assert_eq!(figures["delivered"], json!(2 * EACH), "node {i}: {figures}");
            assert_eq!(figures["held"], json!(0), "node {i}: {figures}");
            let kept = figures["messages_kept"].as_u64().expect("a count");
            assert!(kept <= 1, "node {i} keeps {kept} messages: {figures}");
        }

        // What is held back is kept, until it is delivered.
        cluster.post(0, "/admin/hold", &json!({ "peer": 2 })).await;
        cluster.put(0, "y", "a").await;
        cluster
            .until(1, "A's write", |s| s["vector_clock"][0] == json!(EACH + 1))
            .await;
        for n in 0..30 {
            cluster.put(1, "y", &format!("b{n}")).await;
        }
        cluster
            .until(2, "B's writes held", |s| {
                s["buffered"].as_array().map(Vec::len) == Some(30)
            })
            .await;
        let figures = memory(&cluster, 2).await;
        assert_eq!(figures["held"], json!(30), "{figures}");
        let kept = figures["messages_kept"].as_u64().expect("a count");
        assert!((30..=31).contains(&kept), "{figures}");
        cluster
            .post(0, "/admin/release", &json!({ "peer": 2 }))
            .await;
        cluster.settled().await;
        cluster.put(1, "z", "last").await;
        cluster.settled().await;
        let figures = memory(&cluster, 2).await;
        assert_eq!(figures["held"], json!(0), "{figures}");
        assert!(figures["messages_kept"].as_u64() <= Some(1), "{figures}");
        assert_eq!(figures["delivered"], json!(2 * EACH + 32), "{figures}");
    })
    .await;
}
