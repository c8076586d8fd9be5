//! Why a receive did what it did: from the engine's [`Decision`], in words,
//! then numbers, then the rule's tests with their numbers.

use serde::{Deserialize, Serialize};

use crate::decision::{names, Decision, Verdict};
use crate::{replica_name, Delivery, Gap, Message, MessageId, Messages, ReplicaId, VectorClock};

/// One test of the delivery rule, with its numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Test {
    /// The entry it reads.
    pub entry: ReplicaId,
    /// The test in the notation: `m2[A] ≤ C[A]`.
    pub formula: String,
    /// Its numbers, as they compare: `1 > 0`.
    pub numbers: String,
    /// Whether it passes.
    pub holds: bool,
}

impl Test {
    /// `needs m2[A] ≤ C[A]: 1 > 0, fails`.
    pub fn line(&self) -> String {
        format!(
            "needs {}: {}, {}",
            self.formula,
            self.numbers,
            if self.holds { "holds" } else { "fails" }
        )
    }
}

/// A receive explained: plain words first, the numbers after them, the
/// rule's tests on demand; a delivery that releases held messages tells
/// each release in turn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The message received (or released).
    pub message: MessageId,
    /// Where.
    pub replica: ReplicaId,
    /// What the replica did.
    pub verdict: Verdict,
    /// In plain words: "C delivers m1: it has delivered everything m1 depends on."
    pub words: String,
    /// The numbers: "m2 [1,1,0] against C [0,0,0]: entry A fails."
    pub numbers: String,
    /// Every test the rule ran, with its numbers.
    pub tests: Vec<Test>,
    /// Held messages the delivery released, each in turn.
    pub then: Vec<Explanation>,
}

impl Explanation {
    /// The entries whose test fails.
    pub fn failing(&self) -> Vec<ReplicaId> {
        self.tests
            .iter()
            .filter(|t| !t.holds)
            .map(|t| t.entry)
            .collect()
    }

