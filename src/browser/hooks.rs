//! Side effects, kept out of the reducer: saving the session, the autoplay
//! timer, and the document's key listener (what a key means is
//! [`crate::browser::present`]'s and the keymap's to say).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

pub use crate::browser::address::{clear_location_hash, location_hash, set_location_hash};
use crate::browser::by_ptr::ByPtr;
use crate::browser::storage;
use crate::run::share::{self, FRAGMENT_PREFIX};

/// Runs `then` once, before the browser draws its next frame. Work that
/// reads or sets the layout (a scroll position) waits for the layout the
/// frame computes anyway, instead of forcing one in the middle of a render.
pub fn next_frame(then: impl FnOnce() + 'static) {
    if let Some(window) = web_sys::window() {
        let then = wasm_bindgen::closure::Closure::once_into_js(then);
        let _ = window.request_animation_frame(then.unchecked_ref());
    }
}

/// The saved session's text, if there is one (and storage is available).
/// One this page cannot read (damaged, or saved by another version of the
/// playground) is kept as it is: nothing is saved over it until the user
/// says so (see [`use_saved_work`]).
pub fn saved_session() -> Option<String> {
    let text = storage::SESSION.read()?;
    keep(|k| {
        k.known = Some(text.clone());
        if let Err(e) = share::decode(&text) {
            k.unreadable = Some((text.clone(), e.saved_cause().to_string()));
        }
    });
    Some(text)
}

/// What the page knows of the session saved in storage, beside the session.
#[derive(Default)]
struct Keeper {
    /// The text this tab last read from storage or wrote to it: storage
    /// holding anything else means another tab saved meanwhile.
    known: Option<String>,
    /// A saved session this page cannot read, and why: kept as it is until
    /// the user says otherwise, so no version of the page wipes another's.
    unreadable: Option<(String, String)>,
    /// Why the last save failed (storage full, or off).
    failed: Option<String>,
    /// The session the page could not save, as a share link's text.
    unsaved: Option<String>,
    /// Counts the sessions another tab's save replaced here: a save
    /// planned before one is out of date.
    followed: u64,
    /// Renders what the user is told about the saved session again.
    changed: Option<Callback<()>>,
}

thread_local! {
    static KEEPER: RefCell<Keeper> = RefCell::new(Keeper::default());
}

/// Runs `f` on the keeper, then tells the page if what it shows changed.
fn keep<T>(f: impl FnOnce(&mut Keeper) -> T) -> T {
    let (result, changed) = KEEPER.with(|k| {
        let mut k = k.borrow_mut();
        let before = (k.unreadable.is_some(), k.failed.clone());
        let result = f(&mut k);
        let now = (k.unreadable.is_some(), k.failed.clone());
        (result, (before != now).then(|| k.changed.clone()).flatten())
    });
    // Emitted once the keeper is free again: the render may read it.
    if let Some(changed) = changed {
        changed.emit(());
    }
    result
}

