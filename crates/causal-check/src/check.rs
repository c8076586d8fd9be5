//! The checker's loop: cases drawn from a seed, each played on a fresh node;
//! the first case that shows a kind of flaw is shrunk to a smallest one that
//! still shows it, and reported once, with a scenario file to replay it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use causal_core::splitmix64;
use causal_core::{replica_name, MessageId, ReplicaId};

use crate::case::{every_order, Case};
use crate::family::Listener;
use crate::flaw::{Flaw, Kind};
use crate::peers::Peers;
use crate::play::{describe, play};
use crate::target::{attach, start, Running, Unreachable};
use crate::tell::{self, Guarantee};

/// The page a flaw's link opens when `--page` does not say: `scripts/serve`'s
/// address (the project names no hosted copy; give yours with `--page`).
pub const DEFAULT_PAGE: &str = "http://127.0.0.1:8080/";

/// Where the node under test comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Started afresh for every case: the program and its arguments.
    Command(Vec<String>),
    /// Already running; one case, no shrinking. `peers`: where the checker
    /// listens as the node's peers (its `PEERS`), if it should check what
    /// the node sends.
    Url {
        /// Its base URL.
        url: String,
        /// The peers' listening addresses, node order, the node left out.
        peers: Option<Vec<SocketAddr>>,
    },
}

/// What to check, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Replicas in each case, the node included (2 to 8).
    pub nodes: usize,
    /// How many cases.
    pub cases: usize,
    /// Every case is drawn from it.
    pub seed: u64,
    /// Where reproducers are written.
    pub out: PathBuf,
    /// The node.
    pub target: Target,
    /// How long a node may take to answer `GET /` after it starts.
    pub startup: Duration,
    /// How long one request to the node may take.
    pub request: Duration,
    /// The page's address, the base of each flaw's link.
    pub page: String,
    /// Every order of each case's last arrivals at the node, at most this
    /// many copies in flight, instead of one drawn order.
    pub exhaustive: Option<usize>,
}

/// A kind of flaw, found: its smallest case.
#[derive(Clone, Debug)]
pub struct Found {
    /// The shrunk case.
    pub case: Case,
    /// Its flaw.
    pub flaw: Flaw,
    /// The sentence that tells it.
    pub sentence: String,
    /// The scenario file written.
    pub file: PathBuf,
    /// What a client would see broken.
    pub guarantee: Guarantee,
    /// The case told as a proof.
    pub proof: String,
    /// The page's address that opens the case at its failing step.
    pub link: String,
}

impl Found {
    /// The line on standard output: `{"kind", "steps", "expected", "got"}`.
    pub fn json_line(&self) -> String {
        /// `kind`, `steps`, `expected`, `got` first, as `json_line` says,
        /// then what tells the flaw.
        #[derive(serde::Serialize)]
        struct Line<'a> {
            kind: &'a str,
            steps: &'a [causal_core::Command],
            expected: &'a serde_json::Value,
            got: &'a serde_json::Value,
            guarantee: &'a str,
            proof: &'a str,
            link: &'a str,
        }
        serde_json::to_string(&Line {
            kind: self.flaw.kind.name(),
            steps: &self.case.steps,
            expected: &self.flaw.expected,
            got: &self.flaw.got,
            guarantee: self.guarantee.name(),
            proof: &self.proof,
            link: &self.link,
        })
        .unwrap_or_default()
    }
}

/// What happened while checking, as it happens.
pub enum Progress<'a> {
    /// Case `case` of `of` is about to run.
    Case {
        /// From 1.
        case: usize,
        /// How many in all.
        of: usize,
        /// Kinds found so far.
        flaws: usize,
    },
    /// A kind of flaw was found and shrunk.
    Found(&'a Found),
}

