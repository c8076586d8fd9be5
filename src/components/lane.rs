//! A lane: the copies in flight to one replica, as cards that can be
//! dragged (pointer events: mouse, touch and pen), clicked or keyed, and the
//! copies lost on the way, which can be sent again.
//!
//! While a card is dragged, a copy of it floats above the page (fixed, in a
//! portal on `<body>`), so no lane can clip it; the card itself stays in its
//! place, faded, and a marker shows where in the lane it would land.

use std::rc::Rc;

use causal_core::{replica_name, CopyId, MessageId, ReplicaId};
use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::{Interval, Timeout};
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
    let mark_of = |index: usize| -> Option<Mark> {
        let (_, from, position) = (*place)?;
        if position == from {
            return None;
        }
        // Positions count the other cards, without the dragged one.
        let others = cards.len().saturating_sub(1);
        let at = if index > from { index - 1 } else { index };
        if index == from {
            None
        } else if at == position {
            Some(Mark::Before)
        } else if position >= others && at + 1 == others {
            Some(Mark::After)
        } else {
            None
        }
    };
    let more = total.saturating_sub(cards.len());
    let name = replica_name(to);
    html! {
        <div class="lane-box" data-lane={to.to_string()}>
            <h3>{ format!("In flight to {name}") }
                <span class="count">{ format!(" ({total})") }</span></h3>
            <ol class="lane" data-testid={format!("lane-{to}")} aria-label={format!("Messages in flight to {name}")}>
                { for cards.iter().enumerate().map(|(index, card)| html! {
                    <Card key={card.copy.0} card={card.clone()} {index} last={index + 1 == *total}
                          lit={props.highlighted.contains(&card.message)} mark={mark_of(index)}
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

/// A press on a card, from pointer down to pointer up.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Press {
    pointer: i32,
    start: (i32, i32),
    at: (i32, i32),
    /// The card's box (left, top, width, height) when pressed: the floating
    /// copy starts there, as large as the card.
    origin: (f64, f64, f64, f64),
    /// A mouse or a pen drags at once; a finger must first hold still for
    /// [`HOLD_MS`], so that a swipe starting on a card scrolls the page.
    armed: bool,
    /// Past the threshold: a drag, no longer a press.
    moved: bool,
    /// A finger, not a mouse or a pen.
    touch: bool,
}

/// Pixels a pointer must travel before a press becomes a drag.
const DRAG_THRESHOLD: i32 = 5;

/// How long a finger holds a card still before it can be dragged.
const HOLD_MS: u32 = 300;

#[function_component(Card)]
fn card(props: &CardProps) -> Html {
    let node = use_node_ref();
    let press = use_mut_ref(|| None::<Press>);
    let hold = use_mut_ref(|| None::<Timeout>);
    // While a drag rests near the window's top or bottom edge: the page
    // scrolls on its own, a finger held still included (direction, timer).
    let edge = use_mut_ref(|| None::<(i32, Interval)>);
    let redraw = use_force_update();
    // The latest callbacks, for the timer and for the clean-up at unmount.
    let latest = use_mut_ref(|| (props.actions.clone(), props.on_place.clone()));
    *latest.borrow_mut() = (props.actions.clone(), props.on_place.clone());
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
    // A card that goes away mid-drag (delivered by autoplay, undone) ends
    // its drag: no drop hint is left behind. One that goes away while
    // focused hands the focus to its replica rather than to the page.
    {
        let (press, hold, edge, latest, focused, hovered) = (
            press.clone(),
            hold.clone(),
            edge.clone(),
            latest.clone(),
            focused.clone(),
            hovered.clone(),
        );
        let to = props.card.to;
        use_effect_with((), move |_| {
            move || {
                if *focused.borrow() {
                    Timeout::new(0, move || focus_replica_if_lost(to)).forget();
                }
                hold.borrow_mut().take();
                edge.borrow_mut().take();
                // A card delivered under the mouse never sees it leave.
                if *hovered.borrow() {
                    latest.borrow().0.highlight.emit(Vec::new());
                }
                if press.borrow_mut().take().is_some_and(|p| p.moved) {
                    let (actions, on_place) = &*latest.borrow();
                    actions.drag.emit(None);
                    on_place.emit(None);
                }
            }
        });
    }
    // Once a finger has held the card, its moves drag the card instead of
    // scrolling the page. yew listens to touch moves passively, so this
    // listener is the page's own, and may prevent the scroll.
    {
        let (node, press) = (node.clone(), press.clone());
        use_effect_with(node.clone(), move |_| {
            let listener = node.cast::<Element>().map(|el| {
                EventListener::new_with_options(
                    &el,
                    "touchmove",
                    EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        if press.borrow().is_some_and(|p| p.armed) && e.cancelable() {
                            e.prevent_default();
                        }
                    },
                )
            });
            move || drop(listener)
        });
    }
    let CardProps {
        card,
        index,
        last,
        lit,
        mark,
        actions,
        ..
    } = props;
    let (index, last) = (*index, *last);
    let target = (card.message, card.to);

    // A card can be grabbed anywhere, its buttons included: the pointer is
    // captured only once it has moved past the threshold, so a tap on a
    // button stays a click, and a drag that starts on one never presses it.
    let onpointerdown = {
        let (press, hold, node, redraw) =
            (press.clone(), hold.clone(), node.clone(), redraw.clone());
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 || !e.is_primary() {
                return;
            }
            let Some(el) = node.cast::<Element>() else {
                return;
            };
            let rect = el.get_bounding_client_rect();
            let touch = e.pointer_type() == "touch";
            *press.borrow_mut() = Some(Press {
                pointer: e.pointer_id(),
                start: (e.client_x(), e.client_y()),
                at: (e.client_x(), e.client_y()),
                origin: (rect.left(), rect.top(), rect.width(), rect.height()),
                armed: !touch,
                moved: false,
                touch,
            });
            *hold.borrow_mut() = touch.then(|| {
                let (press, redraw) = (press.clone(), redraw.clone());
                Timeout::new(HOLD_MS, move || {
                    let mut slot = press.borrow_mut();
                    if let Some(p) = slot.as_mut() {
                        p.armed = true;
                        drop(slot);
                        // Shows the card lifted, ready to move.
                        redraw.force_update();
                    }
                })
            });
        })
    };
    // What the drag is over at (x, y): the replica's drop hint, or the
    // marker where in the lane the card would land.
    let hover = {
        let (node, card, latest) = (node.clone(), card.clone(), latest.clone());
        Rc::new(move |x: i32, y: i32| {
            let release = release_at(&node, x, y);
            let (actions, on_place) = &*latest.borrow();
            let over = match release {
                Release::Replica(r) => Some(r),
                _ => None,
            };
            actions.drag.emit(Some((card.clone(), over)));
            on_place.emit(match release {
                Release::Lane(position) => Some((card.copy, index, position)),
                _ => None,
            });
        })
    };
    let onpointermove = {
        let (press, hold, edge, hover, redraw) = (
            press.clone(),
            hold.clone(),
            edge.clone(),
            hover.clone(),
            redraw.clone(),
        );
        let node = node.clone();
        Callback::from(move |e: PointerEvent| {
            let mut slot = press.borrow_mut();
            let Some(p) = slot.as_mut() else { return };
            if e.pointer_id() != p.pointer {
                return;
            }
            p.at = (e.client_x(), e.client_y());
            let far = (p.at.0 - p.start.0).abs() + (p.at.1 - p.start.1).abs() > DRAG_THRESHOLD;
            // A finger that moves before holding still is scrolling.
            if !p.armed {
                if far {
                    *slot = None;
                    hold.borrow_mut().take();
                }
                return;
            }
            // Released elsewhere before it became a drag: forget it.
            if e.buttons() == 0 && !p.moved {
                *slot = None;
                return;
            }
            if !p.moved && far {
                p.moved = true;
                if let Some(el) = node.cast::<Element>() {
                    let _ = el.set_pointer_capture(e.pointer_id());
                }
            }
            if !p.moved {
                return;
            }
            drop(slot);
            redraw.force_update();
            let direction = edge_direction(e.client_y());
            let running = edge.borrow().as_ref().map(|(d, _)| *d);
            if direction == 0 {
                edge.borrow_mut().take();
            } else if running != Some(direction) {
                let (press, hover) = (press.clone(), hover.clone());
                let timer = Interval::new(EDGE_TICK_MS, move || {
                    let Some(at) = press.borrow().as_ref().filter(|p| p.moved).map(|p| p.at) else {
                        return;
                    };
                    if let Some(window) = web_sys::window() {
                        window.scroll_by_with_x_and_y(0.0, f64::from(direction * EDGE_STEP));
                    }
                    // The page moved under a pointer held still.
                    hover(at.0, at.1);
                });
                *edge.borrow_mut() = Some((direction, timer));
            }
            hover(e.client_x(), e.client_y());
        })
    };
    let end = {
        let (press, hold, edge, latest, redraw, card) = (
            press.clone(),
            hold.clone(),
            edge.clone(),
            latest.clone(),
            redraw.clone(),
            card.clone(),
        );
        move |release: Option<Release>| {
            hold.borrow_mut().take();
            edge.borrow_mut().take();
            let Some(p) = press.borrow_mut().take() else {
                return;
            };
            redraw.force_update();
            if p.moved {
                let (actions, on_place) = &*latest.borrow();
                actions.drag.emit(None);
                on_place.emit(None);
                if let Some(release) = release {
                    actions.release.emit((card.clone(), index, release));
                }
            }
        }
    };
    let onpointerup = {
        let (end, node, press) = (end.clone(), node.clone(), press.clone());
        Callback::from(move |e: PointerEvent| {
            if press.borrow().is_some_and(|p| p.pointer == e.pointer_id()) {
                end(Some(release_at(&node, e.client_x(), e.client_y())));
            }
        })
    };
    let onpointercancel = {
        let end = end.clone();
        Callback::from(move |_: PointerEvent| end(None))
    };
    // A long press on a touch screen opens no menu on a card.
    let oncontextmenu = {
        let press = press.clone();
        Callback::from(move |e: MouseEvent| {
            if press.borrow().is_some() {
                e.prevent_default();
            }
        })
    };
    let onkeydown = {
        let (actions, refocus, node) = (actions.clone(), refocus.clone(), node.clone());
        let to = card.to;
        Callback::from(move |e: KeyboardEvent| {
            // Keys pressed on the card's buttons are theirs.
            let on_card = match (e.target(), node.get()) {
                (Some(t), Some(n)) => t.unchecked_ref::<web_sys::Node>() == &n,
                _ => false,
            };
            if !on_card || e.ctrl_key() || e.meta_key() {
                return;
            }
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
                ("d" | "D", false) => {
                    actions.duplicate.emit(target);
                    None
                }
                ("ArrowUp", true) if index > 0 => Some(index - 1),
                ("ArrowDown", true) if !last => Some(index + 1),
                ("ArrowUp" | "ArrowDown", true) => None,
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
    let now = *press.borrow();
    let dragging = now.filter(|p| p.moved);
    let lifted = now.is_some_and(|p| p.touch && p.armed && !p.moved);
    let from = replica_name(card.from);
    let to = replica_name(card.to);
    let label = format!(
        "{} from {from} to {to}: {}, timestamp {}. {}. Enter delivers, Delete drops, D duplicates, Alt+Arrow keys move it.",
        card.message, card.write, card.timestamp, card.preview.text
    );
    let class = |extra: Option<&'static str>| {
        classes!(
            "card",
            format!("r{}", card.from),
            format!("preview-{}", card.preview.kind),
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
                <div class="card-preview" title="A#1 is A's first write, A#2 its second, and so on">{ &card.preview.text }</div>
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
    let floating = dragging.and_then(|p| {
        let host: Element = web_sys::window()?.document()?.body()?.into();
        let (left, top, width, height) = p.origin;
        let style = format!(
            "left: {}px; top: {}px; width: {width}px; height: {height}px",
            left + f64::from(p.at.0 - p.start.0),
            top + f64::from(p.at.1 - p.start.1)
        );
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
            class={classes!(class(dragging.map(|_| "drag-source")), lifted.then_some("lifted"), marked)}
            data-testid="inflight" data-message={card.message.0.to_string()}
            data-from={card.from.to_string()} data-to={card.to.to_string()}
            {onpointerdown} {onpointermove} {onpointerup} {onpointercancel} {oncontextmenu} {onkeydown}
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

/// Pixels from the window's top or bottom edge where a drag scrolls the page,
/// so a replica below the fold can be reached.
const SCROLL_EDGE: i32 = 48;

/// Pixels the page scrolls per tick while a drag rests near an edge.
const EDGE_STEP: i32 = 24;

/// Milliseconds between two such ticks.
const EDGE_TICK_MS: u32 = 40;

/// 1 near the window's bottom edge, -1 near its top, 0 elsewhere.
fn edge_direction(y: i32) -> i32 {
    let height = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0) as i32;
    if y > height - SCROLL_EDGE {
        1
    } else if y < SCROLL_EDGE {
        -1
    } else {
        0
    }
}

/// What is under the pointer, ignoring the dragged card and its floating copy.
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
        if card.contains(Some(&el)) || el.closest("[data-dragging]").ok().flatten().is_some() {
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
