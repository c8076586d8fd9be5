//! Every keyboard shortcut of the page, once: the key handlers ask this
//! table what a key press means, the help list (`?`) shows it, and the
//! footer and the buttons' tooltips name the keys it gives. A shortcut
//! cannot work without being listed, or be listed without working.

/// What a shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Show or hide the list of shortcuts.
    Help,
    /// Presenter mode on or off.
    Present,
    /// Full screen on or off.
    FullScreen,
    /// Close what floats (the list of shortcuts).
    Close,
    /// Undo the last step.
    Undo,
    /// Redo the step undone.
    Redo,
    /// The browser's own: move between controls (listed, never handled).
    MoveFocus,
    /// Deliver the focused card to its replica.
    Deliver,
    /// Drop the focused card.
    Drop,
    /// Duplicate the focused card.
    Duplicate,
    /// Move the focused card up its lane.
    MoveUp,
    /// Move the focused card down its lane.
    MoveDown,
    /// Presenting: the next step of the timeline.
    Next,
    /// Presenting: the previous step.
    Previous,
    /// Presenting: the first step.
    First,
    /// Presenting: the last step.
    Last,
    /// Presenting: the diagram in place of the replicas, and back.
    Diagram,
}

/// Where a group of shortcuts works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Anywhere on the page, but not while typing.
    Page,
    /// On a focused message card.
    Card,
    /// Anywhere, in presenter mode.
    Presenting,
}

/// Ctrl (or ⌘ on a Mac) and Shift: whether a press needs them held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    /// Neither Ctrl, ⌘ nor Alt (Shift as typing the key needs: `?`, `P`).
    Nothing,
    /// Ctrl or ⌘, without Shift.
    Ctrl,
    /// Ctrl or ⌘, with Shift.
    CtrlShift,
    /// Alt.
    Alt,
}

/// One key press that gives a command: the key as the browser names it
/// (`KeyboardEvent.key`; a letter in either case) and what is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Press {
    key: &'static str,
    held: Held,
}

const fn press(key: &'static str) -> Press {
    Press {
        key,
        held: Held::Nothing,
    }
}

/// One shortcut: the keys as written on the keyboard, what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortcut {
    /// The keys, as written on the keyboard.
    pub keys: &'static str,
    /// What they do, in the list.
    pub does: &'static str,
    /// What they do, for the handlers.
    pub command: Command,
    presses: &'static [Press],
}

/// A group of shortcuts that work in the same place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortcutGroup {
    /// Where they work, in words.
    pub title: &'static str,
    /// Where they work.
    pub place: Place,
    /// The shortcuts.
    pub shortcuts: &'static [Shortcut],
}

/// Every keyboard shortcut of the page.
pub const SHORTCUTS: &[ShortcutGroup] = &[
    ShortcutGroup {
        title: "Anywhere on the page (not while typing)",
        place: Place::Page,
        shortcuts: &[
            Shortcut {
                keys: "?",
                does: "Show or hide this list of shortcuts",
                command: Command::Help,
                presses: &[press("?")],
            },
            Shortcut {
                keys: "P",
                does: "Presenter mode on or off: larger type, fewer controls",
                command: Command::Present,
                presses: &[press("p")],
            },
            Shortcut {
                keys: "F",
                does: "Full screen on or off",
                command: Command::FullScreen,
                presses: &[press("f")],
            },
            Shortcut {
                keys: "Esc",
                does: "Close this list",
                command: Command::Close,
                presses: &[press("Escape")],
            },
            Shortcut {
                keys: "Ctrl+Z",
                does: "Undo",
                command: Command::Undo,
                presses: &[Press {
                    key: "z",
                    held: Held::Ctrl,
                }],
            },
            Shortcut {
                keys: "Ctrl+Shift+Z or Ctrl+Y",
                does: "Redo",
                command: Command::Redo,
                presses: &[
                    Press {
                        key: "z",
                        held: Held::CtrlShift,
                    },
                    Press {
                        key: "y",
                        held: Held::Ctrl,
                    },
                ],
            },
            Shortcut {
                keys: "Tab, Shift+Tab",
                does: "Move between controls, cards and the diagram",
                command: Command::MoveFocus,
                presses: &[],
            },
        ],
    },
    ShortcutGroup {
        title: "On a focused message card",
        place: Place::Card,
        shortcuts: &[
            Shortcut {
                keys: "Enter",
                does: "Deliver it to its replica",
                command: Command::Deliver,
                presses: &[press("Enter")],
            },
            Shortcut {
                keys: "Delete or Backspace",
                does: "Drop it (the network loses it)",
                command: Command::Drop,
                presses: &[press("Delete"), press("Backspace")],
            },
            Shortcut {
                keys: "D",
                does: "Duplicate it",
                command: Command::Duplicate,
                presses: &[press("d")],
            },
            Shortcut {
                keys: "Alt+\u{2191}",
                does: "Move it up its lane",
                command: Command::MoveUp,
                presses: &[Press {
                    key: "ArrowUp",
                    held: Held::Alt,
                }],
            },
            Shortcut {
                keys: "Alt+\u{2193}",
                does: "Move it down its lane",
                command: Command::MoveDown,
                presses: &[Press {
                    key: "ArrowDown",
                    held: Held::Alt,
                }],
            },
        ],
    },
    ShortcutGroup {
        title: "In presenter mode (a presentation clicker sends these)",
        place: Place::Presenting,
        shortcuts: &[
            Shortcut {
                keys: "Page Down, \u{2192}, \u{2193}, Space",
                does: "Next step of the timeline",
                command: Command::Next,
                presses: &[
                    press("PageDown"),
                    press("ArrowRight"),
                    press("ArrowDown"),
                    press(" "),
                ],
            },
            Shortcut {
                keys: "Page Up, \u{2190}, \u{2191}",
                does: "Previous step",
                command: Command::Previous,
                presses: &[press("PageUp"), press("ArrowLeft"), press("ArrowUp")],
            },
            Shortcut {
                keys: "Home",
                does: "First step",
                command: Command::First,
                presses: &[press("Home")],
            },
            Shortcut {
                keys: "End",
                does: "Last step",
                command: Command::Last,
                presses: &[press("End")],
            },
            Shortcut {
                keys: "D",
                does: "The space-time diagram in place of the replicas, and back",
                command: Command::Diagram,
                presses: &[press("d")],
            },
        ],
    },
];

