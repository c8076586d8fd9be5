//! The live view's page: the form, each node where a replica usually is,
//! its outgoing links (held or not, and what waits in them), the diagram
//! of what the nodes logged, and the replay.

use std::cell::Cell;
use std::rc::Rc;

use causal_core::{replica_name, Config, ReplicaId, VectorClock};
use serde::Serialize;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::address::{self, Request};
use super::net;
use super::replay::{replay, NodeRecord, Replay};
use super::wire::{self, Link, LoggedEvent, StoreReport, WireMessage};
use crate::browser::by_ptr::ByPtr;
use crate::browser::storage;
use crate::components::clock::ClockView;
use crate::components::diagram::Diagram;
use crate::components::diagram_layout::Layouter;
use crate::components::store::{store_view, StoreProps};
use crate::components::write_form::WriteForm;

/// What the form offers the first time: scripts/cluster's three nodes.
const CLUSTER: &str = "http://127.0.0.1:5000, http://127.0.0.1:5101, http://127.0.0.1:5102";
/// Between polls of a quiet cluster.
const STEADY_MS: i32 = 1000;
/// Between polls while something is held back, queued or just written.
const BUSY_MS: i32 = 250;
/// Pages of events read in one poll, at most.
const PAGES_PER_POLL: usize = 20;

/// `POST /put`'s body.
#[derive(Serialize)]
struct Put<'a> {
    key: &'a str,
    value: &'a str,
}

/// `POST /admin/hold` and `/admin/release`'s body: the link to `peer`.
#[derive(Serialize)]
struct Peer {
    peer: usize,
}

/// Whether a node answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Answering {
    /// Not asked yet, or the first answer is on its way.
    Pending,
    /// It answered the last poll.
    Yes,
    /// It did not: why.
    No(String),
}

/// Whether a node has an API beyond the original one.
#[derive(Clone, Debug, PartialEq)]
pub enum Support<T> {
    /// Not known yet.
    Unknown,
    /// It has: what it answered.
    Yes(T),
    /// It has not: why.
    No(String),
}

/// One node as the page knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Its base URL.
    pub url: String,
    /// Whether it answers.
    pub answering: Answering,
    /// Its last report.
    pub report: Option<StoreReport>,
    /// Its log, as read so far.
    pub log: Support<Rc<Vec<LoggedEvent>>>,
    /// Its outgoing links.
    pub links: Support<Vec<Link>>,
    /// What was wrong with the last write through the page, if anything.
    pub write_error: Option<String>,
}

/// The live view's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Live {
    /// The nodes, in node order.
    pub nodes: Vec<Node>,
    /// Counts appends to the logs: the diagram is redrawn only then.
    pub events_seen: u64,
    /// A message about the links or the replay, if any.
    pub notice: Option<String>,
    /// What keeps the last replay from being the whole run.
    pub replay_notes: Vec<String>,
}

/// What changes the live view.
pub enum LiveAction {
    /// A node's `GET /store`.
    Store(usize, Result<StoreReport, String>),
    /// A page of a node's log.
    Events(usize, Vec<LoggedEvent>),
    /// A node keeps no log: why.
    NoEvents(usize, String),
    /// A node's links.
    Links(usize, Support<Vec<Link>>),
    /// A write through the page: its error, or none.
    WriteDone(usize, Option<String>),
    /// A message for the page.
    Notice(Option<String>),
    /// What the replay lacks.
    ReplayNotes(Vec<String>),
}

impl Live {
    fn new(urls: &[String]) -> Self {
        Live {
            nodes: urls
                .iter()
                .map(|url| Node {
                    url: url.clone(),
                    answering: Answering::Pending,
                    report: None,
                    log: Support::Unknown,
                    links: Support::Unknown,
                    write_error: None,
                })
                .collect(),
            events_seen: 0,
            notice: None,
            replay_notes: Vec::new(),
        }
    }

    /// Whether something is on its way: held back, or queued on a link.
    fn busy(&self) -> bool {
        self.nodes.iter().any(|n| {
            n.report.as_ref().is_some_and(|r| !r.buffered.is_empty())
                || matches!(&n.links, Support::Yes(links) if links.iter().any(|l| !l.queued.is_empty()))
        })
    }

