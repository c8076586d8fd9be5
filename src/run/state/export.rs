//! What leaves the page: the session to save or share, and the scenario
//! file to export.

use causal_core::Scenario;

use super::State;
use crate::run::session::{Session, SESSION_VERSION};

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

    /// The scenario file that replays the run up to the timeline's position
    /// (the engine's portable form, README.md, "Scenario files": a "deliver the
    /// next copy" as the deliver it did, lane reorders in a field of their
    /// own), with the preset's title and description.
    pub fn scenario(&self) -> Scenario {
        let mut scenario = Scenario::of(&self.simulation);
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
    use crate::run::state::Action;

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
        // Imported, it replays the lanes too.
        let lanes = |s: &State| s.simulation.in_flight().collect::<Vec<_>>();
        let reordered = run(
            state.clone(),
            [
                write(2, "y", "3"),
                Action::Apply(Command::Reorder {
                    to: 1,
                    index: 1,
                    position: 0,
                }),
            ],
        );
        assert_eq!(reordered.scenario().reorders.len(), 2);
        let imported = run(
            State::default(),
            [Action::Import(
                reordered.scenario().to_json(),
                "a.json".into(),
            )],
        );
        assert_eq!(page_error(&imported), "");
        assert_eq!(lanes(&imported), lanes(&reordered));
    }
}
