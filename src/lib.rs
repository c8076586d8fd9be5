//! # Causal Playground
//!
//! The web page: three replicas of a key-value store (2 to 8), the messages
//! in flight between them, and their vector clocks, stores and hold-back
//! buffers. One engine ([`causal_core::Simulation`]) lives in one yew reducer
//! ([`state::State`]); the page renders it and never re-implements a rule.
//!
//! # Layout
//!
//! One folder per layer; a layer imports only those above it in this list
//! (ARCHITECTURE.md, "The layers of the page"):
//!
//! - [`data`]: presets, lessons and puzzles, embedded at build time; JSON
//!   read by the browser's `JSON.parse`.
//! - [`run`]: the reducer (`State`, `Action`, `impl Reducible`), the events
//!   of the run in shared chunks, the branching history, sessions, loads
//!   replayed in slices, the share-link codec, the open lesson's state, and
//!   the log's words.
//! - [`browser`]: the address, storage, the keymap, files, drags, hooks
//!   (effects and timers), postMessage, the search worker, the embed.
//! - [`components`]: the views, and what they are drawn from.
//! - [`features`]: lessons, puzzles, the classroom, sharing and exporting,
//!   causal-check's link, the live view.
//!
//! This file is the shell on top: [`App`] runs the hooks and composes the
//! panels; `main.rs` mounts it.

pub mod browser;
pub mod components;
pub mod data;
pub mod features;
pub mod run;

use std::rc::Rc;

use causal_core::{
    replica_name, Command, Decision, Explanation, MessageId, ReplicaId, VectorClock,
};
use yew::prelude::*;

use browser::by_ptr::ByPtr;
use browser::callback::make_callback;
use browser::drag::{self, Release};
use browser::{census, embed, files, hooks, keymap};
use components::controls::{self, AutoplayProps, HistoryProps, PresetsProps, RulesProps};
use components::diagram::Diagram;
use components::held::HeldView;
use components::lane::{CardActions, CardView, Lane, LaneView};
use components::lesson::LessonList;
use components::log::{self, LogProps};
use components::notice::{self, NoticeProps};
use components::replica::{DropHint, ReplicaPanel};
use components::rule_at_work::RuleAtWork;
use components::share_bar::{self, ShareBarProps};
use components::status::{Awaiting, Status};
use components::timeline::{self, BranchView, TimelineProps};
use components::{diagram_layout as diagram, view};
use data::presets;
use features::{check_link, classroom, exchange, guide, live, play};
use run::state::{self, Action, Place, State};
use run::{describe, loading, observed, share, text};

/// Log lines shown: the newest; the diagram holds the whole run.
const LOG_SHOWN: usize = 60;

/// A card being dragged, and the replica under the pointer.
type Dragging = Option<(CardView, Option<ReplicaId>)>;

