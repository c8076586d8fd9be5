//! Share, import and export: the page's side effects on the address, the
//! clipboard and files, as callbacks for the share bar. The reducer only
//! hears of them as actions (a note, an import, an error).

use yew::prelude::*;

use crate::browser::by_ptr::ByPtr;
use crate::components::diagram::svg_markup;
use crate::components::diagram_layout::Drawing;
use crate::components::share_bar::Export;
use crate::run::state::{Action, Notice, Place, State};
use crate::{browser::files, browser::hooks, run::share, run::text};

/// What the share bar (and a file dropped on the page) can do.
pub struct Exchange {
    /// The last link made, shown so it can be copied by hand.
    pub link: Option<String>,
    /// Put the session in the address and copy the link.
    pub on_share: Callback<()>,
    /// Import a scenario file.
    pub on_file: Callback<web_sys::File>,
    /// Export the run or the diagram.
    pub on_export: Callback<Export>,
}

fn refusal(state: &UseReducerHandle<State>) -> Callback<String> {
    let d = state.dispatcher();
    Callback::from(move |text: String| d.dispatch(Action::Refuse(Notice::error(Place::Page, text))))
}

/// The share bar's callbacks, for the state in `state`, the diagram drawn in
/// `svg` and its `drawing` (for the PNG's size).
#[hook]
pub fn use_exchange(
    state: &UseReducerHandle<State>,
    svg: &NodeRef,
    drawing: ByPtr<Drawing>,
) -> Exchange {
    let link = use_state(|| None::<String>);
    let on_share = {
        let (state, link, refuse) = (state.clone(), link.clone(), refusal(state));
        Callback::from(move |()| {
            let fragment = format!(
                "{}{}",
                share::FRAGMENT_PREFIX,
                share::encode(&state.session())
            );
            if fragment.len() > share::MAX_FRAGMENT_CHARS {
                return refuse.emit(format!(
                    "This session is too long for a link ({} characters; at most {}). Export it as a scenario file instead.",
                    fragment.len(),
                    share::MAX_FRAGMENT_CHARS
                ));
            }
            let Some(url) = hooks::set_location_hash(&fragment) else {
                return;
            };
            files::copy_text(&url);
            link.set(Some(url));
            state.dispatch(Action::Note(
                "Copied a link to this session: it holds the whole run, every branch included."
                    .into(),
            ));
        })
    };
    let on_file = {
        let (d, refuse) = (state.dispatcher(), refusal(state));
        Callback::from(move |file: web_sys::File| {
            let (d, refuse, name) = (d.clone(), refuse.clone(), file.name());
            files::read_text(
                file,
                Callback::from(move |read: Result<String, String>| match read {
                    Ok(text) => d.dispatch(Action::Import(text, name.clone())),
                    Err(why) => refuse.emit(format!("Nothing was imported: {why}.")),
                }),
            );
        })
    };
    let on_export = {
        let (state, svg, refuse) = (state.clone(), svg.clone(), refusal(state));
        Callback::from(move |what: Export| {
            let refuse = refuse.reform(|why: String| format!("The export failed: {why}."));
            // Whatever text got into the page, the export is well-formed XML.
            let svg = || text::xml_safe(&svg_markup(&svg).unwrap_or_default()).into_owned();
            let done = match what {
                Export::Json => files::download(
                    "causal-playground.json",
                    "application/json",
                    &crate::data::json::to_json_pretty(&state.scenario()).unwrap_or_default(),
                ),
                Export::Svg => files::download("causal-playground.svg", "image/svg+xml", &svg()),
                Export::Png => {
                    let l = &drawing;
                    files::download_png_from_svg(
                        "causal-playground.png",
                        &svg(),
                        f64::from(l.width),
                        f64::from(l.height),
                        2.0,
                        refuse.clone(),
                    );
                    Ok(())
                }
                Export::Shiviz => {
                    let log = causal_core::shiviz_events(
                        state.simulation.config().replicas,
                        state.simulation.messages(),
                        state.trace.events(),
                    );
                    files::download(
                        "causal-playground.shiviz.log",
                        "text/plain",
                        &text::one_line(&causal_core::shiviz_file(&log)),
                    )
                }
            };
            if let Err(why) = done {
                refuse.emit(why);
            }
        })
    };
    Exchange {
        link: (*link).clone(),
        on_share,
        on_file,
        on_export,
    }
}
