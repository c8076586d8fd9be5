//! A session: the configuration, every branch of the history, and where the
//! user is on them. Everything else is rebuilt from these by the engine. It
//! is saved (local storage) and shared (a link) in the compact form of
//! [`crate::run::share`]. The page works on a [`crate::run::history::History`], which
//! keeps each branch as a tail after its parent's steps; a session writes
//! every branch out whole.

use causal_core::{Command, Config};
use serde::{Deserialize, Serialize};

/// The seed a fresh session starts with.
pub const DEFAULT_SEED: u64 = 42;

/// The format's version, so that a future change can tell old sessions apart.
pub const SESSION_VERSION: u32 = 2;

/// One line of history. Acting at an earlier step starts a new branch; the
/// old one is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Commands from the initial state.
    pub commands: Vec<Command>,
    /// The branch it split from and the number of steps they share.
    pub parent: Option<(usize, usize)>,
}

/// Everything needed to rebuild a session exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Always `SESSION_VERSION`.
    pub version: u32,
    /// Replica count and rules.
    pub config: Config,
    /// Every branch; at least one.
    pub branches: Vec<Branch>,
    /// The branch shown.
    pub current: usize,
    /// How many of its commands are applied (the timeline's position).
    pub cursor: usize,
    /// The autoplay seed.
    pub seed: u64,
    /// The preset the session started from, if any.
    pub preset: Option<String>,
}

impl Session {
    /// A session with one branch of `commands`, all applied.
    pub fn linear(config: Config, commands: Vec<Command>, seed: u64) -> Self {
        Session {
            version: SESSION_VERSION,
            config,
            cursor: commands.len(),
            branches: vec![Branch {
                commands,
                parent: None,
            }],
            current: 0,
            seed,
            preset: None,
        }
    }

    /// Checks the session's shape: its version, the branch and step it
    /// shows, and every branch's parent. Its steps are checked by replaying
    /// them ([`crate::run::loading::validate`]).
    pub fn check_shape(&self) -> Result<(), String> {
        if self.version != SESSION_VERSION {
            return Err(format!(
                "it has version {}, not {SESSION_VERSION}",
                self.version
            ));
        }
        let branch = self.branches.get(self.current).ok_or_else(|| {
            format!(
                "it names branch {} of {}",
                self.current + 1,
                self.branches.len()
            )
        })?;
        if self.cursor > branch.commands.len() {
            return Err(format!(
                "its timeline is at step {} of {}",
                self.cursor,
                branch.commands.len()
            ));
        }
        for (i, b) in self.branches.iter().enumerate() {
            if let Some((parent, shared)) = b.parent {
                let ok = parent < i
                    && self.branches[parent].commands.len() >= shared
                    && b.commands.len() >= shared;
                if !ok {
                    return Err(format!("branch {} has an impossible parent", i + 1));
                }
            }
        }
        Ok(())
    }

    /// Whether there is anything in it worth going back to: a step, or
    /// settings other than the default ones.
    pub fn is_blank(&self) -> bool {
        self.branches.iter().all(|b| b.commands.is_empty())
            && self.config == Config::default()
            && self.preset.is_none()
    }
}