    /// What the page recorded, node by node.
    fn records(&self) -> Vec<NodeRecord<'_>> {
        self.nodes
            .iter()
            .map(|n| NodeRecord {
                log: match &n.log {
                    Support::Yes(log) => Some(log.as_slice()),
                    // Not read yet: an empty log so far.
                    Support::Unknown => Some(&[]),
                    Support::No(_) => None,
                },
                report: n.report.as_ref(),
            })
            .collect()
    }
}

impl Reducible for Live {
    type Action = LiveAction;

    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        let mut live = (*self).clone();
        match action {
            LiveAction::Store(i, result) => {
                if let Some(node) = live.nodes.get_mut(i) {
                    match result {
                        Ok(report) => {
                            node.answering = Answering::Yes;
                            node.report = Some(report);
                        }
                        Err(why) => node.answering = Answering::No(why),
                    }
                }
            }
            LiveAction::Events(i, events) => {
                if let Some(node) = live.nodes.get_mut(i) {
                    let mut log = match std::mem::replace(&mut node.log, Support::Unknown) {
                        Support::Yes(log) => log,
                        _ => Rc::new(Vec::new()),
                    };
                    let last = log.last().map_or(0, |e| e.seq);
                    let new: Vec<_> = events.into_iter().filter(|e| e.seq > last).collect();
                    if !new.is_empty() {
                        Rc::make_mut(&mut log).extend(new);
                        live.events_seen += 1;
                    }
                    node.log = Support::Yes(log);
                }
            }
            LiveAction::NoEvents(i, why) => {
                if let Some(node) = live.nodes.get_mut(i) {
                    node.log = Support::No(why);
                    live.events_seen += 1;
                }
            }
            LiveAction::Links(i, links) => {
                if let Some(node) = live.nodes.get_mut(i) {
                    node.links = links;
                }
            }
            LiveAction::WriteDone(i, error) => {
                if let Some(node) = live.nodes.get_mut(i) {
                    node.write_error = error;
                }
            }
            LiveAction::Notice(text) => live.notice = text,
            LiveAction::ReplayNotes(notes) => live.replay_notes = notes,
        }
        // A poll that finds nothing new renders nothing.
        if live == *self {
            self
        } else {
            Rc::new(live)
        }
    }
}

/// What the polls share with the page: whether to poll fast, a poke that
/// cuts the wait short, whether the page is still there, and how many polls
/// wait for an answer (the page leaves for the playground once none does,
/// rather than cut a request short).
#[derive(Default)]
struct Pace {
    busy: Cell<bool>,
    poke: Cell<u64>,
    gone: Cell<bool>,
    asking: Cell<usize>,
}

impl Pace {
    /// `GET {url}{path}` for a poll; nothing is asked once the page is gone.
    async fn get(&self, url: &str, path: &str) -> Result<net::Answer, String> {
        if self.gone.get() {
            return Err("the page has stopped watching".into());
        }
        self.asking.set(self.asking.get() + 1);
        let answer = net::get(url, path).await;
        self.asking.set(self.asking.get() - 1);
        answer
    }

    /// Stops the polls and resolves once no request of theirs is on its
    /// way (each ends within its timeout).
    async fn stop(&self) {
        self.gone.set(true);
        let mut waited = 0;
        while self.asking.get() > 0 && waited <= net::TIMEOUT_MS {
            net::sleep(50).await;
            waited += 50;
        }
    }
}

