//! The toolbar: rules, replica count, presets, history and autoplay. Plain
//! functions, not components: they hold no state, and each component type
//! costs the page yew's lifecycle code once more.

use causal_core::{Conflicts, Delivery, MAX_REPLICAS, MIN_REPLICAS};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::browser::keymap::{self, Command};

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

/// Props of [`rules`].
pub struct RulesProps {
    /// The delivery rule.
    pub delivery: Delivery,
    /// The conflict rule.
    pub conflicts: Conflicts,
    /// The replica count.
    pub replicas: usize,
    /// Re-run under another delivery rule.
    pub on_delivery: Callback<Delivery>,
    /// Re-run under another conflict rule.
    pub on_conflicts: Callback<Conflicts>,
    /// Start afresh with another count.
    pub on_replicas: Callback<usize>,
}

/// The two rule selectors, each with its one-line explanation, and the count.
pub fn rules(props: &RulesProps) -> Html {
    let on_delivery = {
        let cb = props.on_delivery.clone();
        Callback::from(move |e: Event| {
            if let Ok(rule) = select_value(&e).parse() {
                cb.emit(rule)
            }
        })
    };
    let on_conflicts = {
        let cb = props.on_conflicts.clone();
        Callback::from(move |e: Event| {
            if let Ok(rule) = select_value(&e).parse() {
                cb.emit(rule)
            }
        })
    };
    let on_replicas = {
        let cb = props.on_replicas.clone();
        Callback::from(move |e: Event| {
            if let Ok(n) = select_value(&e).parse() {
                cb.emit(n)
            }
        })
    };
    // `~value` sets the property: the `selected` attribute alone is ignored
    // once the user has picked an option, and the control would then show
    // a rule or a count that is not the one running.
    html! {
        <div class="rules">
            <label class="field">
                <span>{ "Delivery" }</span>
                <select data-testid="delivery" onchange={on_delivery} ~value={props.delivery.name()}
                        title={props.delivery.explanation()}>
                    { for Delivery::ALL.iter().map(|r| html! {
                        <option value={r.name()} selected={*r == props.delivery}>{ r.name() }</option>
                    }) }
                </select>
            </label>
            <label class="field">
                <span>{ "Conflicts" }</span>
                <select data-testid="conflicts" onchange={on_conflicts} ~value={props.conflicts.name()}
                        title={props.conflicts.explanation()}>
                    { for Conflicts::ALL.iter().map(|r| html! {
                        <option value={r.name()} selected={*r == props.conflicts}>{ r.name() }</option>
                    }) }
                </select>
            </label>
            <label class="field">
                <span>{ "Replicas" }</span>
                <select data-testid="replica-count" onchange={on_replicas} ~value={props.replicas.to_string()}
                        title="Changing the count starts afresh (Undo brings the run back)">
                    { for (MIN_REPLICAS..=MAX_REPLICAS).map(|n| html! {
                        <option value={n.to_string()} selected={n == props.replicas}>{ n }</option>
                    }) }
                </select>
            </label>
        </div>
    }
}

/// What the two rules in force do, in one line.
pub fn explain(delivery: Delivery, conflicts: Conflicts) -> Html {
    html! {
        <p class="explain" data-testid="rules-explained">
            <strong>{ delivery.name() }</strong>{ ": " }{ delivery.explanation() }{ " " }
            <strong>{ conflicts.name() }</strong>{ ": " }{ conflicts.explanation() }
        </p>
    }
}

/// Props of [`presets`].
pub struct PresetsProps {
    /// (name, title) of every preset.
    pub presets: Vec<(&'static str, String)>,
    /// The loaded preset's name, if any.
    pub selected: Option<String>,
    /// Load a preset by name.
    pub on_load: Callback<String>,
}

/// The preset scenario selector.
pub fn presets(props: &PresetsProps) -> Html {
    let onchange = {
        let cb = props.on_load.clone();
        Callback::from(move |e: Event| {
            let name = select_value(&e);
            if !name.is_empty() {
                cb.emit(name)
            }
        })
    };
    html! {
        <label class="field scenario">
            <span>{ "Scenario" }</span>
            <select data-testid="scenario" {onchange} ~value={props.selected.clone().unwrap_or_default()}>
                <option value="" selected={props.selected.is_none()}>{ "Your own run" }</option>
                { for props.presets.iter().map(|(name, title)| html! {
                    <option value={*name} selected={props.selected.as_deref() == Some(*name)}>{ title }</option>
                }) }
            </select>
        </label>
    }
}

/// Props of [`history`].
pub struct HistoryProps {
    /// Something can be undone.
    pub can_undo: bool,
    /// Something can be redone.
    pub can_redo: bool,
    /// Something is in flight.
    pub can_deliver: bool,
    /// Undo.
    pub on_undo: Callback<()>,
    /// Redo.
    pub on_redo: Callback<()>,
    /// Reset.
    pub on_reset: Callback<()>,
    /// Deliver everything in flight.
    pub on_deliver_all: Callback<()>,
}

/// Undo, redo, reset, deliver all. (A scenario's "Next" sits by the timeline.)
pub fn history(props: &HistoryProps) -> Html {
    let click = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <div class="buttons" role="group" aria-label="History">
            <button type="button" data-testid="undo" disabled={!props.can_undo} onclick={click(&props.on_undo)}
                    title={format!("Undo ({})", keymap::keys(Command::Undo))}>{ "Undo" }</button>
            <button type="button" data-testid="redo" disabled={!props.can_redo} onclick={click(&props.on_redo)}
                    title={format!("Redo ({})", keymap::keys(Command::Redo))}>{ "Redo" }</button>
            <button type="button" data-testid="reset" onclick={click(&props.on_reset)}
                    title="Start afresh with the same replicas and rules">{ "Reset" }</button>
            <button type="button" data-testid="deliver-all" disabled={!props.can_deliver}
                    onclick={click(&props.on_deliver_all)} title="Deliver every copy in flight, oldest first">
                { "Deliver all" }</button>
        </div>
    }
}

