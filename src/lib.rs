//! Causal Playground: the web page. Holds one engine in a yew reducer and
//! renders it; every rule lives in `causal-core`.

use causal_core::{replica_name, Config, Simulation};
use yew::prelude::*;

/// The whole page.
#[function_component(App)]
pub fn app() -> Html {
    let simulation = use_memo((), |_| Simulation::new(Config::default()).ok());
    let Some(simulation) = simulation.as_ref() else {
        return html! { <p role="alert">{ "The engine could not start." }</p> };
    };
    html! {
        <main class="app">
            <h1>{ "Causal Playground" }</h1>
            <section class="replicas">
            { for simulation.replicas().iter().map(|r| {
                let clock = r.clock().entries().iter().map(u64::to_string).collect::<Vec<_>>().join(",");
                html! {
                    <article class="replica" data-testid={format!("replica-{}", r.id())}>
                        <h2>{ format!("Replica {}", replica_name(r.id())) }</h2>
                        <div data-testid={format!("clock-{}", r.id())} data-clock={clock.clone()}>{ format!("[{clock}]") }</div>
                    </article>
                }
            }) }
            </section>
        </main>
    }
}
