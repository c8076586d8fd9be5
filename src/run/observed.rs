//! causal-check's link: `#check=<base64url of JSON>` opens the smallest
//! failing case the checker found, at its failing step, with what the node
//! answered there beside what the engine expects (README, "The link").
//!
//! The document, version 1: `{version, kind, guarantee, scenario, step,
//! observed: [{replica, clock, store, held}]}`. It is read whole and checked
//! before anything is loaded: a damaged link changes nothing.

use base64ct::{Base64UrlUnpadded, Encoding};
use causal_core::{Scenario, Simulation};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::run::session::Session;

/// What comes before the data in the fragment: `#check=<data>`.
pub const CHECK_PREFIX: &str = "check=";

/// The longest `#check=` fragment read, in characters.
const MAX_CHECK_CHARS: usize = crate::run::share::MAX_FRAGMENT_CHARS;

/// The most clock entries, keys and held messages one observed answer may
/// list: a node's answer is shown whole, so it is kept to what a page shows.
const MAX_ANSWER_ITEMS: usize = 1_000;

/// What the link holds beside its scenario: the flaw and what the node
/// answered at the failing step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// The flaw's kind (`delivered-too-early`...).
    pub kind: String,
    /// The guarantee a client would see broken.
    pub guarantee: String,
    /// Steps applied when the flaw shows.
    pub step: usize,
    /// What the node answered, per replica the checker asked.
    pub observed: Vec<Answer>,
}

/// A replica's state as the node answered or as the engine has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Which replica (0 is A).
    pub replica: usize,
    /// Its vector clock.
    pub clock: Vec<u64>,
    /// Its store: key and value (siblings joined by `|`).
    pub store: Vec<(String, String)>,
    /// The numbers of the messages it holds back, ascending.
    pub held: Vec<u32>,
}

/// The case found, shown beside the run: the node's answers and the
/// engine's replicas at the failing step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The flaw's kind.
    pub kind: String,
    /// The guarantee broken.
    pub guarantee: String,
    /// The failing step.
    pub step: usize,
    /// Per replica the node answered for: (what it answered, what the engine expects).
    pub replicas: Vec<(Answer, Answer)>,
}

#[derive(Deserialize)]
struct Version {
    version: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct VersionNumber {
    version: u64,
}

#[derive(Deserialize)]
struct Document {
    kind: String,
    guarantee: String,
    scenario: Scenario,
    step: usize,
    #[serde(default)]
    observed: Vec<Observed>,
}

#[derive(Deserialize)]
struct Observed {
    replica: usize,
    #[serde(default)]
    clock: Vec<u64>,
    #[serde(default)]
    store: BTreeMap<String, Stored>,
    #[serde(default)]
    held: Vec<u32>,
}

/// A value as a node may answer it: text, siblings, or something else.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    One(String),
    Siblings(Vec<String>),
    Other(IgnoredAny),
}

