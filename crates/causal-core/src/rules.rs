//! The two rules a run is played under: when a message may be delivered,
//! and what a store keeps when writes to one key conflict.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// When a received message may be delivered; otherwise it is held back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Deliver a message from `j` only when it is the next one from `j` and
    /// everything it depends on has been delivered: `m.clock[j] == clock[j] + 1`
    /// and `m.clock[k] <= clock[k]` for every other `k`. Never a violation.
    #[default]
    Causal,
    /// Deliver the messages of each sender in the order it sent them, with no
    /// regard for what they depend on from others: violations can happen.
    Fifo,
    /// Deliver everything on arrival: nothing is held back, anything can happen.
    Unordered,
}

/// What a store keeps when a delivered write meets an earlier one to the same key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conflicts {
    /// The key takes the delivered value, whatever it was: what the original
    /// nodes did. Concurrent writes can leave replicas different for good.
    #[default]
    Overwrite,
    /// Last writer wins: the key keeps the write with the greatest
    /// `(sum of its clock, sender)`, an order that extends happened-before.
    Lww,
    /// The key keeps every write that no other write to it happened after
    /// (siblings), so concurrent writes are all kept and shown.
    MultiValue,
}

impl Delivery {
    /// Every delivery rule, in the order the page lists them.
    pub const ALL: [Delivery; 3] = [Delivery::Causal, Delivery::Fifo, Delivery::Unordered];

    /// The name used in scenario files and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Causal => "causal",
            Delivery::Fifo => "fifo",
            Delivery::Unordered => "unordered",
        }
    }

    /// One line for a student choosing a rule.
    pub fn explanation(self) -> &'static str {
        match self {
            Delivery::Causal => {
                "Hold a message back until everything that happened before it has been delivered."
            }
            Delivery::Fifo => {
                "Deliver each sender's messages in the order it sent them; ignore other senders."
            }
            Delivery::Unordered => "Deliver every message the moment it arrives.",
        }
    }
}

impl Conflicts {
    /// Every conflict rule, in the order the page lists them.
    pub const ALL: [Conflicts; 3] = [Conflicts::Overwrite, Conflicts::Lww, Conflicts::MultiValue];

    /// The name used in scenario files and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Conflicts::Overwrite => "overwrite",
            Conflicts::Lww => "lww",
            Conflicts::MultiValue => "multi-value",
        }
    }

    /// One line for a student choosing a rule.
    pub fn explanation(self) -> &'static str {
        match self {
            Conflicts::Overwrite => "The last write delivered wins, so replicas can disagree.",
            Conflicts::Lww => {
                "The write with the greatest clock sum wins (ties by sender), so replicas agree."
            }
            Conflicts::MultiValue => {
                "Concurrent writes are all kept as siblings; a later write replaces them."
            }
        }
    }
}

/// Names as a sentence lists them: "causal, fifo or unordered".
fn listed(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl Delivery {
    /// Every delivery rule's name, as a sentence lists them, for a message
    /// about a name that is none of them.
    pub fn names() -> String {
        listed(&Delivery::ALL.map(Delivery::name))
    }
}

impl Conflicts {
    /// Every conflict rule's name, as a sentence lists them.
    pub fn names() -> String {
        listed(&Conflicts::ALL.map(Conflicts::name))
    }
}

/// A rule name that is not one of the known ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown rule {:?}", self.0)
    }
}

impl std::error::Error for UnknownRule {}

impl FromStr for Delivery {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Delivery::ALL
            .into_iter()
            .find(|rule| rule.name() == s)
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

impl FromStr for Conflicts {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Conflicts::ALL
            .into_iter()
            .find(|rule| rule.name() == s)
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Conflicts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_are_listed_by_name_as_a_sentence_lists_them() {
        assert_eq!(Delivery::names(), "causal, fifo or unordered");
        assert_eq!(Conflicts::names(), "overwrite, lww or multi-value");
        assert_eq!(listed(&["one"]), "one");
        assert_eq!(listed(&["one", "two"]), "one or two");
    }
}
