//! Commands in words, in the model's terms (deliver m2 to C), never in the
//! page's (no buttons, no dragging): the page words its own controls.

use crate::{replica_name, Command, Message};

/// What to do, as a lesson asks it: "Deliver m2 to C."
pub fn instruction(command: &Command) -> String {
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => format!("At {}, write {key} = {value}.", replica_name(*replica)),
        Command::Deliver { message, to } => {
            format!("Deliver {message} to {}.", replica_name(*to))
        }
        Command::Drop { message, to } => {
            format!("Lose {message} on its way to {}.", replica_name(*to))
        }
        Command::Duplicate { message, to } => {
            format!("Send {message} to {} again.", replica_name(*to))
        }
        Command::DeliverAll => "Deliver every message in flight.".into(),
        Command::DeliverNext { to } => {
            format!(
                "Deliver the first message in flight to {}.",
                replica_name(*to)
            )
        }
        Command::Reorder {
            to,
            index,
            position,
        } => format!(
            "Among the messages in flight to {}, move number {} to place {}.",
            replica_name(*to),
            index + 1,
            position + 1
        ),
    }
}

/// A command in a few words, as a learner names it: "m2 to C".
pub fn short(command: &Command) -> String {
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => format!("a write of {key} = {value} at {}", replica_name(*replica)),
        Command::Deliver { message, to } => format!("{message} to {}", replica_name(*to)),
        Command::Drop { message, to } => {
            format!("losing {message} on its way to {}", replica_name(*to))
        }
        Command::Duplicate { message, to } => {
            format!("sending {message} to {} again", replica_name(*to))
        }
        Command::DeliverAll => "delivering everything".into(),
        Command::DeliverNext { to } => {
            format!("the first message in flight to {}", replica_name(*to))
        }
        Command::Reorder { to, .. } => {
            format!("that move among the messages to {}", replica_name(*to))
        }
    }
}

/// A command as something that happens, for a question: "m2 arrives at C".
pub fn happening(command: &Command) -> String {
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => format!("{} writes {key} = {value}", replica_name(*replica)),
        Command::Deliver { message, to } => {
            format!("{message} arrives at {}", replica_name(*to))
        }
        Command::Drop { message, to } => {
            format!("{message}'s copy to {} is lost", replica_name(*to))
        }
        Command::Duplicate { message, to } => {
            format!("{message} is sent to {} again", replica_name(*to))
        }
        Command::DeliverAll => "every message in flight arrives".into(),
        Command::DeliverNext { to } => {
            format!(
                "the first message in flight to {} arrives",
                replica_name(*to)
            )
        }
        Command::Reorder { to, .. } => {
            format!("the messages to {} change order", replica_name(*to))
        }
    }
}

/// A step of a run as it happened, a write with the message it made:
/// "A writes x = 1 (m1 at [1,0,0])", "m2 arrives at C".
pub fn step(command: &Command, made: Option<&Message>) -> String {
    let said = happening(command);
    match (command, made) {
        (Command::Write { .. }, Some(m)) => format!("{said} ({} at {})", m.id, m.clock),
        _ => said,
    }
}
