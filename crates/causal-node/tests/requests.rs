//! One node and every kind of request it must refuse, answer or survive:
//! bad requests get 400 and a one-line reason and change nothing; a
//! duplicate is discarded; bad configuration stops the node with a reason.

mod common;

use std::process::Command;

use common::{bounded, fresh_dir, node, run_to_end, wait_answering, Cluster};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_400_with_a_reason_and_change_nothing() {
    bounded(async {
        // Node 1 of 3; its peers are never started (its queues just wait).
        let cluster = Cluster::start("bad", 3, &[]).await;
        cluster.kill(0);
        cluster.kill(2);
        cluster.put(1, "x", "1").await;
        let (status, _) = cluster
            .post(
                1,
                "/replicate",
                &json!({"key": "y", "value": "c", "sender": 2, "clock": [1, 0, 1]}),
            )
            .await;
        assert_eq!(status, 202);
        let before = cluster.store(1).await;
        assert_eq!(before["buffered"].as_array().map(Vec::len), Some(1));

        let big = "v".repeat(70 * 1024);
        let cases: Vec<(&str, String, &str)> = vec![
            ("/put", "{\"key\": \"x\", ".into(), "malformed JSON"),
            ("/put", "not json".into(), "malformed JSON"),
            ("/put", "[1, 2]".into(), "must be a JSON object"),
            (
                "/put",
                json!({"value": "2"}).to_string(),
                "missing field \"key\"",
            ),
            (
                "/put",
                json!({"key": "x"}).to_string(),
                "missing field \"value\"",
            ),
            (
                "/put",
                json!({"key": "x", "value": 2}).to_string(),
                "\"value\" must be a string",
            ),
            (
                "/put",
                json!({"key": "x", "value": big}).to_string(),
                "over the limit",
            ),
            ("/replicate", "{".into(), "malformed JSON"),
            (
                "/replicate",
                json!({"value": "2", "sender": 0, "clock": [1, 0, 0]}).to_string(),
                "missing field \"key\"",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "clock": [1, 0, 0]}).to_string(),
                "missing field \"sender\"",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0}).to_string(),
                "missing field \"clock\"",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0, "clock": [1, 0]}).to_string(),
                "clock has 2 entries",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0, "clock": [1, 0, 0, 0]}).to_string(),
                "clock has 4 entries",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0, "clock": [1, -1, 0]}).to_string(),
                "clock[1] is -1",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0, "clock": [1, "a", 0]}).to_string(),
                "clock[1] must be a whole number",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 3, "clock": [1, 0, 0]}).to_string(),
                "sender 3 does not exist",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": -1, "clock": [1, 0, 0]}).to_string(),
                "sender -1 does not exist",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 1, "clock": [0, 2, 0]}).to_string(),
                "this replica itself",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0, "clock": [0, 0, 0]}).to_string(),
                "clock[0] is 0",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": "2", "sender": 0, "clock": [1, 5, 0]}).to_string(),
                "clock[1] is 5 but",
            ),
            (
                "/replicate",
                json!({"key": "x", "value": big, "sender": 0, "clock": [1, 0, 0]}).to_string(),
                "over the limit",
            ),
            (
                "/admin/hold",
                json!({"peer": 7}).to_string(),
                "unknown peer 7",
            ),
            (
                "/admin/hold",
                json!({"peer": 1}).to_string(),
                "unknown peer 1",
            ),
            (
                "/admin/release",
                json!({"peer": -2}).to_string(),
                "unknown peer -2",
            ),
            (
                "/admin/release",
                json!({}).to_string(),
                "missing field \"peer\"",
            ),
            ("/admin/hold", "{\"peer\": }".into(), "malformed JSON"),
        ];
        for (path, body, reason) in cases {
            let (status, answer) = cluster.post_raw(1, path, body.clone()).await;
            let shown: String = body.chars().take(80).collect();
            assert_eq!(status, 400, "{path} {shown}: {answer}");
            let error = answer["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(reason),
                "{path} {shown}: {error:?} lacks {reason:?}"
            );
            assert!(!error.contains('\n'), "{error:?} is one line");
            assert_eq!(
                cluster.store(1).await,
                before,
                "{path} {shown} changed the node"
            );
        }
        // Unknown fields are ignored, as by the original nodes.
        let (status, _) = cluster
            .post(1, "/put", &json!({"key": "z", "value": "3", "extra": true}))
            .await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_say_applied_buffered_or_discarded() {
    bounded(async {
        let cluster = Cluster::start("answers", 3, &[]).await;
        cluster.kill(0);
        cluster.kill(1);
        let a1 = json!({"key": "x", "value": "a", "sender": 0, "clock": [1, 0, 0]});
        let b1 = json!({"key": "x", "value": "b", "sender": 1, "clock": [1, 1, 0]});
        let reply = |status: u16, word: &str| (status, json!({ "status": word }));
        assert_eq!(
            cluster.post(2, "/replicate", &b1).await,
            reply(202, "buffered")
        );
        // Held, and arriving again: a duplicate.
        assert_eq!(
            cluster.post(2, "/replicate", &b1).await,
            reply(200, "discarded")
        );
        assert_eq!(
            cluster.post(2, "/replicate", &a1).await,
            reply(200, "applied")
        );
        // Delivered, and arriving again: a duplicate, whatever it carries.
        let forged = json!({"key": "x", "value": "forged", "sender": 0, "clock": [1, 0, 0]});
        assert_eq!(
            cluster.post(2, "/replicate", &forged).await,
            reply(200, "discarded")
        );
        assert_eq!(
            cluster.post(2, "/replicate", &b1).await,
            reply(200, "discarded")
        );
        let store = cluster.store(2).await;
        assert_eq!(
            store,
            json!({"store": {"x": "b"}, "vector_clock": [1, 1, 0], "buffered": []})
        );
    })
    .await;
}