/// A key press as a handler sees it (`KeyboardEvent`'s `key`, `ctrlKey`
/// or `metaKey`, `shiftKey`, `altKey`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPress {
    pub key: String,
    pub ctrl: bool,
    pub shift: bool,
    pub alt: bool,
}

impl KeyPress {
    /// What `e` pressed (⌘ counts as Ctrl).
    pub fn of(e: &web_sys::KeyboardEvent) -> Self {
        KeyPress {
            key: e.key(),
            ctrl: e.ctrl_key() || e.meta_key(),
            shift: e.shift_key(),
            alt: e.alt_key(),
        }
    }
}

impl Press {
    fn matches(self, p: &KeyPress) -> bool {
        let held = match self.held {
            Held::Nothing => !p.ctrl && !p.alt,
            Held::Ctrl => p.ctrl && !p.shift && !p.alt,
            Held::CtrlShift => p.ctrl && p.shift && !p.alt,
            Held::Alt => p.alt && !p.ctrl,
        };
        held && (p.key == self.key || (self.key.len() == 1 && p.key.eq_ignore_ascii_case(self.key)))
    }
}

/// The command `p` gives in `place`, if it gives one.
pub fn command(place: Place, p: &KeyPress) -> Option<Command> {
    SHORTCUTS
        .iter()
        .filter(|g| g.place == place)
        .flat_map(|g| g.shortcuts)
        .find(|s| s.presses.iter().any(|press| press.matches(p)))
        .map(|s| s.command)
}

/// The keys of `command`, as the list writes them ("" for none).
pub fn keys(command: Command) -> &'static str {
    SHORTCUTS
        .iter()
        .flat_map(|g| g.shortcuts)
        .find(|s| s.command == command)
        .map_or("", |s| s.keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pressed(key: &str, ctrl: bool, shift: bool, alt: bool) -> KeyPress {
        KeyPress {
            key: key.to_string(),
            ctrl,
            shift,
            alt,
        }
    }

    #[test]
    fn undo_and_redo_need_ctrl_and_tell_shift_apart() {
        let page = |p: KeyPress| command(Place::Page, &p);
        assert_eq!(page(pressed("z", true, false, false)), Some(Command::Undo));
        assert_eq!(page(pressed("Z", true, true, false)), Some(Command::Redo));
        assert_eq!(page(pressed("y", true, false, false)), Some(Command::Redo));
        assert_eq!(page(pressed("z", false, false, false)), None);
        assert_eq!(page(pressed("z", true, false, true)), None);
    }

    #[test]
    fn letters_work_in_either_case_and_not_with_ctrl() {
        let page = |p: KeyPress| command(Place::Page, &p);
        assert_eq!(
            page(pressed("p", false, false, false)),
            Some(Command::Present)
        );
        assert_eq!(
            page(pressed("P", false, true, false)),
            Some(Command::Present)
        );
        assert_eq!(page(pressed("?", false, true, false)), Some(Command::Help));
        assert_eq!(page(pressed("p", true, false, false)), None);
        assert_eq!(page(pressed("f", false, false, true)), None);
    }

    #[test]
    fn a_card_and_a_presentation_have_keys_of_their_own() {
        let card = |p: KeyPress| command(Place::Card, &p);
        assert_eq!(
            card(pressed("Enter", false, false, false)),
            Some(Command::Deliver)
        );
        assert_eq!(
            card(pressed("Backspace", false, false, false)),
            Some(Command::Drop)
        );
        assert_eq!(
            card(pressed("ArrowUp", false, false, true)),
            Some(Command::MoveUp)
        );
        assert_eq!(card(pressed("ArrowUp", false, false, false)), None);
        let presenting = |p: KeyPress| command(Place::Presenting, &p);
        assert_eq!(
            presenting(pressed(" ", false, false, false)),
            Some(Command::Next)
        );
        assert_eq!(
            presenting(pressed("ArrowUp", false, false, false)),
            Some(Command::Previous)
        );
        assert_eq!(
            presenting(pressed("D", false, true, false)),
            Some(Command::Diagram)
        );
        assert_eq!(
            command(Place::Page, &pressed("d", false, false, false)),
            None
        );
    }

    #[test]
    fn every_command_but_moving_the_focus_has_a_key() {
        for shortcut in SHORTCUTS.iter().flat_map(|g| g.shortcuts) {
            assert_eq!(
                shortcut.presses.is_empty(),
                shortcut.command == Command::MoveFocus,
                "{}",
                shortcut.keys
            );
            assert_eq!(keys(shortcut.command), shortcut.keys);
        }
    }
}
