//! Browser tests of the space-time diagram: the SVG the page draws from its
//! layout (the layout itself is tested natively, in src/components/diagram_layout.rs), driven
//! through real DOM events on its `data-testid` hooks (`svg[data-testid="diagram"]`, marks
//! `g.mark` with `data-kind`, `data-replica`, `data-message`, `data-step`).
#![cfg(target_arch = "wasm32")]

use causal_core::Simulation;
use causal_playground::components::diagram_layout::{layout, line_y};
use causal_playground::data::presets::preset;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{bubbling, settle, Page};

// ---------------------------------------------------------------------------
// The page, mounted into a fresh element (as in tests/app.rs).

impl Page {
    /// Clicks an SVG element (which has no `click()`), with a bubbling event.
    async fn click_svg(&self, el: &Element) {
        el.dispatch_event(&bubbling("click")).expect("dispatched");
        settle().await;
    }

    /// Presses `button` (deliver, drop, duplicate) on the first card of
    /// message `m` in the lane to `to`.
    async fn card(&self, button: &str, m: u32, to: usize) {
        self.click(&format!(
            "[data-testid=\"lane-{to}\"] [data-testid=\"inflight\"][data-message=\"{m}\"] [data-testid=\"{button}\"]"
        ))
        .await;
    }

    /// Picks the preset scenario `name` in the selector, as a user does, and
    /// plays it to its end on the timeline (a preset opens at its start).
    async fn load_preset(&self, name: &str) {
        let select: HtmlSelectElement = self
            .find("select[data-testid=\"scenario\"]")
            .dyn_into()
            .expect("a select");
        select.set_value(name);
        assert_eq!(select.value(), name, "the selector offers {name}");
        select
            .dispatch_event(&bubbling("change"))
            .expect("dispatched");
        settle().await;
        let timeline = self.input("input[data-testid=\"timeline\"]");
        assert_eq!(timeline.value(), "0", "a preset opens at its start");
        timeline.set_value(&timeline.max());
        timeline
            .dispatch_event(&bubbling("input"))
            .expect("dispatched");
        settle().await;
    }

    /// Every mark of the diagram as (kind, replica, message, step), in order.
    fn marks(&self) -> Vec<(String, String, String, String)> {
        self.find_all("svg[data-testid=\"diagram\"] g.mark")
            .iter()
            .map(|m| {
                (
                    attr(m, "data-kind"),
                    attr(m, "data-replica"),
                    attr(m, "data-message"),
                    attr(m, "data-step"),
                )
            })
            .collect()
    }

    /// The one mark of `kind` for message `m` on replica `r`'s line.
    fn mark(&self, kind: &str, r: usize, m: u32) -> Element {
        let found = self.find_all(&format!(
            "svg[data-testid=\"diagram\"] g.mark[data-kind=\"{kind}\"][data-replica=\"{r}\"][data-message=\"{m}\"]"
        ));
        assert_eq!(found.len(), 1, "one {kind} mark of m{m} on replica {r}");
        found.into_iter().next().expect("one mark")
    }

    /// Every arrow as (end class, message, from, to), in document order.
    fn arrows(&self) -> Vec<(String, String, String, String)> {
        self.find_all("svg[data-testid=\"diagram\"] line.d-arrow")
            .iter()
            .map(|a| {
                let end = ["received", "inflight", "dropped"]
                    .into_iter()
                    .filter(|c| has_class(a, c))
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    end,
                    attr(a, "data-message"),
                    attr(a, "data-from"),
                    attr(a, "data-to"),
                )
            })
            .collect()
    }

    fn caption(&self) -> String {
        self.find(".diagram-caption")
            .text_content()
            .unwrap_or_default()
    }
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

fn num(el: &Element, name: &str) -> i32 {
    attr(el, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name}={:?} is a number", attr(el, name)))
}

fn has_class(el: &Element, class: &str) -> bool {
    el.get_attribute("class")
        .unwrap_or_default()
        .split_whitespace()
        .any(|c| c == class)
}

