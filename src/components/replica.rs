//! A replica's panel: name, clock and store, hold-back buffer, write form.

use causal_core::{replica_name, MessageId, ReplicaId, Value};
use yew::prelude::*;

use super::clock::ClockView;
use super::held::{HeldList, HeldView};
use super::lane::CardView;
use super::store::{store_view, StoreProps};
use super::write_form::WriteForm;

/// What a card being dragged would do here.
#[derive(Clone, Debug, PartialEq)]
pub struct DropHint {
    /// Shown on the replica while the card hovers.
    pub text: String,
    /// The card is addressed here (else dropping it changes nothing).
    pub accepts: bool,
    /// What dropping it would do is hidden (a lesson's prediction waits).
    pub hidden: bool,
    /// The pointer is over this replica: the hint follows the floating card
    /// (beside it, never under it).
    pub under: bool,
}

impl DropHint {
    /// What replica `r` says while `card` is dragged with the pointer over
    /// `over`: its destination always, another replica only when under it.
    pub fn of(card: &CardView, over: Option<ReplicaId>, r: ReplicaId) -> Option<DropHint> {
        if card.to == r {
            let hidden = card.preview.kind == super::lane::PreviewKind::Hidden;
            Some(DropHint {
                text: if hidden {
                    format!("Drop {} here: ", card.message)
                } else {
                    format!("Drop {} here: {}", card.message, card.preview.text)
                },
                accepts: true,
                hidden,
                under: over == Some(r),
            })
        } else if over == Some(r) {
            Some(DropHint {
                text: format!(
                    "{} is addressed to {}, not here",
                    card.message,
                    replica_name(card.to)
                ),
                accepts: false,
                hidden: false,
                under: true,
            })
        } else {
            None
        }
    }
}

/// Props of [`ReplicaPanel`].
#[derive(Properties, PartialEq)]
pub struct ReplicaProps {
    /// Which replica.
    pub replica: ReplicaId,
    /// Its clock.
    pub clock: Vec<u64>,
    /// Clock entries the last action changed.
    pub changed: Vec<usize>,
    /// The state's revision, for the clock's flash.
    pub revision: u64,
    /// Its store.
    pub store: Vec<(String, Value)>,
    /// Keys on which replicas differ.
    pub diverged: Vec<String>,
    /// Its hold-back buffer.
    pub held: Vec<HeldView>,
    /// How many messages it has delivered.
    pub delivered: usize,
    /// Messages highlighted on the page.
    pub highlighted: Vec<MessageId>,
    /// While a card is dragged: what dropping it here would do.
    pub hint: Option<DropHint>,
    /// The write form's error, if any.
    pub write_error: Option<String>,
    /// Writes (key, value).
    pub on_write: Callback<(String, String)>,
    /// Highlights messages.
    pub on_highlight: Callback<Vec<MessageId>>,
    /// Sends a lost copy again: (message, to).
    #[prop_or_default]
    pub on_resend: Callback<(MessageId, ReplicaId)>,
}

/// One replica.
#[function_component(ReplicaPanel)]
pub fn replica_panel(props: &ReplicaProps) -> Html {
    let r = props.replica;
    let name = replica_name(r);
    let class = classes!(
        "replica",
        format!("r{r}"),
        props
            .hint
            .as_ref()
            .map(|h| if h.accepts { "drop-ok" } else { "drop-wrong" }),
        props
            .hint
            .as_ref()
            .filter(|h| h.under)
            .map(|_| "drop-under")
    );
    html! {
        <section {class} data-testid={format!("replica-{r}")} data-drop-replica={r.to_string()}
                 aria-label={format!("Replica {name}")} tabindex="-1">
            <header>
                <span class="badge-letter" aria-hidden="true">{ name }</span>
                <h2>{ format!("Replica {name}") }</h2>
                <span class="delivered" title="Messages delivered, its own writes included">
                    { format!("{} delivered", props.delivered) }
                </span>
            </header>
            if let Some(hint) = &props.hint {
                <p class="drop-hint" role="status">{ &hint.text }
                    if hint.hidden { { super::lane::hidden_outcome() } }
                </p>
            }
            // The store beside the clock, and the buffer right below them: a
            // held message is tested against the clock.
            <div class="replica-state">
                <ClockView replica={r} entries={props.clock.clone()} changed={props.changed.clone()} revision={props.revision} />
                { store_view(&StoreProps { replica: r, entries: props.store.clone(), diverged: props.diverged.clone() }) }
            </div>
            <HeldList replica={r} held={props.held.clone()} highlighted={props.highlighted.clone()}
                      on_highlight={props.on_highlight.clone()} on_resend={props.on_resend.clone()} />
            <WriteForm replica={r} error={props.write_error.clone()} on_write={props.on_write.clone()} />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::super::lane::{m2_from_b_to_c, CardPreview, PreviewKind};
    use super::*;

    #[test]
    fn a_dragged_card_is_welcome_at_its_destination_and_turned_away_elsewhere() {
        let card = m2_from_b_to_c(CardPreview {
            text: "would be held: waits for A#1 (m1)".into(),
            kind: PreviewKind::Hold,
        });
        let welcome = DropHint {
            text: "Drop m2 here: would be held: waits for A#1 (m1)".into(),
            accepts: true,
            hidden: false,
            under: false,
        };
        assert_eq!(DropHint::of(&card, None, 2), Some(welcome.clone()));
        assert_eq!(
            DropHint::of(&card, Some(2), 2),
            Some(DropHint {
                under: true,
                ..welcome
            })
        );
        assert_eq!(
            DropHint::of(&card, Some(0), 0),
            Some(DropHint {
                text: "m2 is addressed to C, not here".into(),
                accepts: false,
                hidden: false,
                under: true,
            })
        );
        assert_eq!(
            DropHint::of(&card, Some(0), 1),
            None,
            "not under the pointer"
        );
    }
}
