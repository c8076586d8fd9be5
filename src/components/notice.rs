//! What the page says about what the user just did: a red alert for bad
//! input, a quiet remark when nothing was wrong but nothing happened.

use yew::prelude::*;

use crate::state::Severity;

/// Props of [`notice`].
pub struct NoticeProps {
    /// The message.
    pub text: String,
    /// An alert or a quiet remark.
    pub severity: Severity,
    /// Hide it.
    pub on_dismiss: Callback<()>,
}

/// A dismissable notice. Both tones carry `data-testid="error"` (DESIGN.md
/// section 6: whatever the page refused, in words); only an error is an
/// alert, drawn as a banner. A remark floats at the bottom of the window,
/// so it never pushes the replicas down.
pub fn notice(props: &NoticeProps) -> Html {
    let dismiss = {
        let cb = props.on_dismiss.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let (class, role, tone) = match props.severity {
        Severity::Error => ("notice", "alert", "error"),
        Severity::Info => ("notice quiet", "status", "info"),
    };
    html! {
        <div {class} data-tone={tone}>
            <p data-testid="error" {role}>{ &props.text }</p>
            <button type="button" class="dismiss" onclick={dismiss} aria-label="Dismiss">{ "\u{2715}" }</button>
        </div>
    }
}
