//! The other replicas, as the node under test sees them: one HTTP listener
//! per peer that records every `POST /replicate` the node sends. The engine
//! plays what they do with it; these only listen.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;

use crate::api::{shorten, WireMessage};

/// One message the node sent: to which listener (0 to peers-1), and its
/// body, or why the body is not a message.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The listener it reached.
    pub listener: usize,
    /// The message, or the body quoted and what is wrong with it.
    pub body: Result<WireMessage, String>,
}

#[derive(Default)]
struct Inbox {
    sent: Mutex<Vec<Sent>>,
    arrived: Condvar,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Vec<Sent>> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The listeners, served on a thread of their own until dropped.
pub struct Peers {
    addrs: Vec<SocketAddr>,
    inbox: Arc<Inbox>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Peers {
    /// Listens on `addrs` (port 0: one chosen now).
    pub fn start(addrs: &[SocketAddr]) -> io::Result<Peers> {
        let listeners = addrs
            .iter()
            .map(|addr| {
                let listener = std::net::TcpListener::bind(addr)?;
                listener.set_nonblocking(true)?;
                Ok(listener)
            })
            .collect::<io::Result<Vec<_>>>()?;
        let bound = listeners
            .iter()
            .map(std::net::TcpListener::local_addr)
            .collect::<io::Result<Vec<_>>>()?;
        let inbox = Arc::new(Inbox::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        let served = inbox.clone();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                for (index, listener) in listeners.into_iter().enumerate() {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        continue;
                    };
                    let app = Router::new()
                        .route("/replicate", post(record))
                        .with_state((index, served.clone()));
                    tokio::spawn(async move {
                        let _ = axum::serve(listener, app).await;
                    });
                }
                let _ = stopped.await;
            });
        });
        Ok(Peers {
            addrs: bound,
            inbox,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URLs, listener by listener.
    pub fn urls(&self) -> Vec<String> {
        self.addrs.iter().map(|a| format!("http://{a}")).collect()
    }

    /// Everything sent since the last call.
    pub fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.inbox.lock())
    }

    /// Waits until something is sent or `deadline` passes; then takes it.
    pub fn wait(&self, deadline: Instant) -> Vec<Sent> {
        let mut sent = self.inbox.lock();
        while sent.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            sent = match self.inbox.arrived.wait_timeout(sent, deadline - now) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
        std::mem::take(&mut *sent)
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn record(
    State((listener, inbox)): State<(usize, Arc<Inbox>)>,
    body: String,
) -> (StatusCode, String) {
    let parsed =
        serde_json::from_str::<WireMessage>(&body).map_err(|e| format!("{} ({e})", shorten(&body)));
    let answer = match &parsed {
        Ok(_) => (StatusCode::OK, r#"{"status":"applied"}"#.to_string()),
        Err(why) => (StatusCode::BAD_REQUEST, why.clone()),
    };
    inbox.lock().push(Sent {
        listener,
        body: parsed,
    });
    inbox.arrived.notify_all();
    answer
}
