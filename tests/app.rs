//! Browser tests of the whole page (headless Chromium, wasm-bindgen-test):
//! the App is mounted into a fresh element, with local storage cleared, and
//! driven through real DOM events on the page's `data-testid` hooks.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{settle, Page};

impl Page {
    fn card(&self, m: u32, to: usize) -> String {
        format!("[data-testid=\"lane-{to}\"] [data-testid=\"inflight\"][data-message=\"{m}\"]")
    }

    /// Presses Deliver on the card of message `m` in the lane to `to`.
    async fn deliver(&self, m: u32, to: usize) {
        self.click(&format!("{} [data-testid=\"deliver\"]", self.card(m, to)))
            .await;
    }

    /// (key, value) of every entry of replica `r`'s store.
    fn store(&self, r: usize) -> Vec<(String, String)> {
        self.find_all(&format!("[data-testid=\"store-{r}\"] [data-key]"))
            .iter()
            .map(|e| {
                (
                    e.get_attribute("data-key").unwrap_or_default(),
                    e.get_attribute("data-value").unwrap_or_default(),
                )
            })
            .collect()
    }

    /// The messages in replica `r`'s hold-back buffer, in order.
    fn held(&self, r: usize) -> Vec<String> {
        self.find_all(&format!("[data-testid=\"held-{r}\"] [data-message]"))
            .iter()
            .map(|e| e.get_attribute("data-message").unwrap_or_default())
            .collect()
    }

    fn in_flight(&self) -> usize {
        self.find_all("[data-testid=\"inflight\"]").len()
    }
}

fn has_class(el: &Element, class: &str) -> bool {
    el.class_name().split_whitespace().any(|c| c == class)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[wasm_bindgen_test]
async fn a_fresh_page_shows_three_empty_replicas() {
    let page = Page::open().await;
    for r in 0..3 {
        assert_eq!(page.clock(r), "0,0,0");
        assert!(page.store(r).is_empty());
        assert!(page.held(r).is_empty());
    }
    assert!(page.find_all("[data-testid=\"replica-3\"]").is_empty());
    assert_eq!(page.in_flight(), 0);
    assert!(page.errors().is_empty(), "{:?}", page.errors());
    page.close().await;
}

#[wasm_bindgen_test]
async fn classic_run_explains_the_held_message_and_previews_its_release() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    assert_eq!(page.clock(0), "1,0,0");
    assert_eq!(page.store(0), pairs(&[("x", "1")]));
    // One copy of m1 in flight to B and one to C.
    assert_eq!(page.find_all(&page.card(1, 1)).len(), 1);
    assert_eq!(page.find_all(&page.card(1, 2)).len(), 1);
    assert!(page
        .find_all("[data-testid=\"lane-0\"] [data-testid=\"inflight\"]")
        .is_empty());
    let card = page.find(&page.card(1, 2));
    assert_eq!(card.get_attribute("data-from").as_deref(), Some("0"));
    assert_eq!(card.get_attribute("data-to").as_deref(), Some("2"));

    page.deliver(1, 1).await;
    assert_eq!(page.clock(1), "1,0,0");
    assert_eq!(page.store(1), pairs(&[("x", "1")]));
    page.write(1, "y", "2").await;
    assert_eq!(page.clock(1), "1,1,0");

    // C receives B's write before A's: it is held, and says why.
    let preview = page.find(&format!("{} .card-preview", page.card(2, 2)));
    assert_eq!(
        preview.text_content().unwrap_or_default(),
        "would be held: waits for A#1 (m1)"
    );
    page.deliver(2, 2).await;
    assert_eq!(page.held(2), ["2"]);
    assert_eq!(
        page.clock(2),
        "0,0,0",
        "holding back does not change the clock"
    );
    assert!(page.store(2).is_empty());
    let why = page.find("[data-testid=\"held-2\"] [data-message=\"2\"] .why");
    assert_eq!(
        why.text_content().unwrap_or_default(),
        "m2 from B waits for A#1 (m1): C has delivered 0 of A's writes."
    );

    // The card of m1 to C says that delivering it releases m2.
    let preview = page.find(&format!("{} .card-preview", page.card(1, 2)));
    assert_eq!(
        preview.text_content().unwrap_or_default(),
        "delivers now, then releases m2"
    );
    let card = page.find(&page.card(1, 2));
    assert!(has_class(&card, "preview-deliver"));
    // And m2 to A simply delivers.
    let preview = page.find(&format!("{} .card-preview", page.card(2, 0)));
    assert_eq!(preview.text_content().unwrap_or_default(), "delivers now");

    // Delivering m1 to C releases m2.
    page.deliver(1, 2).await;
    assert!(page.held(2).is_empty());
    assert_eq!(page.clock(2), "1,1,0");
    assert_eq!(page.store(2), pairs(&[("x", "1"), ("y", "2")]));
    assert!(page.errors().is_empty(), "{:?}", page.errors());
    page.close().await;
}

