//! Every key the page keeps in the browser's storage, and the one way to
//! read, write and remove them.
//!
//! Local storage outlives the tab: the session and the one Undo returns to,
//! lesson progress and answers, solved puzzles, whether touch dragging was
//! used, the live view's node addresses. Session storage lasts as long as
//! the tab: a replay handed from the live view to the playground, and the
//! origins an embedding page was allowed.
//!
//! An embed (`?embed`) never reads or writes the user's own session: its
//! run belongs to the embedding page, and must neither show nor overwrite
//! the user's.

use wasm_bindgen::JsValue;

/// Where a key's value lives, and who sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kept {
    /// Local storage, and not in an embed.
    OwnPage,
    /// Local storage, embedded or not.
    Local,
    /// The tab's session storage.
    Tab,
}

/// One key of the page's storage (or, read with [`Key::item`], the prefix
/// of a family of keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The key's name in storage.
    pub name: &'static str,
    kept: Kept,
}

/// The session shown, as a share link's text.
pub const SESSION: Key = Key {
    name: "causal-playground/session",
    kept: Kept::OwnPage,
};

/// The session Undo returns to from the start of the saved one.
pub const PREVIOUS: Key = Key {
    name: "causal-playground/previous",
    kept: Kept::OwnPage,
};

/// A lesson's progress, under its name: `causal-playground/lesson/NAME`.
pub const LESSON_PROGRESS: Key = Key {
    name: "causal-playground/lesson/",
    kept: Kept::Local,
};

/// The lesson open, its step and the session it began from.
pub const LESSON_OPEN: Key = Key {
    name: "causal-playground/lesson-open",
    kept: Kept::Local,
};

/// Every lesson's answers, for the results a teacher collects.
pub const LESSON_RESULTS: Key = Key {
    name: "causal-playground/lesson-results",
    kept: Kept::Local,
};

/// The puzzles solved.
pub const SOLVED_PUZZLES: Key = Key {
    name: "causal-playground/solved-puzzles",
    kept: Kept::Local,
};

/// A card was dragged by touch once: the touch hint is not shown again.
pub const TOUCH_USED: Key = Key {
    name: "causal-playground/touch-drag-used",
    kept: Kept::Local,
};

/// The live view's node addresses, as last entered.
pub const LIVE_NODES: Key = Key {
    name: "causal-playground-live-nodes",
    kept: Kept::Local,
};

/// A replay the live view hands to the playground it opens.
pub const LIVE_REPLAY: Key = Key {
    name: "causal-playground-live-replay",
    kept: Kept::Tab,
};

/// The origins an embedding page was allowed to drive this tab from.
pub const ALLOWED_ORIGINS: Key = Key {
    name: "causal-playground/allowed-origins",
    kept: Kept::Tab,
};

impl Key {
    /// The browser's storage this key lives in, if the page may use it here.
    fn storage(self) -> Option<web_sys::Storage> {
        let window = web_sys::window()?;
        match self.kept {
            Kept::OwnPage if crate::browser::address::embedded() => None,
            Kept::OwnPage | Kept::Local => window.local_storage().ok().flatten(),
            Kept::Tab => window.session_storage().ok().flatten(),
        }
    }

    /// Whether this key can be kept here (storage is on, and it is not the
    /// user's own session in an embed).
    pub fn available(self) -> bool {
        self.storage().is_some()
    }

    /// Its value, if it has one.
    pub fn read(self) -> Option<String> {
        self.read_item("")
    }

    /// Keeps `value`, or says why the browser would not (the error it threw:
    /// storage full, or off). Nothing happens where the key is not kept.
    pub fn write(self, value: &str) -> Result<(), JsValue> {
        self.write_item("", value)
    }

    /// Forgets its value.
    pub fn remove(self) {
        if let Some(storage) = self.storage() {
            let _ = storage.remove_item(self.name);
        }
    }

    /// The value of `item` in this family of keys (`LESSON_PROGRESS`).
    pub fn read_item(self, item: &str) -> Option<String> {
        self.storage()?
            .get_item(&format!("{}{item}", self.name))
            .ok()
            .flatten()
    }

    /// Keeps `value` as `item` of this family of keys.
    pub fn write_item(self, item: &str, value: &str) -> Result<(), JsValue> {
        match self.storage() {
            Some(storage) => storage.set_item(&format!("{}{item}", self.name), value),
            None => Ok(()),
        }
    }
}