/// The whole page.
#[function_component(App)]
pub fn app() -> Html {
    // `?embed`: read once; an embed opens its own session (embed::open).
    let embed = use_memo((), |_| embed::from_address());
    let state = use_reducer(|| match embed::from_address() {
        Some(mut options) => embed::open(&mut options, hooks::location_hash().as_deref()),
        None => State::open(
            hooks::location_hash().as_deref(),
            hooks::saved_session().as_deref(),
        )
        .remembering(hooks::saved_previous().as_deref()),
    });
    let classroom = classroom::use_classroom(&state, (*embed).as_ref());
    let highlighted = use_state(Vec::<MessageId>::new);
    // The presets' titles, read once: parsing every file on each render is waste.
    let preset_titles = use_memo((), |_| presets::titles());
    let dragging = use_state(|| Dragging::None);

    let saved_work = use_run_effects(&state);
    let census = census::use_census(&state);
    let puzzle = play::use_puzzle(&state);

    let guide = guide::use_guide(
        &state,
        embed.as_ref().as_ref().and_then(|e| e.lesson.clone()),
    );
    classroom::use_one_at_a_time(
        &state,
        classroom::OpenLesson {
            name: guide.open.clone(),
            position: guide.position.clone(),
            close: guide.close.clone(),
            resume: guide.resume.clone(),
        },
        puzzle.panel.as_ref().map(|p| p.active.name.clone()),
    );
    let simulation = &state.simulation;
    let config = simulation.config();
    let svg_ref = use_node_ref();
    let Drawn {
        diagram: drawn,
        decision,
        views,
    } = use_drawn(&state);
    let hiding = guide.hiding;
    // Classes instead of `:has()` in the stylesheets: a `:has()` rule made
    // every action restyle the page (about 9 ms each).
    let with_lesson = guide.panel.is_some();
    let rule_at_work = html! { <RuleAtWork rule={config.delivery} decision={(*decision).clone()} hidden={hiding} /> };
    let actions = card_actions(&state, &dragging, &highlighted);
    let actions = if classroom.readonly {
        classroom::read_only(actions)
    } else {
        actions
    };
    let exchange = exchange::use_exchange(&state, &svg_ref, drawn.0.clone());

    // What the embed and the whole page both show.
    let shared = Shared {
        under_way: state
            .job
            .as_ref()
            .map(|job| progress(job, make_callback(&state, |()| Action::Cancel))),
        notice: state
            .notice
            .as_ref()
            .filter(|n| n.place == Place::Page)
            .map(|n| {
                notice::notice(&NoticeProps {
                    text: n.text.clone(),
                    severity: n.severity,
                    on_dismiss: make_callback(&state, |()| Action::Dismiss),
                })
            }),
        replicas: replicas(
            &state,
            &views,
            &actions,
            &dragging,
            &highlighted,
            hiding,
            classroom.readonly,
        ),
        diagram: html! {
            <Diagram drawing={drawn.0.clone()} clocks={drawn.1.clone()} svg_ref={svg_ref.clone()} hidden={hiding} />
        },
        log: log::event_log(&LogProps {
            lines: state
                .log
                .iter()
                .take(LOG_SHOWN)
                .map(|line| describe::concealed(line, hiding))
                .collect(),
        }),
    };
    if let Some(options) = &*embed {
        return embed_page(options, &state, &classroom, guide.panel, shared);
    }
    // A scenario file dropped anywhere on the page is imported.
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let on_file = exchange.on_file.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = files::file_from_drop(&e) {
                on_file.emit(file);
            }
        })
    };
    let Shared {
        under_way,
        notice: page_notice,
        replicas,
        diagram,
        log: event_log,
    } = shared;
    html! {
        <div class={classes!("app", with_lesson.then_some("with-lesson lesson-shown"))} {ondragover} {ondrop}>
            { controls::skip_link("replicas") }
            { header(&classroom, &exchange) }
            { classroom.panels }
            { for under_way }
            // While a puzzle is played its refusals are told beside its panel.
            if puzzle.panel.is_none() { { for page_notice.clone() } }
            { saved_work_notice(&state, saved_work) }
            <LessonList lessons={guide.list} open={guide.open.clone()} on_open={guide.on_open} answers={guide.answers} />
            { toolbar(&state, &preset_titles) }
            if let Some(preset) = &state.preset {
                <section class="preset-info" aria-label="Scenario">
                    <h2>{ &preset.title }</h2>
                    <p>{ &preset.description }</p>
                </section>
            }
            // With a lesson open, the rule at work stands beside it; without,
            // under the replicas, so they stay on the first screen.
            if let Some(panel) = guide.panel {
                <div class="guide">
                    { panel }
                    { rule_at_work.clone() }
                </div>
            }
            { for state.check.as_ref().map(|found| components::observed::case(found, state.cursor())) }
            <section aria-label="Outcome">
                <Status violations={simulation.violations().to_vec()}
                        converged={simulation.converged()}
                        diverged={simulation.diverged_keys()}
                        in_flight={simulation.network().len()}
                        awaiting={Awaiting::of(simulation)} hidden={hiding} />
            </section>
            if let Some(panel) = &puzzle.panel {
                { components::puzzle::puzzle_panel(panel) }
                { for page_notice }
            }
            if let Some(title) = &puzzle.opening {
                { components::puzzle::puzzle_opening(title) }
            }
            if !classroom.presenting { <drag::TouchHint /> }
            <main class={classes!("columns", state.check.is_some().then_some("with-observed"))} id="replicas" tabindex="-1" aria-label="Replicas"
                  style={format!("--replicas: {}", config.replicas)}>
                { replicas }
            </main>
            if guide.open.is_none() {
                <div class="guide">{ rule_at_work }</div>
            }
            { explore(&state, &census, &puzzle, hiding) }
            { diagram }
            { event_log }
            <footer class="help">
                <p>{ keys_in_words() }</p>
                { live::link() }
            </footer>
        </div>
    }
}

