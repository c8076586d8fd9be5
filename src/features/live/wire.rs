//! What the nodes answer, read loosely: anything that is not the API is a
//! sentence saying so, never a panic. Everything a node sends is kept as
//! text and shown as text.

use std::collections::BTreeMap;
use std::fmt;

use causal_core::{replica_name, NodeEvent, Value};
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Serialize};

/// A message as the nodes send it (`POST /replicate`, `buffered`, events).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WireMessage {
    /// The key written.
    pub key: String,
    /// The value written.
    pub value: String,
    /// The writer's node number.
    pub sender: usize,
    /// Its timestamp.
    pub clock: Vec<u64>,
}

impl WireMessage {
    /// A stable name for it on the page: its writer and timestamp
    /// (`A:1,0,0`), the same at every node.
    pub fn id(&self) -> String {
        format!("{}:{}", replica_name(self.sender), joined(&self.clock))
    }

    /// In words: `A's write x=1 [1,0,0]`.
    pub fn describe(&self) -> String {
        format!(
            "{}'s write {}={} [{}]",
            replica_name(self.sender),
            short(&self.key),
            short(&self.value),
            joined(&self.clock)
        )
    }

    /// Whether it fits a cluster of `nodes`.
    fn check(&self, nodes: usize) -> Result<(), String> {
        if self.sender >= nodes {
            return Err(format!(
                "a message from node {}, but the page watches {nodes} nodes",
                self.sender
            ));
        }
        if self.clock.len() != nodes {
            return Err(format!(
                "a timestamp of {} entries, but the page watches {nodes} nodes",
                self.clock.len()
            ));
        }
        Ok(())
    }
}

/// `1,0,0`.
pub fn joined(clock: &[u64]) -> String {
    clock
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A key or value as shown in a sentence: at most 40 characters.
pub fn short(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_string()
    } else {
        format!("{}\u{2026}", text.chars().take(39).collect::<String>())
    }
}

/// `GET /store`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreReport {
    /// Keys ascending, with what each holds.
    pub store: Vec<(String, Value)>,
    /// The node's vector clock.
    pub clock: Vec<u64>,
    /// Its hold-back buffer, as the node lists it.
    pub buffered: Vec<WireMessage>,
}

/// An event of a node's log (`GET /events`): the shape causal-node writes.
pub type LoggedEvent = NodeEvent<WireMessage>;

/// What a logged event says happened.
pub use causal_core::NodeEventKind as Kind;

/// One page of a node's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventsPage {
    /// The events, in order.
    pub events: Vec<LoggedEvent>,
    /// The `after` for the rest.
    pub next: u64,
}

/// One outgoing link of a node (`GET /admin/queues`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The peer it goes to.
    pub peer: usize,
    /// Whether it is held.
    pub held: bool,
    /// What waits in it, in send order (the first of them, if many).
    pub queued: Vec<WireMessage>,
    /// How many wait in it, when the node says (it may list fewer).
    pub total: usize,
}

