//! The address's `#check=` link (causal-check's smallest failing case) over
//! time: opened when the fragment changes to one, taken out of the address
//! once it no longer says what is shown. Reading the link is
//! [`crate::run::observed`]'s.

use std::rc::Rc;

use gloo_events::EventListener;
use yew::prelude::*;

use crate::run::observed::{Found, CHECK_PREFIX};

/// Calls `on_link` with a `check=` fragment whenever the address's fragment
/// changes to one in a tab that already shows the page.
#[hook]
pub fn use_check_links(on_link: Callback<String>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |_| {
                if let Some(hash) =
                    crate::browser::address::location_hash().filter(|h| h.starts_with(CHECK_PREFIX))
                {
                    on_link.emit(hash);
                }
            })
        });
        move || drop(listener)
    });
}

/// Takes `#check=` out of the address once it no longer says what is shown
/// (the link was refused, or the session changed since it opened), as a
/// share link's fragment goes: a reload then shows the session as it is.
#[hook]
pub fn use_check_address(state: &crate::run::state::State) {
    // The case shown, and the session's revision when it opened.
    let opened = use_mut_ref(|| None::<(*const Found, u64)>);
    let check = state.check.as_ref().map(Rc::as_ptr);
    let now = (state.revision, state.session_revision, state.loading());
    use_effect_with(now, move |&(_, session, loading)| {
        if loading {
            return;
        }
        let mut opened = opened.borrow_mut();
        let current = match (check, *opened) {
            (Some(found), Some((was, at))) if found == was => Some(at),
            (Some(found), _) => {
                *opened = Some((found, session));
                Some(session)
            }
            (None, _) => {
                *opened = None;
                None
            }
        };
        let linked =
            crate::browser::address::location_hash().is_some_and(|h| h.starts_with(CHECK_PREFIX));
        if linked && current != Some(session) {
            crate::browser::address::clear_location_hash();
        }
    });
}
