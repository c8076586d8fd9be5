//! What a node keeps on disk, in one redb file under its data directory.
//!
//! Every write made and every message received (not duplicates) is appended
//! to a log, in order; the engine is deterministic, so replaying the log
//! rebuilds the replica exactly. Beside the log the store, the clock, the
//! hold-back buffer and what was delivered are kept as they are (and checked
//! against the replay on start), and each peer's outgoing queue. Requests are
//! written in groups, one transaction per group, committed before any of
//! them is answered (group commit).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use causal_core::{Config, Dot, Event, NodeEvent, NodeEventKind, ReplicaId, Site, Value};
use redb::{
    Database, ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction,
};
use serde::{Deserialize, Serialize};

use crate::wire::Replicate;

/// Arrival number to the message (JSON), own writes included.
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// Key to its value (JSON, as `GET /store` shows it).
const STORE: TableDefinition<&str, &[u8]> = TableDefinition::new("store");
/// Held messages by dot (sender, sequence number) to the message (JSON).
const HELD: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("held");
/// Delivery number to the dot delivered.
const DELIVERED: TableDefinition<u64, (u64, u64)> = TableDefinition::new("delivered");
/// (peer, arrival number of the write) to the message to send (JSON).
const OUTBOX: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("outbox");
/// Event number (from 1) to the event (JSON `{"kind","message"}`), for
/// `GET /events`: written in the transaction of the change it describes.
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// "identity", "clock", "holds".
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// What a data directory was made for; it is never reopened as another node.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Identity {
    node_id: ReplicaId,
    nodes: usize,
    delivery: String,
    conflicts: String,
}

/// The database of one node. After a failed write redb refuses every
/// further transaction until the file is opened again, so it can be.
pub struct Durable {
    db: RwLock<Option<Database>>,
    path: PathBuf,
    /// The file held data before this node opened it.
    existed: bool,
    /// What the node acknowledged last, kept beside the database (see
    /// [`Durable::acknowledge`]).
    record: Mutex<std::fs::File>,
    record_path: PathBuf,
    /// What that file said when the node started.
    recorded: Option<Acknowledged>,
}

/// How much a node had acknowledged: entries in its log (its writes and
/// the messages it received), and its own writes among them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acknowledged {
    pub arrivals: u64,
    pub writes: u64,
}

/// A log entry that is no message: the node lost its history after making
/// this many writes, and took up its numbering there.
#[derive(Serialize, Deserialize)]
struct Resumed {
    resumed_after: u64,
}

/// What a node comes back with.
pub struct Restored {
    pub site: Site,
    /// Entries in the log.
    pub arrivals: u64,
    /// Peers whose queue is held.
    pub holds: BTreeSet<ReplicaId>,
    /// The number the next event gets.
    pub next_event: u64,
}

/// One event as it is kept (its number is its key).
#[derive(Serialize, Deserialize)]
struct Logged {
    kind: NodeEventKind,
    message: Replicate,
}

/// One request's changes, written in one transaction.
#[derive(Default)]
pub struct Change {
    /// The arrival to log, with its number.
    pub arrival: Option<(u64, Replicate)>,
    /// (peer, arrival number, message) to queue.
    pub outgoing: Vec<(ReplicaId, u64, Vec<u8>)>,
    /// What happened, in order, numbered from the first number given.
    pub events: Vec<(NodeEventKind, Replicate)>,
    /// The number of the first of `events`.
    pub first_event: u64,
}

fn disk(context: &str, e: impl std::fmt::Display) -> String {
    format!("{context}: {e}")
}

