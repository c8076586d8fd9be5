//! A replica's hold-back buffer, each message with what it waits for: the
//! rule's test with its numbers, the entry that fails, and where the missing
//! messages are (a lost one can be sent again from here).

use causal_core::{replica_name, MessageId, ReplicaId};
use yew::prelude::*;

use super::lane::resend_button;
use crate::describe::Whereabouts;

/// A held message as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldView {
    /// The message.
    pub message: MessageId,
    /// Why it waits, in words and numbers.
    pub explanation: String,
    /// The delivery rule it is tested against, in words.
    pub rule: String,
    /// Its timestamp's entries.
    pub timestamp: Vec<u64>,
    /// The replica's clock's entries.
    pub clock: Vec<u64>,
    /// Each entry of the rule that fails: (entry, "m2[A] = 1 > C[A] = 0: ...").
    pub failing: Vec<(ReplicaId, String)>,
    /// Where each of the first missing messages is now.
    pub whereabouts: Vec<(MessageId, Whereabouts)>,
    /// The messages it waits for, to highlight.
    pub missing: Vec<MessageId>,
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
                    let fails: Vec<ReplicaId> = h.failing.iter().map(|(k, _)| *k).collect();
                    html! {
                        <li key={h.message.0} class={classes!("held-message", lit.then_some("highlight"))}
                            data-message={h.message.0.to_string()} tabindex="0"
                            onmouseenter={enter} onmouseleave={leave} onfocus={focus} onblur={blur}>
                            <span class="chip">{ h.message.to_string() }</span>
                            <span class="why">{ &h.explanation }</span>
                            <span class="rule-test">
                                <span class="side">{ format!("{} ", h.message) }{ vector(&h.timestamp, &fails) }</span>
                                <span class="against">{ "against" }</span>
                                <span class="side">{ format!("{} ", replica_name(r)) }{ vector(&h.clock, &fails) }</span>
                            </span>
                            { for h.failing.iter().map(|(k, text)| {
                                let (test, why) = text.split_once(": ").unwrap_or((text, ""));
                                html! {
                                    <span class="fail" data-entry={k.to_string()}>
                                        <mark>{ test }</mark>{ if why.is_empty() { String::new() } else { format!(": {why}") } }
                                    </span>
                                }
                            }) }
                            { for h.whereabouts.iter().map(|(_, w)| html! {
                                <span class={classes!("where", w.lost.then_some("lost"))}>{ &w.text }</span>
                            }) }
                            // The numbers above say what fails; the rule in
                            // full and the notation are a click away, so the
                            // replicas' stores stay on the first screen.
                            <details class="rule-more">
                                <summary>{ "The rule in full" }</summary>
                                <span class="rule">{ &h.rule }</span>
                                if i == 0 {
                                    <span class="notation">
                                        <abbr title="A#1 is A's first write, A#2 its second; m2[A] is entry A of m2's timestamp">{ "A#1" }</abbr>
                                        { " = A's first write; m2[A] = entry A of m2's timestamp" }
                                    </span>
                                }
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
