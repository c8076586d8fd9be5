//! "Every order": the Explore button, the census's progress and Cancel, then
//! the counts in words and every distinct outcome, each with its share of
//! the orders, its stores, and a button that opens one of its orders.

use causal_core::thousands;
use causal_core::{replica_name, CensusReport, Outcome};
use yew::prelude::*;

use crate::browser::census::CensusStatus;

/// Outcomes listed; the count says how many more there are.
const OUTCOMES_SHOWN: usize = 50;

/// Props of [`census`].
pub struct CensusProps {
    /// What the census is doing, or found.
    pub status: CensusStatus,
    /// The counts are for another step: (branch number from 1, step).
    pub elsewhere: Option<(usize, usize)>,
    /// Copies in flight in the state shown.
    pub in_flight: usize,
    /// Explore every order from the state shown.
    pub on_explore: Callback<()>,
    /// Stop exploring.
    pub on_cancel: Callback<()>,
    /// Open outcome `i` as a branch.
    pub on_open: Callback<usize>,
    /// A puzzle is open (its title): the census would show its answer, so
    /// it is locked until the puzzle is closed.
    pub puzzle: Option<String>,
}

/// `n` and the noun, singular or plural, with thousands grouped.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// "5,040 orders: 2,520 break causal order, 3 distinct outcomes".
pub fn counts_sentence(report: &CensusReport) -> String {
    let breaking = match report.violating {
        0 => "none breaks causal order".to_string(),
        1 => "1 breaks causal order".to_string(),
        n => format!("{} break causal order", thousands(n)),
    };
    format!(
        "{}: {breaking}, {}",
        count(report.orders, "order", "orders"),
        count(
            report.outcomes.len() as u64,
            "distinct outcome",
            "distinct outcomes"
        )
    )
}

