//! A run as a ShiViz log, so it can be opened in ShiViz, the space-time
//! visualiser of distributed-system logs.
//!
//! ShiViz needs its own vector timestamps, which tick once for *every* event
//! of a host (the engine's clocks tick only on writes): the first event of a
//! host is 1 in its own entry, each of its events adds exactly 1, and a
//! receipt merges the timestamp of the write it carries. Entries are named by
//! host and only hosts that log events are named.

use std::fmt::Write as _;

use crate::{explain, replica_name, Event, Messages, ReplicaId};

/// The regular expression ShiViz parses the log with.
pub const SHIVIZ_REGEX: &str = r"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)";

/// One line of the log: a host's event, its ShiViz timestamp and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShivizEvent {
    /// The replica the event happened at.
    pub host: ReplicaId,
    /// Its ShiViz timestamp, one entry per replica (0 for hosts not yet seen).
    pub clock: Vec<u64>,
    /// What happened, in words.
    pub description: String,
}

/// The events of a run, as ShiViz events. A receipt and what it led to (held,
/// delivered, discarded) are one event; a release from the hold-back buffer
/// is one more; sends are part of the write, and lost copies leave no event.
pub fn shiviz_events<'a>(
    replicas: usize,
    messages: &Messages,
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<ShivizEvent> {
    let mut log = ShivizLog::new(replicas);
    let mut out: Vec<ShivizEvent> = Vec::new();
    for event in events {
        out.extend(log.push(messages, event));
    }
    out.extend(log.finish());
    out
}

/// Turns events into ShiViz events one at a time, so a long run can be
/// written out as it is played (`causal-sim shiviz` on a million steps).
/// Keeps one timestamp per write and the last event made, which a violation
/// that follows it adds to.
#[derive(Clone, Debug)]
pub struct ShivizLog {
    replicas: usize,
    /// Each host's ShiViz clock.
    clocks: Vec<Vec<u64>>,
    /// The writer's ShiViz clock at each write, `replicas` entries per
    /// message, message 1 first.
    sent: Vec<u64>,
    /// The last event made, not yet given out.
    pending: Option<ShivizEvent>,
}

impl ShivizLog {
    /// A log of a run among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        ShivizLog {
            replicas,
            clocks: vec![vec![0u64; replicas]; replicas],
            sent: Vec::new(),
            pending: None,
        }
    }

    fn tick(&mut self, host: ReplicaId, description: String) -> Option<ShivizEvent> {
        let clock = self.clocks.get_mut(host)?;
        if let Some(own) = clock.get_mut(host) {
            *own += 1;
        }
        let made = ShivizEvent {
            host,
            clock: clock.clone(),
            description,
        };
        self.pending.replace(made)
    }

    /// Takes one event of the run; gives out the ShiViz event made before
    /// it once nothing more can be added to it.
    pub fn push(&mut self, messages: &Messages, event: &Event) -> Option<ShivizEvent> {
        let said = || explain::event(event, messages).1;
        match event {
            Event::Delivered {
                replica, message, ..
            } if event.is_write() => {
                let out = self.tick(*replica, said());
                let at = (message.0 as usize).saturating_sub(1) * self.replicas;
                if self.sent.len() < at + self.replicas {
                    self.sent.resize(at + self.replicas, 0);
                }
                if let Some(made) = &self.pending {
                    self.sent[at..at + self.replicas].copy_from_slice(&made.clock);
                }
                out
            }
            // The receipt's event is the one that says what became of it.
            Event::Received { message, to, .. } => {
                let at = (message.0 as usize).saturating_sub(1) * self.replicas;
                if let (Some(at_send), Some(mine)) = (
                    self.sent.get(at..at + self.replicas),
                    self.clocks.get_mut(*to),
                ) {
                    for (mine, theirs) in mine.iter_mut().zip(at_send) {
                        *mine = (*mine).max(*theirs);
                    }
                }
                None
            }
            Event::Held { replica, .. }
            | Event::Discarded { replica, .. }
            | Event::Delivered { replica, .. } => self.tick(*replica, said()),
            Event::Violation(v) => {
                // A violation follows the delivery it happened at.
                if let Some(last) = self.pending.as_mut().filter(|e| e.host == v.replica) {
                    let _ = write!(last.description, "; {}", explain::violation(v));
                }
                None
            }
            Event::Sent { .. } | Event::Dropped { .. } => None,
        }
    }

    /// The last event, once the run is over.
    pub fn finish(&mut self) -> Option<ShivizEvent> {
        self.pending.take()
    }
}

/// The log ShiViz reads, one event in two lines: `A {"A":1}` then its sentence.
fn shiviz_log(events: &[ShivizEvent]) -> String {
    events.iter().map(ShivizEvent::lines).collect()
}

impl ShivizEvent {
    /// Its two lines of the log: `A {"A":1}` then its sentence, each ended by
    /// a line feed. The sentence's line breaks and control characters become
    /// spaces: ShiViz's `.` stops at `\n`, `\r`, U+2028 and U+2029, so they
    /// would cut the event in two.
    pub fn lines(&self) -> String {
        let clock = self
            .clock
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(r, n)| format!("\"{}\":{n}", replica_name(r)))
            .collect::<Vec<_>>()
            .join(", ");
        let description: String = self
            .description
            .chars()
            .map(|c| {
                if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        format!("{} {{{clock}}}\n{description}\n", replica_name(self.host))
    }
}

/// A file ShiViz can open as it is: the regular expression on the first
/// line, an empty line (no delimiter between executions), then the log.
pub fn shiviz_file(events: &[ShivizEvent]) -> String {
    format!("{SHIVIZ_REGEX}\n\n{}", shiviz_log(events))
}
