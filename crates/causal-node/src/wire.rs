//! The original nodes' JSON, field for field, and the checks on what comes in.
//!
//! Bodies are read as loose JSON first, so that every bad request gets one
//! line that says what is wrong in the API's own terms.

use causal_core::{Message, ReplicaId, Value, VectorClock};
use serde::{Deserialize, Serialize};
use serde_json::Map;

/// The largest request body accepted, and the largest message a node sends
/// (so a peer accepts whatever a node acknowledged).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The largest `/replicate/batch` body accepted.
pub const BATCH_LIMIT: usize = 4 * 1024 * 1024;

/// `POST /put`.
#[derive(Debug)]
pub struct Put {
    pub key: String,
    pub value: String,
}

/// What `POST /replicate` carries, what a node sends its peers, and what
/// `GET /store` lists as buffered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replicate {
    pub key: String,
    pub value: String,
    pub sender: ReplicaId,
    pub clock: Vec<u64>,
}

impl Replicate {
    /// A message as it goes on the wire.
    pub fn of(message: &Message) -> Self {
        Replicate {
            key: message.key.to_string(),
            value: message.value.to_string(),
            sender: message.sender,
            clock: message.clock.entries().to_vec(),
        }
    }

    /// Its timestamp.
    pub fn vector_clock(&self) -> VectorClock {
        VectorClock::from_entries(self.clock.clone())
    }
}

/// `POST /admin/hold` and `/admin/release`.
#[derive(Debug)]
pub struct Peer {
    pub peer: i64,
}

/// `GET /store`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoreView {
    pub store: std::collections::BTreeMap<String, Value>,
    pub vector_clock: Vec<u64>,
    pub buffered: Vec<Replicate>,
}

fn object(body: &[u8]) -> Result<Map<String, serde_json::Value>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("malformed JSON: {e}"))?;
    match value {
        serde_json::Value::Object(map) => Ok(map),
        other => Err(format!(
            "the body must be a JSON object, not {}",
            kind(&other)
        )),
    }
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn field<'a>(
    map: &'a Map<String, serde_json::Value>,
    name: &str,
) -> Result<&'a serde_json::Value, String> {
    map.get(name)
        .ok_or_else(|| format!("missing field \"{name}\""))
}

fn string(map: &Map<String, serde_json::Value>, name: &str) -> Result<String, String> {
    match field(map, name)? {
        serde_json::Value::String(s) => Ok(s.clone()),
        other => Err(format!("\"{name}\" must be a string, not {}", kind(other))),
    }
}

fn integer(map: &Map<String, serde_json::Value>, name: &str) -> Result<i64, String> {
    let value = field(map, name)?;
    value
        .as_i64()
        .ok_or_else(|| format!("\"{name}\" must be a whole number, not {value}"))
}

/// Reads a `/put` body.
pub fn put(body: &[u8]) -> Result<Put, String> {
    let map = object(body)?;
    Ok(Put {
        key: string(&map, "key")?,
        value: string(&map, "value")?,
    })
}

/// Reads a `/replicate` body. Whether such a message could come from a
/// replica of this run (sender, clock length, ...) is the engine's to say
/// ([`causal_core::Site::validate`]).
pub fn replicate(body: &[u8]) -> Result<Replicate, String> {
    message(&object(body)?)
}

/// Reads a `/replicate/batch` body, `{"messages": [...]}`: each message, or
/// why it is bad, in order.
pub fn replicate_batch(body: &[u8]) -> Result<Vec<Result<Replicate, String>>, String> {
    let map = object(body)?;
    match field(&map, "messages")? {
        serde_json::Value::Array(messages) => Ok(messages
            .iter()
            .map(|m| match m {
                serde_json::Value::Object(map) => message(map),
                other => Err(format!(
                    "a message must be a JSON object, not {}",
                    kind(other)
                )),
            })
            .collect()),
        other => Err(format!(
            "\"messages\" must be an array, not {}",
            kind(other)
        )),
    }
}

fn message(map: &Map<String, serde_json::Value>) -> Result<Replicate, String> {
    let key = string(map, "key")?;
    let value = string(map, "value")?;
    let sender = integer(map, "sender")?;
    let clock = match field(map, "clock")? {
        serde_json::Value::Array(entries) => entries,
        other => return Err(format!("\"clock\" must be an array, not {}", kind(other))),
    };
    let sender = ReplicaId::try_from(sender)
        .map_err(|_| format!("sender {sender} does not exist: replicas are numbered from 0"))?;
    let clock = clock
        .iter()
        .enumerate()
        .map(|(i, entry)| match entry.as_i64() {
            Some(n) if n < 0 => Err(format!(
                "clock[{i}] is {n}: entries count writes, never negative"
            )),
            Some(n) => Ok(n as u64),
            None => entry
                .as_u64()
                .ok_or_else(|| format!("clock[{i}] must be a whole number, not {entry}")),
        })
        .collect::<Result<Vec<u64>, String>>()?;
    Ok(Replicate {
        key,
        value,
        sender,
        clock,
    })
}

/// Reads an admin body.
pub fn peer(body: &[u8]) -> Result<Peer, String> {
    let map = object(body)?;
    Ok(Peer {
        peer: integer(&map, "peer")?,
    })
}
