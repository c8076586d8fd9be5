//! A test case: a run of the engine in which one replica is the node under
//! test. Drawn from a seed, cut down by the shrinker, written out as a
//! scenario file.

use causal_core::splitmix64;
use causal_core::{
    Command, Config, Conflicts, Delivery, MessageId, ReplicaId, Scenario, Simulation,
};

/// The keys writes go to: few, so that writes meet on a key.
const KEYS: [&str; 3] = ["x", "y", "z"];

/// Steps the engine plays; those that reach `node` are played on it too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// How many replicas, the node included.
    pub replicas: usize,
    /// Which replica the node under test is.
    pub node: ReplicaId,
    /// The run, as scenario steps.
    pub steps: Vec<Command>,
}

/// A pseudo-random stream from a seed (splitmix64, as the engine's scheduler).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn percent(&mut self) -> usize {
        self.below(100)
    }
}

impl Case {
    /// The engine's rules for a case: causal delivery, and multi-value, so
    /// that a key shows every write a legal order could leave there. Clocks
    /// and buffers do not depend on the conflict rule.
    pub fn config(&self) -> Config {
        Config {
            replicas: self.replicas,
            delivery: Delivery::Causal,
            conflicts: Conflicts::MultiValue,
        }
    }

    /// Whether every step can be played (a shrunk case may not).
    pub fn is_valid(&self) -> bool {
        self.node < self.replicas && Simulation::replay(self.config(), &self.steps).is_ok()
    }

    /// A case drawn from `seed`: writes anywhere, copies delivered to the
    /// node and between the other replicas in random order, some duplicated,
    /// a few lost, and often everything left delivered to the node at the end.
    /// The node under test is `node`, or a replica drawn from the seed.
    pub fn generate(replicas: usize, node: Option<ReplicaId>, seed: u64) -> Case {
        let mut draw = Draw(seed);
        let drawn = draw.below(replicas);
        let node = node.unwrap_or(drawn);
        let config = Case {
            replicas,
            node,
            steps: Vec::new(),
        }
        .config();
        let Ok(mut sim) = Simulation::new(config) else {
            return Case {
                replicas,
                node,
                steps: Vec::new(),
            };
        };
        let length = 8 + draw.below(20);
        // Each case has its own mood: how often replicas write, and whether
        // one of the others writes most (long chains from one sender).
        let write_share = [25, 40, 55][draw.below(3)];
        let busy = (draw.percent() < 50).then(|| (node + 1 + draw.below(replicas - 1)) % replicas);
        let mut writes = 0u32;
        while sim.history().len() < length {
            let to_node: Vec<MessageId> = sim
                .in_flight()
                .filter(|c| c.to == node)
                .map(|c| c.message)
                .collect();
            let elsewhere: Vec<(MessageId, ReplicaId)> = sim
                .in_flight()
                .filter(|c| c.to != node)
                .map(|c| (c.message, c.to))
                .collect();
            // Below write_share: a write; the rest spread over 30..100.
            let roll = draw.percent();
            let write = roll < write_share;
            let roll = 30 + roll.saturating_sub(write_share) * 70 / (100 - write_share);
            let step = if write || (to_node.is_empty() && elsewhere.is_empty()) {
                writes += 1;
                let replica = match busy {
                    Some(busy) if draw.percent() < 70 => busy,
                    _ => draw.below(replicas),
                };
                Command::Write {
                    replica,
                    key: KEYS[draw.below(KEYS.len())].into(),
                    value: format!("{}{writes}", causal_core::replica_name(replica)).into(),
                }
            } else if roll < 65 && !to_node.is_empty() {
                // Often the newest first: chains of held messages, released
                // in the reverse of their arrival.
                let message = if draw.percent() < 40 {
                    to_node.iter().copied().max().unwrap_or(to_node[0])
                } else {
                    to_node[draw.below(to_node.len())]
                };
                Command::Deliver { message, to: node }
            } else if roll < 88 && !elsewhere.is_empty() {
                let (message, to) = elsewhere[draw.below(elsewhere.len())];
                Command::Deliver { message, to }
            } else if roll < 97 {
                // A copy the node may already have: a retransmission.
                let theirs: Vec<MessageId> = sim
                    .messages()
                    .iter()
                    .filter(|m| m.sender != node)
                    .map(|m| m.id)
                    .collect();
                if theirs.is_empty() {
                    continue;
                }
                Command::Duplicate {
                    message: theirs[draw.below(theirs.len())],
                    to: node,
                }
            } else if !elsewhere.is_empty() {
                let (message, to) = elsewhere[draw.below(elsewhere.len())];
                Command::Drop { message, to }
            } else {
                continue;
            };
            if sim.apply(step).is_err() {
                break;
            }
        }
        if draw.percent() < 50 {
            loop {
                let to_node: Vec<MessageId> = sim
                    .in_flight()
                    .filter(|c| c.to == node)
                    .map(|c| c.message)
                    .collect();
                if to_node.is_empty() {
                    break;
                }
                let message = to_node[draw.below(to_node.len())];
                if sim.apply(Command::Deliver { message, to: node }).is_err() {
                    break;
                }
            }
        }
        Case {
            replicas,
            node,
            steps: sim.history().to_vec(),
        }
    }

