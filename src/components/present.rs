//! Presenter mode's switch, and the Embed action's snippet.

use yew::prelude::*;

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

/// Props of [`embed_code`].
pub struct EmbedCodeProps {
    /// The `<iframe>` snippet.
    pub code: String,
    /// Copy it to the clipboard.
    pub on_copy: Callback<String>,
    /// Hide it.
    pub on_close: Callback<()>,
}

/// The snippet that embeds the current session, ready to copy.
pub fn embed_code(props: &EmbedCodeProps) -> Html {
    let copy = {
        let (code, on_copy) = (props.code.clone(), props.on_copy.clone());
        Callback::from(move |_: MouseEvent| on_copy.emit(code.clone()))
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="embed-box" aria-labelledby="embed-title">
            <h2 id="embed-title">{ "Embed this session" }</h2>
            <p class="explain">{ "Paste this into a course page, an mdBook chapter or a reveal.js slide. Add " }
                <code>{ "&steps=A-B" }</code>{ " to the address to show only steps A to B, " }
                <code>{ "&readonly" }</code>{ " to let students look but not act." }</p>
            <label class="embed-code-label">
                <span>{ "The iframe snippet" }</span>
                <textarea data-testid="embed-code" readonly=true rows="3" value={props.code.clone()} />
            </label>
            <div class="buttons">
                <button type="button" onclick={copy}>{ "Copy the snippet" }</button>
                <button type="button" onclick={close}>{ "Close" }</button>
            </div>
        </section>
    }
}
