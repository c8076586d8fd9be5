//! The outcome census on the page: the engine's [`Census`] run from the
//! state shown, off the main thread, in a search worker of its own
//! ([`crate::browser::worker`]), so the page answers every input meanwhile
//! and does not carry the census's code in its first download. Cancelling
//! terminates the worker. The counts are kept with where they were counted,
//! so an outcome can still be opened as a branch from there after the page
//! has moved on (ARCHITECTURE.md, "The search worker").

use std::cell::RefCell;
use std::rc::Rc;

use causal_core::{Census, CensusReport, Command, Config, Simulation};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::browser::worker::{self, Reply};
use crate::run::state::{Action, State};
/// Receipts explored between two looks at the clock.
const RECEIPTS_PER_LOOK: usize = 1024;
/// Progress is sent at most this often, in milliseconds.
const PROGRESS_MS: f64 = 60.0;

/// What the page asks the worker: every order from the state this run
/// reaches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The replica count and rules.
    pub config: Config,
    /// The steps that reach the state shown.
    #[serde(with = "crate::data::steps::as_steps")]
    pub steps: Vec<Command>,
}

/// The worker's work: counts every order of `request`, telling `send` the
/// progress at most every [`PROGRESS_MS`] of `now` (milliseconds), then the
/// counts or why not. Runs to the end: the page cancels by terminating the
/// worker.
pub fn count(request: &Request, now: impl Fn() -> f64, mut send: impl FnMut(Reply)) {
    let census = Simulation::replay(request.config, &request.steps)
        .map_err(|e| format!("The census could not replay the run shown: {e}."))
        .and_then(|simulation| {
            Census::new(&simulation).map_err(|e| {
                format!("Too many orders to explore: {e}. Deliver or drop a few copies first.")
            })
        });
    let mut census = match census {
        Ok(census) => census,
        Err(why) => return send(Reply::Refused { why }),
    };
    let mut shown_at = now();
    loop {
        let progress = census.step(RECEIPTS_PER_LOOK);
        if progress.done {
            return send(match census.report() {
                Some(report) => Reply::Done { report },
                None => Reply::Refused {
                    why: "The census ended without counts.".into(),
                },
            });
        }
        if now() - shown_at >= PROGRESS_MS {
            shown_at = now();
            send(Reply::Progress {
                fraction: progress.fraction,
                states: progress.states,
            });
        }
    }
}

/// Where a census was counted: the branch, the step, the rules, and the
/// steps that led there (so a later open checks it is still the same run).
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    /// The branch (index).
    pub branch: usize,
    /// The timeline's position.
    pub step: usize,
    /// The replica count and rules.
    pub config: Config,
    /// The branch's steps up to `step`.
    pub prefix: Rc<Vec<Command>>,
}

/// What the census panel shows.
#[derive(Clone, Debug, PartialEq)]
pub enum CensusStatus {
    /// Nothing counted yet.
    Idle,
    /// Counting: an estimate from 0 to 1, and distinct states so far.
    Running {
        /// Share of the orders counted, estimated.
        fraction: f64,
        /// Distinct states explored.
        states: usize,
    },
    /// The counts.
    Done(Rc<CensusReport>),
    /// Not started: why (too many copies in flight).
    Refused(String),
}

/// The census as the page uses it.
pub struct UseCensus {
    /// What to show.
    pub status: CensusStatus,
    /// The counts are for another step than the one shown: (branch number
    /// from 1, step).
    pub elsewhere: Option<(usize, usize)>,
    /// Count every order from the state shown.
    pub explore: Callback<()>,
    /// Stop counting.
    pub cancel: Callback<()>,
    /// Open outcome `i`'s representative order as a new branch.
    pub open: Callback<usize>,
}

/// The worker counting, if any: dropping it terminates the worker, which
/// the census does on Cancel, on a new census and at the worker's last word.
type Slot = Rc<RefCell<Option<worker::Worker>>>;