/// The session a `check=` fragment opens (at its failing step) and what it
/// holds beside it, or why it cannot be opened, in the user's words.
pub fn decode(fragment: &str) -> Result<(Session, Pending), String> {
    let text = fragment.trim().trim_start_matches('#');
    let data = text.strip_prefix(CHECK_PREFIX).unwrap_or(text);
    if data.is_empty() {
        return Err("the link holds nothing after #check=".into());
    }
    if data.len() > MAX_CHECK_CHARS {
        return Err(format!(
            "it is {} characters long; the page reads at most {}",
            crate::run::text::grouped(data.len()),
            crate::run::text::grouped(MAX_CHECK_CHARS)
        ));
    }
    let bytes = Base64UrlUnpadded::decode_vec(data)
        .map_err(|_| "it is not base64url (the link was cut or changed)".to_string())?;
    let json = String::from_utf8(bytes).map_err(|_| "it is not text".to_string())?;
    let shown = |why: String| format!("it is not causal-check's document ({why})");
    if crate::data::json::from_json::<Version>(&json)
        .map_err(shown)?
        .version
        .is_none()
    {
        return Err("it names no version".into());
    }
    match crate::data::json::from_json::<VersionNumber>(&json) {
        Ok(VersionNumber { version: 1 }) => {}
        Ok(VersionNumber { version }) => {
            return Err(format!(
                "it is version {version}; this page reads version 1"
            ))
        }
        Err(_) => return Err("its version is not a number; this page reads version 1".into()),
    }
    let document: Document = crate::data::json::from_json(&json).map_err(shown)?;
    let scenario = document.scenario;
    let replicas = scenario.replicas;
    let steps = scenario.steps.len();
    if document.step > steps {
        return Err(format!(
            "its failing step is {}, but its scenario has {}",
            document.step,
            crate::run::text::count(steps, "step")
        ));
    }
    let mut observed = Vec::with_capacity(document.observed.len());
    for o in document.observed {
        observed.push(answer(o, replicas)?);
    }
    observed.sort_by_key(|a| a.replica);
    if observed.windows(2).any(|w| w[0].replica == w[1].replica) {
        return Err("it lists a replica's answer twice".into());
    }
    // Reorders are played between the steps they follow: the timeline
    // counts them too.
    let cursor = document.step
        + scenario
            .reorders
            .iter()
            .filter(|r| r.after < document.step)
            .count();
    let mut session = Session::linear(scenario.config(), scenario.into_history(), 0);
    session.seed = crate::run::session::DEFAULT_SEED;
    session.cursor = cursor.min(session.branches[0].commands.len());
    Ok((
        session,
        Pending {
            kind: one_word(document.kind),
            guarantee: one_word(document.guarantee),
            step: document.step,
            observed,
        },
    ))
}

/// A name from the link, kept to one short line.
fn one_word(name: String) -> String {
    let name = crate::run::text::one_line(&name).into_owned();
    match name.char_indices().nth(40) {
        Some((at, _)) => format!("{}\u{2026}", &name[..at]),
        None => name,
    }
}

fn answer(o: Observed, replicas: usize) -> Result<Answer, String> {
    if o.replica >= replicas {
        return Err(format!(
            "it shows what replica {} answered, but its scenario has {} replicas",
            o.replica, replicas
        ));
    }
    let name = causal_core::replica_name(o.replica);
    if o.clock.len() > MAX_ANSWER_ITEMS
        || o.store.len() > MAX_ANSWER_ITEMS
        || o.held.len() > MAX_ANSWER_ITEMS
    {
        return Err(format!(
            "{name}'s answer lists more than {MAX_ANSWER_ITEMS} entries"
        ));
    }
    let mut store = Vec::with_capacity(o.store.len());
    for (key, value) in o.store {
        let value = match value {
            Stored::One(v) => v,
            Stored::Siblings(vs) => vs.join("|"),
            Stored::Other(_) => "(not text)".to_string(),
        };
        // Each sibling obeys the write form's limits, as any value does.
        for one in value.split('|') {
            crate::run::text::check_write(&key, one)
                .map_err(|why| format!("{name}'s answer: {why}"))?;
        }
        store.push((key, value));
    }
    let mut held = o.held;
    held.sort_unstable();
    held.dedup();
    Ok(Answer {
        replica: o.replica,
        clock: o.clock,
        store,
        held,
    })
}

impl Pending {
    /// The engine's replicas at the failing step (`simulation`) beside what
    /// the node answered.
    pub fn against(&self, simulation: &Simulation) -> Found {
        let replicas = self
            .observed
            .iter()
            .filter_map(|node| {
                let replica = simulation.replicas().get(node.replica)?;
                let mut held: Vec<u32> = replica.hold_back().iter().map(|m| m.0).collect();
                held.sort_unstable();
                let engine = Answer {
                    replica: node.replica,
                    clock: replica.clock().entries().to_vec(),
                    store: replica
                        .store()
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.joined()))
                        .collect(),
                    held,
                };
                Some((node.clone(), engine))
            })
            .collect();
        Found {
            kind: self.kind.clone(),
            guarantee: self.guarantee.clone(),
            step: self.step,
            replicas,
        }
    }
}

/// A clock in the page's notation: `[1,0,0]`.
pub fn clock(entries: &[u64]) -> String {
    let inner: Vec<String> = entries.iter().map(u64::to_string).collect();
    format!("[{}]", inner.join(","))
}

