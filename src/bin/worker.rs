//! The census worker: a second wasm, built by trunk from index.html
//! (`data-type="worker"`), that counts every order off the page's main
//! thread ([`causal_playground::browser::census::count`]). It says it is ready, takes
//! one request, answers with progress and then the counts; the page
//! terminates it to cancel (ARCHITECTURE.md, "The census worker").

/// The worker's allocator, as the page's (src/main.rs): talc, for its size.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
fn main() {
    use causal_playground::browser::census::{count, Reply, Request};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let send = {
        let scope = scope.clone();
        move |reply: Reply| {
            if let Ok(value) = serde_wasm_bindgen::to_value(&reply) {
                let _ = scope.post_message(&value);
            }
        }
    };
    let on_message = {
        let send = send.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            match serde_wasm_bindgen::from_value::<Request>(event.data()) {
                Ok(request) => count(&request, js_sys::Date::now, &send),
                Err(e) => send(Reply::Refused {
                    why: format!("The census worker could not read the run: {e}."),
                }),
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives until the page terminates it.
    on_message.forget();
    send(Reply::Ready);
}

/// Natively there is no worker: the census runs in `causal-sim census`.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
