//! What the page tells the user about what they just did: a notice (an
//! error or a benign "nothing happened") and the log of what happened.

use causal_core::ReplicaId;

use super::State;
pub use crate::run::describe::LogLine;
use crate::run::describe::Tone;
pub use crate::run::text::count;

/// How many log lines are kept.
pub const LOG_LINES: usize = 200;
/// What the page says when a load replaced a session.
pub const ONE_UNDO_AWAY: &str = "Your previous run is one Undo away.";

/// Where an error message is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// At the top of the page.
    Page,
    /// Under a replica's write form.
    WriteForm(ReplicaId),
}

/// How serious a notice is: a benign one is shown quietly, an error as an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Nothing went wrong, the page only says why nothing happened ("There
    /// is nothing to redo", a card dropped on another replica).
    Info,
    /// Bad input or a refused action.
    Error,
}

/// A message for the user about what they just did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Benign or an error.
    pub severity: Severity,
    /// What happened, in words.
    pub text: String,
    /// Where to show it.
    pub place: Place,
}

impl Notice {
    /// An error shown at `place`.
    pub fn error(place: Place, text: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Error,
            text: text.into(),
            place,
        }
    }

    /// A benign notice at the top of the page.
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Info,
            text: text.into(),
            place: Place::Page,
        }
    }
}

impl State {
    pub(super) fn refuse(&mut self, place: Place, text: String) {
        self.notice = Some(Notice::error(place, text));
    }

    /// Says why nothing happened, when nothing went wrong.
    pub(super) fn inform(&mut self, text: &str) {
        self.notice = Some(Notice::info(text));
    }

    pub(super) fn note(&mut self, tone: Tone, text: String) {
        self.log.push_front(LogLine {
            id: self.next_log_id,
            tone,
            text,
        });
        self.next_log_id += 1;
        self.log.truncate(LOG_LINES);
    }
}

pub(super) use causal_core::explain::sentence as capitalise;

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn small_words() {
        let one = scenario_file(r#"{"op":"write","replica":0,"key":"x","value":""}"#);
        let state = run(
            State::default(),
            [crate::run::state::Action::Import(one, "a.json".into())],
        );
        let lines: Vec<&str> = state.log.iter().map(|l| l.text.as_str()).collect();
        assert!(lines.contains(&"Imported a.json: 1 step."), "{lines:?}");
        let state = run(
            state,
            [
                crate::run::state::Action::Undo,
                crate::run::state::Action::Undo,
                write(0, "k", ""),
            ],
        );
        assert_eq!(
            state.log.front().map(|l| l.text.as_str()),
            Some("A wrote k = \"\" (an empty value) (m1) and sent it to B, C.")
        );
    }
}
