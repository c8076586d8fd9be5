//! Group commit: one thread applies the node's requests in groups. Each
//! group is one write transaction: every request in it runs the engine and
//! writes its changes, then the transaction is committed, and only then is
//! any request of the group answered. Requests that arrive while a group is
//! being committed make the next group, so under load many writes share one
//! commit and none is acknowledged before its commit. A failed commit
//! answers every request of its group "not stored" and puts the replica back
//! to what the disk holds.

use std::sync::{Arc, MutexGuard};

use causal_core::{Receipt, ReplicaId, VectorClock};
use tokio::sync::{mpsc, oneshot};

use crate::durable::Tables;
use crate::node::{Failure, Node};
use crate::wire::Replicate;

/// The most requests in one group.
const GROUP_MAX: usize = 1024;

/// How a request is answered, once its group is committed.
pub type Reply<T> = oneshot::Sender<Result<T, Failure>>;

/// One request to the node.
pub enum Request {
    /// `POST /put`.
    Put {
        key: String,
        value: String,
        reply: Reply<VectorClock>,
    },
    /// `POST /replicate` (one message) or `/replicate/batch` (several, in
    /// order): what became of each, or why it was refused.
    Replicate {
        messages: Vec<Result<Replicate, String>>,
        reply: Reply<Vec<Result<Receipt, String>>>,
    },
    /// `POST /admin/hold` and `/admin/release`: the peer, and how many
    /// messages are queued for it.
    Hold {
        peer: i64,
        hold: bool,
        reply: Reply<(ReplicaId, usize)>,
    },
    /// A peer acknowledged these messages: they leave its queue.
    Acknowledged { peer: ReplicaId, numbers: Vec<u64> },
}

/// A request applied, waiting for its group's commit.
enum Applied {
    Put(Reply<VectorClock>, Result<VectorClock, Failure>),
    Replicate(
        Reply<Vec<Result<Receipt, String>>>,
        Result<Vec<Result<Receipt, String>>, Failure>,
    ),
    Hold(
        Reply<(ReplicaId, usize)>,
        Result<(ReplicaId, usize), Failure>,
        bool,
    ),
    /// A trim that could not be written: the group fails.
    Failed(String),
    Nothing,
}

/// What the commit thread needs of the node it commits for (the server's
/// shared state): the node itself, a way to say whether commits fail, and
/// the peers' senders to wake.
pub trait Host: Send + Sync + 'static {
    /// The node, locked.
    fn lock(&self) -> MutexGuard<'_, Node>;
    /// Commits fail, for `reason`, until one succeeds.
    fn broken(&self, reason: String);
    /// A commit succeeded.
    fn healthy(&self);
    /// Every peer's sender has something new to send.
    fn wake_all(&self);
    /// `peer` is held (or released) by a partition the node was told of.
    fn set_held(&self, peer: ReplicaId, hold: bool);
}

/// The channel to the committing thread, and the thread.
pub fn start<H: Host>(shared: &Arc<H>, mut requests: mpsc::Receiver<Request>) {
    let shared = Arc::clone(shared);
    std::thread::Builder::new()
        .name("group-commit".into())
        .spawn(move || {
            while let Some(first) = requests.blocking_recv() {
                let mut group = vec![first];
                while group.len() < GROUP_MAX {
                    match requests.try_recv() {
                        Ok(request) => group.push(request),
                        Err(_) => break,
                    }
                }
                let committed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    commit(&*shared, group)
                }));
                if committed.is_err() {
                    // The group's requests are answered "not stored" (their
                    // replies were dropped); the replica goes back to what
                    // the disk holds before the next group.
                    let reason = "the commit failed unexpectedly".to_string();
                    shared.lock().mark_stale(&reason);
                    shared.broken(reason);
                }
            }
        })
        .expect("start the group-commit thread");
}

