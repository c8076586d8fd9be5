//! Where a replica looks messages up: by number, and by dot.
//!
//! A simulation knows every message ever written ([`Messages`]); a replica
//! running on its own knows only those it made or received, numbered in the
//! order it learnt of them ([`Site`](crate::Site)). The receive path works on
//! either.

use crate::{Dot, Message, MessageId, Messages};

/// A table of messages, by number and by dot.
pub trait Lookup {
    /// The message with this number, if known.
    fn message(&self, id: MessageId) -> Option<&Message>;
    /// The number of the message with this dot, if known.
    fn number_of(&self, dot: Dot) -> Option<MessageId>;
}

impl Lookup for Messages {
    fn message(&self, id: MessageId) -> Option<&Message> {
        self.get(id)
    }

    fn number_of(&self, dot: Dot) -> Option<MessageId> {
        self.id_of(dot)
    }
}
