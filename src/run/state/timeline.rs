//! Moving through the history: acting (which extends the branch shown or
//! starts one), undo and redo along a branch, the timeline, switching
//! branch, re-running under another rule, and autoplay's step. The
//! [`History`](crate::run::history::History) and the simulation shown move
//! together; states lately shown are kept, so that Undo and Redo, and a
//! move of the timeline back to one, show them without replaying.

use std::rc::Rc;

use causal_core::{
    explain, Command, Config, Conflicts, Delivery, ReplicaId, Scheduler, Simulation,
};

use super::notices::{capitalise, Place};
use super::State;
use crate::run::describe::{describe, Tone};
use crate::run::history::History;
use crate::run::loading::{Job, Origin, Purpose};
use crate::run::trace::Trace;

/// A move of the timeline forward tells at most this many steps in the log.
const NARRATED_STEPS: usize = 40;

/// How many states lately shown are kept.
const RECENT_STATES: usize = 8;

/// A state shown: step `step` of branch `branch` (the first branch that
/// holds that state, see [`History::origin`]).
#[derive(Clone, Debug)]
struct Shown {
    branch: usize,
    step: usize,
    simulation: Rc<Simulation>,
    trace: Rc<Trace>,
}

/// States lately shown, newest last: copying them copies pointers.
#[derive(Clone, Debug, Default)]
pub(super) struct Recent(Vec<Shown>);

impl Recent {
    fn keep(&mut self, shown: Shown) {
        self.0
            .retain(|s| (s.branch, s.step) != (shown.branch, shown.step));
        self.0.push(shown);
        if self.0.len() > RECENT_STATES {
            self.0.remove(0);
        }
    }

    /// The latest state kept on the branch shown, at step `at_most` or
    /// before, under `config`.
    fn nearest(&self, history: &History, at_most: usize, config: Config) -> Option<&Shown> {
        self.0
            .iter()
            .filter(|s| {
                s.step <= at_most
                    && s.simulation.config() == config
                    && history.origin(history.current(), s.step) == s.branch
            })
            .max_by_key(|s| s.step)
    }
}

impl State {
    /// Keeps the state shown among the recent ones.
    pub(super) fn remember(&mut self) {
        let step = self.cursor();
        self.recent.keep(Shown {
            branch: self.history.origin(self.current(), step),
            step,
            simulation: Rc::clone(&self.simulation),
            trace: Rc::clone(&self.trace),
        });
    }

    /// Shows `simulation` (a state of the branch shown) and its `trace`,
    /// recording which clock entries changed.
    pub(super) fn show(&mut self, simulation: Rc<Simulation>, trace: Rc<Trace>) {
        self.changed = clock_changes(&self.simulation, &simulation);
        self.history.seek(simulation.history().len());
        self.simulation = simulation;
        self.trace = trace;
        self.notice = None;
    }

    /// Shows a trace built anew (not the current one extended or cut back).
    pub(super) fn show_rebuilt(&mut self, simulation: Rc<Simulation>, trace: Rc<Trace>) {
        self.show(simulation, trace);
        self.trace_epoch += 1;
    }

    /// Applies a new command at the timeline's position. At the end of the
    /// branch it extends it; earlier, it starts a new branch and keeps the old.
    pub(super) fn act(&mut self, command: Command, place: Place) {
        self.replaced.at_load = false;
        let cursor = self.cursor();
        if let Some(why) = self
            .puzzle
            .as_ref()
            .and_then(|p| p.refusal(&command, cursor))
        {
            return self.refuse(place, why);
        }
        let mut next = Simulation::clone(&self.simulation);
        let events = match next.apply(command.clone()) {
            Ok(events) => events,
            Err(e) => return self.refuse(place, capitalise(&e.to_string())),
        };
        self.remember();
        if let Some(old) = self.history.record(command) {
            self.note(
                Tone::Plain,
                format!(
                    "Started branch {} at step {cursor}; branch {} is kept.",
                    self.current() + 1,
                    old + 1
                ),
            );
        }
        let lines = describe(&events, next.messages());
        // A copy of the trace shares its chunks: the step's events are
        // appended to a copy of the last one.
        let mut trace = Rc::unwrap_or_clone(std::mem::take(&mut self.trace));
        trace.push_step(cursor + 1, events);
        self.show(Rc::new(next), Rc::new(trace));
        for (tone, text) in lines {
            self.note(tone, text);
        }
    }

