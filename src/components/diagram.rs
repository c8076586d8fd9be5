//! The space-time diagram: one line per replica, time left to right.
//! Hover or focus a mark for its timestamp and a sentence; click a write to
//! see its causal past and future, and the writes concurrent with it.

use std::rc::Rc;

use causal_core::{replica_name, MessageId, VectorClock};
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use crate::browser::by_ptr::ByPtr;
use crate::components::diagram_layout::{
    window_around, ArrowEnd, Chunk, Drawing, Mark, MarkKind, Relation, DRAW_ALL_WIDTH, LEFT, SLOT,
    WINDOW_STEP,
};

/// Props of [`Diagram`].
#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    /// What to draw.
    pub drawing: ByPtr<Drawing>,
    /// Every write's timestamp, by message number (index 0 is m1): what
    /// happened-before is decided by.
    pub clocks: ByPtr<Vec<VectorClock>>,
    /// Where the rendered `<svg>` is, for the SVG and PNG exports.
    #[prop_or_default]
    pub svg_ref: NodeRef,
    /// A lesson's prediction waits for its answer: a hold mark says that
    /// the message was held back, not what it waits for.
    #[prop_or_default]
    pub hidden: bool,
}

/// Styles inside the SVG itself, so an exported file looks the same.
const SVG_STYLE: &str = "
.d-line{stroke:#8a93a3;stroke-width:1.5}
.d-name{font:700 15px system-ui,sans-serif}
.d-step{font:10px system-ui,sans-serif;fill:#8a93a3}
.d-arrow{stroke:#5b6475;stroke-width:1.4;fill:none;marker-end:url(#d-head)}
.d-arrow.inflight{stroke-dasharray:5 4;opacity:.75}
.d-arrow.dropped{stroke:#b3261e;marker-end:none;stroke-dasharray:2 3}
.d-wait{stroke:#e0a400;stroke-width:7;opacity:.45;stroke-linecap:round}
.mark{stroke-width:2;cursor:pointer}
.mark.write{stroke:#fff}
.mark.receive{fill:#5b6475}
.mark.deliver{fill:none;stroke:#17794a}
.mark.deliver.violation{stroke:#b3261e;stroke-width:3}
.mark.hold{fill:#ffe9b0;stroke:#8a5a00}
.mark.discard{stroke:#5b6475;stroke-width:2.5}
.mark.drop{stroke:#b3261e;stroke-width:3}
.mark:focus{outline:none;stroke:#1f5fcf;stroke-width:4}
.d-r0{fill:#0072b2}.d-r1{fill:#d55e00}.d-r2{fill:#009e73}.d-r3{fill:#cc79a7}
.d-r4{fill:#b58900}.d-r5{fill:#56b4e9}.d-r6{fill:#7a5195}.d-r7{fill:#8c6d31}
.selecting .mark,.selecting .d-arrow,.selecting .d-wait{opacity:.25}
.selecting .mark.write.rel-past,.selecting .mark.write.rel-future,.selecting .mark.write.rel-selected,.selecting .mark.write.rel-concurrent{opacity:1}
.rel-ring{fill:none;stroke:#1b2130;stroke-width:2.5}
.rel-selected .rel-ring{stroke-width:5}
.rel-future .rel-ring{stroke-dasharray:6 4}
.rel-concurrent .rel-ring{stroke-dasharray:1.5 4;stroke-linecap:round}
.d-head{fill:#5b6475}
.d-bg{fill:#fff}
@media (prefers-color-scheme:dark){.d-bg{fill:#1b2029}.d-name{fill:#e6e9ef}.d-arrow{stroke:#a4adbd}.d-head{fill:#a4adbd}.mark.receive{fill:#a4adbd}.rel-ring{stroke:#e6e9ef}}
";

/// Which of a chunk's parts a [`ChunkView`] draws: waits under arrows under
/// marks, across the whole diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Ruler,
    Waits,
    Arrows,
    Marks,
}

#[derive(Properties, PartialEq)]
struct ChunkProps {
    chunk: Rc<Chunk>,
    layer: Layer,
    /// Label every this many steps on the ruler.
    every: usize,
    /// The write selected, and every write's timestamp to relate others to
    /// it; `None` when nothing is selected, so a new run's clocks do not make
    /// every chunk redraw.
    selected: Option<(MessageId, ByPtr<Vec<VectorClock>>)>,
    /// The x range drawn, in a big run: a mark in it, an arrow or a wait
    /// with an end in it. `None`: all of it.
    window: Option<(i32, i32)>,
    /// This is the last chunk: copies still in flight and messages still
    /// held, drawn to the edge. In a window, only those that start in it:
    /// thousands in flight would all end in a window at the edge.
    open: bool,
    /// Why a message was held back is not told (a prediction waits).
    hidden: bool,
}

/// One chunk of one layer. Its props compare by value, so a chunk whose
/// steps are past is not redrawn when the run grows.
#[function_component(ChunkView)]
fn chunk_view(props: &ChunkProps) -> Html {
    let chunk = &props.chunk;
    let within = |x: i32| {
        props
            .window
            .is_none_or(|(from, to)| (from..=to).contains(&x))
    };
    let ends = |x1: i32, x2: i32| within(x1) || (!props.open && within(x2));
    match props.layer {
        Layer::Ruler => chunk.ruler.iter().filter(|(step, x)| (step % props.every == 0 || *step == 1) && within(*x)).map(|(step, x)| html! {
            <text key={*step} class="d-step" x={(x + 2).to_string()} y="11">{ step }</text>
        }).collect(),
        Layer::Waits => chunk.waits.iter().enumerate().filter(|(_, w)| ends(w.x1, w.x2)).map(|(i, w)| html! {
            <line key={i} class="d-wait" data-message={w.message.0.to_string()} data-replica={w.replica.to_string()}
                  x1={w.x1.to_string()} y1={w.y.to_string()} x2={w.x2.to_string()} y2={w.y.to_string()} />
        }).collect(),
        Layer::Arrows => chunk.arrows.iter().enumerate().filter(|(_, a)| ends(a.x1, a.x2)).map(|(i, a)| {
            let class = classes!("d-arrow", match a.end {
                ArrowEnd::Received => "received",
                ArrowEnd::InFlight => "inflight",
                ArrowEnd::Dropped => "dropped",
            });
            html! {
                <line key={i} {class} data-message={a.message.0.to_string()} data-from={a.from.to_string()} data-to={a.to.to_string()}
                      x1={a.x1.to_string()} y1={a.y1.to_string()} x2={a.x2.to_string()} y2={a.y2.to_string()} />
            }
        }).collect(),
        Layer::Marks => chunk.marks.iter().enumerate().filter(|(_, m)| within(m.x)).map(|(i, m)| {
            let rel = match (&props.selected, m.kind) {
                (Some((s, clocks)), MarkKind::Write) => Relation::of(clocks, *s, m.message).map_or("", Relation::name),
                _ => "",
            };
            let class = classes!(
                "mark",
                m.kind.name(),
                m.violation.then_some("violation"),
                (m.kind == MarkKind::Write).then(|| format!("d-r{}", m.replica)),
                (!rel.is_empty()).then(|| format!("rel-{rel}"))
            );
            let (x, y) = (m.x, m.y);
            let shape = match m.kind {
                MarkKind::Write => html! { <circle cx={x.to_string()} cy={y.to_string()} r="8" /> },
                MarkKind::Receive => html! { <circle cx={x.to_string()} cy={y.to_string()} r="3" /> },
                MarkKind::Deliver => html! { <rect x={(x - 7).to_string()} y={(y - 7).to_string()} width="14" height="14" rx="2" /> },
                MarkKind::Hold => html! { <path d={format!("M{x} {} L{} {y} L{x} {} L{} {y} Z", y - 9, x + 9, y + 9, x - 9)} /> },
                MarkKind::Discard | MarkKind::Drop => {
                    let s = if m.kind == MarkKind::Drop { 7 } else { 5 };
                    html! { <path d={format!("M{} {} L{} {} M{} {} L{} {}", x - s, y - s, x + s, y + s, x - s, y + s, x + s, y - s)} /> }
                }
            };
            // The label is read out on focus and shown in the caption on
            // hover (a <title> per mark would double the diagram's nodes).
            html! {
                <g key={i} {class} data-kind={m.kind.name()} data-replica={m.replica.to_string()}
                   data-message={m.message.0.to_string()} data-step={m.step.to_string()}
                   data-timestamp={m.timestamp.clone()} tabindex="0" role="img" aria-label={describe_mark(m, props.hidden)}>
                    // How it relates to the selected write: a ring round
                    // the dot in the text's colour, its pattern the relation,
                    // whatever the replica's colour.
                    if !rel.is_empty() {
                        <circle class="rel-ring" cx={x.to_string()} cy={y.to_string()} r="13" />
                    }
                    { shape }
                </g>
            }
        }).collect(),
    }
}

/// The mark an event happened on, if any: (its element, message, is a write).
fn mark_of(target: Option<web_sys::EventTarget>) -> Option<(Element, MessageId, bool)> {
    let el = target?
        .dyn_into::<Element>()
        .ok()?
        .closest("g.mark")
        .ok()??;
    let message = MessageId(el.get_attribute("data-message")?.parse().ok()?);
    let write = el.get_attribute("data-kind").as_deref() == Some("write");
    Some((el, message, write))
}

/// What a mark says of itself: its label.
fn title_of(el: &Element) -> Option<String> {
    el.get_attribute("aria-label")
}

/// The x range to draw, for what `scroller` shows of a picture `width` wide.
fn window_in_view(scroller: &Element, width: i32) -> (i32, i32) {
    let scale = f64::from(scroller.scroll_width().max(1)) / f64::from(width.max(1));
    let at = |px: i32| (f64::from(px) / scale).round() as i32;
    let left = scroller.scroll_left();
    window_around(at(left), at(left + scroller.client_width()))
}

/// The picture.
#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let layout = &*props.drawing;
    let selected = use_state(|| None::<MessageId>);
    let caption = use_state(|| None::<String>);
    let zoom = use_state(|| 1.0f64);
    let scroller = use_node_ref();
    let chunks = &layout.chunks;
    // A big run is drawn around what is in view (kept in `window`, updated
    // as the reader scrolls); until that is known, around its end.
    let window = use_state_eq(|| None::<(i32, i32)>);
    let big = layout.width > DRAW_ALL_WIDTH;
    let drawn = big.then(|| {
        (*window).unwrap_or_else(|| window_around(layout.width - 2 * WINDOW_STEP, layout.width))
    });
    // Follow the run as it grows, when the newest step was in view when the
    // reader last scrolled (or never did): a reader who scrolled back to
    // study an earlier step is not pulled away, a load of thousands of steps
    // ends at its last, and an undo needs no scrolling. Reading or setting
    // the scroll position costs a layout: it waits for the next frame, which
    // lays the page out anyway.
    let following = use_mut_ref(|| true);
    {
        let scroller = scroller.clone();
        let shown = use_mut_ref(|| 0usize);
        let window = window.clone();
        let following = following.clone();
        use_effect_with(
            (layout.steps, layout.width, *zoom),
            move |&(steps, width, _)| {
                let grew = steps > *shown.borrow();
                *shown.borrow_mut() = steps;
                let follow = grew && *following.borrow();
                let windowed = width > DRAW_ALL_WIDTH;
                if follow || windowed {
                    crate::browser::hooks::next_frame(move || {
                        let Some(el) = scroller.cast::<Element>() else {
                            return;
                        };
                        if follow {
                            el.set_scroll_left(el.scroll_width());
                        }
                        if windowed {
                            window.set(Some(window_in_view(&el, width)));
                        }
                    });
                }
            },
        );
    }
    let onscroll = {
        let (scroller, window, width) = (scroller.clone(), window.clone(), layout.width);
        Callback::from(move |_: Event| {
            let Some(el) = scroller.cast::<Element>() else {
                return;
            };
            *following.borrow_mut() =
                el.scroll_left() + el.client_width() + 2 * SLOT >= el.scroll_width();
            if width > DRAW_ALL_WIDTH {
                window.set(Some(window_in_view(&el, width)));
            }
        })
    };
    // One set of handlers for every mark (delegation), not four per mark.
    let show = {
        let caption = caption.clone();
        move |target: Option<web_sys::EventTarget>| {
            if let Some(text) = mark_of(target).and_then(|(el, _, _)| title_of(&el)) {
                caption.set(Some(text));
            }
        }
    };
    let onmouseover = {
        let show = show.clone();
        Callback::from(move |e: MouseEvent| show(e.target()))
    };
    // Focus does not bubble; focusin, which a browser sends with it, does.
    let onfocusin = Callback::from(move |e: FocusEvent| show(e.target()));
    let toggle = {
        let selected = selected.clone();
        move |target: Option<web_sys::EventTarget>| {
            if let Some((_, message, true)) = mark_of(target) {
                selected.set(if *selected == Some(message) {
                    None
                } else {
                    Some(message)
                });
            }
        }
    };
    let onclick = {
        let toggle = toggle.clone();
        Callback::from(move |e: MouseEvent| toggle(e.target()))
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            toggle(e.target());
        }
    });
    let names = (0..layout.replicas).map(|r| {
        let y = crate::components::diagram_layout::line_y(r);
        html! {
            <g key={format!("line-{r}")}>
                <line class="d-line" x1={(LEFT - 10).to_string()} y1={y.to_string()}
                      x2={(layout.width - 10).to_string()} y2={y.to_string()} />
                <text class={classes!("d-name", format!("d-r{r}"))} x="10" y={(y + 5).to_string()}>{ replica_name(r) }</text>
            </g>
        }
    });
    // Label every step when they fit, else every fifth.
    let every = if *zoom >= 1.0 && layout.steps <= 400 {
        1
    } else {
        5
    };
    let chosen = *selected;
    let layer = |layer: Layer| -> Html {
        chunks
            .iter()
            .enumerate()
            .filter(|(_, chunk)| {
                drawn.is_none_or(|w| chunk.span().is_some_and(|(a, b)| crate::components::diagram_layout::meets(w, a, b)))
            })
            .map(|(i, chunk)| {
                html! {
                    <ChunkView key={i} chunk={chunk.clone()} {layer} {every} window={drawn} open={i + 1 == chunks.len()} hidden={props.hidden}
                               selected={chosen.map(|m| (m, props.clocks.clone()))} />
                }
            })
            .collect()
    };
    // Which steps a window shows, in words.
    let note = drawn.map(|(from, to)| {
        let starts = chunks.iter().flat_map(|c| c.ruler.iter());
        let shown = starts.filter(|(_, x)| (from..=to).contains(x)).map(|(step, _)| *step);
        let (first, last) = shown.fold((usize::MAX, 0), |(a, b), s| (a.min(s), b.max(s)));
        let first = first.min(last);
        let n = crate::run::text::grouped(layout.steps);
        format!(
            "The diagram draws steps {} to {} of {n}, around what is in view: scroll it to see the others.",
            crate::run::text::grouped(first),
            crate::run::text::grouped(last)
        )
    });
    let selection = (*selected).map(|s| {
        let writes = layout
            .chunks
            .iter()
            .flat_map(|c| c.marks.iter())
            .filter(|m| m.kind == MarkKind::Write && m.message != s);
        let (mut past, mut future, mut concurrent) = (0, 0, 0);
        for w in writes {
            match Relation::of(&props.clocks, s, w.message) {
                Some(Relation::Past) => past += 1,
                Some(Relation::Future) => future += 1,
                Some(Relation::Concurrent) => concurrent += 1,
                Some(Relation::Selected) | None => {}
            }
        }
        let writes = crate::run::state::count(past, "write");
        format!("{s}: {writes} happened before it (solid ring), {future} after it (dashed ring), {concurrent} concurrent with it (dotted ring). Click it again to clear.")
    });
    let set_zoom = |factor: f64| {
        let zoom = zoom.clone();
        Callback::from(move |_: MouseEvent| zoom.set((*zoom * factor).clamp(0.25, 3.0)))
    };
    // Unzoomed, a short run fills its box (up to twice its size) and a long
    // one keeps its size and scrolls; zoomed, it is drawn at the zoom.
    let style = if *zoom == 1.0 {
        format!(
            "width: min(100%, {}px); min-width: {}px; height: auto",
            layout.width * 2,
            layout.width
        )
    } else {
        format!(
            "width: {}px; height: auto",
            (f64::from(layout.width) * *zoom).round() as i64
        )
    };
    html! {
        <section class="diagram-box" aria-label="Space-time diagram">
            <div class="diagram-head">
                <h2>{ "Space-time diagram" }</h2>
                <div class="buttons" role="group" aria-label="Zoom">
                    <button type="button" onclick={set_zoom(1.0 / 1.5)} aria-label="Zoom out">{ "\u{2212}" }</button>
                    <button type="button" onclick={set_zoom(1.5)} aria-label="Zoom in">{ "+" }</button>
                </div>
            </div>
            <p class="diagram-caption" aria-live="polite">
                { selection.or_else(|| (*caption).clone()).unwrap_or_else(|| "Hover or focus a mark for its timestamp; click a write (a circle) to see its causal past and future.".into()) }
            </p>
            if let Some(note) = note {
                <p class="diagram-window" data-testid="diagram-window">{ note }</p>
            }
            <div class="diagram-scroll" ref={scroller} {onscroll}>
                <svg ref={props.svg_ref.clone()} data-testid="diagram" xmlns="http://www.w3.org/2000/svg"
                     class={classes!("diagram", selected.is_some().then_some("selecting"))}
                     {style}
                     viewBox={format!("0 0 {} {}", layout.width, layout.height)}
                     role="group" aria-label={format!("Space-time diagram of {} steps", layout.steps)}>
                    <style>{ SVG_STYLE }</style>
                    <defs>
                        <marker id="d-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path class="d-head" d="M0 0 L10 5 L0 10 z" />
                        </marker>
                    </defs>
                    <rect class="d-bg" x="0" y="0" width={layout.width.to_string()} height={layout.height.to_string()} />
                    // Lists of varying length get an element of their own, so
                    // the svg's children stay fixed and its <style> is never
                    // re-inserted (which would restyle the whole page).
                    <g class="d-ruler">{ layer(Layer::Ruler) }</g>
                    <g class="d-names">{ for names }</g>
                    <g class="d-waits">{ layer(Layer::Waits) }</g>
                    <g class="d-arrows">{ layer(Layer::Arrows) }</g>
                    <g class="d-marks" {onmouseover} {onfocusin} {onclick} {onkeydown}>{ layer(Layer::Marks) }</g>
                </svg>
            </div>
            <p class="legend">
                { "\u{25cf} write \u{00b7} \u{2022} receive \u{00b7} \u{25a1} deliver \u{00b7} \u{25c7} hold (amber band: waiting in the buffer) \u{00b7} \u{00d7} discard or lost \u{00b7} dashed arrow: still in flight" }
            </p>
        </section>
    }
}

/// The sentence and timestamp of a mark.
fn describe_mark(m: &Mark, hidden: bool) -> String {
    match m.text.split_once(causal_core::explain::HELD_WAITS) {
        // "...held it back: it waits for ..." would answer the prediction.
        Some((held, _)) if hidden && m.kind == MarkKind::Hold => format!(
            "{held}; what it waited for is hidden until you answer the question. Timestamp {}.",
            m.timestamp
        ),
        _ => format!("{} Timestamp {}.", m.text, m.timestamp),
    }
}

/// The SVG as a standalone XML file, for export. Not `outerHTML`, which
/// writes HTML entities (`&nbsp;`) that XML does not know.
pub fn svg_markup(svg: &NodeRef) -> Option<String> {
    let el = svg.cast::<Element>()?;
    web_sys::XmlSerializer::new()
        .ok()?
        .serialize_to_string(&el)
        .ok()
}
