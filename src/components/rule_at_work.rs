//! The rule at work: the delivery rule in force as pseudocode, the line that
//! decided the last receive lit, with its numbers (from the engine's
//! [`causal_core::decision`]).

use causal_core::{replica_name, Decision, Delivery};
use yew::prelude::*;

/// What the panel shows.
#[derive(Properties, Clone, PartialEq)]
pub struct RuleProps {
    /// The delivery rule in force.
    pub rule: Delivery,
    /// The decision behind the last receive up to the timeline, if any.
    pub decision: Option<Decision>,
}

/// The rule at work.
#[function_component(RuleAtWork)]
pub fn rule_at_work(props: &RuleProps) -> Html {
    let lines = causal_core::rule_lines(props.rule);
    let decided = props.decision.as_ref().map(|d| d.line);
    let items = lines.iter().enumerate().map(|(i, line)| {
        let lit = decided == Some(i);
        html! {
            <li key={i} class={classes!(lit.then_some("decided"))} data-decided={lit.then_some("true")}
                aria-current={lit.then_some("true")}>
                <code>{ line.trim_start() }</code>
            </li>
        }
    });
    let because = match &props.decision {
        Some(d) => html! {
            <p class={classes!("rule-because", d.verdict.words().replace(' ', "-"))} data-testid="rule-because"
               data-message={d.message.0.to_string()} data-replica={d.replica.to_string()}>
                <span class="rule-last">{ format!("Last receive: {} at {}. ", d.message, replica_name(d.replica)) }</span>
                <code>{ &d.because }</code>
            </p>
        },
        None => html! {
            <p class="rule-because none" data-testid="rule-because">{ "No message has been received yet: deliver one to see the rule decide." }</p>
        },
    };
    html! {
        <section class="rule-at-work" data-testid="rule-at-work" data-rule={props.rule.name()}
                 aria-label="The rule at work">
            <h2>{ "The rule at work: " }<span class="rule-name">{ props.rule.name() }</span></h2>
            <ol class="rule-lines">{ for items }</ol>
            { because }
        </section>
    }
}
