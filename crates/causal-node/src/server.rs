//! The HTTP API: the original nodes' routes, and the admin routes that hold
//! and release a link.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use causal_core::{Receipt, ReplicaId};
use serde_json::json;
use tokio::sync::{mpsc, oneshot, Notify};
use tower_http::cors::CorsLayer;

use crate::commit::{self, Reply, Request as Asked};
use crate::durable::Durable;
use crate::node::{status, Failure, Node};
use crate::wire::{self, Replicate, BATCH_LIMIT, BODY_LIMIT};

/// The most events one `GET /events` returns.
pub const EVENTS_PAGE: usize = 500;
/// The most messages `GET /admin/queues` lists per peer.
pub const QUEUE_SHOWN: usize = 500;

/// What the handlers and the senders share.
pub struct Shared {
    node: Mutex<Node>,
    durable: Arc<Durable>,
    node_id: ReplicaId,
    /// To the group-commit thread.
    requests: mpsc::Sender<Asked>,
    /// Per node number: wakes that peer's sender (unused for this node).
    wake: Vec<Notify>,
    /// Per node number: whether that peer is held (mirrors the node's, read
    /// by the senders without taking the node's lock).
    held: Vec<AtomicBool>,
    /// Per node number: why that peer refuses the message at the head of
    /// its queue, while it does.
    refused: Vec<Mutex<Option<String>>>,
    /// Why the last commit failed, until one succeeds.
    trouble: Mutex<Option<String>>,
}

impl commit::Host for Shared {
    fn lock(&self) -> MutexGuard<'_, Node> {
        Shared::lock(self)
    }
    fn broken(&self, reason: String) {
        Shared::broken(self, reason)
    }
    fn healthy(&self) {
        Shared::healthy(self)
    }
    fn wake_all(&self) {
        Shared::wake_all(self)
    }
    fn set_held(&self, peer: ReplicaId, hold: bool) {
        Shared::set_held(self, peer, hold)
    }
}

impl Shared {
    /// Shares `node`, and starts the thread that commits its requests.
    pub fn new(node: Node) -> Arc<Self> {
        let nodes = node.config().nodes;
        let held = (0..nodes)
            .map(|j| AtomicBool::new(node.is_held(j)))
            .collect();
        let (requests, receiver) = mpsc::channel(4096);
        let shared = Arc::new(Shared {
            durable: node.durable(),
            node_id: node.config().node_id,
            requests,
            wake: (0..nodes).map(|_| Notify::new()).collect(),
            held,
            refused: (0..nodes).map(|_| Mutex::new(None)).collect(),
            trouble: Mutex::new(None),
            node: Mutex::new(node),
        });
        commit::start(&shared, receiver);
        shared
    }

    /// The node, for the group-commit thread and for reading.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Node> {
        // A panic while locked cannot leave the replica half-changed on disk
        // (one transaction per group), so the lock is taken over.
        self.node
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The database.
    pub fn durable(&self) -> Arc<Durable> {
        Arc::clone(&self.durable)
    }

    /// What wakes `peer`'s sender.
    pub fn wake(&self, peer: ReplicaId) -> &Notify {
        &self.wake[peer]
    }

    /// Whether what goes to `peer` is held.
    pub fn is_held(&self, peer: ReplicaId) -> bool {
        self.held[peer].load(Ordering::SeqCst)
    }

    pub(crate) fn set_held(&self, peer: ReplicaId, hold: bool) {
        self.held[peer].store(hold, Ordering::SeqCst);
        self.wake[peer].notify_one();
    }

    pub(crate) fn wake_all(&self) {
        for (j, wake) in self.wake.iter().enumerate() {
            if j != self.node_id {
                wake.notify_one();
            }
        }
    }

