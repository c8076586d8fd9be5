//! What the nodes answer, read loosely: anything that is not the API is a
//! sentence saying so, never a panic. Everything a node sends is kept as
//! text and shown as text.

use causal_core::{replica_name, NodeEvent, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

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
        store: serde_json::Map<String, Json>,
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
    for (key, value) in raw.store {
        let value = match value {
            Json::String(s) => Value::One(s),
            Json::Array(items) => Value::Siblings(
                items
                    .into_iter()
                    .map(|v| match v {
                        Json::String(s) => Ok(s),
                        other => Err(format!(
                            "key {} holds {other} among its values",
                            short(&key)
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Json::Number(n) => Value::One(n.to_string()),
            other => return Err(format!("key {} holds {other}, not a string", short(&key))),
        };
        store.push((key, value));
    }
    store.sort_by(|a, b| a.0.cmp(&b.0));
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
        events: Vec<Json>,
        next: u64,
    }
    let raw: Raw = parse(body)?;
    let mut events = Vec::with_capacity(raw.events.len());
    for e in raw.events {
        let known = e
            .get("kind")
            .and_then(Json::as_str)
            .and_then(Kind::from_name);
        if known.is_none() {
            continue;
        }
        let event: LoggedEvent = serde_json::from_value(e).map_err(|e| unlike_the_api(&e))?;
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
    let text = match serde_json::from_str::<Json>(body) {
        Ok(Json::Object(map)) => map
            .get("error")
            .or_else(|| map.get("reason"))
            .or_else(|| map.get("message"))
            .and_then(Json::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| body.to_string()),
        _ => body.to_string(),
    };
    let text = text.trim();
    if text.chars().count() > 200 {
        format!("{}\u{2026}", text.chars().take(199).collect::<String>())
    } else {
        text.to_string()
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| unlike_the_api(&e))
}

fn unlike_the_api(e: &serde_json::Error) -> String {
    let e = e.to_string();
    let e = if e.chars().count() > 120 {
        format!("{}\u{2026}", e.chars().take(119).collect::<String>())
    } else {
        e
    };
    format!("its answer is not the nodes' API ({e})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
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

    #[test]
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
    }
}
