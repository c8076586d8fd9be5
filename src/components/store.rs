//! A replica's store: key and value, siblings side by side.

use causal_core::{ReplicaId, Value};
use yew::prelude::*;

/// Props of [`store_view`].
pub struct StoreProps {
    /// Whose store.
    pub replica: ReplicaId,
    /// Keys ascending, with what each holds.
    pub entries: Vec<(String, Value)>,
    /// Keys on which replicas differ.
    pub diverged: Vec<String>,
}

/// The store as a small table.
pub fn store_view(props: &StoreProps) -> Html {
    html! {
        <dl class="store" data-testid={format!("store-{}", props.replica)}>
            // A <dl> holds only term and value pairs: "empty" is one.
            if props.entries.is_empty() {
                <div class="empty"><dt>{ "empty store" }</dt><dd class="visually-hidden">{ "no keys" }</dd></div>
            }
            { for props.entries.iter().map(|(key, value)| {
                let diverged = props.diverged.contains(key);
                let values = match value {
                    Value::One(v) => vec![v.clone()],
                    Value::Siblings(vs) => vs.clone(),
                };
                html! {
                    <div key={key.clone()} class={classes!("entry", diverged.then_some("diverged"))}
                         data-key={key.clone()} data-value={value.joined()}>
                        <dt>{ key }</dt>
                        <dd>
                            { for values.iter().map(|v| html! { <span class="value">{ v }</span> }) }
                            if values.len() > 1 { <span class="badge">{ format!("{} siblings", values.len()) }</span> }
                            if diverged { <span class="badge warn" title="Other replicas hold something else here">{ "differs" }</span> }
                        </dd>
                    </div>
                }
            }) }
        </dl>
    }
}