fn commit(shared: &impl Host, group: Vec<Request>) {
    let mut node = shared.lock();
    let mut applied = Vec::with_capacity(group.len());
    // Still ahead of the disk after an earlier failure: go back first.
    if let Some(reason) = node.stale().map(str::to_string) {
        if let Err(e) = node.roll_back(&reason) {
            let reason = format!("{reason}; and the state cannot be reloaded: {e}");
            shared.broken(reason.clone());
            drop(node);
            for request in group {
                answer(shared, refuse(request, &reason), Some(&reason));
            }
            return;
        }
    }
    let before = node.acknowledged();
    let outcome = match node.durable().begin() {
        Err(e) => {
            applied.extend(group.into_iter().map(|r| refuse(r, &e)));
            Err(e)
        }
        Ok(txn) => {
            let mut failed = None;
            match Tables::open(&txn) {
                Err(e) => {
                    applied.extend(group.into_iter().map(|r| refuse(r, &e)));
                    failed = Some(e);
                }
                Ok(mut tables) => {
                    for request in group {
                        match &failed {
                            Some(reason) => applied.push(refuse(request, reason)),
                            None => {
                                let one = apply(&mut node, &mut tables, request);
                                failed = disk_failure(&one);
                                applied.push(one);
                            }
                        }
                    }
                }
            }
            match failed {
                Some(reason) => {
                    // Dropped, not aborted: after a failed write redb's
                    // abort asserts, while its drop gives the pages back.
                    drop(txn);
                    Err(reason)
                }
                None => txn.commit().map_err(|e| format!("commit: {e}")),
            }
        }
    };
    let wrote = applied.iter().any(|a| matches!(a, Applied::Put(_, Ok(_))));
    match &outcome {
        Ok(()) => {
            shared.healthy();
            let now = node.acknowledged();
            if now != before {
                // Before any request of the group is answered.
                if let Err(e) = node.durable().acknowledge(now) {
                    tracing::error!("{e}");
                }
            }
        }
        Err(reason) => {
            if let Err(e) = node.roll_back(reason) {
                shared.broken(format!("{reason}; and the state cannot be reloaded: {e}"));
            } else {
                shared.broken(reason.clone());
            }
        }
    }
    drop(node);
    for one in applied {
        answer(shared, one, outcome.as_ref().err());
    }
    if wrote && outcome.is_ok() {
        shared.wake_all();
    }
}

fn apply(node: &mut Node, tables: &mut Tables<'_>, request: Request) -> Applied {
    match request {
        Request::Put { key, value, reply } => {
            let result = node.put(tables, &key, &value);
            Applied::Put(reply, result)
        }
        Request::Replicate { messages, reply } => {
            let mut results = Vec::with_capacity(messages.len());
            for message in messages {
                match message.map(|m| node.replicate(tables, m)) {
                    Ok(Ok(receipt)) => results.push(Ok(receipt)),
                    Ok(Err(Failure::Bad(reason))) | Err(reason) => results.push(Err(reason)),
                    Ok(Err(disk @ Failure::Disk(_))) => {
                        return Applied::Replicate(reply, Err(disk));
                    }
                }
            }
            Applied::Replicate(reply, Ok(results))
        }
        Request::Hold { peer, hold, reply } => {
            let result = node.peer(peer).and_then(|peer| {
                node.set_hold(tables, peer, hold)?;
                let queued = tables.queue_len(peer).map_err(Failure::Disk)?;
                Ok((peer, queued))
            });
            Applied::Hold(reply, result, hold)
        }
        Request::Acknowledged { peer, numbers } => {
            match tables.acknowledged(peer, &numbers) {
                Ok(()) => Applied::Nothing,
                // The group fails; the messages are sent again later, and
                // the peer discards them as duplicates.
                Err(e) => Applied::Failed(e),
            }
        }
    }
}

fn disk_failure(applied: &Applied) -> Option<String> {
    let failure = match applied {
        Applied::Put(_, Err(f)) => f,
        Applied::Replicate(_, Err(f)) => f,
        Applied::Hold(_, Err(f), _) => f,
        Applied::Failed(reason) => return Some(reason.clone()),
        _ => return None,
    };
    match failure {
        Failure::Disk(reason) => Some(reason.clone()),
        Failure::Bad(_) => None,
    }
}

/// A request its group could not store.
fn refuse(request: Request, reason: &str) -> Applied {
    let failure = || Failure::Disk(reason.to_string());
    match request {
        Request::Put { reply, .. } => Applied::Put(reply, Err(failure())),
        Request::Replicate { reply, .. } => Applied::Replicate(reply, Err(failure())),
        Request::Hold { reply, hold, .. } => Applied::Hold(reply, Err(failure()), hold),
        Request::Acknowledged { .. } => Applied::Nothing,
    }
}

/// Answers one request: what it did if its group was committed; else, unless
/// it was refused as bad (which changed nothing), "not stored".
fn answer(shared: &impl Host, applied: Applied, failed: Option<&String>) {
    fn settle<T>(result: Result<T, Failure>, failed: Option<&String>) -> Result<T, Failure> {
        match (result, failed) {
            (Err(Failure::Bad(reason)), _) => Err(Failure::Bad(reason)),
            (_, Some(reason)) => Err(Failure::Disk(reason.clone())),
            (result, None) => result,
        }
    }
    match applied {
        Applied::Put(reply, result) => {
            let _ = reply.send(settle(result, failed));
        }
        Applied::Replicate(reply, result) => {
            let _ = reply.send(settle(result, failed));
        }
        Applied::Hold(reply, result, hold) => {
            let result = settle(result, failed);
            if let Ok((peer, _)) = &result {
                shared.set_held(*peer, hold);
            }
            let _ = reply.send(result);
        }
        Applied::Failed(_) | Applied::Nothing => {}
    }
}