#[wasm_bindgen_test]
async fn hovering_a_held_message_highlights_the_card_it_waits_for() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    page.deliver(1, 1).await;
    page.write(1, "y", "2").await;
    page.deliver(2, 2).await;
    let held = page.find("[data-testid=\"held-2\"] [data-message=\"2\"]");
    let card = page.find(&page.card(1, 2));
    assert!(!has_class(&card, "highlight"));
    held.dispatch_event(&web_sys::MouseEvent::new("mouseenter").expect("an event"))
        .expect("dispatched");
    settle().await;
    let card = page.find(&page.card(1, 2));
    assert!(
        has_class(&card, "highlight"),
        "m1 to C is highlighted: {}",
        card.class_name()
    );
    held.dispatch_event(&web_sys::MouseEvent::new("mouseleave").expect("an event"))
        .expect("dispatched");
    settle().await;
    assert!(!has_class(&page.find(&page.card(1, 2)), "highlight"));
    page.close().await;
}

/// The error shown in replica `r`'s write form, if any.
fn form_error(page: &Page, r: usize) -> Option<String> {
    page.find(&format!("[data-testid=\"replica-{r}\"]"))
        .query_selector("form [data-testid=\"error\"]")
        .expect("a valid selector")
        .map(|e| e.text_content().unwrap_or_default())
}

#[wasm_bindgen_test]
async fn an_empty_key_is_refused_with_a_message_and_nothing_is_written() {
    let page = Page::open().await;
    page.write(0, "", "1").await;
    let error = form_error(&page, 0).expect("an error under A's form");
    assert!(
        error.contains("Type a key"),
        "says a key is needed: {error}"
    );
    let alert = page.find("[data-testid=\"replica-0\"] [data-testid=\"error\"]");
    assert_eq!(alert.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(page.clock(0), "0,0,0");
    assert!(page.store(0).is_empty());
    assert_eq!(page.in_flight(), 0);
    assert_eq!(
        page.input("[data-testid=\"write-value-0\"]").value(),
        "1",
        "a refused write keeps what was typed"
    );

    // Only spaces is no key either.
    page.write(0, "   ", "1").await;
    assert!(form_error(&page, 0).is_some());
    assert_eq!(page.clock(0), "0,0,0");
    assert_eq!(page.in_flight(), 0);
    page.close().await;
}

#[wasm_bindgen_test]
async fn an_over_long_key_or_value_is_refused() {
    let page = Page::open().await;
    let key = "k".repeat(25);
    page.write(1, &key, "1").await;
    let error = form_error(&page, 1).expect("an error under B's form");
    assert!(error.contains("24"), "names the limit: {error}");
    assert!(error.to_lowercase().contains("key"), "{error}");
    assert_eq!(page.clock(1), "0,0,0");
    assert!(page.store(1).is_empty());
    assert_eq!(page.in_flight(), 0);

    let value = "v".repeat(49);
    page.write(1, "x", &value).await;
    let error = form_error(&page, 1).expect("an error under B's form");
    assert!(error.contains("48"), "names the limit: {error}");
    assert!(error.to_lowercase().contains("value"), "{error}");
    assert_eq!(page.clock(1), "0,0,0");
    assert!(page.store(1).is_empty());
    assert_eq!(page.in_flight(), 0);
    assert_eq!(page.input("[data-testid=\"write-value-1\"]").value(), value);

    // At the limits the write goes through.
    let key = "k".repeat(24);
    let value = "v".repeat(48);
    page.write(1, &key, &value).await;
    assert!(form_error(&page, 1).is_none(), "{:?}", form_error(&page, 1));
    assert_eq!(page.clock(1), "0,1,0");
    assert_eq!(page.store(1), vec![(key, value)]);
    assert_eq!(page.in_flight(), 2);
    page.close().await;
}

#[wasm_bindgen_test]
async fn a_valid_write_clears_the_value_and_the_error() {
    let page = Page::open().await;
    page.write(2, "", "5").await;
    assert!(form_error(&page, 2).is_some());
    page.write(2, "z", "3").await;
    assert!(form_error(&page, 2).is_none(), "{:?}", form_error(&page, 2));
    assert_eq!(page.input("[data-testid=\"write-value-2\"]").value(), "");
    assert_eq!(page.clock(2), "0,0,1");
    assert_eq!(page.store(2), pairs(&[("z", "3")]));
    assert_eq!(page.in_flight(), 2);
    page.close().await;
}

#[wasm_bindgen_test]
async fn undo_and_redo_buttons_walk_the_history() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    page.deliver(1, 1).await;
    assert_eq!(page.clock(1), "1,0,0");
    page.click("[data-testid=\"undo\"]").await;
    assert_eq!(page.clock(1), "0,0,0");
    assert_eq!(page.find_all(&page.card(1, 1)).len(), 1);
    page.click("[data-testid=\"undo\"]").await;
    assert_eq!(page.clock(0), "0,0,0");
    assert_eq!(page.in_flight(), 0);
    page.click("[data-testid=\"redo\"]").await;
    page.click("[data-testid=\"redo\"]").await;
    assert_eq!(page.clock(0), "1,0,0");
    assert_eq!(page.clock(1), "1,0,0");
    assert_eq!(page.store(1), pairs(&[("x", "1")]));
    page.close().await;
}

