//! Mounts the app; everything else is in the library so tests can import it.

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