/// Props of [`autoplay`].
pub struct AutoplayProps {
    /// Running.
    pub playing: bool,
    /// The seed.
    pub seed: u64,
    /// Milliseconds between steps.
    pub speed_ms: u32,
    /// Play or pause.
    pub on_toggle: Callback<()>,
    /// One step.
    pub on_step: Callback<()>,
    /// The seed field's text, when it changes.
    pub on_seed: Callback<String>,
    /// Milliseconds between steps.
    pub on_speed: Callback<u32>,
    /// Copies in flight: with none, Play has nothing to do and says so.
    pub in_flight: usize,
    /// The timeline has steps ahead (a preset's): Next plays them.
    pub can_redo: bool,
    /// The next step of the timeline.
    pub on_next: Callback<()>,
}

/// Autoplay: a seeded scheduler delivers random copies in flight.
pub fn autoplay(props: &AutoplayProps) -> Html {
    let toggle = {
        let cb = props.on_toggle.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let step = {
        let cb = props.on_step.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let seed = {
        let cb = props.on_seed.clone();
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let speed = {
        let cb = props.on_speed.clone();
        Callback::from(move |e: Event| {
            if let Ok(ms) = select_value(&e).parse() {
                cb.emit(ms)
            }
        })
    };
    // Play delivers copies in flight; with none, it says so where it is
    // (not in the log below the fold), and offers the timeline's next step.
    let idle = !props.playing && props.in_flight == 0;
    let next = {
        let cb = props.on_next.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <div class="autoplay" role="group" aria-label="Autoplay">
            <button type="button" data-testid="play" class="primary" onclick={toggle} aria-pressed={props.playing.to_string()}
                    disabled={idle} aria-describedby={idle.then_some("play-note")}>
                { if props.playing { "\u{23f8} Pause" } else { "\u{25b6} Play" } }
            </button>
            if idle {
                <span class="play-note" id="play-note" data-testid="play-note">
                    if props.can_redo {
                        { "Nothing in flight to play yet: " }
                        <button type="button" class="link-button" data-testid="play-next" onclick={next}>{ "Next step \u{2192}" }</button>
                    } else {
                        { "Nothing in flight to play: write at a replica first." }
                    }
                </span>
            }
            <button type="button" data-testid="step" onclick={step}
                    title="Deliver one copy in flight chosen at random by the seed: what autoplay does at each tick">
                { "Random delivery" }</button>
            <label class="field narrow">
                <span>{ "Speed" }</span>
                <select onchange={speed} aria-label="Autoplay speed" title="Autoplay speed" ~value={props.speed_ms.to_string()}>
                    { for [(1600, "slow"), (800, "normal"), (300, "fast")].iter().map(|(ms, name)| html! {
                        <option value={ms.to_string()} selected={*ms == props.speed_ms}>{ *name }</option>
                    }) }
                </select>
            </label>
            <label class="field narrow">
                <span>{ "Seed" }</span>
                <input data-testid="seed" type="text" inputmode="numeric" value={props.seed.to_string()}
                       onchange={seed} size="8" title="Seed: the same seed replays the same choices" />
            </label>
        </div>
    }
}

/// The first tab stop: straight to the replicas, past the toolbar. It moves
/// the focus itself rather than follow its `#replicas` link, which would put
/// a fragment in the address where shared sessions live.
pub fn skip_link(target: &'static str) -> Html {
    let onclick = Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(target))
        else {
            return;
        };
        if let Ok(element) = element.dyn_into::<HtmlElement>() {
            let _ = element.focus();
            element.scroll_into_view();
        }
    });
    html! {
        <a class="skip-link" data-testid="skip" href={format!("#{target}")} {onclick}>{ "Skip to the replicas" }</a>
    }
}