    /// Moves the timeline to `steps` applied on the current branch: at once
    /// to a state lately shown, else from the nearest one (or the start),
    /// in slices when the way is long.
    pub(super) fn seek(&mut self, steps: usize) {
        self.replaced.at_load = false;
        let (from, to) = (self.cursor(), steps.min(self.steps()));
        if to == from {
            return;
        }
        let config = self.simulation.config();
        let near = self.recent.nearest(&self.history, to, config).cloned();
        if let Some(shown) = near.as_ref().filter(|s| s.step == to) {
            return self.arrive(from, Rc::clone(&shown.simulation), Rc::clone(&shown.trace));
        }
        let job = match near.filter(|s| to < from || s.step > from) {
            Some(shown) => Job::seek(
                from,
                Simulation::clone(&shown.simulation),
                Trace::clone(&shown.trace),
                true,
                self.history.commands(self.current(), shown.step..to),
            ),
            None if to > from => Job::seek(
                from,
                Simulation::clone(&self.simulation),
                Trace::clone(&self.trace),
                true,
                self.history.commands(self.current(), from..to),
            ),
            // Back: replay from the start; the events are the old ones, cut.
            None => Job::seek(
                from,
                Simulation::new(config).unwrap_or_default(),
                self.trace.cut(to),
                false,
                self.history.commands(self.current(), 0..to),
            ),
        };
        self.job = Some(Box::new(job));
        self.advance();
    }

    /// Shows where a move of the timeline from step `from` arrived; a move
    /// forward tells its steps.
    pub(super) fn arrive(&mut self, from: usize, simulation: Rc<Simulation>, trace: Rc<Trace>) {
        let to = simulation.history().len();
        self.remember();
        self.show(simulation, trace);
        if to > from {
            self.narrate(from, to);
        }
    }

    /// Tells steps `from + 1 ..= to` in the log as if they had just
    /// happened (the last [`NARRATED_STEPS`] of them when there are more).
    fn narrate(&mut self, from: usize, to: usize) {
        let first = from.max(to.saturating_sub(NARRATED_STEPS)) + 1;
        if first > from + 1 {
            self.note(
                Tone::Plain,
                format!(
                    "Moved forward {} steps; the last {NARRATED_STEPS} follow.",
                    to - from
                ),
            );
        }
        let (trace, simulation) = (Rc::clone(&self.trace), Rc::clone(&self.simulation));
        for step in first..=to {
            let events: Vec<_> = trace.step(step).cloned().collect();
            let lines = describe(&events, simulation.messages());
            if lines.is_empty() {
                if let Some(command) = simulation.history().get(step - 1) {
                    self.note(Tone::Plain, capitalise(&explain::happening(command)));
                }
            }
            for (tone, text) in lines {
                self.note(tone, text);
            }
        }
    }

    pub(super) fn undo(&mut self) {
        let cursor = self.cursor();
        if self.replaced.at_load || cursor == 0 {
            if let Some(before) = self.replaced.undo() {
                let session = Rc::unwrap_or_clone(before.session);
                return self.begin_load(Ok(session), Origin::Back(before.puzzle));
            }
        }
        let Some(last) = self.simulation.history().last().cloned() else {
            return self.inform("There is nothing to undo.");
        };
        self.seek(cursor - 1);
        self.note(Tone::Plain, format!("Undid: {}.", explain::short(&last)));
    }

    /// Plays the next step of the branch, told as if it had just happened.
    pub(super) fn redo(&mut self) {
        if let Some(after) = self.replaced.redo() {
            let session = Rc::unwrap_or_clone(after.session);
            return self.begin_load(Ok(session), Origin::Forward(after.puzzle));
        }
        let cursor = self.cursor();
        if cursor == self.steps() {
            return self.inform("There is nothing to redo.");
        }
        self.seek(cursor + 1);
    }

    /// Shows another branch at its end: at once if it was lately shown,
    /// else replayed, in slices when it is long.
    pub(super) fn switch_branch(&mut self, branch: usize) {
        self.replaced.at_load = false;
        let Some(steps) = self.branches().get(branch).map(|b| b.len()) else {
            return self.refuse(Place::Page, format!("There is no branch {}.", branch + 1));
        };
        let config = self.simulation.config();
        let origin = self.history.origin(branch, steps);
        let kept = self
            .recent
            .0
            .iter()
            .find(|s| (s.branch, s.step) == (origin, steps) && s.simulation.config() == config)
            .map(|s| (Rc::clone(&s.simulation), Rc::clone(&s.trace)));
        match kept {
            Some((simulation, trace)) => self.replayed(branch, false, simulation, trace),
            None => {
                let purpose = Purpose::Replay {
                    branch,
                    rules: false,
                };
                let job = Job::replay(purpose, config, self.history.line(branch));
                self.job = Some(Box::new(job));
                self.advance();
            }
        }
    }

