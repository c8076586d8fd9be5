//! Classroom use, gathered for the page: presenter mode and its keys, the
//! shortcuts list, the Embed action's snippet, and the postMessage API. The
//! page asks [`use_classroom`] once and renders what it returns.

use yew::prelude::*;

use crate::components::lane::CardActions;
use crate::components::present::{embed_code, present_button, EmbedCodeProps, PresentProps};
use crate::components::shortcuts::Shortcuts;
use crate::embed::{self, Embed};
use crate::files;
use crate::post_message::use_post_message;
use crate::present::{use_page_keys, use_presenting_class, Move, PageKeys};
use crate::state::{Action, Notice, Place, State};

/// What the page needs of classroom use.
pub struct Classroom {
    /// Presenter mode is on.
    pub presenting: bool,
    /// Writing and acting on messages are off (`&readonly`).
    pub readonly: bool,
    /// The timeline's lock (`&steps=A-B`), cut to the branch shown.
    pub range: (usize, usize),
    /// The present button.
    pub actions: Html,
    /// Show the Embed snippet (an item of the share menu).
    pub on_embed: Callback<MouseEvent>,
    /// The Embed snippet when asked for, the shortcuts when shown.
    pub panels: Html,
}

/// Presenter mode, the shortcuts and the Embed snippet for `state`, as an
/// embed with `options` or the whole page.
#[hook]
pub fn use_classroom(state: &UseReducerHandle<State>, options: Option<&Embed>) -> Classroom {
    let presenting = use_state_eq(|| false);
    let help = use_state_eq(|| false);
    let code = use_state_eq(|| None::<String>);
    let steps = state.steps();
    let range = options.map_or((0, steps), |e| e.range(steps));
    let lock = options.and_then(|e| e.steps);
    use_post_message(state, lock);
    use_presenting_class(*presenting);

    let toggle_present = {
        let presenting = presenting.clone();
        Callback::from(move |()| presenting.set(!*presenting))
    };
    let on_move = {
        let (d, cursor, loading) = (state.dispatcher(), state.cursor(), state.loading());
        Callback::from(move |m: Move| {
            let to = match m {
                Move::Next => (cursor + 1).min(range.1),
                Move::Previous => cursor.saturating_sub(1).max(range.0),
                Move::First => range.0,
                Move::Last => range.1,
            };
            if to != cursor && !loading {
                d.dispatch(Action::Seek(to));
            }
        })
    };
    let keys = PageKeys {
        on_help: {
            let help = help.clone();
            Callback::from(move |()| help.set(!*help))
        },
        on_present: toggle_present.clone(),
        on_escape: {
            let help = help.clone();
            Callback::from(move |()| help.set(false))
        },
        on_move,
    };
    // An embed takes the clicker keys too: a slide's frame has the focus.
    use_page_keys(*presenting || options.is_some(), keys);

    let on_embed = {
        let (state, code) = (state.clone(), code.clone());
        Callback::from(move |_: MouseEvent| match embed::snippet(&state) {
            Ok(snippet) => code.set(Some(snippet)),
            Err(why) => state.dispatch(Action::Refuse(Notice::error(Place::Page, why))),
        })
    };
    let actions = html! {
        <div class="top-actions">
            { present_button(&PresentProps { presenting: *presenting, on_toggle: toggle_present }) }
        </div>
    };
    let panels = html! {
        <>
            if let Some(snippet) = &*code {
                { embed_code(&EmbedCodeProps {
                    code: snippet.clone(),
                    on_copy: {
                        let d = state.dispatcher();
                        Callback::from(move |text: String| {
                            files::copy_text(&text);
                            d.dispatch(Action::Note("Copied the iframe snippet that embeds this session.".into()));
                        })
                    },
                    on_close: { let code = code.clone(); Callback::from(move |()| code.set(None)) },
                }) }
            }
            if *help {
                <Shortcuts on_close={ let help = help.clone(); Callback::from(move |()| help.set(false)) } />
            }
        </>
    };
    Classroom {
        presenting: *presenting,
        readonly: options.is_some_and(|e| e.readonly),
        range,
        actions,
        on_embed,
        panels,
    }
}

/// The cards' actions with everything that changes the run turned off (a
/// read-only embed): hovering still highlights.
pub fn read_only(actions: CardActions) -> CardActions {
    CardActions {
        deliver: Callback::noop(),
        drop: Callback::noop(),
        duplicate: Callback::noop(),
        reorder: Callback::noop(),
        release: Callback::noop(),
        drag: Callback::noop(),
        highlight: actions.highlight,
    }
}
