//! Dragging a card with a pointer (mouse, touch or pen): [`use_drag`] turns
//! the pointer events on one element into a drag, and says what it is over.
//!
//! A mouse or a pen drags once it has moved a few pixels; a finger must
//! first hold still for [`HOLD_MS`], so that a swipe starting on a card
//! scrolls the page. While a drag rests near the window's top or bottom
//! edge, the page scrolls on its own. A drag whose element goes away (its
//! card delivered by autoplay, undone) ends, saying it is over nothing.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use causal_core::ReplicaId;
use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

/// Where a dragged card was let go, or is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// On a replica's panel, or on another replica's lane.
    Replica(ReplicaId),
    /// In its own lane, at this position (counted without the card).
    Lane(usize),
    /// Anywhere else: the card goes back.
    Nowhere,
}

/// Pixels a pointer must travel before a press becomes a drag.
const DRAG_THRESHOLD: i32 = 5;

/// How long a finger holds a card still before it can be dragged.
pub const HOLD_MS: u32 = 300;

/// Pixels from the window's top or bottom edge where a drag scrolls the page,
/// so a replica below the fold can be reached.
const SCROLL_EDGE: i32 = 48;

/// Pixels the page scrolls per tick at the very edge; less further in, so
/// a drag resting just inside the zone creeps and one at the edge runs.
const EDGE_STEP: i32 = 24;

/// Pixels the page scrolls per tick at the zone's inner border.
const EDGE_STEP_MIN: i32 = 2;

/// Pixels kept between the floating copy and the window's sides, and
/// between it and a replica's drop label.
const FLOAT_MARGIN: f64 = 6.0;

/// The page scrolling under a drag near an edge: its pixels per tick (the
/// drag changes them as it moves), and its timer.
type EdgeScroll = (Rc<Cell<i32>>, Interval);

/// The event the window hears when a finger first drags a card.
const TOUCH_USED_EVENT: &str = "causal-touch-drag-used";

/// Milliseconds between two such ticks.
const EDGE_TICK_MS: u32 = 40;

/// A press on the element, from pointer down to pointer up.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Press {
    pointer: i32,
    start: (i32, i32),
    at: (i32, i32),
    /// The element's box (left, top, width, height) when pressed: the
    /// floating copy starts there, as large as the element.
    origin: (f64, f64, f64, f64),
    /// A mouse or a pen drags at once; a finger only after [`HOLD_MS`].
    armed: bool,
    /// Past the threshold: a drag, no longer a press.
    moved: bool,
    /// A finger, not a mouse or a pen.
    touch: bool,
}

/// What a pointer move does to a press.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Not far enough yet, or not this press's business.
    Wait,
    /// The press is over: a finger that moved before holding still
    /// (scrolling), or a button released elsewhere.
    Forget,
    /// It just became a drag: the element captures the pointer.
    Start,
    /// A drag goes on.
    Drag,
}

impl Press {
    fn new(pointer: i32, at: (i32, i32), origin: (f64, f64, f64, f64), touch: bool) -> Press {
        Press {
            pointer,
            start: at,
            at,
            origin,
            armed: !touch,
            moved: false,
            touch,
        }
    }

    /// The pointer moved to `at`, with a button down or not.
    fn move_to(&mut self, at: (i32, i32), pressed: bool) -> Step {
        self.at = at;
        let far = (at.0 - self.start.0).abs() + (at.1 - self.start.1).abs() > DRAG_THRESHOLD;
        if !self.armed {
            return if far { Step::Forget } else { Step::Wait };
        }
        if !pressed && !self.moved {
            return Step::Forget;
        }
        if self.moved {
            Step::Drag
        } else if far {
            self.moved = true;
            Step::Start
        } else {
            Step::Wait
        }
    }

    /// The floating copy's box: the element's, moved as far as the pointer.
    fn floating(&self) -> (f64, f64, f64, f64) {
        let (left, top, width, height) = self.origin;
        (
            left + f64::from(self.at.0 - self.start.0),
            top + f64::from(self.at.1 - self.start.1),
            width,
            height,
        )
    }
}