/// The outcome of a whole check.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases played (not counting shrinking).
    pub cases: usize,
    /// Steps that reached the node in them.
    pub steps: usize,
    /// Node runs in all, shrinking included.
    pub runs: usize,
    /// Each kind found, in the order found.
    pub found: Vec<Found>,
    /// How many cases showed each kind first.
    pub counts: BTreeMap<Kind, usize>,
    /// Time taken.
    pub elapsed: Duration,
    /// Distinct delivery orders tried: what reached the node, in order.
    pub orders: usize,
    /// Node runs started again because another program took the node's port.
    pub retried: usize,
    /// Time spent shrinking the flaws found.
    pub shrinking: Duration,
    /// Node runs spent shrinking them.
    pub shrink_runs: usize,
}

impl Summary {
    /// The closing coverage line: `coverage: seed S, N cases, M orders`.
    pub fn coverage(&self, options: &Options) -> String {
        let mut line = format!(
            "coverage: seed {}, {} cases, {} orders",
            options.seed, self.cases, self.orders
        );
        if let Some(k) = options.exhaustive {
            line.push_str(&format!(
                ", exhaustive: every order of each case's last arrivals at the node, at most {k} copies in flight"
            ));
        } else {
            line.push_str(", sampled: one drawn order per case (--exhaustive K tries them all)");
        }
        if self.retried > 0 {
            line.push_str(&format!(
                "; {} node run(s) started again because another program took the node's port",
                self.retried
            ));
        }
        line
    }
}

/// How many times one case is played again when another program takes the
/// node's port while it runs.
pub(crate) const CASE_ATTEMPTS: usize = 4;

/// A way of playing cases: one node with the checker as its peers
/// ([`OneNode`]), or a whole cluster with the checker as its network
/// (`cluster::Cluster`). [`run_cases`] is the loop both share.
pub(crate) trait Mode {
    /// The cases to play for the case drawn from `seed`: that one, or one
    /// per order of its last arrivals (`--exhaustive`).
    fn cases(&self, seed: u64) -> Vec<Case>;
    /// What tells one order played from another, for the coverage line.
    fn order(&self, case: &Case) -> String;
    /// Starts the nodes of `case` afresh.
    fn start(&self, case: &Case) -> Result<Vec<Running>, Unreachable>;
    /// Plays `case` on `nodes`: the steps played, or the flaw and the
    /// replica where it showed.
    fn play(&self, case: &Case, nodes: &[Running]) -> Result<usize, (Flaw, ReplicaId)>;
    /// Adds to a flaw what the nodes answer now, beside the engine.
    fn observe(&self, _case: &Case, _nodes: &[Running], _flaw: &mut Flaw) {}
    /// The smallest case as reported, once shrunk.
    fn settle(&self, case: Case, flaw: Flaw, _summary: &mut Summary) -> (Case, Flaw) {
        (case, flaw)
    }

    /// Plays `case` on nodes started for it: a node that exited is told
    /// with its exit status and last output; a run in which a node's port
    /// turned out to be another program's is played again, never judged.
    fn run(
        &self,
        case: &Case,
        summary: &mut Summary,
    ) -> Result<Result<usize, (Flaw, ReplicaId)>, Unreachable> {
        for _ in 0..CASE_ATTEMPTS {
            summary.runs += 1;
            let mut nodes = self.start(case)?;
            let (flaw, at) = match self.play(case, &nodes) {
                Ok(steps) => return Ok(Ok(steps)),
                Err(found) => found,
            };
            match judged(&mut nodes, flaw, summary) {
                Judged::Flaw(mut flaw) => {
                    self.observe(case, &nodes, &mut flaw);
                    return Ok(Err((flaw, at)));
                }
                Judged::Crashed(flaw) => return Ok(Err((flaw, at))),
                Judged::Again => {}
            }
        }
        Err(Unreachable(format!(
            "another program kept taking a node's port during a case ({CASE_ATTEMPTS} tries)"
        )))
    }
}

/// What a run that showed a flaw comes to, once the nodes are asked how
/// they are.
enum Judged {
    /// The flaw as the node's answers showed it.
    Flaw(Flaw),
    /// A node exited: the flaw told as that crash.
    Crashed(Flaw),
    /// A node's port turned out to be another program's.
    Again,
}

