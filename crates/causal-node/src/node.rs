//! A node's state: one replica of the engine, its database, and which
//! peers are held. Requests are applied in groups (group commit): each runs
//! the engine and writes what changed into the group's transaction; the
//! group is committed before any of its requests is answered, and a failed
//! commit puts the replica back to what the disk holds. A refused request
//! changes nothing.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use causal_core::{Event, NodeEventKind as Kind, Receipt, ReplicaId, Site, VectorClock};

use crate::config::Config;
use crate::durable::{Acknowledged, Change, Durable, Tables};
use crate::wire::{Replicate, StoreView, BODY_LIMIT};

/// Why an operation failed.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The request is wrong (400); nothing changed.
    Bad(String),
    /// The disk refused the change (500); the node went back to what is on disk.
    Disk(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Bad(reason) | Failure::Disk(reason) => f.write_str(reason),
        }
    }
}

/// One node.
pub struct Node {
    config: Config,
    site: Site,
    durable: Arc<Durable>,
    arrivals: u64,
    next_event: u64,
    holds: BTreeSet<ReplicaId>,
    /// Why the replica in memory may be ahead of the disk (a failed commit
    /// it could not yet go back from); nothing is served from it meanwhile.
    stale: Option<String>,
}

impl Node {
    /// Opens the data directory and comes back with what it holds.
    pub fn open(config: Config) -> Result<Self, String> {
        let durable = Durable::open(&config.data_dir)?;
        durable.prepare(config.node_id, engine_config(&config), config.empty_history)?;
        let restored = durable.restore(config.node_id, engine_config(&config))?;
        let mut node = Node {
            site: restored.site,
            arrivals: restored.arrivals,
            next_event: restored.next_event,
            holds: restored.holds,
            stale: None,
            durable: Arc::new(durable),
            config,
        };
        let now = node.acknowledged();
        match node.durable.recorded() {
            Some(then) if then.arrivals > now.arrivals || then.writes > now.writes => {
                if !node.config.empty_history {
                    return Err(format!(
                        "{} holds {} log entries, {} of them this node's writes, but the node had acknowledged {} and {} (as the file \"acknowledged\" beside it says): the database came back at an earlier commit (redb falls back to the one before, silently, when the newest is damaged), so acknowledged writes were lost. Restore the data directory from a copy, or start with --empty-history to take up this node's numbering after its acknowledged writes and what its peers saw (what was lost stays lost here)",
                        node.config.data_dir.join("node.redb").display(),
                        now.arrivals,
                        now.writes,
                        then.arrivals,
                        then.writes
                    ));
                }
                node.resume_numbering(then.writes)?;
            }
            _ => {}
        }
        node.durable.acknowledge(node.acknowledged())?;
        Ok(node)
    }

    /// How much it has acknowledged: entries in its log, and its own writes.
    pub fn acknowledged(&self) -> Acknowledged {
        Acknowledged {
            arrivals: self.arrivals,
            writes: self.site.replica().clock().get(self.config.node_id),
        }
    }