/// The `rel-*` class of a write mark, if it has one.
fn relation(el: &Element) -> Option<String> {
    el.get_attribute("class")
        .unwrap_or_default()
        .split_whitespace()
        .find_map(|c| c.strip_prefix("rel-").map(str::to_string))
}

fn rows(items: &[(&str, usize, u32, usize)]) -> Vec<(String, String, String, String)> {
    items
        .iter()
        .map(|(k, r, m, s)| (k.to_string(), r.to_string(), m.to_string(), s.to_string()))
        .collect()
}

fn arrow_rows(items: &[(&str, u32, usize, usize)]) -> Vec<(String, String, String, String)> {
    items
        .iter()
        .map(|(e, m, f, t)| (e.to_string(), m.to_string(), f.to_string(), t.to_string()))
        .collect()
}

/// The classic scenario's marks as the layout has them, in the order they
/// happened: (kind, replica, message, step). src/components/diagram_layout.rs's tests check
/// them one by one; these check the page draws them.
fn classic_marks() -> Vec<(&'static str, usize, u32, usize)> {
    let classic = preset("classic").expect("the classic preset");
    let (sim, trace) =
        Simulation::replay_traced(classic.scenario.config(), &classic.scenario.steps)
            .expect("it runs");
    layout(3, &trace, sim.messages())
        .marks
        .iter()
        .map(|m| (m.kind.name(), m.replica, m.message.0, m.step))
        .collect()
}

// ---------------------------------------------------------------------------
// The page's diagram.

