//! The branching history of a session: every branch of commands, the branch
//! shown and the timeline's position on it, and the sessions that loads
//! replaced. Pure data, tested natively: what state a position stands for
//! is the engine's to compute.
//!
//! Acting at an earlier step starts a new branch that is its parent's first
//! steps and a tail of its own, so a branch never copies the steps it
//! shares; tails are kept in shared chunks, so that copying a history (the
//! reducer does, on every action) copies no command, and appending one
//! copies at most a chunk.

use std::ops::Range;
use std::rc::Rc;

use causal_core::Command;

use crate::data::puzzles::ActivePuzzle;
use crate::run::chunks::Chunks;
use crate::run::session::{self, Session};

/// How many sessions replaced by a load Undo can return to.
const EARLIER_SESSIONS: usize = 20;

/// A tail's commands, in shared chunks.
pub type Commands = Chunks<Command>;

/// One line of the history: the first steps of its parent, then its tail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Branch {
    /// The branch it split from and the step it split at.
    pub parent: Option<(usize, usize)>,
    /// How many of the parent's steps it takes: the step it split at, or
    /// none when a session's branch does not start as its parent does.
    shared: usize,
    /// The steps after those.
    pub tail: Commands,
}

impl Branch {
    /// How many steps it takes from its parent.
    fn shared(&self) -> usize {
        self.shared
    }

    /// How many steps it has, shared ones included.
    pub fn len(&self) -> usize {
        self.shared() + self.tail.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every branch, the one shown and the timeline's position on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    branches: Vec<Branch>,
    current: usize,
    cursor: usize,
}

impl Default for History {
    fn default() -> Self {
        History {
            branches: vec![Branch::default()],
            current: 0,
            cursor: 0,
        }
    }
}

impl History {
    /// The history of a session whose shape is checked
    /// ([`Session::check_shape`]): each branch keeps the steps after those
    /// it shares with its parent.
    pub fn of(session: &Session) -> Self {
        let all = &session.branches;
        let branches = all
            .iter()
            .map(|b| {
                let shared = match b.parent {
                    Some((parent, at))
                        if all.get(parent).and_then(|p| p.commands.get(..at))
                            == b.commands.get(..at) =>
                    {
                        at
                    }
                    _ => 0,
                };
                Branch {
                    parent: b.parent,
                    shared,
                    tail: b.commands.iter().skip(shared).cloned().collect(),
                }
            })
            .collect();
        History {
            branches,
            current: session.current,
            cursor: session.cursor,
        }
    }

    /// Every branch written out whole, as a session holds them.
    pub fn saved_branches(&self) -> Vec<session::Branch> {
        (0..self.branches.len())
            .map(|b| session::Branch {
                commands: self.line(b),
                parent: self.branches[b].parent,
            })
            .collect()
    }

    /// Every branch.
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }

    /// The branch shown (index).
    pub fn current(&self) -> usize {
        self.current
    }

    /// How many steps of the branch shown are applied: the timeline's
    /// position.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// How many steps the branch shown has.
    pub fn steps(&self) -> usize {
        self.branches[self.current].len()
    }

    /// Step `index` (from 0) of `branch`.
    pub fn command(&self, mut branch: usize, index: usize) -> Option<&Command> {
        loop {
            let b = self.branches.get(branch)?;
            match b.parent {
                Some((parent, _)) if index < b.shared => branch = parent,
                _ => return b.tail.get(index - b.shared),
            }
        }
    }

    /// The first branch that holds the state after `step` steps of
    /// `branch`: the branch it split from, if it split at that step or later.
    pub fn origin(&self, mut branch: usize, step: usize) -> usize {
        while let Some(Branch {
            parent: Some((parent, _)),
            shared,
            ..
        }) = self.branches.get(branch)
        {
            if step > *shared {
                break;
            }
            branch = *parent;
        }
        branch
    }

