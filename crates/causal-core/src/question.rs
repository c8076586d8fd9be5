//! A lesson's predictions: a question names what to ask and about which
//! message or replica; the engine works out the choices and the right answer
//! from the state, so a lesson file cannot teach a wrong answer.
//!
//! Every explanation carries the rule's numbers (`m2.clock[A] = 1 <= C.clock[A]
//! + 0 = 0? no: hold back`), taken from [`decision`](crate::decision).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::decision::{decide, names, why_held, Verdict};
use crate::{
    replica_name, Command, Conflicts, MessageId, ReplicaId, Simulation, Value, VectorClock,
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

/// How a step is named in a question: "m2 arrives at C", "A writes x = 1".
fn happening(command: &Command) -> String {
    match command {
        Command::Write {
            replica,
            key,
            value,
        } => format!("{} writes {key} = {value}", replica_name(*replica)),
        Command::Deliver { message, to } => {
            format!("{message} arrives at {}", replica_name(*to))
        }
        Command::Drop { message, to } => {
            format!("{message}'s copy to {} is lost", replica_name(*to))
        }
        Command::Duplicate { message, to } => {
            format!("{message} is sent to {} again", replica_name(*to))
        }
        Command::DeliverAll => "every copy in flight arrives".into(),
        Command::DeliverNext { to } => {
            format!("the first copy in {}'s lane arrives", replica_name(*to))
        }
        Command::Reorder { to, .. } => format!("{}'s lane is reordered", replica_name(*to)),
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
            Question::Agree => Ok(agree(simulation)),
        }
    }
}

