//! Plain words for what the engine did: the log's lines and the held
//! messages' explanations. Words only; every fact comes from the engine.

use causal_core::{replica_name, Event, MessageId, Messages, ReplicaId, Simulation};

/// How a log line is styled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Writes, sends, deliveries.
    Plain,
    /// Held back.
    Held,
    /// Lost or discarded.
    Lost,
    /// Causal order broken.
    Violation,
}

/// "m2 from B".
fn from(message: MessageId, sender: ReplicaId) -> String {
    format!("{message} from {}", replica_name(sender))
}

pub use causal_core::explain::waits_for;

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

/// One sentence per thing that happened, in order; a receipt and what became
/// of it make one sentence.
pub fn describe(events: &[Event], messages: &Messages) -> Vec<(Tone, String)> {
    let mut lines: Vec<(Tone, String)> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let event = &events[i];
        i += 1;
        let line = match event {
            Event::Delivered {
                replica, message, ..
            } if event.is_write() => {
                let write = messages
                    .get(*message)
                    .map(|m| match &*m.value {
                        // An empty value is a value: say so rather than show nothing.
                        "" => format!("{} = \"\" (an empty value)", m.key),
                        value => format!("{} = {value}", m.key),
                    })
                    .unwrap_or_default();
                let mut to: Vec<char> = Vec::new();
                while let Some(Event::Sent { message: m, to: dest, .. }) = events.get(i) {
                    if m != message {
                        break;
                    }
                    to.push(replica_name(*dest));
                    i += 1;
                }
                let to: Vec<String> = to.iter().map(char::to_string).collect();
                (
                    Tone::Plain,
                    format!(
                        "{} wrote {write} ({message}) and sent it to {}.",
                        replica_name(*replica),
                        to.join(", ")
                    ),
                )
            }
            Event::Received {
                message,
                from: sender,
                to,
            } => {
                let what = from(*message, *sender);
                let at = replica_name(*to);
                match events.get(i) {
                    Some(Event::Held { waits_for: gap, .. }) => {
                        i += 1;
                        (
                            Tone::Held,
                            format!(
                                "{at} received {what} and held it back{HELD_WAITS}{}.",
                                waits_for(gap, messages)
                            ),
                        )
                    }
                    Some(Event::Discarded { .. }) => {
                        i += 1;
                        (
                            Tone::Lost,
                            format!("{at} received {what} again and discarded the duplicate."),
                        )
                    }
                    Some(Event::Delivered { clock, .. }) => {
                        i += 1;
                        (
                            Tone::Plain,
                            format!("{at} received {what} and delivered it: its clock is now {clock}."),
                        )
                    }
                    _ => (Tone::Plain, format!("{at} received {what}.")),
                }
            }
            Event::Delivered {
                replica,
                message,
                from: sender,
                clock,
                ..
            } => (
                Tone::Plain,
                format!(
                    "{} delivered {} from its hold-back buffer: its clock is now {clock}.",
                    replica_name(*replica),
                    from(*message, *sender)
                ),
            ),
            Event::Sent {
                message,
                from: sender,
                to,
            } => (
                Tone::Plain,
                format!(
                    "{} sent {message} to {} again (a duplicate copy).",
                    replica_name(*sender),
                    replica_name(*to)
                ),
            ),
            Event::Dropped {
                message,
                from: sender,
                to,
            } => (
                Tone::Lost,
                format!(
                    "The copy of {} to {} was lost.",
                    from(*message, *sender),
                    replica_name(*to)
                ),
            ),
            Event::Violation(v) => (
                Tone::Violation,
                format!(
                    "Causal order broken at {}: {} was delivered before {}, which happened before it.",
                    replica_name(v.replica),
                    v.message,
                    v.missing
                ),
            ),
            Event::Held { .. } | Event::Discarded { .. } => continue,
        };
        lines.push(line);
    }
    lines
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

/// Where a hold's log line goes on to say what the message waits for.
const HELD_WAITS: &str = ": it waits for ";

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
        sim.apply_all([
            Command::Write {
                replica: 0,
                key: "x".into(),
                value: "1".into(),
            },
            Command::Drop { message: m1, to: 2 },
        ])
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
        sim.apply_all([Command::Deliver { message: m1, to: 1 }])
            .unwrap();
        assert_eq!(seen(&sim, 1), ("m1 was delivered at B.".to_string(), false));
    }

    #[test]
    fn a_write_and_its_sends_make_one_sentence() {
        let mut sim = Simulation::default();
        let events = sim
            .apply(Command::Write {
                replica: 1,
                key: "x".into(),
                value: String::new(),
            })
            .unwrap();
        assert_eq!(
            describe(&events, sim.messages()),
            [(
                Tone::Plain,
                "B wrote x = \"\" (an empty value) (m1) and sent it to A, C.".to_string()
            )]
        );
    }
}
