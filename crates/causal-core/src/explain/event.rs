//! Events in words: what a step made happen, told the same way in the
//! page's log, the space-time diagram's marks and `causal-sim shiviz`.

use crate::{replica_name, Event, Message, MessageId, Messages, ReplicaId, Violation};

use super::waits_for;

/// What kind of thing a told event is, for how it is shown.
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

/// A write in the notation: `x = 1`; an empty value is said, never shown
/// as nothing: `x = "" (an empty value)`.
pub fn assignment(message: &Message) -> String {
    match &*message.value {
        "" => format!("{} = \"\" (an empty value)", message.key),
        value => format!("{} = {value}", message.key),
    }
}

/// "m2 from B".
fn from(message: MessageId, sender: ReplicaId) -> String {
    format!("{message} from {}", replica_name(sender))
}

/// A broken causal order, as a phrase: "causal order broken at C: m2 was
/// delivered before m1, which happened before it".
pub fn violation(v: &Violation) -> String {
    format!(
        "causal order broken at {}: {} was delivered before {}, which happened before it",
        replica_name(v.replica),
        v.message,
        v.missing
    )
}

/// One event as a phrase (no full stop; [`sentence`] makes it one). An
/// event that only completes another (a receipt, before what became of it)
/// reads alone as it happened: "C received m2 from B".
pub fn event(event: &Event, messages: &Messages) -> (Tone, String) {
    match event {
        Event::Delivered {
            replica, message, ..
        } if event.is_write() => {
            let write = messages.get(*message).map(assignment).unwrap_or_default();
            (
                Tone::Plain,
                format!("{} wrote {write} ({message})", replica_name(*replica)),
            )
        }
        Event::Received { message, from, to } => (
            Tone::Plain,
            format!(
                "{} received {}",
                replica_name(*to),
                self::from(*message, *from)
            ),
        ),
        Event::Held {
            replica,
            message,
            from,
            waits_for: gap,
        } => (
            Tone::Held,
            format!(
                "{} received {} and held it back{HELD_WAITS}{}",
                replica_name(*replica),
                self::from(*message, *from),
                waits_for(gap, messages)
            ),
        ),
        Event::Discarded {
            replica,
            message,
            from,
        } => (
            Tone::Lost,
            format!(
                "{} received {} again and discarded the duplicate",
                replica_name(*replica),
                self::from(*message, *from)
            ),
        ),
        Event::Delivered {
            replica,
            message,
            from,
            clock,
            released,
        } => {
            let (r, what) = (replica_name(*replica), self::from(*message, *from));
            let done = if *released {
                format!("{r} delivered {what} out of its hold-back buffer")
            } else {
                format!("{r} received {what} and delivered it")
            };
            (Tone::Plain, format!("{done}: its clock is now {clock}"))
        }
        Event::Sent { message, from, to } => (
            Tone::Plain,
            format!(
                "{} sent {message} to {}",
                replica_name(*from),
                replica_name(*to)
            ),
        ),
        Event::Dropped { message, from, to } => (
            Tone::Lost,
            format!(
                "the copy of {} to {} was lost",
                self::from(*message, *from),
                replica_name(*to)
            ),
        ),
        Event::Violation(v) => (Tone::Violation, violation(v)),
    }
}

/// One sentence per thing that happened in a step, in order: a write and
/// its sends make one, a receipt and what became of it make one, a copy
/// sent on its own is a duplicate.
pub fn events(events: &[Event], messages: &Messages) -> Vec<(Tone, String)> {
    let mut lines = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let happened = &events[i];
        i += 1;
        let (tone, mut text) = match happened {
            Event::Delivered { message, .. } if happened.is_write() => {
                let mut to: Vec<String> = Vec::new();
                while let Some(Event::Sent {
                    message: m,
                    to: dest,
                    ..
                }) = events.get(i)
                {
                    if m != message {
                        break;
                    }
                    to.push(replica_name(*dest).to_string());
                    i += 1;
                }
                let (tone, wrote) = event(happened, messages);
                (tone, format!("{wrote} and sent it to {}", to.join(", ")))
            }
            Event::Received { .. } => match events.get(i) {
                Some(
                    outcome @ (Event::Held { .. }
                    | Event::Discarded { .. }
                    | Event::Delivered {
                        released: false, ..
                    }),
                ) => {
                    i += 1;
                    event(outcome, messages)
                }
                _ => event(happened, messages),
            },
            Event::Sent { .. } => {
                let (tone, sent) = event(happened, messages);
                (tone, format!("{sent} again (a duplicate copy)"))
            }
            Event::Held { .. } | Event::Discarded { .. } => continue,
            _ => event(happened, messages),
        };
        text = sentence(&text);
        lines.push((tone, text));
    }
    lines
}

/// Where a hold's words go on to say what the message waits for: the part
/// a page leaves out while a prediction about it waits.
pub const HELD_WAITS: &str = ": it waits for ";

/// The phrase `text` as a sentence: its first letter capitalised, a full
/// stop added.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // ASCII only: Unicode case tables would cost the page kilobytes.
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str() + ".",
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, Simulation};

    fn told(sim: &mut Simulation, command: Command) -> Vec<String> {
        let happened = sim.apply(command).unwrap();
        events(&happened, sim.messages())
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    #[test]
    fn a_step_is_told_in_sentences_of_the_notation() {
        let mut sim = Simulation::default();
        assert_eq!(
            told(&mut sim, Command::write(1, "x", "")),
            ["B wrote x = \"\" (an empty value) (m1) and sent it to A, C."]
        );
        assert_eq!(
            told(&mut sim, Command::deliver(1, 0)),
            ["A received m1 from B and delivered it: its clock is now [0,1,0]."]
        );
        told(&mut sim, Command::write(0, "y", "2"));
        assert_eq!(
            told(&mut sim, Command::deliver(2, 2)),
            ["C received m2 from A and held it back: it waits for B#1 (m1)."]
        );
        assert_eq!(
            told(&mut sim, Command::deliver(1, 2)),
            [
                "C received m1 from B and delivered it: its clock is now [0,1,0].",
                "C delivered m2 from A out of its hold-back buffer: its clock is now [1,1,0]."
            ]
        );
        assert_eq!(
            told(&mut sim, Command::duplicate(2, 2)),
            ["A sent m2 to C again (a duplicate copy)."]
        );
        assert_eq!(
            told(&mut sim, Command::deliver(2, 2)),
            ["C received m2 from A again and discarded the duplicate."]
        );
        assert_eq!(
            told(&mut sim, Command::drop(2, 1)),
            ["The copy of m2 from A to B was lost."]
        );
    }
}
