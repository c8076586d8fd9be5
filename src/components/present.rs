//! Presenter mode's switch, and the embed builder.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::browser::embed::{Built, Choice};

/// Props of [`present_button`].
pub struct PresentProps {
    /// Presenter mode is on.
    pub presenting: bool,
    /// Turn it on or off.
    pub on_toggle: Callback<()>,
}

/// The switch `[data-testid="present"]`, a toggle button.
pub fn present_button(props: &PresentProps) -> Html {
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    html! {
        <button type="button" class="present" data-testid="present"
                aria-pressed={props.presenting.to_string()} {onclick}
                title="Presenter mode: larger type and fewer controls, for a projector (P)">
            { if props.presenting { "Leave presenter mode" } else { "Present" } }
        </button>
    }
}

/// Props of [`embed_builder`].
pub struct EmbedBuilderProps {
    /// Steps of the branch shown.
    pub steps: usize,
    /// What the lecturer chose.
    pub choice: Choice,
    /// The embed the page built from it, or why there is none.
    pub built: Result<Built, String>,
    /// The address the preview shows (the snippet's, a moment after a change).
    pub preview: Option<String>,
    /// The lecturer changed something.
    pub on_change: Callback<Choice>,
    /// Copy the snippet to the clipboard.
    pub on_copy: Callback<String>,
    /// Hide the builder.
    pub on_close: Callback<()>,
}

/// A number typed into a step field, within `0..=steps`; `None` while the
/// field is empty or not a number (the field keeps what was typed).
fn typed_step(e: &InputEvent, steps: usize) -> Option<usize> {
    let input = e.target_unchecked_into::<HtmlInputElement>();
    input
        .value()
        .trim()
        .parse::<usize>()
        .ok()
        .map(|n| n.min(steps))
}

/// The embed builder: the steps shown and read-only chosen with the page's
/// own controls, the snippet the page builds from them (nothing to edit by
/// hand), and a live preview that loads the snippet's address.
pub fn embed_builder(props: &EmbedBuilderProps) -> Html {
    let steps = props.steps;
    let (from, to) = props.choice.range(steps);
    let choice = props.choice;
    let on_from = {
        let cb = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(n) = typed_step(&e, steps) {
                // A first step past the last moves the last along.
                let to = choice.to.map(|t| t.max(n)).filter(|&t| t < steps);
                cb.emit(Choice {
                    from: n,
                    to,
                    ..choice
                })
            }
        })
    };
    let on_to = {
        let cb = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(n) = typed_step(&e, steps) {
                let to = (n < steps).then_some(n);
                cb.emit(Choice {
                    from: choice.from.min(n),
                    to,
                    ..choice
                })
            }
        })
    };
    let on_readonly = {
        let cb = props.on_change.clone();
        Callback::from(move |e: Event| {
            let readonly = e.target_unchecked_into::<HtmlInputElement>().checked();
            cb.emit(Choice { readonly, ..choice })
        })
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    let what = match (from, to) {
        (0, t) if t == steps => format!("every step (0 to {steps})"),
        (f, t) if f == t => format!("step {f} only"),
        (f, t) => format!("steps {f} to {t}"),
    };
    html! {
        <section class="embed-box" aria-labelledby="embed-title" data-testid="embed-builder">
            <div class="embed-head">
                <h2 id="embed-title">{ "Embed this session in a page" }</h2>
                <button type="button" onclick={close}>{ "Close" }</button>
            </div>
            <div class="embed-body">
                <div class="embed-form">
                    <fieldset class="embed-steps-choice">
                        <legend>{ format!("Steps shown (the timeline has {steps})") }</legend>
                        <label>{ "From step " }
                            <input type="number" data-testid="embed-from" min="0" max={steps.to_string()}
                                   value={from.to_string()} oninput={on_from} /></label>
                        <label>{ " to step " }
                            <input type="number" data-testid="embed-to" min="0" max={steps.to_string()}
                                   value={to.to_string()} oninput={on_to} /></label>
                    </fieldset>
                    <label class="embed-readonly">
                        <input type="checkbox" data-testid="embed-readonly" checked={choice.readonly} onchange={on_readonly} />
                        { " Read-only: students step through and look, and cannot write or move messages" }
                    </label>
                    <p class="explain">{ format!("The embed opens at step {from} and shows {what}: its buttons, keys and the embedding page's messages stay within them.") }</p>
                    { match &props.built {
                        Ok(built) => {
                            let copy = {
                                let (code, on_copy) = (built.code.clone(), props.on_copy.clone());
                                Callback::from(move |_: MouseEvent| on_copy.emit(code.clone()))
                            };
                            html! {
                                <>
                                    <label class="embed-code-label">
                                        <span>{ "The iframe snippet: paste it into a course page, an mdBook chapter or a reveal.js slide as it is" }</span>
                                        <textarea data-testid="embed-code" readonly=true rows="4" value={built.code.clone()} />
                                    </label>
                                    <div class="buttons">
                                        <button type="button" class="primary" data-testid="embed-copy" onclick={copy}>{ "Copy the snippet" }</button>
                                        <a href={built.src.clone()} target="_blank" rel="noopener">{ "Open the embed in a new tab" }</a>
                                    </div>
                                </>
                            }
                        }
                        Err(why) => html! { <p class="form-error" data-testid="error" role="alert">{ why.clone() }</p> },
                    } }
                </div>
                if let Some(src) = &props.preview {
                    <figure class="embed-preview">
                        <iframe src={src.clone()} title="Preview of the embed" data-testid="embed-preview" />
                        <figcaption>{ "Preview: the snippet's address, loaded as a course page would load it" }</figcaption>
                    </figure>
                }
            </div>
        </section>
    }
}
