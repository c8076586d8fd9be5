//! Side effects, kept out of the reducer: saving the session, the autoplay
//! timer, and keyboard shortcuts.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::by_ptr::ByPtr;
use crate::share::FRAGMENT_PREFIX;

/// Where the session is kept in local storage.
pub const STORAGE_KEY: &str = "causal-playground/session";

/// Local storage; none in an embed (`?embed`): its session belongs to the
/// embedding page, and must neither show nor overwrite the user's own.
fn storage() -> Option<web_sys::Storage> {
    if crate::embed::embedded() {
        return None;
    }
    web_sys::window()?.local_storage().ok().flatten()
}

/// Where the session Undo returns to from the start of the saved one is kept.
pub const PREVIOUS_KEY: &str = "causal-playground/previous";

/// The saved session's text, if there is one (and storage is available).
pub fn saved_session() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok().flatten()
}

/// The saved previous session's text, if there is one.
pub fn saved_previous() -> Option<String> {
    storage()?.get_item(PREVIOUS_KEY).ok().flatten()
}

/// Whenever the session Undo returns to changes: saves it (as `encode`
/// gives it), or forgets it, so a reload keeps it one Undo away.
#[hook]
pub fn use_save_previous<T: 'static>(
    previous: Option<ByPtr<T>>,
    encode: impl FnOnce(&T) -> String + 'static,
) {
    use_effect_with(previous, move |previous| {
        if let Some(storage) = storage() {
            let _ = match previous {
                Some(session) => storage.set_item(PREVIOUS_KEY, &encode(session)),
                None => storage.remove_item(PREVIOUS_KEY),
            };
        }
    });
}

/// How long the session must stay unchanged before it is saved: a burst of
/// actions is saved once, after it.
const SAVE_DELAY_MS: u32 = 400;

/// Saves the session (as `encode()` gives it) in storage once
/// `session_revision` has changed and stayed the same for [`SAVE_DELAY_MS`],
/// and at once when the page is hidden (a reload, a closed tab) or
/// unmounted; actions that leave the session as it was (a notice dismissed,
/// autoplay's speed) save nothing, nor does the page as it opened. While a share link is in the address, every change
/// (`revision`) is compared with it at once, and the link is taken out once
/// the session no longer is what it holds, so a reload shows the newer one.
/// Storage may be full or disabled (private browsing): the page then simply
/// does not persist.
/// While a session is `loading`, nothing is saved: what is shown is not yet
/// the session that will be.
#[hook]
pub fn use_save_session(
    revision: u64,
    session_revision: u64,
    loading: bool,
    encode: impl FnOnce() -> String + 'static,
) {
    type Save = Box<dyn FnOnce()>;
    let pending = use_mut_ref(|| None::<Save>);
    let timer = use_mut_ref(|| None::<Timeout>);
    // Revision 0: the page as it opened, with nothing storage lacks.
    let saved = use_mut_ref(|| 0);
    let flush = |pending: &Rc<RefCell<Option<Save>>>| {
        let save = pending.borrow_mut().take();
        if let Some(save) = save {
            save();
        }
    };
    {
        let pending = pending.clone();
        use_effect_with((), move |_| {
            let hidden = {
                let pending = pending.clone();
                web_sys::window()
                    .map(|window| EventListener::new(&window, "pagehide", move |_| flush(&pending)))
            };
            move || {
                drop(hidden);
                flush(&pending);
            }
        });
    }
    use_effect_with(revision, move |_| {
        if loading {
            return;
        }
        let linked_now = location_hash().is_some_and(|h| h.starts_with(FRAGMENT_PREFIX));
        if !linked_now && *saved.borrow() == session_revision {
            return;
        }
        *saved.borrow_mut() = session_revision;
        let save: Save = Box::new(move || {
            let encoded = encode();
            if let Some(storage) = storage() {
                let _ = storage.set_item(STORAGE_KEY, &encoded);
            }
            let linked = format!("{FRAGMENT_PREFIX}{encoded}");
            let stale = |hash: String| hash.starts_with(FRAGMENT_PREFIX) && hash != linked;
            if location_hash().is_some_and(stale) {
                clear_location_hash();
            }
        });
        *pending.borrow_mut() = Some(save);
        if linked_now {
            timer.borrow_mut().take();
            return flush(&pending);
        }
        let later = pending.clone();
        *timer.borrow_mut() = Some(Timeout::new(SAVE_DELAY_MS, move || flush(&later)));
    });
}

/// While a job runs (`busy`), calls `on_slice` once after each render, from
/// a new task: the browser paints and handles input between two slices.
#[hook]
pub fn use_slices(revision: u64, busy: bool, on_slice: Callback<()>) {
    use_effect_with(revision, move |_| {
        let timeout = busy.then(|| Timeout::new(0, move || on_slice.emit(())));
        move || drop(timeout)
    });
}

/// Calls `on_link` with a share link's fragment whenever the address's
/// fragment changes to one (a link pasted into a tab that shows the page:
/// the browser does not reload, it only fires `hashchange`).
#[hook]
pub fn use_followed_links(on_link: Callback<String>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |_| {
                if let Some(hash) = location_hash().filter(|h| h.starts_with(FRAGMENT_PREFIX)) {
                    on_link.emit(hash);
                }
            })
        });
        move || drop(listener)
    });
}

/// While `playing`, calls `on_tick` every `speed_ms` milliseconds.
#[hook]
pub fn use_autoplay(playing: bool, speed_ms: u32, on_tick: Callback<()>) {
    use_effect_with((playing, speed_ms), move |&(playing, speed_ms)| {
        let interval = playing.then(|| Interval::new(speed_ms, move || on_tick.emit(())));
        move || drop(interval)
    });
}

/// Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes, anywhere but in a text
/// field, where they keep their usual meaning (a select has none).
#[hook]
pub fn use_history_keys(on_undo: Callback<()>, on_redo: Callback<()>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                // Not passive: preventDefault must stop the browser's own undo,
                // which would otherwise also replay typing into the forms.
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&document, "keydown", options, move |event| {
                    let Some(e) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if !(e.ctrl_key() || e.meta_key()) || in_text_field(e) {
                        return;
                    }
                    match (e.key().as_str(), e.shift_key()) {
                        ("z" | "Z", false) => on_undo.emit(()),
                        ("z" | "Z", true) | ("y" | "Y", false) => on_redo.emit(()),
                        _ => return,
                    }
                    e.prevent_default();
                })
            });
        move || drop(listener)
    });
}

fn in_text_field(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA"))
}

/// The page's fragment without its `#`, if there is one.
pub fn location_hash() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    (!hash.is_empty()).then(|| hash.to_string())
}

/// Puts `fragment` in the address (replacing the entry: no new history step),
/// and returns the whole link.
pub fn set_location_hash(fragment: &str) -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let link = format!(
        "{}{}{}#{fragment}",
        location.origin().ok()?,
        location.pathname().ok()?,
        location.search().ok()?
    );
    window
        .history()
        .ok()?
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link))
        .ok()?;
    Some(link)
}

/// Takes the fragment out of the address, without a new history entry.
pub fn clear_location_hash() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if let (Ok(path), Ok(search), Ok(history)) =
        (location.pathname(), location.search(), window.history())
    {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        );
    }
}
