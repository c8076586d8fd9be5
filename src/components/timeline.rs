//! Time travel: a slider over every step of the current branch, and the list
//! of branches (acting at an earlier step starts a new one).

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// A branch as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchView {
    /// Its number, from 1.
    pub number: usize,
    /// How many steps it has.
    pub steps: usize,
    /// The branch it split from (numbered from 1) and at which step.
    pub split: Option<(usize, usize)>,
}

/// Props of [`timeline`].
pub struct TimelineProps {
    /// Steps applied.
    pub cursor: usize,
    /// Steps in the current branch.
    pub steps: usize,
    /// Every branch.
    pub branches: Vec<BranchView>,
    /// The branch shown (index).
    pub current: usize,
    /// Move to this many steps.
    pub on_seek: Callback<usize>,
    /// Show this branch.
    pub on_branch: Callback<usize>,
    /// Play the next step of the branch (Redo): the scenario's next step,
    /// not autoplay's random one.
    pub on_next: Callback<()>,
}

/// The slider and the branches.
pub fn timeline(props: &TimelineProps) -> Html {
    let oninput = {
        let cb = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(steps) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
            {
                cb.emit(steps)
            }
        })
    };
    let behind = props.cursor < props.steps;
    html! {
        <section class="timeline-box" aria-label="Time travel">
            <label class="timeline-label">
                <span>{ format!("Step {} of {}", props.cursor, props.steps) }</span>
                <input type="range" data-testid="timeline" min="0" max={props.steps.to_string()}
                       value={props.cursor.to_string()} step="1" {oninput}
                       aria-valuetext={format!("step {} of {}", props.cursor, props.steps)} />
            </label>
            if behind {
                <div class="timeline-next">
                    <button type="button" class="next" data-testid="next"
                            title="Play the next step of this run, as it happened (Redo)"
                            aria-describedby="timeline-note"
                            onclick={{ let cb = props.on_next.clone(); Callback::from(move |_: MouseEvent| cb.emit(())) }}>
                        { format!("Next: step {} \u{25b8}", props.cursor + 1) }
                    </button>
                    <p class="timeline-note" id="timeline-note">{ "An earlier step: Next (or Redo) plays the following one; acting here starts a new branch, and keeps this one." }</p>
                </div>
            }
            // The branches in one line, by number (each says in full what it
            // is to a screen reader and in its tooltip): a long list scrolls
            // sideways instead of pushing the replicas down.
            if props.branches.len() > 1 {
                <div class="branches-box">
                    <span class="branches-label" aria-hidden="true">{ "Branch" }</span>
                    <ul class="branches" data-testid="branches" aria-label="Branches">
                        { for props.branches.iter().enumerate().map(|(i, b)| {
                            let cb = props.on_branch.clone();
                            let current = i == props.current;
                            let split = b.split.map(|(from, at)| format!(", from branch {from} at step {at}")).unwrap_or_default();
                            let full = format!("Branch {} ({} steps{split})", b.number, b.steps);
                            html! {
                                <li key={i}>
                                    <button type="button" data-testid={format!("branch-{}", b.number)}
                                            class={classes!(current.then_some("current"))}
                                            aria-current={current.then_some("true")} title={full.clone()}
                                            onclick={Callback::from(move |_| cb.emit(i))}>
                                        <span aria-hidden="true">{ b.number }</span>
                                        <span class="visually-hidden">{ full }</span>
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                </div>
            }
        </section>
    }
}