/// A chain of held messages is released to the end by one arrival (the
/// original flushed its buffer once, leaving the rest of the chain held).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_arrival_releases_a_whole_chain() {
    bounded(async {
        let cluster = Cluster::start("chain", 3, &[("CONFLICTS", "multi-value")]).await;
        cluster.kill(0);
        cluster.kill(1);
        for clock in [[3, 0, 0], [2, 0, 0]] {
            let m =
                json!({"key": format!("k{}", clock[0]), "value": "a", "sender": 0, "clock": clock});
            assert_eq!(cluster.post(2, "/replicate", &m).await.0, 202);
        }
        let b = json!({"key": "k1", "value": "b", "sender": 1, "clock": [0, 1, 0]});
        assert_eq!(cluster.post(2, "/replicate", &b).await.0, 200);
        let first = json!({"key": "k1", "value": "a", "sender": 0, "clock": [1, 0, 0]});
        assert_eq!(cluster.post(2, "/replicate", &first).await.0, 200);
        let store = cluster.store(2).await;
        assert_eq!(store["vector_clock"], json!([3, 1, 0]));
        assert_eq!(store["buffered"], json!([]));
        // Concurrent writes to k1 are siblings under multi-value.
        assert_eq!(store["store"]["k1"], json!(["a", "b"]));
    })
    .await;
}

