//! A replica's hold-back buffer, each message with what it waits for: the
//! rule's test with its numbers, the entry that fails, and where the missing
//! messages are (a lost one can be sent again from here).

use causal_core::{replica_name, MessageId, ReplicaId};
use yew::prelude::*;

use super::lane::{hidden_outcome, resend_button};
use crate::run::describe::Whereabouts;

/// A held message as shown: the explaining layer's words, numbers and
/// tests ([`causal_core::explain`]), the same the rule at work prints.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldView {
    /// The message.
    pub message: MessageId,
    /// Why it waits, in plain words.
    pub explanation: String,
    /// The rule in force, as pseudocode lines.
    pub rule: &'static [&'static str],
    /// Its timestamp's entries.
    pub timestamp: Vec<u64>,
    /// The replica's clock's entries.
    pub clock: Vec<u64>,
    /// The entries whose test fails.
    pub fails: Vec<ReplicaId>,
    /// Each test of the rule with its numbers: (it holds, the line).
    pub tests: Vec<(bool, String)>,
    /// Where each of the first missing messages is now.
    pub whereabouts: Vec<(MessageId, Whereabouts)>,
    /// The messages it waits for, to highlight.
    pub missing: Vec<MessageId>,
    /// What it waits for is not told: a lesson's prediction waits for its
    /// answer (the numbers stay, unmarked, for the learner to work it out).
    pub hidden: bool,
}

impl HeldView {
    /// The same entry with what it waits for hidden.
    pub fn concealed(&self) -> HeldView {
        HeldView {
            explanation: String::new(),
            fails: Vec::new(),
            tests: Vec::new(),
            whereabouts: Vec::new(),
            missing: Vec::new(),
            hidden: true,
            ..self.clone()
        }
    }
}

/// The rule's tests with their numbers, the failing ones marked: a
/// disclosure's content, the same on the held entry and the rule at work.
pub fn test_list(tests: &[(bool, String)]) -> Html {
    html! {
        <ul class="tests">
            { for tests.iter().map(|(holds, line)| html! {
                <li class={classes!((!holds).then_some("fails"))}>
                    if *holds { { line } } else { <mark>{ line }</mark> }
                </li>
            }) }
        </ul>
    }
}

/// The notation, once: what `A#1` and `m2[A]` mean.
pub fn notation() -> Html {
    html! {
        <span class="notation">
            { "A#1 = A's first write; m2[A] = entry A of m2's timestamp; C[A] = entry A of C's clock" }
        </span>
    }
}

/// Props of [`HeldList`].
#[derive(Properties, PartialEq)]
pub struct HeldProps {
    /// Whose buffer.
    pub replica: ReplicaId,
    /// Held messages, in arrival order.
    pub held: Vec<HeldView>,
    /// Messages highlighted elsewhere (hover on another held message).
    #[prop_or_default]
    pub highlighted: Vec<MessageId>,
    /// Hovering or focusing a held message highlights what it waits for;
    /// leaving clears it.
    pub on_highlight: Callback<Vec<MessageId>>,
    /// Sends a lost copy again: (message, to).
    #[prop_or_default]
    pub on_resend: Callback<(MessageId, ReplicaId)>,
}

/// `[1,1,0]`, the entries in `fails` marked.
fn vector(entries: &[u64], fails: &[ReplicaId]) -> Html {
    html! {
        <code class="vector">
            { "[" }
            { for entries.iter().enumerate().map(|(k, n)| html! {
                <>
                    if k > 0 { { "," } }
                    <span class={classes!("entry", fails.contains(&k).then_some("fails"))}
                          title={format!("entry {}", replica_name(k))}>{ n }</span>
                </>
            }) }
            { "]" }
        </code>
    }
}

/// "entry A", "entries A and C".
fn entries(fails: &[ReplicaId]) -> String {
    let names: Vec<String> = fails.iter().map(|k| replica_name(*k).to_string()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("entry {last}"),
        Some((last, rest)) => format!("entries {} and {last}", rest.join(", ")),
    }
}

/// The buffer, arrival order.
#[function_component(HeldList)]
pub fn held_list(props: &HeldProps) -> Html {
    let r = props.replica;
    // Each lost message once, however many held messages wait for it.
    let mut lost: Vec<MessageId> = Vec::new();
    for (m, w) in props.held.iter().flat_map(|h| h.whereabouts.iter()) {
        if w.lost && !lost.contains(m) {
            lost.push(*m);
        }
    }
    html! {
        <div class="held-box">
            <h3>{ "Hold-back buffer" }</h3>
            <ol class="held" data-testid={format!("held-{r}")}>
                { for props.held.iter().enumerate().map(|(i, h)| {
                    let show = props.on_highlight.reform({
                        let missing = h.missing.clone();
                        move |()| missing.clone()
                    });
                    let hide = props.on_highlight.reform(|()| Vec::new());
                    let (enter, leave) = (show.reform(|_: MouseEvent| ()), hide.reform(|_: MouseEvent| ()));
                    let (focus, blur) = (show.reform(|_: FocusEvent| ()), hide.reform(|_: FocusEvent| ()));
                    let lit = props.highlighted.contains(&h.message);
                    let fails = h.fails.clone();
                    html! {
                        <li key={h.message.0} class={classes!("held-message", lit.then_some("highlight"))}
                            data-message={h.message.0.to_string()} tabindex="0"
                            onmouseenter={enter} onmouseleave={leave} onfocus={focus} onblur={blur}>
                            <span class="chip">{ h.message.to_string() }</span>
                            if h.hidden {
                                <span class="why">{ hidden_outcome() }</span>
                            } else {
                                <span class="why">{ &h.explanation }</span>
                            }
                            <span class="rule-test">
                                <span class="side">{ format!("{} ", h.message) }{ vector(&h.timestamp, &fails) }</span>
                                <span class="against">{ "against" }</span>
                                <span class="side">{ format!("{} ", replica_name(r)) }{ vector(&h.clock, &fails) }</span>
                            </span>
                            if !fails.is_empty() {
                                <span class="fail" data-entry={fails[0].to_string()}>
                                    { format!("{} {}", entries(&fails), if fails.len() == 1 { "fails" } else { "fail" }) }
                                </span>
                            }
                            { for h.whereabouts.iter().map(|(_, w)| html! {
                                <span class={classes!("where", w.lost.then_some("lost"))}>{ &w.text }</span>
                            }) }
                            // The numbers above say what fails; the rule in
                            // full and the notation are a click away, so the
                            // replicas' stores stay on the first screen.
                            <details class="rule-more">
                                <summary>{ "The rule's tests" }</summary>
                                { test_list(&h.tests) }
                                <pre class="rule">{ h.rule.join("\n") }</pre>
                                if i == 0 { { notation() } }
                            </details>
                        </li>
                    }
                }) }
            </ol>
            if !lost.is_empty() {
                // Outside the list: its items are the held messages only.
                <p class="lost-notes" aria-label="Lost copies">
                    { for lost.iter().map(|m| resend_button(*m, r, &props.on_resend)) }
                </p>
            }
            if props.held.is_empty() {
                <p class="empty">{ "nothing held" }</p>
            }
        </div>
    }
}