/// One node's poll loop: `GET /store`, then its log (`GET /events`), then
/// its links (`GET /admin/queues`), again and again while the page is open.
async fn poll(i: usize, url: String, n: usize, pace: Rc<Pace>, send: Callback<LiveAction>) {
    let mut after = 0u64;
    let mut has_log = true;
    let mut has_queues = true;
    while !pace.gone.get() {
        let poke = pace.poke.get();
        let store = match pace.get(&url, "/store").await {
            Ok(a) if a.status == 200 => {
                wire::store(&a.body, n).map_err(|e| format!("it answers GET /store, but {e}"))
            }
            Ok(a) => Err(format!("it answers GET /store with HTTP {}", a.status)),
            Err(why) => Err(why),
        };
        let up = store.is_ok();
        send.emit(LiveAction::Store(i, store));
        if up && has_log {
            for _ in 0..PAGES_PER_POLL {
                match pace.get(&url, &format!("/events?after={after}")).await {
                    Ok(a) if a.status == 200 => match wire::events(&a.body, n) {
                        Ok(page) => {
                            let more = page.next > after && !page.events.is_empty();
                            after = page.next.max(after);
                            send.emit(LiveAction::Events(i, page.events));
                            if !more {
                                break;
                            }
                        }
                        Err(why) => {
                            has_log = false;
                            send.emit(LiveAction::NoEvents(i, format!("its GET /events {why}")));
                            break;
                        }
                    },
                    Ok(a) if a.status == 404 || a.status == 405 => {
                        has_log = false;
                        send.emit(LiveAction::NoEvents(
                            i,
                            "it has no GET /events (it speaks only the original API)".into(),
                        ));
                        break;
                    }
                    // A node that stumbles is asked again next time.
                    _ => break,
                }
            }
        }
        if up && has_queues {
            match pace.get(&url, "/admin/queues").await {
                Ok(a) if a.status == 200 => {
                    let links = match wire::queues(&a.body, n) {
                        Ok(links) => Support::Yes(links),
                        Err(why) => {
                            has_queues = false;
                            Support::No(format!("its GET /admin/queues {why}"))
                        }
                    };
                    send.emit(LiveAction::Links(i, links));
                }
                Ok(a) if a.status == 404 || a.status == 405 => {
                    has_queues = false;
                    send.emit(LiveAction::Links(
                        i,
                        Support::No("it has no GET /admin/queues".into()),
                    ));
                }
                _ => {}
            }
        }
        // Wait, in short naps so that a poke (a write, a hold) is seen soon.
        let wait = if pace.busy.get() { BUSY_MS } else { STEADY_MS };
        let mut waited = 0;
        while waited < wait && pace.poke.get() == poke && !pace.gone.get() {
            net::sleep(50).await;
            waited += 50;
        }
    }
}

