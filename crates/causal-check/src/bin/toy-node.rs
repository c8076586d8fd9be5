//! `toy-node`: a small node for causal-check's own tests, written as a
//! student would write one (it knows nothing of the engine). `--flaw NAME`
//! makes it commit one classic mistake; without it, it is correct, but it
//! releases held messages newest first, another legal order than the engine's.
//!
//! Flaws: one-pass (flushes its buffer in a single pass), keep-duplicates
//! (no duplicate test), no-causal-test (applies everything at once),
//! tick-on-receive (ticks its own clock entry on every receipt),
//! no-merge-on-release (applies a released message without merging its
//! clock), wrong-put-clock (sends its peers the clock from before the write),
//! keep-first (a key keeps the first value it received), buffered-200
//! (answers 200 instead of 202 when it buffers), forget-own-write (a put is
//! acknowledged but not applied), fifo (tests only the sender's order, as
//! FIFO delivery does).
//!
//! Hostile behaviours, for the checker's robustness tests: `--crash-after N`
//! (exits with status 7 at its Nth put or replicate), `--hang-on-put` (never
//! answers a put), `--fail-start N FILE` (every Nth start, counted in FILE,
//! exits at once), `--squatter URL` (before binding, asks the program at URL
//! to take its port: it then fails to bind, as a node whose port another
//! program took).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use causal_check::http::Client;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Msg {
    key: String,
    value: String,
    sender: usize,
    clock: Vec<u64>,
}

struct Node {
    id: usize,
    flaw: String,
    /// Puts and replicates handled, and after how many to crash.
    handled: usize,
    crash_after: Option<usize>,
    hang_on_put: bool,
    peers: Vec<String>,
    clock: Vec<u64>,
    store: BTreeMap<String, String>,
    buffer: Vec<Msg>,
}

impl Node {
    fn deliverable(&self, m: &Msg) -> bool {
        let s = m.sender;
        m.clock[s] == self.clock[s] + 1
            && (self.flaw == "fifo"
                || (0..self.clock.len()).all(|k| k == s || m.clock[k] <= self.clock[k]))
    }

    /// Counts a put or replicate; exits when it is the one to crash at.
    fn count(&mut self) {
        self.handled += 1;
        if self.crash_after == Some(self.handled) {
            eprintln!("toy-node: crashing at request {}, as asked", self.handled);
            std::process::exit(7);
        }
    }

    fn apply(&mut self, m: &Msg, merge: bool) {
        if merge {
            for (c, &e) in self.clock.iter_mut().zip(&m.clock) {
                *c = (*c).max(e);
            }
        }
        if self.flaw == "keep-first" {
            self.store.entry(m.key.clone()).or_insert(m.value.clone());
        } else {
            self.store.insert(m.key.clone(), m.value.clone());
        }
    }

    fn flush(&mut self) {
        if self.flaw == "one-pass" {
            for m in std::mem::take(&mut self.buffer) {
                if self.deliverable(&m) {
                    self.apply(&m, true);
                } else {
                    self.buffer.push(m);
                }
            }
            return;
        }
        let merge = self.flaw != "no-merge-on-release";
        while let Some(at) = self.buffer.iter().rposition(|m| self.deliverable(m)) {
            let m = self.buffer.remove(at);
            self.apply(&m, merge);
        }
    }