    /// Re-runs the steps up to the timeline under other rules, in slices
    /// when they are many.
    pub(super) fn rerun(&mut self, delivery: Delivery, conflicts: Conflicts) {
        self.replaced.at_load = false;
        let config = Config {
            delivery,
            conflicts,
            ..self.simulation.config()
        };
        let purpose = Purpose::Replay {
            branch: self.current(),
            rules: true,
        };
        let job = Job::replay(purpose, config, self.simulation.history().to_vec());
        self.job = Some(Box::new(job));
        self.advance();
    }

    /// Shows a branch replayed from the start: `branch` at its end, or the
    /// branch shown under other `rules`.
    pub(super) fn replayed(
        &mut self,
        branch: usize,
        rules: bool,
        simulation: Rc<Simulation>,
        trace: Rc<Trace>,
    ) {
        self.remember();
        if rules {
            let (steps, config) = (simulation.history().len(), simulation.config());
            self.show_rebuilt(simulation, trace);
            self.note(
                Tone::Plain,
                format!(
                    "Re-ran the same {steps} steps under {} delivery and {} conflicts.",
                    config.delivery, config.conflicts
                ),
            );
        } else {
            self.history.switch(branch);
            self.show_rebuilt(simulation, trace);
            self.note(Tone::Plain, format!("Switched to branch {}.", branch + 1));
        }
    }

    /// One autoplay step: the seed's scheduler picks the next command.
    pub(super) fn step(&mut self) {
        match Scheduler::new(self.seed).next(&self.simulation) {
            Some(command) => self.act(command, Place::Page),
            None => {
                if self.playing {
                    self.note(
                        Tone::Plain,
                        "Nothing is in flight: autoplay stopped.".into(),
                    );
                } else {
                    self.inform("Nothing is in flight to deliver.");
                }
                self.playing = false;
            }
        }
    }
}

