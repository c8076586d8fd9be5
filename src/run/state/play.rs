//! The page's side of the outcome census and the puzzles: an order the
//! census found opens as a branch; a puzzle opens as a session and refuses
//! the moves it does not allow.

use std::rc::Rc;

use causal_core::{Command, Simulation};

use super::notices::{capitalise, Place};
use super::State;
use crate::data::puzzles;
use crate::run::describe::Tone;
use crate::run::loading::Origin;
use crate::run::session::Session;
use crate::run::trace::Trace;

impl State {
    /// Opens `order` as a new branch from step `step` of branch `branch`,
    /// which must be what is shown.
    pub(super) fn open_order(
        &mut self,
        branch: usize,
        step: usize,
        order: Vec<Command>,
        outcome: usize,
    ) {
        let cursor = self.cursor();
        if (self.current(), cursor) != (branch, step) {
            return self.refuse(
                Place::Page,
                format!(
                    "Outcome {outcome} was counted at step {step} of branch {}, which is not shown: go there and explore again.",
                    branch + 1
                ),
            );
        }
        let refused = order
            .iter()
            .find_map(|c| self.puzzle.as_ref().and_then(|p| p.refusal(c, cursor)));
        if let Some(why) = refused {
            return self.refuse(Place::Page, why);
        }
        let mut next = Simulation::clone(&self.simulation);
        let mut events = causal_core::Trace::new();
        if let Err(e) = next.apply_traced(order.iter().cloned(), &mut events) {
            return self.refuse(Place::Page, capitalise(&e.to_string()));
        }
        let mut trace = Trace::clone(&self.trace);
        trace.append(events);
        let steps = order.len();
        self.remember();
        let old = self.history.fork(order);
        self.show(Rc::new(next), Rc::new(trace));
        self.note(
            Tone::Plain,
            format!(
                "Opened outcome {outcome} as branch {}: {steps} deliveries from step {cursor} of branch {}, which is kept.",
                self.current() + 1,
                old + 1
            ),
        );
    }

    /// Replaces the session with the puzzle's start, under its rules.
    pub(super) fn open_puzzle(&mut self, name: &str) {
        let active = match puzzles::open(name) {
            Ok(active) => active,
            Err(why) => return self.refuse(Place::Page, capitalise(&why)),
        };
        let steps = active.puzzle.start.steps.clone();
        let session = Session::linear(active.config(), steps.clone(), self.seed);
        let why = format!(
            "Opened the puzzle \u{201c}{}\u{201d}: {}.",
            active.puzzle.title,
            puzzles::goal_words(&active.puzzle.goal)
        );
        self.begin_load(Ok(session), Origin::Fresh(why));
        // A puzzle's start is a few steps: it is loaded at once.
        let started = self.job.is_none()
            && self.current() == 0
            && self.history.line(0) == steps
            && self.simulation.config() == active.config();
        if started {
            self.preset = None;
            self.puzzle = Some(Rc::new(active));
        }
    }

    /// Keeps the search worker's best answer for the puzzle being played, if
    /// it is still the one named.
    pub(super) fn puzzle_searched(&mut self, name: &str, best: puzzles::Best) {
        if let Some(active) = self.puzzle.as_mut().filter(|p| p.name == name) {
            Rc::make_mut(active).best = Some(best);
        }
    }

    /// Stops playing the puzzle; the run stays as it is.
    pub(super) fn close_puzzle(&mut self) {
        if let Some(p) = self.puzzle.take() {
            self.note(
                Tone::Plain,
                format!(
                    "Closed the puzzle \u{201c}{}\u{201d}: every move is allowed again.",
                    p.puzzle.title
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::run::state::Action;

    #[test]
    fn undo_and_redo_across_a_puzzle_bring_its_panel_back_with_its_run() {
        let before = run(State::default(), [write(0, "x", "1")]);
        let playing = run(
            before.clone(),
            [Action::OpenPuzzle("fifo-violation".into())],
        );
        let puzzle = playing.puzzle.clone().expect("the puzzle is open");
        let back = run(playing.clone(), [Action::Undo]);
        assert_eq!(back.session(), before.session());
        assert!(back.puzzle.is_none(), "the session before had no puzzle");
        let again = run(back, [Action::Redo]);
        assert_eq!(again.session(), playing.session());
        assert_eq!(
            again.puzzle,
            Some(puzzle.clone()),
            "Redo brings the puzzle back"
        );
        // A load over the puzzle, then Undo: the puzzle comes back too.
        let (preset, _) = finish(run(again, [Action::LoadPreset("classic".into())]));
        assert!(preset.puzzle.is_none());
        let (undone, _) = finish(run(preset, [Action::Undo]));
        assert_eq!(undone.session(), playing.session());
        assert_eq!(undone.puzzle, Some(puzzle));
    }

    /// The search worker's par is kept with the puzzle it was asked for,
    /// and comes back with it on Undo; an answer for another puzzle is not.
    #[test]
    fn the_par_the_worker_found_is_kept_with_its_puzzle() {
        let best = puzzles::Best {
            par: Some(1),
            solution: Vec::new(),
        };
        let searched = |name: &str| Action::PuzzleSearched {
            name: name.into(),
            best: best.clone(),
        };
        let opened = run(
            State::default(),
            [Action::OpenPuzzle("fifo-violation".into())],
        );
        assert_eq!(
            opened.puzzle.as_ref().unwrap().par(),
            None,
            "not yet searched"
        );
        let other = run(opened.clone(), [searched("held-forever")]);
        assert_eq!(other.puzzle, opened.puzzle, "an answer for another puzzle");
        let found = run(opened, [searched("fifo-violation")]);
        assert_eq!(found.puzzle.as_ref().unwrap().par(), Some(1));
        assert!(found.notice.is_none());
        let (preset, _) = finish(run(found.clone(), [Action::LoadPreset("classic".into())]));
        let (undone, _) = finish(run(preset, [Action::Undo]));
        assert_eq!(undone.puzzle, found.puzzle, "Undo brings the par back");
    }
}
