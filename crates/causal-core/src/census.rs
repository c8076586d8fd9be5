//! The outcome census (README.md, "The outcome census"): from a state, every
//! order in which the copies in flight are each received exactly once, counted,
//! with the orders during which a violation happens, the orders that end with
//! replicas that disagree, and the distinct outcomes (every replica's store and
//! clock), each with its number of orders and one order that reaches it.
//!
//! Copies of the same message to the same replica are interchangeable, so an
//! order is a sequence of receipts `(message, destination)`. Like stateright's
//! explorer, the census shares states: two orders that reach the same state
//! with the same copies left share everything after it, so it counts the
//! orders of each state reached once, not once per order (8 copies in flight
//! have up to 40,320 orders but far fewer states). It runs in slices
//! ([`Census::step`]) that a page can spread over frames, and is cancelled
//! by dropping it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::quote::thousands;
use crate::{Command, Event, MessageId, ReplicaId, Simulation, Value, VectorClock};

/// The most copies in flight a census takes on (12 copies: up to 479,001,600
/// orders, explored as far fewer states; see the README for figures).
pub const CENSUS_MAX_COPIES: usize = 12;

/// A copy received: which message, at which replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Arrival {
    pub message: MessageId,
    pub to: ReplicaId,
}

impl Arrival {
    /// The command that receives it: the earliest copy of the message to `to`.
    pub fn command(self) -> Command {
        Command::Deliver {
            message: self.message,
            to: self.to,
        }
    }
}

/// One replica at the end of an order: what an outcome compares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct FinalReplica {
    pub clock: VectorClock,
    /// Its store, keys ascending.
    pub store: BTreeMap<String, Value>,
}

/// A distinct final state, and the orders that end in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// How many orders end in it.
    pub orders: u64,
    /// How many of those break causal order on the way.
    pub violating: u64,
    /// Every replica holds the same store.
    pub converged: bool,
    /// Every replica's clock and store.
    pub replicas: Vec<FinalReplica>,
    /// One order that ends in it (the first in ascending receipt order).
    pub order: Vec<Arrival>,
}

/// What the census found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CensusReport {
    /// Copies in flight at the start.
    pub copies: usize,
    /// Orders in which every copy is received once.
    pub orders: u64,
    /// Orders during which at least one violation happens.
    pub violating: u64,
    /// Orders that end with replicas that disagree.
    pub diverging: u64,
    /// Distinct outcomes, most orders first (then as first found).
    pub outcomes: Vec<Outcome>,
    /// Distinct states explored (shared between orders).
    pub states: usize,
}

/// Why a census was not started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CensusError {
    /// More copies in flight than [`CENSUS_MAX_COPIES`].
    TooManyCopies {
        /// Copies in flight.
        copies: usize,
        /// How many orders there are (`None`: more than 2^128).
        orders: Option<u128>,
    },
}

impl fmt::Display for CensusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CensusError::TooManyCopies { copies, orders } => {
                // Copies of one message to one replica are interchangeable:
                // 13 copies may have far fewer orders than 13!, and saying
                // "13 copies in 13 orders" without why reads as a mistake.
                let orders = match orders {
                    Some(1) => "a single order, since they are all copies of one message to one replica".to_string(),
                    Some(n) => format!(
                        "{} different orders, counting copies of one message to one replica as interchangeable",
                        thousands(*n)
                    ),
                    None => "more than 10^38 different orders".to_string(),
                };
                write!(
                    f,
                    "{copies} copies are in flight, more than the {CENSUS_MAX_COPIES} the census explores (they can be received in {orders})"
                )
            }
        }
    }
}

impl std::error::Error for CensusError {}

/// How far a census has gone.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CensusProgress {
    /// Finished: [`Census::report`] has the answer.
    pub done: bool,
    /// An estimate from 0 to 1 of the share of orders counted.
    pub fraction: f64,
    /// Distinct states explored so far.
    pub states: usize,
}

