//! Classroom use, gathered for the page: presenter mode and its keys, the
//! shortcuts list, the Embed action's snippet, and the postMessage API. The
//! page asks [`use_classroom`] once and renders what it returns.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser::callback::make_callback;
use crate::browser::embed::{self, Embed};
use crate::browser::files;
use crate::browser::post_message::use_post_message;
use crate::browser::present::{use_page_keys, use_presenting_class, Move, PageKeys};
use crate::components::lane::CardActions;
use crate::components::present::{embed_builder, present_button, EmbedBuilderProps, PresentProps};
use crate::components::shortcuts::Shortcuts;
use crate::run::state::{Action, State};

/// Milliseconds the embed builder's preview waits after a change.
const PREVIEW_WAIT_MS: u32 = 800;

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
    /// Open or close the embed builder (beside Copy link).
    pub on_embed: Callback<MouseEvent>,
    /// The embed builder when open, the shortcuts when shown.
    pub panels: Html,
}

/// Presenter mode, the shortcuts and the Embed snippet for `state`, as an
/// embed with `options` or the whole page.
#[hook]
pub fn use_classroom(state: &UseReducerHandle<State>, options: Option<&Embed>) -> Classroom {
    let presenting = use_state_eq(|| false);
    let help = use_state_eq(|| false);
    let diagram = use_state_eq(|| false);
    let builder = use_state_eq(|| None::<embed::Choice>);
    // The preview's address, set a moment after the last change: typing a
    // step number reloads it once, not at every key.
    let preview = use_state_eq(|| None::<String>);
    let steps = state.steps();
    let range = options.map_or((0, steps), |e| e.range(steps));
    let lock = options.and_then(|e| e.steps);
    use_post_message(state, lock);
    use_presenting_class(*presenting, *diagram);

    let toggle_present = {
        let presenting = presenting.clone();
        Callback::from(move |()| presenting.set(!*presenting))
    };
    // Where the keys pressed since the last render have sent the timeline:
    // two presses before a render go two steps, not one.
    let pending = use_mut_ref(|| None::<usize>);
    *pending.borrow_mut() = None;
    let on_move = {
        let (d, loading) = (state.dispatcher(), state.loading());
        let at_render = state.cursor();
        Callback::from(move |m: Move| {
            let cursor = pending.borrow().unwrap_or(at_render);
            let to = match m {
                Move::Next => (cursor + 1).min(range.1),
                Move::Previous => cursor.saturating_sub(1).max(range.0),
                Move::First => range.0,
                Move::Last => range.1,
            };
            if to != cursor && !loading {
                *pending.borrow_mut() = Some(to);
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
        on_diagram: {
            let diagram = diagram.clone();
            Callback::from(move |()| diagram.set(!*diagram))
        },
        on_undo: make_callback(state, |()| Action::Undo),
        on_redo: make_callback(state, |()| Action::Redo),
        history_moves: lock.is_some(),
    };
    // An embed takes the clicker keys too: a slide's frame has the focus.
    use_page_keys(*presenting || options.is_some(), keys);

    let on_embed = {
        let builder = builder.clone();
        Callback::from(move |_: MouseEvent| {
            builder.set(match *builder {
                Some(_) => None,
                None => Some(embed::Choice::default()),
            })
        })
    };
    let actions = html! {
        <div class="top-actions">
            { present_button(&PresentProps { presenting: *presenting, on_toggle: toggle_present }) }
        </div>
    };
    let built = (*builder).map(|choice| embed::snippet(state, &choice));
    {
        let preview = preview.clone();
        let src = built
            .as_ref()
            .and_then(|b| b.as_ref().ok())
            .map(|b| b.src.clone());
        use_effect_with(src, move |src| {
            let src = src.clone();
            let timer = (*preview != src).then(|| {
                let preview = preview.clone();
                let wait = if preview.is_none() {
                    0
                } else {
                    PREVIEW_WAIT_MS
                };
                gloo_timers::callback::Timeout::new(wait, move || preview.set(src))
            });
            move || drop(timer)
        });
    }
    let panels = html! {
        <>
            if let (Some(choice), Some(built)) = (*builder, built) {
                { embed_builder(&EmbedBuilderProps {
                    steps,
                    choice,
                    built,
                    preview: (*preview).clone(),
                    on_change: { let builder = builder.clone(); Callback::from(move |c| builder.set(Some(c))) },
                    on_copy: {
                        let d = state.dispatcher();
                        Callback::from(move |text: String| {
                            files::copy_text(&text);
                            d.dispatch(Action::Note("Copied the iframe snippet that embeds this session.".into()));
                        })
                    },
                    on_close: { let builder = builder.clone(); Callback::from(move |()| builder.set(None)) },
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

/// Scrolls the element `selector` names into view, the least needed to
/// show it ("nearest": a panel in sight does not move).
pub fn bring_into_view(selector: &str) {
    let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
    else {
        return;
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"block".into(), &"nearest".into());
    if let Ok(scroll) = js_sys::Reflect::get(&element, &"scrollIntoView".into()) {
        if let Some(scroll) = scroll.dyn_ref::<js_sys::Function>() {
            let _ = scroll.call1(&element, &options);
        }
    }
}

/// The open lesson as the page's guide gives it.
#[derive(Clone, PartialEq)]
pub struct OpenLesson {
    /// Its name, if one is open.
    pub name: Option<String>,
    /// Where it is (name, step, run's base), unless finished.
    pub position: Option<(String, usize, usize)>,
    /// Close it.
    pub close: Callback<()>,
    /// Open it again at a position, on the run shown.
    pub resume: Callback<(String, usize, usize)>,
}

/// A lesson set aside by a puzzle: where it was, and the run it was on
/// (every branch and the timeline's position, under its rules).
type Aside = (
    (String, usize, usize),
    causal_core::Config,
    crate::run::history::History,
);

/// Lessons set aside that Undo can still return to: the newest few.
const ASIDE_KEPT: usize = 8;

/// A lesson and a puzzle are never open at once (README.md, "Puzzles"):
/// opening a puzzle closes the lesson, and Undo back to the lesson's run
/// opens it again where it was (opening a lesson sets the puzzle aside in
/// the reducer, and Undo brings it back; the lesson then steps aside in
/// turn). Opening either brings its panel into view: a puzzle's, once it
/// shows (`puzzle_panel`, the name of the puzzle whose panel shows).
///
/// Each lesson a puzzle closed is kept with its run until the page shows
/// that run again, with no lesson or puzzle open: Undo may pass through
/// other sessions (a load after the puzzle) before it gets there.
#[hook]
pub fn use_one_at_a_time(
    state: &UseReducerHandle<State>,
    lesson: OpenLesson,
    puzzle_panel: Option<String>,
) {
    // The run of the render before this one: when a puzzle has just
    // replaced the lesson's run, that is the lesson's. (A history shares
    // its steps: keeping it copies none.)
    let run = || (state.simulation.config(), state.history.clone());
    let previous = use_mut_ref(run);
    let before = previous.replace(run());
    let aside = use_mut_ref(Vec::<Aside>::new);
    let puzzle = state.puzzle.as_ref().map(|p| p.name.clone());
    let loading = state.loading();
    {
        let now = state.clone();
        let lesson = lesson.clone();
        use_effect_with(
            (puzzle.clone(), lesson.name.clone(), loading, state.revision),
            move |(puzzle, open, loading, _)| {
                if *loading {
                    return;
                }
                let mut aside = aside.borrow_mut();
                match (puzzle, open) {
                    (Some(_), Some(_)) => {
                        if let Some(position) = lesson.position.clone() {
                            // The lesson's own run, not a blank page's.
                            if before.1.steps() > 0 {
                                aside.push((position, before.0, before.1));
                                let extra = aside.len().saturating_sub(ASIDE_KEPT);
                                aside.drain(..extra);
                            }
                        }
                        lesson.close.emit(());
                    }
                    (None, None) if !aside.is_empty() => {
                        let config = now.simulation.config();
                        let (steps, cursor) = (now.steps(), now.cursor());
                        let found = aside.iter().rposition(|(_, c, history)| {
                            *c == config
                                && history.steps() == steps
                                && history.cursor() == cursor
                                && *history == now.history
                        });
                        if let Some(i) = found {
                            let (position, ..) = aside.remove(i);
                            lesson.resume.emit(position);
                        }
                    }
                    _ => {}
                }
            },
        );
    }
    // Once the lesson it replaced has closed: the rule at work, beside an
    // open lesson, leaves the space above the puzzle's panel then.
    use_effect_with(
        (puzzle_panel, lesson.name.is_some()),
        |(panel, lesson_open)| {
            if panel.is_some() && !lesson_open {
                bring_into_view("[data-testid=\"puzzle-panel\"]");
            }
        },
    );
    use_effect_with(lesson.name, |name| {
        if name.is_some() {
            bring_into_view("[data-testid=\"lesson-panel\"]");
        }
    });
    // On a phone the lesson is a sheet at the screen's foot: at each step the
    // page scrolls what the step points at into view above it.
    use_effect_with(lesson.position, |position| {
        // The width at which lessons.css makes the lesson a sheet.
        let narrow = web_sys::window()
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w <= 640.0);
        if position.is_some() && narrow {
            show_highlighted();
        }
    });
}

/// Pixels above the last thing a step points at within which the others it
/// points at are shown with it (a card in the lane above its replica).
const TOGETHER: f64 = 500.0;

/// Scrolls the page so that what the lesson's step points at is at the top
/// of the window: the last highlighted element, with those just above it
/// (the first ones may be far up the page, at another replica).
fn show_highlighted() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(found) = window.document().and_then(|d| {
        d.query_selector_all("[data-lesson-highlight=\"true\"]")
            .ok()
    }) else {
        return;
    };
    let scrolled = window.scroll_y().unwrap_or(0.0);
    let elements: Vec<web_sys::Element> = (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into::<web_sys::Element>().ok())
        .collect();
    // A message's marks in the diagram, far down the page, count only when
    // the step points at nothing else.
    let outside: Vec<&web_sys::Element> = elements
        .iter()
        .filter(|el| el.closest("svg").ok().flatten().is_none())
        .collect();
    let chosen: Vec<&web_sys::Element> = if outside.is_empty() {
        elements.iter().collect()
    } else {
        outside
    };
    let tops: Vec<f64> = chosen
        .iter()
        .map(|el| el.get_bounding_client_rect())
        .filter(|r| r.width() > 0.0 && r.height() > 0.0)
        .map(|r| r.top() + scrolled)
        .collect();
    let Some(last) = tops.iter().copied().reduce(f64::max) else {
        return;
    };
    let first = tops
        .iter()
        .copied()
        .filter(|t| *t >= last - TOGETHER)
        .fold(last, f64::min);
    window.scroll_to_with_x_and_y(0.0, (first - 12.0).max(0.0));
}
