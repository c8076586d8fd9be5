//! Classroom keys and presenter mode, as hooks (side effects on the document:
//! key listeners, full screen, the root element's class).
//!
//! Every shortcut of the page is listed once, in [`SHORTCUTS`]: the help
//! dialog (`?`) shows that list, so it cannot leave one out.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// One shortcut: the keys, where they work, what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortcut {
    /// The keys, as written on the keyboard.
    pub keys: &'static str,
    /// What they do.
    pub does: &'static str,
}

/// A group of shortcuts that work in the same place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortcutGroup {
    /// Where they work.
    pub title: &'static str,
    /// The shortcuts.
    pub shortcuts: &'static [Shortcut],
}

/// Every keyboard shortcut of the page.
pub const SHORTCUTS: &[ShortcutGroup] = &[
    ShortcutGroup {
        title: "Anywhere on the page (not while typing)",
        shortcuts: &[
            Shortcut {
                keys: "?",
                does: "Show or hide this list of shortcuts",
            },
            Shortcut {
                keys: "P",
                does: "Presenter mode on or off: larger type, fewer controls",
            },
            Shortcut {
                keys: "F",
                does: "Full screen on or off",
            },
            Shortcut {
                keys: "Esc",
                does: "Close this list",
            },
            Shortcut {
                keys: "Ctrl+Z",
                does: "Undo",
            },
            Shortcut {
                keys: "Ctrl+Shift+Z or Ctrl+Y",
                does: "Redo",
            },
            Shortcut {
                keys: "Tab, Shift+Tab",
                does: "Move between controls, cards and the diagram",
            },
        ],
    },
    ShortcutGroup {
        title: "On a focused message card",
        shortcuts: &[
            Shortcut {
                keys: "Enter",
                does: "Deliver it to its replica",
            },
            Shortcut {
                keys: "Delete",
                does: "Drop it (the network loses it)",
            },
            Shortcut {
                keys: "D",
                does: "Duplicate it",
            },
            Shortcut {
                keys: "Alt+\u{2191}, Alt+\u{2193}",
                does: "Move it up or down its lane",
            },
        ],
    },
    ShortcutGroup {
        title: "In presenter mode (a presentation clicker sends these)",
        shortcuts: &[
            Shortcut {
                keys: "Page Down, \u{2192}, \u{2193}, Space",
                does: "Next step of the timeline",
            },
            Shortcut {
                keys: "Page Up, \u{2190}, \u{2191}",
                does: "Previous step",
            },
            Shortcut {
                keys: "Home, End",
                does: "First step, last step",
            },
            Shortcut {
                keys: "D",
                does: "The space-time diagram in place of the replicas, and back",
            },
        ],
    },
];

/// Where a clicker key moves the timeline (or the lesson).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// One step forward.
    Next,
    /// One step back.
    Previous,
    /// To the first step.
    First,
    /// To the last step.
    Last,
}

/// The callbacks of the page's own keys.
#[derive(Clone, PartialEq)]
pub struct PageKeys {
    /// `?`: the shortcuts.
    pub on_help: Callback<()>,
    /// `P`: presenter mode.
    pub on_present: Callback<()>,
    /// `Esc`: close whatever floats (the shortcuts).
    pub on_escape: Callback<()>,
    /// Clicker keys, only while presenting.
    pub on_move: Callback<Move>,
    /// `D` while presenting: the diagram in place of the replicas, and back.
    pub on_diagram: Callback<()>,
    /// Undo and Redo (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y) move the timeline one
    /// step through `on_move`, which keeps an embed's `steps=A-B` lock.
    pub history_moves: bool,
}

/// The page's keys: `?`, `P`, `F` and `Esc` anywhere but in a text field, and
/// the clicker keys while `presenting` (not in a form control, where arrows
/// and Space keep their meaning, nor on a card, which has keys of its own).
#[hook]
pub fn use_page_keys(presenting: bool, keys: PageKeys) {
    use_effect_with((presenting, keys), move |(presenting, keys)| {
        let (presenting, keys) = (*presenting, keys.clone());
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&document, "keydown", options, move |event| {
                    let Some(e) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    let target = focused_tag(e);
                    if keys.history_moves
                        && (e.ctrl_key() || e.meta_key())
                        && !matches!(target.as_str(), "INPUT" | "TEXTAREA")
                    {
                        let m = match (e.key().as_str(), e.shift_key()) {
                            ("z" | "Z", false) => Some(Move::Previous),
                            ("z" | "Z", true) | ("y" | "Y", false) => Some(Move::Next),
                            _ => None,
                        };
                        if let Some(m) = m {
                            keys.on_move.emit(m);
                            e.prevent_default();
                        }
                        return;
                    }
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                        return;
                    }
                    if matches!(target.as_str(), "INPUT" | "TEXTAREA" | "SELECT") {
                        return;
                    }
                    let handled = match e.key().as_str() {
                        "?" => {
                            keys.on_help.emit(());
                            true
                        }
                        "p" | "P" => {
                            keys.on_present.emit(());
                            true
                        }
                        "f" | "F" => {
                            toggle_full_screen();
                            true
                        }
                        "Escape" => {
                            keys.on_escape.emit(());
                            false
                        }
                        "d" | "D" if presenting && !on_card(e) => {
                            keys.on_diagram.emit(());
                            true
                        }
                        key if presenting && !on_card(e) => match clicker_move(key, &target) {
                            Some(m) => {
                                keys.on_move.emit(m);
                                true
                            }
                            None => false,
                        },
                        _ => false,
                    };
                    if handled {
                        e.prevent_default();
                    }
                })
            });
        move || drop(listener)
    });
}

/// The move a clicker key asks for; Space on a button presses the button.
fn clicker_move(key: &str, target: &str) -> Option<Move> {
    match key {
        "PageDown" | "ArrowRight" | "ArrowDown" => Some(Move::Next),
        " " if !matches!(target, "BUTTON" | "A" | "SUMMARY") => Some(Move::Next),
        "PageUp" | "ArrowLeft" | "ArrowUp" => Some(Move::Previous),
        "Home" => Some(Move::First),
        "End" => Some(Move::Last),
        _ => None,
    }
}

fn target_element(e: &KeyboardEvent) -> Option<HtmlElement> {
    e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok())
}

fn focused_tag(e: &KeyboardEvent) -> String {
    target_element(e)
        .map(|el| el.tag_name())
        .unwrap_or_default()
}

fn on_card(e: &KeyboardEvent) -> bool {
    target_element(e)
        .and_then(|el| el.closest("[data-testid=\"inflight\"]").ok().flatten())
        .is_some()
}

/// Full screen on or off (the browser may refuse: nothing else happens).
pub fn toggle_full_screen() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
    } else if let Some(root) = document.document_element() {
        let _ = root.request_fullscreen();
    }
}

/// While `presenting`, the root element carries the class `presenting` (type
/// sizes are in `rem`, so the whole page grows with it), and with `diagram`
/// also `presenting-diagram` (the diagram in place of the replicas).
#[hook]
pub fn use_presenting_class(presenting: bool, diagram: bool) {
    use_effect_with((presenting, diagram), |&(presenting, diagram)| {
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element());
        if let Some(root) = &root {
            for (class, on) in [
                ("presenting", presenting),
                ("presenting-diagram", presenting && diagram),
            ] {
                let _ = if on {
                    root.class_list().add_1(class)
                } else {
                    root.class_list().remove_1(class)
                };
            }
        }
        if presenting {
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    });
}
