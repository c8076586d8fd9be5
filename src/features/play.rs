//! Side effects of playing puzzles: the address (`#puzzle=NAME` opens one),
//! the solved puzzles remembered in local storage, the engine's searches in
//! the search worker, and a shortest solution played on the page one step
//! per tick. The rules (moves refused, the par, whether the goal is met)
//! come from the engine through [`crate::data::puzzles`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use causal_core::{Command, Delivery};
use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::browser::hooks;
use crate::browser::storage;
use crate::browser::worker::{Reply, Request, Worker};
use crate::components::puzzle::{PuzzleListProps, PuzzlePanelProps};
use crate::data::puzzles::{self, Found, Search};
use crate::run::state::{Action, State};

/// What a puzzle's address starts with: `#puzzle=NAME`.
pub const PUZZLE_FRAGMENT: &str = "puzzle=";
/// Milliseconds between two moves of a solution played on the page.
pub const SOLUTION_STEP_MS: u32 = 700;

/// What the page shows of the puzzles.
pub struct UsePuzzle {
    /// The list, to open one.
    pub list: PuzzleListProps,
    /// The panel of the one being played.
    pub panel: Option<PuzzlePanelProps>,
    /// The title of the puzzle opening: its panel waits for the engine's par.
    pub opening: Option<String>,
}

