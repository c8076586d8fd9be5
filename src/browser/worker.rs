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

/// What the page asks the worker, sent as postcard's bytes ([`Request::write`]):
/// reading them costs the worker far less than serde-wasm-bindgen's reading
/// of a plain object, which needed a buffering deserializer for the
/// engine's internally tagged [`causal_core::Command`] (ARCHITECTURE.md, "The
/// search worker").
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

impl Request {
    /// The request as it crosses to the worker: postcard, the steps of a
    /// run as a share link writes them.
    pub fn write(&self) -> Vec<u8> {
        // Writing to a vector cannot fail (see `run/share.rs`).
        postcard::to_extend(self, Vec::new()).unwrap_or_default()
    }

    /// The request in `bytes`, or why the worker cannot read it.
    pub fn read(bytes: &[u8]) -> Result<Request, String> {
        match postcard::take_from_bytes(bytes) {
            Ok((request, [])) => Ok(request),
            _ => Err("The search worker could not read the page's request: it is not in the form this version of the page writes. Reload the page and try again.".into()),
        }
    }
}

/// What the worker tells the page, as a plain object (serde-wasm-bindgen;
/// serde's default form of an enum: an internally tagged one costs the
/// page a buffering deserializer).
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
            let bytes = event
                .data()
                .dyn_ref::<js_sys::Uint8Array>()
                .map(js_sys::Uint8Array::to_vec)
                .unwrap_or_default();
            match Request::read(&bytes) {
                Ok(Request::Census(request)) => census::count(&request, js_sys::Date::now, &send),
                Ok(Request::Puzzle { id, name, search }) => send(Reply::Searched {
                    id,
                    found: puzzles::search(&name, &search),
                }),
                Err(why) => send(Reply::Refused { why }),
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
    pub fn ask(&self, request: &Request) {
        let value: JsValue = js_sys::Uint8Array::from(request.write().as_slice()).into();
        match self.waiting.borrow_mut().as_mut() {
            Some(waiting) => waiting.push(value),
            None => {
                let _ = self.worker.post_message(&value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use causal_core::{Command, Config, Delivery, MessageId};

    use super::Request;
    use crate::browser::census;
    use crate::data::puzzles::Search;

    /// What the page writes the worker reads back as it was; any other
    /// bytes (cut short, with more at the end, or none) it refuses in words.
    #[test]
    fn the_worker_reads_what_the_page_writes_and_refuses_other_bytes() {
        let message = MessageId(1);
        let steps = vec![
            Command::write(0, "x", "caf\u{e9} & co"),
            Command::Deliver { message, to: 1 },
            Command::Drop { message, to: 2 },
            Command::Duplicate { message, to: 1 },
            Command::DeliverNext { to: 2 },
            Command::Reorder {
                to: 1,
                index: 0,
                position: 1,
            },
            Command::DeliverAll,
        ];
        let puzzle = |search| Request::Puzzle {
            id: 300,
            name: "held-forever".into(),
            search,
        };
        let requests = [
            Request::Census(census::Request {
                config: Config::default(),
                steps: steps.clone(),
            }),
            puzzle(Search::Best),
            puzzle(Search::After(steps)),
            puzzle(Search::Under(Delivery::Fifo)),
        ];
        let refused = Err(
            "The search worker could not read the page's request: it is not in the form this version of the page writes. Reload the page and try again.".to_string(),
        );
        for request in requests {
            let bytes = request.write();
            assert_eq!(Request::read(&bytes), Ok(request.clone()));
            for cut in 0..bytes.len() {
                assert_eq!(
                    Request::read(&bytes[..cut]),
                    refused,
                    "{request:?} cut at {cut}"
                );
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(Request::read(&longer), refused);
        }
        assert_eq!(Request::read(&[9, 9, 9]), refused);
        assert_eq!(Request::read(&[0xff; 12]), refused);
    }
}
