//! The outcome census on the page: the engine's [`Census`] run from the
//! state shown, a slice per timer tick so the page stays responsive (a slice
//! stops after [`SLICE_MS`] milliseconds), cancelled by dropping it. The
//! counts are kept with where they were counted, so an outcome can still be
//! opened as a branch from there after the page has moved on.

use std::cell::RefCell;
use std::rc::Rc;

use causal_core::{Census, CensusReport, Command, Config};
use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::state::{Action, State};

/// How long one slice of the census may run, in milliseconds: well inside a
/// frame, so a click or a scroll waits at most that long.
pub const SLICE_MS: f64 = 8.0;
/// Receipts explored between two looks at the clock.
const RECEIPTS_PER_LOOK: usize = 128;
/// The progress bar is redrawn at most this often, in milliseconds.
const PROGRESS_MS: f64 = 60.0;

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

struct Runner {
    census: Census,
    timer: Option<Timeout>,
    shown_at: f64,
}

type Slot = Rc<RefCell<Option<Runner>>>;

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
            origin.set(Some(Rc::new(here)));
            match Census::new(&state.simulation) {
                Ok(census) => {
                    *slot.borrow_mut() = Some(Runner {
                        census,
                        timer: None,
                        shown_at: 0.0,
                    });
                    status.set(CensusStatus::Running {
                        fraction: 0.0,
                        states: 0,
                    });
                    schedule(&slot, status.setter());
                }
                Err(e) => {
                    slot.borrow_mut().take();
                    status.set(CensusStatus::Refused(format!(
                        "Too many orders to explore: {e}. Deliver or drop a few copies first."
                    )));
                }
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

/// Runs the next slice of the census in `slot` on the next timer tick.
fn schedule(slot: &Slot, status: UseStateSetter<CensusStatus>) {
    let next = Rc::clone(slot);
    let timer = Timeout::new(0, move || slice(&next, status));
    if let Some(runner) = slot.borrow_mut().as_mut() {
        runner.timer = Some(timer);
    }
}

/// Explores for at most [`SLICE_MS`], then shows the progress (or the
/// counts) and schedules the next slice.
fn slice(slot: &Slot, status: UseStateSetter<CensusStatus>) {
    let started = js_sys::Date::now();
    let mut guard = slot.borrow_mut();
    let Some(runner) = guard.as_mut() else {
        return;
    };
    let progress = loop {
        let progress = runner.census.step(RECEIPTS_PER_LOOK);
        if progress.done || js_sys::Date::now() - started >= SLICE_MS {
            break progress;
        }
    };
    if progress.done {
        if let Some(report) = runner.census.report() {
            status.set(CensusStatus::Done(Rc::new(report)));
        }
        // Dropped after the borrow ends: the census is finished.
        let finished = guard.take();
        drop(guard);
        drop(finished);
        return;
    }
    let now = js_sys::Date::now();
    if now - runner.shown_at >= PROGRESS_MS {
        runner.shown_at = now;
        status.set(CensusStatus::Running {
            fraction: progress.fraction,
            states: progress.states,
        });
    }
    drop(guard);
    schedule(slot, status);
}

#[cfg(test)]
mod tests {
    use causal_core::{Census, Command, Simulation};

    use crate::state::testing::run;
    use crate::state::{Action, State};

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
}
