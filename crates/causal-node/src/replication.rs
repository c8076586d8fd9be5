//! Replication: per peer, the outgoing queue (kept in the database) is
//! drained by one task, in order. To another causal-node it posts several
//! messages per request (`/replicate/batch`, over a kept-alive connection);
//! to a node that lacks that route (the original Python node, a student's)
//! it posts each message to `/replicate`, one after another. Either way a
//! peer receives one node's messages in the order they were queued. What
//! failed is retried with exponential backoff and jitter. A message leaves
//! the queue only once the peer acknowledged it (200 or 202), so nothing is
//! lost to a peer that is down, slow or restarting; one the peer refuses as
//! bad stays at the head of the queue, retried with backoff, and is reported
//! (an error in the log, and `GET /admin/queues`).

use std::sync::Arc;
use std::time::Duration;

use causal_core::ReplicaId;

use crate::client::Client;
use crate::server::{shorten, Shared};

/// The most messages in one batch...
const BATCH_COUNT: usize = 512;
/// ...and about the most bytes.
const BATCH_BYTES: usize = 1024 * 1024;
/// The first retry waits about this long, and each further one twice as long...
const BACKOFF_FIRST: Duration = Duration::from_millis(50);
/// ...up to this.
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long one post may take.
const TIMEOUT: Duration = Duration::from_secs(10);

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

/// What became of one attempt to send a run of messages.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// The numbers the peer acknowledged, in order.
    pub acknowledged: Vec<u64>,
    /// Where to go on from: the first message not acknowledged.
    pub resume: Option<u64>,
    /// The peer refused a message as bad: its number and why.
    pub refused: Option<(u64, String)>,
    /// The peer could not be reached, or failed.
    pub failed: Option<String>,
    /// The peer lacks `/replicate/batch`: send one message per request.
    pub no_batches: bool,
}

/// Posts `batch` (queued numbers and bodies, in order) to `base` in one
/// `/replicate/batch` request.
async fn send_batch(client: &Client, base: &str, batch: &[(u64, Vec<u8>)]) -> Sent {
    let mut body = Vec::with_capacity(batch.iter().map(|(_, b)| b.len() + 1).sum::<usize>() + 16);
    body.extend_from_slice(b"{\"messages\":[");
    for (i, (_, message)) in batch.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(message);
    }
    body.extend_from_slice(b"]}");
    let mut sent = Sent::default();
    let answer = match client.post(&format!("{base}/replicate/batch"), body).await {
        Ok(answer) => answer,
        Err(e) => {
            sent.failed = Some(e);
            sent.resume = batch.first().map(|(n, _)| *n);
            return sent;
        }
    };
    if answer.status == 404 || answer.status == 405 {
        sent.no_batches = true;
        sent.resume = batch.first().map(|(n, _)| *n);
        return sent;
    }
    if (400..500).contains(&answer.status) {
        // The whole batch refused as bad: say so of its first message.
        if let Some((n, _)) = batch.first() {
            sent.refused = Some((
                *n,
                format!("{} {}", answer.status, shorten(answer.text().trim())),
            ));
            sent.resume = Some(*n);
        }
        return sent;
    }
    let results = (answer.status == 200)
        .then(|| serde_json::from_slice::<serde_json::Value>(&answer.body).ok())
        .flatten()
        .and_then(|v| v.get("results").and_then(|r| r.as_array()).cloned())
        .filter(|results| results.len() == batch.len());
    let Some(results) = results else {
        sent.failed = Some(format!(
            "/replicate/batch answered {}: {}",
            answer.status,
            shorten(answer.text().trim())
        ));
        sent.resume = batch.first().map(|(n, _)| *n);
        return sent;
    };
    for ((n, _), result) in batch.iter().zip(results) {
        match result.get("error").and_then(|e| e.as_str()) {
            None => sent.acknowledged.push(*n),
            Some(reason) => {
                if sent.refused.is_none() {
                    sent.refused = Some((*n, reason.to_string()));
                    sent.resume = Some(*n);
                }
            }
        }
    }
    sent
}