    /// The case up to and including step `index` (0-based).
    pub fn truncated(&self, index: usize) -> Case {
        Case {
            steps: self.steps[..(index + 1).min(self.steps.len())].to_vec(),
            ..self.clone()
        }
    }

    /// The case without step `index`.
    pub fn without_step(&self, index: usize) -> Case {
        let mut steps = self.steps.clone();
        if index < steps.len() {
            steps.remove(index);
        }
        Case {
            steps,
            ..self.clone()
        }
    }

    /// The case without write `message`, nor any step about it; later
    /// messages are renumbered.
    pub fn without_write(&self, message: MessageId) -> Case {
        let mut writes = 0;
        let mut steps = Vec::new();
        for step in &self.steps {
            let renumber = |m: MessageId| -> Option<MessageId> {
                match m.cmp(&message) {
                    std::cmp::Ordering::Less => Some(m),
                    std::cmp::Ordering::Equal => None,
                    std::cmp::Ordering::Greater => Some(MessageId(m.0 - 1)),
                }
            };
            let kept = match step {
                Command::Write { .. } => {
                    writes += 1;
                    (writes != message.0).then(|| step.clone())
                }
                Command::Deliver { message: m, to } => {
                    renumber(*m).map(|message| Command::Deliver { message, to: *to })
                }
                Command::Drop { message: m, to } => {
                    renumber(*m).map(|message| Command::Drop { message, to: *to })
                }
                Command::Duplicate { message: m, to } => {
                    renumber(*m).map(|message| Command::Duplicate { message, to: *to })
                }
                other => Some(other.clone()),
            };
            steps.extend(kept);
        }
        Case {
            steps,
            ..self.clone()
        }
    }

    /// The case without replica `gone` (neither the node nor written at or
    /// delivered to in any step), the others renumbered; `None` if it is used
    /// or the case would have fewer than two replicas.
    pub fn without_replica(&self, gone: ReplicaId) -> Option<Case> {
        if gone == self.node || self.replicas <= 2 {
            return None;
        }
        let shift = |r: ReplicaId| if r > gone { r - 1 } else { r };
        let mut steps = Vec::new();
        for step in &self.steps {
            steps.push(match step {
                Command::Write {
                    replica,
                    key,
                    value,
                } if *replica != gone => Command::Write {
                    replica: shift(*replica),
                    key: key.clone(),
                    value: value.clone(),
                },
                Command::Deliver { message, to } if *to != gone => Command::Deliver {
                    message: *message,
                    to: shift(*to),
                },
                Command::Drop { message, to } if *to != gone => Command::Drop {
                    message: *message,
                    to: shift(*to),
                },
                Command::Duplicate { message, to } if *to != gone => Command::Duplicate {
                    message: *message,
                    to: shift(*to),
                },
                _ => return None,
            });
        }
        Some(Case {
            replicas: self.replicas - 1,
            node: shift(self.node),
            steps,
        })
    }

    /// The case with every value renamed after its write (`B3`: the third
    /// write, by B), as a reader of a shrunk case expects.
    pub fn tidied(&self) -> Case {
        let mut writes = 0;
        let steps = self
            .steps
            .iter()
            .map(|step| match step {
                Command::Write { replica, key, .. } => {
                    writes += 1;
                    Command::Write {
                        replica: *replica,
                        key: key.clone(),
                        value: format!("{}{writes}", causal_core::replica_name(*replica)).into(),
                    }
                }
                other => other.clone(),
            })
            .collect();
        Case {
            steps,
            ..self.clone()
        }
    }

    /// How many writes the case makes.
    pub fn writes(&self) -> u32 {
        self.steps
            .iter()
            .filter(|s| matches!(s, Command::Write { .. }))
            .count() as u32
    }

    /// The case as a scenario file under the original nodes' rules (causal,
    /// overwrite), so that `causal-sim` and the page play what should happen.
    pub fn scenario(&self, title: String, description: String) -> Scenario {
        Scenario {
            title: Some(title),
            description: Some(description),
            steps: self.steps.clone(),
            ..Scenario::new(Config {
                replicas: self.replicas,
                delivery: Delivery::Causal,
                conflicts: Conflicts::Overwrite,
            })
        }
    }
}

impl Case {
    /// The node's side of the case, to tell two delivery orders apart: what
    /// reached the node, in order (its own writes, and each message that
    /// arrived, by dot and clock).
    pub fn order_key(&self) -> String {
        let Ok(mut sim) = Simulation::new(self.config()) else {
            return String::new();
        };
        let mut key = String::new();
        for step in &self.steps {
            match step {
                Command::Write {
                    replica,
                    key: k,
                    value,
                } if *replica == self.node => {
                    key.push_str(&format!("put {k}={value};"));
                }
                Command::Deliver { message, to } if *to == self.node => {
                    if let Some(m) = sim.messages().get(*message) {
                        key.push_str(&format!("{} {:?};", m.dot(), m.clock.entries()));
                    }
                }
                _ => {}
            }
            if sim.apply(step.clone()).is_err() {
                break;
            }
        }
        key
    }

