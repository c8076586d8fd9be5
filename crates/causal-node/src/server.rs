//! The HTTP API: the original nodes' routes, and the admin routes that hold
//! and release a link.

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
use tokio::sync::Notify;
use tower_http::cors::CorsLayer;

use crate::durable::Durable;
use crate::node::{status, Failure, Node};
use crate::wire::{self, Replicate, BODY_LIMIT};

/// The most events one `GET /events` returns.
pub const EVENTS_PAGE: usize = 500;
/// The most messages `GET /admin/queues` lists per peer.
pub const QUEUE_SHOWN: usize = 500;

/// What the handlers and the senders share.
pub struct Shared {
    node: Mutex<Node>,
    durable: Arc<Durable>,
    node_id: ReplicaId,
    /// Per node number: wakes that peer's sender (unused for this node).
    wake: Vec<Notify>,
    /// Per node number: whether that peer is held (mirrors the node's, read
    /// by the senders without taking the node's lock).
    held: Vec<std::sync::atomic::AtomicBool>,
}

impl Shared {
    /// Shares `node`.
    pub fn new(node: Node) -> Arc<Self> {
        let nodes = node.config().nodes;
        let held = (0..nodes)
            .map(|j| std::sync::atomic::AtomicBool::new(node.is_held(j)))
            .collect();
        Arc::new(Shared {
            durable: node.durable(),
            node_id: node.config().node_id,
            wake: (0..nodes).map(|_| Notify::new()).collect(),
            held,
            node: Mutex::new(node),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Node> {
        // A panic while locked cannot leave the replica half-changed on disk
        // (one transaction per request), so the lock is taken over.
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
        self.held[peer].load(std::sync::atomic::Ordering::SeqCst)
    }

    fn wake_all(&self) {
        for (j, wake) in self.wake.iter().enumerate() {
            if j != self.node_id {
                wake.notify_one();
            }
        }
    }
}

/// The routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(running))
        .route("/put", post(put))
        .route("/replicate", post(replicate))
        .route("/store", get(store))
        .route("/admin/hold", post(hold))
        .route("/admin/release", post(release))
        .route("/events", get(events))
        .route("/admin/queues", get(queues))
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
        // One line, whatever went wrong.
        let reason = self.1.replace(['\n', '\r'], " ");
        (self.0, Json(json!({ "error": reason }))).into_response()
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

/// Runs `f` on the node off the async threads (it waits for the disk).
async fn on_node<T: Send + 'static>(
    shared: &Arc<Shared>,
    f: impl FnOnce(&mut Node) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Refused> {
    let shared = Arc::clone(shared);
    match tokio::task::spawn_blocking(move || f(&mut shared.lock())).await {
        Ok(result) => result.map_err(Refused::from),
        Err(e) => Err(Failure::Disk(format!("the request failed: {e}")).into()),
    }
}

async fn running(State(shared): State<Arc<Shared>>) -> String {
    format!("Node {} is running", shared.node_id)
}

async fn put(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    let put = wire::put(&body(raw)?).map_err(bad)?;
    let clock = on_node(&shared, move |node| node.put(&put.key, &put.value)).await?;
    shared.wake_all();
    Ok(Json(json!({ "status": "stored", "vector_clock": clock.entries() })).into_response())
}

async fn replicate(
    State(shared): State<Arc<Shared>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Refused> {
    let message = wire::replicate(&body(raw)?).map_err(bad)?;
    let (sender, clock) = (message.sender, message.clock.clone());
    let receipt = on_node(&shared, move |node| node.replicate(message)).await?;
    tracing::info!("from node {sender}, clock {clock:?}: {}", status(receipt));
    let code = match receipt {
        Receipt::Held => StatusCode::ACCEPTED,
        Receipt::Delivered | Receipt::Discarded => StatusCode::OK,
    };
    Ok((code, Json(json!({ "status": status(receipt) }))).into_response())
}

async fn store(State(shared): State<Arc<Shared>>) -> Result<Response, Refused> {
    let view = on_node(&shared, |node| Ok(node.view())).await?;
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
    let (peer, queued) = on_node(&shared, move |node| {
        let peer = node.peer(asked.peer)?;
        node.set_hold(peer, hold)?;
        Ok((peer, node.durable().queue_len(peer).unwrap_or(0)))
    })
    .await?;
    shared.held[peer].store(hold, std::sync::atomic::Ordering::SeqCst);
    shared.wake[peer].notify_one();
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
                let queued = durable.queued(peer, QUEUE_SHOWN)?;
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
            })
        })
        .collect();
    Ok(Json(json!({ "peers": peers })).into_response())
}