    /// Sends `request` to the group-commit thread and waits for its answer.
    pub(crate) async fn ask<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> Asked,
    ) -> Result<T, Failure> {
        let (reply, answer) = oneshot::channel();
        let stopped = || Failure::Disk("the node is stopping".to_string());
        self.requests
            .send(request(reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Tells the group-commit thread what `peer` acknowledged (committed
    /// with a later group; until then it may be sent again, a duplicate).
    pub(crate) async fn acknowledged(&self, peer: ReplicaId, numbers: Vec<u64>) {
        let _ = self
            .requests
            .send(Asked::Acknowledged { peer, numbers })
            .await;
    }

    /// Why `peer` refuses what it is sent, or `None`.
    pub(crate) fn set_refused(&self, peer: ReplicaId, reason: Option<String>) {
        *self.refused[peer]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = reason;
    }

    fn refused(&self, peer: ReplicaId) -> Option<String> {
        self.refused[peer]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn healthy(&self) {
        let mut trouble = self.trouble.lock().unwrap_or_else(|p| p.into_inner());
        if trouble.take().is_some() {
            tracing::warn!("storing again");
        }
    }

    pub(crate) fn broken(&self, reason: String) {
        *self.trouble.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
    }

    fn trouble(&self) -> Option<String> {
        self.trouble
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(running))
        .route("/put", post(put))
        .route("/replicate", post(replicate))
        .route(
            "/replicate/batch",
            post(replicate_batch).layer(DefaultBodyLimit::max(BATCH_LIMIT)),
        )
        .route("/store", get(store))
        .route("/admin/hold", post(hold))
        .route("/admin/release", post(release))
        .route("/events", get(events))
        .route("/admin/queues", get(queues))
        .route("/admin/memory", get(memory))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(log))
        // Any page may read and drive the node (the live view), preflight
        // included; it listens on loopback unless told otherwise.
        .layer(CorsLayer::permissive())
        .with_state(shared)
}

async fn log(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let response = next.run(request).await;
    tracing::info!("{method} {path} {}", response.status().as_u16());
    response
}

/// A request refused: its status and a one-line reason.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": shorten(&self.1) }))).into_response()
    }
}

impl From<Failure> for Refused {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Bad(reason) => bad(reason),
            Failure::Disk(reason) => Refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("not stored: {reason}"),
            ),
        }
    }
}

/// A reason as an answer gives it: one line, and short, whatever the input
/// it quotes.
pub(crate) fn shorten(reason: &str) -> String {
    const MOST: usize = 300;
    let line = reason.replace(['\n', '\r'], " ");
    let length = line.chars().count();
    if length <= MOST {
        return line;
    }
    let cut: String = line.chars().take(MOST).collect();
    format!("{cut}... (cut; {length} characters in all)")
}

fn bad(reason: impl Into<String>) -> Refused {
    Refused(StatusCode::BAD_REQUEST, reason.into())
}

fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Refused> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            bad(format!(
                "the request body is over the limit of {BODY_LIMIT} bytes"
            ))
        } else {
            bad(format!(
                "cannot read the request body: {}",
                rejection.body_text()
            ))
        }
    })
}

async fn running(State(shared): State<Arc<Shared>>) -> Response {
    match shared.trouble() {
        None => format!("Node {} is running", shared.node_id).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "Node {} is running but cannot store: {}",
                shared.node_id,
                shorten(&reason)
            ),
        )
            .into_response(),
    }
}

async fn put(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    let put = wire::put(&body(raw)?).map_err(bad)?;
    let clock = shared
        .ask(|reply| Asked::Put {
            key: put.key,
            value: put.value,
            reply,
        })
        .await?;
    Ok(Json(json!({ "status": "stored", "vector_clock": clock.entries() })).into_response())
}

async fn replicate(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    let message = wire::replicate(&body(raw)?).map_err(bad)?;
    let (sender, clock) = (message.sender, message.clock.clone());
    let mut receipts = shared
        .ask(|reply| Asked::Replicate {
            messages: vec![Ok(message)],
            reply,
        })
        .await?;
    let receipt = receipts
        .pop()
        .unwrap_or_else(|| Err("no answer".to_string()))
        .map_err(bad)?;
    tracing::info!("from node {sender}, clock {clock:?}: {}", status(receipt));
    let code = match receipt {
        Receipt::Held => StatusCode::ACCEPTED,
        Receipt::Delivered | Receipt::Discarded => StatusCode::OK,
    };
    Ok((code, Json(json!({ "status": status(receipt) }))).into_response())
}

/// Several messages from one peer, in its send order, in one request (what
/// causal-nodes send each other): each is received as by `/replicate`, and
/// the answer lists what became of each, in order.
async fn replicate_batch(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    let messages = wire::replicate_batch(&body(raw)?).map_err(bad)?;
    let receipts = shared
        .ask(|reply| Asked::Replicate { messages, reply })
        .await?;
    let results: Vec<_> = receipts
        .into_iter()
        .map(|r| match r {
            Ok(receipt) => json!({ "status": status(receipt) }),
            Err(reason) => json!({ "error": shorten(&reason) }),
        })
        .collect();
    Ok(Json(json!({ "results": results })).into_response())
}

