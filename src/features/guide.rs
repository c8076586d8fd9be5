//! The open lesson, for the page: its own reducer beside the run's (the
//! run's history tells it whether an act is done), its effects, and what
//! the page shows of it. The page asks [`use_guide`] once.

use yew::prelude::*;

use crate::browser::callback::make_callback;
use crate::components::lesson::{LessonPanel, Progress};
use crate::data::lessons::{self, Entry};
use crate::run::state::{Action, Notice, Place, State};
use crate::run::tutor::{self, Tutor, TutorAction};
use crate::{browser::hooks, features::lesson_effects};

/// What the page shows of the lessons.
pub struct Guide {
    /// Every lesson, in course order, with how far the learner got.
    pub list: Vec<(Entry, Progress)>,
    /// Each prediction's first answer, kept in this browser.
    pub answers: Vec<tutor::FirstAnswer>,
    /// The name of the lesson open, if any.
    pub open: Option<String>,
    /// The open lesson's panel.
    pub panel: Option<Html>,
    /// Opens a lesson where the learner left it.
    pub on_open: Callback<String>,
    /// A prediction waits for its answer: every place that would tell its
    /// outcome hides it (ARCHITECTURE.md, "The explaining layer").
    pub hiding: bool,
    /// Where the open lesson is, unless finished: name, step, run's base.
    pub position: Option<(String, usize, usize)>,
    /// Closes the open lesson (a puzzle was opened: never both at once).
    pub close: Callback<()>,
    /// Opens a lesson again at a position, on the run shown (Undo back to it).
    pub resume: Callback<(String, usize, usize)>,
}

/// Where a lesson opens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// Where the learner left it (its start if never begun), on its own run.
    Saved,
    /// At its first step, on its own run.
    Start,
    /// At `step`, on the run shown, whose first `base` steps are the lesson's.
    On { step: usize, base: usize },
}

/// The lessons beside the run in `state`; `embedded` is the lesson an
/// embedding page asked for.
#[hook]
pub fn use_guide(state: &UseReducerHandle<State>, embedded: Option<String>) -> Guide {
    let guide = use_reducer(tutor::Lessons::default);
    let answers = use_state(lesson_effects::saved_answers);
    let catalogue = use_memo((), |_| lessons::catalogue());
    let open_lesson = {
        let (run, guide) = (state.dispatcher(), guide.dispatcher());
        Callback::from(move |(name, at): (String, At)| {
            let lesson = match lessons::lesson(&name) {
                Ok(lesson) => lesson,
                // A lesson reopened on the run shown was open a moment ago:
                // nothing the user asked for failed.
                Err(_) if matches!(at, At::On { .. }) => return,
                Err(why) => {
                    return run.dispatch(Action::Refuse(Notice::error(
                        Place::Page,
                        format!("That lesson cannot be opened: {why}."),
                    )))
                }
            };
            let (step, base) = match at {
                At::On { step, base } => (step, base),
                At::Saved | At::Start => {
                    let step = match lesson_effects::saved_progress(&name) {
                        Progress::At(step) if at == At::Saved => step,
                        _ => 0,
                    };
                    let commands = Tutor::history_at(&lesson, step);
                    let base = commands.len();
                    run.dispatch(Action::OpenLesson {
                        title: lesson.title.clone(),
                        config: lesson.start.config(),
                        commands,
                    });
                    (step, base)
                }
            };
            guide.dispatch(TutorAction::Open {
                name,
                lesson,
                step,
                base,
            });
        })
    };
    let on_open = open_lesson.reform(|name| (name, At::Saved));
    {
        // On opening: a `#lesson=NAME` address, else the lesson left open
        // (the saved session holds its run).
        let (on_open, open_lesson) = (on_open.clone(), open_lesson.clone());
        use_effect_with((), move |_| {
            if let Some(name) = embedded.or_else(|| {
                hooks::location_hash()
                    .as_deref()
                    .and_then(lesson_effects::lesson_in)
            }) {
                on_open.emit(name);
            } else if let Some((name, step, base)) = lesson_effects::saved_open() {
                open_lesson.emit((name, At::On { step, base }));
            }
        });
    }
    lesson_effects::use_lesson_links(on_open.clone());
    lesson_effects::use_lesson_progress(
        guide
            .open
            .as_ref()
            .map(|t| (t.name.clone(), t.step, t.base, t.done)),
    );
    lesson_effects::use_lesson_done(
        guide
            .open
            .as_ref()
            .filter(|t| t.done)
            .map(|t| t.name.clone()),
    );
    lesson_effects::use_lesson_highlight(
        guide
            .open
            .as_ref()
            .filter(|t| !t.done)
            .and_then(Tutor::current)
            .map(|step| {
                step.highlight()
                    .iter()
                    .map(lesson_effects::selector)
                    .collect()
            })
            .unwrap_or_default(),
        state.revision,
    );

    let list = catalogue
        .iter()
        .map(|entry| {
            let progress = match &guide.open {
                Some(t) if t.name == entry.name && t.done => Progress::Done,
                Some(t) if t.name == entry.name => Progress::At(t.step),
                _ => lesson_effects::saved_progress(entry.name),
            };
            (entry.clone(), progress)
        })
        .collect();
    let panel = guide.open.as_ref().map(|tutor| {
        let history = state.simulation.history();
        let act = tutor.act(history);
        let following = catalogue
            .iter()
            .skip_while(|e| e.name != tutor.name)
            .nth(1)
            .map(|e| (e.name.to_string(), e.title.clone()));
        let cursor = state.cursor();
        let name = tutor.name.clone();
        let on_choose = {
            let (guide, answers, tutor) = (guide.dispatcher(), answers.clone(), tutor.clone());
            Callback::from(move |index: usize| {
                if let Some(first) = tutor.first_answer(index, lesson_effects::now(), &answers) {
                    let mut all = (*answers).clone();
                    all.push(first);
                    lesson_effects::save_answers(&all);
                    answers.set(all);
                }
                guide.dispatch(TutorAction::Choose(index));
            })
        };
        html! {
            <LessonPanel tutor={tutor.clone()} {act} {following} {on_choose}
                on_reveal={make_callback(&guide, |()| TutorAction::Reveal)}
                on_next={make_callback(&guide, move |()| TutorAction::Next { cursor })}
                on_restart={open_lesson.reform(move |()| (name.clone(), At::Start))}
                on_close={make_callback(&guide, |()| TutorAction::Close)}
                on_open={on_open.clone()} />
        }
    });
    let resume = open_lesson.reform(|(name, step, base)| (name, At::On { step, base }));
    Guide {
        list,
        open: guide.open.as_ref().map(|t| t.name.clone()),
        position: guide
            .open
            .as_ref()
            .filter(|t| !t.done)
            .map(|t| (t.name.clone(), t.step, t.base)),
        close: make_callback(&guide, |()| TutorAction::Close),
        panel,
        on_open,
        hiding: guide.open.as_ref().is_some_and(Tutor::hides),
        answers: (*answers).clone(),
        resume,
    }
}
