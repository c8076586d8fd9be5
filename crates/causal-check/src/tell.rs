//! Telling a flaw to a person: the guarantee a client of the node would see
//! broken, the case as a proof in plain sentences, and a link that opens the
//! case on the page at its failing step with what the node answered.
//!
//! The notation is the page's: replicas A, B, C; messages m1, m2; clocks
//! `[1,0,0]`; a write as `A#1`.

use std::fmt;

use causal_core::{
    explain, replica_name, Command, Config, Conflicts, Delivery, MessageId, Simulation,
};
use serde::Serialize;
use serde_json::Value;

use crate::case::Case;
use crate::flaw::{Flaw, Kind, Observed};

/// What a client of the node would see broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Guarantee {
    /// A write is applied before a write it depends on.
    CausalDelivery,
    /// A client does not read back its own write.
    ReadYourWrites,
    /// A client reads an older value after a newer one.
    MonotonicReads,
    /// One replica's writes take effect out of the order they were made.
    MonotonicWrites,
    /// A write shows without a write its writer had read before it.
    WritesFollowReads,
    /// The replicas never agree, even once every message is delivered.
    Convergence,
}

impl Guarantee {
    /// Every guarantee.
    pub const ALL: [Guarantee; 6] = [
        Guarantee::CausalDelivery,
        Guarantee::ReadYourWrites,
        Guarantee::MonotonicReads,
        Guarantee::MonotonicWrites,
        Guarantee::WritesFollowReads,
        Guarantee::Convergence,
    ];

    /// Its name in the JSON line.
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::CausalDelivery => "causal-delivery",
            Guarantee::ReadYourWrites => "read-your-writes",
            Guarantee::MonotonicReads => "monotonic-reads",
            Guarantee::MonotonicWrites => "monotonic-writes",
            Guarantee::WritesFollowReads => "writes-follow-reads",
            Guarantee::Convergence => "convergence",
        }
    }

    /// What a client of replica `at` sees, in a sentence's words.
    fn seen(self, at: char) -> String {
        match self {
            Guarantee::CausalDelivery => {
                format!("a client of {at} cannot tell which writes {at} has applied in causal order")
            }
            Guarantee::ReadYourWrites => {
                format!("a client that wrote at {at} does not read its own write back there")
            }
            Guarantee::MonotonicReads => format!(
                "a client reading at {at} twice can see an older value after a newer one"
            ),
            Guarantee::MonotonicWrites => format!(
                "a client reading at {at} sees one replica's writes take effect out of the order they were made"
            ),
            Guarantee::WritesFollowReads => format!(
                "a client reading at {at} sees a write without a write its writer had read before making it"
            ),
            Guarantee::Convergence => format!(
                "{at} and the other replicas can stay different for good, even once every message is delivered"
            ),
        }
    }
}

impl fmt::Display for Guarantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A clock in the page's notation: `[1,0,0]`.
pub fn clock(entries: &[u64]) -> String {
    let inner: Vec<String> = entries.iter().map(u64::to_string).collect();
    format!("[{}]", inner.join(","))
}

/// The engine after the case's first `steps` steps.
fn engine(case: &Case, steps: usize) -> Option<Simulation> {
    Simulation::replay(case.config(), &case.steps[..steps.min(case.steps.len())]).ok()
}

/// The message a step is about, if any.
fn message_of(step: &Command) -> Option<MessageId> {
    match step {
        Command::Deliver { message, .. }
        | Command::Drop { message, .. }
        | Command::Duplicate { message, .. } => Some(*message),
        _ => None,
    }
}

