//! `causal-check cluster`: a whole cluster checked from the outside.
//!
//! The checker starts K copies of the node; each one's `PEERS` point at
//! ports of the checker, one per (sender, receiver) link, so that every
//! `/replicate` between nodes goes through it. The checker is the network:
//! it passes each copy on when the case says, late, out of order, twice, or
//! lost and sent again (the nemesis, drawn from the seed as the cases are).
//! Clients write at one node and read `GET /store` at the node a step
//! changed. Only what a client sees is judged: each value read must be one
//! that causal delivery allows at that node given what reached it (the
//! engine's multi-value siblings), and once the network heals every node must
//! hold what the engine's replicas hold. Clocks and buffers are the node's
//! own business here; an answer that is not the API's at all (to `/put`,
//! `/replicate` or `GET /store`), or none, is still a `bad-response`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Instant;

use causal_core::{replica_name, Command, MessageId, ReplicaId, Simulation};
use serde_json::{json, Value};

use crate::api::{NodeApi, StoreAnswer, WireMessage};
use crate::case::Case;
use crate::check::{run_cases, Mode, Options, Progress, Summary};
use crate::flaw::{Flaw, Kind};
use crate::judge::{at, Finding};
use crate::peers::Peers;
use crate::play::{invalid, observe, SEND_TIMEOUT};
use crate::target::{start_all, Running, Unreachable};

/// The listener of the link from `from` to `to` among `k` nodes.
fn link(k: usize, from: ReplicaId, to: ReplicaId) -> usize {
    from * (k - 1) + if to < from { to } else { to - 1 }
}

/// The link a listener stands for.
fn link_of(k: usize, listener: usize) -> (ReplicaId, ReplicaId) {
    let from = listener / (k - 1);
    let to = listener % (k - 1);
    (from, if to < from { to } else { to + 1 })
}

/// A case for the whole cluster: the drawn run (copies delivered late, out
/// of order, twice, or lost), every lost copy sent again, then the network
/// healed (every copy still in flight delivered, in the order sent).
pub fn cluster_case(replicas: usize, seed: u64) -> Case {
    let mut case = Case::generate(replicas, None, seed);
    let retries: Vec<Command> = case
        .steps
        .iter()
        .filter_map(|s| match s {
            Command::Drop { message, to } => Some(Command::Duplicate {
                message: *message,
                to: *to,
            }),
            _ => None,
        })
        .collect();
    case.steps.extend(retries);
    if let Ok(sim) = Simulation::replay(case.config(), &case.steps) {
        case.steps.extend(sim.in_flight().map(|c| Command::Deliver {
            message: c.message,
            to: c.to,
        }));
    }
    case
}

/// Plays `case` on the cluster at `apis`, every link through `links`.
/// Returns the steps played, or the first thing a client saw wrong; the
/// flaw's case node is the replica where it showed (`at`).
pub fn play_cluster(
    case: &Case,
    apis: &[&NodeApi],
    links: &Peers,
) -> Result<usize, (Flaw, ReplicaId)> {
    let k = case.replicas;
    let mut sim = Simulation::new(case.config()).map_err(|e| (invalid(0, e), 0))?;
    // What each node sent on each link: the copy the network passes on.
    let mut sent: BTreeMap<(MessageId, ReplicaId), WireMessage> = BTreeMap::new();
    links.take();
    for (index, step) in case.steps.iter().enumerate() {
        let changed = match step {
            Command::Write {
                replica,
                key,
                value,
            } => {
                sim.apply(step.clone())
                    .map_err(|e| (invalid(index, e), *replica))?;
                let message = MessageId(sim.messages().len() as u32);
                apis[*replica]
                    .put(key, value)
                    .map_err(|b| (crate::play::bad_response(index, b), *replica))?;
                gather(&sim, links, k, *replica, message, &mut sent)
                    .map_err(|f| (at(index, f), *replica))?;
                *replica
            }
            Command::Deliver { message, to } => {
                sim.apply(step.clone())
                    .map_err(|e| (invalid(index, e), *to))?;
                let Some(wire) = sent.get(&(*message, *to)) else {
                    return Err((invalid(index, "a copy nobody sent"), *to));
                };
                apis[*to]
                    .replicate(wire)
                    .map_err(|b| (crate::play::bad_response(index, b), *to))?;
                *to
            }
            _ => {
                sim.apply(step.clone())
                    .map_err(|e| (invalid(index, e), 0))?;
                continue;
            }
        };
        let answer = apis[changed]
            .store()
            .map_err(|b| (crate::play::bad_response(index, b), changed))?;
        if let Some(f) = values(&sim, changed, &answer) {
            return Err((at(index, f), changed));
        }
    }
    // Healed: every node as the engine's replica.
    let last = case.steps.len().saturating_sub(1);
    for (replica, api) in apis.iter().enumerate() {
        let answer = api
            .store()
            .map_err(|b| (crate::play::bad_response(last, b), replica))?;
        if let Some((kind, expected, got, why)) = values(&sim, replica, &answer) {
            let why = format!(
                "once every message was delivered, {why} (at {})",
                replica_name(replica)
            );
            return Err((at(last, (kind, expected, got, why)), replica));
        }
    }
    Ok(case.steps.len())
}

