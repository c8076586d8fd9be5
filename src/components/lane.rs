//! A lane: the copies in flight to one replica, as cards that can be
//! dragged (pointer events: mouse, touch and pen), clicked or keyed, and the
//! copies lost on the way, which can be sent again.
//!
//! While a card is dragged, a copy of it floats above the page (fixed, in a
//! portal on `<body>`), so no lane can clip it; the card itself stays in its
//! place, faded, and a marker shows where in the lane it would land.

use causal_core::{replica_name, CopyId, MessageId, ReplicaId};
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use crate::browser::drag::{use_drag, Release};
use crate::browser::keymap::{self, Command, KeyPress, Place};

/// What delivering a card now would do, in words, and its kind for styling.
#[derive(Clone, Debug, PartialEq)]
pub struct CardPreview {
    /// "delivers now", "held: waits for A#1 (m1)", "duplicate: discarded".
    pub text: String,
    pub kind: PreviewKind,
}

/// What delivering a card now would do, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewKind {
    /// Delivered, in causal order.
    Deliver,
    /// Delivered, breaking causal order.
    Violate,
    /// Held back.
    Hold,
    /// Discarded as a duplicate.
    Discard,
    /// Not told: a lesson's prediction waits for its answer.
    Hidden,
}

impl PreviewKind {
    pub fn class(self) -> &'static str {
        match self {
            PreviewKind::Deliver => "preview-deliver",
            PreviewKind::Violate => "preview-violate",
            PreviewKind::Hold => "preview-hold",
            PreviewKind::Discard => "preview-discard",
            PreviewKind::Hidden => "preview-hidden",
        }
    }
}

/// What the page says in place of an outcome a lesson asks the learner to
/// predict (ARCHITECTURE.md, "The explaining layer"): no word of the
/// outcome itself.
pub const HIDDEN_TEXT: &str = "hidden until you answer the question";

/// The mark that stands where an outcome would be told while a prediction
/// waits for its answer.
pub fn hidden_outcome() -> Html {
    html! {
        <span class="hidden-outcome" data-testid="hidden-outcome">{ HIDDEN_TEXT }</span>
    }
}

impl CardPreview {
    /// The preview a card shows while a prediction waits.
    pub fn hidden() -> CardPreview {
        CardPreview {
            text: HIDDEN_TEXT.into(),
            kind: PreviewKind::Hidden,
        }
    }
}

impl LaneView {
    /// The same lane with every card's outcome hidden.
    pub fn concealed(&self) -> LaneView {
        LaneView {
            cards: self
                .cards
                .iter()
                .map(|card| CardView {
                    preview: CardPreview::hidden(),
                    ..card.clone()
                })
                .collect(),
            ..self.clone()
        }
    }
}

/// A copy in flight, as a card shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CardView {
    /// Which copy (several copies of one message can be in flight).
    pub copy: CopyId,
    /// The message.
    pub message: MessageId,
    /// Its sender.
    pub from: ReplicaId,
    /// Its destination.
    pub to: ReplicaId,
    /// "x = 1".
    pub write: String,
    /// Its timestamp, `[1,0,0]`.
    pub timestamp: String,
    /// What delivering it now would do.
    pub preview: CardPreview,
}

/// A copy that was dropped on its way and has not arrived since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LostCopy {
    /// The message.
    pub message: MessageId,
    /// Its sender.
    pub from: ReplicaId,
}

/// What a lane shows: its first cards, how many copies it holds, and the
/// copies lost on the way to its replica.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LaneView {
    /// The first [`LANE_SHOWN`] cards, in lane order.
    pub cards: Vec<CardView>,
    /// How many copies are in flight to the replica, shown or not.
    pub total: usize,
    /// Copies lost on the way, each message once.
    pub lost: Vec<LostCopy>,
}

/// Cards shown per lane: more would slow every action and help nobody.
pub const LANE_SHOWN: usize = 100;

