//! The postMessage API (DESIGN.md section 6.1): a course page or a quiz that
//! embeds the playground in an `<iframe>` drives it and reads its state with
//! plain objects, converted by `serde-wasm-bindgen` (no JSON text crosses the
//! boundary).
//!
//! In: `{causal: "load", scenario: {...}}` (a scenario file's object, played
//! to its end as an import is) and `{causal: "seek", step: N}`.
//! Out, to the embedding page: `{causal: "state", step: N, report: {...}}`
//! (the state report of DESIGN.md section 4) after every change,
//! `{causal: "lesson-done", lesson: NAME}`, and `{causal: "error", error: TEXT,
//! request: KIND}` for a message that was refused (the state is left as it was).
//! A message without a string `causal` field is not for us and is ignored.

use causal_core::Report;
use gloo_events::EventListener;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};
use yew::prelude::*;

use crate::state::{Action, State};

/// What the embedding page asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Load this scenario (a scenario file's object) and play it to its end.
    Load {
        /// The scenario, the object as it came: the engine's scenario
        /// reader checks it.
        scenario: JsValue,
    },
    /// Move the timeline to this many steps applied.
    Seek {
        /// The timeline's new position.
        step: usize,
    },
}

/// A request's shape, checked by serde; the scenario object is taken as it
/// came (serde would have to copy it into values of its own to hold it).
#[derive(Deserialize)]
#[serde(tag = "causal", rename_all = "kebab-case", deny_unknown_fields)]
enum Shape {
    Load {
        /// Required: a load without one is refused.
        #[allow(dead_code)]
        scenario: IgnoredAny,
    },
    Seek {
        step: usize,
    },
}

/// What the playground tells the embedding page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "causal", rename_all = "kebab-case")]
pub enum Reply {
    /// The state shown, after every change.
    State {
        /// The timeline's position: steps applied.
        step: usize,
        /// The state report (DESIGN.md section 4).
        report: Report,
    },
    /// A lesson was finished.
    LessonDone {
        /// Its name (file name without extension).
        lesson: String,
    },
    /// A message was refused; nothing changed.
    Error {
        /// What was wrong, in words.
        error: String,
        /// The `causal` field of the refused message.
        request: String,
    },
}

/// The kinds of message the playground sends: one arriving here is an echo
/// (a host forwarding everything), not a request.
const OUR_REPLIES: [&str; 3] = ["state", "lesson-done", "error"];

/// Reads a message's data. `None`: not for us (no string `causal` field, or
/// one of our own replies). `Err`: for us but refused, with the reason and the
/// `causal` field.
pub fn read(data: &JsValue) -> Option<Result<Request, (String, String)>> {
    if !data.is_object() {
        return None;
    }
    let kind = js_sys::Reflect::get(data, &JsValue::from_str("causal"))
        .ok()?
        .as_string()?;
    if OUR_REPLIES.contains(&kind.as_str()) {
        return None;
    }
    Some(
        match serde_wasm_bindgen::from_value::<Shape>(data.clone()) {
            Ok(Shape::Load { .. }) => js_sys::Reflect::get(data, &JsValue::from_str("scenario"))
                .map(|scenario| Request::Load { scenario })
                .map_err(|_| "the scenario cannot be read".to_string()),
            Ok(Shape::Seek { step }) => Ok(Request::Seek { step }),
            Err(e) => Err(e.to_string()),
        }
        .map_err(|why| (request_error(&kind, &why), kind)),
    )
}

fn request_error(kind: &str, why: &str) -> String {
    match kind {
        "load" | "seek" => format!("The \"{kind}\" message was refused: {why}."),
        _ => format!(
            "There is no \"{kind}\" message: the playground understands \"load\" and \"seek\"."
        ),
    }
}