/// What the run shown is drawn from, worked out once per change of the
/// history shown, not on every hover, drag or slice of a load.
struct Drawn {
    /// The space-time diagram, and every write's timestamp.
    diagram: Rc<(ByPtr<diagram::Drawing>, ByPtr<Vec<VectorClock>>)>,
    /// The rule at work: the last receive up to the timeline, and its
    /// explanation.
    decision: Rc<Option<(Decision, Explanation)>>,
    /// Each replica's lane (cards with their previews) and held messages
    /// (with their explanations).
    views: Rc<Vec<(LaneView, Vec<HeldView>)>>,
}

/// [`Drawn`] for `state`. Keyed by the trace's identity: the state makes a
/// new trace exactly when the history shown changes (a slice of a load
/// under way changes the revision but not what is drawn).
#[hook]
fn use_drawn(state: &UseReducerHandle<State>) -> Drawn {
    let simulation = &state.simulation;
    let config = simulation.config();
    // The diagram resumes from its last finished chunk (see LayoutCache).
    let layout_cache = use_mut_ref(diagram::LayoutCache::default);
    // Keyed by the trace's identity: the state makes a new trace exactly when
    // the history shown changes, so the diagram is laid out only then.
    let drawn = use_memo(
        (ByPtr(state.trace.clone()), config.replicas),
        |(trace, replicas)| {
            let messages = simulation.messages();
            let drawing =
                layout_cache
                    .borrow_mut()
                    .draw(state.trace_epoch, *replicas, trace, messages);
            let clocks: Vec<_> = messages.iter().map(|m| m.clock.clone()).collect();
            (ByPtr::new(drawing), ByPtr::new(clocks))
        },
    );
    // The rule at work: the last receive up to the timeline, read off the trace.
    let decision = use_memo(
        (ByPtr(state.trace.clone()), config.delivery),
        |(trace, _)| {
            causal_core::last_receive(simulation, trace.iter()).map(|d| {
                let told = causal_core::explain::receive(&d, simulation.messages());
                (d, told)
            })
        },
    );
    let views = use_memo((ByPtr(state.trace.clone()), config.replicas), |_| {
        (0..config.replicas)
            .map(|r| (view::lane(simulation, r), view::held(simulation, r)))
            .collect::<Vec<_>>()
    });
    Drawn {
        diagram: drawn,
        decision,
        views,
    }
}

