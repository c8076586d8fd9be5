//! What the page says about what the user just did: a red alert for bad
//! input, a quiet remark when nothing was wrong but nothing happened.

use yew::prelude::*;

use crate::browser::hooks::SavedWork;
use crate::run::state::Severity;

/// Props of [`notice`].
pub struct NoticeProps {
    /// The message.
    pub text: String,
    /// An alert or a quiet remark.
    pub severity: Severity,
    /// Hide it.
    pub on_dismiss: Callback<()>,
}

/// A dismissable notice. Both tones carry `data-testid="error"` (the hook
/// outside tests read for whatever the page refused, in words); only an error
/// is an alert, drawn as a banner. A remark floats at the bottom of the window,
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

/// Props of [`saved_work`].
pub struct SavedWorkProps {
    /// What there is to say.
    pub saved: SavedWork,
    /// Download the session (the one kept, or the page's own).
    pub on_download: Callback<()>,
    /// Save the page's session over the one it cannot read.
    pub on_replace: Callback<()>,
}

/// What the page tells the user about the session saved in the browser
/// when it is not simply saved: one kept that this page cannot read (with
/// a download, and a way to save over it), or a save that failed (with a
/// download). `data-testid="saved-work"`, `data-saved` = `unreadable` or
/// `not-saved`.
pub fn saved_work(props: &SavedWorkProps) -> Html {
    let click = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let (kind, text, replace) = match &props.saved {
        SavedWork::Fine => return Html::default(),
        SavedWork::Unreadable(why) => (
            "unreadable",
            format!("This browser holds a saved session this page cannot read ({why}). It is kept as it was: this page saves your work over it only if you say so."),
            true,
        ),
        SavedWork::NotSaved(why) => (
            "not-saved",
            format!("Your work is not saved in this browser: {why}. A reload would lose it; download it to keep it."),
            false,
        ),
    };
    html! {
        <div class="notice" data-tone="error" data-testid="saved-work" data-saved={kind}>
            <p role="alert">{ text }</p>
            <button type="button" data-testid="saved-work-download" onclick={click(&props.on_download)}>
                { if replace { "Download the saved session" } else { "Download your session" } }
            </button>
            if replace {
                <button type="button" data-testid="saved-work-replace" onclick={click(&props.on_replace)}>
                    { "Save this page\u{2019}s session in its place" }
                </button>
            }
        </div>
    }
}