    /// The case made ready for every order of its last arrivals at the
    /// node: up to the node's last write it is kept as it is; after it, no
    /// copy reaches the node, and the latest writes are left out until at
    /// most `most` copies are in flight to it. Returns that case and the
    /// copies in flight to the node (a message twice when it was duplicated).
    pub fn for_every_order(&self, most: usize) -> Option<(Case, Vec<MessageId>)> {
        let node = self.node;
        let own = self
            .steps
            .iter()
            .rposition(|s| matches!(s, Command::Write { replica, .. } if *replica == node))
            .map_or(0, |w| w + 1);
        let mut steps = self.steps[..own].to_vec();
        steps.extend(
            self.steps[own..]
                .iter()
                .filter(|s| !matches!(s, Command::Deliver { to, .. } if *to == node))
                .cloned(),
        );
        let mut case = Case {
            steps,
            ..self.clone()
        };
        loop {
            let sim = Simulation::replay(case.config(), &case.steps).ok()?;
            let copies: Vec<MessageId> = sim
                .in_flight()
                .filter(|c| c.to == node)
                .map(|c| c.message)
                .collect();
            if copies.len() <= most {
                return Some((case, copies));
            }
            let latest = copies.iter().copied().max()?;
            case = case.without_write(latest);
        }
    }

    /// The case followed by `order`: each message delivered to the node.
    pub fn then_delivered(&self, order: &[MessageId]) -> Case {
        let mut case = self.clone();
        case.steps
            .extend(order.iter().map(|&message| Command::Deliver {
                message,
                to: self.node,
            }));
        case
    }
}

/// Every order of `copies` (copies of one message are interchangeable, so
/// each distinct sequence once), in ascending order.
pub fn every_order(copies: &[MessageId]) -> Vec<Vec<MessageId>> {
    let mut counts: std::collections::BTreeMap<MessageId, u32> = Default::default();
    for &m in copies {
        *counts.entry(m).or_default() += 1;
    }
    let mut kinds: Vec<(MessageId, u32)> = counts.into_iter().collect();
    let mut orders = Vec::new();
    let mut order = Vec::new();
    fn go(
        kinds: &mut [(MessageId, u32)],
        order: &mut Vec<MessageId>,
        left: usize,
        orders: &mut Vec<Vec<MessageId>>,
    ) {
        if left == 0 {
            orders.push(order.clone());
            return;
        }
        for i in 0..kinds.len() {
            if kinds[i].1 == 0 {
                continue;
            }
            kinds[i].1 -= 1;
            order.push(kinds[i].0);
            go(kinds, order, left - 1, orders);
            order.pop();
            kinds[i].1 += 1;
        }
    }
    go(&mut kinds, &mut order, copies.len(), &mut orders);
    orders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_cases_are_valid_and_repeatable() {
        for seed in 0..200 {
            let case = Case::generate(3, None, seed);
            assert!(case.is_valid(), "seed {seed}: {case:?}");
            assert!(case.steps.len() >= 8);
            assert_eq!(case, Case::generate(3, None, seed));
        }
    }

    #[test]
    fn every_order_is_tried_once_and_the_census_counts_them() {
        for seed in 0..60 {
            let case = Case::generate(3, None, seed);
            let (base, copies) = case.for_every_order(4).expect("a valid base");
            assert!(base.is_valid(), "seed {seed}");
            assert!(copies.len() <= 4);
            let orders = every_order(&copies);
            let mut counts: std::collections::BTreeMap<MessageId, u32> = Default::default();
            for &m in &copies {
                *counts.entry(m).or_default() += 1;
            }
            let counts: Vec<u32> = counts.into_values().collect();
            assert_eq!(
                Some(orders.len() as u128),
                causal_core::orders_of(&counts),
                "seed {seed}"
            );
            let distinct: std::collections::BTreeSet<_> = orders.iter().collect();
            assert_eq!(distinct.len(), orders.len());
            for order in &orders {
                assert!(base.then_delivered(order).is_valid(), "seed {seed}");
            }
        }
    }

    #[test]
    fn dropping_a_write_renumbers_the_later_ones() {
        let case = Case {
            replicas: 3,
            node: 0,
            steps: vec![
                Command::write(1, "x", "1"),
                Command::write(2, "x", "2"),
                Command::deliver(1, 0),
                Command::deliver(2, 0),
            ],
        };
        let shrunk = case.without_write(MessageId(1));
        assert!(shrunk.is_valid());
        assert_eq!(shrunk.steps.len(), 2);
        assert_eq!(shrunk.steps[1], Command::deliver(1, 0));
        let two = shrunk.without_replica(1).expect("B is unused");
        assert_eq!(two.replicas, 2);
        assert!(two.is_valid());
        assert_eq!(two.steps[0], Command::write(1, "x", "2"));
    }
}