/// Pixels per tick the page scrolls for a drag at height `y` in a window
/// `height` pixels high: down (positive) near the bottom edge, up near the
/// top, faster the deeper into the edge zone; 0 elsewhere.
fn edge_speed(y: i32, height: i32) -> i32 {
    let depth = if y > height - SCROLL_EDGE {
        (y - (height - SCROLL_EDGE)).min(SCROLL_EDGE)
    } else if y < SCROLL_EDGE {
        -(SCROLL_EDGE - y.max(0))
    } else {
        return 0;
    };
    let speed = EDGE_STEP_MIN + (EDGE_STEP - EDGE_STEP_MIN) * depth.abs() / SCROLL_EDGE;
    speed * depth.signum()
}

/// `(left, top, width, height)` of the floating copy, moved as little as
/// needed to stay inside a window `(width, height)` and off the drop labels
/// shown (`labels`), while it still holds the pointer `at` (it is what the
/// pointer drags): only a label under the pointer itself stays covered.
fn placed(
    floating: (f64, f64, f64, f64),
    at: (f64, f64),
    window: (f64, f64),
    labels: &[(f64, f64, f64, f64)],
) -> (f64, f64, f64, f64) {
    let (left, top, width, height) = floating;
    // Where its left (top) side may go: the pointer inside it, it inside the window.
    // Holding the pointer comes first: at the window's very edge the copy
    // may touch it.
    let span = |v: f64, size: f64, pointer: f64, room: f64| {
        let low = (pointer - size + 1.0).max(FLOAT_MARGIN.min(pointer));
        let high = (pointer - 1.0).min(room - size - FLOAT_MARGIN).max(low);
        (v.clamp(low, high), low, high)
    };
    let (left, ..) = span(left, width, at.0, window.0);
    let (mut top, low, high) = span(top, height, at.1, window.1);
    for &(l, t, w, h) in labels {
        let across = left < l + w && l < left + width;
        if !across || top >= t + h || t >= top + height {
            continue;
        }
        if t + h <= at.1 {
            // The label is above the pointer: the copy starts below it.
            top = (t + h + FLOAT_MARGIN).clamp(low, high);
        } else if t >= at.1 {
            // Below the pointer: the copy ends above it.
            top = (t - FLOAT_MARGIN - height).clamp(low, high);
        }
    }
    (left, top, width, height)
}

/// Pixels a drop label beside the floating copy is given (two lines).
const LABEL_ROOM: f64 = 56.0;

/// Where the label of the replica under the pointer goes: just below the
/// floating copy `(left, top, width, height)`, or just above it when the
/// window has no room below. Set as CSS variables on the root element, which
/// the style sheet reads for `.drop-under .drop-hint`.
fn show_label_beside((left, top, width, height): (f64, f64, f64, f64), window: (f64, f64)) {
    let below = top + height + FLOAT_MARGIN;
    let label_top = if below + LABEL_ROOM <= window.1 {
        below
    } else {
        (top - FLOAT_MARGIN - LABEL_ROOM).max(0.0)
    };
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    // `root.style.setProperty(...)`, through JavaScript: the page's web-sys
    // has no CSSStyleDeclaration.
    let Ok(style) = js_sys::Reflect::get(&root, &"style".into()) else {
        return;
    };
    let Some(set) = js_sys::Reflect::get(&style, &"setProperty".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    for (name, px) in [
        ("--drag-label-top", label_top),
        ("--drag-left", left),
        ("--drag-width", width),
    ] {
        let _ = set.call2(&style, &name.into(), &format!("{px}px").into());
    }
}

/// The drop labels on the page, as rectangles.
fn drop_labels() -> Vec<(f64, f64, f64, f64)> {
    let Some(found) = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        d.query_selector_all(".replica:not(.drop-under) .drop-hint")
            .ok()
    }) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into::<Element>().ok())
        .map(|el| {
            let r = el.get_bounding_client_rect();
            (r.left(), r.top(), r.width(), r.height())
        })
        .collect()
}

fn window_size() -> (f64, f64) {
    let Some(w) = web_sys::window() else {
        return (f64::MAX, f64::MAX);
    };
    let size = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64());
    // The layout viewport without its scroll bar, where fixed boxes live.
    let document = w.document().and_then(|d| d.document_element());
    let width = document
        .as_ref()
        .map(|d| f64::from(d.client_width()))
        .filter(|w| *w > 0.0)
        .or_else(|| size(w.inner_width()))
        .unwrap_or(f64::MAX);
    let height = size(w.inner_height()).unwrap_or(f64::MAX);
    (width, height)
}

