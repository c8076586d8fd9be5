//! The node's HTTP API (DESIGN.md section 9) as the checker calls it: every
//! answer is read strictly, and one that is not the API's says why.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use causal_core::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    agent: ureq::Agent,
}

/// An HTTP answer: status code and body.
struct Answer {
    code: u16,
    body: String,
}

impl NodeApi {
    /// The API at `base` (`http://127.0.0.1:5000`), each request bounded by `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        NodeApi {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    /// Its base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn get(&self, path: &str) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let mut response = self.agent.get(&url).call().map_err(|e| e.to_string())?;
        let code = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok(Answer { code, body })
    }

    fn post(&self, path: &str, body: &Value) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .map_err(|e| e.to_string())?;
        let code = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok(Answer { code, body })
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
            _ => Err(bad(answer.describe())),
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
            _ => Err(bad(answer.describe())),
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
                got: answer.describe(),
            }),
        }
    }
}

impl Answer {
    fn describe(&self) -> String {
        format!("{} {}", self.code, shorten(&self.body))
    }
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
