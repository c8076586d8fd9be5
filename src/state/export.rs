//! What leaves the page: the session to save or share, and the scenario
//! file to export.

use causal_core::{Command, Scenario};

use super::State;
use crate::session::{Session, SESSION_VERSION};

impl State {
    /// The session to save or share.
    pub fn session(&self) -> Session {
        Session {
            version: SESSION_VERSION,
            config: self.simulation.config(),
            branches: self.history.saved_branches(),
            current: self.current(),
            cursor: self.cursor(),
            seed: self.seed,
            preset: self.preset.as_ref().map(|p| p.name.clone()),
        }
    }

    /// The scenario file that replays the run up to the timeline's position,
    /// in the five operations every reader knows (DESIGN.md section 3): a
    /// "deliver the next copy" becomes a deliver of the copy it took, and lane
    /// reorders, which change no replica, are left out.
    pub fn scenario(&self) -> Scenario {
        let mut scenario = Scenario::of(&self.simulation);
        scenario.steps = self
            .simulation
            .history()
            .iter()
            .enumerate()
            .filter_map(|(i, command)| match command {
                Command::Reorder { .. } => None,
                Command::DeliverNext { .. } => {
                    self.trace.iter().find_map(|(step, event)| match event {
                        causal_core::Event::Received { message, to, .. } if *step == i + 1 => {
                            Some(Command::Deliver {
                                message: *message,
                                to: *to,
                            })
                        }
                        _ => None,
                    })
                }
                other => Some(other.clone()),
            })
            .collect();
        if let Some(p) = &self.preset {
            scenario.title = Some(p.title.clone());
            scenario.description = Some(p.description.clone());
        }
        scenario
    }
}

#[cfg(test)]
mod tests {
    use causal_core::Command;

    use super::super::testing::*;
    use super::*;
    use crate::state::Action;

    #[test]
    fn the_exported_scenario_uses_only_the_standard_steps_and_replays_the_same_state() {
        let state = run(
            State::default(),
            [
                write(0, "x", "1"),
                write(0, "x", "2"),
                Action::Apply(Command::Reorder {
                    to: 1,
                    index: 1,
                    position: 0,
                }),
                Action::Apply(Command::DeliverNext { to: 1 }),
            ],
        );
        let scenario = state.scenario();
        assert!(scenario
            .steps
            .iter()
            .all(|c| !matches!(c, Command::Reorder { .. } | Command::DeliverNext { .. })));
        assert_eq!(
            scenario.steps.last(),
            Some(&Command::Deliver {
                message: causal_core::MessageId(2),
                to: 1
            })
        );
        let (replayed, _) = scenario.run().expect("the export replays");
        assert_eq!(
            causal_core::Report::of(&replayed),
            causal_core::Report::of(&state.simulation)
        );
    }
}
