//! The postMessage API (README.md, "In the classroom"): a course page or a quiz
//! that embeds the playground in an `<iframe>` drives it and reads its state
//! with plain objects, converted by `serde-wasm-bindgen` (no JSON text crosses
//! the boundary).
//!
//! In: `{causal: "load", scenario: {...}}` (a scenario file's object, played
//! to its end as an import is) and `{causal: "seek", step: N}`.
//! Out, to the embedding page: `{causal: "state", step: N, report: {...}}`
//! (the state report `causal-sim run` prints) after every change,
//! `{causal: "lesson-done", lesson: NAME}`, and `{causal: "error", error: TEXT,
//! request: KIND}` for a message that was refused (the state is left as it was).
//! A message without a string `causal` field is not for us and is ignored.

use std::cell::RefCell;
use std::rc::Rc;

use causal_core::Report;
use gloo_events::EventListener;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};
use yew::prelude::*;

use crate::browser::files::MAX_IMPORT_BYTES;
use crate::run::loading::{Job, Origin, MAX_EVENTS};
use crate::run::session::Session;
use crate::run::state::{Action, State, DEFAULT_SEED};
use crate::run::text;

/// What the embedding page asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Load this scenario (a scenario file's object) and play it to its end.
    Load {
        /// The scenario, the object as it came: [`scenario_text`] bounds it,
        /// then the engine's scenario reader checks it.
        scenario: JsValue,
    },
    /// Move the timeline to this many steps applied.
    Seek {
        /// The timeline's new position.
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
        /// The state report, as `causal-sim run` prints it.
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

/// How deep a scenario object may nest. A scenario file nests three deep
/// (the file, its steps, a step); this leaves room for a page's own
/// fields, and stops an object that holds itself before it is followed.
pub const MAX_SCENARIO_DEPTH: usize = 32;

/// A message's own field named `name`, if it has one (a getter that throws
/// reads as none).
fn field(data: &JsValue, name: &str) -> Option<JsValue> {
    let key = JsValue::from_str(name);
    if !js_sys::Reflect::has(data, &key).unwrap_or(false) {
        return None;
    }
    js_sys::Reflect::get(data, &key).ok()
}

/// Reads a message's data. `None`: not for us (no string `causal` field, or
/// one of our own replies). `Err`: for us but refused, with the reason and the
/// `causal` field. Nothing here follows the message's objects: a scenario
/// that holds itself, or nests a million deep, is read by [`scenario_text`],
/// which bounds it first.
pub fn read(data: &JsValue) -> Option<Result<Request, (String, String)>> {
    if !data.is_object() {
        return None;
    }
    let kind = field(data, "causal")?.as_string()?;
    if OUR_REPLIES.contains(&kind.as_str()) {
        return None;
    }
    let refused = |why: String| Some(Err((request_error(&kind, &why), kind.clone())));
    let known: &[&str] = match kind.as_str() {
        "load" => &["causal", "scenario"],
        "seek" => &["causal", "step"],
        _ => return refused(String::new()),
    };
    let Ok(keys) = js_sys::Reflect::own_keys(data) else {
        return refused("its fields cannot be read".into());
    };
    for key in keys.iter() {
        let name = key.as_string().unwrap_or_else(|| "a symbol".to_string());
        if !known.contains(&name.as_str()) {
            let wanted = known.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>();
            return refused(format!(
                "it has a field \"{}\" the playground does not know (a \"{kind}\" message has {})",
                text::shorten(&name),
                wanted.join(" and ")
            ));
        }
    }
    match kind.as_str() {
        "load" => match field(data, "scenario") {
            Some(scenario) => Some(Ok(Request::Load { scenario })),
            None => refused("it has no \"scenario\" (a scenario file as an object)".into()),
        },
        _ => match field(data, "step").map(|step| whole_number(&step)) {
            Some(Ok(step)) => Some(Ok(Request::Seek { step })),
            Some(Err(what)) => refused(format!(
                "its \"step\" must be a whole number of steps, from 0, not {what}"
            )),
            None => refused("it has no \"step\" (the timeline\u{2019}s position, from 0)".into()),
        },
    }
}

/// A step number, or what the value is instead, in words.
fn whole_number(value: &JsValue) -> Result<usize, String> {
    if let Some(n) = value.as_f64() {
        if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
            return Ok(n as usize);
        }
        return Err(match n {
            _ if n.is_nan() => "NaN".into(),
            _ if n.is_infinite() && n > 0.0 => "Infinity".into(),
            _ if n.is_infinite() => "-Infinity".into(),
            _ => n.to_string(),
        });
    }
    Err(match value.as_string() {
        Some(text) => format!("the text \"{}\"", text::shorten(&text)),
        None if value.is_null() => "null".into(),
        None if value.is_undefined() => "undefined".into(),
        None if js_sys::Array::is_array(value) => "a list".into(),
        None if value.as_bool().is_some() => "true or false".into(),
        None => "an object".into(),
    })
}