/// The live view, as the address asks.
#[function_component(LiveView)]
pub fn live_view() -> Html {
    let request = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.location().search().ok())
            .and_then(|s| address::request(&s))
            .unwrap_or(Request {
                urls: String::new(),
                delivery: Default::default(),
                conflicts: Default::default(),
                problems: Vec::new(),
            })
    });
    let checked = use_memo((), |_| {
        if request.urls.trim().is_empty() {
            Ok(Vec::new())
        } else {
            address::nodes(&request.urls)
        }
    });
    let (urls, error) = match &*checked {
        Ok(urls) => (urls.clone(), None),
        Err(why) => (Vec::new(), Some(why.clone())),
    };
    let config = Config {
        replicas: urls.len(),
        delivery: request.delivery,
        conflicts: request.conflicts,
    };
    html! {
        <div class="app live">
            <header class="top">
                <div class="title">
                    <h1>{ "Causal Playground: live" }</h1>
                    <p class="tagline">{ "Real nodes, as they are now: their vector clocks, stores and hold-back buffers, read from each node every second." }</p>
                </div>
                <a class="live-back" href="./" data-testid="live-close">{ "Back to the playground" }</a>
            </header>
            <NodesForm given={request.urls.clone()} {error} />
            if !request.problems.is_empty() {
                <p class="live-problems" role="status">{ format!("Some of this address was not used: {}.", request.problems.join("; ")) }</p>
            }
            if !urls.is_empty() {
                <Watch {urls} {config} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    /// What the address gave.
    given: String,
    /// Why it cannot be watched, if it cannot.
    error: Option<String>,
}

/// The nodes' addresses: submitting opens the live view on them.
#[function_component(NodesForm)]
fn nodes_form(props: &FormProps) -> Html {
    let field = use_node_ref();
    let error = use_state(|| props.error.clone());
    let initial = if props.given.trim().is_empty() {
        storage::LIVE_NODES
            .read()
            .unwrap_or_else(|| CLUSTER.to_string())
    } else {
        props.given.clone()
    };
    let onsubmit = {
        let (field, error) = (field.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = field.cast::<HtmlTextAreaElement>() else {
                return;
            };
            match address::nodes(&input.value()) {
                Ok(urls) => {
                    let _ = storage::LIVE_NODES.write(&urls.join(", "));
                    // The rules the address named stay.
                    let search = web_sys::window()
                        .and_then(|w| w.location().search().ok())
                        .unwrap_or_default();
                    let (delivery, conflicts) = address::request(&search)
                        .map(|r| (r.delivery, r.conflicts))
                        .unwrap_or_default();
                    let query = address::query(&urls, delivery, conflicts);
                    if let Some(w) = web_sys::window() {
                        let path = w.location().pathname().unwrap_or_default();
                        let _ = w.location().assign(&format!("{path}{query}"));
                    }
                }
                Err(why) => error.set(Some(why)),
            }
        })
    };
    html! {
        <form class="live-form" data-testid="live-form" {onsubmit} aria-label="Nodes to watch">
            <label for="live-urls">{ "The nodes' addresses, in node order (node 0 first), separated by commas:" }</label>
            <div class="live-form-row">
                <textarea id="live-urls" ref={field} data-testid="live-urls" rows="2" spellcheck="false"
                          autocomplete="off" value={initial} />
                <button type="submit" data-testid="live-watch">{ "Watch" }</button>
            </div>
            if let Some(why) = &*error {
                <p class="form-error" data-testid="error" role="alert">{ why }</p>
            }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct WatchProps {
    urls: Vec<String>,
    config: Config,
}

/// The nodes, polled while shown.
#[function_component(Watch)]
fn watch(props: &WatchProps) -> Html {
    let live = use_reducer(|| Live::new(&props.urls));
    let pace = use_memo((), |_| Pace::default());
    pace.busy.set(live.busy());
    {
        let (pace, urls, send) = (pace.clone(), props.urls.clone(), {
            let d = live.dispatcher();
            Callback::from(move |a| d.dispatch(a))
        });
        use_effect_with((), move |_| {
            let n = urls.len();
            for (i, url) in urls.into_iter().enumerate() {
                spawn_local(poll(i, url, n, Rc::clone(&pace), send.clone()));
            }
            move || pace.gone.set(true)
        });
    }
    let poke = {
        let pace = pace.clone();
        move || pace.poke.set(pace.poke.get() + 1)
    };
    let n = props.urls.len();

    // The run as the nodes logged it, replayed by the engine: the diagram.
    let replayed = use_memo((live.events_seen, props.config), |(_, config)| {
        let replay = replay(*config, &live.records());
        let mut layouter = Layouter::new(config.replicas);
        layouter.extend(replay.trace.iter(), replay.simulation.messages(), |_| {});
        let clocks: Vec<VectorClock> = replay
            .simulation
            .messages()
            .iter()
            .map(|m| m.clock.clone())
            .collect();
        (
            ByPtr::new(layouter.drawing()),
            ByPtr::new(clocks),
            replay.missing.clone(),
        )
    });

    let on_write = |i: usize| {
        let (url, dispatcher, poke) = (props.urls[i].clone(), live.dispatcher(), poke.clone());
        Callback::from(move |(key, value): (String, String)| {
            if let Err(why) = crate::run::text::check_write(&key, &value) {
                dispatcher.dispatch(LiveAction::WriteDone(i, Some(why)));
                return;
            }
            let (url, dispatcher, poke) = (url.clone(), dispatcher.clone(), poke.clone());
            spawn_local(async move {
                let body = Put {
                    key: &key,
                    value: &value,
                };
                let error = match net::post(&url, "/put", &body).await {
                    Ok(a) if a.status == 200 => match wire::put(&a.body) {
                        Ok(_) => None,
                        Err(why) => Some(format!("{} stored it, but {why}.", node_name(i))),
                    },
                    Ok(a) => Some(format!(
                        "{} refused the write (HTTP {}): {}",
                        node_name(i),
                        a.status,
                        wire::reason(&a.body)
                    )),
                    Err(why) => Some(format!("The write did not reach {}: {why}.", node_name(i))),
                };
                dispatcher.dispatch(LiveAction::WriteDone(i, error));
                poke();
            });
        })
    };

    let on_hold = {
        let (urls, dispatcher, poke) = (props.urls.clone(), live.dispatcher(), poke.clone());
        Callback::from(move |(from, to, hold): (usize, usize, bool)| {
            let (url, dispatcher, poke) = (urls[from].clone(), dispatcher.clone(), poke.clone());
            spawn_local(async move {
                let path = if hold {
                    "/admin/hold"
                } else {
                    "/admin/release"
                };
                let what = if hold { "hold" } else { "release" };
                let notice = match net::post(&url, path, &Peer { peer: to }).await {
                    Ok(a) if a.status == 200 => None,
                    Ok(a) => Some(format!(
                        "{} would not {what} its link to {} (HTTP {}): {}",
                        node_name(from),
                        replica_name(to),
                        a.status,
                        wire::reason(&a.body)
                    )),
                    Err(why) => Some(format!(
                        "{} was not asked to {what} its link to {}: {why}.",
                        node_name(from),
                        replica_name(to)
                    )),
                };
                dispatcher.dispatch(LiveAction::Notice(notice));
                poke();
            });
        })
    };

    let on_replay = {
        let (live, urls, config) = (live.clone(), props.urls.clone(), props.config);
        let pace = pace.clone();
        Callback::from(move |anyway: bool| {
            let replay: Replay = replay(config, &live.records());
            if !replay.complete() && !anyway {
                let mut notes = replay.missing.clone();
                notes.extend(replay.differs.iter().cloned());
                live.dispatch(LiveAction::ReplayNotes(notes));
                return;
            }
            if replay.steps.is_empty() {
                live.dispatch(LiveAction::ReplayNotes(vec![
                    "Nothing has happened on these nodes yet: write at one first.".into(),
                ]));
                return;
            }
            if let Err(why) = super::leave_for_playground(&replay.scenario_text(&urls)) {
                live.dispatch(LiveAction::ReplayNotes(vec![format!(
                    "The run could not be opened: {why}."
                )]));
                return;
            }
            let (pace, live) = (pace.clone(), live.clone());
            spawn_local(async move {
                pace.stop().await;
                if let Err(why) = super::open_playground() {
                    live.dispatch(LiveAction::ReplayNotes(vec![format!(
                        "The run could not be opened: {why}. Reload the page to watch the nodes again."
                    )]));
                }
            });
        })
    };

    let columns = (0..n).map(|i| {
        let node = &live.nodes[i];
        let links_in: Vec<(usize, Option<&Link>, Option<String>)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| match &live.nodes[j].links {
                Support::Yes(links) => (j, links.iter().find(|l| l.peer == i), None),
                Support::No(why) => (j, None, Some(why.clone())),
                Support::Unknown => (j, None, None),
            })
            .collect();
        html! {
            <div class={classes!("column", format!("r{i}"))} key={i}>
                { lane(i, &links_in, &on_hold) }
                { panel(i, node, on_write(i)) }
            </div>
        }
    });

    let no_log: Vec<String> = live
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| match &node.log {
            Support::No(why) => Some(format!("{}: {why}", node_name(i))),
            _ => None,
        })
        .collect();
    let all_without_log = no_log.len() == n;
    let down: Vec<String> = live
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| matches!(node.answering, Answering::No(_)))
        .map(|(i, node)| format!("{} at {}", node_name(i), node.url))
        .collect();
    let on_replay_click = on_replay.reform(|_: MouseEvent| false);
    let on_replay_anyway = on_replay.reform(|_: MouseEvent| true);
    let dismiss = {
        let live = live.clone();
        Callback::from(move |_: MouseEvent| live.dispatch(LiveAction::Notice(None)))
    };
    html! {
        <>
            <section class="live-status" aria-label="The cluster">
                <p class="live-watching" data-testid="live-watching" data-nodes={n.to_string()}>
                    { format!("Watching {n} nodes under {} delivery and {} conflicts: ", props.config.delivery.name(), props.config.conflicts.name()) }
                    { for props.urls.iter().enumerate().map(|(i, u)| html! {
                        <span class="live-node-url">{ format!("{} {u}", replica_name(i)) }</span>
                    }) }
                </p>
                if !down.is_empty() {
                    <p class="live-down-summary" data-testid="live-down" role="status">
                        { format!("Not answering: {}. The page keeps asking; the rest works meanwhile.", down.join(", ")) }
                    </p>
                }
                if let Some(text) = &live.notice {
                    <p class="live-notice" data-testid="error" role="alert">
                        { text }
                        <button type="button" class="link-button" onclick={dismiss}>{ "Dismiss" }</button>
                    </p>
                }
                <div class="live-replay-box">
                    <button type="button" data-testid="live-replay" onclick={on_replay_click}>
                        { "Open this run in the playground" }
                    </button>
                    <span class="live-replay-help">{ "Step back through it, undo, branch, and ask the census what else could have happened." }</span>
                    if !live.replay_notes.is_empty() {
                        <div class="live-replay-notes" data-testid="live-replay-notes" role="status">
                            <p>{ "The replay would not be the run the nodes made:" }</p>
                            <ul>{ for live.replay_notes.iter().map(|t| html! { <li>{ t }</li> }) }</ul>
                            <button type="button" data-testid="live-replay-anyway" onclick={on_replay_anyway}>
                                { "Open what was recorded anyway" }
                            </button>
                        </div>
                    }
                </div>
            </section>
            <main class="columns" id="replicas" aria-label="Nodes" style={format!("--replicas: {n}")}>
                { for columns }
            </main>
            <section class="live-diagram" aria-label="What the nodes did">
                if all_without_log {
                    <p class="live-no-diagram" data-testid="live-no-diagram">
                        { format!("No space-time diagram: the page draws it from each node's GET /events, and {}.", no_log.join("; ")) }
                    </p>
                } else {
                    if !no_log.is_empty() {
                        <p class="live-no-diagram" data-testid="live-no-diagram">
                            { format!("The diagram leaves out what these nodes did: {}.", no_log.join("; ")) }
                        </p>
                    }
                    if !replayed.2.is_empty() {
                        <ul class="live-missing" data-testid="live-missing">
                            { for replayed.2.iter().map(|t| html! { <li>{ t }</li> }) }
                        </ul>
                    }
                    <Diagram drawing={replayed.0.clone()} clocks={replayed.1.clone()} />
                }
            </section>
        </>
    }
}

