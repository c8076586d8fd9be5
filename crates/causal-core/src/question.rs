//! A lesson's predictions: a question names what to ask and about which
//! message or replica; the engine works out the choices and the right answer
//! from the state, so a lesson file cannot teach a wrong answer.
//!
//! Every explanation is the explaining layer's ([`crate::explain`]): plain
//! words a beginner can follow first, the numbers after them. Each wrong
//! choice says why it is wrong in a sentence of its own.
//!
//! A question must have one right answer from the state it is asked in: one
//! whose answer depends on the order in which the copies in flight arrive is
//! refused ([`Question::pose`] says so), and the lesson must state the order
//! (deliver some copies first) instead.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::census::Census;
use crate::decision::{decide, names, why_held, Decision, Verdict};
use crate::explain::{self, happening};
use crate::{
    replica_name, Command, Conflicts, Delivery, MessageId, ReplicaId, Simulation, Value,
    VectorClock,
};

/// What a prediction asks. The file gives the kind (`ask`) and its
/// parameters, never the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum Question {
    /// What will `to` do with `message` when it arrives: deliver, hold back
    /// or discard?
    Outcome {
        message: MessageId,
        /// Where it arrives.
        to: ReplicaId,
    },
    /// What will `replica`'s clock be after the step `after`?
    Clock {
        /// Whose clock.
        replica: ReplicaId,
        /// A scenario step, valid at this point of the lesson.
        after: Command,
    },
    /// Which writes must `to` deliver before it can deliver `message` (held
    /// there, or in flight to it)?
    WaitsFor { message: MessageId, to: ReplicaId },
    /// If `message` arrives at `to` now, which writes that happened before it
    /// will `to` still be missing (a violation)?
    Violations {
        message: MessageId,
        /// Where it arrives.
        to: ReplicaId,
    },
    /// What will `key` be at `replica` once every copy in flight has arrived?
    FinalValue { replica: ReplicaId, key: String },
    /// Will every replica hold the same store once every copy in flight has
    /// arrived?
    Agree,
}

/// One answer a learner can pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What the button says.
    pub label: String,
    /// What the learner reads after picking it: why it is right, or why not,
    /// with the numbers.
    pub why: String,
}

/// A question put to the state: the prompt, the choices and which is right.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posed {
    /// The question in words.
    pub prompt: String,
    /// Two to four choices.
    pub choices: Vec<Choice>,
    /// The right one, from 0.
    pub answer: usize,
}

