//! Playing one case: the engine runs every step; a write at the node goes to
//! it as `POST /put`, a copy delivered to it as `POST /replicate`; after each
//! of those, its answer, what it sent its peers and `GET /store` are judged.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use causal_core::{replica_name, Command, MessageId, ReplicaId, Simulation};
use serde_json::{json, Value};

use crate::api::{BadResponse, NodeApi, StoreAnswer, WireMessage};
use crate::case::Case;
use crate::flaw::Observed;
use crate::flaw::{Flaw, Kind};
use crate::judge::{self, at, identify, name};
use crate::peers::{Peers, Sent};
use crate::tell;

/// How long the node has to send a write to every peer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// One step in words, as the proof tells it: `m3 arrives at A`.
pub fn describe(case: &Case, index: usize) -> String {
    tell::step(case, index)
}

/// What the node sent, checked message by message: each must be one of its
/// own writes, exactly as the engine has it (a retry of one is fine).
struct Outbox<'a> {
    peers: Option<&'a Peers>,
    node: ReplicaId,
    /// (peer, message) the node has sent.
    arrived: BTreeSet<(ReplicaId, MessageId)>,
}

impl Outbox<'_> {
    fn replica_of(&self, listener: usize) -> ReplicaId {
        if listener < self.node {
            listener
        } else {
            listener + 1
        }
    }

    fn check(&mut self, sim: &Simulation, sent: Vec<Sent>) -> Result<(), (Value, Value, String)> {
        for Sent { listener, body } in sent {
            let peer = replica_name(self.replica_of(listener));
            let wire = match body {
                Ok(wire) => wire,
                Err(why) => {
                    return Err((
                        json!(r#"{"key", "value", "sender", "clock"}"#),
                        json!(why),
                        format!(
                            "the node sent {peer} a /replicate body that is not a message: {why}"
                        ),
                    ))
                }
            };
            let got = serde_json::to_value(&wire).unwrap_or_default();
            match identify(sim, &wire) {
                Some(id) if wire.sender == self.node => {
                    self.arrived.insert((self.replica_of(listener), id));
                }
                _ => {
                    // The write it most likely meant: its own, by sequence number.
                    let own = || sim.messages().iter().filter(|m| m.sender == self.node);
                    let meant = own()
                        .find(|m| Some(&m.dot().seq) == wire.clock.get(self.node))
                        .or_else(|| own().find(|m| *m.key == wire.key && *m.value == wire.value));
                    let expected = meant.map_or(Value::Null, |m| {
                        serde_json::to_value(WireMessage::from(m)).unwrap_or_default()
                    });
                    let why = match meant {
                        Some(m) => format!(
                            "the node sent {peer} {got} for {}, whose message is {expected}",
                            name(sim, m.id)
                        ),
                        None => format!("the node sent {peer} {got}, which is none of its writes"),
                    };
                    return Err((expected, got, why));
                }
            }
        }
        Ok(())
    }

    /// Takes what has been sent and checks it; waits until `message` reached
    /// every peer if `wait_for` says so.
    fn collect(
        &mut self,
        sim: &Simulation,
        wait_for: Option<MessageId>,
    ) -> Result<(), (Value, Value, String)> {
        let Some(peers) = self.peers else {
            return Ok(());
        };
        let sent = peers.take();
        self.check(sim, sent)?;
        let Some(message) = wait_for else {
            return Ok(());
        };
        let deadline = Instant::now() + SEND_TIMEOUT;
        loop {
            let missing = (0..sim.replicas().len())
                .find(|&p| p != self.node && !self.arrived.contains(&(p, message)));
            let Some(missing) = missing else {
                return Ok(());
            };
            if Instant::now() >= deadline {
                let expected = sim.messages().get(message).map_or(Value::Null, |m| {
                    serde_json::to_value(WireMessage::from(m)).unwrap_or_default()
                });
                return Err((
                    expected,
                    Value::Null,
                    format!(
                        "the node never sent {} to {} (waited {} s)",
                        name(sim, message),
                        replica_name(missing),
                        SEND_TIMEOUT.as_secs_f64()
                    ),
                ));
            }
            let sent = peers.wait(deadline);
            self.check(sim, sent)?;
        }
    }
}