/// Which guarantee a client would see broken by `flaw` in `case`.
pub fn guarantee(case: &Case, flaw: &Flaw) -> Guarantee {
    let node = case.node;
    let step = case.steps.get(flaw.step);
    let Some(sim) = engine(case, flaw.step + 1) else {
        return Guarantee::CausalDelivery;
    };
    match flaw.kind {
        Kind::DeliveredTooEarly => {
            // What the message applied too early waits for: the sender's own
            // earlier writes, or writes its sender had delivered.
            let held: Vec<MessageId> = step
                .and_then(message_of)
                .into_iter()
                .chain(sim.replicas()[node].hold_back().iter())
                .collect();
            for m in held {
                let gap = sim.waits_for(node, m);
                let Some(sender) = sim.messages().get(m).map(|m| m.sender) else {
                    continue;
                };
                if gap.is_empty() {
                    continue;
                }
                return if gap.0.iter().any(|run| run.sender == sender) {
                    Guarantee::MonotonicWrites
                } else {
                    Guarantee::WritesFollowReads
                };
            }
            Guarantee::CausalDelivery
        }
        Kind::HeldTooLong => Guarantee::Convergence,
        Kind::DuplicateKept => Guarantee::MonotonicReads,
        Kind::ClockDiffers => {
            let entries = |v: &Value| -> Vec<u64> {
                v.as_array()
                    .map(|a| a.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default()
            };
            let (expected, got) = (entries(&flaw.expected), entries(&flaw.got));
            if got.iter().zip(&expected).any(|(g, e)| g > e) {
                // Its next write claims writes that never were: the others
                // hold it for good.
                Guarantee::Convergence
            } else {
                // Its next write does not carry what it has delivered.
                Guarantee::WritesFollowReads
            }
        }
        Kind::StoreDiffers => {
            let key = flaw.expected["key"].as_str();
            let allowed: Vec<&str> = flaw.expected["any_of"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let shown = flaw.got["value"].as_str();
            let (Some(key), false) = (key, allowed.is_empty()) else {
                return Guarantee::Convergence;
            };
            let write = |value: &str| {
                sim.messages()
                    .iter()
                    .find(|m| &*m.key == key && &*m.value == value)
                    .cloned()
            };
            let allowed: Vec<_> = allowed.iter().filter_map(|v| write(v)).collect();
            if allowed.iter().any(|m| m.sender == node) {
                return Guarantee::ReadYourWrites;
            }
            let Some(shown) = shown.and_then(write) else {
                return Guarantee::Convergence;
            };
            match allowed
                .iter()
                .find(|m| shown.clock.happened_before(&m.clock))
            {
                Some(newer) if newer.sender == shown.sender => Guarantee::MonotonicWrites,
                Some(_) => Guarantee::WritesFollowReads,
                None => Guarantee::Convergence,
            }
        }
        Kind::BadMessage => Guarantee::Convergence,
        Kind::BadResponse => {
            if flaw.why.starts_with("GET /store") {
                Guarantee::MonotonicReads
            } else {
                match step {
                    Some(Command::Write { replica, .. }) if *replica == node => {
                        Guarantee::ReadYourWrites
                    }
                    _ => Guarantee::CausalDelivery,
                }
            }
        }
    }
}

/// Step `index` of `case` in the explaining layer's words, a write with
/// its message and clock: "B writes x = 1 (m1 at [0,1,0])", "m1 arrives at A".
pub fn step(case: &Case, index: usize) -> String {
    let Some(command) = case.steps.get(index) else {
        return String::new();
    };
    let written = case.steps[..=index]
        .iter()
        .filter(|s| matches!(s, Command::Write { .. }))
        .count();
    let sim = match command {
        Command::Write { .. } => engine(case, index + 1),
        _ => None,
    };
    let made = sim
        .as_ref()
        .and_then(|sim| sim.messages().get(MessageId(written as u32)));
    explain::step(command, made)
}

/// The case told as a proof: which writes, with which clocks, what happened
/// in order, what the rules demand at the failing step, what the node did,
/// and what a client sees of it.
pub fn proof(case: &Case, flaw: &Flaw, guarantee: Guarantee) -> String {
    let node = replica_name(case.node);
    let Some(sim) = engine(case, flaw.step + 1) else {
        return format!("The case cannot be replayed; the node {}.", flaw.why);
    };
    let messages: Vec<_> = sim.messages().iter().collect();
    let mut text = String::new();
    if !messages.is_empty() {
        let lets: Vec<String> = messages
            .iter()
            .map(|m| {
                format!(
                    "{} be {}'s write {} at {}",
                    m.id,
                    replica_name(m.sender),
                    explain::assignment(m),
                    m.clock
                )
            })
            .collect();
        text.push_str(&format!("Let {}. ", lets.join(", and ")));
        // Happened-before, each pair once and only the nearest: what the
        // rules order.
        let mut before = Vec::new();
        for b in &messages {
            for a in &messages {
                let direct = a.clock.happened_before(&b.clock)
                    && !messages.iter().any(|c| {
                        a.clock.happened_before(&c.clock) && c.clock.happened_before(&b.clock)
                    });
                if direct {
                    before.push(format!(
                        "{} happened before {} ({} < {})",
                        a.id,
                        b.id,
                        clock(a.clock.entries()),
                        clock(b.clock.entries())
                    ));
                }
            }
        }
        if !before.is_empty() {
            text.push_str(&format!("By their clocks, {}. ", before.join("; ")));
        }
    }
    text.push_str(&format!(
        "The node under test is {node}; the checker plays the other replicas. "
    ));
    let said: Vec<String> = (0..=flaw.step.min(case.steps.len() - 1))
        .map(|index| step(case, index))
        .collect();
    text.push_str(&format!("In order: {}. ", said.join("; ")));
    let demand = demand(case, flaw, &sim);
    text.push_str(&format!("Then {demand}, but {}. ", flaw.why));
    text.push_str(&format!(
        "So {}: {} is broken.",
        guarantee.seen(node),
        guarantee
    ));
    text
}

/// What the rules demand of the node at the failing step.
fn demand(case: &Case, flaw: &Flaw, sim: &Simulation) -> String {
    let node = replica_name(case.node);
    let message = case.steps.get(flaw.step).and_then(message_of);
    let named = message.map_or("the message".to_string(), |m| m.to_string());
    match flaw.kind {
        Kind::DeliveredTooEarly => {
            let waiting = message
                .map(|m| sim.waits_for(case.node, m))
                .filter(|g| !g.is_empty())
                .or_else(|| {
                    sim.replicas()[case.node]
                        .hold_back()
                        .iter()
                        .map(|m| sim.waits_for(case.node, m))
                        .find(|g| !g.is_empty())
                });
            match waiting {
                Some(gap) => format!(
                    "{node} must hold back what arrived until {} is delivered",
                    explain::waits_for(&gap, sim.messages())
                ),
                None => format!("{node} must hold back what happened after an undelivered write"),
            }
        }
        Kind::HeldTooLong => format!(
            "{node} must deliver every message whose past it has delivered, at once and until none is left"
        ),
        Kind::DuplicateKept => {
            format!("{node} must discard {named}: it has it already")
        }
        Kind::ClockDiffers => format!("{node}'s clock must be {}", value_words(&flaw.expected)),
        Kind::StoreDiffers => match flaw.expected.get("any_of") {
            Some(any) => format!(
                "key {} at {node} may hold only {}",
                flaw.expected["key"],
                value_words(any)
            ),
            None => format!("{node} must hold back exactly {}", value_words(&flaw.expected)),
        },
        Kind::BadMessage => format!(
            "{node} must send each other replica its write as {}",
            value_words(&flaw.expected)
        ),
        Kind::BadResponse => format!("{node} must answer as the API says"),
    }
}

/// A JSON value in a sentence: clocks as `[1,0,0]`, strings bare.
fn value_words(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            clock(&items.iter().filter_map(Value::as_u64).collect::<Vec<u64>>())
        }
        Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}

/// The fragment's document, version 1: what the page reads from
/// `#check=`.
#[derive(Serialize)]
struct LinkDocument<'a> {
    version: u32,
    kind: &'a str,
    guarantee: &'a str,
    scenario: Value,
    /// Steps applied when the flaw shows: the timeline's position.
    step: usize,
    observed: &'a [Observed],
}

