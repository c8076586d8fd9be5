//! The guided lessons: the list to open one from, and the panel that walks
//! the learner through it (outside tests drive both by their `data-testid`
//! hooks: `lesson-open`, `lesson-panel`, `lesson-step` and the rest).

use causal_core::{Posed, Step};
use yew::prelude::*;

use crate::data::lessons::Entry;
use crate::run::tutor::{results_by_lesson, results_csv, ActStatus, FirstAnswer, Tutor};

/// How far a learner got in a lesson, as saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Never opened, or started again.
    New,
    /// Left at this step (from 0).
    At(usize),
    /// Finished.
    Done,
}

/// The lessons to open.
#[derive(Properties, Clone, PartialEq)]
pub struct ListProps {
    /// Every lesson, in course order, with how far the learner got.
    pub lessons: Vec<(Entry, Progress)>,
    /// The lesson open, if any.
    pub open: Option<String>,
    /// Open this lesson.
    pub on_open: Callback<String>,
    /// Each prediction's first answer, kept in this browser.
    #[prop_or_default]
    pub answers: Vec<FirstAnswer>,
}

/// The learner's results: per lesson tried, how many predictions were right
/// at the first try, and the CSV a teacher can collect (made here, in the
/// browser; nothing is sent anywhere).
fn results(lessons: &[(Entry, Progress)], answers: &[FirstAnswer]) -> Html {
    let rows = results_by_lesson(answers);
    let onclick = {
        let csv = results_csv(answers);
        Callback::from(move |_: MouseEvent| {
            let _ = crate::browser::files::download("lesson-results.csv", "text/csv", &csv);
        })
    };
    let items = rows.iter().map(|(name, asked, first)| {
        let title = lessons
            .iter()
            .find(|(e, _)| e.name == name)
            .map(|(e, _)| e.title.split(':').next().unwrap_or(&e.title).to_string())
            .unwrap_or_else(|| name.clone());
        html! {
            <li key={name.clone()} data-lesson={name.clone()} data-predictions={asked.to_string()}
                data-first-try={first.to_string()}>
                { format!("{title}: {first} of {asked} right at the first try") }
            </li>
        }
    });
    html! {
        <div class={classes!("lesson-results-box", rows.is_empty().then_some("empty"))}>
            if !rows.is_empty() {
                <h3>{ "Your predictions" }</h3>
            }
            <ul class="lesson-results" data-testid="lesson-results">{ for items }</ul>
            // Nothing to download before a first answer: no button, and no
            // row of the first screen spent on it.
            if !rows.is_empty() {
                <button type="button" class="quiet" data-testid="export-results" {onclick}
                        title="Download your first answers as a CSV file (they are kept only in this browser)">
                    { "Download my results (CSV)" }
                </button>
            }
        </div>
    }
}

