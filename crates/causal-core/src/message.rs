//! Messages, and the names of replicas and writes.

use std::fmt;
use std::sync::Arc;

use crate::appended::Appended;

use serde::{Deserialize, Serialize};

use crate::VectorClock;

/// A replica's number, 0 to n-1 (shown as A, B, C, ...).
pub type ReplicaId = usize;

/// The letter a replica is shown as: 0 is A, 1 is B, and so on.
pub fn replica_name(replica: ReplicaId) -> char {
    (b'A' + (replica % 26) as u8) as char
}

/// A message's number: writes are numbered 1, 2, 3, ... in the order they
/// happen, whichever replica makes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub u32);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

/// A write as its sender names it: the `seq`-th write of `replica`.
///
/// A held message waits for dots; `A#2` reads "A's second write".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Dot {
    pub replica: ReplicaId,
    /// 1 for its first write, 2 for its second, ...
    pub seq: u64,
}

impl fmt::Display for Dot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", replica_name(self.replica), self.seq)
    }
}

/// A write, as broadcast: every copy in flight carries one of these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Message {
    pub id: MessageId,
    pub sender: ReplicaId,
    /// The key written. Shared, so that a million deliveries copy no strings.
    pub key: Arc<str>,
    pub value: Arc<str>,
    /// The sender's clock just after the write: the message's timestamp.
    pub clock: VectorClock,
}

impl Message {
    /// Which of its sender's writes this is.
    pub fn dot(&self) -> Dot {
        Dot {
            replica: self.sender,
            seq: self.clock.get(self.sender),
        }
    }
}

/// Every message ever written, by number and by dot. The replicas look up
/// what a held message waits for here.
///
/// Shared between clones ([`Appended`]): the page clones the run for every
/// action, the outcome census and the puzzle solver for every state they
/// try.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Messages {
    all: Appended<Message>,
    by_sender: Vec<Appended<MessageId>>,
}

impl Messages {
    /// The message with this number, if it was written.
    pub fn get(&self, id: MessageId) -> Option<&Message> {
        let index = (id.0 as usize).checked_sub(1)?;
        self.all.get(index)
    }

    /// The number of the write with this dot, if it was made.
    pub fn id_of(&self, dot: Dot) -> Option<MessageId> {
        let index = (dot.seq as usize).checked_sub(1)?;
        self.by_sender.get(dot.replica)?.get(index).copied()
    }

    /// Every message, in the order written.
    pub fn iter(&self) -> impl Iterator<Item = &Message> + '_ {
        self.all.iter()
    }

    /// How many messages were written.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Nothing was written.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Records a new write and gives it the next number.
    pub(crate) fn push(
        &mut self,
        sender: ReplicaId,
        key: Arc<str>,
        value: Arc<str>,
        clock: VectorClock,
    ) -> &Message {
        let id = MessageId(self.all.len() as u32 + 1);
        if self.by_sender.len() <= sender {
            self.by_sender.resize_with(sender + 1, Appended::new);
        }
        self.by_sender[sender].push(id);
        self.all.push(Message {
            id,
            sender,
            key,
            value,
            clock,
        })
    }
}