/// Environment, expected exit status, words of the reason.
type Case = (Vec<(&'static str, String)>, i32, &'static str);

#[test]
fn bad_configuration_stops_with_a_reason() {
    let dir = fresh_dir("config");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").expect("write a file");
    let peers = "http://127.0.0.1:9,http://127.0.0.1:10";
    let cases: Vec<Case> = vec![
        (vec![("PEERS", peers.into())], 2, "NODE_ID is required"),
        (
            vec![("NODE_ID", "3".into()), ("PEERS", peers.into())],
            2,
            "NODE_ID must be a number from 0 to 2",
        ),
        (
            vec![("NODE_ID", "x".into()), ("PEERS", peers.into())],
            2,
            "NODE_ID must be a number",
        ),
        (vec![("NODE_ID", "0".into())], 2, "PEERS is required"),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("PEERS", "http://127.0.0.1:9".into()),
            ],
            2,
            "PEERS must list the other 2",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("PEERS", "127.0.0.1:9,127.0.0.1:10".into()),
            ],
            2,
            "must start with http://",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("PEERS", "http://127.0.0.1:99999,http://127.0.0.1:10".into()),
            ],
            2,
            "must have a port from 1 to 65535, not \"99999\"",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("PEERS", "http://127.0.0.1:x,http://127.0.0.1:10".into()),
            ],
            2,
            "must have a port from 1 to 65535",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("NUM_NODES", "9".into()),
                ("PEERS", peers.into()),
            ],
            2,
            "NUM_NODES must be from 2 to 8",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("PORT", "70000".into()),
                ("PEERS", peers.into()),
            ],
            2,
            "PORT must be a port number",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("DELIVERY", "total".into()),
                ("PEERS", peers.into()),
            ],
            2,
            "DELIVERY must be causal, fifo or unordered",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("CONFLICTS", "max".into()),
                ("PEERS", peers.into()),
            ],
            2,
            "CONFLICTS must be overwrite, lww or multi-value",
        ),
        (
            vec![
                ("NODE_ID", "0".into()),
                ("PEERS", peers.into()),
                ("PORT", "0".into()),
                ("DATA_DIR", file.join("node").display().to_string()),
            ],
            1,
            "cannot create the data directory",
        ),
    ];
    for (env, code, reason) in cases {
        let mut command = node();
        command.current_dir(&dir);
        for (k, v) in &env {
            command.env(k, v);
        }
        let (status, stderr) = run_to_end(&mut command);
        assert_eq!(status, Some(code), "{env:?}: {stderr}");
        assert!(
            stderr.contains(reason),
            "{env:?}: {stderr:?} lacks {reason:?}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // The same by flags; and --help explains them with an example.
    let (status, stderr) = run_to_end(node().args(["--node-id", "4", "--peers", peers]));
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("NODE_ID must be a number from 0 to 2"),
        "{stderr}"
    );
    let help = node().arg("--help").output().expect("run causal-node");
    let help = String::from_utf8_lossy(&help.stdout);
    for word in [
        "NODE_ID",
        "NUM_NODES",
        "PORT",
        "PEERS",
        "DATA_DIR",
        "DELIVERY",
        "CONFLICTS",
        "--listen",
        "Example",
    ] {
        assert!(help.contains(word), "--help lacks {word}: {help}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A data directory is never reopened by another node or under other rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_belongs_to_one_node() {
    bounded(async {
        let cluster = Cluster::start("identity", 2, &[]).await;
        cluster.put(0, "x", "1").await;
        let data = cluster.dir.join("data/node-0");
        assert!(data.join("node.redb").exists());
        let taken = node()
            .current_dir(&cluster.dir)
            .env("NODE_ID", "0")
            .env("NUM_NODES", "2")
            .env("PORT", "0")
            .env("PEERS", cluster.url(1))
            .output()
            .expect("run causal-node");
        let stderr = String::from_utf8_lossy(&taken.stderr);
        assert_eq!(taken.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("in use by another running node"),
            "{stderr}"
        );
        // Stopped, it is still node 0's, under its rules.
        cluster.kill(0);
        for (id, delivery) in [("1", "causal"), ("0", "fifo")] {
            let other = node()
                .current_dir(&cluster.dir)
                .env("NODE_ID", id)
                .env("NUM_NODES", "2")
                .env("PORT", "0")
                .env("PEERS", cluster.url(1))
                .env("DELIVERY", delivery)
                .env("DATA_DIR", "data/node-0")
                .output()
                .expect("run causal-node");
            let stderr = String::from_utf8_lossy(&other.stderr);
            assert_eq!(other.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("belongs to node 0 of 2 under causal/overwrite"),
                "{stderr}"
            );
        }
        let _: Value = cluster.store(1).await;
    })
    .await;
}

/// Quiet by default; `RUST_LOG=info` shows a line per request and per
/// replication event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_quiet_unless_asked_for() {
    bounded(async {
        for (log, expected) in [(None, false), (Some("info"), true)] {
            let dir = fresh_dir("logs");
            let ports = common::free_ports(2);
            let mut command = node();
            command
                .current_dir(&dir)
                .env("NODE_ID", "0")
                .env("NUM_NODES", "2")
                .env("PORT", ports[0].to_string())
                .env("PEERS", format!("http://127.0.0.1:{}", ports[1]))
                .stderr(std::process::Stdio::piped());
            if let Some(log) = log {
                command.env("RUST_LOG", log);
            }
            let child = command.spawn().expect("start causal-node");
            let client = causal_node::client::Client::new(std::time::Duration::from_secs(10));
            let url = format!("http://127.0.0.1:{}", ports[0]);
            wait_answering(&client, &url).await;
            for body in [json!({"key": "x", "value": "1"}), json!({"key": "x"})] {
                client
                    .post(&format!("{url}/put"), body.to_string())
                    .await
                    .expect("an answer");
            }
            // SIGTERM: a clean stop, so everything written reaches the pipe.
            Command::new("kill")
                .arg(child.id().to_string())
                .status()
                .expect("kill");
            let output = child.wait_with_output().expect("the node stops");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(stderr.contains("POST /put 200"), expected, "{stderr}");
            assert_eq!(stderr.contains("POST /put 400"), expected, "{stderr}");
            if !expected {
                assert_eq!(stderr, "", "quiet by default");
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    })
    .await;
}
