//! # causal-node
//!
//! A real replica over HTTP: the original causal key-value nodes' API, field
//! for field (`POST /put`, `POST /replicate`, `GET /store`, `GET /`), on one
//! replica of the `causal-core` engine. The engine decides everything about
//! a message (deliver, hold back, release to a fixpoint, discard a
//! duplicate, the conflict rule); the node only carries messages and keeps
//! state on disk.
//!
//! Unlike the original Flask nodes, it is durable (redb, written before it
//! answers), replicates through per-peer queues retried with backoff, so a
//! peer that was down catches up, and discards duplicates.
//!
//! # Layout
//!
//! - [`config`]: flags and environment, checked.
//! - [`wire`]: the API's JSON, and the checks on what comes in.
//! - [`durable`]: the redb database: log, store, clock, buffer, queues.
//! - [`node`]: one replica and its database.
//! - [`commit`]: group commit: requests applied in groups, one transaction
//!   per group, none answered before its commit.
//! - [`server`]: the HTTP routes.
//! - [`replication`]: per-peer senders, in order, batched between
//!   causal-nodes, retried with backoff and jitter.
//! - [`client`]: a small HTTP client (the senders', the tests').

#![forbid(unsafe_code)]

pub mod client;
pub mod commit;
pub mod config;
pub mod durable;
pub mod node;
pub mod replication;
pub mod server;
pub mod wire;

pub use config::{Args, Config};
pub use node::Node;
pub use server::{router, Shared};
