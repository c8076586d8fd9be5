//! The search worker: a second wasm (`src/bin/worker.rs`, built by trunk
//! from index.html) that runs the engine's long searches off the main
//! thread, so the page answers every input meanwhile: the outcome census
//! ([`crate::browser::census`]) and the puzzles' search for the fewest moves
//! ([`crate::data::puzzles::search`]). Neither is in the page's own wasm
//! (ARCHITECTURE.md, "The search worker").
//!
//! The worker says it is ready, then answers each request it is sent, until
//! the page drops it. When to do that is its user's rule, not this module's:
//! a census ends its worker at its last word or on Cancel; a puzzle keeps one
//! worker while it is open.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use causal_core::CensusReport;
use gloo_events::EventListener;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::browser::census;
use crate::data::puzzles::{self, Found, Search};

/// The worker's script, beside index.html (trunk names it after the
/// worker's binary).
pub const WORKER_SCRIPT: &str = "./worker_loader.js";

/// What the page asks the worker. (Both ways, serde's default form of an
/// enum: an internally tagged one costs the page a buffering deserializer.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Count every order from a run's state.
    Census(census::Request),
    /// Search puzzle `name`.
    Puzzle {
        /// Told back with the answer.
        id: u32,
        /// The puzzle's file name.
        name: String,
        /// What to search for.
        search: Search,
    },
}

/// What the worker tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The worker is listening: the page sends its requests now (a message
    /// sent before the worker's wasm runs would be lost).
    Ready,
    /// Still counting.
    Progress {
        /// Share of the orders counted, estimated.
        fraction: f64,
        /// Distinct states explored.
        states: usize,
    },
    /// The census's counts.
    Done {
        /// What the census found.
        report: CensusReport,
    },
    /// Not counted, or the request could not be read, or the worker failed:
    /// why, in the page's words.
    Refused {
        /// The sentence shown.
        why: String,
    },
    /// A puzzle's search.
    Searched {
        /// The request's `id`.
        id: u32,
        /// What the engine found, or why it could not search.
        found: Found,
    },
}

/// The worker's side: answers each request the page sends, until the page
/// terminates it. `src/bin/worker.rs` runs this and nothing else.
pub fn serve() {
    use wasm_bindgen::closure::Closure;

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
                Ok(Request::Census(request)) => census::count(&request, js_sys::Date::now, &send),
                Ok(Request::Puzzle { id, name, search }) => send(Reply::Searched {
                    id,
                    found: puzzles::search(&name, &search),
                }),
                Err(e) => send(Reply::Refused {
                    why: format!("The search worker could not read the page's request: {e}."),
                }),
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives until the page terminates it.
    on_message.forget();
    send(Reply::Ready);
}

/// A worker started by the page; dropped, it stops.
pub struct Worker {
    worker: web_sys::Worker,
    /// Requests asked before the worker said it is ready; `None` once it has.
    waiting: Rc<RefCell<Option<Vec<JsValue>>>>,
    _listeners: [EventListener; 2],
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl Worker {
    /// Starts a worker; `on_reply` hears what it says (not
    /// [`Reply::Ready`]) until the [`Worker`] is dropped, whatever the
    /// reply. If the worker fails to load (or fails later), it is stopped and
    /// `on_reply` hears [`Reply::Refused`], its last word.
    pub fn start(on_reply: impl Fn(Reply) + 'static) -> Result<Worker, String> {
        let worker = web_sys::Worker::new(WORKER_SCRIPT).map_err(|_| {
            "This browser refused to start the page's worker, which runs the engine's searches."
                .to_string()
        })?;
        let on_reply = Rc::new(on_reply);
        let waiting = Rc::new(RefCell::new(Some(Vec::new())));
        let failed = Rc::new(Cell::new(false));
        let on_message = {
            let (sender, on_reply, failed, waiting) = (
                worker.clone(),
                Rc::clone(&on_reply),
                Rc::clone(&failed),
                Rc::clone(&waiting),
            );
            EventListener::new(&worker, "message", move |event| {
                if failed.get() {
                    return;
                }
                let data = event.unchecked_ref::<web_sys::MessageEvent>().data();
                let reply = serde_wasm_bindgen::from_value::<Reply>(data).unwrap_or_else(|e| {
                    Reply::Refused {
                        why: format!("The page's worker said something the page cannot read: {e}."),
                    }
                });
                if matches!(reply, Reply::Ready) {
                    for request in waiting.borrow_mut().take().unwrap_or_default() {
                        let _ = sender.post_message(&request);
                    }
                    return;
                }
                on_reply(reply);
            })
        };
        let on_error = {
            let (stopped, failed) = (worker.clone(), failed);
            EventListener::new(&worker, "error", move |_| {
                if failed.replace(true) {
                    return;
                }
                stopped.terminate();
                on_reply(Reply::Refused {
                    why: "The page's worker, which runs the engine's searches, failed to load. Reload the page and try again.".into(),
                });
            })
        };
        Ok(Worker {
            worker,
            waiting,
            _listeners: [on_message, on_error],
        })
    }

    /// Sends `request`, at once if the worker listens, else as soon as it
    /// says it is ready.
    pub fn ask(&self, request: &Request) -> Result<(), String> {
        let value = serde_wasm_bindgen::to_value(request)
            .map_err(|e| format!("The page could not write its request to the worker: {e}."))?;
        match self.waiting.borrow_mut().as_mut() {
            Some(waiting) => waiting.push(value),
            None => {
                let _ = self.worker.post_message(&value);
            }
        }
        Ok(())
    }
}