/// Waits until `writer` has sent `message` on each of its links, and keeps
/// each copy as sent.
fn gather(
    sim: &Simulation,
    links: &Peers,
    k: usize,
    writer: ReplicaId,
    message: MessageId,
    sent: &mut BTreeMap<(MessageId, ReplicaId), WireMessage>,
) -> Result<(), Finding> {
    let deadline = Instant::now() + SEND_TIMEOUT;
    absorb(sim, k, links.take(), sent)?;
    loop {
        let missing = (0..k).find(|&to| to != writer && !sent.contains_key(&(message, to)));
        let Some(missing) = missing else {
            return Ok(());
        };
        if Instant::now() >= deadline {
            return Err((
                Kind::BadMessage,
                sim.messages().get(message).map_or(Value::Null, |m| {
                    serde_json::to_value(WireMessage::from(m)).unwrap_or_default()
                }),
                Value::Null,
                format!(
                    "{} never sent {message} to {} (waited {} s), so {} never sees that write",
                    replica_name(writer),
                    replica_name(missing),
                    SEND_TIMEOUT.as_secs_f64(),
                    replica_name(missing)
                ),
            ));
        }
        absorb(sim, k, links.wait(deadline), sent)?;
    }
}

/// Keeps each copy the nodes sent, by the write it is (values are unique to
/// their write).
fn absorb(
    sim: &Simulation,
    k: usize,
    arrived: Vec<crate::peers::Sent>,
    sent: &mut BTreeMap<(MessageId, ReplicaId), WireMessage>,
) -> Result<(), Finding> {
    for copy in arrived {
        let (from, to) = link_of(k, copy.listener);
        let Ok(wire) = copy.body else {
            continue;
        };
        let id = sim
            .messages()
            .iter()
            .find(|m| m.sender == from && *m.value == wire.value && *m.key == wire.key)
            .map(|m| m.id);
        let Some(id) = id else {
            return Err((
                Kind::BadMessage,
                Value::Null,
                serde_json::to_value(&wire).unwrap_or_default(),
                format!(
                    "{} sent {} a message that is none of its writes",
                    replica_name(from),
                    replica_name(to)
                ),
            ));
        };
        sent.entry((id, to)).or_insert(wire);
    }
    Ok(())
}

/// What a client reading at `replica` sees, against what causal delivery
/// allows there: each key holds one of the engine's siblings.
fn values(sim: &Simulation, replica: ReplicaId, got: &StoreAnswer) -> Option<Finding> {
    let engine = &sim.replicas()[replica];
    let at = replica_name(replica);
    let write_of = |key: &str, value: &str| {
        sim.messages()
            .iter()
            .find(|m| &*m.key == key && &*m.value == value)
            .cloned()
    };
    let store = engine.store();
    let mut keys: BTreeSet<String> = store.keys().map(str::to_string).collect();
    keys.extend(got.store.keys().cloned());
    for key in keys {
        let allowed: Vec<&str> = store
            .versions(&key)
            .iter()
            .map(|v| v.value.as_ref())
            .collect();
        let shown = got.store.get(&key);
        let text = shown.and_then(Value::as_str);
        if text.is_some_and(|v| allowed.contains(&v)) {
            continue;
        }
        let expected = json!({ "key": key, "any_of": allowed });
        let got_value = json!({ "key": key, "value": shown });
        let shown_words = shown.map_or("nothing".to_string(), Value::to_string);
        let rule = match allowed.len() {
            0 => "nothing (no write to it has been delivered there)".to_string(),
            1 => format!("{:?}", allowed[0]),
            _ => format!("any of {allowed:?} (concurrent writes)"),
        };
        let early = text
            .and_then(|v| write_of(&key, v))
            .filter(|m| !engine.has_delivered(m));
        let (kind, how) = match early {
            Some(m) => (
                Kind::DeliveredTooEarly,
                format!(
                    ": {} ({}) is not deliverable there yet{}",
                    m.id,
                    m.dot(),
                    if engine.hold_back().contains(m.dot()) {
                        format!(", it waits for {}", sim.waits_for(replica, m.id))
                    } else {
                        String::new()
                    }
                ),
            ),
            None => (Kind::StoreDiffers, String::new()),
        };
        return Some((
            kind,
            expected,
            got_value,
            format!("a client reading key {key:?} at {at} got {shown_words}, where the rules allow {rule}{how}"),
        ));
    }
    None
}