#[wasm_bindgen_test]
async fn a_fresh_page_draws_an_empty_diagram_with_one_line_per_replica() {
    let page = Page::open().await;
    let svg = page.find("svg[data-testid=\"diagram\"]");
    assert_eq!(
        svg.namespace_uri().as_deref(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(page.marks().is_empty());
    assert!(page.arrows().is_empty());
    assert_eq!(
        page.find_all("svg[data-testid=\"diagram\"] .d-line").len(),
        3
    );
    let names: Vec<_> = page
        .find_all("svg[data-testid=\"diagram\"] .d-name")
        .iter()
        .map(|n| n.text_content().unwrap_or_default())
        .collect();
    assert_eq!(names, ["A", "B", "C"]);
    page.close().await;
}

#[wasm_bindgen_test]
async fn the_classic_scenario_draws_every_mark_arrow_and_wait() {
    let page = Page::open().await;
    page.load_preset("classic").await;
    assert!(page.errors().is_empty(), "{:?}", page.errors());
    assert_eq!(page.clock(2), "1,1,0", "the classic ran to its end");

    // A write m1; B receive + deliver m1; B write m2; C receive + hold m2;
    // C receive + deliver m1, then deliver m2 (released); A receive + deliver m2.
    assert_eq!(page.marks(), rows(&classic_marks()));

    // One arrow per copy, each received, from its sender to its destination.
    assert_eq!(
        page.arrows(),
        arrow_rows(&[
            ("received", 1, 0, 1),
            ("received", 2, 1, 2),
            ("received", 1, 0, 2),
            ("received", 2, 1, 0),
        ])
    );
    // Each arrow runs forwards in time, from its sender's line to its
    // destination's, and ends at the receive mark.
    for a in page.find_all("svg[data-testid=\"diagram\"] line.d-arrow") {
        let (from, to): (usize, usize) = (
            attr(&a, "data-from").parse().expect("a replica"),
            attr(&a, "data-to").parse().expect("a replica"),
        );
        assert!(num(&a, "x1") < num(&a, "x2"), "time runs left to right");
        assert_eq!(num(&a, "y1"), line_y(from));
        assert_eq!(num(&a, "y2"), line_y(to));
    }

    // C's wait for m2, along C's line.
    let waits = page.find_all("svg[data-testid=\"diagram\"] line.d-wait");
    assert_eq!(waits.len(), 1);
    let wait = &waits[0];
    assert_eq!(attr(wait, "data-replica"), "2");
    assert_eq!(attr(wait, "data-message"), "2");
    assert_eq!(num(wait, "y1"), line_y(2));
    assert_eq!(num(wait, "y2"), line_y(2));
    assert!(num(wait, "x1") < num(wait, "x2"));

    // The hold and the release say what happened, with timestamps.
    let hold = page.mark("hold", 2, 2);
    assert_eq!(attr(&hold, "data-timestamp"), "[1,1,0]", "m2's timestamp");
    let label = attr(&hold, "aria-label");
    assert!(
        label.contains("C received m2 from B and held it back"),
        "{label}"
    );
    let released = page.mark("deliver", 2, 2);
    assert_eq!(
        attr(&released, "data-timestamp"),
        "[1,1,0]",
        "C's clock after the release"
    );
    assert!(
        attr(&released, "aria-label").contains("out of its hold-back buffer"),
        "{}",
        attr(&released, "aria-label")
    );
    assert_eq!(attr(&page.mark("write", 0, 1), "data-timestamp"), "[1,0,0]");
    assert_eq!(
        attr(&page.mark("deliver", 1, 1), "data-timestamp"),
        "[1,0,0]"
    );
    // Under causal delivery nothing is marked as a violation.
    assert!(page
        .find_all("svg[data-testid=\"diagram\"] g.mark.violation")
        .is_empty());
    page.close().await;
}

#[wasm_bindgen_test]
async fn the_classic_scenario_done_by_clicking_draws_the_same_diagram() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    page.card("deliver", 1, 1).await;
    page.write(1, "y", "2").await;
    page.card("deliver", 2, 2).await;
    // While C holds m2, its wait runs to the edge of the picture.
    let waits = page.find_all("svg[data-testid=\"diagram\"] line.d-wait");
    assert_eq!(waits.len(), 1);
    let marks_x: Vec<i32> = page
        .find_all("svg[data-testid=\"diagram\"] g.mark circle")
        .iter()
        .map(|c| num(c, "cx"))
        .collect();
    assert!(marks_x.iter().all(|&x| x < num(&waits[0], "x2")));
    // The copies not yet received are in flight: m1 to C and m2 to A.
    assert_eq!(
        page.find_all("svg[data-testid=\"diagram\"] line.d-arrow.inflight")
            .len(),
        2
    );
    page.card("deliver", 1, 2).await;
    page.card("deliver", 2, 0).await;
    assert_eq!(page.marks(), rows(&classic_marks()));
    assert_eq!(
        page.find_all("svg[data-testid=\"diagram\"] line.d-arrow.received")
            .len(),
        4
    );
    assert!(page
        .find_all("svg[data-testid=\"diagram\"] line.d-arrow.inflight")
        .is_empty());
    page.close().await;
}

#[wasm_bindgen_test]
async fn a_copy_in_flight_is_a_dashed_arrow_and_a_dropped_copy_ends_with_a_drop_mark() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    assert_eq!(
        page.arrows(),
        arrow_rows(&[("inflight", 1, 0, 1), ("inflight", 1, 0, 2)])
    );
    let write = page.mark("write", 0, 1);
    let write_x = num(&write.query_selector("circle").unwrap().unwrap(), "cx");
    for a in page.find_all("svg[data-testid=\"diagram\"] line.d-arrow.inflight") {
        assert_eq!(num(&a, "x1"), write_x, "starts at the write");
        assert!(num(&a, "x2") > write_x, "runs to the edge");
    }

    page.card("drop", 1, 2).await;
    assert_eq!(
        page.arrows(),
        arrow_rows(&[("dropped", 1, 0, 2), ("inflight", 1, 0, 1)])
    );
    let drop = page.mark("drop", 2, 1);
    assert_eq!(attr(&drop, "data-step"), "2");
    assert!(attr(&drop, "aria-label").contains("lost"));
    // The dropped arrow ends where the cross is, short of C's line.
    let dropped = page.find("svg[data-testid=\"diagram\"] line.d-arrow.dropped");
    let y2 = num(&dropped, "y2");
    assert!(y2 > line_y(0) && y2 < line_y(2), "ends between A and C");
    assert!(num(&dropped, "x2") > num(&dropped, "x1"));
    // No receive of m1 at C, ever.
    assert!(page
        .find_all("g.mark[data-kind=\"receive\"][data-replica=\"2\"]")
        .is_empty());

    // A duplicate to B: the second arrival is a discard.
    page.card("duplicate", 1, 1).await;
    assert_eq!(
        page.find_all("svg[data-testid=\"diagram\"] line.d-arrow.inflight")
            .len(),
        2
    );
    page.card("deliver", 1, 1).await;
    page.card("deliver", 1, 1).await;
    page.mark("discard", 1, 1);
    page.mark("deliver", 1, 1);
    assert_eq!(
        page.find_all("g.mark[data-kind=\"receive\"][data-replica=\"1\"]")
            .len(),
        2
    );
    assert!(page
        .find_all("svg[data-testid=\"diagram\"] line.d-arrow.inflight")
        .is_empty());
    page.close().await;
}

