//! Browser tests of single components (headless Chromium, wasm-bindgen-test):
//! each is mounted into a fresh element and checked through the DOM, as a
//! user (or a screen reader) would see it.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use causal_core::{Command, Config, MessageId, Simulation, Violation};
use causal_playground::components::clock::{ClockProps, ClockView};
use causal_playground::components::held::{HeldList, HeldProps};
use causal_playground::components::status::{Awaiting, Status, StatusProps};
use causal_playground::components::view;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};
use yew::{AppHandle, BaseComponent, Callback, Renderer};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{fresh_root, settle};

/// Mounts `C` with `props` into a fresh element, rendered: (the element, the app).
async fn mount<C>(props: C::Properties) -> (Element, AppHandle<C>)
where
    C: BaseComponent,
{
    let root = fresh_root();
    let app = Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    (root, app)
}

/// Replica `replica`'s hold-back buffer in `sim`, mounted with `highlighted`
/// and callbacks that do nothing.
async fn mount_held(
    sim: &Simulation,
    replica: usize,
    highlighted: Vec<MessageId>,
) -> (Element, AppHandle<HeldList>) {
    mount::<HeldList>(HeldProps {
        replica,
        held: view::held(sim, replica),
        highlighted,
        on_highlight: Callback::noop(),
        on_resend: Callback::noop(),
    })
    .await
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector} in {}", root.inner_html()))
}