/// The run's side effects: saving it (and the session Undo returns to),
/// the slices of a load, links followed and another tab's saves,
/// causal-check's links, autoplay and a replay the live view left (the
/// history keys are the classroom's page keys, which know an embed's
/// lock). Returns what
/// the user is told of the session saved in this browser.
#[hook]
fn use_run_effects(state: &UseReducerHandle<State>) -> hooks::SavedWork {
    {
        let snapshot = state.clone();
        hooks::use_save_session(
            state.revision,
            state.session_revision,
            state.loading(),
            move || share::encode(&snapshot.session()),
        );
    }
    hooks::use_save_previous(state.previous().map(ByPtr), share::encode);
    hooks::use_slices(
        state.revision,
        state.job.is_some(),
        make_callback(state, |()| Action::Continue),
    );
    hooks::use_followed_links(make_callback(state, |fragment: String| {
        Action::Restore(share::decode(&fragment).map_err(|e| e.to_string()))
    }));
    check_link::use_check_address(state);
    check_link::use_check_links(make_callback(state, |fragment: String| {
        Action::OpenCheck(observed::decode(&fragment).map(Box::new))
    }));
    hooks::use_autoplay(
        state.playing,
        state.speed_ms,
        make_callback(state, |()| Action::Step),
    );
    live::use_replay_import(make_callback(state, |(text, file)| {
        Action::Import(text, file)
    }));
    hooks::use_saved_work(make_callback(state, Action::FollowSaved))
}

/// What the embed and the whole page both show, made once per render.
struct Shared {
    /// The load or move under way, with its Cancel button.
    under_way: Option<Html>,
    /// The page's notice (a refusal, an error), if there is one.
    notice: Option<Html>,
    /// A column per replica: its lane of messages in flight and its panel.
    replicas: Html,
    /// The space-time diagram.
    diagram: Html,
    /// "What just happened".
    log: Html,
}

/// The page inside an `<iframe>` (`?embed`): the replicas, the diagram and
/// what `options` ask for, with the log kept for screen readers only.
fn embed_page(
    options: &embed::Embed,
    state: &UseReducerHandle<State>,
    classroom: &classroom::Classroom,
    lesson: Option<Html>,
    shared: Shared,
) -> Html {
    let with_lesson = lesson.is_some();
    let simulation = &state.simulation;
    let config = simulation.config();
    html! {
        <main class={classes!("app", "embedded", classroom.readonly.then_some("readonly"), with_lesson.then_some("lesson-shown"))}
              aria-label="Causal Playground">
            <h1 class="visually-hidden">
                { match &state.preset { Some(p) => format!("Causal Playground: {}", p.title), None => "Causal Playground".to_string() } }
            </h1>
            if !options.problems.is_empty() {
                <p class="embed-problems" role="alert">
                    { format!("Some of this address was not used: {}.", options.problems.join("; ")) }
                </p>
            }
            { for shared.under_way }
            { for shared.notice }
            { components::embed_steps::embed_steps(&components::embed_steps::EmbedStepsProps {
                cursor: state.cursor(),
                range: classroom.range,
                on_seek: make_callback(state, Action::Seek),
            }) }
            { components::embed_steps::embed_status(simulation, config.delivery) }
            { lesson }
            <h2 class="visually-hidden">{ "Replicas and the messages in flight to them" }</h2>
            <div class="columns" id="replicas" style={format!("--replicas: {}", config.replicas)}>
                { shared.replicas }
            </div>
            { shared.diagram }
            // The log stays, unseen, as the live region a screen reader hears.
            <div class="visually-hidden">
                { shared.log }
            </div>
            { classroom.panels.clone() }
        </main>
    }
}

