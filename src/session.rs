//! A session as it is saved (local storage now, share links later): the
//! configuration, the history and the redo stack, from which everything else
//! is rebuilt by the engine.

use causal_core::{Command, Config, Simulation};
use serde::{Deserialize, Serialize};

/// The format's version, so that a future change can tell old sessions apart.
pub const SESSION_VERSION: u32 = 1;

/// The largest saved session the page will read, in bytes.
pub const MAX_SESSION_BYTES: usize = 2_000_000;

/// Everything needed to rebuild a session exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Always `SESSION_VERSION`.
    pub version: u32,
    /// Replica count and rules.
    pub config: Config,
    /// Commands from the initial state.
    pub history: Vec<Command>,
    /// Undone commands, the next to redo last.
    #[serde(default)]
    pub redo: Vec<Command>,
    /// The autoplay seed.
    #[serde(default)]
    pub seed: u64,
    /// The preset the session started from, if any.
    #[serde(default)]
    pub preset: Option<String>,
}

impl Session {
    /// Reads a saved session and replays it, or says why it cannot be used.
    pub fn restore(text: &str) -> Result<(Session, Simulation), String> {
        if text.len() > MAX_SESSION_BYTES {
            return Err(format!(
                "it is {} KB, more than the {} KB allowed",
                text.len() / 1000,
                MAX_SESSION_BYTES / 1000
            ));
        }
        let session: Session = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if session.version != SESSION_VERSION {
            return Err(format!(
                "it has version {}, not {SESSION_VERSION}",
                session.version
            ));
        }
        let simulation = Simulation::replay(session.config, &session.history)
            .map_err(|(step, e)| format!("step {}: {e}", step + 1))?;
        Ok((session, simulation))
    }

    /// The session as text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
