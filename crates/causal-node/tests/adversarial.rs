//! What an adversarial probe found, each a test that failed before its fix:
//! a write acknowledged that no peer would accept; a peer refusing a message
//! with nobody told; a full disk leaving refused writes in memory; a node
//! restarted on an emptied database reusing its message numbers; a damaged
//! file making redb panic; a half-sent request holding a connection for
//! ever; long reasons and empty 404/405 answers.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use causal_node::client::Client;
use causal_node::wire::BODY_LIMIT;
use common::{
    bounded, fake_peer, free_ports, fresh_dir, lone_node, run_to_end, start_once, wait_answering,
    Cluster, Killed, PATIENCE,
};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A `/put` body under the limit whose message to the peers would be over
/// it is refused before it is acknowledged; one that fits is replicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_too_big_to_replicate_is_refused_before_it_is_acknowledged() {
    bounded(async {
        let cluster = Cluster::start("too-big", 3, &[]).await;
        let before = cluster.store(0).await;
        let value = "v".repeat(BODY_LIMIT - 30);
        let body = json!({ "key": "x", "value": value }).to_string();
        assert!(body.len() <= BODY_LIMIT);
        let (status, answer) = cluster.post_raw(0, "/put", body).await;
        assert_eq!(status, 400, "{answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains("too big to replicate"), "{error}");
        assert_eq!(cluster.store(0).await, before, "nothing changed");
        // What fits is stored and reaches every node.
        let value = "w".repeat(BODY_LIMIT - 200);
        cluster.put(0, "y", &value).await;
        cluster.put(1, "z", "after").await;
        let store = cluster.converged().await;
        assert_eq!(store["store"]["y"], json!(value));
        assert_eq!(store["vector_clock"], json!([1, 1, 0]));
    })
    .await;
}