fn node_name(i: usize) -> String {
    format!("node {i} ({})", replica_name(i))
}

/// What waits on each link into `to`, with the button that holds it.
fn lane(
    to: ReplicaId,
    links: &[(usize, Option<&Link>, Option<String>)],
    on_hold: &Callback<(usize, usize, bool)>,
) -> Html {
    let name = replica_name(to);
    let total: usize = links.iter().map(|(_, l, _)| l.map_or(0, |l| l.total)).sum();
    html! {
        <div class="lane-box live-lane" data-lane={to.to_string()}>
            <h3>{ format!("Queued for {name}") }<span class="count">{ format!(" ({total})") }</span></h3>
            <ol class="lane" data-testid={format!("lane-{to}")} aria-label={format!("Messages queued for {name}")}>
                { for links.iter().map(|(from, link, why)| {
                    let from = *from;
                    let route = format!("{} \u{2192} {name}", replica_name(from));
                    match (link, why) {
                        (Some(link), _) => {
                            let held = link.held;
                            let onclick = on_hold.reform(move |_: MouseEvent| (from, to, !held));
                            html! {
                                <li class={classes!("live-link-row", format!("r{from}"), held.then_some("held"))} key={from}>
                                    <div class="live-link-head">
                                        <span class="route">{ &route }</span>
                                        <button type="button" data-testid="hold-link" data-from={from.to_string()}
                                                data-to={to.to_string()} aria-pressed={held.to_string()} {onclick}
                                                title={if held { format!("{} keeps what it sends to {name}: press to let it go", replica_name(from)) }
                                                       else { format!("Keep what {} sends to {name} queued", replica_name(from)) }}>
                                            { if held { "Release" } else { "Hold" } }
                                        </button>
                                    </div>
                                    if held {
                                        <p class="live-link-held">{ format!("Held: {} keeps what it sends to {name}.", replica_name(from)) }</p>
                                    }
                                    <ul class="live-queued">
                                        { for link.queued.iter().map(|m| queued_card(m, from, to)) }
                                    </ul>
                                    if link.total > link.queued.len() {
                                        <p class="lane-more">{ format!("and {} more", link.total - link.queued.len()) }</p>
                                    }
                                </li>
                            }
                        }
                        (None, Some(why)) => html! {
                            <li class={classes!("live-link-row", "unknown", format!("r{from}"))} key={from}>
                                <span class="route">{ &route }</span>
                                <span class="live-link-why">{ format!("not shown: {why}") }</span>
                            </li>
                        },
                        (None, None) => html! {
                            <li class={classes!("live-link-row", "unknown", format!("r{from}"))} key={from}>
                                <span class="route">{ &route }</span>
                            </li>
                        },
                    }
                }) }
            </ol>
        </div>
    }
}

