//! Mounts the app; everything else is in the library so tests can import it.

fn main() {
    yew::Renderer::<causal_playground::App>::new().render();
}
