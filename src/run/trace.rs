//! The events of the run shown, each with the step (from 1) that caused
//! it, in shared chunks: an action appends its step's events and copies at
//! most the last chunk; a move of the timeline back shares every chunk
//! before the cut. It stands for the engine's [`causal_core::Trace`].

use std::ops::Range;

use causal_core::Event;

use crate::run::chunks::Chunks;

/// Every event of a run, with its step, in step order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace(Chunks<(usize, Event)>);

impl Trace {
    /// How many events.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The last step with an event (0 when there are none).
    pub fn last_step(&self) -> usize {
        self.0.last().map_or(0, |(step, _)| *step)
    }

    /// Every event with its step, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &(usize, Event)> {
        self.0.iter()
    }

    /// Every event, in order.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &Event> {
        self.iter().map(|(_, event)| event)
    }

    /// Where the events of steps `steps` are (indexes, from 0).
    fn of(&self, steps: Range<usize>) -> Range<usize> {
        let start = self.0.partition_point(|(s, _)| *s < steps.start);
        let end = self.0.partition_point(|(s, _)| *s < steps.end);
        start..end.max(start)
    }

    /// The events of step `step`.
    pub fn step(&self, step: usize) -> impl DoubleEndedIterator<Item = &Event> {
        self.0
            .range(self.of(step..step + 1))
            .map(|(_, event)| event)
    }

    /// The events of the steps after the first `steps`, with their steps.
    pub fn after(&self, steps: usize) -> impl DoubleEndedIterator<Item = &(usize, Event)> {
        self.0.range(self.of(steps + 1..usize::MAX))
    }

    /// Appends the events of the next step, `step`.
    pub fn push_step(&mut self, step: usize, events: impl IntoIterator<Item = Event>) {
        self.0.extend(events.into_iter().map(|event| (step, event)));
    }

    /// Appends events the engine numbered (`Simulation::apply_traced`).
    pub fn append(&mut self, events: causal_core::Trace) {
        self.0.extend(events);
    }

    /// The events of the first `steps` steps: a copy that shares every
    /// chunk before the cut.
    pub fn cut(&self, steps: usize) -> Trace {
        let mut cut = self.clone();
        cut.0.truncate(self.of(0..steps + 1).end);
        cut
    }

    /// How many of the first events `self` and `other` hold in the very
    /// same chunks.
    #[cfg(test)]
    pub fn shared_with(&self, other: &Trace) -> usize {
        self.0.shared_with(&other.0)
    }
}

impl From<causal_core::Trace> for Trace {
    fn from(events: causal_core::Trace) -> Self {
        Trace(events.into_iter().collect())
    }
}

impl PartialEq<causal_core::Trace> for Trace {
    fn eq(&self, other: &causal_core::Trace) -> bool {
        self.len() == other.len() && self.iter().eq(other)
    }
}

#[cfg(test)]
mod tests {
    use causal_core::{Command, Config, Simulation};

    use super::*;

    fn run(steps: usize) -> (Simulation, causal_core::Trace) {
        let commands: Vec<Command> = (0..steps)
            .map(|i| match i % 3 {
                2 => Command::DeliverAll,
                r => Command::write(r, "k", i.to_string()),
            })
            .collect();
        Simulation::replay_traced(Config::default(), &commands).expect("replays")
    }

    #[test]
    fn it_reads_as_the_engines_trace_step_by_step() {
        let (_, events) = run(90);
        let trace = Trace::from(events.clone());
        assert_eq!(trace, events);
        assert_eq!(trace.len(), events.len());
        assert_eq!(trace.last_step(), 90);
        for step in [1, 3, 45, 89, 90, 91] {
            let of_step: Vec<&Event> = events
                .iter()
                .filter(|(s, _)| *s == step)
                .map(|(_, e)| e)
                .collect();
            assert!(trace.step(step).eq(of_step), "step {step}");
            let after: Vec<_> = events.iter().filter(|(s, _)| *s > step).collect();
            assert!(trace.after(step).eq(after), "after step {step}");
            let cut = trace.cut(step);
            let before: Vec<_> = events.iter().filter(|(s, _)| *s <= step).cloned().collect();
            assert_eq!(cut, before, "the first {step} steps");
        }
        assert!(trace.events().rev().eq(events.iter().rev().map(|(_, e)| e)));
        assert!(trace.cut(0).is_empty());
        assert_eq!(Trace::default().last_step(), 0);
    }

    #[test]
    fn appending_a_step_copies_at_most_one_chunk_and_cutting_shares_the_rest() {
        let (mut simulation, events) = run(150);
        let before = Trace::from(events);
        let mut after = before.clone();
        let step = simulation.history().len() + 1;
        let new = simulation
            .apply(Command::write(2, "k", "new"))
            .expect("applies");
        assert!(!new.is_empty());
        after.push_step(step, new.clone());
        assert!(
            after.shared_with(&before) + 64 > before.len(),
            "{} of {} events shared",
            after.shared_with(&before),
            before.len()
        );
        assert!(after.step(step).eq(&new));
        assert_eq!(
            before.last_step(),
            step - 1,
            "the earlier trace is as it was"
        );
        let back = after.cut(100);
        assert!(back.shared_with(&after) + 64 > back.len());
        assert_eq!(back.last_step(), 100);
    }
}
