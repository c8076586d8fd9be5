//! A vector clock as labelled cells.

use causal_core::{replica_name, ReplicaId};
use yew::prelude::*;

/// Props of [`ClockView`].
#[derive(Properties, PartialEq)]
pub struct ClockProps {
    /// Whose clock.
    pub replica: ReplicaId,
    /// Its entries.
    pub entries: Vec<u64>,
    /// Entries the last action changed: they flash.
    #[prop_or_default]
    pub changed: Vec<usize>,
    /// Changes with every action, so a flash restarts.
    #[prop_or_default]
    pub revision: u64,
}

/// One cell per replica, the replica's own entry marked.
#[function_component(ClockView)]
pub fn clock_view(props: &ClockProps) -> Html {
    let text = props
        .entries
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let label = format!(
        "Vector clock of {}: {}",
        replica_name(props.replica),
        props
            .entries
            .iter()
            .enumerate()
            .map(|(k, n)| format!("{} {n}", replica_name(k)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    html! {
        <div class="clock" data-testid={format!("clock-{}", props.replica)} data-clock={text}
             role="group" aria-label={label}>
            { for props.entries.iter().enumerate().map(|(k, n)| {
                let own = k == props.replica;
                let changed = props.changed.contains(&k);
                let class = classes!("cell", format!("r{k}"), own.then_some("own"), changed.then_some("changed"));
                // Keyed by revision so a repeated change restarts the flash.
                let key = if changed { format!("{k}-{}", props.revision) } else { k.to_string() };
                html! {
                    <span {key} {class} data-entry={k.to_string()}
                          title={if own { format!("{}'s own entry: writes it has made", replica_name(k)) }
                                 else { format!("{}'s writes seen", replica_name(k)) }}>
                        <span class="cell-name">{ replica_name(k) }</span>
                        <span class="cell-value">{ n }</span>
                    </span>
                }
            }) }
        </div>
    }
}
