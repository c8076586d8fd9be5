//! Plain words for what the engine did: the log's lines and the held
//! messages' explanations. Words only; every fact comes from the engine.

use causal_core::{replica_name, Delivery, Event, Gap, MessageId, Messages, ReplicaId, Simulation};

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

/// Runs longer than this are summarised rather than listed.
const LISTED: u64 = 4;

/// What a held message waits for: "A#1 (m1)", "A#1..A#3 (m1, m4, m6)", or
/// for a long run "A#1..A#120 (120 writes)".
pub fn waits_for(gap: &Gap, messages: &Messages) -> String {
    gap.0
        .iter()
        .map(|run| {
            let ids = if run.len() <= LISTED {
                run.messages(messages)
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                format!("{} writes", run.len())
            };
            format!("{run} ({ids})")
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Why a held message waits, in words and numbers:
/// "m4 from B waits for A#1 (m1): C has delivered 0 of A's writes."
pub fn held_explanation(
    replica: ReplicaId,
    message: MessageId,
    sender: ReplicaId,
    gap: &Gap,
    messages: &Messages,
) -> String {
    if gap.is_empty() {
        return format!("{} is held.", from(message, sender));
    }
    let counts: Vec<String> = gap
        .0
        .iter()
        .map(|run| {
            format!(
                "{} has delivered {} of {}'s writes",
                replica_name(replica),
                run.have,
                replica_name(run.sender)
            )
        })
        .collect();
    format!(
        "{} waits for {}: {}.",
        from(message, sender),
        waits_for(gap, messages),
        counts.join(", ")
    )
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
                                "{at} received {what} and held it back: it waits for {}.",
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

/// The delivery rule a held message is tested against, with its names:
/// "causal: m2 is delivered at C when m2[B] = C[B] + 1 and m2[k] ≤ C[k] for every other k."
pub fn rule_text(
    rule: Delivery,
    replica: ReplicaId,
    message: MessageId,
    sender: ReplicaId,
) -> String {
    let (r, j) = (replica_name(replica), replica_name(sender));
    match rule {
        Delivery::Causal => format!(
            "causal: {r} delivers {message} when {message}[{j}] = {r}[{j}] + 1 and {message}[k] \u{2264} {r}[k] for every other k"
        ),
        Delivery::Fifo => format!(
            "fifo: {r} delivers {message} when {message}[{j}] is one more than the writes from {j} it has delivered"
        ),
        Delivery::Unordered => format!("unordered: {r} delivers {message} at once"),
    }
}

/// Each entry of the rule that fails, with its numbers, from the engine's
/// gap: (entry, "m2[A] = 1 > C[A] = 0: C has not seen A's first write").
pub fn failing_entries(
    rule: Delivery,
    replica: ReplicaId,
    message: MessageId,
    sender: ReplicaId,
    gap: &Gap,
) -> Vec<(ReplicaId, String)> {
    let r = replica_name(replica);
    gap.0
        .iter()
        .map(|run| {
            let k = replica_name(run.sender);
            let test = if run.sender != sender {
                // Under causal, the clock's entry is what was delivered.
                format!("{message}[{k}] = {} > {r}[{k}] = {}", run.last, run.have)
            } else if rule == Delivery::Causal {
                format!(
                    "{message}[{k}] = {} \u{2260} {r}[{k}] + 1 = {}",
                    run.last + 1,
                    run.have + 1
                )
            } else {
                format!(
                    "{message}[{k}] = {} \u{2260} {} + 1, the writes from {k} {r} has delivered",
                    run.last + 1,
                    run.have
                )
            };
            let seen = if run.first == run.last {
                format!("{k}'s {} write", ordinal(run.first))
            } else {
                format!("{k}'s writes {} to {}", run.first, run.last)
            };
            (run.sender, format!("{test}: {r} has not seen {seen}"))
        })
        .collect()
}

/// "first", "second", ... "10th", "21st".
fn ordinal(n: u64) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match n {
        1..=10 => WORDS[n as usize - 1].to_string(),
        _ => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
    }
}