/// The orders from one state, summed up: shared by every order reaching it.
#[derive(Clone, Debug, Default)]
struct Node {
    orders: u64,
    violating: u64,
    /// By outcome number, ascending.
    outcomes: Vec<NodeOutcome>,
}

#[derive(Clone, Debug)]
struct NodeOutcome {
    outcome: usize,
    orders: u64,
    violating: u64,
    /// The first receipt (index into the census's receipts) and the state
    /// it leads to, of the first order found that ends in this outcome;
    /// `None` at the end of an order.
    first: Option<(usize, usize)>,
}

impl Node {
    /// Adds the orders through receipt `receipt` to `child`, a step that
    /// itself broke causal order or not.
    fn add(&mut self, child: &Node, receipt: usize, child_id: usize, violated: bool) {
        self.orders += child.orders;
        self.violating += if violated {
            child.orders
        } else {
            child.violating
        };
        let mut merged = Vec::with_capacity(self.outcomes.len() + child.outcomes.len());
        let (mut mine, mut theirs) = (
            std::mem::take(&mut self.outcomes).into_iter().peekable(),
            child.outcomes.iter().peekable(),
        );
        loop {
            let take_theirs = match (mine.peek(), theirs.peek()) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some(a), Some(b)) => b.outcome < a.outcome,
            };
            let from_child = |o: &NodeOutcome| NodeOutcome {
                outcome: o.outcome,
                orders: o.orders,
                violating: if violated { o.orders } else { o.violating },
                first: Some((receipt, child_id)),
            };
            if take_theirs {
                if let Some(o) = theirs.next() {
                    merged.push(from_child(o));
                }
            } else if let Some(mut a) = mine.next() {
                if let Some(b) = theirs.next_if(|b| b.outcome == a.outcome) {
                    let b = from_child(b);
                    a.orders += b.orders;
                    a.violating += b.violating;
                }
                merged.push(a);
            }
        }
        self.outcomes = merged;
    }
}

/// A state being explored: the copies left, the receipts tried so far.
struct Frame {
    simulation: Simulation,
    left: Vec<u32>,
    key: Vec<u64>,
    /// The next receipt to try.
    next: usize,
    node: Node,
    /// How it was reached from the frame below: receipt, and whether that
    /// step broke causal order.
    via: Option<(usize, bool)>,
}

/// A census under way. [`Census::step`] explores a slice; drop it to cancel.
pub struct Census {
    receipts: Vec<Arrival>,
    copies: usize,
    /// Delivered messages per replica at the start (the key counts only
    /// what is delivered after).
    base: Vec<usize>,
    memo: BTreeMap<Vec<u64>, usize>,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    /// Final states, as interned: key to number.
    outcome_ids: BTreeMap<String, usize>,
    outcomes: Vec<(bool, Vec<FinalReplica>)>,
    root: Option<usize>,
}

/// How many orders `counts` copies have: the multinomial n! / (k1! k2! ...).
pub fn orders_of(counts: &[u32]) -> Option<u128> {
    let mut orders: u128 = 1;
    let mut placed: u128 = 0;
    for &k in counts {
        // Choose the places of k more interchangeable copies, one at a time.
        for i in 1..=k as u128 {
            placed += 1;
            orders = orders.checked_mul(placed)? / i;
        }
    }
    Some(orders)
}

