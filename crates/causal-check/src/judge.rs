//! Judging one step: the node's answers against the engine's replica, fairly.
//! The clock and the set of held messages are determined by what arrived; the
//! order in which concurrent messages were delivered is the node's choice, so
//! a key may hold any write the engine keeps as a multi-value sibling.

use std::collections::BTreeSet;

use causal_core::{Dot, Event, MessageId, ReplicaId, Simulation, VectorClock};
use serde_json::{json, Value};

use crate::api::{Receipt, StoreAnswer, WireMessage};
use crate::flaw::{Flaw, Kind};
use crate::tell::clock;

/// A flaw before it is placed at a step.
pub type Finding = (Kind, Value, Value, String);

fn finding(kind: Kind, expected: Value, got: Value, why: String) -> Option<Finding> {
    Some((kind, expected, got, why))
}

/// Places a finding at step `step`.
pub fn at(step: usize, (kind, expected, got, why): Finding) -> Flaw {
    Flaw {
        kind,
        step,
        expected,
        got,
        why,
        observed: Vec::new(),
    }
}

/// `m3 (B#2)`.
pub fn name(sim: &Simulation, message: MessageId) -> String {
    match sim.messages().get(message) {
        Some(m) => format!("{message} ({})", m.dot()),
        None => message.to_string(),
    }
}

/// The engine's message that a wire message claims to be, if it is exactly that.
pub fn identify(sim: &Simulation, wire: &WireMessage) -> Option<MessageId> {
    let seq = *wire.clock.get(wire.sender)?;
    let id = sim.messages().id_of(Dot {
        replica: wire.sender,
        seq,
    })?;
    let message = sim.messages().get(id)?;
    (WireMessage::from(message) == *wire).then_some(id)
}

/// What the engine did with `message` at `node` in `events`.
fn outcome(events: &[Event], node: ReplicaId, message: MessageId) -> Option<Receipt> {
    events.iter().find_map(|e| match e {
        Event::Delivered {
            replica,
            message: m,
            ..
        } if *replica == node && *m == message => Some(Receipt::Applied),
        Event::Held {
            replica,
            message: m,
            ..
        } if *replica == node && *m == message => Some(Receipt::Buffered),
        Event::Discarded {
            replica,
            message: m,
            ..
        } if *replica == node && *m == message => Some(Receipt::Discarded),
        _ => None,
    })
}

/// The node's answer to `POST /replicate` of `message`, against what the
/// engine did with it (`events`, `sim` after the step).
pub fn receipt(
    sim: &Simulation,
    events: &[Event],
    node: ReplicaId,
    message: MessageId,
    got: Receipt,
) -> Option<Finding> {
    let expected = outcome(events, node, message)?;
    let (e, g) = (json!(expected.word()), json!(got.word()));
    let named = name(sim, message);
    match (expected, got) {
        (Receipt::Discarded, Receipt::Applied | Receipt::Buffered) => {
            let before = if sim.replicas()[node]
                .hold_back()
                .iter()
                .any(|m| m == message)
            {
                "while it was held"
            } else {
                "after it was delivered"
            };
            let did = if got == Receipt::Applied {
                "applied"
            } else {
                "buffered"
            };
            finding(
                Kind::DuplicateKept,
                e,
                g,
                format!("{named} arrived again {before}, and the node {did} it instead of discarding it"),
            )
        }
        (Receipt::Buffered, Receipt::Applied) => finding(
            Kind::DeliveredTooEarly,
            e,
            g,
            format!(
                "the node applied {named} at once, although it waits for {}",
                sim.waits_for(node, message)
            ),
        ),
        (Receipt::Applied, Receipt::Buffered) => finding(
            Kind::HeldTooLong,
            e,
            g,
            format!("the node buffered {named}, although nothing it depends on was missing"),
        ),
        _ => None,
    }
}