    /// Its history was lost after it made `writes` writes (as its peers
    /// or its own record saw): it takes up its numbering there, logged and
    /// committed, so its next write is not discarded by the peers as a
    /// duplicate of a lost one. Whether anything changed.
    pub fn resume_numbering(&mut self, writes: u64) -> Result<bool, String> {
        if !self.site.resume(writes) {
            return Ok(false);
        }
        let committed = self.durable.begin().and_then(|txn| {
            Tables::open(&txn)?.resumed(&self.site, self.arrivals, writes)?;
            txn.commit().map_err(|e| format!("commit: {e}"))
        });
        if let Err(reason) = committed {
            self.roll_back(&reason)?;
            return Err(format!("cannot take up the numbering: {reason}"));
        }
        self.arrivals += 1;
        self.durable.acknowledge(self.acknowledged())?;
        tracing::warn!(
            "node {} took up its numbering after its {writes} writes: its next write is {}",
            self.config.node_id,
            writes + 1
        );
        Ok(true)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The database (the senders read the queues there).
    pub fn durable(&self) -> Arc<Durable> {
        Arc::clone(&self.durable)
    }

    /// After a failed commit the replica in memory is ahead of the disk: go
    /// back to what the disk holds (opening the file again, as redb needs).
    /// Until that succeeds the node serves nothing from memory.
    pub fn roll_back(&mut self, reason: &str) -> Result<(), String> {
        tracing::error!("not stored: {reason}; going back to what the disk holds");
        self.stale = Some(reason.to_string());
        self.durable.reopen()?;
        let restored = self
            .durable
            .restore(self.config.node_id, engine_config(&self.config))?;
        self.site = restored.site;
        self.arrivals = restored.arrivals;
        self.next_event = restored.next_event;
        self.holds = restored.holds;
        self.stale = None;
        Ok(())
    }

    /// The replica in memory may be ahead of the disk: go back before
    /// anything else.
    pub fn mark_stale(&mut self, reason: &str) {
        self.stale = Some(reason.to_string());
    }

    /// Why the replica in memory cannot be trusted, if it cannot.
    pub fn stale(&self) -> Option<&str> {
        self.stale.as_deref()
    }

    /// A write here: applied, logged and queued for every peer. A write whose
    /// message could not be sent (over the body limit) is refused.
    pub fn put(
        &mut self,
        tables: &mut Tables<'_>,
        key: &str,
        value: &str,
    ) -> Result<VectorClock, Failure> {
        let me = self.config.node_id;
        let mut clock = self.site.replica().clock().clone();
        clock.tick(me);
        let size = serde_json::to_vec(&Replicate {
            key: key.to_string(),
            value: value.to_string(),
            sender: me,
            clock: clock.entries().to_vec(),
        })
        .map_err(|e| Failure::Bad(e.to_string()))?
        .len();
        if size > BODY_LIMIT {
            return Err(Failure::Bad(format!(
                "the write is too big to replicate: its message to the peers would be {size} bytes, over the limit of {BODY_LIMIT} (make the key and value shorter)"
            )));
        }
        let written = self.site.write(key, value);
        let (id, message) = (written.id, Replicate::of(written));
        let n = self.arrivals;
        let bytes = serde_json::to_vec(&message).map_err(|e| Failure::Disk(e.to_string()))?;
        let outgoing = self
            .config
            .peer_urls()
            .map(|(j, _)| (j, n, bytes.clone()))
            .collect();
        // A write is delivered where it is made, at once.
        let events = [Event::Delivered {
            replica: me,
            message: id,
            from: me,
            clock: self.site.replica().clock().clone(),
            released: false,
        }];
        let change = Change {
            arrival: Some((n, message.clone())),
            outgoing,
            events: vec![(Kind::Write, message)],
            first_event: self.next_event,
        };
        tables
            .record(&self.site, change, &events)
            .map_err(Failure::Disk)?;
        self.arrivals += 1;
        self.next_event += 1;
        Ok(self.site.replica().clock().clone())
    }

    /// A peer's message: the engine delivers, holds or discards it.
    pub fn replicate(
        &mut self,
        tables: &mut Tables<'_>,
        message: Replicate,
    ) -> Result<Receipt, Failure> {
        let (receipt, events) = self
            .site
            .receive(
                message.sender,
                &message.key,
                &message.value,
                message.vector_clock(),
            )
            .map_err(|e| Failure::Bad(e.to_string()))?;
        let logged = self.logged(&message, &events);
        let count = logged.len() as u64;
        let change = Change {
            arrival: (receipt != Receipt::Discarded).then_some((self.arrivals, message)),
            outgoing: Vec::new(),
            events: logged,
            first_event: self.next_event,
        };
        tables
            .record(&self.site, change, &events)
            .map_err(Failure::Disk)?;
        if receipt != Receipt::Discarded {
            self.arrivals += 1;
        }
        self.next_event += count;
        Ok(receipt)
    }

    /// What the events log says of an arrival: `receive`, then what the
    /// engine did with it and with what it released.
    fn logged(&self, arrived: &Replicate, events: &[Event]) -> Vec<(Kind, Replicate)> {
        let mut logged = vec![(Kind::Receive, arrived.clone())];
        for event in events {
            let (kind, id) = match event {
                Event::Delivered { message, .. } => (Kind::Deliver, *message),
                Event::Held { message, .. } => (Kind::Hold, *message),
                Event::Discarded { .. } => {
                    logged.push((Kind::Discard, arrived.clone()));
                    continue;
                }
                _ => continue,
            };
            if let Some(m) = self.site.message(id) {
                logged.push((kind, Replicate::of(m)));
            }
        }
        logged
    }

    /// What `GET /store` shows.
    pub fn view(&self) -> Result<StoreView, Failure> {
        if let Some(reason) = &self.stale {
            return Err(Failure::Disk(format!(
                "its state cannot be read back from disk: {reason}"
            )));
        }
        let replica = self.site.replica();
        Ok(StoreView {
            store: replica.store().to_map(),
            vector_clock: replica.clock().entries().to_vec(),
            buffered: self.site.held().map(Replicate::of).collect(),
        })
    }

    /// What it keeps in memory (`GET /admin/memory`).
    pub fn memory(&self) -> serde_json::Value {
        serde_json::json!({
            "messages_kept": self.site.kept(),
            "held": self.site.replica().hold_back().len(),
            "delivered": self.site.replica().delivered_count(),
        })
    }

    /// Checks that `peer` is one of this node's peers.
    pub fn peer(&self, peer: i64) -> Result<ReplicaId, Failure> {
        usize::try_from(peer)
            .ok()
            .filter(|&j| self.config.peers.get(j).is_some_and(Option::is_some))
            .ok_or_else(|| {
                Failure::Bad(format!(
                    "unknown peer {peer}: the peers of node {} are {}",
                    self.config.node_id,
                    self.config
                        .peer_urls()
                        .map(|(j, _)| j.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Holds (`true`) or releases what this node sends to `peer`.
    pub fn set_hold(
        &mut self,
        tables: &mut Tables<'_>,
        peer: ReplicaId,
        hold: bool,
    ) -> Result<(), Failure> {
        let mut holds = self.holds.clone();
        if hold {
            holds.insert(peer);
        } else {
            holds.remove(&peer);
        }
        tables.set_holds(&holds).map_err(Failure::Disk)?;
        self.holds = holds;
        Ok(())
    }

    /// Whether what this node sends to `peer` is held.
    pub fn is_held(&self, peer: ReplicaId) -> bool {
        self.holds.contains(&peer)
    }
}

fn engine_config(config: &Config) -> causal_core::Config {
    causal_core::Config {
        replicas: config.nodes,
        delivery: config.delivery,
        conflicts: config.conflicts,
    }
}

/// What a receipt says on the wire.
pub fn status(receipt: Receipt) -> &'static str {
    match receipt {
        Receipt::Delivered => "applied",
        Receipt::Held => "buffered",
        Receipt::Discarded => "discarded",
    }
}
