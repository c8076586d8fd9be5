//! Requests to the nodes: `fetch` with a timeout, no cookies, no cache;
//! the answer as text. Only the page builds the addresses, from the base
//! URLs the user gave and the API's paths.

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, Request, RequestCache, RequestCredentials, RequestInit, RequestMode,
    Response,
};

/// How long one request may take before the node counts as not answering.
pub const TIMEOUT_MS: i32 = 2500;

/// An answer: its status and body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

/// `GET {base}{path}`.
pub async fn get(base: &str, path: &str) -> Result<Answer, String> {
    send("GET", base, path, None).await
}

/// `POST {base}{path}` with `body` as JSON (written by the browser's
/// `JSON.stringify`, `json.rs`).
pub async fn post<T: Serialize>(base: &str, path: &str, body: &T) -> Result<Answer, String> {
    let body = crate::data::json::to_json(body).ok_or("the page could not write the request")?;
    send("POST", base, path, Some(body)).await
}

async fn send(
    method: &str,
    base: &str,
    path: &str,
    body: Option<String>,
) -> Result<Answer, String> {
    let window = web_sys::window().ok_or("no window")?;
    let controller = AbortController::new().map_err(|_| "this browser cannot time requests out")?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = body {
        let headers = Headers::new().map_err(|_| "no headers")?;
        let _ = headers.set("Content-Type", "application/json");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&body));
    }
    let url = format!("{base}{path}");
    let request = Request::new_with_str_and_init(&url, &init)
        .map_err(|_| format!("{url} is not an address"))?;
    // The timer aborts the request and the reading of its body alike.
    let abort = Closure::once(move || controller.abort());
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.as_ref().unchecked_ref(),
            TIMEOUT_MS,
        )
        .ok();
    let outcome = async {
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|e| failure(&e))?
            .dyn_into()
            .map_err(|_| "no response".to_string())?;
        let text = response.text().map_err(|_| "no body".to_string())?;
        let body = JsFuture::from(text)
            .await
            .map_err(|e| failure(&e))?
            .as_string()
            .unwrap_or_default();
        Ok(Answer {
            status: response.status(),
            body,
        })
    }
    .await;
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    drop(abort);
    outcome
}

/// Why a request failed, in words: timed out, or no answer at all (the
/// browser does not say more: refused, unreachable and a CORS refusal look
/// the same to a page).
fn failure(error: &JsValue) -> String {
    let name = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.name()))
        .unwrap_or_default();
    if name == "AbortError" {
        format!("it does not answer within {} s", TIMEOUT_MS as f64 / 1000.0)
    } else {
        "it does not answer (it is not running, cannot be reached, or does not allow this page: CORS)"
            .to_string()
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
