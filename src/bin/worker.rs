//! The search worker: a second wasm, built by trunk from index.html
//! (`data-type="worker"`), that runs the engine's long searches (the
//! outcome census and the puzzles' search) off the page's main thread
//! ([`causal_playground::browser::worker::serve`]). The page terminates it
//! to cancel (ARCHITECTURE.md, "The search worker").

/// The worker's allocator, as the page's (src/main.rs): talc, for its size.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
fn main() {
    causal_playground::browser::worker::serve();
}

/// Natively there is no worker: the census runs in `causal-sim census`,
/// a puzzle's search in `causal-sim solve`.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