/// Judges a run on `nodes` that showed `flaw`.
fn judged(nodes: &mut [Running], mut flaw: Flaw, summary: &mut Summary) -> Judged {
    if let Some(exited) = nodes.iter_mut().find_map(Running::exited) {
        flaw.kind = Kind::BadResponse;
        flaw.got = serde_json::json!(exited);
        flaw.why = format!("{exited}, at this step ({})", flaw.why);
        flaw.observed.clear();
        return Judged::Crashed(flaw);
    }
    if nodes.iter().any(|n| n.listener() == Listener::Stranger) {
        summary.retried += 1;
        return Judged::Again;
    }
    Judged::Flaw(flaw)
}

/// One node started afresh for each case, the checker playing its peers.
struct OneNode<'a> {
    options: &'a Options,
    command: &'a [String],
    peers: Peers,
}

impl Mode for OneNode<'_> {
    fn cases(&self, seed: u64) -> Vec<Case> {
        let drawn = Case::generate(self.options.nodes, None, seed);
        match self.options.exhaustive {
            None => vec![drawn],
            Some(most) => match drawn.for_every_order(most) {
                Some((base, copies)) => every_order(&copies)
                    .iter()
                    .map(|order| base.then_delivered(order))
                    .collect(),
                None => vec![drawn],
            },
        }
    }

    fn order(&self, case: &Case) -> String {
        case.order_key()
    }

    fn start(&self, case: &Case) -> Result<Vec<Running>, Unreachable> {
        let node = start(
            self.command,
            case.node,
            case.replicas,
            &self.peers.urls()[..case.replicas - 1],
            self.options.startup,
            self.options.request,
        )?;
        Ok(vec![node])
    }

    fn play(&self, case: &Case, nodes: &[Running]) -> Result<usize, (Flaw, ReplicaId)> {
        play(case, &nodes[0].api, Some(&self.peers)).map_err(|flaw| (flaw, case.node))
    }
}

/// How many node runs shrinking one flaw may take.
pub(crate) const SHRINK_BUDGET: usize = 300;

/// How long shrinking one flaw may take (a node that hangs costs a request
/// timeout per run).
pub(crate) const SHRINK_TIME: Duration = Duration::from_secs(60);

/// The cases drawn from the seed, each played by `mode`; the first case
/// that shows a kind of flaw is shrunk and reported.
pub(crate) fn run_cases(
    options: &Options,
    mode: &dyn Mode,
    report: &mut dyn FnMut(Progress),
) -> Result<Summary, Unreachable> {
    let began = Instant::now();
    let mut summary = Summary::default();
    let mut orders = BTreeSet::new();
    for index in 0..options.cases {
        report(Progress::Case {
            case: index + 1,
            of: options.cases,
            flaws: summary.found.len(),
        });
        let seed = splitmix64(options.seed ^ splitmix64(index as u64));
        summary.cases += 1;
        for mut case in mode.cases(seed) {
            orders.insert(mode.order(&case));
            // A node that fails to start once is given a second try.
            let played = match mode.run(&case, &mut summary) {
                Ok(played) => played,
                Err(_) => mode.run(&case, &mut summary)?,
            };
            let (flaw, node) = match played {
                Ok(steps) => {
                    summary.steps += steps;
                    continue;
                }
                Err(found) => found,
            };
            summary.steps += flaw.step + 1;
            *summary.counts.entry(flaw.kind).or_default() += 1;
            if summary.found.iter().any(|f| f.flaw.kind == flaw.kind) {
                continue;
            }
            case.node = node;
            let shrinking = Instant::now();
            let runs = summary.runs;
            let mut budget = SHRINK_BUDGET;
            let mut attempt = |c: &Case| -> Result<Option<Flaw>, Unreachable> {
                // A node that fails to start now and then while shrinking
                // costs a candidate, never the flaw already found.
                for _ in 0..2 {
                    if budget == 0 || shrinking.elapsed() > SHRINK_TIME {
                        return Ok(None);
                    }
                    budget -= 1;
                    if let Ok(played) = mode.run(c, &mut summary) {
                        return Ok(played.err().map(|(flaw, _)| flaw));
                    }
                }
                Ok(None)
            };
            let (small, flaw) = shrink(case, flaw, &mut attempt)?;
            let (small, flaw) = mode.settle(small, flaw, &mut summary);
            summary.shrinking += shrinking.elapsed();
            summary.shrink_runs += summary.runs - runs;
            let found = found(options, small, flaw);
            report(Progress::Found(&found));
            summary.found.push(found);
        }
    }
    summary.orders = orders.len();
    summary.elapsed = began.elapsed();
    summary.retried += crate::target::ports_taken();
    Ok(summary)
}

