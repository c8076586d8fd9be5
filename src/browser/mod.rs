//! The browser's services, each in one place: the address, storage, the
//! keymap, files and the clipboard, pointer drags, timers and effects
//! (hooks), postMessage, the search worker and the embed's options. Imports
//! [`crate::data`] and [`crate::run`], never a view or a feature.

pub mod address;
pub mod by_ptr;
pub mod callback;
pub mod census;
pub mod drag;
pub mod embed;
pub mod files;
pub mod hooks;
pub mod keymap;
pub mod post_message;
pub mod present;
pub mod storage;
pub mod worker;
