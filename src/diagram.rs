//! The space-time diagram's layout: one line per replica, time running left
//! to right by step, a mark per event and an arrow per copy. Pure, so it is
//! computed once per change of the trace and tested natively. Coordinates are
//! whole SVG units: formatting floats would cost the page kilobytes.

use std::collections::{BTreeMap, VecDeque};

use causal_core::{replica_name, Event, MessageId, Messages, ReplicaId};

use crate::describe::waits_for;
use crate::session::Trace;

/// Width of one event's slot, in SVG units.
pub const SLOT: i32 = 30;
/// Distance between replica lines.
pub const ROW: i32 = 64;
/// Room for the replica names.
pub const LEFT: i32 = 48;
/// Room above the first line.
pub const TOP: i32 = 28;
/// Room after the last event, where copies in flight end.
pub const RIGHT: i32 = 70;

impl Mark {
    /// A mark that broke no causal order (a delivery that did is marked later).
    fn new(
        kind: MarkKind,
        replica: ReplicaId,
        message: MessageId,
        step: usize,
        (x, y): (i32, i32),
        timestamp: String,
        text: String,
    ) -> Self {
        Mark {
            kind,
            replica,
            message,
            step,
            x,
            y,
            timestamp,
            text,
            violation: false,
        }
    }
}

/// What a mark stands for (its `data-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A write, at its writer.
    Write,
    /// A copy arriving.
    Receive,
    /// An arrival held back.
    Hold,
    /// A delivery (on arrival, or out of the hold-back buffer).
    Deliver,
    /// An arrival discarded as a duplicate.
    Discard,
    /// A copy lost on the way.
    Drop,
}

impl MarkKind {
    /// The name in `data-kind`.
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Write => "write",
            MarkKind::Receive => "receive",
            MarkKind::Hold => "hold",
            MarkKind::Deliver => "deliver",
            MarkKind::Discard => "discard",
            MarkKind::Drop => "drop",
        }
    }
}

/// One mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// What it stands for.
    pub kind: MarkKind,
    /// The replica whose line it is on (a drop: the copy's destination).
    pub replica: ReplicaId,
    /// The message.
    pub message: MessageId,
    /// The step that caused it, from 1.
    pub step: usize,
    /// Where.
    pub x: i32,
    /// Where.
    pub y: i32,
    /// The timestamp shown on hover: the message's, or the clock after a delivery.
    pub timestamp: String,
    /// A sentence about it.
    pub text: String,
    /// This delivery broke causal order.
    pub violation: bool,
}

/// How a copy's arrow ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowEnd {
    /// It arrived.
    Received,
    /// It is still in flight: drawn to the edge, dashed.
    InFlight,
    /// It was lost: ends in a cross.
    Dropped,
}

/// A copy, from its send to its arrival (or the edge, or its loss).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// The message.
    pub message: MessageId,
    /// Its sender.
    pub from: ReplicaId,
    /// Its destination.
    pub to: ReplicaId,
    /// Start.
    pub x1: i32,
    /// Start.
    pub y1: i32,
    /// End.
    pub x2: i32,
    /// End.
    pub y2: i32,
    /// How it ends.
    pub end: ArrowEnd,
    /// The step it ended at; past the last step while still in flight.
    pub step: usize,
}

/// A held message's wait, along its replica's line from arrival to delivery
/// (or to the edge while it is still held).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The step it ended at; past the last step while still held.
    pub step: usize,
    /// Where.
    pub replica: ReplicaId,
    /// The message.
    pub message: MessageId,
    /// From.
    pub x1: i32,
    /// To.
    pub x2: i32,
    /// The line.
    pub y: i32,
}

/// The whole picture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Replica lines.
    pub replicas: usize,
    /// Size.
    pub width: i32,
    /// Size.
    pub height: i32,
    /// Steps drawn.
    pub steps: usize,
    /// Where each step starts (index 0 is step 1), for the step ruler.
    pub step_x: Vec<i32>,
    /// Marks, in the order they happened.
    pub marks: Vec<Mark>,
    /// Arrows, one per copy.
    pub arrows: Vec<Arrow>,
    /// Waits in the hold-back buffer.
    pub waits: Vec<Wait>,
}

/// Steps per chunk. The diagram is drawn in chunks of steps whose contents
/// never change once their steps are past, so a new step redraws only the
/// last chunk, not thousands of marks.
pub const CHUNK_STEPS: usize = 20;