/// The node's `GET /store` against the engine's replica `node` after a step
/// whose events are `events`.
pub fn store(
    sim: &Simulation,
    events: &[Event],
    node: ReplicaId,
    got: &StoreAnswer,
) -> Option<Finding> {
    let replica = &sim.replicas()[node];
    let engine_held: BTreeSet<MessageId> = replica.hold_back().iter().collect();
    let numbers = |ids: &mut dyn Iterator<Item = MessageId>| -> Value {
        json!(ids.map(|m| m.0).collect::<Vec<_>>())
    };
    // The node's buffer, message by message.
    let mut node_held = Vec::new();
    for entry in &got.buffered {
        let Ok(wire) = serde_json::from_value::<WireMessage>(entry.clone()) else {
            return finding(
                Kind::BadResponse,
                json!(r#"buffered: [{"key", "value", "sender", "clock"}, ...]"#),
                entry.clone(),
                format!("GET /store lists {entry} in its buffer, which is not a message"),
            );
        };
        let Some(id) = identify(sim, &wire) else {
            return finding(
                Kind::StoreDiffers,
                numbers(&mut engine_held.iter().copied()),
                entry.clone(),
                format!("the node's buffer holds {entry}, which no replica sent"),
            );
        };
        node_held.push(id);
    }
    let expected_held = numbers(&mut engine_held.iter().copied());
    let got_held = numbers(&mut node_held.iter().copied());
    let mut seen = BTreeSet::new();
    if let Some(&twice) = node_held.iter().find(|m| !seen.insert(**m)) {
        return finding(
            Kind::DuplicateKept,
            expected_held,
            got_held,
            format!("the node's buffer holds {} twice", name(sim, twice)),
        );
    }
    // What the node has delivered, by its own account: what it received
    // and does not hold. Its clock must be those messages' clocks merged,
    // whatever else is wrong; a message it holds for lack of that merge is a
    // clock's fault, not the buffer's.
    let mut implied = VectorClock::new(sim.replicas().len());
    let mut delivered = Vec::new();
    for message in sim.messages().iter() {
        if replica.knows(message) && !node_held.contains(&message.id) {
            implied.merge(&message.clock);
            delivered.push(message.id.0);
        }
    }
    if got.vector_clock != implied.entries() {
        return finding(
            Kind::ClockDiffers,
            json!(implied.entries()),
            json!(got.vector_clock),
            format!(
                "the node's clock is {}, although what it delivered ({}) makes {}",
                clock(&got.vector_clock),
                delivered
                    .iter()
                    .map(|m| format!("m{m}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                clock(implied.entries())
            ),
        );
    }
    for &m in &node_held {
        let Some(message) = sim.messages().get(m) else {
            continue;
        };
        if replica.has_delivered(message) {
            let released_now = events.iter().any(|e| {
                matches!(e, Event::Delivered { replica: r, message: d, released: true, .. }
                    if *r == node && *d == m)
            });
            let trigger = events.iter().find_map(|e| match e {
                Event::Delivered {
                    replica: r,
                    message: d,
                    released: false,
                    from,
                    ..
                } if *r == node && *from != node => Some(*d),
                _ => None,
            });
            let when = match (released_now, trigger) {
                (true, Some(t)) => format!(
                    ": it became deliverable once {} was delivered, and the engine released it then. \
                     A buffer flushed in one pass, not until nothing more can be delivered, does this",
                    name(sim, t)
                ),
                _ => ", which the engine has delivered".to_string(),
            };
            return finding(
                Kind::HeldTooLong,
                expected_held,
                got_held,
                format!("the node keeps {} buffered{when}", name(sim, m)),
            );
        }
    }
    for &m in &engine_held {
        if node_held.contains(&m) {
            continue;
        }
        let Some(message) = sim.messages().get(m) else {
            continue;
        };
        let dot = message.dot();
        let applied = got
            .vector_clock
            .get(dot.replica)
            .is_some_and(|&c| c >= dot.seq);
        return if applied {
            finding(
                Kind::DeliveredTooEarly,
                expected_held,
                got_held,
                format!(
                    "the node applied {} (its clock is {}), although it waits for {}",
                    name(sim, m),
                    clock(&got.vector_clock),
                    sim.waits_for(node, m)
                ),
            )
        } else {
            finding(
                Kind::StoreDiffers,
                expected_held,
                got_held,
                format!(
                    "the node lost {}: it is neither buffered nor applied",
                    name(sim, m)
                ),
            )
        };
    }
    if let Some(&m) = node_held.iter().find(|m| !engine_held.contains(m)) {
        return finding(
            Kind::StoreDiffers,
            expected_held,
            got_held,
            format!(
                "the node's buffer holds {}, which it never received",
                name(sim, m)
            ),
        );
    }
    let engine_clock = replica.clock().entries();
    if got.vector_clock != engine_clock {
        return finding(
            Kind::ClockDiffers,
            json!(engine_clock),
            json!(got.vector_clock),
            format!(
                "the node's clock is {}, and the engine's {}",
                clock(&got.vector_clock),
                clock(engine_clock)
            ),
        );
    }
    let engine_store = replica.store();
    for (key, _) in engine_store.iter() {
        let allowed: Vec<&str> = engine_store
            .versions(key)
            .iter()
            .map(|v| v.value.as_ref())
            .collect();
        let value = got.store.get(key);
        let fine = value
            .and_then(Value::as_str)
            .is_some_and(|v| allowed.contains(&v));
        if !fine {
            let shown = value.map_or("nothing".to_string(), Value::to_string);
            let rule = if allowed.len() == 1 {
                format!("{:?}", allowed[0])
            } else {
                format!("any of {allowed:?} (concurrent writes)")
            };
            return finding(
                Kind::StoreDiffers,
                json!({ "key": key, "any_of": allowed }),
                json!({ "key": key, "value": value }),
                format!("key {key:?} holds {shown} at the node; the rules allow {rule}"),
            );
        }
    }
    if let Some((key, value)) = got
        .store
        .iter()
        .find(|(k, _)| engine_store.get(k).is_none())
    {
        return finding(
            Kind::StoreDiffers,
            json!({ "key": key, "any_of": [] }),
            json!({ "key": key, "value": value }),
            format!("key {key:?} holds {value} at the node, but nothing delivered there wrote it"),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use causal_core::{Command, Config, Conflicts, Delivery};

    fn run(steps: Vec<Command>) -> Simulation {
        let config = Config {
            replicas: 3,
            delivery: Delivery::Causal,
            conflicts: Conflicts::MultiValue,
        };
        Simulation::replay(config, &steps).expect("a valid run")
    }

    fn answer(sim: &Simulation, value: &str) -> StoreAnswer {
        StoreAnswer {
            store: [("x".to_string(), json!(value))].into(),
            vector_clock: sim.replicas()[0].clock().entries().to_vec(),
            buffered: Vec::new(),
        }
    }

    #[test]
    fn a_key_may_hold_any_concurrent_write() {
        // B and C write x concurrently; A receives B's, then C's.
        let sim = run(vec![
            Command::write(1, "x", "B1"),
            Command::write(2, "x", "C2"),
            Command::deliver(1, 0),
            Command::deliver(2, 0),
        ]);
        // The engine's own order leaves C2; B1 is as legal.
        assert_eq!(store(&sim, &[], 0, &answer(&sim, "C2")), None);
        assert_eq!(store(&sim, &[], 0, &answer(&sim, "B1")), None);
        let wrong = store(&sim, &[], 0, &answer(&sim, "A9")).expect("a flaw");
        assert_eq!(wrong.0, Kind::StoreDiffers);
    }

    #[test]
    fn a_key_may_not_hold_a_write_that_another_happened_after() {
        // C wrote x after it had B's write: B1 is overwritten everywhere.
        let sim = run(vec![
            Command::write(1, "x", "B1"),
            Command::deliver(1, 2),
            Command::write(2, "x", "C2"),
            Command::deliver(1, 0),
            Command::deliver(2, 0),
        ]);
        assert_eq!(store(&sim, &[], 0, &answer(&sim, "C2")), None);
        let (kind, expected, got, why) = store(&sim, &[], 0, &answer(&sim, "B1")).expect("a flaw");
        assert_eq!(kind, Kind::StoreDiffers);
        assert_eq!(expected, json!({"key": "x", "any_of": ["C2"]}));
        assert_eq!(got, json!({"key": "x", "value": "B1"}));
        assert!(why.contains("\"B1\""), "{why}");
    }

    #[test]
    fn a_held_message_missing_from_the_buffer_was_delivered_too_early() {
        // B writes twice; A receives the second first and must hold it.
        let sim = run(vec![
            Command::write(1, "x", "B1"),
            Command::write(1, "x", "B2"),
            Command::deliver(2, 0),
        ]);
        let early = StoreAnswer {
            store: [("x".to_string(), json!("B2"))].into(),
            vector_clock: vec![0, 2, 0],
            buffered: Vec::new(),
        };
        let (kind, ..) = store(&sim, &[], 0, &early).expect("a flaw");
        assert_eq!(kind, Kind::DeliveredTooEarly);
        let held = StoreAnswer {
            store: Default::default(),
            vector_clock: vec![0, 0, 0],
            buffered: vec![json!({"key": "x", "value": "B2", "sender": 1, "clock": [0, 2, 0]})],
        };
        assert_eq!(store(&sim, &[], 0, &held), None);
    }
}