/// What a lane's cards can do, by (message, destination) or lane position.
#[derive(Clone, PartialEq)]
pub struct CardActions {
    /// Deliver the card's message to its destination.
    pub deliver: Callback<(MessageId, ReplicaId)>,
    /// Drop it.
    pub drop: Callback<(MessageId, ReplicaId)>,
    /// Send another copy (also resends a lost one).
    pub duplicate: Callback<(MessageId, ReplicaId)>,
    /// Move the card at index to position in lane `to`: (to, index, position).
    pub reorder: Callback<(ReplicaId, usize, usize)>,
    /// A card was let go: (card, where).
    pub release: Callback<(CardView, usize, Release)>,
    /// A card is being dragged over (card, replica under the pointer), or the drag ended (None).
    pub drag: Callback<Option<(CardView, Option<ReplicaId>)>>,
    /// Hover or focus on a card highlights its message.
    pub highlight: Callback<Vec<MessageId>>,
}

/// Props of [`Lane`].
#[derive(Properties, PartialEq)]
pub struct LaneProps {
    /// The destination.
    pub to: ReplicaId,
    /// What it shows.
    pub lane: LaneView,
    /// Highlighted messages.
    pub highlighted: Vec<MessageId>,
    /// What the cards can do.
    pub actions: CardActions,
}

/// Where a dragged card would land in its lane: before the card at this
/// index, or after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Before,
    After,
}

/// The marker on the card at `index` of a lane of `cards`, while the card
/// at `from` is dragged to `position` (counted without it): `place` is
/// (copy, from, position).
fn mark_at(place: Option<(CopyId, usize, usize)>, cards: usize, index: usize) -> Option<Mark> {
    let (_, from, position) = place?;
    if position == from || index == from {
        return None;
    }
    // Positions count the other cards, without the dragged one.
    let others = cards.saturating_sub(1);
    let at = if index > from { index - 1 } else { index };
    if at == position {
        Some(Mark::Before)
    } else if position >= others && at + 1 == others {
        Some(Mark::After)
    } else {
        None
    }
}