/// The marks, arrows and waits that end within one run of steps, and the
/// steps' labels on the ruler.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunk {
    /// (step, x) of each step that starts in the chunk.
    pub ruler: Vec<(usize, i32)>,
    /// Marks.
    pub marks: Vec<Mark>,
    /// Arrows.
    pub arrows: Vec<Arrow>,
    /// Waits.
    pub waits: Vec<Wait>,
}

impl Layout {
    /// Everything, in chunks of [`CHUNK_STEPS`] steps by the step each item
    /// ends at; what is still in flight or held comes last, in a chunk of its own.
    pub fn chunks(&self) -> Vec<Chunk> {
        let count = self.steps / CHUNK_STEPS + 2;
        let mut chunks = vec![Chunk::default(); count];
        let at = |step: usize| {
            if step > self.steps {
                count - 1
            } else {
                step / CHUNK_STEPS
            }
        };
        for (i, x) in self.step_x.iter().enumerate() {
            chunks[at(i + 1)].ruler.push((i + 1, *x));
        }
        for m in &self.marks {
            chunks[at(m.step)].marks.push(m.clone());
        }
        for a in &self.arrows {
            chunks[at(a.step)].arrows.push(a.clone());
        }
        for w in &self.waits {
            chunks[at(w.step)].waits.push(w.clone());
        }
        chunks
    }
}

/// The y of replica `r`'s line.
pub fn line_y(r: ReplicaId) -> i32 {
    TOP + ROW * r as i32
}

/// An event that takes a slot on a replica's line, and which line.
fn slot_of(event: &Event, write_sends: bool) -> Option<ReplicaId> {
    match event {
        Event::Delivered {
            replica, released, ..
        } if *released => Some(*replica),
        Event::Delivered { replica, from, .. } if replica == from => Some(*replica),
        Event::Received { to, .. } | Event::Dropped { to, .. } => Some(*to),
        Event::Sent { from, .. } if !write_sends => Some(*from),
        _ => None,
    }
}

