//! The rule at work: each delivery rule as a few lines of pseudocode, and
//! which line decided a receive, with the numbers it read (the message's
//! timestamp, the replica's clock and counts). The words for a decision are
//! the explaining layer's ([`crate::explain`]); this module only says what
//! the rule decided and from what.
//!
//! The numbers are read off the same tests the replicas run
//! ([`Replica::deliverable`], [`Replica::gap`]): the page's panel and a
//! lesson's explanations say why, they never decide.

use serde::{Deserialize, Serialize};

use crate::Classified;
use crate::{
    Delivery, Error, Event, Gap, Message, MessageId, Replica, ReplicaId, Simulation, VectorClock,
};

/// What a receive did with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Delivered at once.
    Deliver,
    /// Held back.
    Hold,
    /// Discarded as a duplicate.
    Discard,
}

impl Verdict {
    /// "deliver", "hold back", "discard".
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Deliver => "deliver",
            Verdict::Hold => "hold back",
            Verdict::Discard => "discard",
        }
    }
}

const CAUSAL: [&str; 5] = [
    "receive m from j at r:",
    "  if r has delivered m or holds it: discard m",
    "  if m[j] \u{2260} r[j] + 1: hold m back",
    "  if m[k] > r[k] for some other k: hold m back",
    "  else deliver m: r[k] = max(r[k], m[k]) for every k; release what became deliverable",
];

const FIFO: [&str; 4] = [
    "receive m from j at r:",
    "  if r has delivered m or holds it: discard m",
    "  if m[j] \u{2260} delivered(r, j) + 1: hold m back",
    "  else deliver m: r[k] = max(r[k], m[k]) for every k; release what became deliverable",
];

const UNORDERED: [&str; 3] = [
    "receive m from j at r:",
    "  if r has delivered m or holds it: discard m",
    "  else deliver m at once: r[k] = max(r[k], m[k]) for every k",
];

/// The rule as pseudocode, one line per test, in the order a replica runs them.
pub fn rule_lines(rule: Delivery) -> &'static [&'static str] {
    match rule {
        Delivery::Causal => &CAUSAL,
        Delivery::Fifo => &FIFO,
        Delivery::Unordered => &UNORDERED,
    }
}

/// Why `replica` did what it did with `message` from `sender`, under `rule`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Decision {
    pub rule: Delivery,
    pub replica: ReplicaId,
    pub message: MessageId,
    pub sender: ReplicaId,
    /// Its timestamp.
    pub message_clock: VectorClock,
    /// The replica's clock when it arrived.
    pub replica_clock: VectorClock,
    /// What the replica did.
    pub verdict: Verdict,
    /// How many writes of each sender the replica had delivered when it
    /// arrived (what `fifo` reads).
    pub counts: Vec<u64>,
    /// The line of [`rule_lines`] that decided.
    pub line: usize,
    /// A discarded copy's message was delivered already (else it was held).
    pub duplicate_of_delivered: bool,
    /// What a held message waits for (empty otherwise).
    pub waits_for: Gap,
    /// Messages that happened before it and are missing when it is delivered:
    /// each a violation (never under `causal`).
    pub violations: Vec<MessageId>,
    /// Held messages its delivery releases, in order.
    pub releases: Vec<MessageId>,
    /// The replica's clock after the receive.
    pub clock_after: VectorClock,
}

/// What `to` would do with `message` if it received it now (whether or not a
/// copy is in flight): the rule's decision, with its numbers.
pub fn decide(
    simulation: &Simulation,
    message: MessageId,
    to: ReplicaId,
) -> Result<Decision, Error> {
    judge(simulation, message, to, false)
}

/// Why `message`, held at `to`, is still held: the rule's failing test with
/// its numbers. `None` when it is not held there.
pub fn why_held(simulation: &Simulation, message: MessageId, to: ReplicaId) -> Option<Decision> {
    let held = simulation
        .replicas()
        .get(to)?
        .hold_back()
        .iter()
        .any(|id| id == message);
    held.then(|| judge(simulation, message, to, true).ok())
        .flatten()
}

/// What a replica had seen when a message arrived: what the rules' tests
/// read (its clock, and how many writes of each sender it had delivered).
struct Seen {
    id: ReplicaId,
    clock: VectorClock,
    delivered_from: Vec<u64>,
}

impl Seen {
    fn of(replica: &Replica, replicas: usize) -> Seen {
        Seen {
            id: replica.id(),
            clock: replica.clock().clone(),
            delivered_from: (0..replicas).map(|j| replica.delivered_from(j)).collect(),
        }
    }
}

