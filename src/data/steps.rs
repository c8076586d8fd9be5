//! The engine's commands in the compact form of share links (postcard:
//! `run/share.rs` describes its bytes), which the page's requests to the
//! search worker use too (`browser/worker.rs`): postcard cannot read
//! [`Command`] itself, which is internally tagged.

use causal_core::{Command, MessageId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The engine's [`Command`] as postcard can read it. `Command` is internally
/// tagged (`"op"`) for scenario files; serde reads such an enum by buffering
/// the fields and looking for the tag by name, which a format without names
/// (postcard) cannot do. The variants keep `Command`'s order and fields.
/// The texts are borrowed from the bytes read: only a reader that lends them
/// (postcard's `from_bytes`, as every user here) can read a `Step`.
#[derive(Serialize, Deserialize)]
pub enum Step<'a> {
    Write {
        replica: usize,
        key: &'a str,
        value: &'a str,
    },
    Deliver {
        message: u32,
        to: usize,
    },
    Drop {
        message: u32,
        to: usize,
    },
    Duplicate {
        message: u32,
        to: usize,
    },
    DeliverAll,
    DeliverNext {
        to: usize,
    },
    Reorder {
        to: usize,
        index: usize,
        position: usize,
    },
}

impl<'a> From<&'a Command> for Step<'a> {
    fn from(command: &'a Command) -> Self {
        match command {
            Command::Write {
                replica,
                key,
                value,
            } => Step::Write {
                replica: *replica,
                key,
                value,
            },
            Command::Deliver { message, to } => Step::Deliver {
                message: message.0,
                to: *to,
            },
            Command::Drop { message, to } => Step::Drop {
                message: message.0,
                to: *to,
            },
            Command::Duplicate { message, to } => Step::Duplicate {
                message: message.0,
                to: *to,
            },
            Command::DeliverAll => Step::DeliverAll,
            Command::DeliverNext { to } => Step::DeliverNext { to: *to },
            Command::Reorder {
                to,
                index,
                position,
            } => Step::Reorder {
                to: *to,
                index: *index,
                position: *position,
            },
        }
    }
}

impl From<&Step<'_>> for Command {
    fn from(step: &Step<'_>) -> Self {
        match *step {
            Step::Write {
                replica,
                key,
                value,
            } => Command::Write {
                replica,
                key: key.into(),
                value: value.into(),
            },
            Step::Deliver { message, to } => Command::Deliver {
                message: MessageId(message),
                to,
            },
            Step::Drop { message, to } => Command::Drop {
                message: MessageId(message),
                to,
            },
            Step::Duplicate { message, to } => Command::Duplicate {
                message: MessageId(message),
                to,
            },
            Step::DeliverAll => Command::DeliverAll,
            Step::DeliverNext { to } => Command::DeliverNext { to },
            Step::Reorder {
                to,
                index,
                position,
            } => Command::Reorder {
                to,
                index,
                position,
            },
        }
    }
}

/// A run's steps as the steps of a share link, for `#[serde(with = ...)]`
/// on a `Vec<Command>` in a request to the search worker, which crosses in
/// postcard (`browser/worker.rs`).
pub mod as_steps {
    use super::*;

    /// Writes `commands` as steps.
    pub fn serialize<S: Serializer>(
        commands: &[Command],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let steps: Vec<Step> = commands.iter().map(Step::from).collect();
        steps.serialize(serializer)
    }

    /// Reads the steps back as commands (from a format that lends its
    /// text, as postcard does).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Command>, D::Error> {
        let steps = Vec::<Step<'de>>::deserialize(deserializer)?;
        Ok(steps.iter().map(Command::from).collect())
    }
}
