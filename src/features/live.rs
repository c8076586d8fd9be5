//! The live view: real nodes on the page (`?live=URL,URL,...`).
//!
//! The page polls each node's `GET /store` and shows it where the replicas
//! usually are; with causal-node it also reads `GET /events` and
//! `GET /admin/queues`, holds and releases links, and draws the run. What
//! it recorded opens in the playground through the import path.
//!
//! - [`address`]: the nodes' addresses, checked, and the page's own address.
//! - [`wire`]: the nodes' JSON, read loosely, as text only.
//! - [`replay`]: the recorded events turned into a scenario, and what is missing.
//! - [`net`]: requests to the nodes, each with a timeout.
//! - [`page`]: the view itself.

pub mod address;
pub mod net;
pub mod page;
pub mod replay;
pub mod wire;

use yew::prelude::*;

use crate::browser::storage;

pub use page::LiveView;

/// Whether the address asks for the live view.
pub fn requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| address::live_param(&search).is_some())
}

/// The playground's side of a replay: once, when it opens, the run the live
/// view left goes through the import path, so Undo and the history work on
/// it as on an imported file.
#[hook]
pub fn use_replay_import(on_import: Callback<(String, String)>) {
    use_effect_with((), move |_| {
        if let Some(text) = storage::LIVE_REPLAY.read() {
            storage::LIVE_REPLAY.remove();
            on_import.emit((text, "the live run".to_string()));
        }
    });
}

/// Leaves `text` (a scenario file) for the playground, which reads it once
/// it opens ([`open_playground`]).
pub(crate) fn leave_for_playground(text: &str) -> Result<(), String> {
    if !storage::LIVE_REPLAY.available() {
        return Err("this browser keeps no session storage".to_string());
    }
    storage::LIVE_REPLAY
        .write(text)
        .map_err(|_| "the run is too large for this browser's session storage".to_string())
}

/// Opens the playground (this page without `?live=`).
pub(crate) fn open_playground() -> Result<(), String> {
    let location = web_sys::window().ok_or("no window")?.location();
    let path = location.pathname().map_err(|_| "no address")?;
    location
        .assign(&path)
        .map_err(|_| "the playground could not be opened".to_string())
}

/// The link from the playground to the live view's form.
pub fn link() -> Html {
    html! {
        <a class="live-link" href="?live=" data-testid="live-open">{ "Watch real nodes (live view)" }</a>
    }
}
