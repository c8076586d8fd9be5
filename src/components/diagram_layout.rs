//! The space-time diagram's layout: one line per replica, time running left
//! to right by step, a mark per event and an arrow per copy. Pure, so it is
//! computed once per change of the trace and tested natively. Coordinates are
//! whole SVG units: formatting floats would cost the page kilobytes.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use causal_core::{explain, Event, MessageId, Messages, ReplicaId, VectorClock};

use crate::run::trace::Trace;

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

/// How a write relates to the selected write, by happened-before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Selected,
    Past,
    Future,
    Concurrent,
}

impl Relation {
    /// How `other` relates to `selected`, from every write's timestamp by
    /// message number (index 0 is m1); `None` for a message not in `clocks`.
    pub fn of(clocks: &[VectorClock], selected: MessageId, other: MessageId) -> Option<Self> {
        let clock = |m: MessageId| clocks.get((m.0 as usize).wrapping_sub(1));
        let (s, o) = (clock(selected)?, clock(other)?);
        Some(if selected == other {
            Relation::Selected
        } else if o.happened_before(s) {
            Relation::Past
        } else if s.happened_before(o) {
            Relation::Future
        } else {
            Relation::Concurrent
        })
    }

    /// The mark's class.
    pub fn name(self) -> &'static str {
        match self {
            Relation::Selected => "selected",
            Relation::Past => "past",
            Relation::Future => "future",
            Relation::Concurrent => "concurrent",
        }
    }
}

/// One mark, at (`x`, `y`), with the sentence `text` shown on hover or focus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// What it stands for.
    pub kind: MarkKind,
    /// The replica whose line it is on (a drop: the copy's destination).
    pub replica: ReplicaId,
    pub message: MessageId,
    /// The step that caused it, from 1.
    pub step: usize,
    pub x: i32,
    pub y: i32,
    /// The timestamp shown on hover: the message's, or the clock after a delivery.
    pub timestamp: String,
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

/// A copy of `message` from `from` to `to`: a line from (`x1`, `y1`) at its
/// send to (`x2`, `y2`) at its arrival (or the edge, or its loss).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrow {
    pub message: MessageId,
    pub from: ReplicaId,
    pub to: ReplicaId,
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    pub end: ArrowEnd,
    /// The step it ended at; past the last step while still in flight.
    pub step: usize,
}

/// `message`'s wait at `replica`, along its line (at `y`) from arrival (`x1`)
/// to delivery (`x2`), or to the edge while it is still held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The step it ended at; past the last step while still held.
    pub step: usize,
    pub replica: ReplicaId,
    pub message: MessageId,
    pub x1: i32,
    pub x2: i32,
    pub y: i32,
}

/// The whole picture, `width` by `height`, one line per replica.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub replicas: usize,
    pub width: i32,
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
/// last chunk, not thousands of marks; and the layout resumes from the last
/// finished chunk instead of starting over.
pub const CHUNK_STEPS: usize = 20;

/// The marks, arrows and waits that end within one run of steps, and the
/// steps' labels on the ruler.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunk {
    /// (step, x) of each step that starts in the chunk.
    pub ruler: Vec<(usize, i32)>,
    pub marks: Vec<Mark>,
    pub arrows: Vec<Arrow>,
    pub waits: Vec<Wait>,
}

impl Chunk {
    /// The x range its drawing covers: its steps, its marks, and its arrows
    /// and waits from where they start. `None` when it draws nothing.
    pub fn span(&self) -> Option<(i32, i32)> {
        let xs = self.ruler.iter().map(|&(_, x)| (x, x + SLOT));
        let xs = xs.chain(self.marks.iter().map(|m| (m.x, m.x)));
        let xs = xs.chain(self.arrows.iter().map(|a| (a.x1.min(a.x2), a.x1.max(a.x2))));
        let xs = xs.chain(self.waits.iter().map(|w| (w.x1.min(w.x2), w.x1.max(w.x2))));
        xs.reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
    }
}

/// Runs wider than this (in SVG units, 400 slots) are drawn by windows
/// around what is in view: tens of thousands of marks would hold the page
/// for seconds at every redraw.
pub const DRAW_ALL_WIDTH: i32 = 400 * SLOT;

/// Windows start and end on multiples of this, so scrolling a little or a
/// new step at the end redraws nothing.
pub const WINDOW_STEP: i32 = 60 * SLOT;

/// The x range to draw when `[from, to]` is in view: what is in view and a
/// window step or so either side, rounded out to whole window steps.
pub fn window_around(from: i32, to: i32) -> (i32, i32) {
    let start = from.div_euclid(WINDOW_STEP) * WINDOW_STEP - WINDOW_STEP;
    let end = (to.div_euclid(WINDOW_STEP) + 2) * WINDOW_STEP;
    (start.max(0), end)
}