/// `{"store": ..., "vector_clock": [...], "buffered": [...]}` from a
/// cluster of `nodes`.
pub fn store(body: &str, nodes: usize) -> Result<StoreReport, String> {
    #[derive(Deserialize)]
    struct Raw {
        store: BTreeMap<String, Loose>,
        vector_clock: Vec<u64>,
        #[serde(default)]
        buffered: Vec<WireMessage>,
    }
    let raw: Raw = parse(body)?;
    if raw.vector_clock.len() != nodes {
        return Err(format!(
            "its vector clock has {} entries, but the page watches {nodes} nodes: list every node of the cluster, in node order",
            raw.vector_clock.len()
        ));
    }
    let mut store = Vec::with_capacity(raw.store.len());
    // A BTreeMap: the keys come ascending.
    for (key, value) in raw.store {
        let value = match value {
            Loose::Text(s) => Value::One(s),
            Loose::List(items) => Value::Siblings(
                items
                    .into_iter()
                    .map(|v| match v {
                        Loose::Text(s) => Ok(s),
                        other => Err(format!(
                            "key {} holds {} among its values",
                            short(&key),
                            other.shown()
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Loose::Number(n) => Value::One(n),
            other => {
                return Err(format!(
                    "key {} holds {}, not a string",
                    short(&key),
                    other.shown()
                ))
            }
        };
        store.push((key, value));
    }
    for m in &raw.buffered {
        m.check(nodes)?;
    }
    Ok(StoreReport {
        store,
        clock: raw.vector_clock,
        buffered: raw.buffered,
    })
}

/// `{"events": [...], "next": M}`; events of kinds the page does not know
/// are skipped.
pub fn events(body: &str, nodes: usize) -> Result<EventsPage, String> {
    #[derive(Deserialize)]
    struct Raw {
        events: Vec<Loose>,
        next: u64,
    }
    let raw: Raw = parse(body)?;
    let mut events = Vec::with_capacity(raw.events.len());
    for e in raw.events {
        let known = match e.field("kind") {
            Some(Loose::Text(kind)) => Kind::from_name(kind).is_some(),
            _ => false,
        };
        if !known {
            continue;
        }
        let event = logged_event(&e).map_err(|why| unlike_the_api(&why))?;
        event.message.check(nodes)?;
        events.push(event);
    }
    Ok(EventsPage {
        events,
        next: raw.next,
    })
}

/// `{"peers": [{"peer", "held", "queued"}]}`.
pub fn queues(body: &str, nodes: usize) -> Result<Vec<Link>, String> {
    #[derive(Deserialize)]
    struct RawLink {
        peer: usize,
        #[serde(default)]
        held: bool,
        #[serde(default)]
        queued: Vec<WireMessage>,
        total: Option<usize>,
    }
    #[derive(Deserialize)]
    struct Raw {
        peers: Vec<RawLink>,
    }
    let raw: Raw = parse(body)?;
    let mut links = Vec::with_capacity(raw.peers.len());
    for l in raw.peers {
        if l.peer >= nodes {
            return Err(format!(
                "a link to node {}, but the page watches {nodes} nodes",
                l.peer
            ));
        }
        for m in &l.queued {
            m.check(nodes)?;
        }
        links.push(Link {
            peer: l.peer,
            held: l.held,
            total: l.total.unwrap_or(l.queued.len()).max(l.queued.len()),
            queued: l.queued,
        });
    }
    Ok(links)
}

/// `{"status": "stored", "vector_clock": [...]}`: the clock.
pub fn put(body: &str) -> Result<Vec<u64>, String> {
    #[derive(Deserialize)]
    struct Raw {
        vector_clock: Vec<u64>,
    }
    parse::<Raw>(body).map(|r| r.vector_clock)
}

/// The reason in a 400's body (`{"error": ...}` or plain text), shortened.
pub fn reason(body: &str) -> String {
    let given =
        match crate::data::json::from_json::<Loose>(body) {
            Ok(answer) => ["error", "reason", "message"]
                .into_iter()
                .find_map(|name| match answer.field(name) {
                    Some(Loose::Text(text)) => Some(text.clone()),
                    _ => None,
                }),
            Err(_) => None,
        };
    let text = given.unwrap_or_else(|| body.to_string());
    let text = text.trim();
    if text.chars().count() > 200 {
        format!("{}\u{2026}", text.chars().take(199).collect::<String>())
    } else {
        text.to_string()
    }
}

/// A body of the API's, read by the browser's `JSON.parse` (`json.rs`).
fn parse<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    crate::data::json::from_json(body).map_err(|e| unlike_the_api(&e))
}

fn unlike_the_api(e: &str) -> String {
    let e = if e.chars().count() > 120 {
        format!("{}\u{2026}", e.chars().take(119).collect::<String>())
    } else {
        e.to_string()
    };
    format!("its answer is not the nodes' API ({e})")
}

/// Any JSON value, where the API leaves room for what the page does not
/// know (an event of a kind it skips, a store's value it names): enough to
/// say what it is, and to read an event of a known kind from it by hand
/// (a serde reader of its own would cost the page more).
#[derive(Clone, Debug, PartialEq)]
enum Loose {
    Null,
    Bool(bool),
    /// A number, as its text.
    Number(String),
    Text(String),
    List(Vec<Loose>),
    Object(Vec<(String, Loose)>),
}

impl Loose {
    /// The field `name` of an object.
    fn field(&self, name: &str) -> Option<&Loose> {
        match self {
            Loose::Object(fields) => fields.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The whole number it is, if it is one.
    fn whole(&self) -> Option<u64> {
        match self {
            Loose::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// What it is, for a sentence: a scalar as written, a list or an
    /// object by name.
    fn shown(&self) -> String {
        match self {
            Loose::Null => "null".into(),
            Loose::Bool(b) => b.to_string(),
            Loose::Number(n) => n.clone(),
            Loose::Text(s) => format!("\"{}\"", short(s)),
            Loose::List(_) => "a list".into(),
            Loose::Object(_) => "an object".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Loose, E> {
                Ok(Loose::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Loose, E> {
                Ok(Loose::Number(n.to_string()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Loose, E> {
                Ok(Loose::Number(n.to_string()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Loose, E> {
                Ok(Loose::Number(number_text(n)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Loose, E> {
                Ok(Loose::Text(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Loose, E> {
                Ok(Loose::Text(s))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Loose::List(items))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Loose::Object(fields))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A number the browser parsed that is not a whole one, as the browser
/// writes it (the page formats no floats of its own).
fn number_text(n: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Number::from(n)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        n.to_string()
    }
}

/// An event of a kind the page knows, `{"seq", "kind", "message": {"key",
/// "value", "sender", "clock"}}`, read strictly: what is missing or of the
/// wrong type is named.
fn logged_event(event: &Loose) -> Result<LoggedEvent, String> {
    let kind = match event.field("kind") {
        Some(Loose::Text(name)) => Kind::from_name(name),
        _ => None,
    }
    .ok_or("an event's kind is not one of the API's")?;
    let seq = whole(event, "seq").ok_or("an event's seq is not a whole number")?;
    let message = event.field("message").ok_or("an event has no message")?;
    let text = |name: &str| match message.field(name) {
        Some(Loose::Text(text)) => Ok(text.clone()),
        _ => Err(format!("an event's message has no {name} string")),
    };
    let (key, value) = (text("key")?, text("value")?);
    let sender = whole(message, "sender")
        .and_then(|n| usize::try_from(n).ok())
        .ok_or("an event's message has no sender number")?;
    let clock = match message.field("clock") {
        Some(Loose::List(entries)) => entries.iter().map(Loose::whole).collect(),
        _ => None,
    }
    .ok_or("an event's message has no clock of whole numbers")?;
    Ok(LoggedEvent {
        seq,
        kind,
        message: WireMessage {
            key,
            value,
            sender,
            clock,
        },
    })
}

/// The field `name` of `object`, if it is a whole number.
fn whole(object: &Loose, name: &str) -> Option<u64> {
    object.field(name).and_then(Loose::whole)
}

#[cfg(test)]
mod tests {
    //! The same tests natively (serde_json reads) and in the browser
    //! (`JSON.parse` and serde-wasm-bindgen read, as in the page).
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_store_report_is_read_and_garbage_is_named() {
        let r = store(
            r#"{"store":{"y":"2","x":["1","3"]},"vector_clock":[1,0,0],"buffered":[{"key":"k","value":"v","sender":1,"clock":[1,2,0]}]}"#,
            3,
        )
        .unwrap();
        assert_eq!(
            r.store[0],
            ("x".into(), Value::Siblings(vec!["1".into(), "3".into()]))
        );
        assert_eq!(r.store[1], ("y".into(), Value::One("2".into())));
        assert_eq!(r.buffered[0].id(), "B:1,2,0");
        assert_eq!(r.buffered[0].describe(), "B's write k=v [1,2,0]");
        assert!(store("<html>", 3)
            .unwrap_err()
            .contains("not the nodes' API"));
        assert!(
            store(r#"{"store":{},"vector_clock":[0,0],"buffered":[]}"#, 3)
                .unwrap_err()
                .contains("2 entries")
        );
        assert!(store(r#"{"store":{"x":{}},"vector_clock":[0,0,0]}"#, 3).is_err());
        assert!(store(
            r#"{"store":{},"vector_clock":[0,0,0],"buffered":[{"key":"k","value":"v","sender":7,"clock":[1,2,0]}]}"#,
            3
        )
        .is_err());
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn events_and_queues_are_read() {
        let page = events(
            r#"{"events":[{"seq":1,"kind":"write","message":{"key":"x","value":"1","sender":0,"clock":[1,0,0]}},{"seq":2,"kind":"gossip","message":{"key":"x","value":"1","sender":0,"clock":[1,0,0]}}],"next":2}"#,
            3,
        )
        .unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].kind, Kind::Write);
        assert_eq!(page.next, 2);
        // Exactly what causal-node writes reads back the same.
        let written = serde_json::json!({ "events": [LoggedEvent {
            seq: 7,
            kind: Kind::Hold,
            message: WireMessage { key: "x".into(), value: "2".into(), sender: 1, clock: vec![1, 1, 0] },
        }], "next": 7 });
        let page = events(&written.to_string(), 3).unwrap();
        assert_eq!(page.events[0].seq, 7);
        assert_eq!(page.events[0].kind, Kind::Hold);
        assert_eq!(page.events[0].message.id(), "B:1,1,0");
        assert!(events(
            r#"{"events":[{"seq":1,"kind":"hold","message":{"key":"x"}}],"next":1}"#,
            3
        )
        .unwrap_err()
        .contains("not the nodes' API"));
        let links = queues(
            r#"{"peers":[{"peer":1,"held":true,"queued":[{"key":"x","value":"1","sender":0,"clock":[1,0,0]}]},{"peer":2,"held":false,"queued":[]}]}"#,
            3,
        )
        .unwrap();
        assert!(links[0].held && links[0].queued.len() == 1 && !links[1].held);
        assert!(queues(r#"{"peers":[{"peer":5}]}"#, 3).is_err());
        assert_eq!(
            put(r#"{"status":"stored","vector_clock":[1,0,0]}"#).unwrap(),
            vec![1, 0, 0]
        );
        assert_eq!(
            reason(r#"{"error":"key must be a string"}"#),
            "key must be a string"
        );
        assert_eq!(reason("bad"), "bad");
        assert_eq!(reason(r#"{"reason":" no such peer "}"#), "no such peer");
        assert_eq!(reason(r#"{"error":7}"#), r#"{"error":7}"#);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn what_is_unlike_the_api_is_named_in_words() {
        // A number is shown as the node wrote it; anything else is named.
        let r = store(r#"{"store":{"n":7},"vector_clock":[0,0,0]}"#, 3).unwrap();
        assert_eq!(r.store, vec![("n".into(), Value::One("7".into()))]);
        for (value, says) in [
            ("true", "key k holds true, not a string"),
            ("null", "key k holds null, not a string"),
            (r#"{"a":1}"#, "key k holds an object, not a string"),
            (r#"["1",2]"#, "key k holds 2 among its values"),
            (r#"["1",[]]"#, "key k holds a list among its values"),
        ] {
            let body = format!(r#"{{"store":{{"k":{value}}},"vector_clock":[0,0,0]}}"#);
            assert_eq!(store(&body, 3).unwrap_err(), says, "{value}");
        }
        // A missing field and a wrong type are said, in the API's terms.
        let missing = store(r#"{"store":{},"buffered":[]}"#, 3).unwrap_err();
        assert!(missing.contains("vector_clock"), "{missing}");
        let events_wrong = events(r#"{"events":{},"next":1}"#, 3).unwrap_err();
        assert!(
            events_wrong.contains("not the nodes' API"),
            "{events_wrong}"
        );
        // An event of a kind the page does not know is skipped whatever it
        // holds; one of a known kind is read strictly.
        let page = events(
            r#"{"events":[{"kind":"gossip","message":7},{"seq":2,"kind":["write"]},{"seq":3,"kind":"deliver","message":{"key":"x","value":"1","sender":2,"clock":[0,0,1]}}],"next":3}"#,
            3,
        )
        .unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].kind, Kind::Deliver);
        assert_eq!(page.events[0].message.id(), "C:0,0,1");
        for (event, names) in [
            (
                r#"{"seq":-1,"kind":"write","message":{"key":"x","value":"1","sender":0,"clock":[1,0,0]}}"#,
                "seq",
            ),
            (
                r#"{"seq":1.5,"kind":"write","message":{"key":"x","value":"1","sender":0,"clock":[1,0,0]}}"#,
                "seq",
            ),
            (
                r#"{"seq":1,"kind":"write","message":{"key":"x","value":1,"sender":0,"clock":[1,0,0]}}"#,
                "value",
            ),
            (
                r#"{"seq":1,"kind":"write","message":{"key":"x","value":"1","sender":0,"clock":[1,"0",0]}}"#,
                "clock",
            ),
            (r#"{"seq":1,"kind":"write"}"#, "message"),
        ] {
            let body = format!(r#"{{"events":[{event}],"next":1}}"#);
            let why = events(&body, 3).unwrap_err();
            assert!(
                why.starts_with("its answer is not the nodes' API (") && why.contains(names),
                "{event}: {why}"
            );
        }
        // A message that does not fit the cluster is named.
        let why = events(
            r#"{"events":[{"seq":1,"kind":"write","message":{"key":"x","value":"1","sender":0,"clock":[1,0]}}],"next":1}"#,
            3,
        )
        .unwrap_err();
        assert_eq!(
            why,
            "a timestamp of 2 entries, but the page watches 3 nodes"
        );
    }
}
