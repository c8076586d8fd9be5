//! A lane: the copies in flight to one replica, as cards that can be
//! dragged (pointer events: mouse, touch and pen), clicked or keyed.

use std::cell::Cell;
use std::rc::Rc;

use causal_core::{replica_name, CopyId, MessageId, ReplicaId};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// What delivering a card now would do, in words, and its kind for styling.
#[derive(Clone, Debug, PartialEq)]
pub struct CardPreview {
    /// "delivers now", "held: waits for A#1 (m1)", "duplicate: discarded".
    pub text: String,
    /// "deliver", "violate", "hold" or "discard".
    pub kind: &'static str,
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

/// Where a dragged card was let go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// On a replica's panel.
    Replica(ReplicaId),
    /// In its own lane, at this position (counted without the card).
    Lane(usize),
    /// Anywhere else: the card goes back.
    Nowhere,
}

/// What a lane's cards can do, by (message, destination) or lane position.
#[derive(Clone, PartialEq)]
pub struct CardActions {
    /// Deliver the card's message to its destination.
    pub deliver: Callback<(MessageId, ReplicaId)>,
    /// Drop it.
    pub drop: Callback<(MessageId, ReplicaId)>,
    /// Send another copy.
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
    /// Its cards, in lane order.
    pub cards: Vec<CardView>,
    /// Highlighted messages.
    pub highlighted: Vec<MessageId>,
    /// What the cards can do.
    pub actions: CardActions,
}