fn request_error(kind: &str, why: &str) -> String {
    match kind {
        "load" | "seek" => format!("The \"{kind}\" message was refused: {why}."),
        _ => format!(
            "There is no \"{kind}\" message: the playground understands \"load\" and \"seek\"."
        ),
    }
}

/// Walks `scenario` without recursion, and refuses it before anything
/// converts it if it nests deeper than [`MAX_SCENARIO_DEPTH`] (an object that
/// holds itself does) or holds more than an imported file may: each value
/// counts one, a text its length, against [`MAX_IMPORT_BYTES`].
fn check_bounds(scenario: &JsValue) -> Result<(), String> {
    let budget = MAX_IMPORT_BYTES as usize;
    let too_big = || {
        format!(
            "the scenario is larger than a file the page imports ({} bytes at most)",
            text::grouped(budget)
        )
    };
    let mut seen = 0usize;
    let mut stack = vec![(scenario.clone(), 1usize)];
    while let Some((value, depth)) = stack.pop() {
        seen += 1;
        if let Some(text) = value.dyn_ref::<js_sys::JsString>() {
            seen += text.length() as usize;
        }
        if seen > budget {
            return Err(too_big());
        }
        if !value.is_object() || value.is_function() {
            continue;
        }
        if depth > MAX_SCENARIO_DEPTH {
            return Err(format!(
                "the scenario nests deeper than {MAX_SCENARIO_DEPTH} levels (an object that holds itself does); a scenario file nests three"
            ));
        }
        let unreadable = || "the scenario cannot be read (one of its fields cannot be)".to_string();
        if js_sys::Array::is_array(&value) {
            let array: &js_sys::Array = value.unchecked_ref();
            let length = array.length() as usize;
            if seen + length > budget {
                return Err(too_big());
            }
            for i in 0..array.length() {
                let item = js_sys::Reflect::get_u32(&value, i).map_err(|_| unreadable())?;
                stack.push((item, depth + 1));
            }
        } else {
            let keys = js_sys::Reflect::own_keys(&value).map_err(|_| unreadable())?;
            if seen + keys.length() as usize > budget {
                return Err(too_big());
            }
            for key in keys.iter() {
                let item = js_sys::Reflect::get(&value, &key).map_err(|_| unreadable())?;
                stack.push((item, depth + 1));
            }
        }
    }
    Ok(())
}

/// A scenario object checked as an import checks a file, limits included
/// (its size, its keys and values, its steps and the events of its run):
/// the file's text (the browser's `JSON.stringify`), or why it cannot be
/// loaded, in the page's words. Nothing is applied here.
pub fn scenario_text(scenario: &JsValue) -> Result<String, String> {
    let refused = |why: &str| format!("The \"load\" message was refused: {why}.");
    check_bounds(scenario).map_err(|why| refused(&why))?;
    let text = js_sys::JSON::stringify(scenario)
        .map_err(|_| refused("the scenario cannot be written as JSON"))?
        .as_string()
        // `undefined` and functions have no JSON text: the reader says what it expected.
        .unwrap_or_else(|| "null".to_string());
    if text.len() as u64 > MAX_IMPORT_BYTES {
        return Err(refused(&format!(
            "the scenario is larger than a file the page imports ({} bytes at most)",
            text::grouped(MAX_IMPORT_BYTES as usize)
        )));
    }
    let parsed =
        crate::data::json::scenario(&text).map_err(|e| refused(&text::shorten(&e.to_string())))?;
    // What a load checks before it plays anything: the keys and values,
    // the number of steps.
    let session = Session::linear(parsed.config(), parsed.clone().into_history(), DEFAULT_SEED);
    Job::load(session, Origin::Import(String::new()))
        .map_err(|why| refused(&text::shorten(&why)))?;
    let (_, events) = parsed
        .run()
        .map_err(|e| refused(&text::shorten(&e.to_string())))?;
    if events.len() > MAX_EVENTS {
        return Err(refused(&format!(
            "its run has more than {} events, more than the page can show at once; causal-sim can run it",
            text::grouped(MAX_EVENTS)
        )));
    }
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

/// Who may drive the page by message. In an embed: the embedding page, and
/// no other window. A page of its own (opened by a link or `window.open`):
/// a window of the playground's own origin, or of an origin the user
/// allowed in this tab; any other is asked about first, on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    /// Carry the message out.
    Trusted,
    /// Not for this page: ignored, unanswered (another window talking to
    /// an embed's frame, not its embedding page).
    Stranger,
    /// Ask the user first: a page at this origin wants to drive this one.
    Ask(String),
}