impl Durable {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: &Path) -> Result<Self, String> {
        let shown = dir.display();
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the data directory {shown}: {e}"))?;
        let probe = dir.join(".writable");
        std::fs::write(&probe, b"")
            .map_err(|e| format!("the data directory {shown} is not writable: {e}"))?;
        let _ = std::fs::remove_file(&probe);
        let path = dir.join("node.redb");
        let existed = path.exists();
        let db = create(&path).map_err(|e| match e {
            Opening::InUse => {
                format!("the data directory {shown} is in use by another running node")
            }
            Opening::Failed(e) => e,
        })?;
        let record_path = dir.join("acknowledged");
        let mut record = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&record_path)
            .map_err(|e| format!("cannot open {}: {e}", record_path.display()))?;
        let mut text = String::new();
        let _ = record.read_to_string(&mut text);
        let recorded = parse_record(&text);
        Ok(Durable {
            db: RwLock::new(Some(db)),
            path,
            existed,
            record: Mutex::new(record),
            record_path,
            recorded,
        })
    }

    /// What the node had acknowledged when it last stopped, as the file
    /// beside the database says (none if it says nothing readable).
    pub fn recorded(&self) -> Option<Acknowledged> {
        self.recorded
    }

    /// Keeps what the node has acknowledged, once a commit is done and
    /// before any of its requests is answered, in a small file of its own
    /// beside the database. redb, finding its newest commit damaged after
    /// a crash, silently reads the file back at the one before; this file
    /// is not redb's, so a node that comes back with less than it
    /// acknowledged can tell, and say so. It is overwritten in place, one
    /// short write, not flushed to the device: it survives the process
    /// being killed, and after a power cut it can only be behind, never
    /// ahead (it is written after the commit), so it never raises a false
    /// alarm.
    pub fn acknowledge(&self, done: Acknowledged) -> Result<(), String> {
        let mut file = self.record.lock().unwrap_or_else(|p| p.into_inner());
        let line = format!("{:020} {:020}\n", done.arrivals, done.writes);
        file.seek(std::io::SeekFrom::Start(0))
            .and_then(|_| file.write_all(line.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", self.record_path.display()))
    }

    /// Opens the file again, after a failed write (redb repairs it if it
    /// must); until then every transaction is refused.
    pub fn reopen(&self) -> Result<(), String> {
        let mut db = self.db.write().unwrap_or_else(|p| p.into_inner());
        *db = None;
        // A reader may still hold the old one for a moment.
        for _ in 0..50 {
            match create(&self.path) {
                Ok(opened) => {
                    *db = Some(opened);
                    return Ok(());
                }
                Err(Opening::InUse) => std::thread::sleep(std::time::Duration::from_millis(10)),
                Err(Opening::Failed(e)) => return Err(e),
            }
        }
        Err(format!(
            "cannot open {} again: still in use",
            self.path.display()
        ))
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, String> {
        let db = self.db.read().unwrap_or_else(|p| p.into_inner());
        match db.as_ref() {
            Some(db) => db.begin_read().map_err(|e| disk("begin", e)),
            None => Err(format!("{} is not open", self.path.display())),
        }
    }

    fn begin_write(&self) -> Result<WriteTransaction, String> {
        let db = self.db.read().unwrap_or_else(|p| p.into_inner());
        match db.as_ref() {
            Some(db) => db.begin_write().map_err(|e| disk("begin", e)),
            None => Err(format!("{} is not open", self.path.display())),
        }
    }

    /// Makes the file ready for node `node_id` under `config`: a file made
    /// for another node is refused, and so is one that held data but has
    /// no history (emptied, or cut to 0 bytes), unless `empty_ok`: a node
    /// that lost its history would number its writes from 1 again, and its
    /// peers would discard them as duplicates.
    pub fn prepare(
        &self,
        node_id: ReplicaId,
        config: Config,
        empty_ok: bool,
    ) -> Result<(), String> {
        let identity = Identity {
            node_id,
            nodes: config.replicas,
            delivery: config.delivery.name().to_string(),
            conflicts: config.conflicts.name().to_string(),
        };
        let shown = self.path.display();
        let txn = self.begin_write()?;
        {
            let mut meta = txn.open_table(META).map_err(|e| disk("meta", e))?;
            let kept = meta
                .get("identity")
                .map_err(|e| disk("meta", e))?
                .map(|v| v.value().to_vec());
            match kept {
                Some(bytes) => check_identity(&shown.to_string(), &bytes, &identity)?,
                None if self.existed && !empty_ok => {
                    return Err(format!(
                        "{shown} holds no history (it is empty or was cut to nothing): this node's writes would be numbered from 1 again, and its peers would discard them as duplicates; restore the file, or start with --empty-history to take up its numbering from its peers"
                    ));
                }
                None => {
                    let bytes = serde_json::to_vec(&identity).map_err(|e| disk("meta", e))?;
                    meta.insert("identity", bytes.as_slice())
                        .map_err(|e| disk("meta", e))?;
                }
            }
            // Every table exists from the start, so readers never miss one.
            txn.open_table(LOG).map_err(|e| disk("log", e))?;
            txn.open_table(STORE).map_err(|e| disk("store", e))?;
            txn.open_table(HELD).map_err(|e| disk("held", e))?;
            txn.open_table(DELIVERED)
                .map_err(|e| disk("delivered", e))?;
            txn.open_table(OUTBOX).map_err(|e| disk("outbox", e))?;
            txn.open_table(EVENTS).map_err(|e| disk("events", e))?;
        }
        txn.commit().map_err(|e| disk("commit", e))
    }

    /// Rebuilds the replica from the log, checks it against what was kept,
    /// and returns it (reading only).
    pub fn restore(&self, node_id: ReplicaId, config: Config) -> Result<Restored, String> {
        self.replay(node_id, config)
    }

    fn replay(&self, node_id: ReplicaId, config: Config) -> Result<Restored, String> {
        let shown = self.path.display();
        let damaged = |what: &str| format!("{shown} is damaged: {what}");
        let mut site = Site::new(node_id, config).map_err(|e| e.to_string())?;
        let txn = self.begin_read()?;
        let log = txn.open_table(LOG).map_err(|e| disk("log", e))?;
        let mut arrivals = 0;
        for entry in log.iter().map_err(|e| disk("log", e))? {
            let (n, bytes) = entry.map_err(|e| disk("log", e))?;
            let message: Replicate = match serde_json::from_slice(bytes.value()) {
                Ok(message) => message,
                Err(e) => match serde_json::from_slice::<Resumed>(bytes.value()) {
                    Ok(resumed) => {
                        site.resume(resumed.resumed_after);
                        arrivals = n.value() + 1;
                        continue;
                    }
                    Err(_) => return Err(damaged(&format!("log entry {}: {e}", n.value()))),
                },
            };
            if message.sender == node_id {
                site.write(&message.key, &message.value);
            } else {
                site.receive(
                    message.sender,
                    &message.key,
                    &message.value,
                    message.vector_clock(),
                )
                .map_err(|e| damaged(&format!("log entry {}: {e}", n.value())))?;
            }
            arrivals = n.value() + 1;
        }
        // What was kept must be what the log rebuilds.
        let meta = txn.open_table(META).map_err(|e| disk("meta", e))?;
        let clock: Vec<u64> = match meta.get("clock").map_err(|e| disk("meta", e))? {
            Some(bytes) => {
                serde_json::from_slice(bytes.value()).map_err(|e| damaged(&e.to_string()))?
            }
            None => vec![0; config.replicas],
        };
        if clock != site.replica().clock().entries() {
            return Err(damaged("its clock disagrees with its log"));
        }
        let store = txn.open_table(STORE).map_err(|e| disk("store", e))?;
        let mut kept = BTreeMap::new();
        for entry in store.iter().map_err(|e| disk("store", e))? {
            let (key, value) = entry.map_err(|e| disk("store", e))?;
            let value: Value =
                serde_json::from_slice(value.value()).map_err(|e| damaged(&e.to_string()))?;
            kept.insert(key.value().to_string(), value);
        }
        if kept != site.replica().store().to_map() {
            return Err(damaged("its store disagrees with its log"));
        }
        let held = txn.open_table(HELD).map_err(|e| disk("held", e))?;
        let mut held_dots = BTreeSet::new();
        for entry in held.iter().map_err(|e| disk("held", e))? {
            let (dot, _) = entry.map_err(|e| disk("held", e))?;
            held_dots.insert(dot.value());
        }
        let rebuilt: BTreeSet<(u64, u64)> = site
            .held()
            .map(|m| (m.sender as u64, m.dot().seq))
            .collect();
        if held_dots != rebuilt {
            return Err(damaged("its hold-back buffer disagrees with its log"));
        }
        let delivered = txn
            .open_table(DELIVERED)
            .map_err(|e| disk("delivered", e))?;
        if delivered.len().map_err(|e| disk("delivered", e))? != site.replica().delivered_count() {
            return Err(damaged(
                "its list of delivered messages disagrees with its log",
            ));
        }
        let holds = match meta.get("holds").map_err(|e| disk("meta", e))? {
            Some(bytes) => {
                serde_json::from_slice(bytes.value()).map_err(|e| damaged(&e.to_string()))?
            }
            None => BTreeSet::new(),
        };
        let events = txn.open_table(EVENTS).map_err(|e| disk("events", e))?;
        let next_event = match events.last().map_err(|e| disk("events", e))? {
            Some((seq, _)) => seq.value() + 1,
            None => 1,
        };
        Ok(Restored {
            site,
            arrivals,
            holds,
            next_event,
        })
    }

    /// Begins the write transaction of one group of requests (group
    /// commit): every request of the group writes into it, and none is
    /// answered before it is committed.
    pub fn begin(&self) -> Result<WriteTransaction, String> {
        self.begin_write()
    }

    /// Messages queued for `peer` from arrival number `from` on, oldest
    /// first: at most `limit` of them and, past the first, at most `bytes`
    /// bytes in all.
    pub fn queued(
        &self,
        peer: ReplicaId,
        from: u64,
        limit: usize,
        bytes: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, String> {
        let txn = self.begin_read()?;
        let outbox = txn.open_table(OUTBOX).map_err(|e| disk("outbox", e))?;
        let peer = peer as u64;
        let mut out = Vec::new();
        let mut size = 0;
        for entry in outbox
            .range((peer, from)..=(peer, u64::MAX))
            .map_err(|e| disk("outbox", e))?
            .take(limit)
        {
            let (key, value) = entry.map_err(|e| disk("outbox", e))?;
            size += value.value().len();
            if !out.is_empty() && size > bytes {
                break;
            }
            out.push((key.value().1, value.value().to_vec()));
        }
        Ok(out)
    }

    /// Up to `limit` events numbered after `after`, in order, as `GET
    /// /events` shows them, and the `after` for the rest.
    pub fn events(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<(Vec<NodeEvent<Replicate>>, u64), String> {
        let txn = self.begin_read()?;
        let log = txn.open_table(EVENTS).map_err(|e| disk("events", e))?;
        let mut out = Vec::new();
        let mut next = after;
        if after < u64::MAX {
            for entry in log
                .range(after + 1..)
                .map_err(|e| disk("events", e))?
                .take(limit)
            {
                let (seq, bytes) = entry.map_err(|e| disk("events", e))?;
                let logged: Logged = serde_json::from_slice(bytes.value()).map_err(|e| {
                    format!(
                        "{} is damaged: event {}: {e}",
                        self.path.display(),
                        seq.value()
                    )
                })?;
                next = seq.value();
                out.push(NodeEvent {
                    seq: next,
                    kind: logged.kind,
                    message: logged.message,
                });
            }
        }
        Ok((out, next))
    }

    /// How many messages are queued for `peer`.
    pub fn queue_len(&self, peer: ReplicaId) -> Result<usize, String> {
        let txn = self.begin_read()?;
        let outbox = txn.open_table(OUTBOX).map_err(|e| disk("outbox", e))?;
        let peer = peer as u64;
        let n = outbox
            .range((peer, 0)..=(peer, u64::MAX))
            .map_err(|e| disk("outbox", e))?
            .count();
        Ok(n)
    }
}

/// The tables of one group's write transaction, opened once for the group.
pub struct Tables<'txn> {
    log: Table<'txn, u64, &'static [u8]>,
    store: Table<'txn, &'static str, &'static [u8]>,
    held: Table<'txn, (u64, u64), &'static [u8]>,
    delivered: Table<'txn, u64, (u64, u64)>,
    outbox: Table<'txn, (u64, u64), &'static [u8]>,
    events: Table<'txn, u64, &'static [u8]>,
    meta: Table<'txn, &'static str, &'static [u8]>,
}

impl<'txn> Tables<'txn> {
    /// Opens them in `txn`.
    pub fn open(txn: &'txn WriteTransaction) -> Result<Self, String> {
        Ok(Tables {
            log: txn.open_table(LOG).map_err(|e| disk("log", e))?,
            store: txn.open_table(STORE).map_err(|e| disk("store", e))?,
            held: txn.open_table(HELD).map_err(|e| disk("held", e))?,
            delivered: txn
                .open_table(DELIVERED)
                .map_err(|e| disk("delivered", e))?,
            outbox: txn.open_table(OUTBOX).map_err(|e| disk("outbox", e))?,
            events: txn.open_table(EVENTS).map_err(|e| disk("events", e))?,
            meta: txn.open_table(META).map_err(|e| disk("meta", e))?,
        })
    }

    /// Writes one request's changes: the arrival, what the engine did with
    /// it (`events`, on `site` as it now is), what to send, and its lines of
    /// the events log.
    pub fn record(&mut self, site: &Site, change: Change, events: &[Event]) -> Result<(), String> {
        if let Some((n, message)) = &change.arrival {
            let bytes = serde_json::to_vec(message).map_err(|e| disk("log", e))?;
            self.log
                .insert(n, bytes.as_slice())
                .map_err(|e| disk("log", e))?;
        }
        // The deliveries of this change are the last ones the replica made.
        let delivered_now = events
            .iter()
            .filter(|e| matches!(e, Event::Delivered { message, .. } if site.message(*message).is_some()))
            .count();
        let mut count = site.replica().delivered_count() - delivered_now as u64;
        let mut keys = BTreeSet::new();
        for event in events {
            match event {
                Event::Held { message, .. } => {
                    if let Some(m) = site.message(*message) {
                        let bytes =
                            serde_json::to_vec(&Replicate::of(m)).map_err(|e| disk("held", e))?;
                        self.held
                            .insert(dot(m.dot()), bytes.as_slice())
                            .map_err(|e| disk("held", e))?;
                    }
                }
                Event::Delivered {
                    message, released, ..
                } => {
                    if let Some(m) = site.message(*message) {
                        if *released {
                            self.held
                                .remove(dot(m.dot()))
                                .map_err(|e| disk("held", e))?;
                        }
                        self.delivered
                            .insert(count, dot(m.dot()))
                            .map_err(|e| disk("delivered", e))?;
                        count += 1;
                        keys.insert(m.key.clone());
                    }
                }
                _ => {}
            }
        }
        for key in keys {
            if let Some(value) = site.replica().store().get(&key) {
                let bytes = serde_json::to_vec(&value).map_err(|e| disk("store", e))?;
                self.store
                    .insert(&*key, bytes.as_slice())
                    .map_err(|e| disk("store", e))?;
            }
        }
        if !events.is_empty() {
            let clock = serde_json::to_vec(site.replica().clock()).map_err(|e| disk("meta", e))?;
            self.meta
                .insert("clock", clock.as_slice())
                .map_err(|e| disk("meta", e))?;
        }
        for (peer, n, bytes) in &change.outgoing {
            self.outbox
                .insert((*peer as u64, *n), bytes.as_slice())
                .map_err(|e| disk("outbox", e))?;
        }
        for (seq, (kind, message)) in (change.first_event..).zip(change.events) {
            let bytes =
                serde_json::to_vec(&Logged { kind, message }).map_err(|e| disk("events", e))?;
            self.events
                .insert(seq, bytes.as_slice())
                .map_err(|e| disk("events", e))?;
        }
        Ok(())
    }

    /// Logs, as entry `n`, that the node took up its numbering after
    /// `writes` writes (its history was lost), and keeps its clock.
    pub fn resumed(&mut self, site: &Site, n: u64, writes: u64) -> Result<(), String> {
        let bytes = serde_json::to_vec(&Resumed {
            resumed_after: writes,
        })
        .map_err(|e| disk("log", e))?;
        self.log
            .insert(n, bytes.as_slice())
            .map_err(|e| disk("log", e))?;
        let clock = serde_json::to_vec(site.replica().clock()).map_err(|e| disk("meta", e))?;
        self.meta
            .insert("clock", clock.as_slice())
            .map_err(|e| disk("meta", e))?;
        Ok(())
    }

    /// Keeps which peers are held.
    pub fn set_holds(&mut self, holds: &BTreeSet<ReplicaId>) -> Result<(), String> {
        let bytes = serde_json::to_vec(holds).map_err(|e| disk("meta", e))?;
        self.meta
            .insert("holds", bytes.as_slice())
            .map_err(|e| disk("meta", e))?;
        Ok(())
    }

    /// How many messages are queued for `peer`.
    pub fn queue_len(&self, peer: ReplicaId) -> Result<usize, String> {
        let peer = peer as u64;
        let n = self
            .outbox
            .range((peer, 0)..=(peer, u64::MAX))
            .map_err(|e| disk("outbox", e))?
            .count();
        Ok(n)
    }

    /// `peer` acknowledged these: they leave its queue for good.
    pub fn acknowledged(&mut self, peer: ReplicaId, numbers: &[u64]) -> Result<(), String> {
        for &n in numbers {
            self.outbox
                .remove((peer as u64, n))
                .map_err(|e| disk("outbox", e))?;
        }
        Ok(())
    }
}

fn check_identity(shown: &str, bytes: &[u8], identity: &Identity) -> Result<(), String> {
    let kept: Identity =
        serde_json::from_slice(bytes).map_err(|e| format!("{shown} is damaged: {e}"))?;
    if &kept != identity {
        return Err(format!(
            "{shown} belongs to node {} of {} under {}/{}; it cannot be reopened as node {} of {} under {}/{} (use another data directory)",
            kept.node_id, kept.nodes, kept.delivery, kept.conflicts,
            identity.node_id, identity.nodes, identity.delivery, identity.conflicts
        ));
    }
    Ok(())
}

/// redb's page cache (1 GiB by default, filled as the log grows): a
/// node's memory stays bounded by what it needs, not by its history.
const CACHE_BYTES: usize = 16 * 1024 * 1024;

enum Opening {
    InUse,
    Failed(String),
}

/// Opens or creates the file. redb panics on some damaged files (one cut
/// short): that is told as damage, in one line, like the rest.
fn create(path: &Path) -> Result<Database, Opening> {
    let shown = path.display();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(|| {
        redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create(path)
    });
    std::panic::set_hook(previous);
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) => Err(Opening::InUse),
        Ok(Err(e)) => Err(Opening::Failed(format!("cannot open {shown}: {e}"))),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unreadable");
            let why: String = why.chars().take(200).collect();
            Err(Opening::Failed(format!(
                "{shown} is damaged and cannot be opened ({why}); restore it from a copy, or move it away to start this node afresh"
            )))
        }
    }
}

/// `arrivals writes`, as [`Durable::acknowledge`] writes it.
fn parse_record(text: &str) -> Option<Acknowledged> {
    let mut numbers = text.split_whitespace().map(|n| n.parse::<u64>().ok());
    let (Some(Some(arrivals)), Some(Some(writes))) = (numbers.next(), numbers.next()) else {
        return None;
    };
    Some(Acknowledged { arrivals, writes })
}

fn dot(dot: Dot) -> (u64, u64) {
    (dot.replica as u64, dot.seq)
}