/// A peer that refuses what it is sent (here, an original-API node that
/// answers 400) is reported: an error line at the default log level, and
/// the reason in `GET /admin/queues`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_refuses_a_message_is_reported() {
    bounded(async {
        let refuse = || async {
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": "clock has 3 entries but there are 4 replicas" })),
            )
                .into_response()
        };
        let (peer_port, server) = fake_peer(Router::new().route("/replicate", post(refuse))).await;
        let dir = fresh_dir("refused");
        let port = free_ports(1)[0];
        let child = lone_node(&dir, port, &format!("http://127.0.0.1:{peer_port}"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("start causal-node");
        let client = Client::new(Duration::from_secs(10));
        let url = format!("http://127.0.0.1:{port}");
        wait_answering(&client, &url).await;
        let deadline = Instant::now() + PATIENCE;
        let answer = client
            .post(&format!("{url}/put"), r#"{"key":"x","value":"1"}"#)
            .await
            .expect("put");
        assert_eq!(answer.status, 200);
        loop {
            let answer = client
                .get(&format!("{url}/admin/queues"))
                .await
                .expect("queues");
            let queues: Value = serde_json::from_slice(&answer.body).expect("JSON");
            let peer = &queues["peers"][0];
            if let Some(reason) = peer["refused"].as_str() {
                assert!(reason.contains("clock has 3 entries"), "{reason}");
                assert_eq!(peer["total"], 1, "the message stays queued: {queues}");
                break;
            }
            assert!(Instant::now() < deadline, "never reported: {queues}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Command::new("kill")
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        let output = child.wait_with_output().expect("the node stops");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("refuses a queued message as bad") && stderr.contains("ERROR"),
            "{stderr}"
        );
        assert_eq!(
            stderr.matches("refuses a queued message").count(),
            1,
            "said once, not at every retry: {stderr}"
        );
        server.abort();
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

fn prlimit(pid: u32, limit: &str) {
    let status = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={limit}")])
        .status()
        .expect("run prlimit");
    assert!(status.success(), "prlimit --fsize={limit}");
}

/// A full disk (here, a file-size limit at the database's size): a write
/// that cannot be committed is answered 500 and leaves nothing in memory,
/// `GET /` says the node cannot store, and once there is room again the
/// node stores again, with no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_changes_nothing_and_the_node_recovers() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return;
    }
    bounded(async {
        let cluster = Cluster::start("full", 2, &[]).await;
        cluster.kill(1);
        cluster.put(0, "before", "1").await;
        let pid = cluster.pid(0).expect("node 0 runs");
        let file = cluster.dir.join("data/node-0/node.redb");
        let size = std::fs::metadata(&file).expect("the database").len();
        prlimit(pid, &format!("{size}:unlimited"));
        let big = "b".repeat(60 * 1024);
        let mut refused = None;
        for n in 0..400 {
            let key = format!("big{n}");
            let (status, answer) = cluster
                .post(0, "/put", &json!({ "key": key, "value": big }))
                .await;
            if status != 200 {
                refused = Some((key, status, answer));
                break;
            }
        }
        let (key, status, answer) = refused.expect("a write refused once the disk is full");
        assert_eq!(status, 500, "{answer}");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("not stored")),
            "{answer}"
        );
        let answer = cluster.client.get(&cluster.url(0)).await.expect("GET /");
        assert_eq!(answer.status, 503, "{}", answer.text());
        assert!(answer.text().contains("cannot store"), "{}", answer.text());
        let store = cluster.store(0).await;
        assert!(
            store["store"].get(&key).is_none(),
            "{key} not stored, not shown"
        );
        let clock = store["vector_clock"][0].as_u64().expect("a clock");
        assert_eq!(
            store["store"].as_object().map(|s| s.len() as u64),
            Some(clock)
        );

        prlimit(pid, "unlimited");
        cluster.put(0, "after", "2").await;
        let answer = cluster.client.get(&cluster.url(0)).await.expect("GET /");
        assert_eq!(
            (answer.status, answer.text()),
            (200, "Node 0 is running".into())
        );
        let store = cluster.store(0).await;
        assert_eq!(store["vector_clock"][0].as_u64(), Some(clock + 1));
        // And it is all on disk.
        cluster.kill(0);
        cluster.spawn(0);
        cluster.wait_up(0).await;
        assert_eq!(cluster.store(0).await, store);
    })
    .await;
}

/// A database emptied (cut to 0 bytes) after the node wrote is refused:
/// starting afresh would number its writes from 1 again. `--empty-history`
/// starts it knowingly. A database cut short is damaged, said in one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_or_cut_database_is_refused_with_a_reason() {
    bounded(async {
        let cluster = Cluster::start("emptied", 2, &[]).await;
        for n in 0..200 {
            cluster.put(0, &format!("k{n}"), &"v".repeat(500)).await;
        }
        // Its peer has them all (a write it lost before sending it would
        // stay missing there, and hold the later ones back).
        cluster
            .until(1, "node 0's 200 writes", |s| {
                s["vector_clock"] == json!([200, 0])
            })
            .await;
        cluster.kill(0);
        let file = cluster.dir.join("data/node-0/node.redb");
        let bytes = std::fs::read(&file).expect("the database");

        std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("cut it");
        let (code, stderr) = start_once(&cluster.dir, &[]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("damaged"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");

        std::fs::write(&file, b"").expect("empty it");
        let (code, stderr) = start_once(&cluster.dir, &[]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("holds no history"), "{stderr}");
        assert!(stderr.contains("--empty-history"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        // Still refused the second time (the refusal wrote no history).
        let (code, _) = start_once(&cluster.dir, &[]);
        assert_eq!(code, Some(1));
        // Knowingly: it takes up its numbering after the 200 writes it had
        // acknowledged (its peer saw them too), so its next write is 201,
        // which the peer applies rather than discarding.
        cluster.spawn_with(0, &["--empty-history"]);
        cluster.wait_up(0).await;
        assert_eq!(cluster.store(0).await["vector_clock"], json!([200, 0]));
        let answer = cluster.put(0, "after", "1").await;
        assert_eq!(answer["vector_clock"], json!([201, 0]));
        let store = cluster
            .until(1, "the write after", |s| {
                s["vector_clock"] == json!([201, 0])
            })
            .await;
        assert_eq!(store["store"]["after"], "1");
    })
    .await;
}

/// A request whose head never ends is cut off (and the node keeps serving);
/// 404 and 405 say what is wrong; a long bad value is not echoed whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_time_out_and_every_refusal_has_a_short_reason() {
    bounded(async {
        let cluster = Arc::new(Cluster::start("timeouts", 2, &[]).await);
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", cluster.ports[0]))
            .await
            .expect("connect");
        stream
            .write_all(b"POST /put HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("send half a head");
        // Meanwhile the node serves others.
        cluster.put(0, "x", "1").await;
        let mut rest = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "the half-sent request is never cut off");

        let answer = cluster
            .client
            .get(&format!("{}/nowhere", cluster.url(0)))
            .await
            .expect("an answer");
        assert_eq!(answer.status, 404);
        let error: Value = serde_json::from_slice(&answer.body).expect("JSON");
        assert!(
            error["error"]
                .as_str()
                .is_some_and(|e| e.contains("no such route: GET /nowhere")),
            "{error}"
        );
        let answer = cluster
            .client
            .get(&format!("{}/put", cluster.url(0)))
            .await
            .expect("an answer");
        assert_eq!(answer.status, 405);
        let error: Value = serde_json::from_slice(&answer.body).expect("JSON");
        assert!(
            error["error"]
                .as_str()
                .is_some_and(|e| e.contains("/put takes POST, not GET")),
            "{error}"
        );
        let long = "9".repeat(60_000);
        let body = format!(r#"{{"key":"x","value":"1","sender":1,"clock":[1,"{long}"]}}"#);
        let (status, answer) = cluster.post_raw(0, "/replicate", body).await;
        assert_eq!(status, 400);
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains("clock[1] must be a whole number"), "{error}");
        assert!(error.len() < 1000, "a {} byte reason", error.len());
    })
    .await;
}

/// A node whose data directory was replaced after its peers saw its writes
/// is refused at start: it would number new writes as the lost ones. With
/// `--empty-history` it asks its peers how far they saw it, and numbers
/// its writes after that: none is discarded as a duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_behind_what_its_peers_saw_of_it_is_refused_or_takes_up_their_count() {
    bounded(async {
        let cluster = Cluster::start("behind", 2, &[]).await;
        for n in 0..3 {
            cluster.put(0, &format!("k{n}"), "v").await;
        }
        cluster
            .until(1, "node 0's writes", |s| s["vector_clock"] == json!([3, 0]))
            .await;
        cluster.kill(0);
        std::fs::remove_dir_all(cluster.dir.join("data/node-0")).expect("replace it");
        let (code, stderr) = run_to_end(
            lone_node(&cluster.dir, cluster.ports[0], &cluster.url(1)).stderr(Stdio::piped()),
        );
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("has seen 3 writes of node 0, but this node's database holds only 0"),
            "{stderr}"
        );
        assert!(stderr.contains("--empty-history"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");

        cluster.spawn_with(0, &["--empty-history"]);
        cluster.wait_up(0).await;
        assert_eq!(cluster.store(0).await["vector_clock"], json!([3, 0]));
        let answer = cluster.put(0, "new", "4").await;
        assert_eq!(answer["vector_clock"], json!([4, 0]));
        let store = cluster
            .until(1, "the new write", |s| s["vector_clock"] == json!([4, 0]))
            .await;
        assert_eq!(store["store"]["new"], "4", "applied, not discarded");
        // Restarted as it is now, it keeps its numbering.
        cluster.kill(0);
        cluster.spawn(0);
        cluster.wait_up(0).await;
        assert_eq!(
            cluster.put(0, "newer", "5").await["vector_clock"],
            json!([5, 0])
        );
        cluster.settled().await;
    })
    .await;
}

/// After a crash, redb reads a file whose newest commit is damaged back at
/// the one before, with no word: here the file is put back as it was two
/// acknowledged writes earlier, with the peer down, so only the node can
/// tell. It refuses to start, saying what was lost; `--empty-history` takes
/// up its numbering after the acknowledged writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_back_at_an_earlier_commit_is_refused() {
    bounded(async {
        let cluster = Cluster::start("earlier", 2, &[]).await;
        cluster.kill(1);
        for n in 0..3 {
            cluster.put(0, &format!("k{n}"), "v").await;
        }
        cluster.kill(0);
        let file = cluster.dir.join("data/node-0/node.redb");
        let earlier = std::fs::read(&file).expect("the database");
        cluster.spawn(0);
        cluster.wait_up(0).await;
        for n in 3..5 {
            cluster.put(0, &format!("k{n}"), "v").await;
        }
        cluster.kill(0);
        std::fs::write(&file, &earlier).expect("put the earlier file back");

        let (code, stderr) = start_once(&cluster.dir, &[]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("holds 3 log entries, 3 of them this node's writes, but the node had acknowledged 5 and 5"),
            "{stderr}"
        );
        assert!(stderr.contains("acknowledged writes were lost"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        // Refused again: the refusal changed nothing.
        let (code, _) = start_once(&cluster.dir, &[]);
        assert_eq!(code, Some(1));

        // Knowingly (the peer must answer first: it may have seen more).
        cluster.spawn(1);
        cluster.wait_up(1).await;
        cluster.spawn_with(0, &["--empty-history"]);
        cluster.wait_up(0).await;
        let store = cluster.store(0).await;
        assert_eq!(store["vector_clock"], json!([5, 0]), "{store}");
        let answer = cluster.put(0, "k5", "v").await;
        assert_eq!(answer["vector_clock"], json!([6, 0]));
    })
    .await;
}

/// The damage itself: after `kill -9`, one byte flipped in any page the
/// newest commits wrote. redb then either reads the file as it was or
/// falls back to an earlier commit without a word; the node must never
/// start with fewer writes than it acknowledged: it refuses, saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_in_the_newest_pages_never_loses_a_write_silently() {
    bounded(async {
        let dir = fresh_dir("flipped");
        let port = free_ports(1)[0];
        let peer = "http://127.0.0.1:9";
        let client = Client::new(Duration::from_secs(10));
        let url = format!("http://127.0.0.1:{port}");
        let run = |writes: std::ops::Range<usize>| {
            let (client, url, dir) = (client.clone(), url.clone(), dir.clone());
            async move {
                let mut node = Killed(lone_node(&dir, port, peer).spawn().expect("start"));
                wait_answering(&client, &url).await;
                for n in writes {
                    let body = json!({ "key": format!("k{n}"), "value": "v" }).to_string();
                    let answer = client.post(&format!("{url}/put"), body).await.expect("put");
                    assert_eq!(answer.status, 200, "{}", answer.text());
                }
                let _ = node.0.kill();
                let _ = node.0.wait();
            }
        };
        let file = dir.join("data/node-0/node.redb");
        let record = dir.join("data/node-0/acknowledged");
        run(0..3).await;
        let earlier = std::fs::read(&file).expect("the database");
        run(3..5).await;
        let newest = std::fs::read(&file).expect("the database");
        let acknowledged = std::fs::read(&record).expect("the record");
        const PAGE: usize = 4096;
        let pages: Vec<usize> = (1..newest.len() / PAGE)
            .filter(|&i| {
                earlier.get(i * PAGE..(i + 1) * PAGE) != newest.get(i * PAGE..(i + 1) * PAGE)
            })
            .collect();
        assert!(!pages.is_empty());
        let mut refused = 0;
        for page in pages {
            let mut damaged = newest.clone();
            damaged[page * PAGE + 100] ^= 0xff;
            std::fs::write(&file, &damaged).expect("damage it");
            std::fs::write(&record, &acknowledged).expect("the record as it was");
            let mut child = lone_node(&dir, port, peer)
                .stderr(Stdio::piped())
                .spawn()
                .expect("start");
            let deadline = Instant::now() + PATIENCE;
            loop {
                if let Some(status) = child.try_wait().expect("wait") {
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        use std::io::Read;
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    assert_eq!(status.code(), Some(1), "page {page}: {stderr}");
                    assert!(
                        stderr.contains("acknowledged writes were lost")
                            || stderr.contains("damaged"),
                        "page {page}: {stderr}"
                    );
                    refused += 1;
                    break;
                }
                if let Ok(answer) = client.get(&format!("{url}/store")).await {
                    let store: Value = serde_json::from_slice(&answer.body).expect("JSON");
                    assert_eq!(
                        store["vector_clock"],
                        json!([5, 0]),
                        "page {page}: started with fewer writes than it acknowledged"
                    );
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "page {page}: neither started nor refused"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        eprintln!("refused after {refused} of the flips");
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