/// The copies in flight to one replica.
#[function_component(Lane)]
pub fn lane(props: &LaneProps) -> Html {
    let to = props.to;
    // (dragged copy, its index, the position it would take)
    let place = use_state_eq(|| None::<(CopyId, usize, usize)>);
    let on_place = {
        let place = place.clone();
        Callback::from(move |p| place.set(p))
    };
    let LaneView { cards, total, lost } = &props.lane;
    let more = total.saturating_sub(cards.len());
    let name = replica_name(to);
    html! {
        <div class="lane-box" data-lane={to.to_string()}>
            <h3>{ format!("In flight to {name}") }
                <span class="count">{ format!(" ({total})") }</span></h3>
            <ol class="lane" data-testid={format!("lane-{to}")} aria-label={format!("Messages in flight to {name}")}>
                { for cards.iter().enumerate().map(|(index, card)| html! {
                    <Card key={card.copy.0} card={card.clone()} {index} last={index + 1 == *total}
                          lit={props.highlighted.contains(&card.message)} mark={mark_at(*place, cards.len(), index)}
                          actions={props.actions.clone()} on_place={on_place.clone()} />
                }) }
            </ol>
            if more > 0 {
                <p class="lane-more" data-testid={format!("lane-more-{to}")} data-more={more.to_string()}>
                    { format!("{more} more in flight to {name}, not shown: deliver or drop the cards above to see them.") }
                </p>
            }
            if cards.is_empty() && lost.is_empty() {
                <p class="empty">{ "nothing in flight" }</p>
            }
            if !lost.is_empty() {
                <ul class="lost" aria-label={format!("Copies lost on the way to {name}")}>
                    { for lost.iter().map(|l| html! {
                        <li key={l.message.0} class={classes!("lost-copy", format!("r{}", l.from))}>
                            <span class="chip">{ l.message.to_string() }</span>
                            <span>{ format!("from {} was lost on the way", replica_name(l.from)) }</span>
                            { resend_button(l.message, to, &props.actions.duplicate) }
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}

/// "Resend m1": a duplicate of the copy of `message` to `to` that was lost.
/// Shown wherever the page says a copy was lost.
pub fn resend_button(
    message: MessageId,
    to: ReplicaId,
    duplicate: &Callback<(MessageId, ReplicaId)>,
) -> Html {
    let onclick = duplicate.reform(move |_: MouseEvent| (message, to));
    html! {
        <button type="button" class="resend" data-testid="resend" data-message={message.0.to_string()}
                data-to={to.to_string()} {onclick}
                title={format!("Send {message} to {} again (a duplicate of the lost copy)", replica_name(to))}>
            { format!("Resend {message}") }
        </button>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    card: CardView,
    index: usize,
    last: bool,
    lit: bool,
    mark: Option<Mark>,
    actions: CardActions,
    /// While this card is dragged over its own lane: (copy, index, position).
    on_place: Callback<Option<(CopyId, usize, usize)>>,
}

#[function_component(Card)]
fn card(props: &CardProps) -> Html {
    let node = use_node_ref();
    let CardProps {
        card,
        index,
        last,
        lit,
        mark,
        actions,
        on_place,
    } = props;
    let (index, last) = (*index, *last);
    let target = (card.message, card.to);
    // A card can be grabbed anywhere, its buttons included.
    let drag = {
        let on_over = {
            let (drag, on_place, card) = (actions.drag.clone(), on_place.clone(), card.clone());
            Callback::from(move |over: Option<Release>| {
                // Over a replica: its drop hint; over its lane: the marker
                // where the card would land.
                drag.emit(over.map(|release| {
                    let replica = match release {
                        Release::Replica(r) => Some(r),
                        _ => None,
                    };
                    (card.clone(), replica)
                }));
                on_place.emit(match over {
                    Some(Release::Lane(position)) => Some((card.copy, index, position)),
                    _ => None,
                });
            })
        };
        let card = card.clone();
        let on_release = actions
            .release
            .reform(move |release| (card.clone(), index, release));
        use_drag(&node, on_over, on_release)
    };
    // The latest highlight callback, for the clean-up at unmount.
    let highlight = use_mut_ref(|| actions.highlight.clone());
    *highlight.borrow_mut() = actions.highlight.clone();
    // Set when the keyboard moves the card: its node moves, so focus it again.
    let refocus = use_mut_ref(|| false);
    {
        let (node, refocus) = (node.clone(), refocus.clone());
        use_effect(move || {
            if std::mem::take(&mut *refocus.borrow_mut()) {
                if let Some(el) = node.cast::<HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    // Whether the keyboard's focus is on the card or one of its buttons.
    let focused = use_mut_ref(|| false);
    // Whether the mouse is over it: its message is highlighted until it leaves.
    let hovered = use_mut_ref(|| false);
    // A card that goes away while focused (delivered by autoplay, undone)
    // hands the focus to its replica rather than to the page.
    {
        let (focused, hovered, highlight) = (focused.clone(), hovered.clone(), highlight.clone());
        let to = card.to;
        use_effect_with((), move |_| {
            move || {
                if *focused.borrow() {
                    Timeout::new(0, move || focus_replica_if_lost(to)).forget();
                }
                // A card delivered under the mouse never sees it leave.
                if *hovered.borrow() {
                    highlight.borrow().emit(Vec::new());
                }
            }
        });
    }
    let onkeydown = {
        let (actions, refocus, node) = (actions.clone(), refocus.clone(), node.clone());
        let to = card.to;
        Callback::from(move |e: KeyboardEvent| {
            // Keys pressed on the card's buttons are theirs.
            let on_card = match (e.target(), node.get()) {
                (Some(t), Some(n)) => t.unchecked_ref::<web_sys::Node>() == &n,
                _ => false,
            };
            if !on_card {
                return;
            }
            let moved = match keymap::command(Place::Card, &KeyPress::of(&e)) {
                Some(Command::Deliver) => {
                    focus_neighbour(&node);
                    actions.deliver.emit(target);
                    None
                }
                Some(Command::Drop) => {
                    focus_neighbour(&node);
                    actions.drop.emit(target);
                    None
                }
                Some(Command::Duplicate) => {
                    actions.duplicate.emit(target);
                    None
                }
                Some(Command::MoveUp) if index > 0 => Some(index - 1),
                Some(Command::MoveDown) if !last => Some(index + 1),
                Some(Command::MoveUp | Command::MoveDown) => None,
                _ => return,
            };
            e.prevent_default();
            if let Some(position) = moved {
                *refocus.borrow_mut() = true;
                actions.reorder.emit((to, index, position));
            }
        })
    };
    let (enter, leave) = {
        let on = actions.highlight.clone();
        let message = card.message;
        let off = on.clone();
        let (in_, out) = (hovered.clone(), hovered.clone());
        (
            Callback::from(move |_: MouseEvent| {
                *in_.borrow_mut() = true;
                on.emit(vec![message])
            }),
            Callback::from(move |_: MouseEvent| {
                *out.borrow_mut() = false;
                off.emit(Vec::new())
            }),
        )
    };
    // A button that takes the card away first hands the focus on.
    let button = |label: &'static str,
                  testid: &'static str,
                  title: String,
                  leaves: bool,
                  cb: &Callback<(MessageId, ReplicaId)>| {
        let (cb, node) = (cb.clone(), node.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            if leaves {
                focus_neighbour(&node);
            }
            cb.emit(target)
        });
        html! {
            <button type="button" data-testid={testid} {title} {onclick}>{ label }</button>
        }
    };
    let from = replica_name(card.from);
    let to = replica_name(card.to);
    let outcome = if card.preview.kind == PreviewKind::Hidden {
        format!("What it would do is {HIDDEN_TEXT}")
    } else {
        card.preview.text.clone()
    };
    let label = format!(
        "{} from {from} to {to}: {}, timestamp {}. {outcome}. Enter delivers, Delete drops, D duplicates, Alt+Arrow keys move it.",
        card.message, card.write, card.timestamp
    );
    let preview = if card.preview.kind == PreviewKind::Hidden {
        html! { <div class="card-preview">{ hidden_outcome() }</div> }
    } else {
        html! { <div class="card-preview" title="A#1 is A's first write, A#2 its second, and so on">{ &card.preview.text }</div> }
    };
    let class = |extra: Option<&'static str>| {
        classes!(
            "card",
            format!("r{}", card.from),
            card.preview.kind.class(),
            lit.then_some("highlight"),
            extra
        )
    };
    let body = |buttons: Html| {
        html! {
            <>
            <div class="card-head">
                <span class="chip">{ card.message.to_string() }</span>
                <span class="route">{ format!("{from} \u{2192} {to}") }</span>
                <span class="card-write">{ &card.write }</span>
                <span class="timestamp" title="timestamp: the sender's clock after the write">{ &card.timestamp }</span>
            </div>
            <div class="card-foot">
                { preview.clone() }
                { buttons }
            </div>
            </>
        }
    };
    let buttons = html! {
        <div class="card-buttons">
            { button("Deliver", "deliver", format!("Deliver {} to {to} now (Enter)", card.message), true, &actions.deliver) }
            { button("Drop", "drop", format!("Lose this copy of {} (Delete)", card.message), true, &actions.drop) }
            { button("Duplicate", "duplicate", format!("Send another copy of {} to {to} (D)", card.message), false, &actions.duplicate) }
        </div>
    };
    // The copy's buttons are pictures of the card's: no test hooks, no actions.
    let copy_buttons = html! {
        <div class="card-buttons">
            <button type="button" tabindex="-1">{ "Deliver" }</button>
            <button type="button" tabindex="-1">{ "Drop" }</button>
            <button type="button" tabindex="-1">{ "Duplicate" }</button>
        </div>
    };
    // The copy under the pointer, above everything: fixed on <body>.
    let floating = drag.floating.and_then(|(left, top, width, height)| {
        let host: Element = web_sys::window()?.document()?.body()?.into();
        let style = format!("left: {left}px; top: {top}px; width: {width}px; height: {height}px");
        let copy = html! {
            <div class={class(Some("drag-copy"))} data-dragging="true" aria-hidden="true" {style}>
                { body(copy_buttons) }
            </div>
        };
        Some(create_portal(copy, host))
    });
    let marked = mark.map(|m| match m {
        Mark::Before => "insert-before",
        Mark::After => "insert-after",
    });
    html! {
        <li ref={node} tabindex="0" aria-roledescription="message in flight" aria-label={label}
            class={classes!(class(drag.floating.map(|_| "drag-source")), drag.lifted.then_some("lifted"), marked)}
            data-testid="inflight" data-message={card.message.0.to_string()}
            data-from={card.from.to_string()} data-to={card.to.to_string()}
            onpointerdown={drag.onpointerdown} onpointermove={drag.onpointermove} onpointerup={drag.onpointerup}
            onpointercancel={drag.onpointercancel} oncontextmenu={drag.oncontextmenu} {onkeydown}
            onfocusin={{ let f = focused.clone(); move |_: FocusEvent| *f.borrow_mut() = true }}
            onfocusout={{ let f = focused.clone(); move |_: FocusEvent| *f.borrow_mut() = false }}
            onmouseenter={enter} onmouseleave={leave}>
            // First: yew matches unkeyed children from the end, so a copy
            // appearing here leaves the card's own nodes (and the element a
            // finger touched) in place.
            { for floating }
            { body(buttons) }
        </li>
    }
}

/// Before a card leaves its lane, the keyboard's focus moves to the next card
/// (or the previous one); after the last card, to its replica's panel, so a
/// keyboard user goes on from where the message went.
fn focus_neighbour(card: &NodeRef) {
    let Some(el) = card.cast::<Element>() else {
        return;
    };
    let neighbour = el
        .next_element_sibling()
        .or_else(|| el.previous_element_sibling())
        .or_else(|| {
            let to = el.get_attribute("data-to")?;
            el.owner_document()?
                .query_selector(&format!("[data-drop-replica=\"{to}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|n| n.dyn_into::<HtmlElement>().ok());
    if let Some(n) = neighbour {
        let _ = n.focus();
    }
}

/// After a focused card went away (autoplay, undo), the focus goes to its
/// replica's panel if it fell to the page's body.
fn focus_replica_if_lost(to: ReplicaId) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let lost = match (document.active_element(), document.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => active == *body.unchecked_ref::<Element>(),
        _ => false,
    };
    if let Some(panel) = lost
        .then(|| document.query_selector(&format!("[data-drop-replica=\"{to}\"]")))
        .and_then(Result::ok)
        .flatten()
        .and_then(|p| p.dyn_into::<HtmlElement>().ok())
    {
        let _ = panel.focus();
    }
}

/// m2 from B to C, with `preview`: a card for tests.
#[cfg(test)]
pub(crate) fn m2_from_b_to_c(preview: CardPreview) -> CardView {
    CardView {
        copy: CopyId(5),
        message: MessageId(2),
        from: 1,
        to: 2,
        write: "y = 2".into(),
        timestamp: "[1,1,0]".into(),
        preview,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The markers on a lane of `cards` while the card at `from` is over
    /// `position`.
    fn marks(cards: usize, from: usize, position: usize) -> Vec<Option<Mark>> {
        let place = Some((CopyId(9), from, position));
        (0..cards).map(|i| mark_at(place, cards, i)).collect()
    }

    #[test]
    fn a_card_dragged_up_marks_the_card_it_would_go_before() {
        assert_eq!(marks(3, 2, 0), [Some(Mark::Before), None, None]);
        assert_eq!(marks(3, 2, 1), [None, Some(Mark::Before), None]);
    }

    #[test]
    fn a_card_dragged_down_marks_the_card_after_its_place_or_the_last_one() {
        assert_eq!(marks(3, 0, 1), [None, None, Some(Mark::Before)]);
        assert_eq!(marks(3, 0, 2), [None, None, Some(Mark::After)]);
    }

    #[test]
    fn no_marker_where_the_card_already_is_or_when_it_is_not_over_its_lane() {
        assert_eq!(marks(3, 1, 1), [None, None, None]);
        assert_eq!(mark_at(None, 3, 0), None);
    }
}