fn clock_changes(before: &Simulation, after: &Simulation) -> Vec<(ReplicaId, usize)> {
    after
        .replicas()
        .iter()
        .zip(before.replicas())
        .flat_map(|(a, b)| {
            let (a_clock, b_clock) = (a.clock(), b.clock());
            (0..a_clock.len())
                .filter(move |&k| a_clock.get(k) != b_clock.get(k))
                .map(move |k| (a.id(), k))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::run::state::Action;

    #[test]
    fn acting_at_an_earlier_step_starts_a_branch_and_keeps_the_old_one() {
        let state = run(
            State::default(),
            [Action::LoadPreset("classic".into()), Action::Seek(6)],
        );
        let full = clocks(&state);
        let state = run(state, [Action::Seek(3), write(2, "z", "9")]);
        assert_eq!(state.branches().len(), 2);
        assert_eq!(state.current(), 1);
        assert_eq!(state.branches()[1].parent, Some((0, 3)));
        assert_eq!(state.branches()[1].len(), 4);
        assert_eq!(state.trace.last_step(), 4);
        let back = run(state, [Action::SwitchBranch(0)]);
        assert_eq!(clocks(&back), full);
        assert_eq!(back.cursor(), 6);
    }

    #[test]
    fn undo_and_redo_move_along_the_branch_and_keep_the_trace_in_step() {
        let state = run(State::default(), [write(0, "x", "1"), write(1, "y", "2")]);
        let undone = run(state.clone(), [Action::Undo]);
        assert_eq!(undone.cursor(), 1);
        assert!(undone.trace.iter().all(|(step, _)| *step <= 1));
        assert_eq!(undone.steps(), 2, "undo keeps what can be redone");
        let redone = run(undone, [Action::Redo]);
        assert_eq!(clocks(&redone), clocks(&state));
        assert_eq!(redone.trace, state.trace);
        let nothing = run(State::default(), [Action::Undo]);
        assert!(nothing.notice.is_some());
    }

    #[test]
    fn undo_and_redo_show_states_lately_shown_without_replaying() {
        let one = run(State::default(), [write(0, "x", "1")]);
        let two = run(one.clone(), [write(1, "y", "2")]);
        let undone = run(two.clone(), [Action::Undo]);
        assert!(undone.job.is_none());
        assert!(
            Rc::ptr_eq(&undone.simulation, &one.simulation),
            "the same state, not a replay"
        );
        assert!(Rc::ptr_eq(&undone.trace, &one.trace));
        let redone = run(undone, [Action::Redo]);
        assert!(Rc::ptr_eq(&redone.simulation, &two.simulation));
        // A state kept on another branch is not shown on this one.
        let other = run(
            two.clone(),
            [Action::Undo, write(2, "z", "3"), Action::Undo],
        );
        assert!(
            Rc::ptr_eq(&other.simulation, &one.simulation),
            "step 1 is shared"
        );
        let forth = run(other, [Action::Redo]);
        assert_eq!(forth.current(), 1);
        assert_eq!(
            forth.simulation.history().last(),
            forth.history.command(1, 1)
        );
        assert!(!Rc::ptr_eq(&forth.simulation, &two.simulation));
        // Another rule: nothing kept is reused.
        let rerun = run(two, [Action::SetDelivery(Delivery::Fifo), Action::Undo]);
        assert!(!Rc::ptr_eq(&rerun.simulation, &one.simulation));
        assert_eq!(rerun.simulation.config().delivery, Delivery::Fifo);
    }

    #[test]
    fn a_step_copies_at_most_the_last_chunk_of_the_trace_and_a_move_back_none_before_it() {
        let mut state = State::default();
        for i in 0..60 {
            state = run(state, [write(i % 3, "x", &i.to_string())]);
        }
        let long = run(state, [Action::Apply(Command::DeliverAll)]);
        assert!(long.trace.len() > 300, "{} events", long.trace.len());
        let after = run(long.clone(), [write(0, "y", "1")]);
        let shared = after.trace.shared_with(&long.trace);
        assert!(
            shared + 64 > long.trace.len(),
            "{shared} of {} events shared",
            long.trace.len()
        );
        assert_eq!(after.trace.last_step(), 62);
        assert_eq!(long.trace.last_step(), 61, "the state before is intact");
        // Back past states lately shown: replayed, the events cut, not copied.
        let back = run(after.clone(), [Action::Seek(30)]);
        let (back, _) = finish(back);
        assert_eq!(back.cursor(), 30);
        assert!(back.trace.shared_with(&after.trace) + 64 > back.trace.len());
        assert!(back.trace.iter().all(|(step, _)| *step <= 30));
    }

    #[test]
    fn an_action_that_changes_no_step_copies_neither_the_run_nor_its_events() {
        let state = run(State::default(), [write(0, "x", "1"), write(1, "y", "2")]);
        for action in [Action::Dismiss, Action::Note("a line".into()), Action::Play] {
            let after = run(state.clone(), [action.clone()]);
            assert!(
                Rc::ptr_eq(&after.simulation, &state.simulation),
                "{action:?}"
            );
            assert!(Rc::ptr_eq(&after.trace, &state.trace), "{action:?}");
        }
    }

    #[test]
    fn a_long_branch_switch_or_rule_rerun_goes_in_slices_and_ends_as_a_replay_at_once() {
        let writes: Vec<String> = (0..1_200)
            .map(|i| format!(r#"{{"op":"write","replica":{},"key":"k","value":"{i}"}},{{"op":"deliver-all"}}"#, i % 3))
            .collect();
        let file = scenario_file(&writes.join(","));
        let (long, _) = finish(run(
            State::default(),
            [Action::Import(file, "long.json".into())],
        ));
        let full = clocks(&long);
        // A second branch.
        let (other, _) = finish(run(long, [Action::Seek(10)]));
        // Enough steps on it that the end of the first is no longer kept.
        let other = run(
            other,
            (0..RECENT_STATES + 1).map(|i| write(0, "x", &i.to_string())),
        );
        assert_eq!(other.current(), 1);
        let mut switching = run(other, [Action::SwitchBranch(0)]);
        let mut slices = 0;
        while switching.job.is_some() {
            assert_eq!(switching.current(), 1, "shown only once replayed");
            switching = run(switching, [Action::Continue]);
            slices += 1;
        }
        assert!(slices > 1, "{slices} slices");
        assert_eq!(switching.current(), 0);
        assert_eq!(clocks(&switching), full);
        let replayed =
            Simulation::replay(switching.simulation.config(), &switching.history.line(0))
                .expect("replays");
        assert_eq!(replayed.replicas(), switching.simulation.replicas());
        assert_eq!(
            switching.log.front().map(|l| l.text.as_str()),
            Some("Switched to branch 1.")
        );
        // Another rule, in slices too; the selectors follow once it is done.
        let rerun = run(switching, [Action::SetConflicts(Conflicts::Lww)]);
        assert!(rerun.job.is_some());
        assert_ne!(rerun.simulation.config().conflicts, Conflicts::Lww);
        let (rerun, _) = finish(rerun);
        assert_eq!(rerun.simulation.config().conflicts, Conflicts::Lww);
        let (at_once, trace) = Simulation::replay_traced(
            rerun.simulation.config(),
            &rerun.simulation.history().to_vec(),
        )
        .expect("replays");
        assert_eq!(at_once.replicas(), rerun.simulation.replicas());
        assert_eq!(*rerun.trace, trace);
        assert!(rerun
            .log
            .front()
            .is_some_and(|l| l.text.starts_with("Re-ran the same 2400 steps")));
    }
}
