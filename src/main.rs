//! Mounts the app; everything else is in the library so tests can import it.

/// The page's allocator: talc instead of the default dlmalloc, for its size
/// (ARCHITECTURE.md, "Budgets"). The page runs on one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // index.html's skeleton stands in for the page until now (ARCHITECTURE.md,
    // "The first screen"); it goes before the app's first render, so the two
    // are never on screen together.
    if let Some(skeleton) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("skeleton"))
    {
        skeleton.remove();
    }
    // `?live=`: the live view on real nodes instead of the playground.
    if causal_playground::features::live::requested() {
        yew::Renderer::<causal_playground::features::live::LiveView>::new().render();
    } else {
        yew::Renderer::<causal_playground::App>::new().render();
    }
}
