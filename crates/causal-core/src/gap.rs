//! The causal gap: what a held message is waiting for.
//!
//! Like `DotRange` in the crdts crate, the gap is returned as a value, so the
//! page can say "m4 from B waits for A#1: C has delivered 0 of A's writes".
//!
//! A run is kept as a range of sequence numbers, not as a list of messages:
//! a message held behind 9,999 others then costs one run, not 9,999 entries,
//! which keeps holding n messages about n log n rather than n². The message
//! numbers are looked up on demand ([`Missing::messages`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{replica_name, Dot, MessageId, Messages, ReplicaId};

/// A run of one sender's writes that the receiving replica has not delivered
/// and must deliver first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    /// Whose writes are missing.
    pub sender: ReplicaId,
    /// How many of the sender's writes the replica has delivered (by the
    /// delivery rule's own count: its clock entry under `causal`).
    pub have: u64,
    /// The first missing write's sequence number (`have + 1`).
    pub first: u64,
    /// The last missing write's sequence number.
    pub last: u64,
}

impl Missing {
    /// The missing writes as dots, `first` to `last`.
    pub fn dots(&self) -> impl Iterator<Item = Dot> + '_ {
        (self.first..=self.last).map(|seq| Dot {
            replica: self.sender,
            seq,
        })
    }

    /// How many writes are missing.
    pub fn len(&self) -> u64 {
        (self.last + 1).saturating_sub(self.first)
    }

    /// Nothing is missing (never so in a [`Gap`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The missing writes' message numbers, `first` to `last`, looked up in
    /// `all` (a simulation's [`messages`](crate::Simulation::messages)).
    pub fn messages<'a>(&'a self, all: &'a Messages) -> impl Iterator<Item = MessageId> + 'a {
        self.dots().filter_map(|dot| all.id_of(dot))
    }
}

/// Everything a held message waits for, one run per sender, senders ascending.
/// Empty when the message is deliverable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Gap(pub Vec<Missing>);

impl Gap {
    /// Nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every missing message, senders ascending, then in sequence, looked up
    /// in `all` (a simulation's [`messages`](crate::Simulation::messages)).
    pub fn messages<'a>(&'a self, all: &'a Messages) -> impl Iterator<Item = MessageId> + 'a {
        self.0.iter().flat_map(move |run| run.messages(all))
    }
}

impl fmt::Display for Missing {
    /// `A#1` or `A#1..A#3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = replica_name(self.sender);
        if self.first == self.last {
            write!(f, "{name}#{}", self.first)
        } else {
            write!(f, "{name}#{}..{name}#{}", self.first, self.last)
        }
    }
}

impl fmt::Display for Gap {
    /// `A#1, C#2..C#3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, run) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{run}")?;
        }
        Ok(())
    }
}
