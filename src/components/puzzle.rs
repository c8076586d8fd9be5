//! Puzzles: the list of puzzles (solved ones ticked), and the panel of the
//! one being played: what to reach, the moves made against the engine's
//! par, whether it is solved, a shortest solution played on request, and
//! whether the goal can be reached under the rule the page runs.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use crate::data::puzzles::goal_words;
use crate::data::puzzles::ActivePuzzle;

/// Props of [`puzzle_list`].
pub struct PuzzleListProps {
    /// Every puzzle: name and title.
    pub puzzles: Vec<(&'static str, String)>,
    /// The names of the solved ones.
    pub solved: Rc<BTreeSet<String>>,
    /// The one being played.
    pub active: Option<String>,
    /// Open the puzzle with this name.
    pub on_open: Callback<String>,
}

/// A button per puzzle.
pub fn puzzle_list(props: &PuzzleListProps) -> Html {
    html! {
        <section class="puzzles-box" aria-labelledby="puzzles-title">
            <h2 id="puzzles-title">{ "Puzzles" }</h2>
            <p class="puzzles-intro">{ format!("Reach a goal in as few moves as you can; the engine knows the fewest. {} of {} solved.",
                props.puzzles.iter().filter(|(n, _)| props.solved.contains(*n)).count(), props.puzzles.len()) }</p>
            <ul class="puzzle-list">
                { for props.puzzles.iter().map(|(name, title)| {
                    let solved = props.solved.contains(*name);
                    let current = props.active.as_deref() == Some(*name);
                    let cb = props.on_open.clone();
                    let n = name.to_string();
                    html! {
                        <li key={*name}>
                            <button type="button" data-testid="puzzle-open" data-puzzle={*name}
                                    class={classes!(current.then_some("current"), solved.then_some("solved"))}
                                    aria-current={current.then_some("true")}
                                    onclick={Callback::from(move |_| cb.emit(n.clone()))}>
                                if solved { <span class="tick" aria-label="solved">{ "\u{2714} " }</span> }
                                { title }
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

/// Props of [`puzzle_panel`].
pub struct PuzzlePanelProps {
    /// The puzzle.
    pub active: Rc<ActivePuzzle>,
    /// Moves made since its start.
    pub moves: usize,
    /// The goal is met under the puzzle's rule.
    pub solved: bool,
    /// The goal can no longer be reached from the moves made.
    pub stuck: bool,
    /// Why the engine could not search the puzzle, if it could not.
    pub search_failed: Option<String>,
    /// The page runs other rules than the puzzle's: what to switch back to.
    pub other_rules: Option<String>,
    /// The engine's answer to "can it be done under the rule shown?", once asked.
    pub verdict: Option<String>,
    /// A solution is being played.
    pub playing: bool,
    /// Play a shortest solution.
    pub on_solution: Callback<()>,
    /// Ask whether the goal can be reached under the rule shown.
    pub on_ask: Callback<()>,
    /// Start again from the puzzle's start.
    pub on_restart: Callback<()>,
    /// Stop playing the puzzle.
    pub on_close: Callback<()>,
}

/// A puzzle opening: the engine is still finding its par, in the search
/// worker (which a slow link may still be fetching).
pub fn puzzle_opening(title: &str) -> Html {
    html! {
        <p class="puzzle-opening" data-testid="puzzle-opening" role="status">
            { format!("Opening the puzzle \u{201c}{title}\u{201d}: the engine is finding the fewest moves that reach its goal\u{2026}") }
        </p>
    }
}

/// The puzzle being played.
pub fn puzzle_panel(props: &PuzzlePanelProps) -> Html {
    let p = &props.active.puzzle;
    let par = props.active.par();
    let click = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <section class={classes!("puzzle-panel", props.solved.then_some("solved"))} data-testid="puzzle-panel"
                 data-puzzle={props.active.name.clone()} data-solved={props.solved.to_string()}
                 data-moves={props.moves.to_string()}
                 data-best={par.map(|p| p.to_string()).unwrap_or_default()}
                 aria-labelledby="puzzle-title">
            <div class="puzzle-head">
                <h2 id="puzzle-title">{ format!("Puzzle: {}", p.title) }</h2>
                <button type="button" class="close" data-testid="puzzle-close" onclick={click(&props.on_close)}
                        aria-label="Close the puzzle">{ "Close" }</button>
            </div>
            <p>{ &p.description }</p>
            <p class="puzzle-goal"><strong>{ "Goal: " }</strong>{ goal_words(&p.goal) }</p>
            <p class="puzzle-rules">{ format!("Played under {} delivery. Moves allowed: {}.", p.rule, props.active.allowed()) }</p>
            <p class="puzzle-score" aria-live="polite">
                { format!("Moves made: {}", props.moves) }
                { match (par, &props.search_failed) {
                    (Some(par), _) => format!(" \u{b7} Par (the engine's fewest): {par}"),
                    (None, Some(_)) => String::new(),
                    (None, None) => " \u{b7} The engine finds no way to the goal".to_string(),
                } }
            </p>
            if let Some(why) = &props.search_failed {
                <p class="puzzle-note" role="status">{ format!("The engine could not search this puzzle, so it gives no par and cannot say when the goal is out of reach. {why}") }</p>
            }
            if props.solved {
                <p class="puzzle-solved" role="status">{
                    match par {
                        Some(par) if props.moves <= par => format!("Solved in {} move{}: as few as the engine's best.", props.moves, if props.moves == 1 { "" } else { "s" }),
                        Some(par) => format!("Solved in {} moves; the engine needs only {par}. Undo or the timeline lets you try for fewer.", props.moves),
                        None => "Solved.".to_string(),
                    }
                }</p>
            }
            if props.stuck {
                <p class="puzzle-stuck" data-testid="puzzle-stuck" role="status">{
                    format!("The goal can no longer be reached from here: no order of the moves left gets there. Undo ({}) takes back your last move; Start again goes back to the puzzle's start.", crate::browser::keymap::keys(crate::browser::keymap::Command::Undo))
                }</p>
            }
            if let Some(rules) = &props.other_rules {
                <p class="puzzle-note">{ format!("The page now runs other rules than the puzzle's; switch back to {rules} to play it.") }</p>
            }
            <div class="puzzle-actions">
                <button type="button" data-testid="puzzle-solution" onclick={click(&props.on_solution)}
                        disabled={props.playing || par.is_none()}>
                    { if props.playing { "Playing a solution\u{2026}" } else { "Show a solution" } }
                </button>
                <button type="button" data-testid="puzzle-possible" onclick={click(&props.on_ask)}
                        disabled={props.search_failed.is_some()}>
                    { "Possible under this rule?" }
                </button>
                <button type="button" data-testid="puzzle-restart" onclick={click(&props.on_restart)}>{ "Start again" }</button>
            </div>
            if let Some(verdict) = &props.verdict {
                <p class="puzzle-verdict" data-testid="puzzle-verdict" role="status">{ verdict }</p>
            }
        </section>
    }
}
