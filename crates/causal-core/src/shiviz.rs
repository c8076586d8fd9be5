//! A run as a ShiViz log, so it can be opened in ShiViz, the space-time
//! visualiser of distributed-system logs.
//!
//! ShiViz needs its own vector timestamps, which tick once for *every* event
//! of a host (the engine's clocks tick only on writes): the first event of a
//! host is 1 in its own entry, each of its events adds exactly 1, and a
//! receipt merges the timestamp of the write it carries. Entries are named by
//! host and only hosts that log events are named.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::{replica_name, Event, MessageId, Messages, ReplicaId};

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
pub fn shiviz_events(replicas: usize, messages: &Messages, events: &[Event]) -> Vec<ShivizEvent> {
    let mut clocks = vec![vec![0u64; replicas]; replicas];
    let mut sent: BTreeMap<MessageId, Vec<u64>> = BTreeMap::new();
    let mut out: Vec<ShivizEvent> = Vec::new();
    let name = |r: ReplicaId| replica_name(r);
    let tick = |clocks: &mut Vec<Vec<u64>>, host: ReplicaId, description: String| {
        clocks[host][host] += 1;
        ShivizEvent {
            host,
            clock: clocks[host].clone(),
            description,
        }
    };
    for event in events {
        match event {
            Event::Delivered {
                replica,
                message,
                from,
                released,
                ..
            } if from == replica && !released => {
                let (key, value) = messages
                    .get(*message)
                    .map(|m| (m.key.to_string(), m.value.to_string()))
                    .unwrap_or_default();
                let line = tick(
                    &mut clocks,
                    *replica,
                    format!("{} writes {key} = {value} ({message})", name(*replica)),
                );
                sent.insert(*message, line.clock.clone());
                out.push(line);
            }
            // The receipt's event is the one that says what became of it.
            Event::Received { message, to, .. } => {
                if let Some(at_send) = sent.get(message) {
                    for (mine, theirs) in clocks[*to].iter_mut().zip(at_send) {
                        *mine = (*mine).max(*theirs);
                    }
                }
            }
            Event::Held {
                replica,
                message,
                from,
                waits_for,
            } => {
                out.push(tick(
                    &mut clocks,
                    *replica,
                    format!(
                        "{} receives {message} from {} and holds it back: it waits for {waits_for}",
                        name(*replica),
                        name(*from)
                    ),
                ));
            }
            Event::Discarded {
                replica,
                message,
                from,
            } => {
                out.push(tick(
                    &mut clocks,
                    *replica,
                    format!(
                        "{} receives {message} from {} again and discards it",
                        name(*replica),
                        name(*from)
                    ),
                ));
            }
            Event::Delivered {
                replica,
                message,
                from,
                released,
                ..
            } => {
                let description = if *released {
                    format!(
                        "{} delivers {message} from {} out of its hold-back buffer",
                        name(*replica),
                        name(*from)
                    )
                } else {
                    format!(
                        "{} receives {message} from {} and delivers it",
                        name(*replica),
                        name(*from)
                    )
                };
                out.push(tick(&mut clocks, *replica, description));
            }
            Event::Violation(v) => {
                if let Some(last) = out.iter_mut().rev().find(|e| e.host == v.replica) {
                    let _ = write!(
                        last.description,
                        "; violation: {} happened before {} and is not delivered",
                        v.missing, v.message
                    );
                }
            }
            Event::Sent { .. } | Event::Dropped { .. } => {}
        }
    }
    out
}

/// The log ShiViz reads, one event in two lines: `A {"A":1}` then its sentence.
pub fn shiviz_log(events: &[ShivizEvent]) -> String {
    let mut log = String::new();
    for event in events {
        let clock = event
            .clock
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(r, n)| format!("\"{}\":{n}", replica_name(r)))
            .collect::<Vec<_>>()
            .join(", ");
        let description: String = event
            .description
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = writeln!(log, "{} {{{clock}}}", replica_name(event.host));
        let _ = writeln!(log, "{description}");
    }
    log
}

/// A file ShiViz can open as it is: the regular expression on the first
/// line, an empty line (no delimiter between executions), then the log.
pub fn shiviz_file(events: &[ShivizEvent]) -> String {
    format!("{SHIVIZ_REGEX}\n\n{}", shiviz_log(events))
}