/// Posts `batch` to `base`'s `/replicate`, one message after another.
async fn send_each(client: &Client, base: &str, batch: &[(u64, Vec<u8>)]) -> Sent {
    let url = format!("{base}/replicate");
    let mut sent = Sent::default();
    for (n, message) in batch {
        match client.post(&url, message.clone()).await {
            Ok(answer) if answer.status == 200 || answer.status == 202 => {
                sent.acknowledged.push(*n)
            }
            Ok(answer) if (400..500).contains(&answer.status) => {
                sent.refused = Some((
                    *n,
                    format!("{} {}", answer.status, shorten(answer.text().trim())),
                ));
                sent.resume = Some(*n);
                break;
            }
            Ok(answer) => {
                sent.failed = Some(format!(
                    "/replicate answered {}: {}",
                    answer.status,
                    shorten(answer.text().trim())
                ));
                sent.resume = Some(*n);
                break;
            }
            Err(e) => {
                sent.failed = Some(e);
                sent.resume = Some(*n);
                break;
            }
        }
    }
    sent
}

async fn drain(shared: Arc<Shared>, peer: ReplicaId, base: String) {
    let client = Client::new(TIMEOUT);
    let durable = shared.durable();
    let mut jitter = Jitter::new(peer);
    let mut backoff = BACKOFF_FIRST;
    let mut batches = true;
    // The first queued number not yet acknowledged (what was acknowledged
    // leaves the queue with a later commit; until then it is skipped here).
    let mut next = 0;
    let mut refused_before: Option<u64> = None;
    loop {
        if shared.is_held(peer) {
            shared.wake(peer).notified().await;
            continue;
        }
        let reader = Arc::clone(&durable);
        let batch = tokio::task::spawn_blocking(move || {
            reader.queued(peer, next, BATCH_COUNT, BATCH_BYTES)
        })
        .await;
        let batch = match batch.map_err(|e| e.to_string()) {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) | Err(e) => {
                tracing::error!(peer, "cannot read the queue: {e}");
                tokio::time::sleep(jitter.spread(BACKOFF_MAX)).await;
                continue;
            }
        };
        if batch.is_empty() {
            // Woken by a write or a release; the timeout is only a safety net.
            let _ =
                tokio::time::timeout(Duration::from_secs(1), shared.wake(peer).notified()).await;
            continue;
        }
        let sent = if batches {
            send_batch(&client, &base, &batch).await
        } else {
            send_each(&client, &base, &batch).await
        };
        if sent.no_batches {
            tracing::info!(
                peer,
                "{base} has no /replicate/batch: one message per request"
            );
            batches = false;
            continue;
        }
        let progress = !sent.acknowledged.is_empty();
        if let Some(last) = sent.acknowledged.last() {
            tracing::info!(peer, "{} replicated to {base}", sent.acknowledged.len());
            next = last + 1;
        }
        if let Some(resume) = sent.resume {
            next = resume;
        }
        if !sent.acknowledged.is_empty() {
            shared.acknowledged(peer, sent.acknowledged).await;
        }
        match (&sent.refused, &sent.failed) {
            (Some((n, reason)), _) => {
                if refused_before != Some(*n) {
                    tracing::error!(
                        peer,
                        entry = n,
                        "{base} refuses a queued message as bad, so what follows it waits: {reason}"
                    );
                    refused_before = Some(*n);
                }
                shared.set_refused(peer, Some(reason.clone()));
            }
            (None, Some(e)) => tracing::info!(peer, "cannot reach {base}: {e}"),
            (None, None) => {
                if refused_before.take().is_some() {
                    tracing::warn!(peer, "{base} accepts the queue again");
                }
                shared.set_refused(peer, None);
            }
        }
        if sent.refused.is_some() || sent.failed.is_some() {
            // The wait grows only while nothing gets through.
            if progress {
                backoff = BACKOFF_FIRST;
            }
            tokio::time::sleep(jitter.spread(backoff)).await;
            if !progress {
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        } else {
            backoff = BACKOFF_FIRST;
        }
    }
}