fn find_all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("a valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

fn has_class(el: &Element, class: &str) -> bool {
    el.class_name().split_whitespace().any(|c| c == class)
}

#[wasm_bindgen_test]
async fn status_says_catching_up_calmly_and_lists_every_violation_behind_show_all() {
    let violations: Vec<Violation> = (2..62)
        .map(|m| Violation {
            replica: 1,
            message: MessageId(m),
            missing: MessageId(1),
        })
        .collect();
    let (root, app) = mount::<Status>(StatusProps {
        violations,
        converged: false,
        diverged: vec!["x".into()],
        in_flight: 2,
        awaiting: Awaiting {
            named: vec![(MessageId(1), vec![1, 2])],
            more: 0,
        },
        hidden: false,
    })
    .await;

    let converged = find(&root, "[data-testid=\"converged\"]");
    assert_eq!(
        converged.get_attribute("data-converged").as_deref(),
        Some("false")
    );
    assert_eq!(
        converged.get_attribute("data-state").as_deref(),
        Some("catching")
    );
    assert!(text(&converged).contains("B and C have not received m1 yet"));
    let items = find_all(&root, "[data-testid=\"violations\"] > li");
    assert_eq!(items.len(), 60, "one child per violation");
    let shown = |items: &[Element]| {
        items
            .iter()
            .filter(|li| !li.has_attribute("hidden"))
            .count()
    };
    assert_eq!(shown(&items), 50);
    assert!(text(&find(&root, "[data-testid=\"violations-hidden\"]")).contains("10 not shown"));
    find(&root, "[data-testid=\"violations-all\"]")
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
    settle().await;
    assert_eq!(
        shown(&find_all(&root, "[data-testid=\"violations\"] > li")),
        60
    );
    app.destroy();
}

#[wasm_bindgen_test]
async fn while_a_prediction_waits_the_status_line_tells_no_outcome() {
    let (root, app) = mount::<Status>(StatusProps {
        violations: vec![],
        converged: false,
        diverged: vec!["x".into()],
        in_flight: 1,
        awaiting: Awaiting {
            named: vec![(MessageId(1), vec![2])],
            more: 0,
        },
        hidden: true,
    })
    .await;
    let converged = find(&root, "[data-testid=\"converged\"]");
    assert!(
        !text(&converged).contains("Catching up"),
        "{}",
        text(&converged)
    );
    assert_eq!(
        find_all(&converged, "[data-testid=\"hidden-outcome\"]").len(),
        1
    );
    app.destroy();
}

#[wasm_bindgen_test]
async fn clock_shows_one_labelled_cell_per_replica_and_marks_its_own() {
    let (root, app) = mount::<ClockView>(ClockProps {
        replica: 1,
        entries: vec![1, 0, 2],
        changed: vec![2],
        revision: 7,
    })
    .await;

    let clock = find(&root, "[data-testid=\"clock-1\"]");
    assert_eq!(clock.get_attribute("data-clock").as_deref(), Some("1,0,2"));
    let label = clock.get_attribute("aria-label").unwrap_or_default();
    assert_eq!(label, "Vector clock of B: A 1, B 0, C 2");

    let cells = find_all(&clock, ".cell");
    assert_eq!(
        cells.len(),
        3,
        "one cell per replica: {}",
        clock.inner_html()
    );
    let names: Vec<String> = cells.iter().map(|c| text(&find(c, ".cell-name"))).collect();
    assert_eq!(names, ["A", "B", "C"]);
    let values: Vec<String> = cells
        .iter()
        .map(|c| text(&find(c, ".cell-value")))
        .collect();
    assert_eq!(values, ["1", "0", "2"]);

    let own: Vec<bool> = cells.iter().map(|c| has_class(c, "own")).collect();
    assert_eq!(own, [false, true, false], "only B's own entry is marked");
    let changed: Vec<bool> = cells.iter().map(|c| has_class(c, "changed")).collect();
    assert_eq!(changed, [false, false, true], "only entry C changed");
    app.destroy();
}

#[wasm_bindgen_test]
async fn clock_of_replica_a_with_nothing_changed() {
    let (root, app) = mount::<ClockView>(ClockProps {
        replica: 0,
        entries: vec![0, 0, 0, 0],
        changed: vec![],
        revision: 0,
    })
    .await;

    let clock = find(&root, "[data-testid=\"clock-0\"]");
    assert_eq!(
        clock.get_attribute("data-clock").as_deref(),
        Some("0,0,0,0")
    );
    let cells = find_all(&clock, ".cell");
    assert_eq!(cells.len(), 4);
    assert!(has_class(&cells[0], "own"));
    assert!(cells.iter().skip(1).all(|c| !has_class(c, "own")));
    assert!(cells.iter().all(|c| !has_class(c, "changed")));
    assert_eq!(
        find_all(&root, ".cell-name")[3].text_content().as_deref(),
        Some("D")
    );
    app.destroy();
}

/// A replica's write, as a command.
/// The default run after `commands`.
fn run<const N: usize>(commands: [Command; N]) -> Simulation {
    let mut sim = Simulation::new(Config::default()).expect("default config");
    for command in commands {
        sim.apply(command).expect("a valid step");
    }
    sim
}

/// The classic run up to C holding B's write: A writes x, B delivers it and
/// writes y, C receives y first.
fn classic_until_held() -> Simulation {
    let (m1, m2) = (MessageId(1), MessageId(2));
    run([
        Command::write(0, "x", "1"),
        Command::Deliver { message: m1, to: 1 },
        Command::write(1, "y", "2"),
        Command::Deliver { message: m2, to: 2 },
    ])
}

#[wasm_bindgen_test]
async fn held_message_explains_what_it_waits_for_and_highlights_it() {
    let sim = classic_until_held();
    let seen: Rc<RefCell<Vec<Vec<MessageId>>>> = Rc::default();
    let on_highlight = {
        let seen = seen.clone();
        Callback::from(move |m: Vec<MessageId>| seen.borrow_mut().push(m))
    };
    let (root, app) = mount::<HeldList>(HeldProps {
        replica: 2,
        held: view::held(&sim, 2),
        highlighted: vec![],
        on_highlight,
        on_resend: Callback::noop(),
    })
    .await;

    let list = find(&root, "[data-testid=\"held-2\"]");
    let items = find_all(&list, "[data-message]");
    assert_eq!(items.len(), 1, "{}", list.inner_html());
    let item = &items[0];
    assert_eq!(item.get_attribute("data-message").as_deref(), Some("2"));
    assert_eq!(
        text(&find(item, ".why")),
        "m2 from B waits for A#1 (m1): C has delivered 0 of A's writes."
    );
    assert!(
        text(item).contains("m1 is still in flight to C."),
        "where the missing message is: {}",
        text(item)
    );
    assert!(find_all(&root, ".empty").is_empty(), "not 'nothing held'");

    let item: HtmlElement = item.clone().dyn_into().expect("an html element");
    let fire = |kind: &str| {
        let event = web_sys::Event::new(kind).expect("an event");
        item.dispatch_event(&event).expect("dispatched");
    };
    fire("mouseenter");
    settle().await;
    assert_eq!(seen.borrow().as_slice(), &[vec![MessageId(1)]]);
    fire("mouseleave");
    settle().await;
    assert_eq!(seen.borrow().last(), Some(&Vec::new()));

    seen.borrow_mut().clear();
    let focus = web_sys::FocusEvent::new("focus").expect("a focus event");
    item.dispatch_event(&focus).expect("dispatched");
    settle().await;
    assert_eq!(seen.borrow().as_slice(), &[vec![MessageId(1)]]);
    let blur = web_sys::FocusEvent::new("blur").expect("a blur event");
    item.dispatch_event(&blur).expect("dispatched");
    settle().await;
    assert_eq!(seen.borrow().last(), Some(&Vec::new()));
    app.destroy();
}

#[wasm_bindgen_test]
async fn held_list_marks_highlighted_messages_and_says_when_empty() {
    let sim = classic_until_held();
    let (root, app) = mount_held(&sim, 2, vec![MessageId(2)]).await;
    let item = find(&root, "[data-testid=\"held-2\"] [data-message=\"2\"]");
    assert!(has_class(&item, "highlight"));
    app.destroy();

    let (root, app) = mount_held(&sim, 0, vec![]).await;
    assert!(find_all(&root, "[data-testid=\"held-0\"] [data-message]").is_empty());
    assert_eq!(text(&find(&root, ".empty")), "nothing held");
    app.destroy();
}

#[wasm_bindgen_test]
async fn held_message_shows_the_rule_with_its_numbers_and_the_failing_entry() {
    let sim = classic_until_held();
    let (root, app) = mount_held(&sim, 2, vec![]).await;
    let item = find(&root, "[data-testid=\"held-2\"] [data-message=\"2\"]");
    let vectors: Vec<String> = find_all(&item, ".vector").iter().map(text).collect();
    assert_eq!(
        vectors,
        ["[1,1,0]", "[0,0,0]"],
        "m2's timestamp against C's clock"
    );
    let fails: Vec<String> = find_all(&item, ".fail").iter().map(text).collect();
    assert_eq!(fails, ["entry A fails"]);
    // The rule's tests, in the disclosure: the failing one marked.
    assert_eq!(
        text(&find(&item, ".tests mark")),
        "needs m2[A] \u{2264} C[A]: 1 > 0, fails"
    );
    // Entry A is marked in both vectors, and only it.
    let marked: Vec<String> = find_all(&item, ".vector .entry.fails")
        .iter()
        .map(|e| e.get_attribute("title").unwrap_or_default())
        .collect();
    assert_eq!(marked, ["entry A", "entry A"]);
    assert!(text(&find(&item, ".rule")).starts_with("receive m from j at r:"));
    assert!(text(&find(&root, ".notation")).contains("A#1"));
    // Only the held message carries data-message in the buffer's list.
    assert_eq!(
        find_all(&root, "[data-testid=\"held-2\"] [data-message]").len(),
        1
    );
    app.destroy();
}

/// A writes x twice; the first copy to B is lost; B holds the second.
fn lost_and_held() -> Simulation {
    let (m1, m2) = (MessageId(1), MessageId(2));
    run([
        Command::write(0, "x", "1"),
        Command::write(0, "x", "2"),
        Command::Drop { message: m1, to: 1 },
        Command::Deliver { message: m2, to: 1 },
    ])
}

#[wasm_bindgen_test]
async fn a_lost_copy_can_be_resent_from_the_held_explanation() {
    let sim = lost_and_held();
    let sent: Rc<RefCell<Vec<(MessageId, usize)>>> = Rc::default();
    let on_resend = {
        let sent = sent.clone();
        Callback::from(move |c| sent.borrow_mut().push(c))
    };
    let (root, app) = mount::<HeldList>(HeldProps {
        replica: 1,
        held: view::held(&sim, 1),
        highlighted: vec![],
        on_highlight: Callback::noop(),
        on_resend,
    })
    .await;
    assert!(
        text(&root).contains("m1 was lost on the way to B: resend it."),
        "{}",
        text(&root)
    );
    let buttons = find_all(&root, "[data-testid=\"resend\"]");
    assert_eq!(buttons.len(), 1);
    assert_eq!(
        buttons[0].get_attribute("data-message").as_deref(),
        Some("1")
    );
    assert_eq!(buttons[0].get_attribute("data-to").as_deref(), Some("1"));
    buttons[0]
        .clone()
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .click();
    settle().await;
    assert_eq!(sent.borrow().as_slice(), &[(MessageId(1), 1)]);
    app.destroy();
}

/// Props of [`PageKeysProbe`]: what `?` calls.
#[derive(Clone, PartialEq, yew::Properties)]
struct ProbeProps {
    on_help: Callback<()>,
}

/// A component that takes the page's keys, with `?` calling its prop.
#[yew::function_component(PageKeysProbe)]
fn page_keys_probe(props: &ProbeProps) -> yew::Html {
    use causal_playground::browser::present::{use_page_keys, PageKeys};
    use_page_keys(
        false,
        PageKeys {
            on_help: props.on_help.clone(),
            on_present: Callback::noop(),
            on_escape: Callback::noop(),
            on_move: Callback::noop(),
            on_diagram: Callback::noop(),
            on_undo: Callback::noop(),
            on_redo: Callback::noop(),
            history_moves: false,
        },
    );
    yew::Html::default()
}

/// The page's key listener is added once, and a press reaches the
/// callbacks of the latest render, once: not those of an earlier render,
/// and not twice.
#[wasm_bindgen_test]
async fn a_key_reaches_the_latest_callbacks_once_after_rerenders() {
    let heard = Rc::new(RefCell::new(Vec::<&str>::new()));
    let recorder = |who: &'static str| {
        let heard = Rc::clone(&heard);
        Callback::from(move |()| heard.borrow_mut().push(who))
    };
    let (_root, mut app) = mount::<PageKeysProbe>(ProbeProps {
        on_help: recorder("first"),
    })
    .await;
    for who in ["second", "third"] {
        app.update(ProbeProps {
            on_help: recorder(who),
        });
        settle().await;
    }
    let press = || {
        js_sys::eval("document.body.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true, cancelable: true }))")
            .expect("a key press");
    };
    press();
    assert_eq!(heard.borrow().as_slice(), &["third"]);
    press();
    assert_eq!(heard.borrow().as_slice(), &["third", "third"]);
    app.destroy();
    settle().await;
    press();
    assert_eq!(
        heard.borrow().len(),
        2,
        "no listener after the component goes"
    );
}