fn outcome(simulation: &Simulation, message: MessageId, to: ReplicaId) -> Result<Posed, String> {
    let d = decide(simulation, message, to).map_err(|e| e.to_string())?;
    let r = replica_name(to);
    let because = d.because.clone();
    let choices = [Verdict::Deliver, Verdict::Hold, Verdict::Discard]
        .into_iter()
        .map(|verdict| {
            let label = match verdict {
                Verdict::Deliver => "deliver it".to_string(),
                Verdict::Hold => "hold it back".to_string(),
                Verdict::Discard => "discard it as a duplicate".to_string(),
            };
            let why = match (verdict == d.verdict, verdict, d.verdict) {
                (true, _, _) => format!("Right: {because}."),
                (false, Verdict::Deliver, Verdict::Hold) => {
                    format!("{r} cannot deliver {message} yet: {because}.")
                }
                (false, Verdict::Hold, Verdict::Deliver) => {
                    format!("Nothing {message} needs is missing at {r}: {because}.")
                }
                (false, Verdict::Discard, _) => format!(
                    "{r} has neither delivered nor held {message}, so it is no duplicate: {because}."
                ),
                (false, _, _) => format!("{r} has seen {message} before: {because}."),
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
    let mut merged_ticked = right.clone();
    merged_ticked.tick(replica);
    // (a wrong clock, what it gets wrong)
    let mut wrong: Vec<(VectorClock, String)> = vec![
        (before.clone(), format!("{before} is {r}'s clock before; ")),
        (
            merged_ticked,
            if matches!(after, Command::Write { replica: w, .. } if *w == replica) {
                format!("a write ticks {r}'s own entry by one; ")
            } else {
                format!("only a write ticks {r}'s own entry, a delivery does not; ")
            },
        ),
        (
            ticked,
            format!("{r}'s own entry goes up only when {r} writes; "),
        ),
    ];
    let explanation = match after {
        Command::Write { replica: w, .. } if *w == replica => format!(
            "a write ticks the writer's own entry: {r}.clock[{r}] goes from {} to {}, so {before} becomes {right}",
            before.get(replica),
            right.get(replica)
        ),
        Command::Deliver { message, to } if *to == replica => {
            let d = decide(simulation, *message, *to).map_err(|e| e.to_string())?;
            if let Some(sent) = simulation.messages().get(*message) {
                let sum = VectorClock::from_entries(
                    (0..before.len())
                        .map(|k| before.get(k) + sent.clock.get(k))
                        .collect(),
                );
                wrong.push((
                    sent.clock.clone(),
                    format!("the clock is merged with {message}'s timestamp, not replaced by it; "),
                ));
                wrong.push((sum, "entries are merged by taking the larger, not added; ".into()));
                let mut merged = before.clone();
                merged.merge(&sent.clock);
                let mut merged_ticked = merged.clone();
                merged_ticked.tick(replica);
                wrong.push((
                    merged_ticked,
                    format!("a delivery does not tick {r}'s own entry; "),
                ));
                wrong.push((
                    merged,
                    format!("that is what delivering {message} would give; "),
                ));
            }
            match d.verdict {
                Verdict::Hold => format!(
                    "{r} holds {message} back ({}), and holding a message back does not change the clock: it stays {right}",
                    d.because
                ),
                Verdict::Discard => format!("{}: the clock stays {right}", d.because),
                Verdict::Deliver if d.releases.is_empty() => d.because,
                Verdict::Deliver => format!(
                    "{}; then {r} releases {} from its hold-back buffer and merges {} too: {right}",
                    d.because,
                    names(&d.releases),
                    if d.releases.len() == 1 { "it" } else { "them" }
                ),
            }
        }
        _ if right == before => format!(
            "{} does not deliver anything at {r} nor make it write: its clock stays {right}",
            happening(after)
        ),
        _ => format!(
            "each delivery at {r} merges the message's timestamp into its clock, entry by entry (the larger wins): {before} becomes {right}"
        ),
    };
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
                    format!("Right: {explanation}.")
                } else {
                    format!("Not {clock}: {hint}{explanation}.")
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

/// The right set of messages among some wrong ones, up to four choices in
/// a fixed order (fewest first), each wrong one told what it lacks or has
/// too many of.
fn set_choices(
    right: Set,
    candidates: Vec<Set>,
    label: impl Fn(&Set) -> String,
    explanation: &str,
) -> (Vec<Choice>, usize) {
    let mut sets = vec![right.clone()];
    for set in candidates {
        if sets.len() < 4 && !sets.contains(&set) {
            sets.push(set);
        }
    }
    sets.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let answer = sets.iter().position(|s| *s == right).unwrap_or(0);
    let choices = sets
        .iter()
        .map(|set| {
            let why = if *set == right {
                format!("Right: {explanation}.")
            } else {
                let extra: Vec<MessageId> = set.difference(&right).copied().collect();
                let lacking: Vec<MessageId> = right.difference(set).copied().collect();
                let mut hint = Vec::new();
                if !lacking.is_empty() {
                    hint.push(format!("{} belongs in it too", names(&lacking)));
                }
                if !extra.is_empty() {
                    hint.push(format!("{} does not belong in it", names(&extra)));
                }
                format!("Not quite: {}; {explanation}.", hint.join(", and "))
            };
            Choice {
                label: label(set),
                why,
            }
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
    let right: Set = decision.waits_for.messages(simulation.messages()).collect();
    let explanation = if right.is_empty() {
        format!("nothing: {}", decision.because)
    } else {
        format!(
            "{r} must first deliver {} ({}): {}",
            set_label(&right, ""),
            decision.waits_for,
            decision.because
        )
    };
    let (choices, answer) = set_choices(
        right,
        candidate_sets(simulation, message),
        |set| set_label(set, "nothing: it can be delivered now"),
        &explanation,
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
    let right: Set = d.violations.iter().copied().collect();
    let explanation = match d.verdict {
        Verdict::Hold => format!(
            "under {} {r} holds {message} back ({}), so nothing is delivered out of order",
            d.rule, d.because
        ),
        Verdict::Discard => format!("{}, so nothing is delivered", d.because),
        Verdict::Deliver if right.is_empty() => format!(
            "everything that happened before {message} is already delivered at {r}: {}",
            d.because
        ),
        Verdict::Deliver => format!(
            "{} happened before {message}, and under {} {r} delivers {message} anyway: {}",
            names(&d.violations),
            d.rule,
            d.because
        ),
    };
    let (choices, answer) = set_choices(
        right,
        candidate_sets(simulation, message),
        |set| {
            if set.is_empty() {
                "no violation: nothing is missing".into()
            } else {
                format!("a violation: {} is missing", set_label(set, ""))
            }
        },
        &explanation,
    );
    Ok(Posed {
        prompt: format!(
            "If {message} arrives at {r} now, which write that happened before it will {r} be missing?"
        ),
        choices,
        answer,
    })
}

/// The state once every copy in flight has arrived.
fn settled(simulation: &Simulation) -> Simulation {
    let mut end = simulation.clone();
    // Delivering everything is never refused.
    let _ = end.apply(Command::DeliverAll);
    end
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
            " ({} still holds {}: what {} waits for never arrives, so it is never applied)",
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
            "{r} delivers the writes to {key} in this order: {order}; overwrite keeps the last one delivered: {}",
            value_label(&right)
        ),
        Conflicts::Lww => {
            let ranks = delivered
                .iter()
                .filter_map(|id| end.messages().get(*id))
                .map(|m| {
                    format!(
                        "{} ({}) ranks (sum {}, {})",
                        m.id,
                        m.value,
                        m.clock.sum(),
                        replica_name(m.sender)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "lww keeps the write with the greatest (clock sum, sender), whatever the order: {ranks}; so {key} = {}",
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
                        "{} {} < {} {}: {} replaces {}",
                        old.id, old.clock, newer.id, newer.clock, newer.id, old.id
                    ))
                })
                .collect();
            let mut parts = Vec::new();
            if kept.len() > 1 {
                parts.push(format!(
                    "{} are concurrent (no clock is below another): {}, so all are kept",
                    names(&kept),
                    kept.iter().map(describe).collect::<Vec<_>>().join(" and ")
                ));
            }
            parts.extend(replaced);
            if parts.is_empty() {
                parts.push(format!("{r} delivers only {order}"));
            }
            format!("{}: {key} = {}", parts.join("; "), value_label(&right))
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
    Ok(Posed {
        prompt: format!("When every message in flight has arrived, what will {key} be at {r}?"),
        choices: options
            .iter()
            .map(|option| Choice {
                label: value_label(option),
                why: if *option == right {
                    format!("Right: {explanation}.")
                } else {
                    format!("Not {}: {explanation}.", value_label(option))
                },
            })
            .collect(),
        answer,
    })
}

fn agree(simulation: &Simulation) -> Posed {
    let end = settled(simulation);
    let converged = end.converged();
    let explanation = if converged {
        let store: Vec<String> = end.replicas()[0]
            .store()
            .iter()
            .map(|(k, v)| format!("{k} = {}", value_label(&values(Some(v)))))
            .collect();
        format!(
            "every replica ends with {}",
            if store.is_empty() {
                "an empty store".to_string()
            } else {
                store.join(", ")
            }
        )
    } else {
        end.diverged_keys()
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
            .join("; ")
    };
    let right = if converged { 0 } else { 1 };
    let labels = ["yes: they all end the same", "no: they end different"];
    Posed {
        prompt: "When every message in flight has arrived, will every replica hold the same store?"
            .into(),
        choices: labels
            .iter()
            .enumerate()
            .map(|(i, label)| Choice {
                label: label.to_string(),
                why: if i == right {
                    format!("Right: {explanation}.")
                } else {
                    format!("Not so: {explanation}.")
                },
            })
            .collect(),
        answer: right,
    }
}
