//! Mounts the app; everything else is in the library so tests can import it.

fn main() {
    // `?live=`: the live view on real nodes instead of the playground.
    if causal_playground::live::requested() {
        yew::Renderer::<causal_playground::live::LiveView>::new().render();
    } else {
        yew::Renderer::<causal_playground::App>::new().render();
    }
}
