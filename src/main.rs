//! Mounts the app; everything else is in the library so tests can import it.

/// The page's allocator: talc instead of the default dlmalloc, for its size
/// (ARCHITECTURE.md, "Budgets"). The page runs on one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    let document = web_sys::window().and_then(|w| w.document());
    // index.html's skeleton stands in for the page until now (ARCHITECTURE.md,
    // "The first screen"); it goes before the app's first render, so the two
    // are never on screen together.
    if let Some(skeleton) = document
        .as_ref()
        .and_then(|d| d.get_element_by_id("skeleton"))
    {
        skeleton.remove();
    }
    // The app gets an element of its own: yew empties the element it mounts
    // into, and the body also holds the page's style sheets.
    let root = document.and_then(|d| d.get_element_by_id("app"));
    // `?live=`: the live view on real nodes instead of the playground.
    if causal_playground::features::live::requested() {
        mount::<causal_playground::features::live::LiveView>(root);
    } else {
        mount::<causal_playground::App>(root);
    }
}

/// Renders `C` into `root` (the body if index.html has none).
fn mount<C: yew::BaseComponent<Properties = ()>>(root: Option<web_sys::Element>) {
    match root {
        Some(root) => yew::Renderer::<C>::with_root(root).render(),
        None => yew::Renderer::<C>::new().render(),
    };
}
