//! The page's words around what the engine did: the log's lines come from
//! the explaining layer (`causal_core::explain::events`); here, what a
//! prediction hides of them, and where a missing message is.

use causal_core::explain::HELD_WAITS;
use causal_core::{replica_name, MessageId, ReplicaId, Simulation};

pub use causal_core::explain::{events as describe, waits_for, Tone};

/// One line of the "what just happened" log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Unique, for keyed rendering.
    pub id: u64,
    /// How it is styled.
    pub tone: Tone,
    /// The sentence.
    pub text: String,
}

/// A log line as shown: while a prediction waits (`hiding`), a hold's line
/// keeps what happened and leaves out what the message waits for.
pub fn concealed(line: &LogLine, hiding: bool) -> LogLine {
    match line.text.split_once(HELD_WAITS) {
        Some((done, _)) if hiding && line.tone == Tone::Held => LogLine {
            text: format!("{done}."),
            ..line.clone()
        },
        _ => line.clone(),
    }
}

/// Where a missing message is now, seen from `replica`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Whereabouts {
    /// "m1 is still in flight to C.", "m1 was lost on the way to C: resend it."
    pub text: String,
    /// Its copy to `replica` was lost: the page offers to send it again.
    pub lost: bool,
}

/// Where a missing message is now, seen from `replica`: in flight to it,
/// held there, or lost on the way.
pub fn whereabouts(simulation: &Simulation, replica: ReplicaId, message: MessageId) -> Whereabouts {
    use causal_core::Whereabouts as Copy;
    let at = replica_name(replica);
    let (text, lost) = match simulation.whereabouts(message, replica) {
        None => (String::new(), false),
        Some(Copy::InFlight) => (format!("{message} is still in flight to {at}."), false),
        Some(Copy::Held) => (format!("{message} is held at {at} too."), false),
        Some(Copy::Delivered) => (format!("{message} was delivered at {at}."), false),
        Some(Copy::Lost) => (
            format!("{message} was lost on the way to {at}: resend it."),
            true,
        ),
    };
    Whereabouts { text, lost }
}

#[cfg(test)]
mod tests {
    use super::*;
    use causal_core::Command;

    #[test]
    fn whereabouts_says_where_a_missing_message_is_and_offers_a_resend_only_when_lost() {
        let mut sim = Simulation::default();
        let m1 = MessageId(1);
        sim.apply_all([Command::write(0, "x", "1"), Command::drop(1, 2)])
            .unwrap();
        let seen = |sim: &Simulation, at| {
            let w = whereabouts(sim, at, m1);
            (w.text, w.lost)
        };
        assert_eq!(
            seen(&sim, 1),
            ("m1 is still in flight to B.".to_string(), false)
        );
        assert_eq!(
            seen(&sim, 2),
            ("m1 was lost on the way to C: resend it.".to_string(), true)
        );
        sim.apply_all([Command::deliver(1, 1)]).unwrap();
        assert_eq!(seen(&sim, 1), ("m1 was delivered at B.".to_string(), false));
    }

    #[test]
    fn a_write_and_its_sends_make_one_sentence() {
        let mut sim = Simulation::default();
        let events = sim.apply(Command::write(1, "x", "")).unwrap();
        assert_eq!(
            describe(&events, sim.messages()),
            [(
                Tone::Plain,
                "B wrote x = \"\" (an empty value) (m1) and sent it to A, C.".to_string()
            )]
        );
    }
}
