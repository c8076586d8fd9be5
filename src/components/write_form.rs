//! A replica's write form.

use causal_core::{replica_name, ReplicaId};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::run::state::{check_write, MAX_KEY_CHARS, MAX_VALUE_CHARS};

/// Props of [`WriteForm`].
#[derive(Properties, PartialEq)]
pub struct WriteFormProps {
    /// The writer.
    pub replica: ReplicaId,
    /// What was wrong with the last write here, if anything.
    #[prop_or_default]
    pub error: Option<String>,
    /// Submits (key, value); the reducer checks them.
    pub on_write: Callback<(String, String)>,
}

/// Key, value, and a button; Enter writes too.
#[function_component(WriteForm)]
pub fn write_form(props: &WriteFormProps) -> Html {
    let key = use_node_ref();
    let value = use_node_ref();
    let r = props.replica;
    let onsubmit = {
        let (key, value, on_write) = (key.clone(), value.clone(), props.on_write.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(k), Some(v)) = (
                key.cast::<HtmlInputElement>(),
                value.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            let (key, value) = (k.value(), v.value());
            // A write that will be accepted clears the value, ready for the next.
            let accepted = check_write(&key, &value).is_ok();
            on_write.emit((key, value));
            if accepted {
                v.set_value("");
            }
        })
    };
    let error_id = format!("write-error-{r}");
    html! {
        <form class="write" {onsubmit} aria-label={format!("Write at {}", replica_name(r))}>
            <input ref={key} data-testid={format!("write-key-{r}")} placeholder="key" aria-label="key"
                   maxlength={(MAX_KEY_CHARS * 4).to_string()} autocomplete="off" spellcheck="false"
                   aria-invalid={props.error.is_some().to_string()} aria-describedby={error_id.clone()} />
            <input ref={value} data-testid={format!("write-value-{r}")} placeholder="value" aria-label="value"
                   maxlength={(MAX_VALUE_CHARS * 4).to_string()} autocomplete="off" spellcheck="false" />
            <button type="submit" data-testid={format!("write-{r}")}>{ "Write" }</button>
            if let Some(error) = &props.error {
                <p class="form-error" id={error_id} data-testid="error" role="alert">{ error }</p>
            }
        </form>
    }
}
