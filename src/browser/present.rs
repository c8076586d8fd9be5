//! The page's keys (Undo and Redo, the classroom's keys) and presenter
//! mode, as hooks (side effects on the document: one key listener, full
//! screen, the root element's class). Which command a key gives is the
//! keymap's to say ([`crate::browser::keymap`]).

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
#[derive(Clone)]
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
    /// Ctrl+Z, unless `history_moves`.
    pub on_undo: Callback<()>,
    /// Ctrl+Shift+Z or Ctrl+Y, unless `history_moves`.
    pub on_redo: Callback<()>,
    /// An embed locked to `steps=A-B`: Undo and Redo move the timeline one
    /// step through `on_move`, which keeps the lock, instead.
    pub history_moves: bool,
}

/// What a key press on the page does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Does {
    Undo,
    Redo,
    Help,
    Present,
    FullScreen,
    Close,
    Diagram,
    Move(Move),
}

/// Where a key was pressed, as far as the page's keys care.
struct Pressed<'a> {
    press: &'a KeyPress,
    /// The focused element's tag (`INPUT`, `BUTTON`, ...), or "".
    target: &'a str,
    /// On a message card, which has keys of its own.
    on_card: bool,
    /// Something nearer the key (a card, a control) has handled it.
    prevented: bool,
}

/// What `p` does: one answer per press, so Undo and Redo are decided once,
/// in the embed's lock or out of it. Undo and Redo work anywhere but in a
/// text field (where they keep their usual meaning; a select has none);
/// `?`, `P`, `F` and `Esc` nowhere in a form control; the clicker keys only
/// while `presenting`, and not on a card.
fn decide(p: &Pressed, presenting: bool, history_moves: bool) -> Option<Does> {
    let press = p.press;
    let typing = matches!(p.target, "INPUT" | "TEXTAREA");
    let command = keymap::command(Place::Page, press).or_else(|| {
        (presenting && !p.on_card)
            .then(|| keymap::command(Place::Presenting, press))
            .flatten()
    })?;
    match command {
        Command::Undo | Command::Redo if typing => None,
        Command::Undo if history_moves => Some(Does::Move(Move::Previous)),
        Command::Redo if history_moves => Some(Does::Move(Move::Next)),
        Command::Undo => Some(Does::Undo),
        Command::Redo => Some(Does::Redo),
        _ if press.ctrl || press.alt || p.prevented => None,
        _ if typing || p.target == "SELECT" => None,
        Command::Help => Some(Does::Help),
        Command::Present => Some(Does::Present),
        Command::FullScreen => Some(Does::FullScreen),
        Command::Close => Some(Does::Close),
        Command::Diagram => Some(Does::Diagram),
        command => clicker_move(command, &press.key, p.target).map(Does::Move),
    }
}

/// The page's keys, in one document listener (see [`decide`]). The clicker
/// keys work while `presenting`.
#[hook]
pub fn use_page_keys(presenting: bool, keys: PageKeys) {
    // The listener reads the keys of the latest render: it is added once,
    // not again on every action (the callbacks are new on each render).
    let latest = use_mut_ref(|| (presenting, keys.clone()));
    *latest.borrow_mut() = (presenting, keys);
    use_effect_with((), move |_| {
        let listener = hooks::document_keys(move |e| {
            let (presenting, keys) = latest.borrow().clone();
            let press = KeyPress::of(e);
            let pressed = Pressed {
                press: &press,
                target: &focused_tag(e),
                on_card: on_card(e),
                prevented: e.default_prevented(),
            };
            let Some(does) = decide(&pressed, presenting, keys.history_moves) else {
                return;
            };
            match does {
                Does::Undo => keys.on_undo.emit(()),
                Does::Redo => keys.on_redo.emit(()),
                Does::Help => keys.on_help.emit(()),
                Does::Present => keys.on_present.emit(()),
                Does::FullScreen => toggle_full_screen(),
                // Not prevented: Esc keeps the browser's meaning as well.
                Does::Close => return keys.on_escape.emit(()),
                Does::Diagram => keys.on_diagram.emit(()),
                Does::Move(m) => keys.on_move.emit(m),
            }
            e.prevent_default();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str, ctrl: bool, shift: bool) -> KeyPress {
        KeyPress {
            key: key.to_string(),
            ctrl,
            shift,
            alt: false,
        }
    }

    /// What `press` does on `target`, out of a card, nothing handled yet.
    fn does(press: &KeyPress, target: &str, presenting: bool, locked: bool) -> Option<Does> {
        let pressed = Pressed {
            press,
            target,
            on_card: false,
            prevented: false,
        };
        decide(&pressed, presenting, locked)
    }

    #[test]
    fn undo_and_redo_move_a_locked_embed_and_do_nothing_else() {
        let (undo, redo, y) = (
            key("z", true, false),
            key("Z", true, true),
            key("y", true, false),
        );
        for presenting in [false, true] {
            assert_eq!(does(&undo, "", presenting, false), Some(Does::Undo));
            assert_eq!(does(&redo, "", presenting, false), Some(Does::Redo));
            assert_eq!(does(&y, "BUTTON", presenting, false), Some(Does::Redo));
            assert_eq!(
                does(&undo, "", presenting, true),
                Some(Does::Move(Move::Previous))
            );
            assert_eq!(
                does(&redo, "SELECT", presenting, true),
                Some(Does::Move(Move::Next))
            );
            assert_eq!(does(&y, "", presenting, true), Some(Does::Move(Move::Next)));
        }
    }

    #[test]
    fn a_text_field_keeps_its_keys() {
        for locked in [false, true] {
            assert_eq!(does(&key("z", true, false), "INPUT", true, locked), None);
            assert_eq!(does(&key("Z", true, true), "TEXTAREA", true, locked), None);
            assert_eq!(does(&key("p", false, false), "INPUT", true, locked), None);
            assert_eq!(
                does(&key("PageDown", false, false), "SELECT", true, locked),
                None
            );
        }
        // Ctrl+Z in a select is Undo (a select has no undo of its own).
        assert_eq!(
            does(&key("z", true, false), "SELECT", false, false),
            Some(Does::Undo)
        );
    }

    #[test]
    fn clicker_keys_only_while_presenting_and_not_with_ctrl() {
        let next = key("PageDown", false, false);
        assert_eq!(does(&next, "", false, false), None);
        assert_eq!(does(&next, "", true, false), Some(Does::Move(Move::Next)));
        assert_eq!(does(&key("PageDown", true, false), "", true, false), None);
        assert_eq!(does(&key(" ", false, false), "BUTTON", true, false), None);
        let on_card = Pressed {
            press: &key("d", false, false),
            target: "LI",
            on_card: true,
            prevented: false,
        };
        assert_eq!(decide(&on_card, true, false), None);
        let handled = Pressed {
            press: &key("?", false, true),
            target: "",
            on_card: false,
            prevented: true,
        };
        assert_eq!(decide(&handled, false, false), None);
    }
}
