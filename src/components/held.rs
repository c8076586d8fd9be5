//! A replica's hold-back buffer, each message with what it waits for.

use causal_core::{MessageId, ReplicaId};
use yew::prelude::*;

/// A held message as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldView {
    /// The message.
    pub message: MessageId,
    /// Why it waits, in words and numbers.
    pub explanation: String,
    /// Where each missing message is now.
    pub whereabouts: Vec<String>,
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
}

/// The buffer, arrival order.
#[function_component(HeldList)]
pub fn held_list(props: &HeldProps) -> Html {
    html! {
        <div class="held-box">
            <h3>{ "Hold-back buffer" }</h3>
            <ol class="held" data-testid={format!("held-{}", props.replica)}>
                { for props.held.iter().map(|h| {
                    let show = props.on_highlight.reform({
                        let missing = h.missing.clone();
                        move |()| missing.clone()
                    });
                    let hide = props.on_highlight.reform(|()| Vec::new());
                    let (enter, leave) = (show.reform(|_: MouseEvent| ()), hide.reform(|_: MouseEvent| ()));
                    let (focus, blur) = (show.reform(|_: FocusEvent| ()), hide.reform(|_: FocusEvent| ()));
                    let lit = props.highlighted.contains(&h.message);
                    html! {
                        <li key={h.message.0} class={classes!("held-message", lit.then_some("highlight"))}
                            data-message={h.message.0.to_string()} tabindex="0"
                            onmouseenter={enter} onmouseleave={leave} onfocus={focus} onblur={blur}>
                            <span class="chip">{ h.message.to_string() }</span>
                            <span class="why">{ &h.explanation }</span>
                            { for h.whereabouts.iter().map(|w| html! { <span class="where">{ w }</span> }) }
                        </li>
                    }
                }) }
            </ol>
            if props.held.is_empty() {
                <p class="empty">{ "nothing held" }</p>
            }
        </div>
    }
}
