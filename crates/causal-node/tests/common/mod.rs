//! Nodes as child processes on loopback ports chosen at run time, each in
//! its own temporary data directory; every wait is bounded.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use causal_node::client::Client;
use serde_json::{json, Value};

/// How long any one wait may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A whole test may take at most this long.
pub const TEST_LIMIT: Duration = Duration::from_secs(90);

static CLUSTERS: AtomicUsize = AtomicUsize::new(0);

/// Free loopback ports, `n` of them, all different.
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a loopback port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local address").port())
        .collect()
}

/// A fresh directory under the system's temporary directory.
pub fn fresh_dir(name: &str) -> PathBuf {
    let n = CLUSTERS.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "causal-node-test-{}-{name}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// Some nodes, each a child process.
pub struct Cluster {
    pub dir: PathBuf,
    /// The command that starts a node (causal-node, unless told otherwise).
    program: Vec<std::ffi::OsString>,
    pub ports: Vec<u16>,
    env: Vec<(String, String)>,
    children: Mutex<Vec<Option<Child>>>,
    pub client: Client,
}

impl Cluster {
    /// Starts `n` nodes with `env` added to each one's environment, and
    /// waits until each answers `GET /`.
    pub async fn start(name: &str, n: usize, env: &[(&str, &str)]) -> Cluster {
        let program = [std::ffi::OsString::from(env!("CARGO_BIN_EXE_causal-node"))];
        Cluster::start_program(name, n, &program, env).await
    }

    /// The same with another program as the node (the original API, and
    /// its configuration by environment).
    pub async fn start_program(
        name: &str,
        n: usize,
        program: &[std::ffi::OsString],
        env: &[(&str, &str)],
    ) -> Cluster {
        let cluster = Cluster {
            dir: fresh_dir(name),
            program: program.to_vec(),
            ports: free_ports(n),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            children: Mutex::new((0..n).map(|_| None).collect()),
            client: Client::new(Duration::from_secs(30)),
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        for i in 0..n {
            cluster.wait_up(i).await;
        }
        cluster
    }

    pub fn url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[i])
    }

    pub fn peers(&self, i: usize) -> String {
        (0..self.ports.len())
            .filter(|&j| j != i)
            .map(|j| self.url(j))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Starts node `i` (again), on the same port and data directory.
    pub fn spawn(&self, i: usize) {
        self.spawn_with(i, &[]);
    }

    /// The same, with `args` added to its command line.
    pub fn spawn_with(&self, i: usize, args: &[&str]) {
        let mut command = Command::new(&self.program[0]);
        command
            .args(&self.program[1..])
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("NODE_ID", i.to_string())
            .env("NUM_NODES", self.ports.len().to_string())
            .env("PORT", self.ports[i].to_string())
            .env("PEERS", self.peers(i))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start causal-node");
        self.children.lock().expect("children")[i] = Some(child);
    }

    /// Node `i`'s process id, while it runs.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.children.lock().expect("children")[i]
            .as_ref()
            .map(Child::id)
    }

    /// Kills node `i` with SIGKILL and reaps it.
    pub fn kill(&self, i: usize) {
        let child = self.children.lock().expect("children")[i].take();
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until node `i` answers `GET /`.
    pub async fn wait_up(&self, i: usize) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(answer) = self.client.get(&self.url(i)).await {
                assert_eq!(answer.text(), format!("Node {i} is running"));
                return;
            }
            assert!(Instant::now() < deadline, "node {i} never answered GET /");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// POSTs `body` to node `i`'s `path`: the status and the JSON answer.
    pub async fn post(&self, i: usize, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(i, path, body.to_string()).await
    }

    pub async fn post_raw(&self, i: usize, path: &str, body: String) -> (u16, Value) {
        let answer = self
            .client
            .post(&format!("{}{path}", self.url(i)), body)
            .await
            .expect("the node answers");
        let (status, text) = (answer.status, answer.text());
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path} answered {status} with no JSON ({e}): {text}"));
        (status, value)
    }

    /// A write at node `i`, if the node answered that it is stored.
    pub async fn try_put(&self, i: usize, key: &str, value: &str) -> bool {
        let body = json!({ "key": key, "value": value }).to_string();
        let sent = self
            .client
            .post(&format!("{}/put", self.url(i)), body)
            .await;
        matches!(sent, Ok(answer) if answer.status == 200)
    }

    /// A write at node `i`; panics unless it is stored.
    pub async fn put(&self, i: usize, key: &str, value: &str) -> Value {
        let (status, answer) = self
            .post(i, "/put", &json!({ "key": key, "value": value }))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["status"], "stored");
        answer
    }

    /// `GET /store` at node `i`.
    pub async fn store(&self, i: usize) -> Value {
        let answer = self
            .client
            .get(&format!("{}/store", self.url(i)))
            .await
            .expect("the node answers");
        serde_json::from_slice(&answer.body).expect("GET /store is JSON")
    }

    /// Polls node `i`'s store until `ok` holds; returns it.
    pub async fn until(&self, i: usize, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let store = self.store(i).await;
            if ok(&store) {
                return store;
            }
            assert!(
                Instant::now() < deadline,
                "node {i} never got to {what}: {store}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until every node shows the same store and clock with nothing
    /// buffered, and returns that store.
    pub async fn converged(&self) -> Value {
        self.agree(true).await
    }

    /// Waits until every node shows the same clock with nothing buffered:
    /// every write delivered everywhere (under `overwrite`, concurrent
    /// writes may still leave the stores different).
    pub async fn settled(&self) -> Value {
        self.agree(false).await
    }

    async fn agree(&self, same_store: bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut stores = Vec::new();
            for i in 0..self.ports.len() {
                stores.push(self.store(i).await);
            }
            let same = stores.iter().all(|s| {
                (!same_store || s["store"] == stores[0]["store"])
                    && s["vector_clock"] == stores[0]["vector_clock"]
                    && s["buffered"] == json!([])
            });
            if same {
                return stores.swap_remove(0);
            }
            assert!(
                Instant::now() < deadline,
                "the nodes never converged: {}",
                Value::Array(stores)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.ports.len() {
            self.kill(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The causal-node binary, with an empty environment.
pub fn node() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_causal-node"));
    command.env_clear();
    command
}

/// Node 0 of two in `dir`, listening on `port`, its one peer at `peer`.
pub fn lone_node(dir: &std::path::Path, port: u16, peer: &str) -> Command {
    let mut command = node();
    command
        .current_dir(dir)
        .env("NODE_ID", "0")
        .env("NUM_NODES", "2")
        .env("PORT", port.to_string())
        .env("PEERS", peer)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// Runs `command` to its end: its exit status and what it said on stderr.
pub fn run_to_end(command: &mut Command) -> (Option<i32>, String) {
    let output = command.output().expect("run causal-node");
    assert!(output.stdout.is_empty() || output.status.success());
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).trim().to_string(),
    )
}

/// Node 0 of two started once in `dir` (on a port it cannot listen on,
/// its peer nowhere): it stops, and says why.
pub fn start_once(dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    run_to_end(lone_node(dir, 1, "http://127.0.0.1:9").args(extra))
}

/// A child process killed however the test ends (a failing test panics).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `url` answers at all.
pub async fn wait_answering(client: &Client, url: &str) {
    let deadline = Instant::now() + PATIENCE;
    while client.get(url).await.is_err() {
        assert!(Instant::now() < deadline, "{url} never answered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Serves `app` on a loopback port chosen now, as a node's stand-in peer:
/// the port, and the server's task.
pub async fn fake_peer(app: axum::Router) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (port, server)
}

/// Runs a test's body within [`TEST_LIMIT`].
pub async fn bounded<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .expect("the test took too long");
}