/// Saves `encoded` as the session, unless storage holds one this page
/// cannot read (kept until the user says), or says why it could not.
fn store(encoded: &str, followed: u64) {
    if !storage::SESSION.available() {
        return;
    }
    keep(|k| {
        if k.followed != followed {
            return;
        }
        if k.unreadable.is_some() {
            k.unsaved = Some(encoded.to_string());
            return;
        }
        let stored = storage::SESSION.read();
        if let Some(text) = stored.filter(|t| Some(t) != k.known.as_ref()) {
            // Saved by another tab since: kept if this page cannot read it.
            if let Err(e) = share::decode(&text) {
                k.unreadable = Some((text, e.saved_cause().to_string()));
                k.unsaved = Some(encoded.to_string());
                return;
            }
        }
        match storage::SESSION.write(encoded) {
            Ok(()) => {
                k.known = Some(encoded.to_string());
                k.failed = None;
                k.unsaved = None;
            }
            Err(e) => {
                let full = js_sys::Reflect::get(&e, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .is_some_and(|n| n == "QuotaExceededError");
                k.failed = Some(if full {
                    "the browser's storage for this page is full".into()
                } else {
                    "the browser refused to store it".into()
                });
                k.unsaved = Some(encoded.to_string());
            }
        }
    });
}

/// What the page tells the user about the session saved in the browser.
#[derive(Clone, Debug, PartialEq)]
pub enum SavedWork {
    /// Nothing to say.
    Fine,
    /// Storage holds a session this page cannot read (why): it is kept.
    Unreadable(String),
    /// The session could not be saved (why).
    NotSaved(String),
}

/// The address that opens `encoded` (a session's share text) on this page.
fn link_to(encoded: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let base = location
        .map(|l| {
            format!(
                "{}{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default(),
                l.search().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    format!("{base}#{FRAGMENT_PREFIX}{encoded}")
}

/// Downloads the session kept in storage that this page cannot read (or,
/// when saving failed, the page's own), as a file holding the link that
/// opens it: a newer version of the page opens it as it opens any link.
pub fn download_saved_work() -> Result<(), String> {
    let text = KEEPER.with(|k| {
        let k = k.borrow();
        k.unreadable
            .as_ref()
            .map(|(text, _)| text.clone())
            .or_else(|| k.unsaved.clone())
    });
    let Some(text) = text else {
        return Err("there is no session to download".into());
    };
    crate::browser::files::download(
        "causal-playground-session.txt",
        "text/plain",
        &format!("{}\n", link_to(&text)),
    )
}

/// The user said: save this page's session over the one it cannot read.
pub fn replace_saved_work() {
    let unsaved = keep(|k| {
        k.unreadable = None;
        k.known = storage::SESSION.read();
        (k.unsaved.take(), k.followed)
    });
    match unsaved {
        (Some(encoded), followed) => store(&encoded, followed),
        // Nothing tried to save since the page opened: its session is a
        // fresh one, which storage holding nothing stands for.
        (None, _) => {
            storage::SESSION.remove();
            keep(|k| k.known = None);
        }
    }
}

/// What the user is told about the saved session (see [`SavedWork`]), kept
/// up to date; and, when another tab of the page saves its session,
/// `on_follow` with that session, so that no tab's save silently wipes the
/// other's work (the session replaced stays one Undo away).
#[hook]
pub fn use_saved_work(on_follow: Callback<crate::run::session::Session>) -> SavedWork {
    let redraw = use_force_update();
    use_effect_with((), move |_| {
        KEEPER.with(|k| {
            k.borrow_mut().changed = Some(Callback::from(move |()| redraw.force_update()))
        });
        let listener = web_sys::window()
            .filter(|_| storage::SESSION.available())
            .map(|window| {
                EventListener::new(&window, "storage", move |event| {
                    // A `StorageEvent`: its key and new value.
                    let field = |name: &str| {
                        js_sys::Reflect::get(event, &wasm_bindgen::JsValue::from_str(name))
                            .ok()
                            .and_then(|v| v.as_string())
                    };
                    if field("key").as_deref() != Some(storage::SESSION.name) {
                        return;
                    }
                    let Some(text) = field("newValue") else {
                        return;
                    };
                    let session = keep(|k| {
                        if k.known.as_ref() == Some(&text) || k.unreadable.is_some() {
                            return None;
                        }
                        match share::decode(&text) {
                            Ok(session) => {
                                k.known = Some(text);
                                k.followed += 1;
                                Some(session)
                            }
                            Err(e) => {
                                k.unreadable = Some((text, e.saved_cause().to_string()));
                                None
                            }
                        }
                    });
                    if let Some(session) = session {
                        on_follow.emit(session);
                    }
                })
            });
        move || {
            drop(listener);
            KEEPER.with(|k| k.borrow_mut().changed = None);
        }
    });
    KEEPER.with(|k| {
        let k = k.borrow();
        match (&k.unreadable, &k.failed) {
            (Some((_, why)), _) => SavedWork::Unreadable(why.clone()),
            (None, Some(why)) => SavedWork::NotSaved(why.clone()),
            (None, None) => SavedWork::Fine,
        }
    })
}

/// The saved previous session's text, if there is one.
pub fn saved_previous() -> Option<String> {
    storage::PREVIOUS.read()
}

/// Whenever the session Undo returns to changes: saves it (as `encode`
/// gives it), or forgets it, so a reload keeps it one Undo away.
#[hook]
pub fn use_save_previous<T: 'static>(
    previous: Option<ByPtr<T>>,
    encode: impl FnOnce(&T) -> String + 'static,
) {
    use_effect_with(previous, move |previous| match previous {
        Some(session) => {
            let _ = storage::PREVIOUS.write(&encode(session));
        }
        None => storage::PREVIOUS.remove(),
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
/// Storage may be full or disabled (private browsing), or hold a session
/// this page cannot read: see [`use_saved_work`] for what the user is told.
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
        let followed = KEEPER.with(|k| k.borrow().followed);
        let save: Save = Box::new(move || {
            let encoded = encode();
            store(&encoded, followed);
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

/// Calls `on_key` with every key pressed on the page, until the listener
/// is dropped. Not passive: a handler may stop the browser's own meaning of
/// a key (its undo would also replay typing into the forms).
pub fn document_keys(on_key: impl Fn(&KeyboardEvent) + 'static) -> Option<EventListener> {
    let document = web_sys::window()?.document()?;
    let options = EventListenerOptions::enable_prevent_default();
    Some(EventListener::new_with_options(
        &document,
        "keydown",
        options,
        move |event| {
            if let Some(e) = event.dyn_ref::<KeyboardEvent>() {
                on_key(e)
            }
        },
    ))
}

/// The tag of the element a key was pressed on (`INPUT`, `BUTTON`, ...),
/// or "" if it is none.
pub fn focused_tag(e: &KeyboardEvent) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
        .map(|el| el.tag_name())
        .unwrap_or_default()
}