/// Whether `[a, b]` meets the window `[from, to]`.
pub fn meets((from, to): (i32, i32), a: i32, b: i32) -> bool {
    a.min(b) <= to && a.max(b) >= from
}

/// How far a dashed in-flight line keeps from the centre of a mark it
/// passes (a write's dot has a radius of 8).
const CLEARANCE: i32 = 11;

/// Copies in flight up to which their lines are kept clear of the marks.
const LINES_CHECKED: usize = 48;

/// The end points tried for a copy in flight, left of the edge by these.
const END_OFFSETS: [i32; 4] = [0, 10, 20, 30];

/// Where a copy in flight from (`x1`, `y1`) to the line at `y2` ends: the
/// first end of [`END_OFFSETS`] left of `end_x` that no other copy to the
/// same replica uses (`taken`) and whose line keeps [`CLEARANCE`] from every
/// mark in `marks` but the one it starts at; failing that, the first free.
fn in_flight_end(
    end_x: i32,
    (x1, y1): (i32, i32),
    y2: i32,
    taken: &[i32],
    marks: &[(i32, i32)],
) -> i32 {
    let free: Vec<i32> = END_OFFSETS
        .iter()
        .map(|d| end_x - d)
        .filter(|x| !taken.contains(x))
        .collect();
    let clear = |x2: i32| {
        marks.iter().all(|&(mx, my)| {
            (mx, my) == (x1, y1)
                || mx < x1.min(x2) - CLEARANCE
                || mx > x1.max(x2) + CLEARANCE
                || distance_to_segment((mx, my), (x1, y1), (x2, y2)) >= f64::from(CLEARANCE)
        })
    };
    free.iter()
        .copied()
        .find(|&x2| clear(x2))
        .or_else(|| free.first().copied())
        .unwrap_or(end_x)
}

/// The distance from `p` to the segment from `a` to `b`.
fn distance_to_segment(p: (i32, i32), a: (i32, i32), b: (i32, i32)) -> f64 {
    let (px, py) = (f64::from(p.0), f64::from(p.1));
    let (ax, ay) = (f64::from(a.0), f64::from(a.1));
    let (bx, by) = (f64::from(b.0), f64::from(b.1));
    let (dx, dy) = (bx - ax, by - ay);
    let length = dx * dx + dy * dy;
    let t = if length == 0.0 {
        0.0
    } else {
        (((px - ax) * dx + (py - ay) * dy) / length).clamp(0.0, 1.0)
    };
    let (cx, cy) = (ax + t * dx, ay + t * dy);
    ((px - cx).powi(2) + (py - cy).powi(2)).sqrt()
}

/// What the page draws: the picture's size and its chunks, finished ones
/// shared (the same `Rc` from one drawing to the next), then the chunk being
/// filled, then what is still in flight or held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drawing {
    /// Replica lines.
    pub replicas: usize,
    /// Size.
    pub width: i32,
    /// Size.
    pub height: i32,
    /// Steps drawn.
    pub steps: usize,
    /// The chunks, in order.
    pub chunks: Vec<Rc<Chunk>>,
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

/// Copies sent and not yet matched: (message, to) -> send points (x,
/// sender), earliest first.
type Sends = BTreeMap<(MessageId, ReplicaId), VecDeque<(i32, ReplicaId)>>;

/// Where the earliest copy of `message` to `to` not yet matched was sent
/// from, forgetting it (and its entry once empty: a checkpoint copies them).
fn arrived(sent: &mut Sends, message: MessageId, to: ReplicaId) -> Option<(i32, ReplicaId)> {
    let starts = sent.get_mut(&(message, to))?;
    let start = starts.pop_front();
    if starts.is_empty() {
        sent.remove(&(message, to));
    }
    start
}

/// A layout in progress, step by step. Cloned at chunk boundaries, it is a
/// checkpoint to resume from when the run grows or is cut back.
#[derive(Clone, Debug)]
pub struct Layouter {
    replicas: usize,
    steps: usize,
    step_x: Vec<i32>,
    /// Where the next step starts.
    x: i32,
    done: Vec<Rc<Chunk>>,
    current: Chunk,
    sent: Sends,
    /// Held messages: (replica, message) -> where they arrived.
    held: BTreeMap<(ReplicaId, MessageId), i32>,
}

impl Layouter {
    /// Nothing laid out yet, among `replicas` replicas.
    pub fn new(replicas: usize) -> Self {
        Layouter {
            replicas,
            steps: 0,
            step_x: Vec::new(),
            x: LEFT,
            done: Vec::new(),
            current: Chunk::default(),
            sent: BTreeMap::new(),
            held: BTreeMap::new(),
        }
    }