    /// The tests as one line: `needs m2[B] = C[B] + 1: 1 = 0 + 1, holds; ...`.
    pub fn formula(&self) -> String {
        self.tests
            .iter()
            .map(Test::line)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Words and numbers, and each release after them: one paragraph.
    pub fn text(&self) -> String {
        let mut text = self.words.clone();
        if !self.numbers.is_empty() {
            text.push(' ');
            text.push_str(&self.numbers);
        }
        for next in &self.then {
            text.push(' ');
            text.push_str(&next.text());
        }
        text
    }
}

/// Runs longer than this are counted rather than listed.
const LISTED: u64 = 4;

/// What a held message waits for: "A#1 (m1)", "A#1..A#3 (m1, m4, m6)", or
/// for a long run "A#1..A#120 (120 writes)".
pub fn waits_for(gap: &Gap, messages: &Messages) -> String {
    gap.0
        .iter()
        .map(|run| {
            let ids = if run.len() <= LISTED {
                run.messages(messages)
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                format!("{} writes", run.len())
            };
            format!("{run} ({ids})")
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Why a held message waits, in words:
/// "m2 from B waits for A#1 (m1): C has delivered 0 of A's writes."
pub fn held_sentence(
    replica: ReplicaId,
    message: MessageId,
    sender: ReplicaId,
    gap: &Gap,
    messages: &Messages,
) -> String {
    let from = format!("{message} from {}", replica_name(sender));
    if gap.is_empty() {
        return format!("{from} is held.");
    }
    let counts: Vec<String> = gap
        .0
        .iter()
        .map(|run| {
            format!(
                "{} has delivered {} of {}'s writes",
                replica_name(replica),
                run.have,
                replica_name(run.sender)
            )
        })
        .collect();
    format!(
        "{from} waits for {}: {}.",
        waits_for(gap, messages),
        counts.join(", ")
    )
}

/// The test that a message is the next from its sender `j`: its entry
/// `mj` is one more than `have`.
fn next_from(j: ReplicaId, formula: String, mj: u64, have: u64) -> Test {
    Test {
        entry: j,
        formula,
        numbers: format!(
            "{mj} {} {have} + 1",
            if mj == have + 1 { "=" } else { "\u{2260}" }
        ),
        holds: mj == have + 1,
    }
}

/// The rule's tests of `message` at `replica` (clock `clock`, `counts` of
/// each sender's writes delivered), with their numbers.
fn tests(
    rule: Delivery,
    message: &Message,
    replica: ReplicaId,
    clock: &VectorClock,
    counts: &[u64],
) -> Vec<Test> {
    let (m, r, j) = (message.id, replica_name(replica), message.sender);
    let jn = replica_name(j);
    let mj = message.clock.get(j);
    match rule {
        Delivery::Causal => {
            let mut tests = vec![next_from(
                j,
                format!("{m}[{jn}] = {r}[{jn}] + 1"),
                mj,
                clock.get(j),
            )];
            for k in (0..message.clock.len().max(clock.len())).filter(|&k| k != j) {
                let (mk, rk) = (message.clock.get(k), clock.get(k));
                let kn = replica_name(k);
                tests.push(Test {
                    entry: k,
                    formula: format!("{m}[{kn}] \u{2264} {r}[{kn}]"),
                    numbers: if mk <= rk {
                        format!("{mk} \u{2264} {rk}")
                    } else {
                        format!("{mk} > {rk}")
                    },
                    holds: mk <= rk,
                });
            }
            tests
        }
        Delivery::Fifo => {
            vec![next_from(
                j,
                format!("{m}[{jn}] = delivered({r}, {jn}) + 1"),
                mj,
                counts.get(j).copied().unwrap_or(0),
            )]
        }
        Delivery::Unordered => Vec::new(),
    }
}

/// "entry A", "entries A and C".
fn entries(failing: &[ReplicaId]) -> String {
    let letters: Vec<String> = failing
        .iter()
        .map(|k| replica_name(*k).to_string())
        .collect();
    match letters.split_last() {
        None => String::new(),
        Some((last, [])) => format!("entry {last}"),
        Some((last, rest)) => format!("entries {} and {last}", rest.join(", ")),
    }
}

/// Why a delivery under `rule` was allowed, in words.
fn allowed(rule: Delivery, r: char, message: &Message) -> String {
    let m = message.id;
    match rule {
        Delivery::Causal => {
            format!("{r} delivers {m}: it has delivered everything {m} depends on.")
        }
        Delivery::Fifo => format!(
            "{r} delivers {m}: it is the next message from {}, and fifo checks nothing else.",
            replica_name(message.sender)
        ),
        Delivery::Unordered => {
            format!("{r} delivers {m} at once: unordered delivery checks nothing.")
        }
    }
}

/// The numbers of a delivery: "m1 [1,0,0] against C [0,0,0]: every entry
/// passes; C's clock becomes [1,0,0]."
fn delivered_numbers(
    rule: Delivery,
    r: char,
    message: &Message,
    before: &VectorClock,
    after: &VectorClock,
) -> String {
    let becomes = format!("{r}'s clock becomes {after}, the larger of each entry.");
    match rule {
        Delivery::Causal => format!(
            "{} {} against {r} {before}: every entry passes; {becomes}",
            message.id, message.clock
        ),
        Delivery::Fifo => format!(
            "{} {} against {r} {before}: entry {} passes; {becomes}",
            message.id,
            message.clock,
            replica_name(message.sender)
        ),
        Delivery::Unordered => format!(
            "{} {} and {r} {before}: {becomes}",
            message.id, message.clock
        ),
    }
}

/// Why the receive `decision` did what it did; `messages` are the run's
/// (for the numbers of what it waits for and what it releases).
pub fn receive(decision: &Decision, messages: &Messages) -> Explanation {
    let r = replica_name(decision.replica);
    let m = decision.message;
    let sent = Message {
        id: m,
        sender: decision.sender,
        key: "".into(),
        value: "".into(),
        clock: decision.message_clock.clone(),
    };
    let sent = messages.get(m).unwrap_or(&sent);
    let all_tests = || {
        tests(
            decision.rule,
            sent,
            decision.replica,
            &decision.replica_clock,
            &decision.counts,
        )
    };
    match decision.verdict {
        Verdict::Discard => {
            Explanation {
                message: m,
                replica: decision.replica,
                verdict: Verdict::Discard,
                words: if decision.duplicate_of_delivered {
                    format!("{r} discards {m}: it has delivered {m} already, so this copy is a duplicate.")
                } else {
                    format!("{r} discards {m}: it holds {m} already, so this copy is a duplicate.")
                },
                numbers: format!("{r}'s clock stays {}.", decision.replica_clock),
                tests: Vec::new(),
                then: Vec::new(),
            }
        }
        Verdict::Hold => {
            let tests = all_tests();
            let failing: Vec<ReplicaId> =
                tests.iter().filter(|t| !t.holds).map(|t| t.entry).collect();
            let fails = if failing.len() == 1 { "fails" } else { "fail" };
            Explanation {
                message: m,
                replica: decision.replica,
                verdict: Verdict::Hold,
                words: held_sentence(
                    decision.replica,
                    m,
                    decision.sender,
                    &decision.waits_for,
                    messages,
                ),
                numbers: format!(
                    "{m} {} against {r} {}: {} {fails}.",
                    decision.message_clock,
                    decision.replica_clock,
                    entries(&failing)
                ),
                tests,
                then: Vec::new(),
            }
        }
        Verdict::Deliver => {
            let mut clock = decision.replica_clock.clone();
            clock.merge(&decision.message_clock);
            let mut counts = decision.counts.clone();
            if let Some(n) = counts.get_mut(decision.sender) {
                *n += 1;
            }
            let mut words = allowed(decision.rule, r, sent);
            if !decision.violations.is_empty() {
                let missing = names(&decision.violations);
                let (verb, it) = if decision.violations.len() == 1 {
                    ("has", "it")
                } else {
                    ("have", "them")
                };
                words.push_str(&format!(
                    " But {missing} happened before {m} and {r} {verb} not delivered {it}: a causal violation."
                ));
            }
            let numbers =
                delivered_numbers(decision.rule, r, sent, &decision.replica_clock, &clock);
            let mut then = Vec::new();
            for id in &decision.releases {
                let Some(next) = messages.get(*id) else {
                    continue;
                };
                let before = clock.clone();
                let tests = tests(decision.rule, next, decision.replica, &before, &counts);
                clock.merge(&next.clock);
                if let Some(n) = counts.get_mut(next.sender) {
                    *n += 1;
                }
                then.push(Explanation {
                    message: *id,
                    replica: decision.replica,
                    verdict: Verdict::Deliver,
                    words: format!(
                        "Then {r} releases {id} from its hold-back buffer: nothing it waits for is missing now."
                    ),
                    numbers: delivered_numbers(decision.rule, r, next, &before, &clock),
                    tests,
                    then: Vec::new(),
                });
            }
            Explanation {
                message: m,
                replica: decision.replica,
                verdict: Verdict::Deliver,
                words,
                numbers,
                tests: all_tests(),
                then,
            }
        }
    }
}