fn store_words(store: &[(String, String)]) -> String {
    if store.is_empty() {
        return "nothing".into();
    }
    store
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn held_words(held: &[u32]) -> String {
    if held.is_empty() {
        return "nothing".into();
    }
    held.iter()
        .map(|m| format!("m{m}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What differs between the node's answer and the engine's replica, one
/// sentence each; empty when they agree.
pub fn differences(node: &Answer, engine: &Answer) -> Vec<String> {
    let mut said = Vec::new();
    if node.clock != engine.clock {
        said.push(format!(
            "The node answered clock {}; the engine expects {}.",
            clock(&node.clock),
            clock(&engine.clock)
        ));
    }
    if node.store != engine.store {
        said.push(format!(
            "The node's store holds {}; the engine's holds {}.",
            store_words(&node.store),
            store_words(&engine.store)
        ));
    }
    if node.held != engine.held {
        said.push(format!(
            "The node holds back {}; the engine holds back {}.",
            held_words(&node.held),
            held_words(&engine.held)
        ));
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(json: &str) -> String {
        format!(
            "{CHECK_PREFIX}{}",
            Base64UrlUnpadded::encode_string(json.as_bytes())
        )
    }

    const SCENARIO: &str = r#"{"version":1,"replicas":3,"delivery":"causal","conflicts":"overwrite","steps":[{"op":"write","replica":1,"key":"x","value":"B1"},{"op":"write","replica":1,"key":"x","value":"B2"},{"op":"deliver","message":2,"to":0}]}"#;

    fn document(observed: &str) -> String {
        format!(
            r#"{{"version":1,"kind":"delivered-too-early","guarantee":"monotonic-writes","scenario":{SCENARIO},"step":3,"observed":{observed}}}"#
        )
    }

    #[test]
    fn a_link_opens_its_scenario_at_the_failing_step_with_the_answers() {
        let (session, pending) = decode(&link(&document(
            r#"[{"replica":0,"clock":[0,2,0],"store":{"x":"B2"},"held":[]}]"#,
        )))
        .unwrap();
        assert_eq!(session.cursor, 3);
        assert_eq!(session.branches[0].commands.len(), 3);
        assert_eq!(pending.kind, "delivered-too-early");
        assert_eq!(pending.observed[0].clock, vec![0, 2, 0]);
        assert_eq!(pending.observed[0].store, vec![("x".into(), "B2".into())]);
    }

    #[test]
    fn damaged_links_are_refused_with_the_reason() {
        let refused = |fragment: &str| decode(fragment).err().unwrap_or_default();
        assert!(refused("check=!!!").contains("not base64url"));
        assert!(refused(&link("{")).contains("not causal-check's document"));
        assert!(refused(&link(
            &document("[]").replace(r#""version":1,"kind""#, r#""version":2,"kind""#)
        ))
        .contains("version 2"));
        assert!(refused(&link(&document(
            r#"[{"replica":5,"clock":[0,0,0],"store":{},"held":[]}]"#
        )))
        .contains("replica 5"));
        let long = "v".repeat(200);
        assert!(refused(&link(&document(&format!(
            r#"[{{"replica":0,"clock":[0,0,0],"store":{{"x":"{long}"}},"held":[]}}]"#
        ))))
        .contains("A's answer"));
        assert!(
            refused(&link(&document("[]").replace(r#""step":3"#, r#""step":9"#)))
                .contains("failing step is 9")
        );
    }

    #[test]
    fn differences_name_what_the_node_answered_and_what_the_engine_expects() {
        let node = Answer {
            replica: 0,
            clock: vec![0, 2, 0],
            store: vec![("x".into(), "B2".into())],
            held: vec![],
        };
        let engine = Answer {
            clock: vec![0, 0, 0],
            store: vec![],
            held: vec![2],
            ..node.clone()
        };
        let said = differences(&node, &engine);
        assert_eq!(
            said[0],
            "The node answered clock [0,2,0]; the engine expects [0,0,0]."
        );
        assert_eq!(said.len(), 3);
        assert!(differences(&node, &node).is_empty());
    }
}