/// The list of lessons: one button each, with its progress. One tab stop
/// for the whole list (the arrow keys move along it), so the replicas stay
/// a few tabs from the top of the page.
#[function_component(LessonList)]
pub fn lesson_list(props: &ListProps) -> Html {
    // On a narrow screen the list scrolls sideways: its edges fade where more
    // lessons lie beyond them (before, after). Measured after a change of
    // the list's lessons (in the next frame, which lays the page out
    // anyway), a scroll, or a change of the list's size.
    let list = use_node_ref();
    let beyond = use_state_eq(|| (false, false));
    let measure = {
        let (list, beyond) = (list.clone(), beyond.clone());
        move || {
            if let Some(el) = list.cast::<web_sys::Element>() {
                let left = el.scroll_left();
                beyond.set((left > 0, left + el.client_width() + 1 < el.scroll_width()));
            }
        }
    };
    {
        let measure = measure.clone();
        // What changes the list's width: a lesson's badge, and which is open.
        let widths = props
            .lessons
            .iter()
            .map(|(_, p)| p.clone())
            .collect::<Vec<_>>();
        use_effect_with((widths, props.open.clone()), move |_| {
            crate::browser::hooks::next_frame(measure)
        });
    }
    {
        // Any change of the list's size, the window's among them: presenter
        // mode hides the list and shows it again with no resize of the
        // window, and a change while it was hidden was measured on a list of
        // no size. An observer is called once layout is done: it measures
        // at once.
        let (list, measure) = (list.clone(), measure.clone());
        use_effect_with((), move |_| {
            use wasm_bindgen::{closure::Closure, JsCast};
            let watch = list.cast::<web_sys::Element>().and_then(|el| {
                let resized = Closure::<dyn FnMut()>::new(measure);
                let observer =
                    web_sys::ResizeObserver::new(resized.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                Some((observer, resized))
            });
            move || {
                if let Some((observer, resized)) = watch {
                    observer.disconnect();
                    drop(resized);
                }
            }
        });
    }
    let onscroll = Callback::from(move |_: Event| measure());
    let focused = props
        .lessons
        .iter()
        .position(|(entry, _)| props.open.as_deref() == Some(entry.name))
        .unwrap_or(0);
    let items = props.lessons.iter().enumerate().map(|(i, (entry, progress))| {
        let name = entry.name.to_string();
        let onclick = {
            let (on_open, name) = (props.on_open.clone(), name.clone());
            Callback::from(move |_: MouseEvent| on_open.emit(name.clone()))
        };
        let current = props.open.as_deref() == Some(entry.name);
        // "Why hold back: Alice, Bob and Carol" shows as "Why hold back".
        let short = entry.title.split(':').next().unwrap_or(&entry.title).to_string();
        html! {
            <li key={name.clone()}>
                <button type="button" class={classes!("lesson-open", current.then_some("current"))}
                        data-testid="lesson-open" data-lesson={name}
                        tabindex={if i == focused { "0" } else { "-1" }}
                        aria-current={current.then_some("true")}
                        title={format!("{}: {} ({} steps)", entry.title, entry.summary, entry.steps)} {onclick}>
                    <span class="lesson-number">{ i + 1 }</span>
                    <span class="lesson-title">{ short }</span>
                    // Short, so the list stays one line: "3/11" shown, "step 3
                    // of 11" read (lessons.css draws the slash).
                    if let Progress::At(step) = progress {
                        <span class="lesson-badge">
                            <span class="visually-hidden">{ "step " }</span>
                            <span class="lesson-at">{ step + 1 }</span>
                            <span class="visually-hidden">{ " of " }</span>
                            { entry.steps }
                        </span>
                    } else if matches!(progress, Progress::Done) {
                        <span class="lesson-badge done">{ "done" }</span>
                    }
                </button>
            </li>
        }
    });
    html! {
        <nav class={classes!("lessons", beyond.0.then_some("more-before"), beyond.1.then_some("more-after"))}
             aria-label="Guided lessons">
            <h2>{ "Learn step by step" }</h2>
            <ol class="lesson-list" ref={list} {onscroll} onkeydown={Callback::from(move_focus)}>{ for items }</ol>
            { results(&props.lessons, &props.answers) }
        </nav>
    }
}

/// Arrow keys, Home and End move the focus along the list of lessons.
fn move_focus(e: KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Some(button) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Some(list) = button.closest("ol").ok().flatten() else {
        return;
    };
    let Ok(buttons) = list.query_selector_all("button") else {
        return;
    };
    let all: Vec<web_sys::HtmlElement> = (0..buttons.length())
        .filter_map(|i| buttons.item(i)?.dyn_into().ok())
        .collect();
    let Some(at) = all
        .iter()
        .position(|b| AsRef::<web_sys::Element>::as_ref(b) == &button)
    else {
        return;
    };
    let to = match e.key().as_str() {
        "ArrowRight" | "ArrowDown" => (at + 1) % all.len(),
        "ArrowLeft" | "ArrowUp" => (at + all.len() - 1) % all.len(),
        "Home" => 0,
        "End" => all.len() - 1,
        _ => return,
    };
    e.prevent_default();
    for (i, b) in all.iter().enumerate() {
        let _ = b.set_attribute("tabindex", if i == to { "0" } else { "-1" });
    }
    let _ = all[to].focus();
}

/// The open lesson.
#[derive(Properties, Clone, PartialEq)]
pub struct PanelProps {
    /// The lesson and where the learner is in it.
    pub tutor: Tutor,
    /// Where the step's act stands (for an act step).
    pub act: ActStatus,
    /// The lesson after this one, to offer at the end: (name, title).
    pub following: Option<(String, String)>,
    /// Pick a prediction's choice (from 0).
    pub on_choose: Callback<usize>,
    /// Show a prediction's answer.
    pub on_reveal: Callback<()>,
    /// Go on.
    pub on_next: Callback<()>,
    /// Start the lesson again.
    pub on_restart: Callback<()>,
    /// Close the lesson.
    pub on_close: Callback<()>,
    /// Open another lesson.
    pub on_open: Callback<String>,
}

/// The lesson panel: the step, its choices or its act, and Next.
#[function_component(LessonPanel)]
pub fn lesson_panel(props: &PanelProps) -> Html {
    let tutor = &props.tutor;
    let steps = tutor.lesson.steps.len();
    let Some(step) = tutor.current() else {
        return html! {};
    };
    let click = |callback: &Callback<()>| {
        let callback = callback.clone();
        Callback::from(move |_: MouseEvent| callback.emit(()))
    };
    let shown = if tutor.done { steps } else { tutor.step + 1 };
    let header = html! {
        <header class="lesson-head">
            <h2 id="lesson-title">{ &tutor.lesson.title }</h2>
            <span class="lesson-count" aria-live="polite">
                { if tutor.done { format!("done: {steps} of {steps} steps") } else { format!("step {shown} of {steps}") } }
            </span>
            <progress class="lesson-progress" max={steps.to_string()} value={(if tutor.done { steps } else { tutor.step }).to_string()}
                      aria-label="Steps done" />
            <button type="button" class="quiet" data-testid="lesson-close" onclick={click(&props.on_close)}>{ "Close" }</button>
        </header>
    };
    let body = if tutor.done {
        let following = props.following.as_ref().map(|(name, title)| {
            let onclick = {
                let (on_open, name) = (props.on_open.clone(), name.clone());
                Callback::from(move |_: MouseEvent| on_open.emit(name.clone()))
            };
            html! {
                <button type="button" class="primary" data-testid="lesson-following" data-lesson={name.clone()} {onclick}>
                    { format!("Next lesson: {title}") }
                </button>
            }
        });
        html! {
            <div class="lesson-end" data-testid="lesson-end">
                <p class="lesson-verdict">{ "Lesson complete." }</p>
                <h3>{ "What to try next" }</h3>
                <p>{ &tutor.lesson.next }</p>
                <div class="lesson-buttons">
                    { for following }
                    <button type="button" data-testid="lesson-restart" onclick={click(&props.on_restart)}>{ "Start again" }</button>
                </div>
            </div>
        }
    } else {
        let content = match step {
            Step::Read { text, .. } => html! { <p class="lesson-text">{ text }</p> },
            Step::Act { text, expect, .. } => {
                act(text, &crate::run::tutor::how(expect), &props.act)
            }
            Step::Predict { text, posed, .. } => predict(
                text,
                posed,
                tutor,
                &props.on_choose,
                click(&props.on_reveal),
            ),
        };
        let expect = match step {
            Step::Act { expect, .. } => crate::data::json::to_json(expect),
            _ => None,
        };
        let can_go_on = tutor.can_go_on(&props.act);
        let last = tutor.step + 1 == steps;
        html! {
            <>
                <div class="lesson-step" data-testid="lesson-step" data-kind={step.kind()} data-expect={expect}>
                    { content }
                </div>
                <div class="lesson-buttons">
                    <button type="button" class="primary" data-testid="lesson-next" disabled={!can_go_on}
                            onclick={click(&props.on_next)}>
                        { if last { "Finish" } else { "Next" } }
                    </button>
                </div>
            </>
        }
    };
    html! {
        <section class="lesson-panel" data-testid="lesson-panel" aria-labelledby="lesson-title"
                 data-lesson={tutor.name.clone()} data-step={shown.to_string()}
                 data-steps={steps.to_string()} data-done={tutor.done.to_string()}>
            { header }
            { body }
        </section>
    }
}

fn act(text: &str, how: &str, status: &ActStatus) -> Html {
    let (class, said) = match status {
        ActStatus::Waiting => (
            "waiting",
            "Waiting for you to do it on the page.".to_string(),
        ),
        ActStatus::Done => ("right", "Done.".to_string()),
        ActStatus::Wrong(why) => ("wrong", why.clone()),
    };
    html! {
        <>
            <p class="lesson-text"><span class="lesson-kind">{ "Your turn: " }</span>{ text }</p>
            <p class="lesson-how">{ how }</p>
            <p class={classes!("lesson-act", class)} data-testid="lesson-act" data-status={class} role="status">{ said }</p>
        </>
    }
}

fn predict(
    text: &str,
    posed: &Posed,
    tutor: &Tutor,
    on_choose: &Callback<usize>,
    on_reveal: Callback<MouseEvent>,
) -> Html {
    let answered = tutor.answered();
    let choices = posed.choices.iter().enumerate().map(|(i, choice)| {
        let tried = tutor.tried.contains(&i);
        let state = if tried || (answered && i == posed.answer) {
            Some(if i == posed.answer { "right" } else { "wrong" })
        } else {
            None
        };
        let onclick = {
            let on_choose = on_choose.clone();
            Callback::from(move |_: MouseEvent| on_choose.emit(i))
        };
        html! {
            <li key={i}>
                <button type="button" class={classes!("lesson-choice", state)} data-testid="lesson-choice"
                        data-choice={(i + 1).to_string()} aria-pressed={tried.to_string()}
                        disabled={answered || tried} {onclick}>
                    { &choice.label }
                </button>
            </li>
        }
    });
    let feedback = tutor.tried.last().and_then(|&i| {
        let choice = posed.choices.get(i)?;
        let right = i == posed.answer;
        Some(html! {
            <div class={classes!("lesson-feedback", if right { "right" } else { "wrong" })}
                 data-testid="lesson-feedback" data-verdict={if right { "right" } else { "wrong" }} role="status">
                <strong>{ if right { "Right. ".to_string() } else { format!("Not \u{201c}{}\u{201d}. ", choice.label) } }</strong>
                <span>{ &choice.why }</span>
            </div>
        })
    });
    let reveal = if tutor.revealed {
        posed.choices.get(posed.answer).map(|choice| {
            html! {
                <div class="lesson-answer" data-testid="lesson-answer">
                    <strong>{ format!("The answer: {}. ", choice.label) }</strong>
                    <span>{ &choice.why }</span>
                </div>
            }
        })
    } else if !answered && !tutor.tried.is_empty() {
        Some(html! {
            <p class="lesson-retry">{ "Try another choice, or " }
                <button type="button" class="link" data-testid="lesson-reveal" onclick={on_reveal}>{ "show the answer" }</button>
            </p>
        })
    } else {
        None
    };
    html! {
        <>
            if !text.is_empty() {
                <p class="lesson-text">{ text }</p>
            }
            <p class="lesson-question"><span class="lesson-kind">{ "Predict: " }</span>{ &posed.prompt }</p>
            <ol class="lesson-choices">{ for choices }</ol>
            { for feedback }
            { for reveal }
        </>
    }
}