    /// Lays out every step of `trace` (events with their steps, in order)
    /// after those already laid out, calling `checkpoint` each time a chunk
    /// is finished.
    pub fn extend<'a>(
        &mut self,
        trace: impl IntoIterator<Item = &'a (usize, Event)>,
        messages: &Messages,
        mut checkpoint: impl FnMut(&Layouter),
    ) {
        let done = self.steps;
        let mut rest = trace
            .into_iter()
            .skip_while(|(step, _)| *step <= done)
            .peekable();
        let mut events: Vec<&Event> = Vec::new();
        while let Some(step) = rest.peek().map(|(step, _)| *step) {
            events.clear();
            while let Some((_, event)) = rest.next_if(|(s, _)| *s == step) {
                events.push(event);
            }
            while self.steps + 1 < step {
                self.step(self.steps + 1, &[], messages, &mut checkpoint);
            }
            self.step(step, &events, messages, &mut checkpoint);
        }
    }

    fn step(
        &mut self,
        step: usize,
        events: &[&Event],
        messages: &Messages,
        checkpoint: &mut impl FnMut(&Layouter),
    ) {
        // How many slots the step needs on each line: its width.
        let mut slots = vec![0usize; self.replicas];
        let mut after_write = false;
        for event in events {
            let write_sends = after_write && matches!(event, Event::Sent { .. });
            if let Some(r) = slot_of(event, write_sends).filter(|&r| r < self.replicas) {
                slots[r] += 1;
            }
            after_write = write_sends || event.is_write();
        }
        let start = self.x;
        self.step_x.push(start);
        self.current.ruler.push((step, start));
        self.x += SLOT * slots.iter().copied().max().unwrap_or(0).max(1) as i32;
        self.steps = step;

        let mut used = vec![0i32; self.replicas];
        let mut place = |r: ReplicaId| {
            let k = used.get(r).copied().unwrap_or(0);
            if let Some(u) = used.get_mut(r) {
                *u += 1;
            }
            start + k * SLOT + SLOT / 2
        };
        let stamp = |m: MessageId| {
            messages
                .get(m)
                .map(|m| m.clock.to_string())
                .unwrap_or_default()
        };
        // A mark says its event as the log does, with its step.
        let said = |event: &Event| {
            explain::sentence(&format!(
                "Step {step}: {}",
                explain::event(event, messages).1
            ))
        };
        let mut last_write: Option<(MessageId, i32)> = None;
        let mut receipt_x = start;
        let out = &mut self.current;
        for event in events {
            let write_sends = matches!(event, Event::Sent { message, .. } if last_write.is_some_and(|(w, _)| w == *message));
            match event {
                Event::Delivered {
                    replica, message, ..
                } if event.is_write() => {
                    let x = place(*replica);
                    out.marks.push(Mark::new(
                        MarkKind::Write,
                        *replica,
                        *message,
                        step,
                        (x, line_y(*replica)),
                        stamp(*message),
                        said(event),
                    ));
                    last_write = Some((*message, x));
                    continue;
                }
                Event::Sent { message, from, to } => {
                    let x = if write_sends {
                        last_write.map_or(start, |(_, x)| x)
                    } else {
                        place(*from)
                    };
                    self.sent
                        .entry((*message, *to))
                        .or_default()
                        .push_back((x, *from));
                    if write_sends {
                        continue;
                    }
                }
                Event::Received { message, from, to } => {
                    let x = place(*to);
                    receipt_x = x;
                    let start = arrived(&mut self.sent, *message, *to);
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
                        said(event),
                    ));
                }
                Event::Held {
                    replica, message, ..
                } => {
                    self.held.insert((*replica, *message), receipt_x);
                    out.marks.push(Mark::new(
                        MarkKind::Hold,
                        *replica,
                        *message,
                        step,
                        (receipt_x, line_y(*replica)),
                        stamp(*message),
                        said(event),
                    ));
                }
                Event::Delivered {
                    replica,
                    message,
                    clock,
                    released,
                    ..
                } => {
                    let x = if *released {
                        place(*replica)
                    } else {
                        receipt_x
                    };
                    if let Some(x1) = self.held.remove(&(*replica, *message)) {
                        out.waits.push(Wait {
                            step,
                            replica: *replica,
                            message: *message,
                            x1,
                            x2: x,
                            y: line_y(*replica),
                        });
                    }
                    out.marks.push(Mark::new(
                        MarkKind::Deliver,
                        *replica,
                        *message,
                        step,
                        (x, line_y(*replica)),
                        clock.to_string(),
                        said(event),
                    ));
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
                    said(event),
                )),
                Event::Dropped { message, from, to } => {
                    let x = place(*to);
                    let start = arrived(&mut self.sent, *message, *to);
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
                        said(event),
                    ));
                }
                Event::Violation(v) => {
                    // The delivery it breaks is in this step, so in this chunk.
                    if let Some(mark) = out.marks.iter_mut().rev().find(|m| {
                        m.kind == MarkKind::Deliver
                            && m.replica == v.replica
                            && m.message == v.message
                    }) {
                        mark.violation = true;
                        mark.text.push(' ');
                        mark.text
                            .push_str(&explain::sentence(&explain::violation(v)));
                    }
                }
            }
            last_write = None;
        }
        if step.is_multiple_of(CHUNK_STEPS) {
            self.done.push(Rc::new(std::mem::take(&mut self.current)));
            checkpoint(self);
        }
    }

    /// Where copies still in flight and waits still open end: past the last step.
    fn end_x(&self) -> i32 {
        self.x + RIGHT * 3 / 5
    }

    /// What is still in flight or held, drawn to the edge. Copies in flight
    /// to one replica end at different points, and each dashed line keeps
    /// clear of the marks it crosses (a line through a write would read as
    /// the message flowing into it).
    fn live(&self) -> Chunk {
        let end_x = self.end_x();
        let after = self.steps + 1;
        let mut live = Chunk::default();
        let first = self
            .sent
            .values()
            .flatten()
            .map(|(x1, _)| *x1)
            .min()
            .unwrap_or(end_x);
        // Only where a reader can follow the lines: in a run with hundreds
        // in flight, the check would cost more than it shows.
        let copies: usize = self.sent.values().map(VecDeque::len).sum();
        let marks = if copies <= LINES_CHECKED {
            self.marks_from(first)
        } else {
            Vec::new()
        };
        let mut ends: BTreeMap<ReplicaId, Vec<i32>> = BTreeMap::new();
        for ((message, to), starts) in &self.sent {
            for (x1, from) in starts {
                let (y1, y2) = (line_y(*from), line_y(*to));
                let taken = ends.entry(*to).or_default();
                let x2 = in_flight_end(end_x, (*x1, y1), y2, taken, &marks);
                taken.push(x2);
                live.arrows.push(Arrow {
                    message: *message,
                    from: *from,
                    to: *to,
                    x1: *x1,
                    y1,
                    x2,
                    y2,
                    end: ArrowEnd::InFlight,
                    step: after,
                });
            }
        }
        for ((replica, message), x1) in &self.held {
            live.waits.push(Wait {
                step: after,
                replica: *replica,
                message: *message,
                x1: *x1,
                x2: end_x,
                y: line_y(*replica),
            });
        }
        live
    }

    /// Where the marks at `x` or later are, newest chunks first.
    fn marks_from(&self, x: i32) -> Vec<(i32, i32)> {
        let mut found = Vec::new();
        let chunks = std::iter::once(&self.current).chain(self.done.iter().rev().map(|c| &**c));
        for chunk in chunks {
            found.extend(chunk.marks.iter().filter(|m| m.x >= x).map(|m| (m.x, m.y)));
            if chunk.marks.first().is_some_and(|m| m.x < x) {
                break;
            }
        }
        found
    }

    /// The picture so far.
    pub fn drawing(&self) -> Drawing {
        let mut chunks = self.done.clone();
        chunks.push(Rc::new(self.current.clone()));
        chunks.push(Rc::new(self.live()));
        Drawing {
            replicas: self.replicas,
            width: self.x + RIGHT,
            height: line_y(self.replicas.saturating_sub(1)) + TOP,
            steps: self.steps,
            chunks,
        }
    }
}

