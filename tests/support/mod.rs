//! What every browser test file shares: the page mounted into a fresh
//! element, and ways to act on it as a user does.
// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

use causal_playground::App;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::{AppHandle, Renderer};

/// Lets yew finish: renders, effects and whatever they schedule. yew's
/// scheduler yields to the browser every 16 ms, so under load one zero-delay
/// timeout can fire mid-render; `flush` waits until the scheduler is idle.
pub async fn settle() {
    yew::scheduler::flush().await;
}

pub fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

pub fn clear_storage() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        storage.clear().expect("local storage cleared");
    }
}

/// A fresh element in the body, to mount a component or the page into.
pub fn fresh_root() -> Element {
    let document = document();
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    root
}

/// A bubbling event of type `kind`, as a browser sends it.
pub fn bubbling(kind: &str) -> web_sys::Event {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    web_sys::Event::new_with_event_init_dict(kind, &init).expect("an event")
}

/// The page, freshly mounted into a new element, with nothing saved.
pub struct Page {
    pub root: Element,
    pub app: Option<AppHandle<App>>,
}

impl Page {
    /// A fresh page, with nothing saved.
    pub async fn open() -> Page {
        clear_storage();
        Page::mount().await
    }

    /// The page mounted into a new element, reading whatever is saved.
    pub async fn mount() -> Page {
        let root = fresh_root();
        let app = Renderer::<App>::with_root(root.clone()).render();
        settle().await;
        Page {
            root,
            app: Some(app),
        }
    }

    pub fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .expect("a valid selector")
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
    }

    pub fn find_all(&self, selector: &str) -> Vec<Element> {
        let list = self
            .root
            .query_selector_all(selector)
            .expect("a valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .collect()
    }

    pub fn input(&self, selector: &str) -> HtmlInputElement {
        self.find(selector).dyn_into().expect("an input")
    }

    pub async fn click(&self, selector: &str) {
        let button: HtmlElement = self.find(selector).dyn_into().expect("an html element");
        button.click();
        settle().await;
    }

    /// Types key and value into replica `r`'s write form and presses Write.
    pub async fn write(&self, r: usize, key: &str, value: &str) {
        self.input(&format!("[data-testid=\"write-key-{r}\"]"))
            .set_value(key);
        self.input(&format!("[data-testid=\"write-value-{r}\"]"))
            .set_value(value);
        self.click(&format!("[data-testid=\"write-{r}\"]")).await;
    }

    /// Replica `r`'s vector clock, as `data-clock` gives it.
    pub fn clock(&self, r: usize) -> String {
        self.find(&format!("[data-testid=\"clock-{r}\"]"))
            .get_attribute("data-clock")
            .unwrap_or_default()
    }

    /// The texts of every error shown.
    pub fn errors(&self) -> Vec<String> {
        self.find_all("[data-testid=\"error\"]")
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }

    /// Takes the page away, keeping what it saved.
    pub async fn unmount(mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        settle().await;
        self.root.remove();
    }

    /// Takes the page away and forgets what it saved.
    pub async fn close(self) {
        self.unmount().await;
        clear_storage();
    }
}
