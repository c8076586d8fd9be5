//! Commands in words, in the model's terms (deliver m2 to C), never in the
//! page's (no buttons, no dragging): the page words its own controls.

use crate::{replica_name, Command, Message};

/// What to do, as a lesson asks it: "Deliver m2 to C."
pub fn instruction(command: &Command) -> String {
    words(command, Voice::Instruction)
}

/// A command in a few words, as a learner names it: "m2 to C".
pub fn short(command: &Command) -> String {
    words(command, Voice::Short)
}

/// A command as something that happens, for a question: "m2 arrives at C".
pub fn happening(command: &Command) -> String {
    words(command, Voice::Happening)
}

/// The ways a command is said.
#[derive(Clone, Copy)]
enum Voice {
    Instruction,
    Short,
    Happening,
}

/// Each command's words side by side, one voice taken.
fn words(command: &Command, voice: Voice) -> String {
    use Voice::*;
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => {
            let r = replica_name(*replica);
            match voice {
                Instruction => format!("At {r}, write {key} = {value}."),
                Short => format!("a write of {key} = {value} at {r}"),
                Happening => format!("{r} writes {key} = {value}"),
            }
        }
        Command::Deliver { message, to } => {
            let to = replica_name(*to);
            match voice {
                Instruction => format!("Deliver {message} to {to}."),
                Short => format!("{message} to {to}"),
                Happening => format!("{message} arrives at {to}"),
            }
        }
        Command::Drop { message, to } => {
            let to = replica_name(*to);
            match voice {
                Instruction => format!("Lose {message} on its way to {to}."),
                Short => format!("losing {message} on its way to {to}"),
                Happening => format!("{message}'s copy to {to} is lost"),
            }
        }
        Command::Duplicate { message, to } => {
            let to = replica_name(*to);
            match voice {
                Instruction => format!("Send {message} to {to} again."),
                Short => format!("sending {message} to {to} again"),
                Happening => format!("{message} is sent to {to} again"),
            }
        }
        Command::DeliverAll => match voice {
            Instruction => "Deliver every message in flight.",
            Short => "delivering everything",
            Happening => "every message in flight arrives",
        }
        .into(),
        Command::DeliverNext { to } => {
            let to = replica_name(*to);
            match voice {
                Instruction => format!("Deliver the first message in flight to {to}."),
                Short => format!("the first message in flight to {to}"),
                Happening => format!("the first message in flight to {to} arrives"),
            }
        }
        Command::Reorder {
            to,
            index,
            position,
        } => {
            let to = replica_name(*to);
            match voice {
                Instruction => format!(
                    "Among the messages in flight to {to}, move number {} to place {}.",
                    index + 1,
                    position + 1
                ),
                Short => format!("that move among the messages to {to}"),
                Happening => format!("the messages to {to} change order"),
            }
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