/// A column per replica: the messages in flight to it, then its panel
/// (clock, store, hold-back buffer, write form).
fn replicas(
    state: &UseReducerHandle<State>,
    views: &[(LaneView, Vec<HeldView>)],
    actions: &CardActions,
    dragging: &UseStateHandle<Dragging>,
    highlighted: &UseStateHandle<Vec<MessageId>>,
    hiding: bool,
    readonly: bool,
) -> Html {
    let simulation = &state.simulation;
    let diverged = simulation.diverged_keys();
    (0..simulation.config().replicas)
        .map(|r| {
            let replica = &simulation.replicas()[r];
            let hint = (**dragging)
                .as_ref()
                .and_then(|(card, over)| DropHint::of(card, *over, r));
            let write_error = state
                .notice
                .as_ref()
                .filter(|n| n.place == Place::WriteForm(r))
                .map(|n| n.text.clone());
            let on_write = make_callback(state, move |(key, value)| {
                (!readonly).then_some(Action::Write { replica: r, key, value })
            });
            let (lane, held) = &views[r];
            html! {
                <div class={classes!("column", format!("r{r}"))} key={r}>
                    <Lane to={r} lane={if hiding { lane.concealed() } else { lane.clone() }} highlighted={(**highlighted).clone()}
                          actions={actions.clone()} />
                    <ReplicaPanel replica={r}
                        clock={replica.clock().entries().to_vec()}
                        changed={state.changed.iter().filter(|(at, _)| *at == r).map(|(_, k)| *k).collect::<Vec<_>>()}
                        revision={state.revision}
                        store={replica.store().iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>()}
                        diverged={diverged.clone()}
                        held={if hiding { held.iter().map(HeldView::concealed).collect() } else { held.clone() }}
                        delivered={replica.delivered().len()}
                        highlighted={(**highlighted).clone()}
                        {hint} {write_error} {on_write} on_highlight={actions.highlight.clone()}
                        on_resend={actions.duplicate.clone()} />
                    { for state.check.as_ref().and_then(|found| components::observed::answer(found, r)) }
                </div>
            }
        })
        .collect()
}

/// The title, the tagline, the classroom's buttons and the share bar.
fn header(classroom: &classroom::Classroom, exchange: &exchange::Exchange) -> Html {
    html! {
        <header class="top">
            <div class="title">
                <h1>{ "Causal Playground" }</h1>
                <p class="tagline">{ "Write at a replica, then drag the messages in flight onto replicas in any order. Watch the vector clocks, and the hold-back buffer keep causal order." }</p>
            </div>
            { classroom.actions.clone() }
            { share_bar::share_bar(&ShareBarProps {
                link: exchange.link.clone(),
                on_share: exchange.on_share.clone(),
                on_file: exchange.on_file.clone(),
                on_export: exchange.on_export.clone(),
                on_embed: classroom.on_embed.clone(),
            }) }
        </header>
    }
}

/// What the user is told about the session saved in this browser, with a
/// way out when it cannot be read or saved.
fn saved_work_notice(state: &UseReducerHandle<State>, saved: hooks::SavedWork) -> Html {
    notice::saved_work(&notice::SavedWorkProps {
        saved,
        on_download: {
            let state = state.clone();
            Callback::from(move |()| {
                if let Err(why) = hooks::download_saved_work() {
                    state.dispatch(Action::Refuse(state::Notice::error(
                        Place::Page,
                        format!("The session could not be downloaded: {why}."),
                    )));
                }
            })
        },
        on_replace: Callback::from(|()| hooks::replace_saved_work()),
    })
}