/// Remembers that a finger has dragged a card, and tells the hint.
fn touch_drag_used() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let _ = crate::browser::storage::TOUCH_USED.write("1");
    if let Ok(event) = web_sys::Event::new(TOUCH_USED_EVENT) {
        let _ = window.dispatch_event(&event);
    }
}

/// Whether a finger has dragged a card on this browser before.
fn touch_drag_known() -> bool {
    crate::browser::storage::TOUCH_USED.read().is_some()
}

/// On a touch screen, until a finger has dragged a card once: a quick swipe
/// scrolls the page, so a card must be held still first. (A mouse or a pen
/// never sees it: the style sheet hides it for fine pointers.)
#[function_component(TouchHint)]
pub fn touch_hint() -> Html {
    let known = use_state(touch_drag_known);
    {
        let known = known.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window()
                .map(|w| EventListener::new(&w, TOUCH_USED_EVENT, move |_| known.set(true)));
            move || drop(listener)
        });
    }
    if *known {
        return html! {};
    }
    html! {
        <aside class="touch-hint" data-testid="touch-hint" aria-label="Moving a card by touch">
            <span aria-hidden="true">{ "\u{261d} " }</span>
            { "To move a card, press and hold it for a moment until it lifts, then drag it onto its replica. A quick swipe scrolls the page." }
        </aside>
    }
}

/// What the element using [`use_drag`] needs: its handlers, and how to
/// show the drag.
pub struct Drag {
    pub onpointerdown: Callback<PointerEvent>,
    pub onpointermove: Callback<PointerEvent>,
    pub onpointerup: Callback<PointerEvent>,
    pub onpointercancel: Callback<PointerEvent>,
    /// A long press on a touch screen opens no menu.
    pub oncontextmenu: Callback<MouseEvent>,
    /// While dragged: the box (left, top, width, height) of the copy that
    /// follows the pointer.
    pub floating: Option<(f64, f64, f64, f64)>,
    /// A finger has held it still long enough: it is lifted, ready to move.
    pub lifted: bool,
}