/// Runs the check. `Err` when the node could not be started or reached.
pub fn check(options: &Options, report: &mut dyn FnMut(Progress)) -> Result<Summary, Unreachable> {
    match &options.target {
        Target::Command(command) => {
            let peers = Peers::start(&vec![
                SocketAddr::from(([127, 0, 0, 1], 0));
                options.nodes.saturating_sub(1)
            ])
            .map_err(|e| Unreachable(format!("cannot listen as the node's peers: {e}")))?;
            let mode = OneNode {
                options,
                command,
                peers,
            };
            run_cases(options, &mode, report)
        }
        Target::Url { url, peers } => check_running(options, url, peers.as_deref(), report),
    }
}

/// One case on a node already running at `url`, no shrinking.
fn check_running(
    options: &Options,
    url: &str,
    peers: Option<&[SocketAddr]>,
    report: &mut dyn FnMut(Progress),
) -> Result<Summary, Unreachable> {
    let began = Instant::now();
    let mut summary = Summary::default();
    let (node, at) = attach(url, options.startup, options.request)?;
    let listeners = match peers {
        Some(addrs) => Some(
            Peers::start(addrs)
                .map_err(|e| Unreachable(format!("cannot listen as the node's peers: {e}")))?,
        ),
        None => None,
    };
    if at >= options.nodes {
        return Err(Unreachable(format!(
            "the node at {url} says it is node {at}, but --nodes is {}",
            options.nodes
        )));
    }
    let state = node
        .api
        .store()
        .map_err(|bad| Unreachable(bad.to_string()))?;
    if state.vector_clock.len() != options.nodes {
        return Err(Unreachable(format!(
            "the node at {url} has a clock of {} entries: run it with NUM_NODES={} or give --nodes {}",
            state.vector_clock.len(),
            options.nodes,
            state.vector_clock.len()
        )));
    }
    let fresh = state.store.is_empty()
        && state.buffered.is_empty()
        && state.vector_clock.iter().all(|&c| c == 0);
    if !fresh {
        return Err(Unreachable(format!(
            "the node at {url} is not fresh (GET /store shows writes, a buffer or a clock); start it afresh"
        )));
    }
    report(Progress::Case {
        case: 1,
        of: 1,
        flaws: 0,
    });
    let case = Case::generate(options.nodes, Some(at), options.seed);
    summary.cases = 1;
    summary.runs = 1;
    summary.orders = 1;
    match play(&case, &node.api, listeners.as_ref()) {
        Ok(steps) => summary.steps = steps,
        Err(flaw) => {
            summary.steps = flaw.step + 1;
            summary.counts.insert(flaw.kind, 1);
            let found = found(options, case.truncated(flaw.step), flaw);
            report(Progress::Found(&found));
            summary.found.push(found);
        }
    }
    summary.elapsed = began.elapsed();
    summary.retried += crate::target::ports_taken();
    Ok(summary)
}