/// A scenario object checked as an import checks a file: the file's text
/// (the browser's `JSON.stringify`), or why it cannot be loaded. Nothing is
/// applied here.
pub fn scenario_text(scenario: &JsValue) -> Result<String, String> {
    let text = js_sys::JSON::stringify(scenario)
        .map_err(|_| {
            "The \"load\" message was refused: the scenario cannot be written as JSON.".to_string()
        })?
        .as_string()
        // `undefined` and functions have no JSON text: the reader says what it expected.
        .unwrap_or_else(|| "null".to_string());
    let parsed = crate::json::scenario(&text)
        .map_err(|e| format!("The \"load\" message was refused: the scenario is {e}."))?;
    parsed
        .run()
        .map_err(|e| format!("The \"load\" message was refused: the scenario's {e}."))?;
    Ok(text)
}

/// Where a seek may go: the steps of the branch shown, within `range` if the
/// embed locks the timeline. `Err` says why not.
pub fn check_seek(step: usize, steps: usize, range: Option<(usize, usize)>) -> Result<(), String> {
    let (low, high) = range.unwrap_or((0, steps));
    let high = high.min(steps);
    if step < low || step > high {
        return Err(format!(
            "The \"seek\" message was refused: step {step} is outside the timeline, which goes from {low} to {high}."
        ));
    }
    Ok(())
}

/// The page that embeds this one, if any.
pub fn embedder() -> Option<Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// Posts `reply` to `target` as a plain object (maps as objects, not `Map`s).
pub fn post(target: &Window, reply: &Reply) {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    if let Ok(value) = reply.serialize(&serializer) {
        let _ = target.post_message(&value, "*");
    }
}

/// Posts `reply` to the embedding page, if there is one.
pub fn post_to_embedder(reply: &Reply) {
    if let Some(parent) = embedder() {
        post(&parent, reply);
    }
}

/// The postMessage API as a hook: answers requests from any window (errors go
/// back to the sender) and, inside an `<iframe>`, tells the embedding page the
/// state after every change. `range`: the timeline's lock (`&steps=A-B`).
#[hook]
pub fn use_post_message(state: &UseReducerHandle<State>, range: Option<(usize, usize)>) {
    // The listener is made once and reads the state of the latest render.
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    use_effect_with(range, move |&range| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "message", move |event| {
                let Some(event) = event.dyn_ref::<MessageEvent>() else {
                    return;
                };
                let Some(request) = read(&event.data()) else {
                    return;
                };
                let state = latest.borrow().clone();
                let outcome = request.and_then(|request| answer(&state, request, range));
                if let Err((error, request)) = outcome {
                    let reply = Reply::Error { error, request };
                    match event.source().and_then(|s| s.dyn_into::<Window>().ok()) {
                        Some(sender) => post(&sender, &reply),
                        None => post_to_embedder(&reply),
                    }
                }
            })
        });
        move || drop(listener)
    });
    // After every change of what is shown: once per distinct state.
    let last = use_mut_ref(|| None::<(usize, Report)>);
    let state = state.clone();
    use_effect_with(state.revision, move |_| {
        // While a load goes on slice by slice, what is shown is not yet the session.
        if embedder().is_some() && !state.loading() {
            let now = (state.cursor(), Report::of(&state.simulation));
            if last.borrow().as_ref() != Some(&now) {
                post_to_embedder(&Reply::State {
                    step: now.0,
                    report: now.1.clone(),
                });
                *last.borrow_mut() = Some(now);
            }
        }
    });
}

/// Carries out a request, or says why not (with the request's kind).
fn answer(
    state: &UseReducerHandle<State>,
    request: Request,
    range: Option<(usize, usize)>,
) -> Result<(), (String, String)> {
    match request {
        Request::Load { scenario } => {
            let text = scenario_text(&scenario).map_err(|e| (e, "load".to_string()))?;
            state.dispatch(Action::Import(
                text,
                "the embedding page's scenario".to_string(),
            ));
        }
        Request::Seek { step } => {
            if state.loading() {
                return Err((
                    "The \"seek\" message was refused: the playground is still loading a session; send it again once its state arrives.".to_string(),
                    "seek".to_string(),
                ));
            }
            check_seek(step, state.steps(), range).map_err(|e| (e, "seek".to_string()))?;
            state.dispatch(Action::Seek(step));
        }
    }
    Ok(())
}
