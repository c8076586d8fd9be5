//! The error banner: what was wrong with what the user did.

use yew::prelude::*;

/// Props of [`notice`].
pub struct NoticeProps {
    /// The message.
    pub text: String,
    /// Hide it.
    pub on_dismiss: Callback<()>,
}

/// A dismissable alert.
pub fn notice(props: &NoticeProps) -> Html {
    let dismiss = {
        let cb = props.on_dismiss.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <div class="notice">
            <p data-testid="error" role="alert">{ &props.text }</p>
            <button type="button" class="dismiss" onclick={dismiss} aria-label="Dismiss">{ "\u{2715}" }</button>
        </div>
    }
}
