//! What the live view reads: `GET /events` (the node's durable log of what
//! it did, in pages), `GET /admin/queues` (what waits on each outgoing
//! link), and cross-origin access (CORS) for every route.

mod common;

use std::time::Duration;

use common::{bounded, Cluster};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(cluster: &Cluster, i: usize, path: &str) -> (u16, Value) {
    let answer = cluster
        .client
        .get(&format!("{}{path}", cluster.url(i)))
        .await
        .expect("the node answers");
    let value = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|e| panic!("{path}: no JSON ({e}): {}", answer.text()));
    (answer.status, value)
}

/// Every event from `after` on, following `next` page by page.
async fn all_events(cluster: &Cluster, i: usize, mut after: u64) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let (status, page) = get(cluster, i, &format!("/events?after={after}")).await;
        assert_eq!(status, 200, "{page}");
        let events = page["events"].as_array().expect("events").clone();
        assert!(events.len() <= 500, "a page holds at most 500 events");
        let next = page["next"].as_u64().expect("next");
        if events.is_empty() {
            assert_eq!(next, after, "no events: next stays");
            return all;
        }
        assert_eq!(events.last().map(|e| e["seq"].as_u64()), Some(Some(next)));
        all.extend(events);
        after = next;
    }
}

fn message(key: &str, value: &str, sender: usize, clock: &[u64]) -> Value {
    json!({ "key": key, "value": value, "sender": sender, "clock": clock })
}

fn event(seq: u64, kind: &str, message: &Value) -> Value {
    json!({ "seq": seq, "kind": kind, "message": message })
}

/// The classic anomaly at C, then a duplicate and a write of its own: each
/// step is logged in order, with the message it concerns; a held message
/// delivered later logs `deliver` then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_say_what_the_node_did_in_order() {
    bounded(async {
        let cluster = Cluster::start("events", 3, &[]).await;
        cluster.kill(0);
        cluster.kill(1);
        let (status, page) = get(&cluster, 2, "/events?after=0").await;
        assert_eq!((status, page), (200, json!({ "events": [], "next": 0 })));
        let a1 = message("x", "a", 0, &[1, 0, 0]);
        let b1 = message("x", "b", 1, &[1, 1, 0]);
        assert_eq!(cluster.post(2, "/replicate", &b1).await.0, 202);
        assert_eq!(cluster.post(2, "/replicate", &a1).await.0, 200);
        assert_eq!(cluster.post(2, "/replicate", &a1).await.0, 200);
        cluster.put(2, "y", "c").await;
        let c1 = message("y", "c", 2, &[1, 1, 1]);
        let expected = vec![
            event(1, "receive", &b1),
            event(2, "hold", &b1),
            event(3, "receive", &a1),
            event(4, "deliver", &a1),
            event(5, "deliver", &b1),
            event(6, "receive", &a1),
            event(7, "discard", &a1),
            event(8, "write", &c1),
        ];
        assert_eq!(all_events(&cluster, 2, 0).await, expected);
        // From the middle, and past the end.
        let (_, page) = get(&cluster, 2, "/events?after=5").await;
        assert_eq!(page, json!({ "events": expected[5..], "next": 8 }));
        let (_, page) = get(&cluster, 2, "/events?after=8").await;
        assert_eq!(page, json!({ "events": [], "next": 8 }));
        let (_, page) = get(&cluster, 2, "/events").await;
        assert_eq!(page["events"].as_array().map(Vec::len), Some(8));
        for bad in ["-1", "x", "1.5", ""] {
            let (status, answer) = get(&cluster, 2, &format!("/events?after={bad}")).await;
            assert_eq!(status, 400, "after={bad}: {answer}");
            assert!(
                answer["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("after must be a whole number")),
                "{answer}"
            );
        }
    })
    .await;
}

