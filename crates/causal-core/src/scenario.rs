//! Scenario files (DESIGN.md section 3): a run written down, to load as a
//! preset, import, export, or run with `causal-sim`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Command, Config, Conflicts, Delivery, Error, Simulation, Trace};

/// The only scenario file version there is.
pub const SCENARIO_VERSION: u32 = 1;

/// A scenario file. Fields the engine does not know are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Always 1.
    pub version: u32,
    /// Shown on the page when the scenario is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the scenario shows, in a sentence or two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 2 to 8.
    pub replicas: usize,
    /// When a message may be delivered.
    pub delivery: Delivery,
    /// What stores keep for concurrent writes.
    pub conflicts: Conflicts,
    /// The commands, in order.
    pub steps: Vec<Command>,
}

/// Why a scenario file was refused. Nothing of it was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// Not a JSON object of the expected shape.
    Malformed(String),
    /// `version` is not 1.
    Version(u64),
    /// `replicas` is outside 2 to 8.
    Replicas(u64),
    /// Step `step` (1-based) is malformed or refused.
    Step {
        /// Which step, from 1.
        step: usize,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Malformed(why) => write!(f, "not a scenario file: {why}"),
            ScenarioError::Version(v) => write!(f, "version must be {SCENARIO_VERSION}, not {v}"),
            ScenarioError::Replicas(n) => write!(f, "replicas must be 2 to 8, not {n}"),
            ScenarioError::Step { step, reason } => write!(f, "step {step}: {reason}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The file's fields before the steps are checked one by one, so an error
/// can name its step.
#[derive(Deserialize)]
struct RawScenario {
    version: Option<serde_json::Value>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default = "default_replicas")]
    replicas: serde_json::Value,
    #[serde(default)]
    delivery: Delivery,
    #[serde(default)]
    conflicts: Conflicts,
    steps: Option<Vec<serde_json::Value>>,
}

fn default_replicas() -> serde_json::Value {
    serde_json::Value::from(3)
}

impl Scenario {
    /// An empty scenario under `config`.
    pub fn new(config: Config) -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            title: None,
            description: None,
            replicas: config.replicas,
            delivery: config.delivery,
            conflicts: config.conflicts,
            steps: Vec::new(),
        }
    }

    /// The scenario that replays `simulation`'s history.
    pub fn of(simulation: &Simulation) -> Self {
        Scenario {
            steps: simulation.history().to_vec(),
            ..Scenario::new(simulation.config())
        }
    }

    /// Reads a scenario file. Checks its shape, version, replica count and
    /// each step's form (not yet whether each step can be applied: `run` does).
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let raw: RawScenario =
            serde_json::from_str(text).map_err(|e| ScenarioError::Malformed(e.to_string()))?;
        let version = match raw.version {
            None => return Err(ScenarioError::Malformed("missing field `version`".into())),
            Some(v) => v.as_u64().ok_or_else(|| {
                ScenarioError::Malformed(format!("version must be {SCENARIO_VERSION}, not {v}"))
            })?,
        };
        if version != SCENARIO_VERSION as u64 {
            return Err(ScenarioError::Version(version));
        }
        let replicas = raw.replicas.as_u64().ok_or_else(|| {
            ScenarioError::Malformed(format!("replicas must be 2 to 8, not {}", raw.replicas))
        })?;
        if !(2..=8).contains(&replicas) {
            return Err(ScenarioError::Replicas(replicas));
        }
        let steps = raw
            .steps
            .ok_or_else(|| ScenarioError::Malformed("missing field `steps`".into()))?
            .into_iter()
            .enumerate()
            .map(|(i, step)| {
                serde_json::from_value::<Command>(step).map_err(|e| ScenarioError::Step {
                    step: i + 1,
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scenario {
            version: SCENARIO_VERSION,
            title: raw.title,
            description: raw.description,
            replicas: replicas as usize,
            delivery: raw.delivery,
            conflicts: raw.conflicts,
            steps,
        })
    }

    /// The configuration the scenario starts from.
    pub fn config(&self) -> Config {
        Config {
            replicas: self.replicas,
            delivery: self.delivery,
            conflicts: self.conflicts,
        }
    }

    /// Plays every step. Returns the final state, and each step's events with
    /// its number (from 1); or the first refused step, and nothing.
    pub fn run(&self) -> Result<(Simulation, Trace), ScenarioError> {
        Simulation::replay_traced(self.config(), &self.steps).map_err(|(i, e)| match e {
            // Only the initial state can refuse a count (a scenario built by
            // hand; `parse` checks files): as the file would be refused.
            Error::ReplicaCount(n) => ScenarioError::Replicas(n as u64),
            e => ScenarioError::Step {
                step: i + 1,
                reason: e.to_string(),
            },
        })
    }

    /// The scenario as a file, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
