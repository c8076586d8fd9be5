//! The rule at work: the delivery rule in force as pseudocode, the line that
//! decided the last receive lit, and why, in the explaining layer's words
//! and numbers ([`causal_core::explain`]), the same the held entries print;
//! after a release, each release in turn.

use causal_core::{replica_name, Decision, Delivery, Explanation};
use yew::prelude::*;

use super::held::{notation, test_list};

/// What the panel shows.
#[derive(Properties, Clone, PartialEq)]
pub struct RuleProps {
    /// The delivery rule in force.
    pub rule: Delivery,
    /// The last receive up to the timeline, if any: the decision and its
    /// explanation.
    pub decision: Option<(Decision, Explanation)>,
    /// A lesson's prediction waits for its answer: the decision is not told.
    #[prop_or_default]
    pub hidden: bool,
}

/// One receive or release: words, numbers, and its tests in a disclosure.
fn told(e: &Explanation) -> Html {
    let tests: Vec<(bool, String)> = e.tests.iter().map(|t| (t.holds, t.line())).collect();
    html! {
        <div class={classes!("rule-told", e.verdict.words().replace(' ', "-"))}
             data-message={e.message.0.to_string()}>
            <p class="rule-words">{ &e.words }</p>
            if !e.numbers.is_empty() {
                <p class="rule-numbers"><code>{ &e.numbers }</code></p>
            }
            if !tests.is_empty() {
                <details class="rule-more">
                    <summary>{ "The rule's tests" }</summary>
                    { test_list(&tests) }
                    { notation() }
                </details>
            }
        </div>
    }
}

/// The rule at work.
#[function_component(RuleAtWork)]
pub fn rule_at_work(props: &RuleProps) -> Html {
    let lines = causal_core::rule_lines(props.rule);
    let decided = props
        .decision
        .as_ref()
        .filter(|_| !props.hidden)
        .map(|(d, _)| d.line);
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
        Some(_) if props.hidden => html! {
            <div class="rule-because hidden" data-testid="rule-because">
                { "Which line decides: " }{ super::lane::hidden_outcome() }
            </div>
        },
        Some((d, e)) => html! {
            <div class={classes!("rule-because", d.verdict.words().replace(' ', "-"))} data-testid="rule-because"
               data-message={d.message.0.to_string()} data-replica={d.replica.to_string()}>
                <p class="rule-last">{ format!("Last receive: {} at {}.", d.message, replica_name(d.replica)) }</p>
                { told(e) }
                { for e.then.iter().map(told) }
            </div>
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