#[wasm_bindgen_test]
async fn a_remounted_page_keeps_the_session_and_a_corrupted_one_starts_afresh() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    page.deliver(1, 2).await;
    // Unmount without clearing storage, and mount again.
    page.unmount().await;
    let page = Page::mount().await;
    assert_eq!(page.clock(0), "1,0,0");
    assert_eq!(page.clock(2), "1,0,0");
    assert_eq!(page.store(2), pairs(&[("x", "1")]));
    assert_eq!(page.find_all(&page.card(1, 1)).len(), 1);
    assert!(page.errors().is_empty(), "{:?}", page.errors());
    page.close().await;

    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("local storage");
    storage
        .set_item("causal-playground/session", "{bad")
        .expect("stored");
    let page = Page::mount().await;
    let errors = page.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("saved session") && errors[0].contains("fresh"),
        "says the saved session was unusable: {}",
        errors[0]
    );
    for r in 0..3 {
        assert_eq!(page.clock(r), "0,0,0");
    }
    assert_eq!(page.in_flight(), 0);
    page.close().await;
}

#[wasm_bindgen_test]
async fn a_reset_keeps_the_run_one_undo_away_and_says_so() {
    let page = Page::open().await;
    page.write(0, "x", "1").await;
    page.deliver(1, 1).await;
    page.click("[data-testid=\"reset\"]").await;
    assert_eq!(page.clock(0), "0,0,0");
    assert_eq!(page.in_flight(), 0);
    let log = page.find("[data-testid=\"log\"] li");
    assert_eq!(
        log.text_content().unwrap_or_default(),
        causal_playground::run::state::ONE_UNDO_AWAY
    );
    page.click("[data-testid=\"undo\"]").await;
    assert_eq!(page.clock(0), "1,0,0");
    assert_eq!(page.clock(1), "1,0,0");
    assert_eq!(page.find_all(&page.card(1, 2)).len(), 1);
    // Redo goes back to the fresh start.
    page.click("[data-testid=\"redo\"]").await;
    assert_eq!(page.clock(0), "0,0,0");
    assert!(page.errors().is_empty(), "{:?}", page.errors());
    page.close().await;
}

/// Each key lives where `storage` says, under the name a user's browser
/// already holds it by: local storage for what outlives the tab, session
/// storage for what lasts as long as the tab.
#[wasm_bindgen_test]
fn each_key_is_kept_where_storage_says() {
    use causal_playground::browser::storage;
    let window = web_sys::window().expect("a window");
    let local = window
        .local_storage()
        .ok()
        .flatten()
        .expect("local storage");
    let tab = window
        .session_storage()
        .ok()
        .flatten()
        .expect("session storage");

    storage::LESSON_PROGRESS
        .write_item("causal-basics", "3")
        .expect("kept");
    assert_eq!(
        local
            .get_item("causal-playground/lesson/causal-basics")
            .ok()
            .flatten()
            .as_deref(),
        Some("3")
    );
    assert_eq!(
        storage::LESSON_PROGRESS
            .read_item("causal-basics")
            .as_deref(),
        Some("3")
    );
    assert_eq!(storage::LESSON_PROGRESS.read_item("another"), None);

    storage::ALLOWED_ORIGINS
        .write("https://example.org")
        .expect("kept");
    assert_eq!(
        tab.get_item("causal-playground/allowed-origins")
            .ok()
            .flatten()
            .as_deref(),
        Some("https://example.org")
    );
    assert_eq!(
        local
            .get_item("causal-playground/allowed-origins")
            .ok()
            .flatten(),
        None
    );

    local
        .set_item("causal-playground/session", "saved")
        .expect("stored");
    assert_eq!(storage::SESSION.read().as_deref(), Some("saved"));
    storage::SESSION.remove();
    assert_eq!(
        local.get_item("causal-playground/session").ok().flatten(),
        None
    );
    assert_eq!(storage::SESSION.read(), None);

    storage::ALLOWED_ORIGINS.remove();
    local
        .remove_item("causal-playground/lesson/causal-basics")
        .expect("removed");
}