impl Census {
    /// A census of every order from `simulation`'s state.
    pub fn new(simulation: &Simulation) -> Result<Census, CensusError> {
        let mut by_arrival: BTreeMap<Arrival, u32> = BTreeMap::new();
        for copy in simulation.in_flight() {
            *by_arrival
                .entry(Arrival {
                    message: copy.message,
                    to: copy.to,
                })
                .or_default() += 1;
        }
        let copies = simulation.network().len();
        let left: Vec<u32> = by_arrival.values().copied().collect();
        if copies > CENSUS_MAX_COPIES {
            return Err(CensusError::TooManyCopies {
                copies,
                orders: orders_of(&left),
            });
        }
        let mut census = Census {
            receipts: by_arrival.keys().copied().collect(),
            copies,
            base: simulation
                .replicas()
                .iter()
                .map(|r| r.delivered().len())
                .collect(),
            memo: BTreeMap::new(),
            nodes: Vec::new(),
            stack: Vec::new(),
            outcome_ids: BTreeMap::new(),
            outcomes: Vec::new(),
            root: None,
        };
        let simulation = simulation.detached();
        let key = census.key(&simulation, &left);
        if left.iter().all(|&k| k == 0) {
            let node = census.leaf(&simulation);
            census.nodes.push(node);
            census.root = Some(0);
        } else {
            census.stack.push(Frame {
                simulation,
                left,
                key,
                next: 0,
                node: Node::default(),
                via: None,
            });
        }
        Ok(census)
    }

    /// Explores up to `budget` receipts, then says how far it has gone.
    pub fn step(&mut self, budget: usize) -> CensusProgress {
        let mut budget = budget;
        while budget > 0 {
            let Some(top) = self.stack.last_mut() else {
                break;
            };
            if top.next < self.receipts.len() {
                let receipt = top.next;
                top.next += 1;
                if top.left[receipt] == 0 {
                    continue;
                }
                budget -= 1;
                let mut simulation = top.simulation.clone();
                let violated = simulation
                    .apply(self.receipts[receipt].command())
                    .map(|events| events.iter().any(|e| matches!(e, Event::Violation(_))))
                    .unwrap_or(false);
                let mut left = top.left.clone();
                left[receipt] -= 1;
                let key = self.key(&simulation, &left);
                if let Some(&id) = self.memo.get(&key) {
                    self.add_to_top(id, receipt, violated);
                } else if left.iter().all(|&k| k == 0) {
                    let node = self.leaf(&simulation);
                    let id = self.remember(key, node);
                    self.add_to_top(id, receipt, violated);
                } else {
                    self.stack.push(Frame {
                        simulation,
                        left,
                        key,
                        next: 0,
                        node: Node::default(),
                        via: Some((receipt, violated)),
                    });
                }
            } else if let Some(done) = self.stack.pop() {
                let id = self.remember(done.key, done.node);
                match done.via {
                    Some((receipt, violated)) => self.add_to_top(id, receipt, violated),
                    None => self.root = Some(id),
                }
            }
        }
        self.progress()
    }

    /// How far it has gone.
    pub fn progress(&self) -> CensusProgress {
        let mut fraction = 0.0;
        let mut weight = 1.0;
        let top = self.stack.len().saturating_sub(1);
        for (depth, frame) in self.stack.iter().enumerate() {
            let open = frame.left.iter().filter(|&&k| k > 0).count().max(1) as f64;
            let tried = frame.left[..frame.next.min(frame.left.len())]
                .iter()
                .filter(|&&k| k > 0)
                .count() as f64;
            // Below the top, the receipt being explored is tried but not done.
            let done = if depth == top {
                tried
            } else {
                (tried - 1.0).max(0.0)
            };
            fraction += weight * done / open;
            weight /= open;
        }
        CensusProgress {
            done: self.root.is_some(),
            fraction: if self.root.is_some() { 1.0 } else { fraction },
            states: self.nodes.len() + self.stack.len(),
        }
    }

    /// The counts, once [`Census::step`] says it is done.
    pub fn report(&self) -> Option<CensusReport> {
        let root_id = self.root?;
        let root = &self.nodes[root_id];
        let mut outcomes: Vec<Outcome> = root
            .outcomes
            .iter()
            .map(|o| {
                let (converged, replicas) = self.outcomes[o.outcome].clone();
                Outcome {
                    orders: o.orders,
                    violating: o.violating,
                    converged,
                    replicas,
                    order: self.order_to(root_id, o.outcome),
                }
            })
            .collect();
        outcomes.sort_by_key(|o| std::cmp::Reverse(o.orders));
        Some(CensusReport {
            copies: self.copies,
            orders: root.orders,
            violating: root.violating,
            diverging: outcomes
                .iter()
                .filter(|o| !o.converged)
                .map(|o| o.orders)
                .sum(),
            outcomes,
            states: self.nodes.len(),
        })
    }

