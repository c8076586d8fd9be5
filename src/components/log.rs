//! "What just happened": the log, newest first, read out to screen readers.

use yew::prelude::*;

use crate::run::describe::Tone;
use crate::run::state::LogLine;

/// Props of [`event_log`].
pub struct LogProps {
    /// Newest first.
    pub lines: Vec<LogLine>,
}

/// The log.
pub fn event_log(props: &LogProps) -> Html {
    html! {
        <section class="log-box" aria-label="What just happened">
            <h2>{ "What just happened" }</h2>
            <ol class="log" data-testid="log" aria-live="polite" aria-relevant="additions"
                tabindex="0" aria-label="What just happened, newest first">
                { for props.lines.iter().map(|line| {
                    let tone = match line.tone {
                        Tone::Plain => "plain",
                        Tone::Held => "held",
                        Tone::Lost => "lost",
                        Tone::Violation => "violation",
                    };
                    html! { <li key={line.id} class={tone}>{ &line.text }</li> }
                }) }
            </ol>
            if props.lines.is_empty() {
                <p class="empty">{ "Write a value at a replica to begin." }</p>
            }
        </section>
    }
}