/// A decision not yet made: the message and what the replica had seen.
fn blank(rule: Delivery, seen: &Seen, sent: &Message) -> Decision {
    Decision {
        rule,
        replica: seen.id,
        message: sent.id,
        sender: sent.sender,
        message_clock: sent.clock.clone(),
        replica_clock: seen.clock.clone(),
        counts: seen.delivered_from.clone(),
        verdict: Verdict::Discard,
        line: 1,
        duplicate_of_delivered: false,
        waits_for: Gap::default(),
        violations: Vec::new(),
        releases: Vec::new(),
        clock_after: seen.clock.clone(),
    }
}

fn discarded(decision: &mut Decision, delivered: bool) {
    decision.verdict = Verdict::Discard;
    decision.line = 1;
    decision.duplicate_of_delivered = delivered;
}

fn held(decision: &mut Decision, seen: &Seen, sent: &Message, waits_for: Gap) {
    decision.verdict = Verdict::Hold;
    decision.line = failing_line(decision.rule, seen, sent);
    decision.waits_for = waits_for;
}

/// Fills in a delivery; `violations`, `releases` and `clock_after` are set.
fn delivered(decision: &mut Decision) {
    decision.verdict = Verdict::Deliver;
    decision.line = rule_lines(decision.rule).len() - 1;
}

/// The rule's decision; `held` skips the duplicate test (a held message is
/// known, and the question is why it stays).
fn judge(
    simulation: &Simulation,
    message: MessageId,
    to: ReplicaId,
    already_held: bool,
) -> Result<Decision, Error> {
    let replicas = simulation.replicas().len();
    let replica = simulation.replicas().get(to).ok_or(Error::NoSuchReplica {
        replica: to,
        replicas,
    })?;
    let sent = simulation
        .messages()
        .get(message)
        .ok_or(Error::NoSuchMessage(message))?;
    let rule = simulation.config().delivery;
    let seen = Seen::of(replica, replicas);
    let mut decision = blank(rule, &seen, sent);
    let classified = if already_held {
        replica.test(rule, sent)
    } else {
        replica.classify(rule, sent)
    };
    if classified == Classified::Discard {
        discarded(&mut decision, replica.has_delivered(sent));
    } else if classified == Classified::Deliver {
        decision.violations = replica.undelivered_predecessors(sent, simulation.messages());
        decision.releases = replica.releases_after(rule, sent, simulation.messages());
        let mut after = replica.clock().clone();
        after.merge(&sent.clock);
        for id in &decision.releases {
            if let Some(next) = simulation.messages().get(*id) {
                after.merge(&next.clock);
            }
        }
        decision.clock_after = after;
        delivered(&mut decision);
    } else if let Classified::Hold(gap) = classified {
        held(&mut decision, &seen, sent, gap);
    }
    Ok(decision)
}

/// The decision behind the last receive of a run, read off its `trace`
/// (the events of `simulation`'s history, as
/// [`Simulation::replay_traced`] gives them, in order): what the receiving
/// replica had seen is its state now less the deliveries after the receive,
/// so nothing is replayed, and the trace is read from its end only as far
/// back as the receiving replica's delivery before it.
pub fn last_receive<'a, I>(simulation: &Simulation, trace: I) -> Option<Decision>
where
    I: IntoIterator<Item = &'a (usize, Event)>,
    I::IntoIter: DoubleEndedIterator,
{
    let mut back = trace.into_iter().rev().map(|(_, event)| event);
    let mut after = Vec::new();
    let (message, to) = loop {
        match back.next()? {
            Event::Received { message, to, .. } => break (*message, *to),
            event => after.push(event),
        }
    };
    after.reverse();
    let sent = simulation.messages().get(message)?;
    let replica = simulation.replicas().get(to)?;
    let replicas = simulation.config().replicas;
    let mut seen = Seen::of(replica, replicas);
    // Every change of a replica's clock is a delivery there.
    let mut delivered_after = false;
    let mut changed = false;
    for event in &after {
        if let Event::Delivered {
            replica,
            message: id,
            from,
            ..
        } = event
        {
            if *replica == to {
                changed = true;
                delivered_after |= *id == message;
                if let Some(count) = seen.delivered_from.get_mut(*from) {
                    *count = count.saturating_sub(1);
                }
            }
        }
    }
    if changed {
        seen.clock = if seen.delivered_from.iter().all(|&n| n == 0) {
            VectorClock::new(replicas)
        } else {
            back.find_map(|event| match event {
                Event::Delivered { replica, clock, .. } if *replica == to => Some(clock.clone()),
                _ => None,
            })
            .unwrap_or_else(|| VectorClock::new(replicas))
        };
    }
    let had_delivered = replica.has_delivered(sent) && !delivered_after;
    let mut decision = blank(simulation.config().delivery, &seen, sent);
    let mut after = after.into_iter();
    match after.next()? {
        Event::Discarded { .. } => discarded(&mut decision, had_delivered),
        Event::Held { waits_for, .. } => held(&mut decision, &seen, sent, waits_for.clone()),
        Event::Delivered { clock, .. } => {
            decision.clock_after = clock.clone();
            for event in after {
                match event {
                    Event::Violation(v) if v.replica == to && v.message == message => {
                        decision.violations.push(v.missing)
                    }
                    Event::Violation(_) => {}
                    Event::Delivered {
                        replica,
                        message: id,
                        clock,
                        released: true,
                        ..
                    } if *replica == to => {
                        decision.releases.push(*id);
                        decision.clock_after = clock.clone();
                    }
                    _ => break,
                }
            }
            delivered(&mut decision);
        }
        _ => return None,
    }
    Some(decision)
}