#[wasm_bindgen_test]
async fn a_fifo_violation_is_marked_on_its_delivery() {
    let page = Page::open().await;
    page.load_preset("classic").await;
    let select: HtmlSelectElement = page
        .find("select[data-testid=\"delivery\"]")
        .dyn_into()
        .expect("a select");
    select.set_value("fifo");
    select
        .dispatch_event(&bubbling("change"))
        .expect("dispatched");
    settle().await;
    let violations = page.find_all("svg[data-testid=\"diagram\"] g.mark.violation");
    assert_eq!(violations.len(), 1);
    assert_eq!(attr(&violations[0], "data-kind"), "deliver");
    assert_eq!(attr(&violations[0], "data-replica"), "2");
    assert_eq!(attr(&violations[0], "data-message"), "2");
    assert!(page
        .find_all("svg[data-testid=\"diagram\"] g.mark[data-kind=\"hold\"]")
        .is_empty());
    page.close().await;
}

#[wasm_bindgen_test]
async fn clicking_a_write_shows_its_causal_past_and_future() {
    let page = Page::open().await;
    page.load_preset("classic").await;
    let svg = page.find("svg[data-testid=\"diagram\"]");
    assert!(!has_class(&svg, "selecting"));

    page.click_svg(&page.mark("write", 0, 1)).await;
    assert!(has_class(&svg, "selecting"));
    assert_eq!(
        relation(&page.mark("write", 0, 1)).as_deref(),
        Some("selected")
    );
    assert_eq!(
        relation(&page.mark("write", 1, 2)).as_deref(),
        Some("future"),
        "B wrote m2 after delivering m1"
    );
    // Only writes are classed.
    assert!(relation(&page.mark("deliver", 1, 1)).is_none());
    let caption = page.caption();
    assert!(
        caption.starts_with("m1: 0 writes happened before it")
            && caption.contains("1 after it")
            && caption.contains("0 concurrent"),
        "{caption}"
    );

    // From m2's side, m1 is its past.
    page.click_svg(&page.mark("write", 1, 2)).await;
    assert_eq!(
        relation(&page.mark("write", 1, 2)).as_deref(),
        Some("selected")
    );
    assert_eq!(relation(&page.mark("write", 0, 1)).as_deref(), Some("past"));
    assert!(page.caption().contains("1 write happened before it"));

    // Clicking it again clears the selection.
    page.click_svg(&page.mark("write", 1, 2)).await;
    assert!(!has_class(&svg, "selecting"));
    assert!(relation(&page.mark("write", 0, 1)).is_none());
    assert!(relation(&page.mark("write", 1, 2)).is_none());

    // Clicking something other than a write selects nothing.
    page.click_svg(&page.mark("hold", 2, 2)).await;
    assert!(!has_class(&svg, "selecting"));
    page.close().await;
}