thread_local! {
    static ALLOWED: RefCell<Vec<String>> = RefCell::new(
        crate::browser::storage::ALLOWED_ORIGINS
            .read()
            .map(|list| list.lines().map(str::to_string).collect())
            .unwrap_or_default(),
    );
}

fn allow(origin: &str) {
    ALLOWED.with(|allowed| {
        let mut allowed = allowed.borrow_mut();
        if !allowed.iter().any(|o| o == origin) {
            allowed.push(origin.to_string());
        }
        let _ = crate::browser::storage::ALLOWED_ORIGINS.write(&allowed.join("\n"));
    });
}

/// Who `source` (at `origin`) is to this page: see [`Sender`].
pub fn sender(source: Option<&Window>, origin: &str) -> Sender {
    if let Some(parent) = embedder() {
        return match source {
            Some(source) if js_sys::Object::is(source, &parent) => Sender::Trusted,
            _ => Sender::Stranger,
        };
    }
    let own = web_sys::window().and_then(|w| w.location().origin().ok());
    let allowed = ALLOWED.with(|allowed| allowed.borrow().iter().any(|o| o == origin));
    if own.as_deref() == Some(origin) && origin != "null" || allowed {
        Sender::Trusted
    } else {
        Sender::Ask(origin.to_string())
    }
}

/// A request from a page the user has not allowed yet, shown on the page
/// with Allow and Ignore until the user answers.
struct Asking {
    banner: web_sys::Element,
    _listeners: [EventListener; 2],
}

impl Drop for Asking {
    fn drop(&mut self) {
        self.banner.remove();
    }
}

/// Sends `reply` to `source`, or else to the embedding page.
fn answer_to(source: Option<&Window>, reply: &Reply) {
    match source {
        Some(sender) => post(sender, reply),
        None => post_to_embedder(reply),
    }
}

/// Shows, at the top of the page, that a page at `origin` asks to `what`,
/// with Allow (remembered for the tab) and Ignore; calls `decided` with the
/// user's answer, once. Nothing else is held up meanwhile.
fn ask(origin: &str, what: &str, decided: impl FnOnce(bool) + 'static) -> Option<Asking> {
    let document = web_sys::window()?.document()?;
    let banner = document.create_element("div").ok()?;
    banner.set_class_name("notice asking");
    let _ = banner.set_attribute("role", "alertdialog");
    let _ = banner.set_attribute("data-testid", "message-ask");
    let _ = banner.set_attribute("data-origin", origin);
    let text = document.create_element("p").ok()?;
    text.set_text_content(Some(&format!(
        "A page at {origin} asks to {what}. Allow it only if you opened the playground from that page."
    )));
    let _ = text.set_attribute("id", "message-ask-text");
    let _ = banner.set_attribute("aria-describedby", "message-ask-text");
    let button = |label: &str, testid: &str| {
        let b = document.create_element("button").ok()?;
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("data-testid", testid);
        b.set_text_content(Some(label));
        Some(b)
    };
    let allow_button = button(&format!("Allow {origin}"), "message-allow")?;
    let ignore_button = button("Ignore", "message-ignore")?;
    for child in [&text, &allow_button, &ignore_button] {
        banner.append_child(child).ok()?;
    }
    let body = document.body()?;
    body.insert_before(&banner, body.first_child().as_ref())
        .ok()?;
    let decided = Rc::new(RefCell::new(Some(decided)));
    let on = |b: &web_sys::Element, yes: bool| {
        let decided = decided.clone();
        EventListener::new(b, "click", move |_| {
            let once = decided.borrow_mut().take();
            if let Some(f) = once {
                f(yes);
            }
        })
    };
    let listeners = [on(&allow_button, true), on(&ignore_button, false)];
    if let Some(b) = allow_button.dyn_ref::<web_sys::HtmlElement>() {
        let _ = b.focus();
    }
    Some(Asking {
        banner,
        _listeners: listeners,
    })
}