/// The Explore section.
pub fn census(props: &CensusProps) -> Html {
    let running = matches!(props.status, CensusStatus::Running { .. });
    let explore = {
        let cb = props.on_explore.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let intro = match props.in_flight {
        0 => "Nothing is in flight: write at a replica first, then ask what every order of its messages could lead to.".to_string(),
        n => format!(
            "Could another order have ended differently? Explore every order in which the {} in flight could be received.",
            count(n as u64, "copy", "copies")
        ),
    };
    if let Some(title) = &props.puzzle {
        return html! {
            <section class="census-box locked" aria-labelledby="census-title" data-testid="census-locked">
                <div class="census-head">
                    <h2 id="census-title">{ "Every order" }</h2>
                    <p class="census-intro">{ format!("Put away while you play the puzzle \u{201c}{title}\u{201d}: every order would show you its answer. Close the puzzle to explore.") }</p>
                    <button type="button" data-testid="explore" class="primary" disabled=true>
                        { "Explore every order" }
                    </button>
                </div>
            </section>
        };
    }
    html! {
        <section class="census-box" aria-labelledby="census-title">
            <div class="census-head">
                <h2 id="census-title">{ "Every order" }</h2>
                <p class="census-intro">{ intro }</p>
                <button type="button" data-testid="explore" class="primary" onclick={explore}
                        disabled={running || props.in_flight == 0}>
                    { "Explore every order" }
                </button>
            </div>
            { match &props.status {
                CensusStatus::Idle => html! {},
                CensusStatus::Running { fraction, states } => {
                    let cancel = { let cb = props.on_cancel.clone(); Callback::from(move |_| cb.emit(())) };
                    let percent = (fraction * 100.0).round() as u32;
                    html! {
                        <div class="census-running" role="status" data-testid="census-progress">
                            <progress max="100" value={percent.to_string()}
                                      aria-label="Orders explored">{ format!("{percent}%") }</progress>
                            <span>{ format!("{percent}% of the orders, {} distinct states so far", thousands(*states as u64)) }</span>
                            <button type="button" data-testid="census-cancel" onclick={cancel}>{ "Cancel" }</button>
                        </div>
                    }
                }
                CensusStatus::Refused(why) => html! {
                    <p class="census-refused" role="alert" data-testid="census-refused">{ why }</p>
                },
                CensusStatus::Done(report) => result(report, props),
            } }
        </section>
    }
}

/// A replica's store as the census shows it: `x=1 y=2`, or `empty`.
fn store_words(replica: &causal_core::FinalReplica) -> String {
    if replica.store.is_empty() {
        "empty".to_string()
    } else {
        replica
            .store
            .iter()
            .map(|(k, v)| format!("{k}={}", v.joined()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn clock_words(replica: &causal_core::FinalReplica) -> String {
    format!(
        "[{}]",
        replica
            .clock
            .entries()
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Which replicas' stores, and which replicas' clocks, are not the same in
/// every outcome: what tells the outcomes apart.
fn differing(outcomes: &[Outcome]) -> (Vec<bool>, Vec<bool>) {
    let replicas = outcomes.first().map_or(0, |o| o.replicas.len());
    let varies = |words: fn(&causal_core::FinalReplica) -> String| {
        (0..replicas)
            .map(|r| {
                let mut seen = outcomes.iter().filter_map(|o| o.replicas.get(r)).map(words);
                let first = seen.next();
                seen.any(|w| Some(w) != first)
            })
            .collect::<Vec<bool>>()
    };
    (varies(store_words), varies(clock_words))
}

/// "B's and C's stores" (what differs between the outcomes), in words.
fn differing_words(stores: &[bool], clocks: &[bool]) -> String {
    let names = |which: &[bool]| -> Vec<String> {
        which
            .iter()
            .enumerate()
            .filter(|(_, v)| **v)
            .map(|(r, _)| format!("{}'s", replica_name(r)))
            .collect()
    };
    let list = |items: Vec<String>| match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    };
    let (s, c) = (names(stores), names(clocks));
    match (s.is_empty(), c.is_empty()) {
        (false, true) => format!(
            "They differ only in {} store{}.",
            list(s.clone()),
            if s.len() == 1 { "" } else { "s" }
        ),
        (true, false) => format!(
            "Every store ends the same; they differ only in {} clock{}.",
            list(c.clone()),
            if c.len() == 1 { "" } else { "s" }
        ),
        (false, false) => format!(
            "They differ in {} store{} and {} clock{}.",
            list(s.clone()),
            if s.len() == 1 { "" } else { "s" },
            list(c.clone()),
            if c.len() == 1 { "" } else { "s" }
        ),
        (true, true) => String::new(),
    }
}

fn result(report: &CensusReport, props: &CensusProps) -> Html {
    let more = report.outcomes.len().saturating_sub(OUTCOMES_SHOWN);
    let (stores, clocks) = differing(&report.outcomes);
    html! {
        <div class="census" data-testid="census"
             data-orders={report.orders.to_string()} data-violating={report.violating.to_string()}
             data-diverging={report.diverging.to_string()} data-outcomes={report.outcomes.len().to_string()}>
            if let Some((branch, step)) = props.elsewhere {
                <p class="census-elsewhere">{ format!("Counted at step {step} of branch {branch}. Explore again to count the state shown.") }</p>
            }
            <p class="census-counts">{ counts_sentence(report) }</p>
            <p class="census-diverging">{
                match report.diverging {
                    0 => "Every order ends with the replicas agreeing.".to_string(),
                    n if n == report.orders => "Every order ends with replicas that disagree.".to_string(),
                    n => format!("{} with replicas that disagree.", count(n, "order ends", "orders end")),
                }
            }</p>
            if report.outcomes.len() > 1 {
                <p class="census-differs" data-testid="census-differs">{ differing_words(&stores, &clocks) }</p>
            }
            <ol class="outcomes">
                { for report.outcomes.iter().take(OUTCOMES_SHOWN).enumerate().map(|(i, o)| outcome(i, o, report.orders, &props.on_open, (&stores, &clocks))) }
            </ol>
            if more > 0 {
                <p class="census-more">{ format!("and {} more outcomes, each reached by fewer orders", thousands(more as u64)) }</p>
            }
        </div>
    }
}

/// One outcome: its share, its verdict, first what sets it apart (the
/// stores and clocks that differ between outcomes), then every store.
fn outcome(
    i: usize,
    o: &Outcome,
    total: u64,
    on_open: &Callback<usize>,
    (stores, clocks): (&[bool], &[bool]),
) -> Html {
    let mut apart: Vec<String> = Vec::new();
    for (r, replica) in o.replicas.iter().enumerate() {
        let store = stores.get(r).copied().unwrap_or(false);
        let clock = clocks.get(r).copied().unwrap_or(false);
        match (store, clock) {
            (true, true) => apart.push(format!(
                "{}: {} {}",
                replica_name(r),
                store_words(replica),
                clock_words(replica)
            )),
            (true, false) => apart.push(format!("{}: {}", replica_name(r), store_words(replica))),
            (false, true) => apart.push(format!(
                "{}: clock {}",
                replica_name(r),
                clock_words(replica)
            )),
            (false, false) => {}
        }
    }
    // In tenths of a percent, by integers: the page carries no float formatting.
    let share = |per: u64| {
        (o.orders.saturating_mul(per) + total / 2)
            .checked_div(total)
            .unwrap_or(0)
    };
    let (tenths, percent) = (share(1000), share(100));
    let open = {
        let cb = on_open.clone();
        Callback::from(move |_| cb.emit(i))
    };
    let agreement = if o.converged {
        "replicas agree"
    } else {
        "replicas disagree"
    };
    html! {
        <li key={i} class={classes!("outcome", (!o.converged).then_some("diverging"))}
            data-testid="outcome" data-orders={o.orders.to_string()} data-violating={o.violating.to_string()}>
            <div class="outcome-head">
                <span class="outcome-share">
                    <span class="outcome-bar" aria-hidden="true"><span style={format!("width: {}.{}%", tenths / 10, tenths % 10)}></span></span>
                    { format!("{} ({}%)", count(o.orders, "order", "orders"), percent) }
                </span>
                <span class="outcome-verdict">
                    { agreement }
                    if o.violating > 0 {
                        { format!(", {} break causal order", thousands(o.violating)) }
                    }
                </span>
                <button type="button" data-testid="outcome-load" onclick={open}
                        aria-label={format!("Open outcome {} as a new branch", i + 1)}>{ "Open" }</button>
            </div>
            if !apart.is_empty() {
                <p class="outcome-differs" data-testid="outcome-differs">
                    <span class="outcome-number">{ format!("Outcome {}: ", i + 1) }</span>{ apart.join(" \u{b7} ") }
                </p>
            }
            <ul class="outcome-stores">
                { for o.replicas.iter().enumerate().map(|(r, replica)| {
                    let store = store_words(replica);
                    html! {
                        <li key={r} class={format!("r{r}")}>
                            <strong>{ replica_name(r) }</strong>{ " " }
                            <span class="outcome-store">{ store }</span>{ " " }
                            <span class="outcome-clock">{ clock_words(replica) }</span>
                        </li>
                    }
                }) }
            </ul>
        </li>
    }
}
