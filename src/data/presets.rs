//! The preset scenarios: every file under `scenarios/`, embedded at build time.

use causal_core::Scenario;

include!(concat!(env!("OUT_DIR"), "/presets.rs"));

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
    let (name, text) = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("there is no preset scenario named {name:?}"))?;
    let scenario = crate::data::json::scenario(text).map_err(|e| format!("preset {name}: {e}"))?;
    Ok(Preset { name, scenario })
}

/// Every preset's name and title, for the selector, in file-name order
/// (build.rs read the titles: the page reads a preset only to load it).
pub fn titles() -> Vec<(&'static str, String)> {
    PRESET_TITLES
        .iter()
        .map(|&(name, title)| (name, title.to_string()))
        .collect()
}