/// Lays out `trace` among `replicas` replicas.
pub fn layout(replicas: usize, trace: &Trace, messages: &Messages) -> Layout {
    let steps = trace.last().map_or(0, |(step, _)| *step);
    // Pass 1: how many slots each step needs on each line.
    let mut slots = vec![vec![0usize; replicas]; steps + 1];
    let mut after_write = false;
    for (step, event) in trace {
        let write_sends = after_write && matches!(event, Event::Sent { .. });
        if let Some(r) = slot_of(event, write_sends).filter(|&r| r < replicas) {
            slots[*step][r] += 1;
        }
        after_write = write_sends
            || matches!(event, Event::Delivered { replica, from, released: false, .. } if replica == from);
    }
    let mut step_x = Vec::with_capacity(steps);
    let mut x = LEFT;
    for per_line in slots.iter().skip(1) {
        step_x.push(x);
        x += SLOT * per_line.iter().copied().max().unwrap_or(0).max(1) as i32;
    }
    let end_x = x + RIGHT * 3 / 5;
    let mut out = Layout {
        replicas,
        width: x + RIGHT,
        height: line_y(replicas.saturating_sub(1)) + TOP,
        steps,
        step_x,
        ..Layout::default()
    };

    // Pass 2: place the marks and arrows.
    let mut used: BTreeMap<(usize, ReplicaId), usize> = BTreeMap::new();
    let mut place = |step: usize, r: ReplicaId, out: &Layout| {
        let k = used.entry((step, r)).or_insert(0);
        let x = out
            .step_x
            .get(step.wrapping_sub(1))
            .copied()
            .unwrap_or(LEFT)
            + *k as i32 * SLOT
            + SLOT / 2;
        *k += 1;
        x
    };
    // Copies sent and not yet matched: (message, to) -> send points, earliest first.
    let mut sent: BTreeMap<(MessageId, ReplicaId), VecDeque<(i32, ReplicaId)>> = BTreeMap::new();
    let mut held: BTreeMap<(ReplicaId, MessageId), i32> = BTreeMap::new();
    let mut last_write: Option<(MessageId, i32)> = None;
    let mut receipt_x = LEFT;
    let stamp = |m: MessageId| {
        messages
            .get(m)
            .map(|m| m.clock.to_string())
            .unwrap_or_default()
    };
    for (step, event) in trace {
        let step = *step;
        let write_sends = matches!(event, Event::Sent { message, .. } if last_write.is_some_and(|(w, _)| w == *message));
        match event {
            Event::Delivered {
                replica,
                message,
                from,
                released: false,
                ..
            } if replica == from => {
                let x = place(step, *replica, &out);
                let what = messages
                    .get(*message)
                    .map(|m| format!("{} = {}", m.key, m.value))
                    .unwrap_or_default();
                out.marks.push(Mark::new(
                    MarkKind::Write,
                    *replica,
                    *message,
                    step,
                    (x, line_y(*replica)),
                    stamp(*message),
                    format!(
                        "{} wrote {what} ({message}) at step {step}.",
                        replica_name(*replica)
                    ),
                ));
                last_write = Some((*message, x));
                continue;
            }
            Event::Sent { message, from, to } => {
                let x = if write_sends {
                    last_write.map_or(LEFT, |(_, x)| x)
                } else {
                    place(step, *from, &out)
                };
                sent.entry((*message, *to))
                    .or_default()
                    .push_back((x, *from));
                if write_sends {
                    continue;
                }
            }
            Event::Received { message, from, to } => {
                let x = place(step, *to, &out);
                receipt_x = x;
                let start = sent.get_mut(&(*message, *to)).and_then(VecDeque::pop_front);
                let (x1, sender) = start.unwrap_or((x, *from));
                out.arrows.push(Arrow {
                    message: *message,
                    from: sender,
                    to: *to,
                    x1,
                    y1: line_y(sender),
                    x2: x,
                    y2: line_y(*to),
                    end: ArrowEnd::Received,
                    step,
                });
                out.marks.push(Mark::new(
                    MarkKind::Receive,
                    *to,
                    *message,
                    step,
                    (x, line_y(*to)),
                    stamp(*message),
                    format!(
                        "{} received {message} from {} at step {step}.",
                        replica_name(*to),
                        replica_name(*from)
                    ),
                ));
            }
            Event::Held {
                replica,
                message,
                waits_for: gap,
                ..
            } => {
                held.insert((*replica, *message), receipt_x);
                out.marks.push(Mark::new(
                    MarkKind::Hold,
                    *replica,
                    *message,
                    step,
                    (receipt_x, line_y(*replica)),
                    stamp(*message),
                    format!(
                        "{} held {message} back: it waited for {}.",
                        replica_name(*replica),
                        waits_for(gap, messages)
                    ),
                ));
            }
            Event::Delivered {
                replica,
                message,
                from,
                clock,
                released,
            } => {
                let x = if *released {
                    place(step, *replica, &out)
                } else {
                    receipt_x
                };
                if let Some(x1) = held.remove(&(*replica, *message)) {
                    out.waits.push(Wait {
                        step,
                        replica: *replica,
                        message: *message,
                        x1,
                        x2: x,
                        y: line_y(*replica),
                    });
                }
                let how = if *released {
                    " out of its hold-back buffer"
                } else {
                    ""
                };
                out.marks.push(Mark::new(MarkKind::Deliver, *replica, *message, step, (x, line_y(*replica)), clock.to_string(), format!(
                        "{} delivered {message} from {}{how} at step {step}; its clock became {clock}.",
                        replica_name(*replica),
                        replica_name(*from)
                    )));
            }
            Event::Discarded {
                replica, message, ..
            } => out.marks.push(Mark::new(
                MarkKind::Discard,
                *replica,
                *message,
                step,
                (receipt_x, line_y(*replica)),
                stamp(*message),
                format!(
                    "{} discarded {message}: it already had it.",
                    replica_name(*replica)
                ),
            )),
            Event::Dropped { message, from, to } => {
                let x = place(step, *to, &out);
                let start = sent.get_mut(&(*message, *to)).and_then(VecDeque::pop_front);
                let (x1, sender) = start.unwrap_or((x, *from));
                let (y1, y_to) = (line_y(sender), line_y(*to));
                let y2 = y1 + (y_to - y1) * 3 / 5;
                out.arrows.push(Arrow {
                    message: *message,
                    from: sender,
                    to: *to,
                    x1,
                    y1,
                    x2: x,
                    y2,
                    end: ArrowEnd::Dropped,
                    step,
                });
                out.marks.push(Mark::new(
                    MarkKind::Drop,
                    *to,
                    *message,
                    step,
                    (x, y2),
                    stamp(*message),
                    format!(
                        "The copy of {message} to {} was lost at step {step}.",
                        replica_name(*to)
                    ),
                ));
            }
            Event::Violation(v) => {
                if let Some(mark) = out.marks.iter_mut().rev().find(|m| {
                    m.kind == MarkKind::Deliver && m.replica == v.replica && m.message == v.message
                }) {
                    mark.violation = true;
                    mark.text.push_str(&format!(
                        " Causal order broken: {} was not delivered yet.",
                        v.missing
                    ));
                }
            }
        }
        last_write = None;
    }
    for ((message, to), starts) in sent {
        for (x1, from) in starts {
            out.arrows.push(Arrow {
                message,
                from,
                to,
                x1,
                y1: line_y(from),
                x2: end_x,
                y2: line_y(to),
                end: ArrowEnd::InFlight,
                step: steps + 1,
            });
        }
    }
    for ((replica, message), x1) in held {
        out.waits.push(Wait {
            step: steps + 1,
            replica,
            message,
            x1,
            x2: end_x,
            y: line_y(replica),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::preset;
    use crate::session::replay_traced;
    use causal_core::{Command, Config};

    fn kinds(layout: &Layout, replica: ReplicaId) -> Vec<(&'static str, u32)> {
        layout
            .marks
            .iter()
            .filter(|m| m.replica == replica)
            .map(|m| (m.kind.name(), m.message.0))
            .collect()
    }

    #[test]
    fn the_classic_run_has_a_mark_per_event_and_an_arrow_per_copy() {
        let scenario = preset("classic").unwrap().scenario;
        let (sim, trace) = replay_traced(scenario.config(), &scenario.steps).unwrap();
        let layout = layout(3, &trace, sim.messages());
        assert_eq!(
            kinds(&layout, 0),
            [("write", 1), ("receive", 2), ("deliver", 2)]
        );
        assert_eq!(
            kinds(&layout, 1),
            [("receive", 1), ("deliver", 1), ("write", 2)]
        );
        assert_eq!(
            kinds(&layout, 2),
            [
                ("receive", 2),
                ("hold", 2),
                ("receive", 1),
                ("deliver", 1),
                ("deliver", 2)
            ]
        );
        // Four copies, all received; C's wait for m2 runs from its arrival to its release.
        assert_eq!(layout.arrows.len(), 4);
        assert!(layout.arrows.iter().all(|a| a.end == ArrowEnd::Received));
        assert_eq!(layout.waits.len(), 1);
        let wait = &layout.waits[0];
        assert!(wait.replica == 2 && wait.message == MessageId(2) && wait.x1 < wait.x2);
        // An arrow runs from its write forward in time to its receipt.
        let m1_to_c = layout
            .arrows
            .iter()
            .find(|a| a.message == MessageId(1) && a.to == 2)
            .unwrap();
        assert!(m1_to_c.x1 < m1_to_c.x2 && m1_to_c.y1 == line_y(0) && m1_to_c.y2 == line_y(2));
    }

    #[test]
    fn copies_in_flight_reach_the_edge_and_lost_ones_end_in_a_cross() {
        let steps = vec![
            Command::Write {
                replica: 0,
                key: "x".into(),
                value: "1".into(),
            },
            Command::Drop {
                message: MessageId(1),
                to: 1,
            },
        ];
        let (sim, trace) = replay_traced(Config::default(), &steps).unwrap();
        let layout = layout(3, &trace, sim.messages());
        let ends: Vec<_> = layout.arrows.iter().map(|a| (a.to, a.end)).collect();
        assert!(ends.contains(&(1, ArrowEnd::Dropped)));
        assert!(ends.contains(&(2, ArrowEnd::InFlight)));
        let drop = layout
            .marks
            .iter()
            .find(|m| m.kind == MarkKind::Drop)
            .unwrap();
        assert_eq!((drop.replica, drop.step), (1, 2));
        let in_flight = layout
            .arrows
            .iter()
            .find(|a| a.end == ArrowEnd::InFlight)
            .unwrap();
        assert!(in_flight.x2 > layout.marks.iter().map(|m| m.x).fold(0, i32::max));
    }

    #[test]
    fn a_violation_marks_the_delivery_that_broke_causal_order() {
        let scenario = preset("fifo-violation").unwrap().scenario;
        let (sim, trace) = replay_traced(scenario.config(), &scenario.steps).unwrap();
        let layout = layout(3, &trace, sim.messages());
        let broken: Vec<_> = layout.marks.iter().filter(|m| m.violation).collect();
        assert!(!broken.is_empty());
        assert_eq!(broken.len(), sim.violations().len());
        assert!(broken
            .iter()
            .all(|m| m.kind == MarkKind::Deliver && m.text.contains("Causal order broken")));
    }
}