/// The copies in flight to one replica.
#[function_component(Lane)]
pub fn lane(props: &LaneProps) -> Html {
    let to = props.to;
    html! {
        <div class="lane-box" data-lane={to.to_string()}>
            <h3>{ format!("In flight to {}", replica_name(to)) }
                <span class="count">{ format!(" ({})", props.cards.len()) }</span></h3>
            <ol class="lane" data-testid={format!("lane-{to}")} aria-label={format!("Messages in flight to {}", replica_name(to))}>
                { for props.cards.iter().enumerate().map(|(index, card)| html! {
                    <Card key={card.copy.0} card={card.clone()} {index} last={index + 1 == props.cards.len()}
                          lit={props.highlighted.contains(&card.message)} actions={props.actions.clone()} />
                }) }
            </ol>
            if props.cards.is_empty() {
                <p class="empty">{ "nothing in flight" }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    card: CardView,
    index: usize,
    last: bool,
    lit: bool,
    actions: CardActions,
}

#[derive(Clone, Copy, PartialEq)]
struct Drag {
    start: (i32, i32),
    /// The page's scroll at the start: a drag can scroll the page.
    scroll: i32,
    delta: (i32, i32),
    moved: bool,
}

/// Pixels a pointer must travel before a press becomes a drag.
const DRAG_THRESHOLD: i32 = 5;

#[function_component(Card)]
fn card(props: &CardProps) -> Html {
    let node = use_node_ref();
    let drag = use_state(|| None::<Drag>);
    // Set when the keyboard moves the card: its node moves, so focus it again.
    let refocus = use_mut_ref(|| Rc::new(Cell::new(false)));
    {
        let (node, refocus) = (node.clone(), refocus.clone());
        use_effect(move || {
            if refocus.borrow().replace(false) {
                if let Some(el) = node.cast::<HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    let CardProps {
        card,
        index,
        last,
        lit,
        actions,
    } = props;
    let (index, last) = (*index, *last);
    let target = (card.message, card.to);

    // A card can be grabbed anywhere, its buttons included: the pointer is
    // captured only once it has moved past the threshold, so a tap on a
    // button stays a click, and a drag that starts on one never presses it.
    let onpointerdown = {
        let drag = drag.clone();
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            drag.set(Some(Drag {
                start: (e.client_x(), e.client_y()),
                scroll: scroll_y(),
                delta: (0, 0),
                moved: false,
            }));
        })
    };
    let onpointermove = {
        let (drag, node, card, on_drag) = (
            drag.clone(),
            node.clone(),
            card.clone(),
            actions.drag.clone(),
        );
        Callback::from(move |e: PointerEvent| {
            let Some(d) = *drag else { return };
            // Released elsewhere before it became a drag: forget it.
            if e.buttons() == 0 && !d.moved {
                drag.set(None);
                return;
            }
            // The card moves with the page, so a scroll adds to its offset.
            let delta = (
                e.client_x() - d.start.0,
                e.client_y() - d.start.1 + scroll_y() - d.scroll,
            );
            let moved = d.moved || delta.0.abs() + delta.1.abs() > DRAG_THRESHOLD;
            if moved && !d.moved {
                if let Some(el) = node.cast::<Element>() {
                    let _ = el.set_pointer_capture(e.pointer_id());
                }
            }
            drag.set(Some(Drag { delta, moved, ..d }));
            if moved {
                scroll_near_edge(e.client_y());
            }
            // No preventDefault: yew listens passively here, and the card's
            // `touch-action: none` already keeps touch drags from scrolling.
            if moved {
                let over = match release_at(&node, e.client_x(), e.client_y()) {
                    Release::Replica(r) => Some(r),
                    _ => None,
                };
                on_drag.emit(Some((card.clone(), over)));
            }
        })
    };
    let onpointerup = {
        let (drag, node, card, actions) =
            (drag.clone(), node.clone(), card.clone(), actions.clone());
        Callback::from(move |e: PointerEvent| {
            let Some(d) = *drag else { return };
            drag.set(None);
            if d.moved {
                actions.drag.emit(None);
                let release = release_at(&node, e.client_x(), e.client_y());
                actions.release.emit((card.clone(), index, release));
            }
        })
    };
    let onpointercancel = {
        let (drag, on_drag) = (drag.clone(), actions.drag.clone());
        Callback::from(move |_: PointerEvent| {
            if drag.is_some() {
                drag.set(None);
                on_drag.emit(None);
            }
        })
    };
    let onkeydown = {
        let (actions, refocus, node) = (actions.clone(), refocus.clone(), node.clone());
        let to = card.to;
        Callback::from(move |e: KeyboardEvent| {
            let moved = match (e.key().as_str(), e.alt_key()) {
                ("Enter", false) => {
                    focus_neighbour(&node);
                    actions.deliver.emit(target);
                    None
                }
                ("Delete" | "Backspace", false) => {
                    focus_neighbour(&node);
                    actions.drop.emit(target);
                    None
                }
                ("ArrowUp", true) if index > 0 => Some(index - 1),
                ("ArrowDown", true) if !last => Some(index + 1),
                ("ArrowUp" | "ArrowDown", true) => None,
                _ => return,
            };
            e.prevent_default();
            if let Some(position) = moved {
                refocus.borrow().set(true);
                actions.reorder.emit((to, index, position));
            }
        })
    };
    let (enter, leave) = {
        let on = actions.highlight.clone();
        let message = card.message;
        let off = on.clone();
        (
            Callback::from(move |_: MouseEvent| on.emit(vec![message])),
            Callback::from(move |_: MouseEvent| off.emit(Vec::new())),
        )
    };
    let button = |label: &'static str,
                  testid: &'static str,
                  title: String,
                  cb: &Callback<(MessageId, ReplicaId)>| {
        let cb = cb.clone();
        html! {
            <button type="button" data-testid={testid} {title} tabindex="-1"
                    onclick={Callback::from(move |_| cb.emit(target))}>{ label }</button>
        }
    };
    let dragging = drag.is_some_and(|d| d.moved);
    let style = drag
        .filter(|d| d.moved)
        .map(|d| format!("transform: translate({}px, {}px)", d.delta.0, d.delta.1));
    let from = replica_name(card.from);
    let to = replica_name(card.to);
    let label = format!(
        "{} from {from} to {to}: {}, timestamp {}. {}. Enter delivers, Delete drops, Alt+Arrow keys move it.",
        card.message, card.write, card.timestamp, card.preview.text
    );
    html! {
        <li ref={node} tabindex="0" aria-roledescription="message in flight" aria-label={label}
            class={classes!("card", format!("r{}", card.from), format!("preview-{}", card.preview.kind),
                            lit.then_some("highlight"), dragging.then_some("dragging"))}
            {style}
            data-testid="inflight" data-message={card.message.0.to_string()}
            data-from={card.from.to_string()} data-to={card.to.to_string()}
            {onpointerdown} {onpointermove} {onpointerup} {onpointercancel} {onkeydown}
            onmouseenter={enter} onmouseleave={leave}>
            <div class="card-head">
                <span class="chip">{ card.message.to_string() }</span>
                <span class="route">{ format!("{from} \u{2192} {to}") }</span>
                <span class="card-write">{ &card.write }</span>
                <span class="timestamp" title="timestamp: the sender's clock after the write">{ &card.timestamp }</span>
            </div>
            <div class="card-foot">
            <div class="card-preview">{ &card.preview.text }</div>
            <div class="card-buttons">
                { button("Deliver", "deliver", format!("Deliver {} to {to} now", card.message), &actions.deliver) }
                { button("Drop", "drop", format!("Lose this copy of {}", card.message), &actions.drop) }
                { button("Duplicate", "duplicate", format!("Send another copy of {} to {to}", card.message), &actions.duplicate) }
            </div>
            </div>
        </li>
    }
}

/// Before a card leaves its lane, the keyboard's focus moves to the next card
/// (or the previous one), so a keyboard user can go on without searching.
fn focus_neighbour(card: &NodeRef) {
    let Some(el) = card.cast::<Element>() else {
        return;
    };
    let neighbour = el
        .next_element_sibling()
        .or_else(|| el.previous_element_sibling())
        .and_then(|n| n.dyn_into::<HtmlElement>().ok());
    if let Some(n) = neighbour {
        let _ = n.focus();
    }
}

fn scroll_y() -> i32 {
    web_sys::window()
        .and_then(|w| w.scroll_y().ok())
        .unwrap_or(0.0) as i32
}

/// Pixels from the window's top or bottom edge where a drag scrolls the page,
/// so a replica below the fold can be reached.
const SCROLL_EDGE: i32 = 48;

fn scroll_near_edge(y: i32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let height = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0) as i32;
    if y > height - SCROLL_EDGE {
        window.scroll_by_with_x_and_y(0.0, 24.0);
    } else if y < SCROLL_EDGE {
        window.scroll_by_with_x_and_y(0.0, -24.0);
    }
}

/// What is under the pointer, ignoring the dragged card itself.
fn release_at(card: &NodeRef, x: i32, y: i32) -> Release {
    let Some(card) = card.cast::<Element>() else {
        return Release::Nowhere;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return Release::Nowhere;
    };
    let own_lane = card.closest("[data-lane]").ok().flatten();
    for hit in document.elements_from_point(x as f32, y as f32).iter() {
        let Ok(el) = hit.dyn_into::<Element>() else {
            continue;
        };
        if card.contains(Some(&el)) {
            continue;
        }
        if let Some(replica) = el.closest("[data-drop-replica]").ok().flatten() {
            if let Some(r) = replica
                .get_attribute("data-drop-replica")
                .and_then(|v| v.parse().ok())
            {
                return Release::Replica(r);
            }
        }
        if let (Some(lane), Some(own)) = (el.closest("[data-lane]").ok().flatten(), &own_lane) {
            if &lane == own {
                return Release::Lane(position_in(&lane, &card, y));
            }
            // Another replica's lane: aimed at the wrong replica.
            return lane
                .get_attribute("data-lane")
                .and_then(|v| v.parse().ok())
                .map_or(Release::Nowhere, Release::Replica);
        }
    }
    Release::Nowhere
}

/// Where in `lane` a card let go at height `y` lands: the number of other
/// cards whose middle is above it.
fn position_in(lane: &Element, card: &Element, y: i32) -> usize {
    let Ok(cards) = lane.query_selector_all("[data-testid=\"inflight\"]") else {
        return 0;
    };
    (0..cards.length())
        .filter_map(|i| cards.item(i)?.dyn_into::<Element>().ok())
        .filter(|other| other != card)
        .filter(|other| {
            let rect = other.get_bounding_client_rect();
            rect.top() + rect.height() / 2.0 < y as f64
        })
        .count()
}