/// The census of the state `state` shows; see [`UseCensus`].
#[hook]
pub fn use_census(state: &UseReducerHandle<State>) -> UseCensus {
    let slot: Slot = use_mut_ref(|| None);
    let status = use_state(|| CensusStatus::Idle);
    let origin = use_state(|| None::<Rc<Origin>>);

    let config = state.simulation.config();
    let cursor = state.cursor();
    // The counts stand while the run they were counted on is still there.
    let valid = origin.as_ref().is_some_and(|o| {
        o.config == config
            && state
                .branches()
                .get(o.branch)
                .is_some_and(|b| b.len() >= o.step)
            && state
                .history
                .iter(o.branch)
                .take(o.step)
                .eq(o.prefix.iter())
    });
    {
        let (slot, status, origin) = (slot.clone(), status.clone(), origin.clone());
        use_effect_with(valid, move |valid| {
            if !valid && origin.is_some() {
                slot.borrow_mut().take();
                status.set(CensusStatus::Idle);
                origin.set(None);
            }
        });
    }

    let explore = {
        let (state, slot, status, origin) =
            (state.clone(), slot.clone(), status.clone(), origin.clone());
        Callback::from(move |()| {
            let here = Origin {
                branch: state.current(),
                step: state.cursor(),
                config: state.simulation.config(),
                prefix: Rc::new(state.simulation.history().to_vec()),
            };
            let request = Request {
                config: here.config,
                steps: here.prefix.to_vec(),
            };
            origin.set(Some(Rc::new(here)));
            // A census already counting is dropped (terminated) first.
            slot.borrow_mut().take();
            status.set(CensusStatus::Running {
                fraction: 0.0,
                states: 0,
            });
            // Weak: the worker's callback must not keep the worker alive,
            // so that leaving the page terminates it.
            let (setter, ending) = (status.setter(), Rc::downgrade(&slot));
            let started = worker::Worker::start(move |reply| {
                let last = match reply {
                    Reply::Progress { fraction, states } => {
                        return setter.set(CensusStatus::Running { fraction, states })
                    }
                    Reply::Done { report } => CensusStatus::Done(Rc::new(report)),
                    Reply::Refused { why } => CensusStatus::Refused(why),
                    Reply::Ready | Reply::Searched { .. } => return,
                };
                // One census a worker: its last word (the counts or why
                // not) ends it.
                if let Some(slot) = ending.upgrade() {
                    slot.borrow_mut().take();
                }
                setter.set(last);
            });
            match started {
                Ok(running) => {
                    running.ask(&worker::Request::Census(request));
                    *slot.borrow_mut() = Some(running);
                }
                Err(why) => status.set(CensusStatus::Refused(why)),
            }
        })
    };
    let cancel = {
        let (slot, status, origin) = (slot.clone(), status.clone(), origin.clone());
        Callback::from(move |()| {
            slot.borrow_mut().take();
            status.set(CensusStatus::Idle);
            origin.set(None);
        })
    };
    let shown = match (&*status, valid) {
        (_, false) => CensusStatus::Idle,
        (s, true) => s.clone(),
    };
    let elsewhere = origin
        .as_ref()
        .filter(|o| valid && (o.branch != state.current() || o.step != cursor))
        .map(|o| (o.branch + 1, o.step));
    let open = {
        let (dispatcher, status, origin) = (state.dispatcher(), status.clone(), origin.clone());
        let (current, at_origin) = (state.current(), elsewhere.is_none());
        Callback::from(move |i: usize| {
            let (CensusStatus::Done(report), Some(from)) = (&*status, origin.as_ref()) else {
                return;
            };
            let Some(outcome) = report.outcomes.get(i) else {
                return;
            };
            if !at_origin {
                // Back to where the counts were made; the new branch starts there.
                if current != from.branch {
                    dispatcher.dispatch(Action::SwitchBranch(from.branch));
                }
                dispatcher.dispatch(Action::Seek(from.step));
            }
            dispatcher.dispatch(Action::OpenOrder {
                branch: from.branch,
                step: from.step,
                order: outcome.order.iter().map(|a| a.command()).collect(),
                outcome: i + 1,
            });
        })
    };
    UseCensus {
        status: shown,
        elsewhere,
        explore,
        cancel,
        open,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use causal_core::{Census, Command, Config, Simulation};

    use super::{count, Reply, Request};

    use crate::run::state::testing::run;
    use crate::run::state::{Action, State};

    #[test]
    fn an_order_the_census_found_opens_as_a_new_branch_from_where_it_was_counted() {
        let write = |replica, value: &str| Action::Write {
            replica,
            key: "x".into(),
            value: value.into(),
        };
        let state = run(State::default(), [write(0, "1"), write(1, "2")]);
        let report = Census::run(&state.simulation).expect("4 copies");
        assert_eq!(report.outcomes.len(), 2);
        for (i, outcome) in report.outcomes.iter().enumerate() {
            let order: Vec<Command> = outcome.order.iter().map(|a| a.command()).collect();
            let opened = run(
                state.clone(),
                [Action::OpenOrder {
                    branch: 0,
                    step: 2,
                    order: order.clone(),
                    outcome: i + 1,
                }],
            );
            assert_eq!(opened.branches().len(), 2);
            assert_eq!(opened.current(), 1);
            assert_eq!(opened.branches()[1].parent, Some((0, 2)));
            assert_eq!(opened.cursor(), 6);
            let finals: Vec<_> = opened
                .simulation
                .replicas()
                .iter()
                .map(|r| (r.clock().clone(), r.store().to_map()))
                .collect();
            let expected: Vec<_> = outcome
                .replicas
                .iter()
                .map(|r| (r.clock.clone(), r.store.clone()))
                .collect();
            assert_eq!(finals, expected, "outcome {}", i + 1);
            let replayed = Simulation::replay(opened.simulation.config(), &opened.history.line(1))
                .expect("the branch replays");
            assert_eq!(replayed.replicas(), opened.simulation.replicas());
        }
        // From anywhere else it is refused, and nothing changes.
        let moved = run(state, [Action::Seek(1)]);
        let refused = run(
            moved.clone(),
            [Action::OpenOrder {
                branch: 0,
                step: 2,
                order: Vec::new(),
                outcome: 1,
            }],
        );
        assert!(refused.notice.is_some());
        assert_eq!(refused.branches(), moved.branches());
    }

    /// The worker's count: the engine's census of the run it is sent, with
    /// progress on the way, and a refusal in words when there are too many
    /// copies.
    #[test]
    fn the_worker_counts_what_the_engine_counts_from_the_run_it_is_sent() {
        let config = Config::default();
        let steps: Vec<Command> = (0..3)
            .map(|i| Command::write(i, "x", i.to_string()))
            .collect();
        let simulation = Simulation::replay(config, &steps).unwrap();
        let expected = Census::run(&simulation).unwrap();
        // A clock that moves 100 ms per look: every look may send progress.
        let clock = Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + 100.0);
            clock.get()
        };
        let mut replies = Vec::new();
        count(&Request { config, steps }, now, |r| replies.push(r));
        assert_eq!(replies.last(), Some(&Reply::Done { report: expected }));
        assert!(replies[..replies.len() - 1]
            .iter()
            .all(|r| matches!(r, Reply::Progress { .. })));

        let many: Vec<Command> = (0..12)
            .map(|i| Command::write(i % 3, "x", i.to_string()))
            .collect();
        let mut replies = Vec::new();
        count(
            &Request {
                config,
                steps: many,
            },
            || 0.0,
            |r| replies.push(r),
        );
        match replies.as_slice() {
            [Reply::Refused { why }] => {
                assert!(why.starts_with("Too many orders to explore"), "{why}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