/// The page's address that opens `case` at its failing step with what the
/// node answered: `page` + `#check=` + base64url (no padding) of the JSON
/// document `{version, kind, guarantee, scenario, step, observed}`.
pub fn link(
    page: &str,
    case: &Case,
    flaw: &Flaw,
    guarantee: Guarantee,
    observed: &[Observed],
) -> String {
    let scenario = causal_core::Scenario {
        steps: case.steps.clone(),
        title: Some(format!("causal-check: {}", flaw.kind)),
        ..causal_core::Scenario::new(Config {
            replicas: case.replicas,
            delivery: Delivery::Causal,
            conflicts: Conflicts::Overwrite,
        })
    };
    let document = LinkDocument {
        version: 1,
        kind: flaw.kind.name(),
        guarantee: guarantee.name(),
        scenario: serde_json::to_value(&scenario).unwrap_or_default(),
        step: (flaw.step + 1).min(case.steps.len()),
        observed,
    };
    let json = serde_json::to_string(&document).unwrap_or_default();
    let base = page.split('#').next().unwrap_or(page);
    format!("{base}#check={}", base64url(json.as_bytes()))
}

/// Base64url without padding (RFC 4648 section 5).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes [`base64url`]; `None` for anything else.
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "{\"version\":1}", "ÿþ?>"] {
            let coded = base64url(text.as_bytes());
            assert!(!coded.contains(['+', '/', '=']));
            assert_eq!(from_base64url(&coded).as_deref(), Some(text.as_bytes()));
        }
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(b"fo"), "Zm8");
    }

    #[test]
    fn a_write_applied_before_its_senders_earlier_one_breaks_monotonic_writes() {
        let case = Case {
            replicas: 3,
            node: 0,
            steps: vec![
                Command::write(1, "x", "B1"),
                Command::write(1, "x", "B2"),
                Command::deliver(2, 0),
            ],
        };
        let flaw = Flaw {
            kind: Kind::DeliveredTooEarly,
            step: 2,
            expected: Value::from("buffered"),
            got: Value::from("applied"),
            why: "the node applied m2 (B#2) at once, although it waits for B#1".into(),
            observed: Vec::new(),
        };
        let g = guarantee(&case, &flaw);
        assert_eq!(g, Guarantee::MonotonicWrites);
        let proof = proof(&case, &flaw, g);
        assert!(
            proof.starts_with("Let m1 be B's write x = B1 at [0,1,0], and m2 be B's write x = B2 at [0,2,0]. By their clocks, m1 happened before m2 ([0,1,0] < [0,2,0])."),
            "{proof}"
        );
        assert!(
            proof.contains("In order: B writes x = B1 (m1 at [0,1,0]); B writes x = B2 (m2 at [0,2,0]); m2 arrives at A."),
            "{proof}"
        );
        assert!(
            proof.contains("A must hold back what arrived until B#1 (m1) is delivered"),
            "{proof}"
        );
        assert!(proof.contains("but the node applied m2"), "{proof}");
        assert!(proof.ends_with("monotonic-writes is broken."), "{proof}");
    }
}
