//! Whether causal order held, and whether the replicas agree: still catching
//! up (messages on their way) or diverged (nothing left on its way will make
//! them agree).

use std::collections::{BTreeMap, BTreeSet};

use causal_core::{replica_name, MessageId, ReplicaId, Simulation, Violation};
use yew::prelude::*;

/// Violations listed before "show all": the newest.
pub const VIOLATIONS_SHOWN: usize = 50;
/// Messages named in "have not received ... yet".
const AWAITING_NAMED: usize = 3;
/// Keys named in "differ on ...".
const KEYS_NAMED: usize = 5;

/// Messages on their way to replicas that have not received them yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Awaiting {
    /// The first few messages, each with the replicas still waiting for it.
    pub named: Vec<(MessageId, Vec<ReplicaId>)>,
    /// How many more messages are on their way.
    pub more: usize,
}

impl Awaiting {
    /// The copies in flight to a replica that neither delivered nor holds
    /// their message (a duplicate of a known message changes nothing).
    pub fn of(simulation: &Simulation) -> Awaiting {
        let mut by_message: BTreeMap<MessageId, BTreeSet<ReplicaId>> = BTreeMap::new();
        for copy in simulation.network().iter() {
            let Some(message) = simulation.messages().get(copy.message) else {
                continue;
            };
            if !simulation.replicas()[copy.to].knows(message) {
                by_message.entry(copy.message).or_default().insert(copy.to);
            }
        }
        let more = by_message.len().saturating_sub(AWAITING_NAMED);
        Awaiting {
            named: by_message
                .into_iter()
                .take(AWAITING_NAMED)
                .map(|(m, to)| (m, to.into_iter().collect()))
                .collect(),
            more,
        }
    }

    /// Nothing on its way changes any store.
    pub fn is_empty(&self) -> bool {
        self.named.is_empty()
    }
}

/// "A", "A and B", "A, B and C".
fn and_list<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "B and C have not received m1 yet; C has not received m2 yet (and 4 more
/// messages are on their way)."
pub fn catching_up(awaiting: &Awaiting) -> String {
    let parts: Vec<String> = awaiting
        .named
        .iter()
        .map(|(m, to)| {
            let verb = if to.len() == 1 { "has" } else { "have" };
            format!(
                "{} {verb} not received {m} yet",
                and_list(to.iter().map(|r| replica_name(*r)))
            )
        })
        .collect();
    let more = match awaiting.more {
        0 => String::new(),
        1 => " (and 1 more message is on its way)".to_string(),
        n => format!(" (and {n} more messages are on their way)"),
    };
    format!("Catching up: {}{more}.", parts.join("; "))
}

/// "x, y and z", or "a, b, c, d, e and 7 more keys".
fn keys(diverged: &[String]) -> String {
    if diverged.len() <= KEYS_NAMED {
        and_list(diverged)
    } else {
        format!(
            "{} and {} more keys",
            diverged[..KEYS_NAMED].join(", "),
            diverged.len() - KEYS_NAMED
        )
    }
}

/// Props of [`Status`].
#[derive(Properties, Clone, PartialEq)]
pub struct StatusProps {
    /// Violations, in the order they happened.
    pub violations: Vec<Violation>,
    /// Every replica has the same store.
    pub converged: bool,
    /// Keys on which they differ.
    pub diverged: Vec<String>,
    /// Copies still in flight.
    pub in_flight: usize,
    /// Messages on their way to replicas that lack them.
    pub awaiting: Awaiting,
    /// A lesson's prediction waits for its answer: whether the replicas
    /// will agree is not told.
    #[prop_or_default]
    pub hidden: bool,
}

/// The agreement line and the list of violations.
#[function_component(Status)]
pub fn status(props: &StatusProps) -> Html {
    let show_all = use_state(|| false);
    let (class, mark, agreement) = if props.converged {
        let text = if props.in_flight > 0 {
            format!(
                "Replicas agree for now ({} {} still in flight).",
                props.in_flight,
                if props.in_flight == 1 {
                    "copy"
                } else {
                    "copies"
                }
            )
        } else {
            "Replicas agree.".to_string()
        };
        ("ok", "\u{2714} ", text)
    } else if !props.awaiting.is_empty() {
        // Not a warning: the stores differ only because news is on its way.
        ("catching", "\u{21bb} ", catching_up(&props.awaiting))
    } else {
        (
            "bad",
            "\u{2260} ",
            format!(
                "Replicas diverged: they differ on {}, and nothing on its way will change that.",
                keys(&props.diverged)
            ),
        )
    };
    let (class, mark, agreement) = if props.hidden {
        ("hidden", "", String::new())
    } else {
        (class, mark, agreement)
    };
    let count = props.violations.len();
    let hidden = if *show_all {
        0
    } else {
        count.saturating_sub(VIOLATIONS_SHOWN)
    };
    let toggle = {
        let show_all = show_all.clone();
        Callback::from(move |_: MouseEvent| show_all.set(!*show_all))
    };
    html! {
        <div class="status">
            <p class={classes!("converged", class)}
               data-testid="converged" data-converged={props.converged.to_string()}
               data-state={class}>
                <span aria-hidden="true">{ mark }</span>
                if props.hidden {
                    { "How the stores end up: " }{ super::lane::hidden_outcome() }
                } else {
                    { agreement }
                }
            </p>
            <div class={classes!("violations-box", (count > 0).then_some("alarm"))}>
                <p class="violations-title">
                    if count == 0 { { "No causal violations." } }
                    else { { format!("\u{26a0} {count} causal violation{}", if count == 1 { "" } else { "s" }) } }
                    if count > VIOLATIONS_SHOWN {
                        <span class="violations-more" data-testid="violations-hidden" data-hidden={hidden.to_string()}>
                            { if hidden > 0 {
                                format!(" (newest {VIOLATIONS_SHOWN} listed, {hidden} not shown)")
                            } else {
                                " (all listed)".to_string()
                            } }
                        </span>
                        <button type="button" class="link-button" data-testid="violations-all"
                                aria-expanded={show_all.to_string()} aria-controls="violations-list" onclick={toggle}>
                            { if *show_all { format!("Show the newest {VIOLATIONS_SHOWN}") } else { format!("Show all {count}") } }
                        </button>
                    }
                </p>
                // Every violation is a child of the list, newest first; past
                // the newest few, hidden until "show all".
                <ul class="violations" id="violations-list" data-testid="violations">
                    { for props.violations.iter().enumerate().rev().map(|(i, v)| html! {
                        <li key={i} data-replica={v.replica.to_string()} data-message={v.message.0.to_string()}
                            data-missing={v.missing.0.to_string()} hidden={!*show_all && count - i > VIOLATIONS_SHOWN}>
                            { format!("{} delivered {} before {}, which happened before it.",
                                      replica_name(v.replica), v.message, v.missing) }
                        </li>
                    }) }
                </ul>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(and_list(["B"]), "B");
        assert_eq!(and_list(["B", "C"]), "B and C");
        assert_eq!(and_list(["B", "C", "D"]), "B, C and D");
        let awaiting = Awaiting {
            named: vec![(MessageId(1), vec![1, 2]), (MessageId(2), vec![2])],
            more: 0,
        };
        assert_eq!(
            catching_up(&awaiting),
            "Catching up: B and C have not received m1 yet; C has not received m2 yet."
        );
    }
}