fn queued_card(m: &WireMessage, from: usize, to: usize) -> Html {
    html! {
        <li class="card live-queued-card" data-testid="queued" data-message={m.id()}
            data-from={from.to_string()} data-to={to.to_string()}>
            <span class="card-write">{ format!("{} = {}", wire::short(&m.key), wire::short(&m.value)) }</span>
            <span class="timestamp">{ format!("[{}]", wire::joined(&m.clock)) }</span>
        </li>
    }
}

/// A node where a replica usually is.
fn panel(i: usize, node: &Node, on_write: Callback<(String, String)>) -> Html {
    let name = replica_name(i);
    let (live, down) = match &node.answering {
        Answering::Pending => ("pending", None),
        Answering::Yes => ("true", None),
        Answering::No(why) => (
            "down",
            Some(format!(
                "Node {name} ({}): {why}.{}",
                node.url,
                if node.report.is_some() {
                    " Its last known state is shown."
                } else {
                    ""
                }
            )),
        ),
    };
    let report = node.report.as_ref();
    let clock = report.map_or_else(Vec::new, |r| r.clock.clone());
    html! {
        <section class={classes!("replica", "live-replica", format!("r{i}"), (live == "down").then_some("down"))}
                 data-testid={format!("replica-{i}")} data-live={live} aria-label={format!("Node {name}")}>
            <header>
                <span class="badge-letter" aria-hidden="true">{ name }</span>
                <h2>{ format!("Node {name}") }</h2>
                <span class="delivered live-url">{ &node.url }</span>
            </header>
            if let Some(text) = down {
                <p class="live-down" role="status">{ text }</p>
            } else if report.is_none() {
                <p class="live-pending">{ "Asking the node\u{2026}" }</p>
            }
            <div class="replica-state">
                <ClockView replica={i} entries={clock} />
                { store_view(&StoreProps {
                    replica: i,
                    entries: report.map_or_else(Vec::new, |r| r.store.clone()),
                    diverged: Vec::new(),
                }) }
            </div>
            <div class="held-box">
                <h3>{ "Hold-back buffer" }</h3>
                <ol class="held" data-testid={format!("held-{i}")}>
                    { for report.into_iter().flat_map(|r| r.buffered.iter()).map(|m| html! {
                        <li class="held-message" data-message={m.id()} key={m.id()}>
                            <span class="chip">{ m.id() }</span>
                            <span class="why">{ m.describe() }</span>
                        </li>
                    }) }
                </ol>
                if report.is_none_or(|r| r.buffered.is_empty()) {
                    <p class="empty">{ "nothing held" }</p>
                }
            </div>
            <WriteForm replica={i} error={node.write_error.clone()} {on_write} />
        </section>
    }
}