/// The postMessage API as a hook: answers requests from the windows that
/// may send them (see [`sender`]; errors go back to the sender) and, inside
/// an `<iframe>`, tells the embedding page the state after every change.
/// `range`: the timeline's lock (`&steps=A-B`).
#[hook]
pub fn use_post_message(state: &UseReducerHandle<State>, range: Option<(usize, usize)>) {
    // The listener is made once and reads the state of the latest render.
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    let asking = use_mut_ref(|| None::<Asking>);
    use_effect_with(range, move |&range| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "message", move |event| {
                let Some(event) = event.dyn_ref::<MessageEvent>() else {
                    return;
                };
                // Not `dyn_into`: a window of another origin is no
                // `instanceof Window` here, yet it is the sender.
                let source = event.source().map(|s| s.unchecked_into::<Window>());
                let who = sender(source.as_ref(), &event.origin());
                if who == Sender::Stranger {
                    return;
                }
                let Some(request) = read(&event.data()) else {
                    return;
                };
                let from = match &who {
                    Sender::Ask(origin) => format!("the scenario from {origin}"),
                    _ if embedder().is_some() => "the embedding page's scenario".to_string(),
                    _ => "the scenario sent to the playground".to_string(),
                };
                let carry_out = {
                    let latest = latest.clone();
                    let source = source.clone();
                    move |request: Result<Request, (String, String)>| {
                        let state = latest.borrow().clone();
                        let outcome = request.and_then(|r| answer(&state, r, range, &from));
                        if let Err((error, request)) = outcome {
                            answer_to(source.as_ref(), &Reply::Error { error, request });
                        }
                    }
                };
                // A malformed message is answered at once, from anyone who may be asked.
                let (Sender::Ask(origin), Ok(request)) = (who, request.clone()) else {
                    return carry_out(request);
                };
                let kind = match &request {
                    Request::Load { .. } => "load",
                    Request::Seek { .. } => "seek",
                }
                .to_string();
                if asking.borrow().is_some() {
                    let error = format!("The \"{kind}\" message was refused: the playground is still asking its user whether {origin} may drive it; send it again once they allow it.");
                    answer_to(source.as_ref(), &Reply::Error { error, request: kind });
                    return;
                }
                let what = match &request {
                    Request::Load { .. } => "load a scenario here, in place of your session (Undo brings yours back)".to_string(),
                    Request::Seek { step } => format!("move the timeline to step {step}"),
                };
                let decided = {
                    let (asking, source, origin, kind) =
                        (asking.clone(), source.clone(), origin.clone(), kind.clone());
                    move |yes: bool| {
                        if yes {
                            allow(&origin);
                            carry_out(Ok(request));
                        } else {
                            let error = format!("The \"{kind}\" message was refused: the playground\u{2019}s user did not allow {origin} to drive it.");
                            answer_to(source.as_ref(), &Reply::Error { error, request: kind });
                        }
                        // The banner goes once the answer is carried out
                        // (after this click's handler, which it holds).
                        let done = asking.clone();
                        gloo_timers::callback::Timeout::new(0, move || {
                            done.borrow_mut().take();
                        })
                        .forget();
                    }
                };
                *asking.borrow_mut() = ask(&origin, &what, decided);
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

/// Carries out a request, or says why not (with the request's kind). `from`
/// names a loaded scenario on the page ("the embedding page's scenario").
fn answer(
    state: &UseReducerHandle<State>,
    request: Request,
    range: Option<(usize, usize)>,
    from: &str,
) -> Result<(), (String, String)> {
    match request {
        Request::Load { scenario } => {
            let text = scenario_text(&scenario).map_err(|e| (e, "load".to_string()))?;
            state.dispatch(Action::Import(text, from.to_string()));
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