/// 1,200 concurrent writes: every acknowledged write is in the log once, in
/// pages of at most 500; after a SIGKILL and a restart the log is the same
/// and goes on from where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_paged_and_survive_a_restart() {
    bounded(async {
        let cluster = std::sync::Arc::new(Cluster::start("events-paged", 2, &[]).await);
        cluster.kill(1);
        const WRITES: usize = 1200;
        let mut tasks = tokio::task::JoinSet::new();
        for lane in 0..16 {
            let cluster = std::sync::Arc::clone(&cluster);
            tasks.spawn(async move {
                for n in (lane..WRITES).step_by(16) {
                    cluster.put(0, &format!("k{n}"), &format!("v{n}")).await;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("a writer");
        }
        let (_, first) = get(&cluster, 0, "/events?after=0").await;
        assert_eq!(first["events"].as_array().map(Vec::len), Some(500));
        assert_eq!(first["next"], 500);
        let before = all_events(&cluster, 0, 0).await;
        assert_eq!(before.len(), WRITES);
        let mut seen = std::collections::BTreeSet::new();
        for (n, e) in before.iter().enumerate() {
            assert_eq!(e["seq"], json!(n + 1));
            assert_eq!(e["kind"], "write");
            // Its own writes, in the order of its clock.
            assert_eq!(e["message"]["clock"], json!([n + 1, 0]));
            seen.insert(e["message"]["key"].as_str().expect("a key").to_string());
        }
        assert_eq!(seen.len(), WRITES, "every write logged once");

        cluster.kill(0);
        cluster.spawn(0);
        cluster.wait_up(0).await;
        assert_eq!(all_events(&cluster, 0, 0).await, before);
        cluster.put(0, "after", "restart").await;
        let (_, page) = get(&cluster, 0, &format!("/events?after={WRITES}")).await;
        assert_eq!(
            page,
            json!({
                "events": [event(
                    WRITES as u64 + 1,
                    "write",
                    &message("after", "restart", 0, &[WRITES as u64 + 1, 0])
                )],
                "next": WRITES + 1,
            })
        );
    })
    .await;
}

/// What waits on each outgoing link, in send order, and whether it is held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_show_what_waits_on_each_link() {
    bounded(async {
        let cluster = Cluster::start("queues", 3, &[]).await;
        cluster.post(0, "/admin/hold", &json!({ "peer": 2 })).await;
        cluster.put(0, "x", "1").await;
        cluster.put(0, "y", "2").await;
        cluster
            .until(1, "A's writes", |s| s["vector_clock"] == json!([2, 0, 0]))
            .await;
        let expected = json!({ "peers": [
            { "peer": 1, "held": false, "queued": [], "total": 0, "refused": null },
            { "peer": 2, "held": true, "queued": [
                message("x", "1", 0, &[1, 0, 0]),
                message("y", "2", 0, &[2, 0, 0]),
            ], "total": 2, "refused": null },
        ]});
        // B acknowledges in its own time: wait until A has trimmed its queue.
        let deadline = std::time::Instant::now() + common::PATIENCE;
        loop {
            let (status, queues) = get(&cluster, 0, "/admin/queues").await;
            assert_eq!(status, 200);
            if queues == expected {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{queues}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cluster
            .post(0, "/admin/release", &json!({ "peer": 2 }))
            .await;
        cluster.converged().await;
        // C acknowledged both: A's queue to C empties.
        let deadline = std::time::Instant::now() + common::PATIENCE;
        loop {
            let (_, queues) = get(&cluster, 0, "/admin/queues").await;
            assert_eq!(queues["peers"][1]["held"], false);
            if queues["peers"][1]["queued"] == json!([]) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{queues}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// A raw HTTP/1.1 exchange, to see the headers: the status line and the
/// headers (names in lower case).
async fn raw(port: u16, request: &str) -> (String, Vec<(String, String)>) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(common::PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let head = answer.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A page served elsewhere may write with JSON (the preflight is allowed)
/// and read every route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_page_may_call_the_node() {
    bounded(async {
        let cluster = Cluster::start("cors", 2, &[]).await;
        let port = cluster.ports[0];
        let (status, headers) = raw(
            port,
            "OPTIONS /put HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://example.org:8080\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
        let methods = header(&headers, "access-control-allow-methods").unwrap_or_default();
        assert!(methods.contains("POST") || methods == "*", "{methods}");
        let allowed = header(&headers, "access-control-allow-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(allowed.contains("content-type") || allowed == "*", "{allowed}");

        let body = r#"{"key":"x","value":"1"}"#;
        let (status, headers) = raw(
            port,
            &format!(
                "POST /put HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://example.org:8080\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
        .await;
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
        for path in ["/", "/store", "/events?after=0", "/admin/queues"] {
            let (status, headers) = raw(
                port,
                &format!(
                    "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: null\r\nConnection: close\r\n\r\n"
                ),
            )
            .await;
            assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status}");
            assert_eq!(
                header(&headers, "access-control-allow-origin"),
                Some("*"),
                "{path}"
            );
        }
    })
    .await;
}
