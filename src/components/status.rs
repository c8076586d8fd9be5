//! Whether causal order held, and whether the replicas agree.

use causal_core::{replica_name, Violation};
use yew::prelude::*;

/// Props of [`status`].
pub struct StatusProps {
    /// Violations, in the order they happened.
    pub violations: Vec<Violation>,
    /// Every replica has the same store.
    pub converged: bool,
    /// Keys on which they differ.
    pub diverged: Vec<String>,
    /// Copies still in flight.
    pub in_flight: usize,
}

/// The alarm and the agreement indicator.
pub fn status(props: &StatusProps) -> Html {
    let agreement = if props.converged {
        if props.in_flight > 0 {
            format!(
                "Replicas agree for now ({} copies still in flight).",
                props.in_flight
            )
        } else {
            "Replicas agree.".to_string()
        }
    } else {
        format!("Replicas differ on {}.", props.diverged.join(", "))
    };
    let count = props.violations.len();
    html! {
        <div class="status">
            <p class={classes!("converged", if props.converged { "ok" } else { "bad" })}
               data-testid="converged" data-converged={props.converged.to_string()}>
                <span aria-hidden="true">{ if props.converged { "\u{2714} " } else { "\u{2260} " } }</span>
                { agreement }
            </p>
            <div class={classes!("violations-box", (count > 0).then_some("alarm"))}>
                <p class="violations-title">
                    if count == 0 { { "No causal violations." } }
                    else { { format!("\u{26a0} {count} causal violation{}", if count == 1 { "" } else { "s" }) } }
                </p>
                <ul class="violations" data-testid="violations">
                    { for props.violations.iter().enumerate().rev().take(50).map(|(i, v)| html! {
                        <li key={i} data-replica={v.replica.to_string()} data-message={v.message.0.to_string()}
                            data-missing={v.missing.0.to_string()}>
                            { format!("{} delivered {} before {}, which happened before it.",
                                      replica_name(v.replica), v.message, v.missing) }
                        </li>
                    }) }
                </ul>
            </div>
        </div>
    }
}
