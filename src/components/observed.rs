//! causal-check's case: what the node answered at the failing step, beside
//! what the engine expects there (`[data-testid="observed"]`).

use causal_core::replica_name;
use yew::prelude::*;

use crate::run::observed::{clock, differences, Answer, Found};

/// The sentence at the top: which flaw, which guarantee, which step; and
/// where the timeline is when it is elsewhere.
pub fn case(found: &Found, cursor: usize) -> Html {
    let step = found.step;
    let wrong = found
        .replicas
        .iter()
        .filter(|(node, engine)| !differences(node, engine).is_empty())
        .count();
    let answered = if found.replicas.is_empty() {
        "The node could not be asked at that step.".to_string()
    } else if wrong == 0 {
        "Under each replica the node answered for: what it answered, beside what the engine expects.".to_string()
    } else {
        format!(
            "Under each replica the node answered for: what it answered, beside what the engine expects ({} of {} differ).",
            wrong,
            found.replicas.len()
        )
    };
    html! {
        <section class="observed-case" data-testid="observed-case" aria-label="causal-check's case"
                 data-kind={found.kind.clone()} data-guarantee={found.guarantee.clone()}
                 data-step={step.to_string()}>
            <p>
                <strong>{ format!("causal-check found: {} ({})", found.kind, found.guarantee) }</strong>
                { format!(" at step {step}. {answered} These answers are about step {step}, the failing step: they stay while you move the timeline, until you load or reset.") }
                if cursor != step {
                    { format!(" The timeline is at step {cursor} now.") }
                }
            </p>
        </section>
    }
}

/// What the node answered for replica `replica`, if it answered.
pub fn answer(found: &Found, replica: usize) -> Option<Html> {
    let (node, engine) = found.replicas.iter().find(|(n, _)| n.replica == replica)?;
    let said = differences(node, engine);
    let name = replica_name(replica);
    let step = found.step;
    Some(html! {
        <section class="observed" data-testid="observed" data-replica={replica.to_string()}
                 data-clock={joined(&node.clock)} data-step={step.to_string()}
                 data-differs={(!said.is_empty()).to_string()}
                 aria-label={format!("What the node answered as {name}")}>
            <h3>{ format!("The node as {name}, at step {step}") }</h3>
            <dl>
                <dt>{ "Clock" }</dt>
                <dd class="observed-clock">{ clock(&node.clock) }</dd>
                <dt>{ "Store" }</dt>
                <dd>{ store(node) }</dd>
                <dt>{ "Held back" }</dt>
                <dd>{ held(node) }</dd>
            </dl>
            if said.is_empty() {
                <p class="observed-same">{ "It answered what the engine expects here." }</p>
            } else {
                <ul class="observed-differs">
                    { for said.into_iter().map(|s| html! { <li>{ s }</li> }) }
                </ul>
            }
        </section>
    })
}

fn joined(entries: &[u64]) -> String {
    entries
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn store(node: &Answer) -> Html {
    if node.store.is_empty() {
        return html! { <span class="observed-store" data-testid="observed-store">{ "empty" }</span> };
    }
    html! {
        <ul class="observed-store" data-testid="observed-store">
            { for node.store.iter().map(|(k, v)| html! {
                <li data-key={k.clone()} data-value={v.clone()}>{ format!("{k} = {v}") }</li>
            }) }
        </ul>
    }
}

fn held(node: &Answer) -> Html {
    if node.held.is_empty() {
        return html! { <span class="observed-held" data-testid="observed-held">{ "nothing" }</span> };
    }
    html! {
        <ul class="observed-held" data-testid="observed-held">
            { for node.held.iter().map(|m| html! {
                <li data-message={m.to_string()}>{ format!("m{m}") }</li>
            }) }
        </ul>
    }
}