    /// Runs a census to its end.
    pub fn run(simulation: &Simulation) -> Result<CensusReport, CensusError> {
        let mut census = Census::new(simulation)?;
        loop {
            // An unbounded slice ends with the stack empty: the root is known.
            census.step(usize::MAX);
            if let Some(report) = census.report() {
                return Ok(report);
            }
        }
    }

    /// The first order found from node `at` that ends in `outcome`.
    fn order_to(&self, mut at: usize, outcome: usize) -> Vec<Arrival> {
        let mut order = Vec::new();
        while let Some(o) = self.nodes[at]
            .outcomes
            .iter()
            .find(|o| o.outcome == outcome)
        {
            match o.first {
                Some((receipt, next)) => {
                    order.push(self.receipts[receipt]);
                    at = next;
                }
                None => break,
            }
        }
        order
    }

    fn remember(&mut self, key: Vec<u64>, node: Node) -> usize {
        let id = self.nodes.len();
        self.nodes.push(node);
        self.memo.insert(key, id);
        id
    }

    fn add_to_top(&mut self, child: usize, receipt: usize, violated: bool) {
        if let Some(top) = self.stack.last_mut() {
            top.node.add(&self.nodes[child], receipt, child, violated);
        }
    }

    /// The end of an order: one order, its outcome.
    fn leaf(&mut self, simulation: &Simulation) -> Node {
        let replicas: Vec<FinalReplica> = simulation
            .replicas()
            .iter()
            .map(|r| FinalReplica {
                clock: r.clock().clone(),
                store: r.store().to_map(),
            })
            .collect();
        let text = serde_json::to_string(&replicas).unwrap_or_default();
        let next = self.outcomes.len();
        let outcome = *self.outcome_ids.entry(text).or_insert(next);
        if outcome == next {
            self.outcomes.push((simulation.converged(), replicas));
        }
        Node {
            orders: 1,
            violating: 0,
            outcomes: vec![NodeOutcome {
                outcome,
                orders: 1,
                violating: 0,
                first: None,
            }],
        }
    }

    fn key(&self, simulation: &Simulation, left: &[u32]) -> Vec<u64> {
        let mut key: Vec<u64> = left.iter().map(|&k| k as u64).collect();
        state_key(simulation, &self.base, &mut key);
        key
    }
}

/// Appends to `key` what decides a state's future and its outcome, apart
/// from the copies in flight: each replica's clock, held messages in arrival
/// order, the writes its store keeps, and the messages it delivered after
/// the first `base[r]` (as a set: the order they came in no longer matters).
pub(crate) fn state_key(simulation: &Simulation, base: &[usize], key: &mut Vec<u64>) {
    const END: u64 = u64::MAX;
    for (r, replica) in simulation.replicas().iter().enumerate() {
        key.extend_from_slice(replica.clock().entries());
        key.extend(replica.hold_back().iter().map(|m| m.0 as u64));
        key.push(END);
        for name in replica.store().keys() {
            key.extend(
                replica
                    .store()
                    .versions(name)
                    .iter()
                    .map(|v| v.message.0 as u64),
            );
            key.push(END - 1);
        }
        key.push(END);
        let delivered = replica.delivered();
        let mut since: Vec<u64> = delivered
            .iter_from(base.get(r).copied().unwrap_or(0))
            .map(|m| m.0 as u64)
            .collect();
        since.sort_unstable();
        key.extend(since);
        key.push(END);
    }
}