#[wasm_bindgen_test]
async fn two_concurrent_writes_mark_each_other_concurrent() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    page.write(1, "x", "2").await;
    page.write(0, "x", "3").await; // after m1 at A, concurrent with m2
    page.click_svg(&page.mark("write", 0, 1)).await;
    assert_eq!(
        relation(&page.mark("write", 1, 2)).as_deref(),
        Some("concurrent")
    );
    assert_eq!(
        relation(&page.mark("write", 0, 3)).as_deref(),
        Some("future")
    );
    let caption = page.caption();
    assert!(
        caption.contains("1 after it") && caption.contains("1 concurrent"),
        "{caption}"
    );

    page.click_svg(&page.mark("write", 1, 2)).await;
    assert_eq!(
        relation(&page.mark("write", 0, 1)).as_deref(),
        Some("concurrent")
    );
    assert_eq!(
        relation(&page.mark("write", 0, 3)).as_deref(),
        Some("concurrent")
    );
    assert!(
        page.caption().contains("2 concurrent"),
        "{}",
        page.caption()
    );

    // Once B has delivered m1 and m3, its next write follows both.
    page.card("deliver", 1, 1).await;
    page.card("deliver", 3, 1).await;
    page.write(1, "y", "4").await;
    page.click_svg(&page.mark("write", 1, 4)).await;
    for (r, m) in [(0, 1), (1, 2), (0, 3)] {
        assert_eq!(
            relation(&page.mark("write", r, m)).as_deref(),
            Some("past"),
            "m{m} happened before m4"
        );
    }
    page.close().await;
}

#[wasm_bindgen_test]
async fn a_mark_in_focus_shows_its_sentence_and_timestamp() {
    let page = Page::open().await;
    page.load_preset("classic").await;
    let hold = page.mark("hold", 2, 2);
    assert_eq!(
        attr(&hold, "tabindex"),
        "0",
        "marks take the keyboard focus"
    );
    // A real focus, as the Tab key gives: the browser sends focus and focusin.
    let focus =
        js_sys::Reflect::get(&hold, &"focus".into()).expect("an SVG element can be focused");
    js_sys::Function::from(focus).call0(&hold).expect("focused");
    settle().await;
    let caption = page.caption();
    assert!(
        caption.contains("C received m2 from B and held it back"),
        "{caption}"
    );
    assert!(caption.contains("Timestamp [1,1,0]"), "{caption}");
    page.close().await;
}

#[wasm_bindgen_test]
async fn the_diagram_follows_undo_and_the_timeline() {
    let page = Page::open().await;
    page.load_preset("classic").await;
    page.click("[data-testid=\"undo\"]").await;
    page.click("[data-testid=\"undo\"]").await;
    // At step 4 C holds m2 and m1 is still in flight to C, m2 to A.
    let steps: Vec<usize> = page
        .marks()
        .iter()
        .map(|(_, _, _, s)| s.parse().expect("a step"))
        .collect();
    assert!(steps.iter().all(|&s| s <= 4), "{steps:?}");
    assert_eq!(page.marks(), rows(&classic_marks()[..6]));
    assert_eq!(
        page.find_all("svg[data-testid=\"diagram\"] line.d-arrow.inflight")
            .len(),
        2
    );

    // The timeline's slider moves the diagram too.
    let slider: HtmlInputElement = page
        .find("input[type=\"range\"][data-testid=\"timeline\"]")
        .dyn_into()
        .expect("an input");
    assert_eq!(slider.value(), "4");
    assert_eq!(slider.max(), "6");
    slider.set_value("1");
    slider
        .dispatch_event(&bubbling("input"))
        .expect("dispatched");
    settle().await;
    assert_eq!(page.marks(), rows(&classic_marks()[..1]));
    slider.set_value("6");
    slider
        .dispatch_event(&bubbling("input"))
        .expect("dispatched");
    settle().await;
    assert_eq!(page.marks(), rows(&classic_marks()));
    page.close().await;
}