/// Shrinks a failing case: drops whole writes (renumbering the later ones),
/// then single steps, then unused replicas, keeping each cut that still shows
/// a flaw of the same kind, until no cut does; then renames the values
/// after their writes if the flaw stays.
pub fn shrink(
    case: Case,
    flaw: Flaw,
    attempt: &mut dyn FnMut(&Case) -> Result<Option<Flaw>, Unreachable>,
) -> Result<(Case, Flaw), Unreachable> {
    let (mut case, mut flaw) = (case.truncated(flaw.step), flaw);
    'cut: loop {
        let writes = (1..=case.writes())
            .rev()
            .map(|m| case.without_write(MessageId(m)));
        let steps = (0..case.steps.len()).rev().map(|i| case.without_step(i));
        let replicas = (0..case.replicas)
            .rev()
            .filter_map(|r| case.without_replica(r));
        let candidates: Vec<Case> = writes.chain(steps).chain(replicas).collect();
        for candidate in candidates {
            if candidate == case || !candidate.is_valid() {
                continue;
            }
            if let Some(found) = attempt(&candidate)? {
                if found.kind == flaw.kind {
                    case = candidate.truncated(found.step);
                    flaw = found;
                    continue 'cut;
                }
            }
        }
        let tidy = case.tidied();
        if tidy != case {
            if let Some(found) = attempt(&tidy)? {
                if found.kind == flaw.kind {
                    return Ok((tidy.truncated(found.step), found));
                }
            }
        }
        return Ok((case, flaw));
    }
}

/// Tells a flaw in a sentence and writes its case as a scenario file.
pub(crate) fn found(options: &Options, case: Case, flaw: Flaw) -> Found {
    let node = replica_name(case.node);
    let sentence = format!(
        "{} at node {node}, step {} of {} ({}): {}.",
        flaw.kind,
        flaw.step + 1,
        case.steps.len(),
        describe(&case, flaw.step),
        flaw.why
    );
    let guarantee = tell::guarantee(&case, &flaw);
    let proof = tell::proof(&case, &flaw, guarantee);
    let link = tell::link(&options.page, &case, &flaw, guarantee, &flaw.observed);
    let title = format!("causal-check: {} at node {node}", flaw.kind);
    let scenario = case.scenario(title, sentence.clone());
    let file = options.out.join(format!("{}.json", flaw.kind));
    let written = std::fs::create_dir_all(&options.out)
        .and_then(|_| std::fs::write(&file, scenario.to_json() + "\n"));
    let sentence = match written {
        Ok(()) => format!("{sentence} Replay it: causal-sim run {}", file.display()),
        Err(e) => format!("{sentence} (cannot write {}: {e})", file.display()),
    };
    Found {
        case,
        flaw,
        sentence,
        file,
        guarantee,
        proof,
        link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use causal_core::{Command, Simulation};
    use serde_json::Value;

    /// A pretend node that applies B's writes as they come: its flaw shows
    /// at the first step where the engine holds a message at the node.
    fn pretend(case: &Case) -> Option<Flaw> {
        let mut sim = Simulation::new(case.config()).ok()?;
        for (step, command) in case.steps.iter().enumerate() {
            sim.apply(command.clone()).ok()?;
            if !sim.replicas()[case.node].hold_back().is_empty() {
                return Some(Flaw {
                    kind: Kind::DeliveredTooEarly,
                    step,
                    expected: Value::Null,
                    got: Value::Null,
                    why: String::new(),
                    observed: Vec::new(),
                });
            }
        }
        None
    }

    #[test]
    fn shrinking_keeps_the_kind_and_cuts_to_the_fewest_steps() {
        let mut shrunk = 0;
        for seed in 0..40 {
            let case = Case::generate(4, None, seed);
            let Some(flaw) = pretend(&case) else {
                continue;
            };
            shrunk += 1;
            let mut runs = 0;
            let (small, flaw) = shrink(case.clone(), flaw, &mut |c| {
                runs += 1;
                Ok(pretend(c))
            })
            .expect("no node to lose");
            assert_eq!(flaw.kind, Kind::DeliveredTooEarly);
            assert!(small.is_valid());
            // Two writes by one replica and the second's arrival; or a
            // write, its arrival elsewhere, a write there, and that arrival.
            assert!(small.steps.len() <= 4, "seed {seed}: {small:?}");
            assert!(
                small.replicas <= 3,
                "seed {seed}: unused replicas are dropped"
            );
            assert_eq!(flaw.step + 1, small.steps.len());
            assert!(
                matches!(small.steps[0], Command::Write { ref value, .. } if value.ends_with('1'))
            );
            assert!(runs < 300);
        }
        assert!(shrunk >= 10, "only {shrunk} of 40 cases failed");
    }
}
