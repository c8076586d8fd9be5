//! An embed's step controls (back, the timeline within its lock, forward)
//! and its status line: the delivery rule in force and the outcome in words.

use causal_core::{Delivery, Simulation};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::status::{Awaiting, Status};

/// Props of [`embed_steps`].
pub struct EmbedStepsProps {
    /// Steps applied.
    pub cursor: usize,
    /// The lock: first and last step shown (the whole branch if unlocked).
    pub range: (usize, usize),
    /// Move to this many steps.
    pub on_seek: Callback<usize>,
}

/// Previous, the slider `[data-testid="timeline"]` from the lock's first step
/// to its last, and Next.
pub fn embed_steps(props: &EmbedStepsProps) -> Html {
    let (low, high) = props.range;
    let cursor = props.cursor;
    let seek = |to: usize| props.on_seek.reform(move |_: MouseEvent| to);
    let oninput = {
        let cb = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Ok(steps) = input.value().parse::<usize>() {
                cb.emit(steps.clamp(low, high))
            }
        })
    };
    let label = if low > 0 {
        format!("Step {cursor} (steps {low} to {high})")
    } else {
        format!("Step {cursor} of {high}")
    };
    html! {
        <nav class="embed-steps" aria-label="Steps">
            <button type="button" data-testid="embed-previous" disabled={cursor <= low}
                    onclick={seek(cursor.saturating_sub(1).max(low))}>{ "\u{2190} Previous" }</button>
            <label class="timeline-label">
                <span>{ label.clone() }</span>
                <input type="range" data-testid="timeline" min={low.to_string()} max={high.to_string()}
                       value={cursor.to_string()} step="1" {oninput} aria-valuetext={label} />
            </label>
            <button type="button" data-testid="embed-next" disabled={cursor >= high}
                    onclick={seek((cursor + 1).min(high))}>{ "Next \u{2192}" }</button>
        </nav>
    }
}

/// The delivery rule in force and the status in words (the replicas agree,
/// are catching up or diverged; the violations seen), which an embed always
/// shows: a red square in the diagram says nothing on its own.
pub fn embed_status(simulation: &Simulation, delivery: Delivery) -> Html {
    html! {
        <section class="embed-status" aria-label="Rule and outcome" data-testid="embed-status">
            <p class="embed-rule" data-testid="embed-rule" data-rule={delivery.name()}>
                { "Delivery rule: " }<strong>{ delivery.name() }</strong>{ " \u{2014} " }{ delivery.explanation() }
            </p>
            <Status violations={simulation.violations().to_vec()}
                    converged={simulation.converged()}
                    diverged={simulation.diverged_keys()}
                    in_flight={simulation.network().len()}
                    awaiting={Awaiting::of(simulation)} />
        </section>
    }
}
