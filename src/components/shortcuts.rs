//! The list of every keyboard shortcut (`?`), in a dialog over the page.

use yew::prelude::*;

use crate::browser::keymap::SHORTCUTS;

/// Props of [`Shortcuts`].
#[derive(Properties, PartialEq)]
pub struct ShortcutsProps {
    /// Close the list.
    pub on_close: Callback<()>,
}

/// The shortcuts, one table per place where they work. It takes the focus
/// when it opens (Esc or the Close button close it).
#[function_component(Shortcuts)]
pub fn shortcuts(props: &ShortcutsProps) -> Html {
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let close = props.on_close.reform(|_: MouseEvent| ());
    let backdrop = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="shortcuts-backdrop" onclick={backdrop}>
            <div class="shortcuts" data-testid="shortcuts" role="dialog" aria-modal="true"
                 aria-labelledby="shortcuts-title"
                 onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <div class="shortcuts-head">
                    <h2 id="shortcuts-title">{ "Keyboard shortcuts" }</h2>
                    <button type="button" ref={close_ref} onclick={close}>{ "Close" }</button>
                </div>
                { for SHORTCUTS.iter().map(|group| html! {
                    <table class="shortcut-group">
                        <caption>{ group.title }</caption>
                        <tbody>
                            { for group.shortcuts.iter().map(|s| html! {
                                <tr data-keys={s.keys}>
                                    <th scope="row"><kbd>{ s.keys }</kbd></th>
                                    <td>{ s.does }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }) }
            </div>
        </div>
    }
}