/// Drags the element at `node`. While it is dragged, `on_over` hears what is
/// under the pointer (`Some`), and `None` once the drag ends; `on_release`
/// hears where it was let go.
#[hook]
pub fn use_drag(
    node: &NodeRef,
    on_over: Callback<Option<Release>>,
    on_release: Callback<Release>,
) -> Drag {
    let press = use_mut_ref(|| None::<Press>);
    let hold = use_mut_ref(|| None::<Timeout>);
    // While a drag rests near an edge: (pixels per tick, timer).
    let edge = use_mut_ref(|| None::<EdgeScroll>);
    let redraw = use_force_update();
    // The latest callbacks, for the timers and for the clean-up at unmount.
    let latest = use_mut_ref(|| (on_over.clone(), on_release.clone()));
    *latest.borrow_mut() = (on_over, on_release);
    {
        let (press, hold, edge, latest) =
            (press.clone(), hold.clone(), edge.clone(), latest.clone());
        use_effect_with((), move |_| {
            move || {
                hold.borrow_mut().take();
                edge.borrow_mut().take();
                if press.borrow_mut().take().is_some_and(|p| p.moved) {
                    latest.borrow().0.emit(None);
                }
            }
        });
    }
    // Once a finger has held the element, its moves drag it instead of
    // scrolling the page. yew listens to touch moves passively, so this
    // listener is the page's own, and may prevent the scroll.
    {
        let press = press.clone();
        use_effect_with(node.clone(), move |node| {
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

    // The pointer is captured only once it has moved past the threshold, so
    // a tap on a button inside stays a click.
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
            *press.borrow_mut() = Some(Press::new(
                e.pointer_id(),
                (e.client_x(), e.client_y()),
                (rect.left(), rect.top(), rect.width(), rect.height()),
                touch,
            ));
            *hold.borrow_mut() = touch.then(|| {
                let (press, redraw) = (press.clone(), redraw.clone());
                Timeout::new(HOLD_MS, move || {
                    let mut slot = press.borrow_mut();
                    if let Some(p) = slot.as_mut() {
                        p.armed = true;
                        drop(slot);
                        // Shows the element lifted, ready to move.
                        redraw.force_update();
                    }
                })
            });
        })
    };
    let over = {
        let (node, latest) = (node.clone(), latest.clone());
        Rc::new(move |x: i32, y: i32| {
            let release = release_at(&node, x, y);
            latest.borrow().0.emit(Some(release));
        })
    };
    let onpointermove = {
        let (press, hold, edge, over, redraw, node) = (
            press.clone(),
            hold.clone(),
            edge.clone(),
            over.clone(),
            redraw.clone(),
            node.clone(),
        );
        Callback::from(move |e: PointerEvent| {
            let mut slot = press.borrow_mut();
            let Some(p) = slot.as_mut() else { return };
            if e.pointer_id() != p.pointer {
                return;
            }
            match p.move_to((e.client_x(), e.client_y()), e.buttons() != 0) {
                Step::Wait => return,
                Step::Forget => {
                    *slot = None;
                    hold.borrow_mut().take();
                    return;
                }
                Step::Start => {
                    if let Some(el) = node.cast::<Element>() {
                        let _ = el.set_pointer_capture(e.pointer_id());
                    }
                    if p.touch {
                        touch_drag_used();
                    }
                }
                Step::Drag => {}
            }
            drop(slot);
            redraw.force_update();
            scroll_near_edge(&edge, &press, &over, e.client_y());
            over(e.client_x(), e.client_y());
        })
    };
    let end = {
        let (press, hold, edge, latest, redraw) = (
            press.clone(),
            hold.clone(),
            edge.clone(),
            latest.clone(),
            redraw.clone(),
        );
        move |release: Option<Release>| {
            hold.borrow_mut().take();
            edge.borrow_mut().take();
            let Some(p) = press.borrow_mut().take() else {
                return;
            };
            redraw.force_update();
            if p.moved {
                let (on_over, on_release) = latest.borrow().clone();
                on_over.emit(None);
                if let Some(release) = release {
                    on_release.emit(release);
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
    let onpointercancel = Callback::from(move |_: PointerEvent| end(None));
    let oncontextmenu = {
        let press = press.clone();
        Callback::from(move |e: MouseEvent| {
            if press.borrow().is_some() {
                e.prevent_default();
            }
        })
    };
    let now = *press.borrow();
    Drag {
        onpointerdown,
        onpointermove,
        onpointerup,
        onpointercancel,
        oncontextmenu,
        floating: now.filter(|p| p.moved).map(|p| {
            let at = (f64::from(p.at.0), f64::from(p.at.1));
            let window = window_size();
            let placed = placed(p.floating(), at, window, &drop_labels());
            show_label_beside(placed, window);
            placed
        }),
        lifted: now.is_some_and(|p| p.touch && p.armed && !p.moved),
    }
}

/// Starts, speeds up, slows down or stops the page's scrolling for a drag
/// at height `y`; it stops by itself at the page's end.
fn scroll_near_edge(
    edge: &Rc<RefCell<Option<EdgeScroll>>>,
    press: &Rc<RefCell<Option<Press>>>,
    over: &Rc<impl Fn(i32, i32) + 'static>,
    y: i32,
) {
    let height = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0) as i32;
    let speed = edge_speed(y, height);
    if speed == 0 {
        edge.borrow_mut().take();
        return;
    }
    if let Some((now, _)) = edge.borrow().as_ref() {
        now.set(speed);
        return;
    }
    let now = Rc::new(Cell::new(speed));
    let (press, over, shared) = (press.clone(), over.clone(), now.clone());
    let timer = Interval::new(EDGE_TICK_MS, move || {
        let Some(at) = press.borrow().as_ref().filter(|p| p.moved).map(|p| p.at) else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        let before = window.scroll_y().unwrap_or(0.0);
        window.scroll_by_with_x_and_y(0.0, f64::from(shared.get()));
        // At the page's end nothing moved: nothing under the pointer changed.
        if (window.scroll_y().unwrap_or(0.0) - before).abs() >= 0.5 {
            over(at.0, at.1);
        }
    });
    *edge.borrow_mut() = Some((now, timer));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mouse_press_becomes_a_drag_past_the_threshold_only() {
        let mut press = Press::new(1, (100, 100), (10.0, 20.0, 200.0, 80.0), false);
        assert_eq!(press.move_to((103, 102), true), Step::Wait, "5 pixels away");
        assert_eq!(
            press.move_to((104, 102), true),
            Step::Start,
            "6 pixels away"
        );
        assert!(press.moved);
        assert_eq!(press.move_to((104, 102), true), Step::Drag, "held still");
        assert_eq!(
            press.move_to((90, 160), false),
            Step::Drag,
            "a drag ends on pointer up only"
        );
        assert_eq!(
            press.floating(),
            (0.0, 80.0, 200.0, 80.0),
            "the copy moved with the pointer"
        );
    }

    #[test]
    fn a_button_released_elsewhere_before_a_drag_forgets_the_press() {
        let mut press = Press::new(1, (0, 0), (0.0, 0.0, 1.0, 1.0), false);
        assert_eq!(press.move_to((1, 0), false), Step::Forget);
    }

    #[test]
    fn a_finger_that_moves_before_holding_still_scrolls_and_one_that_held_drags() {
        let mut swipe = Press::new(1, (50, 50), (0.0, 0.0, 1.0, 1.0), true);
        assert!(!swipe.armed);
        assert_eq!(swipe.move_to((52, 51), true), Step::Wait, "a tremble");
        assert_eq!(swipe.move_to((50, 80), true), Step::Forget, "a swipe");

        let mut held = Press::new(1, (50, 50), (0.0, 0.0, 1.0, 1.0), true);
        held.armed = true;
        assert_eq!(held.move_to((50, 80), true), Step::Start);
    }

    #[test]
    fn the_page_scrolls_near_the_windows_edges_faster_the_deeper() {
        assert_eq!(edge_speed(400, 768), 0);
        assert_eq!(edge_speed(48, 768), 0);
        assert_eq!(edge_speed(720, 768), 0);
        assert_eq!(
            edge_speed(47, 768),
            -(EDGE_STEP_MIN + (EDGE_STEP - EDGE_STEP_MIN) / SCROLL_EDGE)
        );
        assert_eq!(edge_speed(0, 768), -EDGE_STEP);
        assert_eq!(
            edge_speed(-30, 768),
            -EDGE_STEP,
            "past the window: the fastest"
        );
        assert_eq!(edge_speed(768, 768), EDGE_STEP);
        let shallow = edge_speed(722, 768);
        let deep = edge_speed(760, 768);
        assert!(
            0 < shallow && shallow < deep && deep <= EDGE_STEP,
            "{shallow} < {deep}"
        );
    }

    #[test]
    fn the_floating_copy_stays_on_screen_and_off_the_drop_label_holding_the_pointer() {
        let phone = (390.0, 844.0);
        // Past the right edge: moved back inside, still under the pointer.
        let (left, top, ..) = placed((300.0, 100.0, 200.0, 80.0), (350.0, 120.0), phone, &[]);
        assert_eq!((left, top), (390.0 - 200.0 - FLOAT_MARGIN, 100.0));
        // Past the left and the top.
        let (left, top, ..) = placed((-50.0, -20.0, 200.0, 80.0), (10.0, 10.0), phone, &[]);
        assert_eq!((left, top), (FLOAT_MARGIN, FLOAT_MARGIN));
        // A label above the pointer: the copy starts below it.
        let label = (10.0, 300.0, 370.0, 40.0);
        let (_, top, ..) = placed((20.0, 290.0, 200.0, 80.0), (60.0, 360.0), phone, &[label]);
        assert_eq!(top, 340.0 + FLOAT_MARGIN);
        // A label below the pointer: the copy ends above it.
        let low = (10.0, 400.0, 370.0, 40.0);
        let (_, top, ..) = placed((20.0, 350.0, 200.0, 80.0), (60.0, 380.0), phone, &[low]);
        assert_eq!(top, 400.0 - FLOAT_MARGIN - 80.0);
        // Never so far that the pointer leaves it.
        let (_, top, ..) = placed(
            (20.0, 290.0, 200.0, 80.0),
            (60.0, 320.0),
            phone,
            &[(10.0, 200.0, 370.0, 100.0)],
        );
        assert!(top <= 320.0 - FLOAT_MARGIN && top + 80.0 >= 320.0, "{top}");
    }
}