/// Chunks between the checkpoints kept of a run's earlier steps, and how
/// many of its last chunks keep one each.
const KEEP_EVERY: usize = 16;

/// Lays out a growing or shrinking run, resuming from the last finished
/// chunk that is still part of it. `epoch` changes whenever the trace is
/// rebuilt rather than extended or cut back (another rule, branch or file):
/// then nothing is reused.
#[derive(Debug, Default)]
pub struct LayoutCache {
    key: (u64, usize),
    /// A layouter after each finished chunk, in order.
    checkpoints: Vec<Layouter>,
}

impl LayoutCache {
    /// The drawing of `trace`, reusing what it can.
    pub fn draw(
        &mut self,
        epoch: u64,
        replicas: usize,
        trace: &Trace,
        messages: &Messages,
    ) -> Drawing {
        if self.key != (epoch, replicas) {
            self.key = (epoch, replicas);
            self.checkpoints.clear();
        }
        let steps = trace.last_step();
        self.checkpoints.retain(|c| c.steps <= steps);
        let mut layouter = self
            .checkpoints
            .last()
            .cloned()
            .unwrap_or_else(|| Layouter::new(replicas));
        // A checkpoint after each of the last few chunks (a step, an undo)
        // and every few chunks before them (a seek): one after every chunk
        // of thousands of steps would copy what is in flight thousands of
        // times.
        let checkpoints = &mut self.checkpoints;
        layouter.extend(trace.after(layouter.steps), messages, |c| {
            if c.done.len() % KEEP_EVERY == 0 || c.steps + KEEP_EVERY * CHUNK_STEPS >= steps {
                checkpoints.push(c.clone());
            }
        });
        let n = checkpoints.len();
        let mut i = 0;
        checkpoints.retain(|c| {
            i += 1;
            i + KEEP_EVERY > n || c.done.len() % KEEP_EVERY == 0
        });
        layouter.drawing()
    }
}

