//! Replication: per peer, the outgoing queue (kept in the database) is
//! drained by one task, which posts each message to `{peer}/replicate` and
//! retries what failed with exponential backoff and jitter. A message leaves
//! the queue only once the peer acknowledged it (200 or 202), so nothing is
//! lost to a peer that is down, slow or restarting, and nothing it
//! acknowledged is sent again.

use std::sync::Arc;
use std::time::Duration;

use causal_core::ReplicaId;
use tokio::task::JoinSet;

use crate::client::Client;
use crate::server::Shared;

/// How many messages to one peer may be on the wire at once.
const WINDOW: usize = 32;
/// The first retry waits about this long, and each further one twice as long...
const BACKOFF_FIRST: Duration = Duration::from_millis(50);
/// ...up to this.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How long one post may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Starts one sender per peer.
pub fn start(shared: &Arc<Shared>, peers: Vec<(ReplicaId, String)>) {
    for (peer, url) in peers {
        tokio::spawn(drain(Arc::clone(shared), peer, url));
    }
}

/// A small generator for jitter (not the engine: this is timing only).
struct Jitter(u64);

impl Jitter {
    fn new(peer: ReplicaId) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Jitter(nanos ^ ((peer as u64 + 1) << 32) | 1)
    }

    /// A duration between half of `d` and `d`.
    fn spread(&mut self, d: Duration) -> Duration {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let half = d.as_millis() as u64 / 2;
        Duration::from_millis(half + self.0 % (half + 1))
    }
}

enum Outcome {
    Acknowledged(&'static str),
    Refused(u16, String),
    Failed(String),
}

async fn post(client: Client, url: String, body: Vec<u8>) -> Outcome {
    match client.post(&url, body).await {
        Ok(answer) => match answer.status {
            200 => Outcome::Acknowledged("200"),
            202 => Outcome::Acknowledged("202"),
            code => Outcome::Refused(code, answer.text()),
        },
        Err(e) => Outcome::Failed(e),
    }
}

async fn drain(shared: Arc<Shared>, peer: ReplicaId, base: String) {
    let url = format!("{base}/replicate");
    let client = Client::new(TIMEOUT);
    let durable = shared.durable();
    let mut jitter = Jitter::new(peer);
    let mut backoff = BACKOFF_FIRST;
    loop {
        if shared.is_held(peer) {
            shared.wake(peer).notified().await;
            continue;
        }
        let reader = Arc::clone(&durable);
        let batch = tokio::task::spawn_blocking(move || reader.queued(peer, WINDOW)).await;
        let batch = match batch.map_err(|e| e.to_string()) {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) | Err(e) => {
                tracing::error!(peer, "cannot read the queue: {e}");
                tokio::time::sleep(BACKOFF_MAX).await;
                continue;
            }
        };
        if batch.is_empty() {
            // Woken by a write or a release; the timeout is only a safety net.
            let _ =
                tokio::time::timeout(Duration::from_secs(1), shared.wake(peer).notified()).await;
            continue;
        }
        let mut posts = JoinSet::new();
        for (n, body) in batch {
            let post = post(client.clone(), url.clone(), body);
            posts.spawn(async move { (n, post.await) });
        }
        let mut acknowledged = Vec::new();
        let mut failed = 0;
        while let Some(joined) = posts.join_next().await {
            let Ok((n, outcome)) = joined else {
                failed += 1;
                continue;
            };
            match outcome {
                Outcome::Acknowledged(code) => {
                    tracing::info!(peer, entry = n, "replicated to {base}: {code}");
                    acknowledged.push(n);
                }
                Outcome::Refused(code, body) => {
                    failed += 1;
                    tracing::warn!(peer, entry = n, "{base} refused: {code} {}", body.trim());
                }
                Outcome::Failed(e) => {
                    failed += 1;
                    tracing::info!(peer, entry = n, "cannot reach {base}: {e}");
                }
            }
        }
        if !acknowledged.is_empty() {
            let writer = Arc::clone(&durable);
            let done =
                tokio::task::spawn_blocking(move || writer.acknowledged(peer, &acknowledged)).await;
            if let Ok(Err(e)) | Err(e) = done.map_err(|e| e.to_string()) {
                tracing::error!(peer, "cannot trim the queue: {e}");
            }
        }
        if failed > 0 {
            let wait = jitter.spread(backoff);
            tracing::info!(peer, "{failed} not acknowledged; retrying in {wait:?}");
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        } else {
            backoff = BACKOFF_FIRST;
        }
    }
}