/// The puzzles' list and panel for `state`.
#[hook]
pub fn use_puzzle(state: &UseReducerHandle<State>) -> UsePuzzle {
    let titles = use_memo((), |_| puzzles::titles());
    let config = state.simulation.config();
    let active = state.puzzle.clone();
    // Whether the goal is met: the engine replays the moves from the start.
    let (moves, solved, same_rules) = {
        let cursor = state.cursor();
        let branch = state.simulation.history();
        match &active {
            Some(p) => {
                let moves = p.moves(branch, cursor);
                let same = p.config() == config;
                let solved = same && cursor >= p.start && p.puzzle.solved_by(&moves);
                (moves.len(), solved, same)
            }
            None => (0, false, true),
        }
    };
    // The engine's searches run in a search worker, one while a puzzle is
    // open (ARCHITECTURE.md, "The search worker"); what it answered.
    let searcher = use_mut_ref(Searcher::default);
    let reach = use_state(|| None::<Reach>);
    let verdict = use_state(|| None::<(String, Delivery, String)>);
    let failed = use_state(|| None::<String>);
    {
        let name = active.as_ref().map(|p| p.name.clone());
        let (searcher, dispatcher) = (searcher.clone(), state.dispatcher());
        let (reach, verdict, failed) = (reach.setter(), verdict.setter(), failed.setter());
        use_effect_with(name, move |name| {
            failed.set(None);
            let worker = name.as_ref().and_then(|_| {
                // Weak: the worker's callback must not keep the worker
                // alive, so that leaving the page terminates it.
                let (asked, failing) = (Rc::downgrade(&searcher), failed.clone());
                let heard = move |reply| {
                    let (id, found) = match reply {
                        Reply::Searched { id, found } => (id, found),
                        Reply::Refused { why } => return failing.set(Some(why)),
                        Reply::Ready | Reply::Progress { .. } | Reply::Done { .. } => return,
                    };
                    let Some(asked) = asked.upgrade() else {
                        return;
                    };
                    let Some((name, search)) = asked.borrow_mut().asked.remove(&id) else {
                        return;
                    };
                    match (search, found) {
                        (_, Found::Failed(why)) => failing.set(Some(why)),
                        (_, Found::Best(best)) => {
                            dispatcher.dispatch(Action::PuzzleSearched { name, best })
                        }
                        (Search::After(moves), Found::Reachable(reachable)) => {
                            reach.set(Some(Reach {
                                name,
                                moves,
                                reachable,
                            }))
                        }
                        (Search::Under(rule), Found::Verdict(words)) => {
                            verdict.set(Some((name, rule, words)))
                        }
                        _ => {}
                    }
                };
                Worker::start(heard)
                    .map_err(|why| failed.set(Some(why)))
                    .ok()
            });
            let mut searcher = searcher.borrow_mut();
            searcher.worker = worker;
            searcher.asked.clear();
        });
    }
    let ask = {
        let searcher = searcher.clone();
        move |name: &str, search: Search| searcher.borrow_mut().ask(name, search)
    };
    // The par, once per puzzle opened (and again if Undo brings back one
    // opened before the worker answered).
    {
        let wanted = active
            .as_ref()
            .filter(|p| p.best.is_none())
            .map(|p| p.name.clone());
        let ask = ask.clone();
        use_effect_with(wanted, move |wanted| {
            if let Some(name) = wanted {
                ask(name, Search::Best);
            }
        });
    }
    // Whether the goal can still be reached from the moves made: asked
    // again only when the moves change.
    let moves_made = active
        .as_ref()
        .filter(|p| same_rules && !solved && p.judges_reach())
        .map(|p| {
            (
                p.name.clone(),
                p.moves(state.simulation.history(), state.cursor()),
            )
        })
        .filter(|(_, moves)| !moves.is_empty());
    let stuck = matches!((&moves_made, &*reach), (Some((name, moves)), Some(r))
        if r.name == *name && r.moves == *moves && !r.reachable);
    {
        let ask = ask.clone();
        use_effect_with(moves_made, move |moves_made| {
            if let Some((name, moves)) = moves_made {
                ask(name, Search::After(moves.clone()));
            }
        });
    }
    // Solved, or no longer solvable: the panel says so, and comes into view
    // to say it (on a phone the move was made far below it).
    use_effect_with((solved, stuck), |&(solved, stuck)| {
        if solved || stuck {
            crate::features::classroom::bring_into_view(
                ".puzzle-panel .puzzle-solved, [data-testid=\"puzzle-stuck\"]",
            );
        }
    });
    let solved_names = use_state(|| {
        Rc::new(
            storage::SOLVED_PUZZLES
                .read()
                .and_then(|text| crate::data::json::from_json::<BTreeSet<String>>(&text).ok())
                .unwrap_or_default(),
        )
    });
    {
        let names = solved_names.clone();
        let newly = active.as_ref().filter(|_| solved).map(|p| p.name.clone());
        use_effect_with(newly, move |newly| {
            if let Some(name) = newly.as_ref().filter(|n| !names.contains(*n)) {
                let mut more = (**names).clone();
                more.insert(name.clone());
                // Storage may be disabled: the page then remembers this visit only.
                if let Some(text) = crate::data::json::to_json(&more) {
                    let _ = storage::SOLVED_PUZZLES.write(&text);
                }
                names.set(Rc::new(more));
            }
        });
    }

    // `#puzzle=NAME` opens a puzzle, when the page opens and when the
    // address changes in an open tab.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let open = move || {
                if let Some(name) = hooks::location_hash()
                    .as_deref()
                    .and_then(|h| h.strip_prefix(PUZZLE_FRAGMENT))
                {
                    dispatcher.dispatch(Action::OpenPuzzle(name.to_string()));
                }
            };
            open();
            let listener =
                web_sys::window().map(|w| EventListener::new(&w, "hashchange", move |_| open()));
            move || drop(listener)
        });
    }
    // The address names the puzzle played, and nothing once it is closed.
    {
        let name = active.as_ref().map(|p| p.name.clone());
        use_effect_with(name, |name| {
            let hash = hooks::location_hash().unwrap_or_default();
            match name {
                Some(name) if hash != format!("{PUZZLE_FRAGMENT}{name}") => {
                    hooks::set_location_hash(&format!("{PUZZLE_FRAGMENT}{name}"));
                }
                None if hash.starts_with(PUZZLE_FRAGMENT) => hooks::clear_location_hash(),
                _ => {}
            }
        });
    }

    // A shortest solution, played one move per tick.
    let queue = use_mut_ref(VecDeque::<Action>::new);
    let playing = use_state(|| false);
    {
        let (queue, playing_now, dispatcher) = (queue.clone(), playing.clone(), state.dispatcher());
        use_effect_with(*playing, move |&on| {
            let interval = on.then(|| {
                Interval::new(SOLUTION_STEP_MS, move || {
                    let next = queue.borrow_mut().pop_front();
                    match next {
                        Some(action) => dispatcher.dispatch(action),
                        None => playing_now.set(false),
                    }
                })
            });
            move || drop(interval)
        });
    }
    // Closing or changing the puzzle stops a solution being played.
    {
        let (queue, playing) = (queue.clone(), playing.clone());
        let name = active.as_ref().map(|p| p.name.clone());
        use_effect_with(name, move |_| {
            queue.borrow_mut().clear();
            playing.set(false);
        });
    }

    let dispatcher = state.dispatcher();
    let list = PuzzleListProps {
        puzzles: (*titles).clone(),
        solved: (*solved_names).clone(),
        active: active.as_ref().map(|p| p.name.clone()),
        on_open: {
            let d = dispatcher.clone();
            Callback::from(move |name: String| d.dispatch(Action::OpenPuzzle(name)))
        },
    };
    // The panel shows once the engine's par is known (or why it is not),
    // so it never shows a par still to come.
    let search_failed = (*failed).clone();
    let opening = active
        .as_ref()
        .filter(|p| p.best.is_none() && search_failed.is_none())
        .map(|p| p.puzzle.title.clone());
    let panel = active
        .filter(|p| p.best.is_some() || search_failed.is_some())
        .map(|p| {
            let start = p.start;
            PuzzlePanelProps {
                moves,
                solved,
                stuck,
                search_failed,
                other_rules: (!same_rules).then(|| {
                    let c = p.config();
                    format!(
                        "{} delivery, {} conflicts and {} replicas",
                        c.delivery, c.conflicts, c.replicas
                    )
                }),
                verdict: verdict
                    .as_ref()
                    .filter(|(name, rule, _)| *name == p.name && *rule == config.delivery)
                    .map(|(_, _, text)| text.clone()),
                playing: *playing,
                on_solution: {
                    let (queue, playing, d, p) = (
                        queue.clone(),
                        playing.clone(),
                        dispatcher.clone(),
                        p.clone(),
                    );
                    Callback::from(move |()| {
                        let mut q = queue.borrow_mut();
                        q.clear();
                        q.extend(p.solution().into_iter().map(Action::Apply));
                        // Back to the start at once; the moves follow, one per tick.
                        d.dispatch(Action::Seek(start));
                        playing.set(true);
                    })
                },
                on_ask: {
                    let name = p.name.clone();
                    let rule = config.delivery;
                    Callback::from(move |()| ask(&name, Search::Under(rule)))
                },
                on_restart: {
                    let d = dispatcher.clone();
                    Callback::from(move |()| d.dispatch(Action::Seek(start)))
                },
                on_close: {
                    let d = dispatcher.clone();
                    Callback::from(move |()| d.dispatch(Action::ClosePuzzle))
                },
                active: p,
            }
        });
    UsePuzzle {
        list,
        panel,
        opening,
    }
}

/// The puzzle's search worker, and what was asked of it and not yet
/// answered, by request id.
#[derive(Default)]
struct Searcher {
    worker: Option<Worker>,
    asked: BTreeMap<u32, (String, Search)>,
    next: u32,
}

impl Searcher {
    fn ask(&mut self, name: &str, search: Search) {
        // A worker that failed to start has said so.
        let Some(worker) = &self.worker else {
            return;
        };
        self.next += 1;
        worker.ask(&Request::Puzzle {
            id: self.next,
            name: name.to_string(),
            search: search.clone(),
        });
        self.asked.insert(self.next, (name.to_string(), search));
    }
}

/// The search worker's answer to "can the goal still be reached after
/// these moves?".
#[derive(Clone, Debug, PartialEq)]
struct Reach {
    name: String,
    moves: Vec<Command>,
    reachable: bool,
}