/// Lays out `trace` (events with their steps, in order) among `replicas`
/// replicas, from scratch, as one list of marks, arrows and waits.
pub fn layout<'a>(
    replicas: usize,
    trace: impl IntoIterator<Item = &'a (usize, Event)>,
    messages: &Messages,
) -> Layout {
    let mut layouter = Layouter::new(replicas);
    layouter.extend(trace, messages, |_| {});
    let drawing = layouter.drawing();
    let mut out = Layout {
        replicas,
        width: drawing.width,
        height: drawing.height,
        steps: drawing.steps,
        step_x: layouter.step_x,
        ..Layout::default()
    };
    for chunk in &drawing.chunks {
        out.marks.extend(chunk.marks.iter().cloned());
        out.arrows.extend(chunk.arrows.iter().cloned());
        out.waits.extend(chunk.waits.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::presets::preset;
    use causal_core::{Command, Config, Simulation};

    #[test]
    fn a_window_holds_what_is_in_view_and_moves_only_by_whole_window_steps() {
        let view = (10 * WINDOW_STEP + 5, 10 * WINDOW_STEP + 1300);
        let (from, to) = window_around(view.0, view.1);
        assert!(from <= view.0 - WINDOW_STEP + 5 && to >= view.1 + WINDOW_STEP / 2);
        assert_eq!((from % WINDOW_STEP, to % WINDOW_STEP), (0, 0));
        assert_eq!(
            window_around(view.0 + SLOT, view.1 + SLOT),
            (from, to),
            "a little scroll redraws nothing"
        );
        assert_eq!(window_around(0, 900).0, 0);
        assert!(
            meets((100, 200), 50, 100)
                && meets((100, 200), 250, 150)
                && !meets((100, 200), 201, 900)
        );
    }

    #[test]
    fn a_chunk_spans_its_steps_and_where_its_arrows_start() {
        let scenario = preset("classic").unwrap().scenario;
        let (sim, trace) = Simulation::replay_traced(scenario.config(), &scenario.steps).unwrap();
        let mut layouter = Layouter::new(3);
        layouter.extend(&trace, sim.messages(), |_| {});
        let drawing = layouter.drawing();
        let (from, to) = drawing.chunks[0].span().unwrap();
        assert_eq!(from, LEFT);
        assert!(to <= drawing.width, "{to} within {}", drawing.width);
        assert_eq!(Chunk::default().span(), None);
    }

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
        let layout = classic_layout();
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
        let steps = vec![Command::write(0, "x", "1"), Command::drop(1, 1)];
        let (sim, trace) = Simulation::replay_traced(Config::default(), &steps).unwrap();
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
        let (sim, trace) = Simulation::replay_traced(scenario.config(), &scenario.steps).unwrap();
        let layout = layout(3, &trace, sim.messages());
        let broken: Vec<_> = layout.marks.iter().filter(|m| m.violation).collect();
        assert!(!broken.is_empty());
        assert_eq!(broken.len(), sim.violations().len());
        assert!(broken
            .iter()
            .all(|m| m.kind == MarkKind::Deliver && m.text.contains("Causal order broken")));
    }

    #[test]
    fn the_drawing_resumed_from_checkpoints_equals_one_drawn_afresh() {
        use crate::run::state::{Action, State};
        use causal_core::splitmix64;
        use causal_core::{Conflicts, Delivery};
        use std::rc::Rc;
        use yew::Reducible;

        for seed in 0..6u64 {
            let mut state = Rc::new(State::default());
            let mut cache = LayoutCache::default();
            let mut rng = seed;
            let mut next = |n: u64| {
                rng = splitmix64(rng);
                rng % n
            };
            let mut longest = 0;
            for _ in 0..600 {
                let in_flight: Vec<_> = state.simulation.in_flight().collect();
                let action = match next(16) {
                    0..=2 => Action::Write {
                        replica: next(3) as usize,
                        key: format!("k{}", next(3)),
                        value: next(100).to_string(),
                    },
                    3..=5 if !in_flight.is_empty() => {
                        let c = in_flight[next(in_flight.len() as u64) as usize];
                        Action::Apply(Command::Deliver {
                            message: c.message,
                            to: c.to,
                        })
                    }
                    6 if !in_flight.is_empty() => {
                        let c = in_flight[next(in_flight.len() as u64) as usize];
                        Action::Apply(Command::Drop {
                            message: c.message,
                            to: c.to,
                        })
                    }
                    7 if !in_flight.is_empty() => {
                        let c = in_flight[next(in_flight.len() as u64) as usize];
                        Action::Apply(Command::Duplicate {
                            message: c.message,
                            to: c.to,
                        })
                    }
                    8 => Action::Undo,
                    9 => Action::Redo,
                    // Back a few steps: past a chunk's end now and then.
                    10 => Action::Seek(state.cursor().saturating_sub(next(8) as usize)),
                    11 => match next(3) {
                        0 => Action::SetDelivery(Delivery::ALL[next(3) as usize]),
                        1 => Action::SetConflicts(Conflicts::ALL[next(3) as usize]),
                        _ => Action::SwitchBranch(next(state.branches().len() as u64) as usize),
                    },
                    12..=14 => Action::Write {
                        replica: next(3) as usize,
                        key: "x".into(),
                        value: next(9).to_string(),
                    },
                    _ => Action::Apply(Command::DeliverAll),
                };
                state = state.reduce(action);
                longest = longest.max(state.cursor());
                let replicas = state.simulation.config().replicas;
                let resumed = cache.draw(
                    state.trace_epoch,
                    replicas,
                    &state.trace,
                    state.simulation.messages(),
                );
                let mut afresh = Layouter::new(replicas);
                afresh.extend(state.trace.iter(), state.simulation.messages(), |_| {});
                assert_eq!(
                    resumed,
                    afresh.drawing(),
                    "seed {seed}, at step {}",
                    state.cursor()
                );
            }
            assert!(
                longest > 3 * CHUNK_STEPS,
                "seed {seed}: long enough to use checkpoints ({longest} steps)"
            );
        }
    }

    /// The classic scenario's marks, in the order they happened: (kind, replica,
    /// message, step).
    const CLASSIC_MARKS: [(&str, usize, u32, usize); 11] = [
        ("write", 0, 1, 1),
        ("receive", 1, 1, 2),
        ("deliver", 1, 1, 2),
        ("write", 1, 2, 3),
        ("receive", 2, 2, 4),
        ("hold", 2, 2, 4),
        ("receive", 2, 1, 5),
        ("deliver", 2, 1, 5),
        ("deliver", 2, 2, 5),
        ("receive", 0, 2, 6),
        ("deliver", 0, 2, 6),
    ];

    fn classic_layout() -> Layout {
        let classic = preset("classic").expect("the classic preset");
        let (sim, trace) =
            Simulation::replay_traced(classic.scenario.config(), &classic.scenario.steps)
                .expect("it runs");
        layout(3, &trace, sim.messages())
    }

    #[test]
    fn copies_in_flight_end_apart_and_clear_of_the_marks_they_cross() {
        // The classic at its third step: m1 in flight to C crosses B's line
        // where B wrote m2; m1 and m2 are both in flight to C.
        let l = run(&[
            Command::write(0, "x", "1"),
            Command::deliver(1, 1),
            Command::write(1, "y", "2"),
        ]);
        let to_c: Vec<_> = l
            .arrows
            .iter()
            .filter(|a| a.end == ArrowEnd::InFlight && a.to == 2)
            .collect();
        assert_eq!(to_c.len(), 2);
        assert_ne!(to_c[0].x2, to_c[1].x2, "they end at different points");
        for a in l.arrows.iter().filter(|a| a.end == ArrowEnd::InFlight) {
            for m in l.marks.iter().filter(|m| (m.x, m.y) != (a.x1, a.y1)) {
                let d = distance_to_segment((m.x, m.y), (a.x1, a.y1), (a.x2, a.y2));
                assert!(d >= f64::from(CLEARANCE), "{a:?} passes {d} from {m:?}");
            }
        }
    }

    fn run(commands: &[Command]) -> Layout {
        let (sim, trace) = Simulation::replay_traced(Config::default(), commands).expect("it runs");
        layout(3, &trace, sim.messages())
    }

    /// Checks what holds for every layout: marks sit on their replica's line
    /// (drops between lines), inside the picture and inside their step's slot;
    /// no two marks of a line at the same place unless one is the outcome of a
    /// receipt drawn on it; steps run left to right.
    fn check_invariants(l: &Layout) {
        assert_eq!(l.step_x.len(), l.steps);
        assert!(
            l.step_x.windows(2).all(|w| w[0] < w[1]),
            "steps run left to right"
        );
        assert!(l.step_x.first().is_none_or(|&x| x == LEFT));
        for m in &l.marks {
            let start = l.step_x[m.step - 1];
            let end = l.step_x.get(m.step).copied().unwrap_or(l.width - RIGHT);
            assert!(
                m.x > start && m.x < end,
                "{m:?} inside step {}'s slot {start}..{end}",
                m.step
            );
            if m.kind == MarkKind::Drop {
                assert!(m.y >= line_y(0) && m.y <= line_y(l.replicas - 1), "{m:?}");
            } else {
                assert_eq!(m.y, line_y(m.replica), "{m:?} on its line");
            }
            assert!(m.x < l.width && m.y < l.height);
        }
        for a in &l.arrows {
            assert_eq!(a.y1, line_y(a.from));
            assert!(a.x2 > a.x1, "{a:?} runs forwards");
            match a.end {
                ArrowEnd::Received => {
                    assert_eq!(a.y2, line_y(a.to));
                    assert!(
                        l.marks.iter().any(|m| m.kind == MarkKind::Receive
                            && m.message == a.message
                            && m.replica == a.to
                            && m.x == a.x2),
                        "{a:?} ends at a receive mark"
                    );
                }
                ArrowEnd::InFlight => {
                    assert_eq!(a.y2, line_y(a.to));
                    assert!(l.marks.iter().all(|m| m.x < a.x2), "to the edge");
                    assert!(a.x2 < l.width);
                }
                ArrowEnd::Dropped => assert!(
                    l.marks.iter().any(|m| m.kind == MarkKind::Drop
                        && m.message == a.message
                        && m.replica == a.to
                        && (m.x, m.y) == (a.x2, a.y2)),
                    "{a:?} ends at its cross"
                ),
            }
            // Every arrow starts at its message's write, or at a duplicate's send.
            let write = l
                .marks
                .iter()
                .find(|m| m.kind == MarkKind::Write && m.message == a.message);
            if let Some(w) = write {
                assert!(a.x1 >= w.x, "{a:?} starts no earlier than its write");
            }
        }
        for w in &l.waits {
            assert_eq!(w.y, line_y(w.replica));
            assert!(w.x1 < w.x2);
        }
    }

    #[test]
    fn layout_of_the_empty_run() {
        let l = run(&[]);
        assert_eq!(l.steps, 0);
        assert!(l.marks.is_empty() && l.arrows.is_empty() && l.waits.is_empty());
        assert_eq!(l.replicas, 3);
        assert!(l.width >= LEFT + RIGHT);
        assert!(l.height > line_y(2), "room for the three lines");
        check_invariants(&l);
    }

    #[test]
    fn layout_of_the_classic_scenario() {
        let l = classic_layout();
        check_invariants(&l);
        assert_eq!(l.steps, 6);
        let got: Vec<_> = l
            .marks
            .iter()
            .map(|m| (m.kind.name(), m.replica, m.message.0, m.step))
            .collect();
        assert_eq!(got, CLASSIC_MARKS.to_vec());
        assert_eq!(l.arrows.len(), 4);
        assert!(l.arrows.iter().all(|a| a.end == ArrowEnd::Received));

        let mark = |kind: MarkKind, r: usize, m: u32| {
            l.marks
                .iter()
                .find(|k| k.kind == kind && k.replica == r && k.message == MessageId(m))
                .unwrap_or_else(|| panic!("{kind:?} of m{m} at {r}"))
        };
        // m1's copies both leave from A's write.
        let w1 = mark(MarkKind::Write, 0, 1);
        for a in l.arrows.iter().filter(|a| a.message == MessageId(1)) {
            assert_eq!((a.x1, a.y1), (w1.x, w1.y));
        }
        // A delivery straight off the network is drawn where the copy arrived;
        // the hold too.
        assert_eq!(
            mark(MarkKind::Deliver, 1, 1).x,
            mark(MarkKind::Receive, 1, 1).x
        );
        assert_eq!(
            mark(MarkKind::Hold, 2, 2).x,
            mark(MarkKind::Receive, 2, 2).x
        );
        // The release takes a slot of its own, after m1's arrival in that step.
        let release = mark(MarkKind::Deliver, 2, 2);
        assert!(release.x > mark(MarkKind::Deliver, 2, 1).x);
        assert_eq!(release.timestamp, "[1,1,0]");
        assert!(release.text.contains("out of its hold-back buffer"));
        // The wait runs from the hold to the release, on C's line.
        assert_eq!(l.waits.len(), 1);
        let wait = &l.waits[0];
        assert_eq!((wait.replica, wait.message), (2, MessageId(2)));
        assert_eq!(wait.x1, mark(MarkKind::Hold, 2, 2).x);
        assert_eq!(wait.x2, release.x);
        // Step 5 needs two slots on C: it is twice as wide as step 4.
        assert_eq!(l.step_x[5] - l.step_x[4], 2 * SLOT);
        assert_eq!(l.step_x[4] - l.step_x[3], SLOT);
    }

    #[test]
    fn layout_of_copies_in_flight_dropped_and_duplicated() {
        let l = run(&[
            Command::write(0, "x", "1"),
            Command::drop(1, 2),
            Command::duplicate(1, 1),
            Command::deliver(1, 1),
        ]);
        check_invariants(&l);
        let ends: Vec<_> = l
            .arrows
            .iter()
            .map(|a| (a.message.0, a.to, a.end))
            .collect();
        assert!(ends.contains(&(1, 2, ArrowEnd::Dropped)), "{ends:?}");
        assert!(ends.contains(&(1, 1, ArrowEnd::Received)), "{ends:?}");
        assert!(
            ends.contains(&(1, 1, ArrowEnd::InFlight)),
            "the duplicate: {ends:?}"
        );
        assert_eq!(l.arrows.len(), 3);
        let drop = l
            .marks
            .iter()
            .find(|m| m.kind == MarkKind::Drop)
            .expect("a drop mark");
        assert_eq!(
            (drop.replica, drop.message, drop.step),
            (2, MessageId(1), 2)
        );
        assert!(drop.y > line_y(0) && drop.y < line_y(2));
        // The duplicate's arrow starts at its own send (step 3), not at the write.
        let dup = l
            .arrows
            .iter()
            .find(|a| a.end == ArrowEnd::InFlight)
            .expect("the duplicate");
        assert!(
            dup.x1 > l.step_x[2] && dup.x1 < l.step_x[3],
            "sent in step 3"
        );

        // Delivering the duplicate too: discarded, drawn where it arrived.
        let l = run(&[
            Command::write(0, "x", "1"),
            Command::duplicate(1, 1),
            Command::deliver(1, 1),
            Command::deliver(1, 1),
        ]);
        check_invariants(&l);
        let discard = l
            .marks
            .iter()
            .find(|m| m.kind == MarkKind::Discard)
            .expect("a discard mark");
        let receipt = l
            .marks
            .iter()
            .find(|m| m.kind == MarkKind::Receive && m.step == 4)
            .expect("the second receipt");
        assert_eq!((discard.x, discard.replica), (receipt.x, 1));
    }

    #[test]
    fn layout_of_a_message_still_held_runs_its_wait_to_the_edge() {
        let l = run(&[
            Command::write(0, "x", "1"),
            Command::deliver(1, 1),
            Command::write(1, "y", "2"),
            Command::deliver(2, 2),
        ]);
        check_invariants(&l);
        assert_eq!(l.waits.len(), 1);
        let edge = l
            .arrows
            .iter()
            .find(|a| a.end == ArrowEnd::InFlight)
            .expect("copies in flight")
            .x2;
        assert_eq!(
            l.waits[0].x2, edge,
            "the wait and the copies in flight end together"
        );
        assert!(l.marks.iter().all(|m| m.x < edge));
    }

    #[test]
    fn layout_of_200_steps_grows_linearly_and_keeps_marks_apart() {
        let mut commands = Vec::new();
        for i in 0..100 {
            let r = i % 3;
            commands.push(Command::write(r, "k", i.to_string()));
            commands.push(Command::DeliverAll);
        }
        let l = run(&commands);
        check_invariants(&l);
        assert_eq!(l.steps, 200);
        assert_eq!(
            l.marks.iter().filter(|m| m.kind == MarkKind::Write).count(),
            100
        );
        assert_eq!(l.arrows.len(), 200);
        // No two marks of different steps share a place on a line.
        for (i, a) in l.marks.iter().enumerate() {
            for b in &l.marks[i + 1..] {
                if a.step != b.step && a.y == b.y {
                    assert_ne!(a.x, b.x, "{a:?} and {b:?}");
                }
            }
        }
        // Width: every step at least one slot, at most two here (deliver-all
        // receives one copy per line).
        let drawn = l.width - LEFT - RIGHT;
        assert!((200 * SLOT..=400 * SLOT).contains(&drawn), "{drawn}");
    }
}
