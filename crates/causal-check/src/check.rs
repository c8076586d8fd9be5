//! The checker's loop: cases drawn from a seed, each played on a fresh node;
//! the first case that shows a kind of flaw is shrunk to a smallest one that
//! still shows it, and reported once, with a scenario file to replay it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use causal_core::splitmix64;
use causal_core::{replica_name, MessageId};

use crate::case::Case;
use crate::flaw::{Flaw, Kind};
use crate::peers::Peers;
use crate::play::{describe, play};
use crate::target::{attach, start, Unreachable};

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
}

impl Found {
    /// The line on standard output: `{"kind", "steps", "expected", "got"}`.
    pub fn json_line(&self) -> String {
        /// The fields in the order DESIGN.md lists them.
        #[derive(serde::Serialize)]
        struct Line<'a> {
            kind: &'a str,
            steps: &'a [causal_core::Command],
            expected: &'a serde_json::Value,
            got: &'a serde_json::Value,
        }
        serde_json::to_string(&Line {
            kind: self.flaw.kind.name(),
            steps: &self.case.steps,
            expected: &self.flaw.expected,
            got: &self.flaw.got,
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
}

/// How many node runs shrinking one flaw may take.
const SHRINK_BUDGET: usize = 300;

/// Runs the check. `Err` when the node could not be started or reached.
pub fn check(options: &Options, report: &mut dyn FnMut(Progress)) -> Result<Summary, Unreachable> {
    let began = Instant::now();
    let mut summary = Summary::default();
    match &options.target {
        Target::Command(command) => {
            let peers = Peers::start(&vec![
                SocketAddr::from(([127, 0, 0, 1], 0));
                options.nodes.saturating_sub(1)
            ])
            .map_err(|e| Unreachable(format!("cannot listen as the node's peers: {e}")))?;
            let run = |case: &Case, summary: &mut Summary| -> Result<_, Unreachable> {
                summary.runs += 1;
                let node = start(
                    command,
                    case.node,
                    case.replicas,
                    &peers.urls()[..case.replicas - 1],
                    options.startup,
                )?;
                Ok(play(case, &node.api, Some(&peers)))
            };
            for index in 0..options.cases {
                report(Progress::Case {
                    case: index + 1,
                    of: options.cases,
                    flaws: summary.found.len(),
                });
                let seed = splitmix64(options.seed ^ splitmix64(index as u64));
                let case = Case::generate(options.nodes, None, seed);
                summary.cases += 1;
                match run(&case, &mut summary)? {
                    Ok(steps) => summary.steps += steps,
                    Err(flaw) => {
                        summary.steps += flaw.step + 1;
                        *summary.counts.entry(flaw.kind).or_default() += 1;
                        if summary.found.iter().any(|f| f.flaw.kind == flaw.kind) {
                            continue;
                        }
                        let mut budget = SHRINK_BUDGET;
                        let mut attempt = |c: &Case| -> Result<Option<Flaw>, Unreachable> {
                            if budget == 0 {
                                return Ok(None);
                            }
                            budget -= 1;
                            Ok(run(c, &mut summary)?.err())
                        };
                        let (case, flaw) = shrink(case, flaw, &mut attempt)?;
                        let found = found(options, case, flaw);
                        report(Progress::Found(&found));
                        summary.found.push(found);
                    }
                }
            }
        }
        Target::Url { url, peers } => {
            let (node, at) = attach(url, options.startup)?;
            let listeners =
                match peers {
                    Some(addrs) => Some(Peers::start(addrs).map_err(|e| {
                        Unreachable(format!("cannot listen as the node's peers: {e}"))
                    })?),
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
        }
    }
    summary.elapsed = began.elapsed();
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
fn found(options: &Options, case: Case, flaw: Flaw) -> Found {
    let node = replica_name(case.node);
    let sentence = format!(
        "{} at node {node}, step {} of {} ({}): {}.",
        flaw.kind,
        flaw.step + 1,
        case.steps.len(),
        describe(&case, flaw.step),
        flaw.why
    );
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
