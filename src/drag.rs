//! Dragging a card with a pointer (mouse, touch or pen): [`use_drag`] turns
//! the pointer events on one element into a drag, and says what it is over.
//!
//! A mouse or a pen drags once it has moved a few pixels; a finger must
//! first hold still for [`HOLD_MS`], so that a swipe starting on a card
//! scrolls the page. While a drag rests near the window's top or bottom
//! edge, the page scrolls on its own. A drag whose element goes away (its
//! card delivered by autoplay, undone) ends, saying it is over nothing.

use std::cell::RefCell;
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

/// Pixels the page scrolls per tick while a drag rests near an edge.
const EDGE_STEP: i32 = 24;

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

/// 1 near the bottom edge of a window `height` pixels high, -1 near its
/// top, 0 elsewhere.
fn edge_direction(y: i32, height: i32) -> i32 {
    if y > height - SCROLL_EDGE {
        1
    } else if y < SCROLL_EDGE {
        -1
    } else {
        0
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
    // While a drag rests near an edge: (direction, timer).
    let edge = use_mut_ref(|| None::<(i32, Interval)>);
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
        floating: now.filter(|p| p.moved).map(|p| p.floating()),
        lifted: now.is_some_and(|p| p.touch && p.armed && !p.moved),
    }
}

/// Starts, turns or stops the page's scrolling for a drag at height `y`.
fn scroll_near_edge(
    edge: &Rc<RefCell<Option<(i32, Interval)>>>,
    press: &Rc<RefCell<Option<Press>>>,
    over: &Rc<impl Fn(i32, i32) + 'static>,
    y: i32,
) {
    let height = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0) as i32;
    let direction = edge_direction(y, height);
    let running = edge.borrow().as_ref().map(|(d, _)| *d);
    if direction == 0 {
        edge.borrow_mut().take();
    } else if running != Some(direction) {
        let (press, over) = (press.clone(), over.clone());
        let timer = Interval::new(EDGE_TICK_MS, move || {
            let Some(at) = press.borrow().as_ref().filter(|p| p.moved).map(|p| p.at) else {
                return;
            };
            if let Some(window) = web_sys::window() {
                window.scroll_by_with_x_and_y(0.0, f64::from(direction * EDGE_STEP));
            }
            // The page moved under a pointer held still.
            over(at.0, at.1);
        });
        *edge.borrow_mut() = Some((direction, timer));
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
    fn the_page_scrolls_near_the_windows_edges_only() {
        assert_eq!(edge_direction(10, 768), -1);
        assert_eq!(edge_direction(47, 768), -1);
        assert_eq!(edge_direction(48, 768), 0);
        assert_eq!(edge_direction(400, 768), 0);
        assert_eq!(edge_direction(720, 768), 0);
        assert_eq!(edge_direction(721, 768), 1);
    }
}
