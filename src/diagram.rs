//! The space-time diagram's layout: one line per replica, time running left
//! to right by step, a mark per event and an arrow per copy. Pure, so it is
//! computed once per change of the trace and tested natively.

use std::collections::{BTreeMap, VecDeque};

use causal_core::{replica_name, Event, MessageId, Messages, ReplicaId};

use crate::describe::waits_for;
use crate::session::Trace;

/// Width of one event's slot, in SVG units.
pub const SLOT: f64 = 30.0;
/// Distance between replica lines.
pub const ROW: f64 = 64.0;
/// Room for the replica names.
pub const LEFT: f64 = 48.0;
/// Room above the first line.
pub const TOP: f64 = 28.0;
/// Room after the last event, where copies in flight end.
pub const RIGHT: f64 = 70.0;

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
#[derive(Clone, Debug, PartialEq)]
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
    pub x: f64,
    /// Where.
    pub y: f64,
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
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    /// The message.
    pub message: MessageId,
    /// Its sender.
    pub from: ReplicaId,
    /// Its destination.
    pub to: ReplicaId,
    /// Start.
    pub x1: f64,
    /// Start.
    pub y1: f64,
    /// End.
    pub x2: f64,
    /// End.
    pub y2: f64,
    /// How it ends.
    pub end: ArrowEnd,
}

/// A held message's wait, along its replica's line from arrival to delivery
/// (or to the edge while it is still held).
#[derive(Clone, Debug, PartialEq)]
pub struct Wait {
    /// Where.
    pub replica: ReplicaId,
    /// The message.
    pub message: MessageId,
    /// From.
    pub x1: f64,
    /// To.
    pub x2: f64,
    /// The line.
    pub y: f64,
}

/// The whole picture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Replica lines.
    pub replicas: usize,
    /// Size.
    pub width: f64,
    /// Size.
    pub height: f64,
    /// Steps drawn.
    pub steps: usize,
    /// Where each step starts (index 0 is step 1), for the step ruler.
    pub step_x: Vec<f64>,
    /// Marks, in the order they happened.
    pub marks: Vec<Mark>,
    /// Arrows, one per copy.
    pub arrows: Vec<Arrow>,
    /// Waits in the hold-back buffer.
    pub waits: Vec<Wait>,
}

/// The y of replica `r`'s line.
pub fn line_y(r: ReplicaId) -> f64 {
    TOP + ROW * r as f64
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
        x += SLOT * per_line.iter().copied().max().unwrap_or(0).max(1) as f64;
    }
    let end_x = x + RIGHT * 0.6;
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
            + (*k as f64 + 0.5) * SLOT;
        *k += 1;
        x
    };
    // Copies sent and not yet matched: (message, to) -> send points, earliest first.
    let mut sent: BTreeMap<(MessageId, ReplicaId), VecDeque<(f64, ReplicaId)>> = BTreeMap::new();
    let mut held: BTreeMap<(ReplicaId, MessageId), f64> = BTreeMap::new();
    let mut last_write: Option<(MessageId, f64)> = None;
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
                out.marks.push(Mark {
                    kind: MarkKind::Write,
                    replica: *replica,
                    message: *message,
                    step,
                    x,
                    y: line_y(*replica),
                    timestamp: stamp(*message),
                    text: format!(
                        "{} wrote {what} ({message}) at step {step}.",
                        replica_name(*replica)
                    ),
                    violation: false,
                });
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
                });
                out.marks.push(Mark {
                    kind: MarkKind::Receive,
                    replica: *to,
                    message: *message,
                    step,
                    x,
                    y: line_y(*to),
                    timestamp: stamp(*message),
                    text: format!(
                        "{} received {message} from {} at step {step}.",
                        replica_name(*to),
                        replica_name(*from)
                    ),
                    violation: false,
                });
            }
            Event::Held {
                replica,
                message,
                waits_for: gap,
                ..
            } => {
                held.insert((*replica, *message), receipt_x);
                out.marks.push(Mark {
                    kind: MarkKind::Hold,
                    replica: *replica,
                    message: *message,
                    step,
                    x: receipt_x,
                    y: line_y(*replica),
                    timestamp: stamp(*message),
                    text: format!(
                        "{} held {message} back: it waited for {}.",
                        replica_name(*replica),
                        waits_for(gap, messages)
                    ),
                    violation: false,
                });
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
                out.marks.push(Mark {
                    kind: MarkKind::Deliver,
                    replica: *replica,
                    message: *message,
                    step,
                    x,
                    y: line_y(*replica),
                    timestamp: clock.to_string(),
                    text: format!(
                        "{} delivered {message} from {}{how} at step {step}; its clock became {clock}.",
                        replica_name(*replica),
                        replica_name(*from)
                    ),
                    violation: false,
                });
            }
            Event::Discarded {
                replica, message, ..
            } => out.marks.push(Mark {
                kind: MarkKind::Discard,
                replica: *replica,
                message: *message,
                step,
                x: receipt_x,
                y: line_y(*replica),
                timestamp: stamp(*message),
                text: format!(
                    "{} discarded {message}: it already had it.",
                    replica_name(*replica)
                ),
                violation: false,
            }),
            Event::Dropped { message, from, to } => {
                let x = place(step, *to, &out);
                let start = sent.get_mut(&(*message, *to)).and_then(VecDeque::pop_front);
                let (x1, sender) = start.unwrap_or((x, *from));
                let (y1, y_to) = (line_y(sender), line_y(*to));
                let y2 = y1 + (y_to - y1) * 0.6;
                out.arrows.push(Arrow {
                    message: *message,
                    from: sender,
                    to: *to,
                    x1,
                    y1,
                    x2: x,
                    y2,
                    end: ArrowEnd::Dropped,
                });
                out.marks.push(Mark {
                    kind: MarkKind::Drop,
                    replica: *to,
                    message: *message,
                    step,
                    x,
                    y: y2,
                    timestamp: stamp(*message),
                    text: format!(
                        "The copy of {message} to {} was lost at step {step}.",
                        replica_name(*to)
                    ),
                    violation: false,
                });
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
            });
        }
    }
    for ((replica, message), x1) in held {
        out.waits.push(Wait {
            replica,
            message,
            x1,
            x2: end_x,
            y: line_y(replica),
        });
    }
    out
}
