//! The preset scenarios: every file under `scenarios/`, read and checked by
//! the engine at build time (build.rs) and embedded as static data, which
//! becomes a [`Scenario`] when it is loaded (the page reads no JSON for it).

use causal_core::{Command, Conflicts, Delivery, MessageId, Reorder, Scenario, SCENARIO_VERSION};

include!(concat!(env!("OUT_DIR"), "/presets.rs"));

/// A scenario as build.rs embeds it (a preset, or a lesson's or a puzzle's
/// start): the fields of [`Scenario`], with texts the page need not copy
/// until it loads it.
#[derive(Debug)]
pub struct ScenarioData {
    /// [`Scenario::title`].
    pub title: Option<&'static str>,
    /// [`Scenario::description`].
    pub description: Option<&'static str>,
    /// [`Scenario::replicas`].
    pub replicas: usize,
    /// [`Scenario::delivery`].
    pub delivery: Delivery,
    /// [`Scenario::conflicts`].
    pub conflicts: Conflicts,
    /// [`Scenario::steps`].
    pub steps: &'static [CommandData],
    /// [`Scenario::reorders`].
    pub reorders: &'static [Reorder],
}

/// A command as build.rs embeds it: a write's key and value are static
/// texts; every other command holds no text and is the engine's own.
#[derive(Debug)]
pub enum CommandData {
    /// [`Command::Write`]: replica, key, value.
    Write(usize, &'static str, &'static str),
    /// Any other command.
    Other(Command),
}

impl CommandData {
    /// The engine's command.
    pub fn command(&self) -> Command {
        match self {
            CommandData::Write(replica, key, value) => Command::write(*replica, *key, *value),
            CommandData::Other(command) => command.clone(),
        }
    }
}

impl ScenarioData {
    /// The engine's scenario.
    pub fn scenario(&self) -> Scenario {
        Scenario {
            version: SCENARIO_VERSION,
            title: self.title.map(String::from),
            description: self.description.map(String::from),
            replicas: self.replicas,
            delivery: self.delivery,
            conflicts: self.conflicts,
            steps: self.steps.iter().map(CommandData::command).collect(),
            reorders: self.reorders.to_vec(),
        }
    }
}

/// A preset scenario, read.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    /// The file name without `.json`: the selector's option value.
    pub name: &'static str,
    /// The scenario.
    pub scenario: Scenario,
}

/// The preset named `name`, or why it cannot be loaded.
pub fn preset(name: &str) -> Result<Preset, String> {
    let (name, data) = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("there is no preset scenario named {name:?}"))?;
    Ok(Preset {
        name,
        scenario: data.scenario(),
    })
}

/// Every preset's name and title (the file name if it has none), for the
/// selector, in file-name order.
pub fn titles() -> Vec<(&'static str, String)> {
    PRESETS
        .iter()
        .map(|(name, data)| (*name, data.title.unwrap_or(name).to_string()))
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_each_preset_as_the_engine_reads_its_file() {
        assert!(!PRESETS.is_empty());
        for (name, _) in PRESETS {
            let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let file = std::fs::read_to_string(&path).unwrap();
            let read = Scenario::parse(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(preset(name).unwrap().scenario, read, "{name}");
            let title = read.title.clone().unwrap_or_else(|| name.to_string());
            assert!(titles().contains(&(*name, title)), "{name}");
        }
        assert!(preset("nope").is_err());
    }
}