async fn store(State(shared): State<Arc<Shared>>) -> Result<Response, Refused> {
    let reader = Arc::clone(&shared);
    let view = tokio::task::spawn_blocking(move || reader.lock().view())
        .await
        .map_err(|e| Refused::from(Failure::Disk(e.to_string())))?
        .map_err(|e| Refused(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    Ok(Json(view).into_response())
}

async fn hold(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    set_hold(shared, raw, true).await
}

async fn release(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    set_hold(shared, raw, false).await
}

async fn set_hold(
    shared: Arc<Shared>,
    raw: Result<Bytes, BytesRejection>,
    hold: bool,
) -> Result<Response, Refused> {
    let asked = wire::peer(&body(raw)?).map_err(bad)?;
    let (peer, queued) = shared
        .ask(|reply| Asked::Hold {
            peer: asked.peer,
            hold,
            reply,
        })
        .await?;
    let status = if hold { "held" } else { "released" };
    Ok(Json(json!({ "status": status, "peer": peer, "queued": queued })).into_response())
}

/// The `after` of `GET /events?after=N` (0, the start, when absent).
fn after(uri: &Uri) -> Result<u64, String> {
    let Some(query) = uri.query() else {
        return Ok(0);
    };
    let mut after = 0;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == "after" {
            after = value.parse().map_err(|_| {
                let shown: String = value.chars().take(40).collect();
                format!("after must be a whole number of events (0 for the start), not {shown:?}")
            })?;
        }
    }
    Ok(after)
}

async fn events(State(shared): State<Arc<Shared>>, uri: Uri) -> Result<Response, Refused> {
    let after = after(&uri).map_err(bad)?;
    let durable = shared.durable();
    let read = tokio::task::spawn_blocking(move || durable.events(after, EVENTS_PAGE)).await;
    match read {
        Ok(Ok((events, next))) => {
            Ok(Json(json!({ "events": events, "next": next })).into_response())
        }
        Ok(Err(e)) => Err(Failure::Disk(e).into()),
        Err(e) => Err(Failure::Disk(e.to_string()).into()),
    }
}

async fn queues(State(shared): State<Arc<Shared>>) -> Result<Response, Refused> {
    let peers: Vec<ReplicaId> = (0..shared.held.len())
        .filter(|&j| j != shared.node_id)
        .collect();
    let durable = shared.durable();
    let read = tokio::task::spawn_blocking(move || {
        peers
            .into_iter()
            .map(|peer| {
                let queued = durable.queued(peer, 0, QUEUE_SHOWN, usize::MAX)?;
                let total = durable.queue_len(peer)?;
                let messages: Vec<Replicate> = queued
                    .iter()
                    .filter_map(|(_, bytes)| serde_json::from_slice(bytes).ok())
                    .collect();
                Ok((peer, messages, total))
            })
            .collect::<Result<Vec<_>, String>>()
    })
    .await;
    let listed = match read {
        Ok(Ok(listed)) => listed,
        Ok(Err(e)) => return Err(Failure::Disk(e).into()),
        Err(e) => return Err(Failure::Disk(e.to_string()).into()),
    };
    let peers: Vec<_> = listed
        .into_iter()
        .map(|(peer, queued, total)| {
            json!({
                "peer": peer,
                "held": shared.is_held(peer),
                "queued": queued,
                "total": total,
                "refused": shared.refused(peer),
            })
        })
        .collect();
    Ok(Json(json!({ "peers": peers })).into_response())
}

/// What the node keeps in memory: the messages whose contents it holds
/// (held back, or just delivered), how many are held, how many it
/// delivered in all, and its resident size where the system says.
async fn memory(State(shared): State<Arc<Shared>>) -> Result<Response, Refused> {
    let reader = Arc::clone(&shared);
    let mut figures = tokio::task::spawn_blocking(move || reader.lock().memory())
        .await
        .map_err(|e| Refused::from(Failure::Disk(e.to_string())))?;
    figures["resident_kb"] = resident_kb().map_or(serde_json::Value::Null, Into::into);
    Ok(Json(figures).into_response())
}

/// The process's resident set, in KiB (Linux's /proc).
fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

const ROUTES: &str = "POST /put, POST /replicate, GET /store, GET /, GET /events?after=N, POST /admin/hold, POST /admin/release, GET /admin/queues, GET /admin/memory";

async fn no_route(method: axum::http::Method, uri: Uri) -> Refused {
    Refused(
        StatusCode::NOT_FOUND,
        format!(
            "no such route: {method} {}; the routes are {ROUTES}",
            uri.path()
        ),
    )
}

async fn wrong_method(method: axum::http::Method, uri: Uri) -> Refused {
    let path = uri.path();
    let allowed = match path {
        "/put" | "/replicate" | "/replicate/batch" | "/admin/hold" | "/admin/release" => "POST",
        _ => "GET",
    };
    Refused(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{path} takes {allowed}, not {method}"),
    )
}