impl Posed {
    /// Whether the question is well posed: two to four choices with
    /// different labels, exactly one right, and every wrong choice with
    /// feedback of its own (no two wrong choices told the same thing).
    pub fn check(&self) -> Result<(), String> {
        let n = self.choices.len();
        if !(2..=4).contains(&n) {
            return Err(format!("the question has {n} choices: it needs 2 to 4"));
        }
        if self.answer >= n {
            return Err("the question has no right answer among its choices".into());
        }
        for (i, a) in self.choices.iter().enumerate() {
            if a.why.trim().is_empty() {
                return Err(format!("choice {:?} has no feedback", a.label));
            }
            for b in &self.choices[i + 1..] {
                if a.label == b.label {
                    return Err(format!(
                        "two choices say {:?}: only one of them can be right",
                        a.label
                    ));
                }
                if a.why == b.why {
                    return Err(format!(
                        "choices {:?} and {:?} get the same feedback: each wrong answer needs its own",
                        a.label, b.label
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Question {
    /// The question put to `simulation`: its choices and right answer, or why
    /// it cannot be asked there (a message not written, a step refused).
    pub fn pose(&self, simulation: &Simulation) -> Result<Posed, String> {
        let replicas = simulation.replicas().len();
        let replica_ok = |r: ReplicaId| {
            if r < replicas {
                Ok(())
            } else {
                Err(format!(
                    "replica {r} does not exist: there are {replicas}, numbered 0 to {}",
                    replicas - 1
                ))
            }
        };
        let message_ok = |m: MessageId| {
            if simulation.messages().get(m).is_some() {
                Ok(())
            } else {
                Err(format!("message {} has not been written yet", m.0))
            }
        };
        match self {
            Question::Outcome { message, to } => {
                replica_ok(*to)?;
                message_ok(*message)?;
                outcome(simulation, *message, *to)
            }
            Question::Clock { replica, after } => {
                replica_ok(*replica)?;
                clock(simulation, *replica, after)
            }
            Question::WaitsFor { message, to } => {
                replica_ok(*to)?;
                message_ok(*message)?;
                waits_for(simulation, *message, *to)
            }
            Question::Violations { message, to } => {
                replica_ok(*to)?;
                message_ok(*message)?;
                violations(simulation, *message, *to)
            }
            Question::FinalValue { replica, key } => {
                replica_ok(*replica)?;
                final_value(simulation, *replica, key)
            }
            Question::Agree => agree(simulation),
        }
    }
}

/// The explaining layer's account of `d`.
fn told(simulation: &Simulation, d: &Decision) -> explain::Explanation {
    explain::receive(d, simulation.messages())
}

fn outcome(simulation: &Simulation, message: MessageId, to: ReplicaId) -> Result<Posed, String> {
    let d = decide(simulation, message, to).map_err(|e| e.to_string())?;
    let e = told(simulation, &d);
    let r = replica_name(to);
    let j = replica_name(d.sender);
    let said = e.text();
    let choices = [Verdict::Deliver, Verdict::Hold, Verdict::Discard]
        .into_iter()
        .map(|verdict| {
            let label = match verdict {
                Verdict::Deliver => "deliver it".to_string(),
                Verdict::Hold => "hold it back".to_string(),
                Verdict::Discard => "discard it as a duplicate".to_string(),
            };
            let why = match (verdict, d.verdict) {
                (Verdict::Hold, Verdict::Hold) => format!("{r} holds {message} back. {said}"),
                (chosen, actual) if chosen == actual => said.clone(),
                (Verdict::Deliver, Verdict::Hold) => format!(
                    "Not yet: {r} has not delivered everything {message} must come after. {said}"
                ),
                (Verdict::Hold, Verdict::Deliver) => match d.rule {
                    Delivery::Causal => format!(
                        "Nothing is missing: {r} has delivered everything {message} depends on, so it need not wait. {said}"
                    ),
                    Delivery::Fifo if !d.violations.is_empty() => format!(
                        "Under fifo, {r} only checks that {message} is the next message from {j}, and it is. Fifo never looks at the other entries of the timestamp, so it does not wait for {}. {said}",
                        names(&d.violations)
                    ),
                    Delivery::Fifo => format!(
                        "Under fifo, {r} only checks that {message} is the next message from {j}, and it is. {said}"
                    ),
                    Delivery::Unordered => format!(
                        "Under unordered delivery, {r} never holds a message back. {said}"
                    ),
                },
                (Verdict::Discard, _) => format!(
                    "{r} has never received {message} before, so this copy is no duplicate."
                ),
                (Verdict::Deliver, _) => format!(
                    "{r} has received {message} before, so this copy is a duplicate: delivering it again would apply the same write twice. {said}"
                ),
                (_, _) => format!(
                    "{r} has received {message} before, so there is nothing to wait for: this copy is a duplicate. {said}"
                ),
            };
            Choice { label, why }
        })
        .collect();
    let answer = match d.verdict {
        Verdict::Deliver => 0,
        Verdict::Hold => 1,
        Verdict::Discard => 2,
    };
    Ok(Posed {
        prompt: format!("What will {r} do with {message} when it arrives?"),
        choices,
        answer,
    })
}

fn clock(simulation: &Simulation, replica: ReplicaId, after: &Command) -> Result<Posed, String> {
    let mut next = simulation.clone();
    next.apply(after.clone())
        .map_err(|e| format!("the step after which to ask cannot be done here: {e}"))?;
    let r = replica_name(replica);
    let before = simulation.replicas()[replica].clock().clone();
    let right = next.replicas()[replica].clock().clone();
    let mut ticked = before.clone();
    ticked.tick(replica);
    let mut right_ticked = right.clone();
    right_ticked.tick(replica);
    let own_write = matches!(after, Command::Write { replica: w, .. } if *w == replica);
    // (a wrong clock, why it is wrong), the most natural mistakes first.
    let mut wrong: Vec<(VectorClock, String)> = vec![(
        before.clone(),
        format!(
            "{before} is {r}'s clock now, and it changes when {}.",
            happening(after)
        ),
    )];
    let explanation = match after {
        Command::Write { .. } if own_write => {
            wrong.push((
                right_ticked.clone(),
                format!("A write ticks {r}'s own entry by one, not two."),
            ));
            format!(
                "A write ticks the writer's own entry by one: {r}'s entry goes from {} to {}, so {before} becomes {right}.",
                before.get(replica),
                right.get(replica)
            )
        }
        Command::Deliver { message, to } if *to == replica => {
            let d = decide(simulation, *message, *to).map_err(|e| e.to_string())?;
            if let Some(sent) = simulation.messages().get(*message) {
                wrong.push((
                    sent.clock.clone(),
                    format!("The clock is not replaced by {message}'s timestamp: the two are merged, entry by entry."),
                ));
                let sum = VectorClock::from_entries(
                    (0..before.len())
                        .map(|k| before.get(k) + sent.clock.get(k))
                        .collect(),
                );
                wrong.push((
                    sum,
                    "Entries are merged by keeping the larger of the two, not by adding them.".into(),
                ));
                let mut merged = before.clone();
                merged.merge(&sent.clock);
                match d.verdict {
                    Verdict::Hold => {
                        wrong.push((
                            merged.clone(),
                            format!("That is what delivering {message} would give, but {r} does not deliver it yet."),
                        ));
                        let mut merged_ticked = merged.clone();
                        merged_ticked.tick(replica);
                        wrong.push((
                            merged_ticked,
                            format!("That delivers {message} and ticks {r}'s own entry as well; but {r} does not deliver {message} yet, and a delivery never ticks the receiver's entry."),
                        ));
                    }
                    Verdict::Deliver if !d.releases.is_empty() => wrong.push((
                        merged.clone(),
                        format!("That counts {message} alone; delivering it also releases {}, which count too.", names(&d.releases)),
                    )),
                    _ => {}
                }
                wrong.push((
                    right_ticked.clone(),
                    format!("Only a write ticks {r}'s own entry; a delivery does not."),
                ));
            }
            let e = told(simulation, &d);
            match d.verdict {
                Verdict::Hold => format!(
                    "{r} holds {message} back, and holding a message back does not change the clock: it stays {right}. {}",
                    e.words
                ),
                Verdict::Discard => format!(
                    "{r} discards the duplicate, so its clock stays {right}."
                ),
                Verdict::Deliver => {
                    let mut text = format!(
                        "Delivering {message} merges its timestamp {} into {r}'s clock {before}, entry by entry, keeping the larger of each.",
                        d.message_clock
                    );
                    if d.releases.is_empty() {
                        text.push_str(&format!(" {r}'s clock becomes {right}."));
                    } else {
                        text.push_str(&format!(
                            " Then {r} releases {} from its hold-back buffer and merges {} too: {right}.",
                            names(&d.releases),
                            if d.releases.len() == 1 { "it" } else { "them" }
                        ));
                    }
                    text
                }
            }
        }
        _ if right == before => format!(
            "When {}, nothing is delivered at {r} and {r} does not write: its clock stays {right}.",
            happening(after)
        ),
        _ => format!(
            "Each delivery at {r} merges the message's timestamp into its clock, entry by entry, keeping the larger: {before} becomes {right}."
        ),
    };
    wrong.push((
        ticked,
        format!("{r}'s own entry goes up only when {r} itself writes."),
    ));
    let mut choices = vec![(right.clone(), String::new())];
    for (clock, hint) in wrong {
        if choices.len() < 4 && !choices.iter().any(|(c, _)| *c == clock) {
            choices.push((clock, hint));
        }
    }
    choices.sort_by(|(a, _), (b, _)| a.entries().cmp(b.entries()));
    let answer = choices.iter().position(|(c, _)| *c == right).unwrap_or(0);
    Ok(Posed {
        prompt: format!("What will {r}'s clock be after {}?", happening(after)),
        choices: choices
            .into_iter()
            .map(|(clock, hint)| Choice {
                label: clock.to_string(),
                why: if clock == right {
                    explanation.clone()
                } else {
                    format!("{hint} {explanation}")
                },
            })
            .collect(),
        answer,
    })
}

/// Messages as a set, for choices.
type Set = BTreeSet<MessageId>;

fn set_label(set: &Set, none: &str) -> String {
    if set.is_empty() {
        none.to_string()
    } else {
        names(&set.iter().copied().collect::<Vec<_>>())
    }
}

/// Why message `extra` is not among what `message` must wait for at `to`.
fn not_needed(
    simulation: &Simulation,
    message: MessageId,
    to: ReplicaId,
    extra: MessageId,
) -> String {
    let r = replica_name(to);
    let (Some(m), Some(x)) = (
        simulation.messages().get(message),
        simulation.messages().get(extra),
    ) else {
        return format!("{extra} is not among them.");
    };
    if simulation.replicas()[to].has_delivered(x) {
        format!("{r} has delivered {extra} already.")
    } else if !x.clock.happened_before(&m.clock) {
        format!(
            "{extra} did not happen before {message}: its timestamp {} is not below {message}'s {}.",
            x.clock, m.clock
        )
    } else {
        format!(
            "Under {} delivery {r} does not wait for {extra}, though it happened before {message}.",
            simulation.config().delivery
        )
    }
}

/// The right set among the wrong candidates (up to four choices, fewest
/// first), each wrong one told in its own words (`wrong`).
fn set_choices(
    right: &Set,
    candidates: Vec<Set>,
    label: impl Fn(&Set) -> String,
    right_why: &str,
    wrong: impl Fn(&Set) -> String,
) -> (Vec<Choice>, usize) {
    let mut sets = vec![right.clone()];
    for set in candidates {
        if sets.len() < 4 && !sets.contains(&set) {
            sets.push(set);
        }
    }
    sets.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let answer = sets.iter().position(|s| s == right).unwrap_or(0);
    let choices = sets
        .iter()
        .map(|set| Choice {
            label: label(set),
            why: if set == right {
                right_why.to_string()
            } else {
                wrong(set)
            },
        })
        .collect();
    (choices, answer)
}

/// Messages that happened before `message`, ascending.
fn causal_past(simulation: &Simulation, message: MessageId) -> Vec<MessageId> {
    let Some(sent) = simulation.messages().get(message) else {
        return Vec::new();
    };
    simulation
        .messages()
        .iter()
        .filter(|m| m.clock.happened_before(&sent.clock))
        .map(|m| m.id)
        .collect()
}

/// Wrong sets worth offering: nothing, each single message of the causal
/// past (or else of every other message), the whole past.
fn candidate_sets(simulation: &Simulation, message: MessageId) -> Vec<Set> {
    let past = causal_past(simulation, message);
    let others: Vec<MessageId> = if past.is_empty() {
        simulation
            .messages()
            .iter()
            .map(|m| m.id)
            .filter(|id| *id != message)
            .collect()
    } else {
        past.clone()
    };
    let mut sets = vec![Set::new(), past.iter().copied().collect()];
    sets.extend(others.into_iter().map(|m| Set::from([m])));
    sets
}

/// What a wrong set lacks and has too many of, in sentences.
fn set_mistakes(
    simulation: &Simulation,
    message: MessageId,
    to: ReplicaId,
    right: &Set,
    set: &Set,
    lacking_why: &str,
) -> String {
    let lacking: Vec<MessageId> = right.difference(set).copied().collect();
    let extra: Vec<MessageId> = set.difference(right).copied().collect();
    let mut said = Vec::new();
    if !lacking.is_empty() {
        said.push(format!(
            "{} {} missing from that answer: {lacking_why}",
            names(&lacking),
            if lacking.len() == 1 { "is" } else { "are" }
        ));
    }
    for x in extra {
        said.push(not_needed(simulation, message, to, x));
    }
    said.join(" ")
}

fn waits_for(simulation: &Simulation, message: MessageId, to: ReplicaId) -> Result<Posed, String> {
    let r = replica_name(to);
    let in_flight = simulation.network().earliest(message, to).is_some();
    let delivered = simulation.replicas()[to].delivered().contains(&message);
    let decision = match why_held(simulation, message, to) {
        None if delivered => return Err(format!("{r} has already delivered {message}")),
        Some(held) => held,
        None if in_flight => {
            let d = decide(simulation, message, to).map_err(|e| e.to_string())?;
            if d.verdict == Verdict::Discard {
                return Err(format!("{r} has already delivered {message}"));
            }
            d
        }
        None => {
            return Err(format!(
                "{message} is neither held at {r} nor in flight to it"
            ))
        }
    };
    let e = told(simulation, &decision);
    let right: Set = decision.waits_for.messages(simulation.messages()).collect();
    let said = e.text();
    let right_why = if right.is_empty() {
        format!("Nothing: {said}")
    } else {
        said.clone()
    };
    let (choices, answer) = set_choices(
        &right,
        candidate_sets(simulation, message),
        |set| set_label(set, "nothing: it can be delivered now"),
        &right_why,
        |set| {
            if set.is_empty() {
                format!("{message} does have to wait. {said}")
            } else if right.is_empty() {
                format!(
                    "{r} need not wait for anything. {} {said}",
                    set_mistakes(simulation, message, to, &right, set, "")
                )
            } else {
                format!(
                    "{} {said}",
                    set_mistakes(
                        simulation,
                        message,
                        to,
                        &right,
                        set,
                        &format!("{r} has not delivered it, and {message} must come after it.")
                    )
                )
            }
        },
    );
    Ok(Posed {
        prompt: format!("Which writes must {r} deliver before it can deliver {message}?"),
        choices,
        answer,
    })
}

fn violations(simulation: &Simulation, message: MessageId, to: ReplicaId) -> Result<Posed, String> {
    let r = replica_name(to);
    let d = decide(simulation, message, to).map_err(|e| e.to_string())?;
    let said = told(simulation, &d).text();
    let right: Set = d.violations.iter().copied().collect();
    let explanation = match d.verdict {
        Verdict::Hold => format!(
            "Under {} delivery {r} holds {message} back, so nothing is delivered out of order. {said}",
            d.rule
        ),
        Verdict::Discard => format!("No violation: nothing is delivered. {said}"),
        Verdict::Deliver if right.is_empty() => format!(
            "No violation: everything that happened before {message} is delivered at {r} already. {said}"
        ),
        Verdict::Deliver => format!(
            "Under {} delivery {r} delivers {message} anyway. {said}",
            d.rule
        ),
    };
    let (choices, answer) = set_choices(
        &right,
        candidate_sets(simulation, message),
        |set| {
            if set.is_empty() {
                "no violation: nothing is missing".into()
            } else {
                format!("a violation: {} is missing", set_label(set, ""))
            }
        },
        &explanation,
        |set| {
            let mistakes = set_mistakes(
                simulation,
                message,
                to,
                &right,
                set,
                &format!("it happened before {message} and {r} has not delivered it."),
            );
            format!("{mistakes} {explanation}")
        },
    );
    Ok(Posed {
        prompt: format!(
            "If {message} arrives at {r} now, which write that happened before it will {r} be missing?"
        ),
        choices,
        answer,
    })
}

/// The state once every copy in flight has arrived (in the order they
/// were sent; [`one_ending`] checks the order does not matter).
fn settled(simulation: &Simulation) -> Simulation {
    let mut end = simulation.clone();
    // Delivering everything is never refused.
    let _ = end.apply(Command::DeliverAll);
    end
}

/// Refuses a question about the end of the run whose answer (`answer_of`
/// an outcome's replicas) depends on the order in which the copies in
/// flight arrive: the lesson must state the order.
fn one_ending<T: PartialEq + std::fmt::Debug>(
    simulation: &Simulation,
    what: &str,
    answer_of: impl Fn(&crate::census::Outcome) -> T,
) -> Result<(), String> {
    let Ok(census) = Census::run(simulation) else {
        // Too many copies to check every order: asked as sent.
        return Ok(());
    };
    let mut seen: Vec<T> = Vec::new();
    for outcome in &census.outcomes {
        let answer = answer_of(outcome);
        if !seen.contains(&answer) {
            seen.push(answer);
        }
    }
    if seen.len() > 1 {
        return Err(format!(
            "{what} depends on the order in which the messages in flight arrive ({} different answers); deliver some of them first, so that one answer is right",
            seen.len()
        ));
    }
    Ok(())
}

/// A key's value as a list of values (one, or siblings); empty for none.
fn values(value: Option<Value>) -> Vec<String> {
    match value {
        None => Vec::new(),
        Some(Value::One(v)) => vec![v],
        Some(Value::Siblings(vs)) => vs,
    }
}

fn value_label(values: &[String]) -> String {
    match values {
        [] => "no value".into(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}, both kept"),
        [rest @ .., last] => format!("{} and {last}, all kept", rest.join(", ")),
    }
}

/// Held messages still waiting at `replica`, said as a sentence, or nothing.
fn still_held(end: &Simulation, replica: ReplicaId) -> String {
    let held: Vec<MessageId> = end.replicas()[replica].hold_back().iter().collect();
    if held.is_empty() {
        String::new()
    } else {
        format!(
            " {} still holds {}: what {} waits for never arrives, so it is never applied.",
            replica_name(replica),
            names(&held),
            if held.len() == 1 { "it" } else { "each" }
        )
    }
}

fn final_value(simulation: &Simulation, replica: ReplicaId, key: &str) -> Result<Posed, String> {
    let written: Vec<&crate::Message> = simulation
        .messages()
        .iter()
        .filter(|m| &*m.key == key)
        .collect();
    if written.is_empty() {
        return Err(format!("nothing has written {key:?} yet"));
    }
    let r = replica_name(replica);
    one_ending(simulation, &format!("the value of {key} at {r}"), |o| {
        o.replicas
            .get(replica)
            .and_then(|f| f.store.get(key).cloned())
    })?;
    let end = settled(simulation);
    let at = &end.replicas()[replica];
    let right = values(at.store().get(key));
    let describe = |id: &MessageId| {
        end.messages()
            .get(*id)
            .map(|m| format!("{id} ({}, {})", m.value, m.clock))
            .unwrap_or_default()
    };
    let delivered: Vec<MessageId> = at
        .delivered()
        .iter()
        .copied()
        .filter(|id| end.messages().get(*id).is_some_and(|m| &*m.key == key))
        .collect();
    let order = delivered
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join(", then ");
    let rule = end.config().conflicts;
    let explanation = match rule {
        Conflicts::Overwrite => format!(
            "{r} delivers the writes to {key} in this order: {order}. Overwrite keeps the last one delivered: {}.",
            value_label(&right)
        ),
        Conflicts::Lww => {
            let ranks = delivered
                .iter()
                .filter_map(|id| end.messages().get(*id))
                .map(|m| {
                    format!(
                        "{} ({}) has clock sum {}, from {}",
                        m.id,
                        m.value,
                        m.clock.sum(),
                        replica_name(m.sender)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "Last writer wins (lww) keeps the write with the greatest clock sum; on a tie, the sender later in A, B, C wins. {ranks}. So {key} = {}, in whatever order they arrive.",
                value_label(&right)
            )
        }
        Conflicts::MultiValue => {
            let kept: Vec<MessageId> = at.store().versions(key).iter().map(|v| v.message).collect();
            let replaced: Vec<String> = delivered
                .iter()
                .filter(|id| !kept.contains(id))
                .filter_map(|id| {
                    let old = end.messages().get(*id)?;
                    let newer = kept
                        .iter()
                        .filter_map(|k| end.messages().get(*k))
                        .find(|k| old.clock.happened_before(&k.clock))?;
                    Some(format!(
                        "{} happened before {} ({} is below {}), so {} replaces it.",
                        old.id, newer.id, old.clock, newer.clock, newer.id
                    ))
                })
                .collect();
            let mut parts = Vec::new();
            if kept.len() > 1 {
                parts.push(format!(
                    "{} are concurrent (neither timestamp is below the other): {}, so multi-value keeps them all.",
                    names(&kept),
                    kept.iter().map(describe).collect::<Vec<_>>().join(" and ")
                ));
            }
            parts.extend(replaced);
            if parts.is_empty() {
                parts.push(format!("{r} delivers only {order}."));
            }
            format!("{} {key} = {}.", parts.join(" "), value_label(&right))
        }
    };
    let explanation = format!("{explanation}{}", still_held(&end, replica));
    let mut options: Vec<Vec<String>> = vec![right.clone()];
    let mut singles: Vec<Vec<String>> = written.iter().map(|m| vec![m.value.to_string()]).collect();
    singles.dedup();
    let mut all: Vec<String> = written.iter().map(|m| m.value.to_string()).collect();
    all.sort();
    all.dedup();
    if rule == Conflicts::MultiValue && all.len() > 1 {
        singles.push(all);
    }
    let sorted = |values: &Vec<String>| {
        let mut values = values.clone();
        values.sort();
        values
    };
    for option in singles {
        if options.len() < 4 && !options.iter().any(|o| sorted(o) == sorted(&option)) {
            options.push(option);
        }
    }
    if options.len() < 2 {
        options.push(Vec::new());
    }
    options.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let answer = options.iter().position(|o| *o == right).unwrap_or(0);
    let wrong = |option: &Vec<String>| -> String {
        let hint = match (option.len(), right.len(), rule) {
            (0, _, _) => format!("{r} does receive a write to {key}."),
            (n, 1, Conflicts::MultiValue) if n > 1 => {
                "Multi-value keeps several values only for writes that are concurrent; here one write happened after the other.".to_string()
            }
            (n, _, _) if n > 1 => format!("{} keeps one value per key, not several.", rule),
            (_, n, Conflicts::MultiValue) if n > 1 => format!(
                "Multi-value does not keep {} alone: the writes are concurrent, so it keeps them all.",
                value_label(option)
            ),
            (_, _, Conflicts::Lww) => format!(
                "Under lww the order of arrival does not decide: {} loses the ranking.",
                value_label(option)
            ),
            _ => format!("{} is not the last write {r} delivers to {key}.", value_label(option)),
        };
        format!("{hint} {explanation}")
    };
    Ok(Posed {
        prompt: format!("When every message in flight has arrived, what will {key} be at {r}?"),
        choices: options
            .iter()
            .map(|option| Choice {
                label: value_label(option),
                why: if *option == right {
                    explanation.clone()
                } else {
                    wrong(option)
                },
            })
            .collect(),
        answer,
    })
}

fn agree(simulation: &Simulation) -> Result<Posed, String> {
    one_ending(simulation, "whether the replicas agree", |o| o.converged)?;
    let end = settled(simulation);
    let converged = end.converged();
    let explanation = if converged {
        let store: Vec<String> = end.replicas()[0]
            .store()
            .iter()
            .map(|(k, v)| format!("{k} = {}", value_label(&values(Some(v)))))
            .collect();
        format!(
            "Every replica ends with {}.",
            if store.is_empty() {
                "an empty store".to_string()
            } else {
                store.join(", ")
            }
        )
    } else {
        let keys = end
            .diverged_keys()
            .iter()
            .map(|key| {
                // Replicas grouped by what they hold for the key, in replica order.
                let mut groups: Vec<(String, Vec<char>)> = Vec::new();
                for replica in end.replicas() {
                    let kept: Vec<MessageId> = replica
                        .store()
                        .versions(key)
                        .iter()
                        .map(|v| v.message)
                        .collect();
                    let value = value_label(&values(replica.store().get(key)));
                    let label = if kept.is_empty() {
                        value
                    } else {
                        format!("{value} ({})", names(&kept))
                    };
                    match groups.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, names)) => names.push(replica_name(replica.id())),
                        None => groups.push((label, vec![replica_name(replica.id())])),
                    }
                }
                let said: Vec<String> = groups
                    .iter()
                    .map(|(label, at)| {
                        let at: Vec<String> = at.iter().map(char::to_string).collect();
                        format!("{label} at {}", at.join(", "))
                    })
                    .collect();
                format!("{key} is {}", said.join(" but "))
            })
            .collect::<Vec<_>>()
            .join("; ");
        format!("In the end {keys}.")
    };
    let right = if converged { 0 } else { 1 };
    let labels = ["yes: they all end the same", "no: they end different"];
    let wrong = if converged {
        format!("Each replica ends up delivering the same writes, and the conflict rule settles them the same way everywhere. {explanation}")
    } else {
        format!("Receiving every message is not enough here: the replicas end with different values. {explanation}")
    };
    Ok(Posed {
        prompt: "When every message in flight has arrived, will every replica hold the same store?"
            .into(),
        choices: labels
            .iter()
            .enumerate()
            .map(|(i, label)| Choice {
                label: label.to_string(),
                why: if i == right {
                    explanation.clone()
                } else {
                    wrong.clone()
                },
            })
            .collect(),
        answer: right,
    })
}
