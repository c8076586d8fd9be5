//! Batching keeps each link in order: whatever a peer answers (a batch
//! accepted, a failure to retry, no batch route at all, as the original
//! nodes), it receives one node's messages in the order they were sent,
//! each first accepted right after the one before it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use common::{fake_peer, free_ports, fresh_dir, lone_node, wait_answering, Killed};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A peer that records what it is sent, and fails some requests.
struct Peer {
    /// xorshift64 state: which requests fail.
    rng: u64,
    /// Out of 256, how many requests fail.
    failing: u64,
    /// Whether it has `/replicate/batch`.
    batches: bool,
    /// The last message number accepted, in order.
    last: u64,
    /// Messages that arrived out of order.
    out_of_order: Vec<String>,
    /// Requests of each kind.
    batch_requests: usize,
    single_requests: usize,
}

impl Peer {
    fn fails(&mut self) -> bool {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % 256 < self.failing
    }

    fn accept(&mut self, message: &Value) -> Value {
        let n = message["clock"][0].as_u64().unwrap_or(0);
        if n == self.last + 1 {
            self.last = n;
            json!({ "status": "applied" })
        } else if n <= self.last {
            json!({ "status": "discarded" })
        } else {
            self.out_of_order
                .push(format!("message {n} after {}", self.last));
            json!({ "status": "buffered" })
        }
    }
}

type Shared = Arc<Mutex<Peer>>;

async fn batch(State(peer): State<Shared>, body: Bytes) -> Response {
    let mut peer = peer.lock().expect("peer");
    if !peer.batches {
        return StatusCode::NOT_FOUND.into_response();
    }
    peer.batch_requests += 1;
    if peer.fails() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let body: Value = serde_json::from_slice(&body).expect("a batch is JSON");
    let results: Vec<Value> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| peer.accept(m))
        .collect();
    Json(json!({ "results": results })).into_response()
}

async fn single(State(peer): State<Shared>, body: Bytes) -> Response {
    let mut peer = peer.lock().expect("peer");
    peer.single_requests += 1;
    if peer.fails() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let message: Value = serde_json::from_slice(&body).expect("a message is JSON");
    let answer = peer.accept(&message);
    Json(answer).into_response()
}

fn run_case(seed: u64, failing: u64, batches: bool, writes: usize, at_once: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let peer: Shared = Arc::new(Mutex::new(Peer {
            rng: seed | 1,
            failing,
            batches,
            last: 0,
            out_of_order: Vec::new(),
            batch_requests: 0,
            single_requests: 0,
        }));
        let app = Router::new()
            .route("/replicate/batch", post(batch))
            .route("/replicate", post(single))
            .with_state(Arc::clone(&peer));
        let (peer_port, server) = fake_peer(app).await;
        let dir = fresh_dir("order");
        let port = free_ports(1)[0];
        let child = lone_node(&dir, port, &format!("http://127.0.0.1:{peer_port}"))
            .spawn()
            .expect("start causal-node");
        // Killed however the case ends (a failing case panics).
        let _node = Killed(child);
        let client = causal_node::client::Client::new(Duration::from_secs(10));
        let url = format!("http://127.0.0.1:{port}");
        wait_answering(&client, &url).await;
        // Writes from several clients at once, so batches of every size form.
        let mut tasks = tokio::task::JoinSet::new();
        for lane in 0..at_once {
            let (client, url) = (client.clone(), url.clone());
            tasks.spawn(async move {
                for n in (lane..writes).step_by(at_once) {
                    let body = json!({ "key": format!("k{n}"), "value": "v" }).to_string();
                    let answer = client.post(&format!("{url}/put"), body).await.expect("put");
                    assert_eq!(answer.status, 200, "{}", answer.text());
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("a writer");
        }
        let deadline = Instant::now() + common::PATIENCE;
        loop {
            let (last, out_of_order) = {
                let peer = peer.lock().expect("peer");
                (peer.last, peer.out_of_order.clone())
            };
            assert_eq!(out_of_order, Vec::<String>::new(), "out of send order");
            if last == writes as u64 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the peer got only {last} of {writes} messages"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let peer = peer.lock().expect("peer");
        if batches {
            assert!(peer.batch_requests > 0);
            assert_eq!(peer.single_requests, 0, "a causal-node peer gets batches");
        } else {
            assert!(peer.single_requests >= writes, "one message per request");
        }
        server.abort();
        let _ = std::fs::remove_dir_all(&dir);
    });
}

proptest! {
    // Each case starts a node: few cases, and a failure is reported as it
    // is, not shrunk (shrinking would start dozens more).
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 0, ..ProptestConfig::default() })]

    #[test]
    fn each_peer_receives_a_node_s_messages_in_send_order(
        seed in any::<u64>(),
        failing in 0u64..96,
        batches in any::<bool>(),
        writes in 20usize..200,
        at_once in 1usize..24,
    ) {
        run_case(seed, failing, batches, writes, at_once);
    }
}
