//! Why a command was refused. Refusal is an expected outcome (a user dropped
//! a card on the wrong replica, a file names a message that was never sent),
//! so it is a small enum, and a refused command changes nothing.

use std::fmt;

use crate::{MessageId, ReplicaId, MAX_REPLICAS, MIN_REPLICAS};

/// A refused command or configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Error {
    /// The replica count is outside 2 to 8.
    ReplicaCount(usize),
    /// No replica has the number `replica`: there are `replicas`.
    NoSuchReplica { replica: ReplicaId, replicas: usize },
    /// No message has this number (yet).
    NoSuchMessage(MessageId),
    /// No copy of `message` is in flight to `to`.
    NotInFlight { message: MessageId, to: ReplicaId },
    /// `to` is `message`'s sender: a message is never sent to it.
    ToSender { message: MessageId, to: ReplicaId },
    /// Nothing is in flight to that replica.
    LaneEmpty(ReplicaId),
    /// `to`'s lane has `len` copies, so no `position`.
    NoSuchPosition {
        to: ReplicaId,
        position: usize,
        len: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ReplicaCount(n) => write!(
                f,
                "there must be {MIN_REPLICAS} to {MAX_REPLICAS} replicas, not {n}"
            ),
            Error::NoSuchReplica { replica, replicas } => write!(
                f,
                "replica {replica} does not exist: there are {replicas}, numbered 0 to {}",
                replicas - 1
            ),
            Error::NoSuchMessage(m) => write!(f, "message {} has not been written", m.0),
            Error::NotInFlight { message, to } => {
                write!(f, "message {} is not in flight to replica {to}", message.0)
            }
            Error::ToSender { message, to } => write!(
                f,
                "message {} cannot be sent to replica {to}: it is the message's sender",
                message.0
            ),
            Error::LaneEmpty(to) => write!(f, "nothing is in flight to replica {to}"),
            Error::NoSuchPosition { to, position, len } => write!(
                f,
                "the lane to replica {to} has {len} copies: there is no position {position}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Why a history or a scenario file stopped at one step: the step's number
/// (from 1) and why. Step 0 is the configuration itself, refused before any
/// step (a replica count outside 2 to 8).
///
/// The reason is the engine's refusal by default; a reader that refuses a
/// step for its form (a scenario file's `"op"` given twice, the page's write
/// with an empty key) words it as text, and the number is written the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepError<E = Error> {
    /// Which step, from 1; 0 for the configuration.
    pub step: usize,
    /// Why it was refused.
    pub error: E,
}

impl<E: fmt::Display> fmt::Display for StepError<E> {
    /// `step 4: message 3 is not in flight to replica 1`: the step (from 1)
    /// and the reason; a refused configuration names no step.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            0 => write!(f, "{}", self.error),
            step => write!(f, "step {step}: {}", self.error),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for StepError<E> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_error_names_its_step_from_1_whatever_the_reason() {
        let refused = StepError {
            step: 4,
            error: Error::NotInFlight {
                message: MessageId(3),
                to: 1,
            },
        };
        assert_eq!(
            refused.to_string(),
            "step 4: message 3 is not in flight to replica 1"
        );
        let worded = StepError {
            step: 2,
            error: "the key is empty",
        };
        assert_eq!(worded.to_string(), "step 2: the key is empty");
        let config = StepError {
            step: 0,
            error: Error::ReplicaCount(9),
        };
        assert_eq!(config.to_string(), "there must be 2 to 8 replicas, not 9");
    }
}
