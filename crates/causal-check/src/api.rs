//! The node's HTTP API (README.md, "causal-node: the store across real
//! processes") as the checker calls it: every answer is read strictly, and one
//! that is not the API's says why.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use causal_core::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{Answer, Client};

/// A write as it travels between nodes: the body of `POST /replicate`, and
/// an entry of `GET /store`'s `buffered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireMessage {
    /// The key written.
    pub key: String,
    /// The value written.
    pub value: String,
    /// The writer's node number.
    pub sender: usize,
    /// The writer's clock just after the write.
    pub clock: Vec<u64>,
}

impl From<&Message> for WireMessage {
    fn from(message: &Message) -> Self {
        WireMessage {
            key: message.key.to_string(),
            value: message.value.to_string(),
            sender: message.sender,
            clock: message.clock.entries().to_vec(),
        }
    }
}

/// What a node answered to `POST /replicate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receipt {
    /// 200 `applied`: delivered.
    Applied,
    /// 202 `buffered`: held back.
    Buffered,
    /// 200 `discarded`: a duplicate.
    Discarded,
}

impl Receipt {
    /// The `status` field's word.
    pub fn word(self) -> &'static str {
        match self {
            Receipt::Applied => "applied",
            Receipt::Buffered => "buffered",
            Receipt::Discarded => "discarded",
        }
    }
}

/// What `GET /store` answered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StoreAnswer {
    /// Key to value (a string under overwrite).
    pub store: BTreeMap<String, Value>,
    /// The node's vector clock.
    pub vector_clock: Vec<u64>,
    /// Its hold-back buffer, as messages (read one by one by the judge).
    pub buffered: Vec<Value>,
}

/// An answer that is not the API's: which request, what it should have
/// been, what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadResponse {
    /// `POST /put`, ...
    pub request: &'static str,
    /// What the API says, in words.
    pub expected: String,
    /// What came back, shortened.
    pub got: String,
}

impl fmt::Display for BadResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {}; the API says {}",
            self.request, self.got, self.expected
        )
    }
}

/// A node's base URL and a connection pool to it.
pub struct NodeApi {
    base: String,
    client: Client,
}

impl NodeApi {
    /// The API at `base` (`http://127.0.0.1:5000`), each request bounded by `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Self {
        NodeApi {
            base: base.trim_end_matches('/').to_string(),
            client: Client::new(timeout),
        }
    }

    /// Its base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn get(&self, path: &str) -> Result<Answer, String> {
        self.client.get(&format!("{}{path}", self.base))
    }

    fn post(&self, path: &str, body: &Value) -> Result<Answer, String> {
        self.client
            .post(&format!("{}{path}", self.base), body.to_string())
    }

    /// `GET /`: the greeting's text when it answers 200.
    pub fn hello(&self) -> Result<String, String> {
        let answer = self.get("/")?;
        if answer.code == 200 {
            Ok(answer.body)
        } else {
            Err(format!("status {}: {}", answer.code, shorten(&answer.body)))
        }
    }

    /// `POST /put`: the clock the node says it has after the write.
    pub fn put(&self, key: &str, value: &str) -> Result<Vec<u64>, BadResponse> {
        const REQUEST: &str = "POST /put";
        const EXPECTED: &str = r#"200 {"status": "stored", "vector_clock": [...]}"#;
        let bad = |got: String| BadResponse {
            request: REQUEST,
            expected: EXPECTED.into(),
            got,
        };
        let answer = self
            .post("/put", &serde_json::json!({"key": key, "value": value}))
            .map_err(|e| bad(format!("no answer ({e})")))?;
        #[derive(Deserialize)]
        struct Stored {
            status: String,
            vector_clock: Vec<u64>,
        }
        match serde_json::from_str::<Stored>(&answer.body) {
            Ok(stored) if answer.code == 200 && stored.status == "stored" => {
                Ok(stored.vector_clock)
            }
            _ => Err(bad(describe(&answer))),
        }
    }

    /// `POST /replicate`: whether the node applied, buffered or discarded it.
    pub fn replicate(&self, message: &WireMessage) -> Result<Receipt, BadResponse> {
        const REQUEST: &str = "POST /replicate";
        const EXPECTED: &str = r#"200 {"status": "applied"}, 202 {"status": "buffered"} or 200 {"status": "discarded"}"#;
        let bad = |got: String| BadResponse {
            request: REQUEST,
            expected: EXPECTED.into(),
            got,
        };
        let body = serde_json::to_value(message).unwrap_or_default();
        let answer = self
            .post("/replicate", &body)
            .map_err(|e| bad(format!("no answer ({e})")))?;
        #[derive(Deserialize)]
        struct Status {
            status: String,
        }
        let status = serde_json::from_str::<Status>(&answer.body).map(|s| s.status);
        match (answer.code, status.as_deref()) {
            (200, Ok("applied")) => Ok(Receipt::Applied),
            (202, Ok("buffered")) => Ok(Receipt::Buffered),
            (200, Ok("discarded")) => Ok(Receipt::Discarded),
            _ => Err(bad(describe(&answer))),
        }
    }

    /// `GET /store`.
    pub fn store(&self) -> Result<StoreAnswer, BadResponse> {
        let answer = self.get("/store").map_err(|e| BadResponse {
            request: "GET /store",
            expected: "an answer".into(),
            got: format!("no answer ({e})"),
        })?;
        match serde_json::from_str::<StoreAnswer>(&answer.body) {
            Ok(store) if answer.code == 200 => Ok(store),
            _ => Err(BadResponse {
                request: "GET /store",
                expected: r#"200 {"store": {...}, "vector_clock": [...], "buffered": [...]}"#
                    .into(),
                got: describe(&answer),
            }),
        }
    }
}

/// An answer as a message quotes it: its status and body, shortened.
fn describe(answer: &Answer) -> String {
    format!("{} {}", answer.code, shorten(&answer.body))
}

/// A body as a message quotes it: one line, at most 200 characters.
pub fn shorten(text: &str) -> String {
    let line = text.trim().replace(['\n', '\r'], " ");
    if line.chars().count() > 200 {
        format!("{}...", line.chars().take(200).collect::<String>())
    } else {
        line
    }
}
