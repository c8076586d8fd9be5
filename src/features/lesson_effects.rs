//! Side effects of the lessons, kept out of the reducers: progress in local
//! storage, `#lesson=NAME` links, highlighting what a step talks about, and
//! telling an embedding page that a lesson is done.

use gloo_events::EventListener;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::browser::storage;
use crate::components::lesson::Progress;
use crate::run::tutor::FirstAnswer;

/// The address fragment that opens a lesson: `#lesson=NAME`.
pub const LESSON_PREFIX: &str = "lesson=";

/// The attribute a highlighted element carries (the page's classes are
/// yew's to set; an attribute of our own survives its re-renders).
const HIGHLIGHT: &str = "data-lesson-highlight";

/// The class a lane's box carries while its lane, empty, is highlighted:
/// the highlight goes round the whole box ("nothing in flight"), never
/// round an empty pill. A class set here, not a `:has()` rule: that made
/// every action restyle the page (ARCHITECTURE.md, the budgets).
const EMPTY_LANE: &str = "lesson-empty-lane";

/// The lesson a fragment names (`lesson=NAME`), if it names one.
pub fn lesson_in(fragment: &str) -> Option<String> {
    let name = fragment
        .trim_start_matches('#')
        .strip_prefix(LESSON_PREFIX)?;
    Some(
        js_sys::decode_uri_component(name)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| name.to_string()),
    )
}

/// How far the learner got in lesson `name`, as saved.
pub fn saved_progress(name: &str) -> Progress {
    let saved = storage::LESSON_PROGRESS.read_item(name);
    match saved.as_deref() {
        Some("done") => Progress::Done,
        Some(step) => step.parse().map_or(Progress::New, Progress::At),
        None => Progress::New,
    }
}

/// Every first answer recorded in this browser, oldest first (nothing if
/// storage is unavailable or what it holds cannot be read).
pub fn saved_answers() -> Vec<FirstAnswer> {
    storage::LESSON_RESULTS
        .read()
        .and_then(|text| crate::data::json::from_json(&text).ok())
        .unwrap_or_default()
}

/// Keeps `answers` in this browser's storage, and nowhere else.
pub fn save_answers(answers: &[FirstAnswer]) {
    if let Some(text) = crate::data::json::to_json(answers) {
        let _ = storage::LESSON_RESULTS.write(&text);
    }
}

/// Now, as an ISO 8601 date and time (UTC).
pub fn now() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

/// The lesson that was open when the page was left: (name, step, base).
pub fn saved_open() -> Option<(String, usize, usize)> {
    let text = storage::LESSON_OPEN.read()?;
    let mut parts = text.split(' ');
    let name = parts.next()?.to_string();
    let step = parts.next()?.parse().ok()?;
    let base = parts.next()?.parse().ok()?;
    Some((name, step, base))
}

/// Where the learner is, kept in storage whenever it changes: `open` is
/// (name, step from 0, the history's length at the step, done), or `None`
/// once no lesson is open.
#[hook]
pub fn use_lesson_progress(open: Option<(String, usize, usize, bool)>) {
    use_effect_with(open, |open| match open {
        Some((name, step, base, done)) => {
            let progress = if *done {
                "done".to_string()
            } else {
                step.to_string()
            };
            let _ = storage::LESSON_PROGRESS.write_item(name, &progress);
            if *done {
                storage::LESSON_OPEN.remove();
            } else {
                let _ = storage::LESSON_OPEN.write(&format!("{name} {step} {base}"));
            }
        }
        None => storage::LESSON_OPEN.remove(),
    });
}

/// Calls `on_open` with the lesson's name when the address changes to
/// `#lesson=NAME` in a page already open.
#[hook]
pub fn use_lesson_links(on_open: Callback<String>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |_| {
                if let Some(name) = crate::browser::hooks::location_hash()
                    .as_deref()
                    .and_then(lesson_in)
                {
                    on_open.emit(name);
                }
            })
        });
        move || drop(listener)
    });
}

/// The CSS selector of the page's elements a lesson step points at, by
/// their `data-testid` (README.md, "Writing a lesson", lists the names).
pub fn selector(target: &causal_core::Target) -> String {
    use causal_core::Target;
    match target {
        Target::Part(part, i) => format!("[data-testid=\"{part}-{i}\"]"),
        Target::Message(m) => format!(
            "[data-testid=\"inflight\"][data-message=\"{0}\"], [data-testid^=\"held-\"] [data-message=\"{0}\"]",
            m.0
        ),
        Target::Page(name) => format!("[data-testid=\"{name}\"]"),
    }
}

/// Marks the elements `selectors` match as highlighted, again after every
/// change of `revision` (new cards appear), and unmarks them after.
#[hook]
pub fn use_lesson_highlight(selectors: Vec<String>, revision: u64) {
    use_effect_with((selectors, revision), |(selectors, _)| {
        let (marked, boxes) = mark(selectors);
        move || {
            for element in marked {
                let _ = element.remove_attribute(HIGHLIGHT);
            }
            for lane_box in boxes {
                let _ = lane_box.class_list().remove_1(EMPTY_LANE);
            }
        }
    });
}

/// Marks what `selectors` match; returns them, and the boxes of the empty
/// lanes among them, which carry [`EMPTY_LANE`].
fn mark(selectors: &[String]) -> (Vec<web_sys::Element>, Vec<web_sys::Element>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return (Vec::new(), Vec::new());
    };
    let (mut marked, mut boxes) = (Vec::new(), Vec::new());
    for selector in selectors {
        let Ok(found) = document.query_selector_all(selector) else {
            continue;
        };
        for i in 0..found.length() {
            if let Some(element) = found
                .item(i)
                .and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
            {
                let _ = element.set_attribute(HIGHLIGHT, "true");
                let empty_lane =
                    element.class_list().contains("lane") && element.child_element_count() == 0;
                if let Some(lane_box) = element
                    .parent_element()
                    .filter(|p| empty_lane && p.class_list().contains("lane-box"))
                {
                    let _ = lane_box.class_list().add_1(EMPTY_LANE);
                    boxes.push(lane_box);
                }
                marked.push(element);
            }
        }
    }
    (marked, boxes)
}

/// When `done` names a lesson just finished, tells the page that embeds
/// this one (if any): `{"causal": "lesson-done", "lesson": NAME}`.
#[hook]
pub fn use_lesson_done(done: Option<String>) {
    use_effect_with(done, |done| {
        let Some(name) = done else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        let Ok(Some(parent)) = window.parent() else {
            return;
        };
        if js_sys::Object::is(&parent, &window) {
            return;
        }
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"causal".into(), &"lesson-done".into());
        let _ = js_sys::Reflect::set(&message, &"lesson".into(), &JsValue::from_str(name));
        let _ = parent.post_message(&message, "*");
    });
}