/// The rules, the presets, the history's buttons, autoplay and the timeline.
fn toolbar(state: &UseReducerHandle<State>, preset_titles: &[(&'static str, String)]) -> Html {
    let simulation = &state.simulation;
    let config = simulation.config();
    let playing = state.playing;
    html! {
        <section class="toolbar" aria-label="Controls">
            <div class="toolbar-row">
                { controls::rules(&RulesProps {
                    delivery: config.delivery,
                    conflicts: config.conflicts,
                    replicas: config.replicas,
                    on_delivery: make_callback(state, Action::SetDelivery),
                    on_conflicts: make_callback(state, Action::SetConflicts),
                    on_replicas: make_callback(state, Action::SetReplicas),
                }) }
                { controls::presets(&PresetsProps {
                    presets: preset_titles.to_vec(),
                    selected: state.preset.as_ref().map(|p| p.name.clone()),
                    on_load: make_callback(state, Action::LoadPreset),
                }) }
                { controls::explain(config.delivery, config.conflicts) }
            </div>
            <div class="toolbar-row">
                { controls::history(&HistoryProps {
                    can_undo: state.can_undo(),
                    can_redo: state.can_redo(),
                    can_deliver: !simulation.network().is_empty(),
                    on_undo: make_callback(state, |()| Action::Undo),
                    on_redo: make_callback(state, |()| Action::Redo),
                    on_reset: make_callback(state, |()| Action::Reset),
                    on_deliver_all: make_callback(state, |()| Action::Apply(Command::DeliverAll)),
                }) }
                { controls::autoplay(&AutoplayProps {
                    playing,
                    seed: state.seed,
                    speed_ms: state.speed_ms,
                    on_toggle: make_callback(state, move |()| if playing { Action::Pause } else { Action::Play }),
                    on_step: make_callback(state, |()| Action::Step),
                    on_seed: make_callback(state, Action::SetSeed),
                    on_speed: make_callback(state, Action::SetSpeed),
                    in_flight: simulation.network().len(),
                    can_redo: state.can_redo(),
                    on_next: make_callback(state, |()| Action::Redo),
                }) }
                { timeline::timeline(&TimelineProps {
                    cursor: state.cursor(),
                    steps: state.steps(),
                    current: state.current(),
                    branches: state.branches().iter().enumerate().map(|(i, b)| BranchView {
                        number: i + 1,
                        steps: b.len(),
                        split: b.parent.map(|(p, at)| (p + 1, at)),
                    }).collect(),
                    on_seek: make_callback(state, Action::Seek),
                    on_branch: make_callback(state, Action::SwitchBranch),
                    on_next: make_callback(state, |()| Action::Redo),
                }) }
            </div>
        </section>
    }
}

/// Every order's outcome (the census) and the puzzles.
fn explore(
    state: &UseReducerHandle<State>,
    census: &census::UseCensus,
    puzzle: &play::UsePuzzle,
    hiding: bool,
) -> Html {
    html! {
        <div class="explore">
            if hiding {
                // Every order's outcome would answer the prediction.
                <section class="census-box" aria-label="Every order">
                    <h2>{ "Every order" }</h2>
                    <p class="census-intro">{ "What every order leads to: " }{ components::lane::hidden_outcome() }</p>
                </section>
            } else {
                { components::census::census(&components::census::CensusProps {
                    status: census.status.clone(),
                    elsewhere: census.elsewhere,
                    in_flight: state.simulation.network().len(),
                    on_explore: census.explore.clone(),
                    on_cancel: census.cancel.clone(),
                    on_open: census.open.clone(),
                    puzzle: state.puzzle.as_ref().map(|p| p.puzzle.title.clone()),
                }) }
            }
            { components::puzzle::puzzle_list(&puzzle.list) }
        </div>
    }
}

/// The footer's reminder of the ways to move a card and the history, with
/// the keys the keymap gives.
fn keys_in_words() -> String {
    use keymap::{keys, Command};
    format!(
        "Drag a card onto its replica to deliver it, or within its lane to reorder. On a focused card: {} delivers, {} drops, {} or {} moves it. {} undoes, {} redoes; {} lists every shortcut.",
        keys(Command::Deliver),
        keys(Command::Drop),
        keys(Command::MoveUp),
        keys(Command::MoveDown),
        keys(Command::Undo),
        keys(Command::Redo),
        keys(Command::Help)
    )
}

/// How far the load or move under way is, with a way to stop it.
fn progress(job: &loading::Job, on_cancel: Callback<()>) -> Html {
    let what = match &job.purpose {
        loading::Purpose::Load(_, loading::Origin::Import(file)) => format!("Importing {file}"),
        loading::Purpose::Load(_, loading::Origin::Link) => "Opening the shared session".into(),
        loading::Purpose::Load(_, loading::Origin::Check(_)) => {
            "Opening causal-check's case".into()
        }
        loading::Purpose::Load(_, loading::Origin::Saved) => "Opening your saved session".into(),
        loading::Purpose::Load(..) => "Loading".into(),
        loading::Purpose::Seek { .. } => "Moving the timeline".into(),
        loading::Purpose::Replay { rules: true, .. } => "Re-running under the new rules".into(),
        loading::Purpose::Replay { .. } => "Switching branch".into(),
    };
    let onclick = Callback::from(move |_: MouseEvent| on_cancel.emit(()));
    html! {
        <div class="progress" data-testid="progress" role="status"
             data-done={job.done.to_string()} data-total={job.total.to_string()}>
            <label>
                <span>{ format!("{what}: step {} of {}", text::grouped(job.done), text::grouped(job.total)) }</span>
                <progress max={job.total.to_string()} value={job.done.to_string()} />
            </label>
            <button type="button" data-testid="cancel" {onclick}>{ "Cancel" }</button>
        </div>
    }
}

/// What the cards can do: act on the run in `state`, show a drag in
/// `dragging`, highlight a message in `highlighted`.
fn card_actions(
    state: &UseReducerHandle<State>,
    dragging: &UseStateHandle<Dragging>,
    highlighted: &UseStateHandle<Vec<MessageId>>,
) -> CardActions {
    CardActions {
        deliver: make_callback(state, |(message, to)| {
            Action::Apply(Command::Deliver { message, to })
        }),
        drop: make_callback(state, |(message, to)| {
            Action::Apply(Command::Drop { message, to })
        }),
        duplicate: make_callback(state, |(message, to)| {
            Action::Apply(Command::Duplicate { message, to })
        }),
        reorder: make_callback(state, |(to, index, position)| {
            Action::Apply(Command::Reorder {
                to,
                index,
                position,
            })
        }),
        release: make_callback(state, |(card, index, release)| {
            released(&card, index, release)
        }),
        drag: {
            // Pointer moves come many times a second: re-render only when
            // what the drag shows changes.
            let dragging = dragging.clone();
            Callback::from(move |now: Dragging| {
                if *dragging != now {
                    dragging.set(now)
                }
            })
        },
        highlight: {
            let highlighted = highlighted.clone();
            Callback::from(move |m: Vec<MessageId>| highlighted.set(m))
        },
    }
}

/// What letting go of the card at `index` of its lane does.
fn released(card: &CardView, index: usize, release: Release) -> Option<Action> {
    match release {
        Release::Replica(r) if r == card.to => Some(Action::Apply(Command::Deliver {
            message: card.message,
            to: card.to,
        })),
        Release::Replica(r) => Some(Action::Refuse(state::Notice::info(format!(
            "{} is addressed to {}, not {}: drop it on {}'s panel to deliver it.",
            card.message,
            replica_name(card.to),
            replica_name(r),
            replica_name(card.to)
        )))),
        Release::Lane(position) if position != index => Some(Action::Apply(Command::Reorder {
            to: card.to,
            index,
            position,
        })),
        Release::Lane(_) | Release::Nowhere => None,
    }
}

#[cfg(test)]
mod tests {
    use components::lane::{CardPreview, PreviewKind};

    use super::*;

    /// m2 from B to C, third in its lane.
    fn card() -> CardView {
        components::lane::m2_from_b_to_c(CardPreview {
            text: "delivers now".into(),
            kind: PreviewKind::Deliver,
        })
    }

    #[test]
    fn a_card_let_go_on_its_replica_is_delivered_and_elsewhere_explained() {
        let m2 = MessageId(2);
        assert_eq!(
            released(&card(), 2, Release::Replica(2)),
            Some(Action::Apply(Command::Deliver { message: m2, to: 2 }))
        );
        assert_eq!(
            released(&card(), 2, Release::Replica(0)),
            Some(Action::Refuse(state::Notice::info(
                "m2 is addressed to C, not A: drop it on C's panel to deliver it."
            )))
        );
    }

    #[test]
    fn a_card_let_go_in_its_lane_moves_there_or_stays() {
        assert_eq!(
            released(&card(), 2, Release::Lane(0)),
            Some(Action::Apply(Command::Reorder {
                to: 2,
                index: 2,
                position: 0
            }))
        );
        assert_eq!(released(&card(), 2, Release::Lane(2)), None);
        assert_eq!(released(&card(), 2, Release::Nowhere), None);
    }
}