/// A flaw for an answer that is not the API's (or none), at `step`.
pub(crate) fn bad_response(step: usize, bad: BadResponse) -> Flaw {
    Flaw {
        kind: Kind::BadResponse,
        step,
        expected: json!(bad.expected),
        got: json!(bad.got),
        why: bad.to_string(),
        observed: Vec::new(),
    }
}

/// Plays `case` on the node at `api` (fresh: nothing written, nothing
/// received), its peers' listeners `peers` (if the checker can see what it
/// sends). Returns how many steps reached the node, or its first flaw.
pub fn play(case: &Case, api: &NodeApi, peers: Option<&Peers>) -> Result<usize, Flaw> {
    let mut sim = Simulation::new(case.config()).map_err(|e| invalid(0, e))?;
    play_on(case, api, peers, &mut sim).map_err(|mut flaw| {
        // Beside the engine's replica, what the node shows now (unless it
        // cannot answer: asking again would only wait again).
        if flaw.kind != Kind::BadResponse {
            if let Ok(answer) = api.store() {
                flaw.observed = vec![observe(&sim, case.node, &answer)];
            }
        }
        flaw
    })
}

/// The node's answer to `GET /store`, as the page shows it.
pub fn observe(sim: &Simulation, node: ReplicaId, answer: &StoreAnswer) -> Observed {
    Observed {
        replica: node,
        clock: answer.vector_clock.clone(),
        store: answer.store.clone().into_iter().collect(),
        held: answer
            .buffered
            .iter()
            .filter_map(|b| serde_json::from_value::<WireMessage>(b.clone()).ok())
            .filter_map(|w| identify(sim, &w))
            .map(|m| m.0)
            .collect(),
    }
}

fn play_on(
    case: &Case,
    api: &NodeApi,
    peers: Option<&Peers>,
    sim: &mut Simulation,
) -> Result<usize, Flaw> {
    let node = case.node;
    let mut outbox = Outbox {
        peers,
        node,
        arrived: BTreeSet::new(),
    };
    if let Some(peers) = peers {
        peers.take();
    }
    let mut reached = 0;
    for (index, step) in case.steps.iter().enumerate() {
        let events = match step {
            Command::Write {
                replica,
                key,
                value,
            } if *replica == node => {
                let events = sim.apply(step.clone()).map_err(|e| invalid(index, e))?;
                let message = MessageId(sim.messages().len() as u32);
                let got = api.put(key, value).map_err(|b| bad_response(index, b))?;
                let clock = sim.replicas()[node].clock().entries();
                if got != clock {
                    return Err(at(
                        index,
                        (
                            Kind::ClockDiffers,
                            json!(clock),
                            json!(got),
                            format!(
                                "the node's put answered the clock {}, and after the write it is {}",
                                tell::clock(&got),
                                tell::clock(clock)
                            ),
                        ),
                    ));
                }
                outbox
                    .collect(sim, Some(message))
                    .map_err(|(e, g, why)| at(index, (Kind::BadMessage, e, g, why)))?;
                events
            }
            Command::Deliver { message, to } if *to == node => {
                let wire = sim
                    .messages()
                    .get(*message)
                    .map(WireMessage::from)
                    .ok_or_else(|| invalid(index, format!("no message {message}")))?;
                let events = sim.apply(step.clone()).map_err(|e| invalid(index, e))?;
                let got = api.replicate(&wire).map_err(|b| bad_response(index, b))?;
                if let Some(found) = judge::receipt(sim, &events, node, *message, got) {
                    return Err(at(index, found));
                }
                outbox
                    .collect(sim, None)
                    .map_err(|(e, g, why)| at(index, (Kind::BadMessage, e, g, why)))?;
                events
            }
            _ => {
                sim.apply(step.clone()).map_err(|e| invalid(index, e))?;
                continue;
            }
        };
        reached += 1;
        let answer = api.store().map_err(|b| bad_response(index, b))?;
        if let Some(found) = judge::store(sim, &events, node, &answer) {
            return Err(at(index, found));
        }
    }
    Ok(reached)
}

/// A step the engine refuses: the case itself is wrong (never a node's flaw;
/// cases are checked before they are played).
pub(crate) fn invalid(step: usize, why: impl ToString) -> Flaw {
    Flaw {
        kind: Kind::BadResponse,
        step,
        expected: Value::Null,
        got: Value::Null,
        why: format!("the case cannot be played: {}", why.to_string()),
        observed: Vec::new(),
    }
}
