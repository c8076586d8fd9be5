//! Classroom keys and presenter mode, as hooks (side effects on the document:
//! key listeners, full screen, the root element's class). What a key means
//! is the keymap's to say ([`crate::browser::keymap`]).

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::browser::hooks::{self, focused_tag};
use crate::browser::keymap::{self, Command, KeyPress, Place};

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
        let listener = hooks::document_keys(move |e| {
            let target = focused_tag(e);
            let pressed = KeyPress::of(e);
            if keys.history_moves
                && (e.ctrl_key() || e.meta_key())
                && !matches!(target.as_str(), "INPUT" | "TEXTAREA")
            {
                let m = match keymap::command(Place::Page, &pressed) {
                    Some(Command::Undo) => Some(Move::Previous),
                    Some(Command::Redo) => Some(Move::Next),
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
            // A card has keys of its own, even while presenting.
            let command = keymap::command(Place::Page, &pressed).or_else(|| {
                (presenting && !on_card(e))
                    .then(|| keymap::command(Place::Presenting, &pressed))
                    .flatten()
            });
            let handled = match command {
                Some(Command::Help) => {
                    keys.on_help.emit(());
                    true
                }
                Some(Command::Present) => {
                    keys.on_present.emit(());
                    true
                }
                Some(Command::FullScreen) => {
                    toggle_full_screen();
                    true
                }
                Some(Command::Close) => {
                    keys.on_escape.emit(());
                    false
                }
                Some(Command::Diagram) => {
                    keys.on_diagram.emit(());
                    true
                }
                Some(command) => match clicker_move(command, &pressed.key, &target) {
                    Some(m) => {
                        keys.on_move.emit(m);
                        true
                    }
                    None => false,
                },
                None => false,
            };
            if handled {
                e.prevent_default();
            }
        });
        move || drop(listener)
    });
}

/// The move a clicker's `command` asks for; Space on a button presses the
/// button.
fn clicker_move(command: Command, key: &str, target: &str) -> Option<Move> {
    match command {
        Command::Next if key == " " && matches!(target, "BUTTON" | "A" | "SUMMARY") => None,
        Command::Next => Some(Move::Next),
        Command::Previous => Some(Move::Previous),
        Command::First => Some(Move::First),
        Command::Last => Some(Move::Last),
        _ => None,
    }
}

fn on_card(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
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