/// The nodes of one case, started for it.
fn start_cluster(
    command: &[String],
    case: &Case,
    links: &Peers,
    options: &Options,
) -> Result<Vec<Running>, Unreachable> {
    let k = case.replicas;
    let urls = links.urls();
    let peers: Vec<Vec<String>> = (0..k)
        .map(|node| {
            (0..k)
                .filter(|&to| to != node)
                .map(|to| urls[link(k, node, to)].clone())
                .collect()
        })
        .collect();
    start_all(command, &peers, options.startup, options.request)
}

/// K nodes started afresh for each case, the checker their network.
struct Cluster<'a> {
    options: &'a Options,
    command: &'a [String],
    links: Peers,
}

impl Mode for Cluster<'_> {
    fn cases(&self, seed: u64) -> Vec<Case> {
        vec![cluster_case(self.options.nodes, seed)]
    }

    fn order(&self, case: &Case) -> String {
        format!("{:?}", case.steps)
    }

    fn start(&self, case: &Case) -> Result<Vec<Running>, Unreachable> {
        start_cluster(self.command, case, &self.links, self.options)
    }

    fn play(&self, case: &Case, nodes: &[Running]) -> Result<usize, (Flaw, ReplicaId)> {
        let apis: Vec<&NodeApi> = nodes.iter().map(|n| &n.api).collect();
        play_cluster(case, &apis, &self.links)
    }

    /// Beside the engine's replicas, what each node shows now.
    fn observe(&self, case: &Case, nodes: &[Running], flaw: &mut Flaw) {
        if let Ok(sim) = Simulation::replay(case.config(), &case.steps[..=flaw.step]) {
            flaw.observed = nodes
                .iter()
                .enumerate()
                .filter_map(|(r, n)| n.api.store().ok().map(|a| observe(&sim, r, &a)))
                .collect();
        }
    }

    /// Played once more, to know where it shows and what each node says.
    fn settle(&self, mut case: Case, flaw: Flaw, summary: &mut Summary) -> (Case, Flaw) {
        if let Ok(Err((again, node))) = self.run(&case, summary) {
            if again.kind == flaw.kind && again.step == flaw.step {
                case.node = node;
                return (case, again);
            }
        }
        (case, flaw)
    }
}

/// Checks a cluster of `options.nodes` copies of `command`.
pub fn check_cluster(
    options: &Options,
    command: &[String],
    report: &mut dyn FnMut(Progress),
) -> Result<Summary, Unreachable> {
    let k = options.nodes;
    let links = Peers::start(&vec![SocketAddr::from(([127, 0, 0, 1], 0)); k * (k - 1)])
        .map_err(|e| Unreachable(format!("cannot listen as the network: {e}")))?;
    let mode = Cluster {
        options,
        command,
        links,
    };
    run_cases(options, &mode, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_numbered_one_per_sender_and_receiver() {
        for k in 2..=5 {
            let mut seen = BTreeSet::new();
            for from in 0..k {
                for to in (0..k).filter(|&t| t != from) {
                    let l = link(k, from, to);
                    assert!(l < k * (k - 1));
                    assert_eq!(link_of(k, l), (from, to));
                    assert!(seen.insert(l));
                }
            }
        }
    }

    #[test]
    fn a_cluster_case_ends_with_nothing_in_flight() {
        for seed in 0..50 {
            let case = cluster_case(3, seed);
            let sim = Simulation::replay(case.config(), &case.steps).expect("valid");
            assert_eq!(sim.in_flight().count(), 0, "seed {seed}");
        }
    }
}
