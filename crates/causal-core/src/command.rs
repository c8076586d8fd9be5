//! Commands: everything that can happen to a run, as data.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{MessageId, ReplicaId};

/// One step of a run. A run's history is the list of commands applied since
/// the initial state; replaying it rebuilds any state (undo, time travel) or
/// plays the same run under another rule.
///
/// Serialized as a scenario file's step: `{"op": "deliver", "message": 1, "to": 2}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Command {
    /// Replica `replica` writes `value` to `key` and broadcasts it. Shared
    /// strings: the message the write sends keeps the same ones, and a key
    /// the writer's store already holds is kept once.
    Write {
        replica: ReplicaId,
        key: Arc<str>,
        value: Arc<str>,
    },
    /// The earliest copy of `message` in flight to `to` arrives there.
    Deliver { message: MessageId, to: ReplicaId },
    /// The earliest copy of `message` in flight to `to` is lost.
    Drop { message: MessageId, to: ReplicaId },
    /// Another copy of `message` to `to` goes in flight (a retransmission);
    /// `to` is never the message's sender.
    Duplicate { message: MessageId, to: ReplicaId },
    /// Every copy in flight arrives, in the order the copies were sent.
    DeliverAll,
    /// The first copy in `to`'s lane arrives.
    DeliverNext { to: ReplicaId },
    /// The copy at `index` of `to`'s lane moves to `position` (both from 0).
    Reorder {
        to: ReplicaId,
        index: usize,
        position: usize,
    },
}

impl Command {
    /// Replica `replica` writes `value` to `key`.
    pub fn write(
        replica: ReplicaId,
        key: impl Into<Arc<str>>,
        value: impl Into<Arc<str>>,
    ) -> Command {
        Command::Write {
            replica,
            key: key.into(),
            value: value.into(),
        }
    }

    /// The earliest copy of message `message` in flight to `to` arrives.
    pub fn deliver(message: u32, to: ReplicaId) -> Command {
        Command::Deliver {
            message: MessageId(message),
            to,
        }
    }

    /// The earliest copy of message `message` in flight to `to` is lost.
    pub fn drop(message: u32, to: ReplicaId) -> Command {
        Command::Drop {
            message: MessageId(message),
            to,
        }
    }

    /// Another copy of message `message` goes in flight to `to`.
    pub fn duplicate(message: u32, to: ReplicaId) -> Command {
        Command::Duplicate {
            message: MessageId(message),
            to,
        }
    }
}