    fn receive(&mut self, m: Msg) -> (StatusCode, &'static str) {
        if self.flaw == "tick-on-receive" {
            self.clock[self.id] += 1;
        }
        let s = m.sender;
        let seen = m.clock[s] <= self.clock[s] || self.buffer.contains(&m);
        if seen && self.flaw != "keep-duplicates" {
            return (StatusCode::OK, "discarded");
        }
        if self.flaw == "no-causal-test" || self.deliverable(&m) {
            self.apply(&m, true);
            self.flush();
            (StatusCode::OK, "applied")
        } else {
            self.buffer.push(m);
            let code = if self.flaw == "buffered-200" {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            (code, "buffered")
        }
    }
}

type Shared = Arc<Mutex<Node>>;

fn reply(code: StatusCode, body: serde_json::Value) -> (StatusCode, String) {
    (code, body.to_string())
}

async fn hello(State(node): State<Shared>) -> String {
    let id = node.lock().map(|n| n.id).unwrap_or_default();
    format!("Node {id} is running")
}

async fn put(State(node): State<Shared>, body: String) -> (StatusCode, String) {
    #[derive(Deserialize)]
    struct Put {
        key: String,
        value: String,
    }
    let Ok(put) = serde_json::from_str::<Put>(&body) else {
        return reply(StatusCode::BAD_REQUEST, json!({"error": "bad put"}));
    };
    let Ok(mut n) = node.lock() else {
        return reply(StatusCode::INTERNAL_SERVER_ERROR, json!({}));
    };
    n.count();
    if n.hang_on_put {
        // The whole node stops answering, as one stuck in a lock would.
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
    let before = n.clock.clone();
    let id = n.id;
    n.clock[id] += 1;
    if n.flaw != "forget-own-write" {
        n.store.insert(put.key.clone(), put.value.clone());
    }
    let sent = if n.flaw == "wrong-put-clock" {
        before
    } else {
        n.clock.clone()
    };
    let m = Msg {
        key: put.key,
        value: put.value,
        sender: id,
        clock: sent,
    };
    for peer in n.peers.clone() {
        let body = serde_json::to_string(&m).unwrap_or_default();
        std::thread::spawn(move || {
            let _ = Client::new(Duration::from_secs(5)).post(&format!("{peer}/replicate"), body);
        });
    }
    reply(
        StatusCode::OK,
        json!({"status": "stored", "vector_clock": n.clock}),
    )
}

async fn replicate(State(node): State<Shared>, body: String) -> (StatusCode, String) {
    let Ok(mut n) = node.lock() else {
        return reply(StatusCode::INTERNAL_SERVER_ERROR, json!({}));
    };
    n.count();
    match serde_json::from_str::<Msg>(&body) {
        Ok(m) if m.clock.len() == n.clock.len() && m.sender < n.clock.len() => {
            let (code, status) = n.receive(m);
            reply(code, json!({ "status": status }))
        }
        _ => reply(StatusCode::BAD_REQUEST, json!({"error": "bad message"})),
    }
}

async fn store(State(node): State<Shared>) -> (StatusCode, String) {
    let Ok(n) = node.lock() else {
        return reply(StatusCode::INTERNAL_SERVER_ERROR, json!({}));
    };
    reply(
        StatusCode::OK,
        json!({"store": n.store, "vector_clock": n.clock, "buffered": n.buffer}),
    )
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let after = |flag: &str, n: usize| -> Option<String> {
        let at = args.iter().position(|a| a == flag)?;
        args.get(at + n).cloned()
    };
    let flaw = after("--flaw", 1).unwrap_or_else(|| "none".into());
    if let (Some(every), Some(file)) = (after("--fail-start", 1), after("--fail-start", 2)) {
        let count = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let _ = std::fs::write(&file, count.to_string());
        if every.parse::<u64>().is_ok_and(|n| n > 0 && count % n == 0) {
            eprintln!("toy-node: failing to start (start {count}), as asked");
            std::process::exit(3);
        }
    }
    let (Ok(id), Ok(count), Ok(port)) = (
        env("NODE_ID").parse::<usize>(),
        env("NUM_NODES").parse::<usize>(),
        env("PORT").parse::<u16>(),
    ) else {
        eprintln!("toy-node: set NODE_ID, NUM_NODES, PORT and PEERS");
        std::process::exit(2);
    };
    let node = Node {
        id,
        flaw,
        handled: 0,
        crash_after: after("--crash-after", 1).and_then(|n| n.parse().ok()),
        hang_on_put: args.iter().any(|a| a == "--hang-on-put"),
        peers: env("PEERS")
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        clock: vec![0; count],
        store: BTreeMap::new(),
        buffer: Vec::new(),
    };
    let app = Router::new()
        .route("/", get(hello))
        .route("/put", post(put))
        .route("/replicate", post(replicate))
        .route("/store", get(store))
        .with_state(Arc::new(Mutex::new(node)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime");
    if let Some(squatter) = after("--squatter", 1) {
        let _ = Client::new(Duration::from_secs(5)).get(&format!("{squatter}/squat?port={port}"));
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the port is free");
        if port == 0 {
            // Told to choose: say where, for whoever started it.
            if let Ok(addr) = listener.local_addr() {
                println!("toy-node: listening on {addr}");
            }
        }
        axum::serve(listener, app).await.expect("serving");
    });
}