    /// Every step of `branch`, in order, read through its parents.
    pub fn iter(&self, branch: usize) -> impl Iterator<Item = &Command> + '_ {
        // From the branch up: each one's tail steps it contributes.
        let mut segments = Vec::new();
        let (mut at, mut end) = (branch, usize::MAX);
        while let Some(b) = self.branches.get(at) {
            let steps = end.min(b.len());
            segments.push((at, steps.saturating_sub(b.shared)));
            match b.parent {
                Some((parent, _)) if b.shared > 0 && steps > 0 => {
                    end = b.shared.min(steps);
                    at = parent;
                }
                _ => break,
            }
        }
        segments
            .into_iter()
            .rev()
            .flat_map(move |(b, steps)| self.branches[b].tail.iter().take(steps))
    }

    /// Steps `range` of `branch` (as many of them as there are).
    pub fn commands(&self, branch: usize, range: Range<usize>) -> Vec<Command> {
        let steps = range.end.saturating_sub(range.start);
        self.iter(branch)
            .skip(range.start)
            .take(steps)
            .cloned()
            .collect()
    }

    /// Every step of `branch`.
    pub fn line(&self, branch: usize) -> Vec<Command> {
        self.iter(branch).cloned().collect()
    }

    /// Records `command` as applied at the timeline's position, which moves
    /// past it. At the end of the branch shown it extends the branch;
    /// earlier, it starts a new branch and keeps the old one: then the
    /// branch left (index) is returned.
    pub fn record(&mut self, command: Command) -> Option<usize> {
        if self.cursor == self.steps() {
            self.branches[self.current].tail.push(command);
            self.cursor += 1;
            None
        } else {
            Some(self.fork(vec![command]))
        }
    }

    /// Starts a new branch of `commands` from the timeline's position, even
    /// at the end of the branch shown, and shows its end; returns the branch
    /// left (index).
    pub fn fork(&mut self, commands: Vec<Command>) -> usize {
        let left = self.current;
        let at = self.cursor;
        self.cursor += commands.len();
        self.branches.push(Branch {
            parent: Some((left, at)),
            shared: at,
            tail: commands.into_iter().collect(),
        });
        self.current = self.branches.len() - 1;
        left
    }

    /// Moves the timeline to `steps` applied (at most the branch's length);
    /// returns where it is.
    pub fn seek(&mut self, steps: usize) -> usize {
        self.cursor = steps.min(self.steps());
        self.cursor
    }

    /// Shows `branch` at its end; false if there is no such branch.
    pub fn switch(&mut self, branch: usize) -> bool {
        match self.branches.get(branch) {
            Some(b) => {
                self.cursor = b.len();
                self.current = branch;
                true
            }
            None => false,
        }
    }
}

/// A session set aside, with the puzzle that was played on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    /// The session.
    pub session: Rc<Session>,
    /// Its puzzle, if one was played on it.
    pub puzzle: Option<Rc<ActivePuzzle>>,
}

impl Kept {
    /// `session`, played without a puzzle.
    pub fn session(session: Rc<Session>) -> Self {
        Kept {
            session,
            puzzle: None,
        }
    }
}

/// Sessions a load (reset, replica count, preset, import, link) replaced,
/// which Undo returns to, and those Undo left that way, which Redo returns
/// to; newest last.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replaced {
    earlier: Vec<Kept>,
    later: Vec<Kept>,
    /// The last change was a load (or its undoing): Undo and Redo move
    /// between sessions rather than along the branch.
    pub at_load: bool,
}

impl Replaced {
    /// A load replaced `session`: Undo returns to it. A new load (not a
    /// Redo) forgets the sessions Redo could return to.
    pub fn replaced(&mut self, session: Kept, by_redo: bool) {
        if !by_redo {
            self.later.clear();
        }
        self.keep(session);
    }

    /// Keeps `session` for Undo, forgetting the oldest beyond
    /// [`EARLIER_SESSIONS`].
    pub fn keep(&mut self, session: Kept) {
        self.earlier.push(session);
        if self.earlier.len() > EARLIER_SESSIONS {
            self.earlier.remove(0);
        }
    }

    /// Undo left `session`: Redo returns to it.
    pub fn left(&mut self, session: Kept) {
        self.later.push(session);
    }

    /// The session Undo returns to, taken.
    pub fn undo(&mut self) -> Option<Kept> {
        self.earlier.pop()
    }

    /// The session Redo returns to, taken (only right after a load).
    pub fn redo(&mut self) -> Option<Kept> {
        if self.at_load {
            self.later.pop()
        } else {
            None
        }
    }

    /// The session Undo would return to.
    pub fn previous(&self) -> Option<&Rc<Session>> {
        self.earlier.last().map(|kept| &kept.session)
    }

    /// Whether Undo can return to a session.
    pub fn can_undo(&self) -> bool {
        !self.earlier.is_empty()
    }

