//! JSON text read in the page: the browser's own reader (`JSON.parse`) makes
//! a JavaScript value of it and serde-wasm-bindgen (already in the page for
//! postMessage) converts that to the engine's types, so the page carries no
//! JSON reader of its own (ARCHITECTURE.md, "Budgets"). Natively, where
//! there is no browser (the tests), serde_json reads the same text.

use causal_core::{Scenario, ScenarioError};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value read from JSON text that comes from outside the page's own
/// data (saved answers, a causal-check document), or why it cannot be read.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = js_sys::JSON::parse(text).map_err(|e| js_message(&e))?;
        serde_wasm_bindgen::from_value(value).map_err(|e| js_message(&e.into()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// `value` as JSON text, written by the browser's `JSON.stringify` (natively
/// by serde_json); `None` if it cannot be.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = serde_wasm_bindgen::to_value(value).ok()?;
        js_sys::JSON::stringify(&value).ok()?.as_string()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::to_string(value).ok()
    }
}

/// `value` as JSON text indented by two spaces, for a file a person reads:
/// `JSON.stringify(value, null, 2)` in the browser, serde_json's pretty
/// form natively (the same text); `None` if it cannot be written.
pub fn to_json_pretty<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        // Maps as objects and `None` as null, as serde_json writes them.
        let value = value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .ok()?;
        let indent = wasm_bindgen::JsValue::from_f64(2.0);
        js_sys::JSON::stringify_with_replacer_and_space(
            &value,
            &wasm_bindgen::JsValue::NULL,
            &indent,
        )
        .ok()?
        .as_string()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::to_string_pretty(value).ok()
    }
}

/// A scenario file, read as [`Scenario::parse`] reads it (the same checks
/// and words: the scenario's own reader runs on the value), except where the
/// text is not JSON at all: then the browser says where it breaks.
pub fn scenario(text: &str) -> Result<Scenario, ScenarioError> {
    #[cfg(target_arch = "wasm32")]
    {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(ScenarioError::Malformed("it is empty".into()));
        }
        let value = js_sys::JSON::parse(text).map_err(|e| {
            ScenarioError::Malformed(format!("it is not JSON ({})", js_message(&e)))
        })?;
        serde_wasm_bindgen::from_value(value).map_err(|e| {
            let why = js_message(&e.into());
            match why.strip_prefix("not a scenario file: ") {
                Some(why) => ScenarioError::Malformed(why.to_string()),
                None => ScenarioError::Invalid(why),
            }
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Scenario::parse(text)
    }
}

/// The message of a JavaScript error (`SyntaxError: ...` without its name).
#[cfg(target_arch = "wasm32")]
fn js_message(error: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => error.as_string().unwrap_or_else(|| "unreadable".into()),
    }
}
