//! A blocking HTTP/1 client on hyper's, the client causal-node sends with
//! (ARCHITECTURE.md, "One HTTP client"): the checker drives a node step by
//! step, so each request is sent and awaited on a small runtime of its own.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{header, Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// The most of an answer the checker reads: an API answer in a case is a
/// few kilobytes; a node that sends more is not answering the API.
const MOST: usize = 16 * 1024 * 1024;

/// A connection pool with its own runtime; every request bounded by a
/// timeout, the answer's body included.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    inner: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

/// An answer: status code and body.
pub struct Answer {
    /// The status code.
    pub code: u16,
    /// The body, as text (lossy).
    pub body: String,
}

impl Client {
    /// A client whose every request must be answered within `timeout`.
    pub fn new(timeout: Duration) -> Client {
        // Only a system out of file descriptors fails here; then nothing
        // the checker does could work.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .expect("a runtime for the checker's requests");
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            // A connection idle this long is not reused: a node may close
            // it meanwhile, and this pool notices only when it sends.
            .pool_idle_timeout(Duration::from_secs(2))
            .pool_timer(TokioTimer::new())
            .build_http();
        Client {
            runtime,
            inner,
            timeout,
        }
    }

    /// `GET url`.
    pub fn get(&self, url: &str) -> Result<Answer, String> {
        self.send(Method::GET, url, String::new())
    }

    /// `POST url` with a JSON body.
    pub fn post(&self, url: &str, json: String) -> Result<Answer, String> {
        self.send(Method::POST, url, json)
    }

    fn send(&self, method: Method, url: &str, body: String) -> Result<Answer, String> {
        let request = Request::builder()
            .method(method)
            .uri(url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("cannot send to {url}: {e}"))?;
        let exchange = async {
            let response = self.inner.request(request).await.map_err(|e| causes(&e))?;
            let code = response.status().as_u16();
            let body = Limited::new(response.into_body(), MOST)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        format!("an answer over {} MiB", MOST / (1024 * 1024))
                    } else {
                        format!("the answer broke off: {}", causes(&*e))
                    }
                })?
                .to_bytes();
            Ok(Answer {
                code,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        };
        self.runtime.block_on(async {
            tokio::time::timeout(self.timeout, exchange)
                .await
                .unwrap_or_else(|_| {
                    Err(format!("no answer within {} s", self.timeout.as_secs_f64()))
                })
        })
    }
}

/// An error and its causes, one after another: the useful part is the
/// last (connection refused, reset, closed).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let said = e.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = e.source();
    }
    text
}