    /// Whether Redo can return to a session.
    pub fn can_redo(&self) -> bool {
        self.at_load && !self.later.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use causal_core::Config;

    use super::*;

    fn write(value: usize) -> Command {
        Command::write(value % 3, "x", value.to_string())
    }

    fn line(values: Range<usize>) -> Vec<Command> {
        values.map(write).collect()
    }

    fn history_of(steps: usize) -> History {
        let mut history = History::default();
        for i in 0..steps {
            assert_eq!(history.record(write(i)), None);
        }
        history
    }

    #[test]
    fn commands_in_chunks_read_back_in_order_and_a_copy_shares_them() {
        let all: Commands = line(0..200).into_iter().collect();
        assert_eq!(all.len(), 200);
        assert_eq!(all.iter().cloned().collect::<Vec<_>>(), line(0..200));
        assert_eq!(all.get(130), Some(&write(130)));
        assert_eq!(all.get(200), None);
        let mut copy = all.clone();
        copy.push(write(200));
        assert_eq!(copy.shared_with(&all), 192, "all but the last chunk shared");
        assert_eq!(all.len(), 200, "the original is unchanged");
        assert_eq!(copy.get(200), Some(&write(200)));
    }

    #[test]
    fn acting_at_the_end_extends_the_branch_and_earlier_starts_one_with_a_tail() {
        let mut history = history_of(6);
        assert_eq!((history.cursor(), history.steps()), (6, 6));
        assert_eq!(history.seek(3), 3);
        assert_eq!(history.record(write(100)), Some(0));
        assert_eq!(history.current(), 1);
        assert_eq!(history.branches()[1].parent, Some((0, 3)));
        assert_eq!(history.branches()[1].tail.len(), 1, "only its own step");
        assert_eq!(history.cursor(), 4);
        let mut expected = line(0..3);
        expected.push(write(100));
        assert_eq!(history.line(1), expected);
        assert_eq!(history.command(1, 2), Some(&write(2)));
        assert_eq!(history.command(1, 3), Some(&write(100)));
        assert_eq!(history.command(1, 4), None);
        assert_eq!(history.commands(1, 2..4), expected[2..4].to_vec());
        assert_eq!(history.line(0), line(0..6), "the old branch is kept");
        // A branch of a branch.
        history.seek(2);
        history.record(write(200));
        assert_eq!(history.branches()[2].parent, Some((1, 2)));
        assert_eq!(history.line(2), vec![write(0), write(1), write(200)]);
        assert_eq!(history.commands(2, 1..99), vec![write(1), write(200)]);
        // A branch of a branch, split before the first one's own steps.
        history.seek(1);
        history.record(write(300));
        assert_eq!(history.branches()[3].parent, Some((2, 1)));
        assert_eq!(history.line(3), vec![write(0), write(300)]);
        assert_eq!(
            history.origin(2, 2),
            0,
            "the state after 2 steps is branch 0's"
        );
        assert_eq!(history.origin(2, 3), 2);
        assert_eq!(history.origin(1, 3), 0);
        assert_eq!(history.origin(1, 4), 1);
        assert!(history.switch(0));
        assert_eq!((history.current(), history.cursor()), (0, 6));
        assert!(!history.switch(4));
        assert_eq!(history.seek(99), 6, "the timeline stops at the end");
    }

    #[test]
    fn fork_starts_a_branch_even_at_the_end() {
        let mut history = history_of(2);
        assert_eq!(history.fork(line(5..8)), 0);
        assert_eq!(history.current(), 1);
        assert_eq!(history.cursor(), 5);
        assert_eq!(history.line(1)[2..], line(5..8)[..]);
    }

    #[test]
    fn a_session_round_trips_and_its_branches_keep_only_their_tails() {
        let mut history = history_of(5);
        history.seek(2);
        history.record(write(50));
        history.seek(1);
        let mut session = Session::linear(Config::default(), Vec::new(), 7);
        session.branches = history.saved_branches();
        session.current = history.current();
        session.cursor = history.cursor();
        assert_eq!(session.branches[1].commands.len(), 3);
        assert!(session.check_shape().is_ok());
        let back = History::of(&session);
        assert_eq!(back, history);
        assert_eq!(back.branches()[1].tail.len(), 1);
        // A branch that does not start as its parent does keeps every step.
        session.branches[1].commands[0] = write(99);
        let odd = History::of(&session);
        assert_eq!(odd.line(1), session.branches[1].commands);
        assert_eq!(odd.saved_branches(), session.branches);
    }

    #[test]
    fn undo_and_redo_between_sessions() {
        let session = |seed| {
            Kept::session(Rc::new(Session::linear(
                Config::default(),
                Vec::new(),
                seed,
            )))
        };
        let mut replaced = Replaced::default();
        assert!(!replaced.can_undo());
        for seed in 0..30 {
            replaced.replaced(session(seed), false);
        }
        assert_eq!(replaced.earlier.len(), EARLIER_SESSIONS, "bounded");
        assert_eq!(replaced.previous().map(|s| s.seed), Some(29));
        let back = replaced.undo().expect("one to go back to");
        replaced.left(back);
        assert!(!replaced.can_redo(), "only right after a load");
        replaced.at_load = true;
        assert_eq!(replaced.redo().map(|s| s.session.seed), Some(29));
        replaced.left(session(1));
        replaced.replaced(session(2), false);
        assert_eq!(replaced.redo(), None, "a new load forgets what Redo had");
    }
}