/// "m1", "m1 and m2", "m1, m2 and m4".
pub(crate) fn names(messages: &[MessageId]) -> String {
    let words: Vec<String> = messages.iter().map(MessageId::to_string).collect();
    match words.split_last() {
        None => "nothing".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The line of `rule` whose test `message` fails at `replica`.
fn failing_line(rule: Delivery, seen: &Seen, message: &Message) -> usize {
    let j = message.sender;
    match rule {
        Delivery::Causal if message.clock.get(j) == seen.clock.get(j) + 1 => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, Config, Conflicts, Trace};

    fn run(delivery: Delivery, steps: &[Command]) -> Simulation {
        let config = Config {
            delivery,
            conflicts: Conflicts::Overwrite,
            replicas: 3,
        };
        let mut sim = Simulation::new(config).unwrap();
        for step in steps {
            sim.apply(step.clone()).unwrap();
        }
        sim
    }

    fn write(replica: ReplicaId) -> Command {
        Command::write(replica, "x", replica.to_string())
    }

    fn deliver(message: u32, to: ReplicaId) -> Command {
        Command::deliver(message, to)
    }

    /// A writes m1, B delivers it and writes m2: the classic.
    fn classic(delivery: Delivery) -> Simulation {
        run(delivery, &[write(0), deliver(1, 1), write(1)])
    }

    #[test]
    fn causal_holds_a_reply_that_overtook_its_cause() {
        let d = decide(&classic(Delivery::Causal), MessageId(2), 2).unwrap();
        assert_eq!(d.verdict, Verdict::Hold);
        assert_eq!(d.line, 3);
        let sim = classic(Delivery::Causal);
        let e = crate::explain::receive(&d, sim.messages());
        assert_eq!(
            e.text(),
            "m2 from B waits for A#1 (m1): C has delivered 0 of A's writes. \
             m2 [1,1,0] against C [0,0,0]: entry A fails."
        );
        assert_eq!(
            e.formula(),
            "needs m2[B] = C[B] + 1: 1 = 0 + 1, holds; needs m2[A] \u{2264} C[A]: 1 > 0, fails; \
             needs m2[C] \u{2264} C[C]: 0 \u{2264} 0, holds"
        );
        assert_eq!(e.failing(), [0]);
        assert_eq!(d.waits_for.to_string(), "A#1");
        assert_eq!(d.clock_after.to_string(), "[0,0,0]");
        assert_eq!(
            rule_lines(Delivery::Causal)[d.line].trim_start(),
            "if m[k] > r[k] for some other k: hold m back"
        );
    }

    #[test]
    fn causal_holds_a_second_write_before_the_first() {
        let sim = run(Delivery::Causal, &[write(0), write(0)]);
        let d = decide(&sim, MessageId(2), 1).unwrap();
        assert_eq!((d.verdict, d.line), (Verdict::Hold, 2));
        let e = crate::explain::receive(&d, sim.messages());
        assert_eq!(
            e.formula(),
            "needs m2[A] = B[A] + 1: 2 \u{2260} 0 + 1, fails; needs m2[B] \u{2264} B[B]: 0 \u{2264} 0, holds; \
             needs m2[C] \u{2264} B[C]: 0 \u{2264} 0, holds"
        );
    }

    #[test]
    fn causal_delivers_and_releases_with_every_test_shown() {
        let sim = run(
            Delivery::Causal,
            &[write(0), deliver(1, 1), write(1), deliver(2, 2)],
        );
        let d = decide(&sim, MessageId(1), 2).unwrap();
        assert_eq!((d.verdict, d.line), (Verdict::Deliver, 4));
        assert_eq!(d.releases, [MessageId(2)]);
        assert_eq!(d.clock_after.to_string(), "[1,1,0]");
        // Each release in turn, each against the clock it met.
        let e = crate::explain::receive(&d, sim.messages());
        assert_eq!(
            e.text(),
            "C delivers m1: it has delivered everything m1 depends on. \
             m1 [1,0,0] against C [0,0,0]: every entry passes; C's clock becomes [1,0,0], the larger of each entry. \
             Then C releases m2 from its hold-back buffer: nothing it waits for is missing now. \
             m2 [1,1,0] against C [1,0,0]: every entry passes; C's clock becomes [1,1,0], the larger of each entry."
        );
        assert_eq!(
            e.then[0].formula(),
            "needs m2[B] = C[B] + 1: 1 = 0 + 1, holds; needs m2[A] \u{2264} C[A]: 1 \u{2264} 1, holds; \
             needs m2[C] \u{2264} C[C]: 0 \u{2264} 0, holds"
        );
    }

    #[test]
    fn fifo_delivers_the_reply_and_names_the_violation() {
        let d = decide(&classic(Delivery::Fifo), MessageId(2), 2).unwrap();
        assert_eq!((d.verdict, d.line), (Verdict::Deliver, 3));
        assert_eq!(d.violations, [MessageId(1)]);
        let sim = classic(Delivery::Fifo);
        let e = crate::explain::receive(&d, sim.messages());
        assert_eq!(
            e.words,
            "C delivers m2: it is the next message from B, and fifo checks nothing else. \
             But m1 happened before m2 and C has not delivered it: a causal violation."
        );
        assert_eq!(
            e.formula(),
            "needs m2[B] = delivered(C, B) + 1: 1 = 0 + 1, holds"
        );
        let sim = run(Delivery::Fifo, &[write(0), write(0)]);
        let d = decide(&sim, MessageId(2), 2).unwrap();
        assert_eq!((d.verdict, d.line), (Verdict::Hold, 2));
        assert_eq!(
            crate::explain::receive(&d, sim.messages()).formula(),
            "needs m2[A] = delivered(C, A) + 1: 2 \u{2260} 0 + 1, fails"
        );
    }

    #[test]
    fn unordered_delivers_at_once_and_duplicates_are_discarded() {
        let d = decide(&classic(Delivery::Unordered), MessageId(2), 2).unwrap();
        assert_eq!((d.verdict, d.line), (Verdict::Deliver, 2));
        let sim = classic(Delivery::Unordered);
        assert!(crate::explain::receive(&d, sim.messages())
            .text()
            .starts_with("C delivers m2 at once: unordered delivery checks nothing."));
        let sim = classic(Delivery::Causal);
        let d = decide(&sim, MessageId(1), 1).unwrap();
        assert_eq!((d.verdict, d.line), (Verdict::Discard, 1));
        assert_eq!(
            crate::explain::receive(&d, sim.messages()).words,
            "B discards m1: it has delivered m1 already, so this copy is a duplicate."
        );
        assert!(decide(&classic(Delivery::Causal), MessageId(9), 1).is_err());
        assert!(decide(&classic(Delivery::Causal), MessageId(1), 5).is_err());
    }

    /// The last receive as the trace tells it, and as `decide` would have
    /// told it on the state just before: the same decision.
    fn last(steps: &[Command]) -> Option<Decision> {
        last_under(Delivery::Causal, steps)
    }

    fn last_under(delivery: Delivery, steps: &[Command]) -> Option<Decision> {
        let config = Config {
            delivery,
            conflicts: Conflicts::Overwrite,
            replicas: 3,
        };
        let (sim, trace) = Simulation::replay_traced(config, steps).unwrap();
        last_receive(&sim, &trace)
    }

    #[test]
    fn the_last_receive_is_read_off_the_trace_in_every_kind_of_delivery() {
        let steps = [write(0), deliver(1, 1), write(1), deliver(2, 2), write(2)];
        let d = last(&steps).unwrap();
        assert_eq!(
            (d.message, d.replica, d.verdict),
            (MessageId(2), 2, Verdict::Hold)
        );
        let before = run(Delivery::Causal, &steps[..3]);
        assert_eq!(d, decide(&before, MessageId(2), 2).unwrap());
        // Deliver-all: the last copy sent is m3 to B.
        let mut all = steps.to_vec();
        all.push(Command::DeliverAll);
        let d = last(&all).unwrap();
        assert_eq!(
            (d.message, d.replica, d.verdict),
            (MessageId(3), 1, Verdict::Deliver)
        );
        // The first of A's lane is m2.
        let mut next = steps.to_vec();
        next.push(Command::DeliverNext { to: 0 });
        assert_eq!(last(&next).unwrap().message, MessageId(2));
        // m1 at C releases m2: the same as decided beforehand.
        let mut release = steps.to_vec();
        release.push(deliver(1, 2));
        let d = last(&release).unwrap();
        assert_eq!(d.releases, [MessageId(2)]);
        assert_eq!(
            d,
            decide(&run(Delivery::Causal, &steps), MessageId(1), 2).unwrap()
        );
        // A duplicate, discarded.
        let mut twice = steps[..2].to_vec();
        twice.push(Command::Duplicate {
            message: MessageId(1),
            to: 1,
        });
        twice.push(deliver(1, 1));
        let d = last(&twice).unwrap();
        assert_eq!(
            (d.verdict, d.duplicate_of_delivered),
            (Verdict::Discard, true)
        );
        assert!(last(&[write(0)]).is_none());
        // Under fifo, the early reply and its violation.
        let early = [write(0), deliver(1, 1), write(1), deliver(2, 2)];
        let d = last_under(Delivery::Fifo, &early).unwrap();
        assert_eq!(d.violations, [MessageId(1)]);
        assert_eq!(
            d,
            decide(&classic(Delivery::Fifo), MessageId(2), 2).unwrap()
        );
    }

    /// The last receive read forwards from the start of the trace (as it
    /// was before it was read from the end): what the replica had seen is
    /// rebuilt from every delivery before the receive.
    fn last_receive_forwards(simulation: &Simulation, trace: &Trace) -> Option<Decision> {
        let at = trace
            .iter()
            .rposition(|(_, event)| matches!(event, Event::Received { .. }))?;
        let (_, Event::Received { message, to, .. }) = &trace[at] else {
            return None;
        };
        let (message, to) = (*message, *to);
        let replicas = simulation.config().replicas;
        let mut seen = Seen {
            id: to,
            clock: VectorClock::new(replicas),
            delivered_from: vec![0; replicas],
        };
        let mut had_delivered = false;
        for (_, event) in &trace[..at] {
            if let Event::Delivered {
                replica,
                message: id,
                from,
                clock,
                ..
            } = event
            {
                if *replica == to {
                    seen.clock.clone_from(clock);
                    seen.delivered_from[*from] += 1;
                    had_delivered |= *id == message;
                }
            }
        }
        // The rest is read as the real one reads it: only `seen` differs.
        let mut real = last_receive(simulation, trace)?;
        let sent = simulation.messages().get(message)?;
        let mut blank = blank(simulation.config().delivery, &seen, sent);
        blank.clock_after = real.clock_after.clone();
        blank.violations = std::mem::take(&mut real.violations);
        blank.releases = std::mem::take(&mut real.releases);
        blank.waits_for = real.waits_for.clone();
        match real.verdict {
            Verdict::Discard => discarded(&mut blank, had_delivered),
            Verdict::Hold => held(&mut blank, &seen, sent, real.waits_for),
            Verdict::Deliver => delivered(&mut blank),
        }
        Some(blank)
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::*;

        fn step() -> impl Strategy<Value = Command> {
            let to = 0..3usize;
            let message = 1..12u32;
            prop_oneof![
                3 => to.clone().prop_map(write),
                4 => (message.clone(), to.clone()).prop_map(|(m, r)| deliver(m, r)),
                1 => (message, to.clone()).prop_map(|(m, to)| Command::Duplicate { message: MessageId(m), to }),
                1 => to.prop_map(|to| Command::DeliverNext { to }),
                1 => Just(Command::DeliverAll),
            ]
        }

        proptest! {
            /// Read from the end, the last receive is what reading every
            /// delivery before it from the start tells.
            #[test]
            fn reading_from_the_end_agrees_with_reading_from_the_start(
                steps in prop::collection::vec(step(), 1..40),
                rule in prop_oneof![Just(Delivery::Causal), Just(Delivery::Fifo), Just(Delivery::Unordered)],
            ) {
                let config = Config { delivery: rule, conflicts: Conflicts::Overwrite, replicas: 3 };
                let mut sim = Simulation::new(config).unwrap();
                let mut trace = Trace::new();
                for step in steps {
                    // Refused steps (a message not in flight) are left out.
                    let _ = sim.apply_traced([step], &mut trace);
                }
                prop_assert_eq!(last_receive(&sim, &trace), last_receive_forwards(&sim, &trace));
            }
        }
    }
}
