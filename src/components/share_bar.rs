//! Share, import and export: the run as a link, a scenario file, a picture
//! or a ShiViz log; and a scenario file read back in.

use wasm_bindgen::JsCast;
use web_sys::{File, HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::browser::files::file_from_input;

/// What can be exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// The run as a scenario file.
    Json,
    /// The space-time diagram as SVG.
    Svg,
    /// The space-time diagram as PNG, for slides.
    Png,
    /// The run as a ShiViz log.
    Shiviz,
}

/// Props of [`share_bar`].
pub struct ShareBarProps {
    /// The last link made, shown so it can be copied by hand.
    pub link: Option<String>,
    /// Make a link.
    pub on_share: Callback<()>,
    /// A scenario file was chosen.
    pub on_file: Callback<File>,
    /// Export something.
    pub on_export: Callback<Export>,
    /// Open or close the embed builder.
    pub on_embed: Callback<MouseEvent>,
}

/// Closes the menu that holds `target`, if any, and gives its summary the
/// focus back when asked (Escape), as a menu does.
fn close_menu(target: &web_sys::Element, refocus: bool) {
    let Ok(Some(menu)) = target.closest("details") else {
        return;
    };
    let _ = menu.remove_attribute("open");
    if refocus {
        if let Ok(Some(summary)) = menu.query_selector("summary") {
            if let Ok(summary) = summary.dyn_into::<HtmlElement>() {
                let _ = summary.focus();
            }
        }
    }
}

/// The bar: "Copy link" in sight, then one menu for importing and
/// exporting, so a keyboard reaches the replicas in a few tab stops.
pub fn share_bar(props: &ShareBarProps) -> Html {
    let share = props.on_share.reform(|_: MouseEvent| ());
    let export = |what: Export| {
        let cb = props.on_export.clone();
        Callback::from(move |e: MouseEvent| {
            close_menu(&e.target_unchecked_into(), false);
            cb.emit(what)
        })
    };
    let onchange = {
        let on_file = props.on_file.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(file) = file_from_input(&input) {
                on_file.emit(file);
            }
            // Choosing the same file again should import it again.
            input.set_value("");
            close_menu(&input, false);
        })
    };
    let embed = props.on_embed.clone();
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Escape" {
            close_menu(&e.target_unchecked_into(), true);
        }
    });
    let select_all = Callback::from(|e: FocusEvent| {
        e.target_unchecked_into::<HtmlInputElement>().select();
    });
    html! {
        <section class="share-bar" aria-label="Share, import and export">
            <div class="buttons">
                <button type="button" data-testid="share" class="primary" onclick={share}
                        title="Put the whole session in the address and copy the link">{ "Copy link" }</button>
                <button type="button" data-testid="embed" onclick={embed}
                        title="Build the iframe snippet that shows this session, or some of its steps, in a course page or a slide">
                    { "Embed\u{2026}" }</button>
                <details class="menu" data-testid="file-menu" {onkeydown}>
                    <summary>{ "Import / export" }</summary>
                    <div class="menu-items">
                        <label class="file-button" title="Open a scenario file (or drop one on the page)">
                            { "Import scenario file\u{2026}" }
                            <input type="file" data-testid="import" accept=".json,application/json" {onchange} />
                        </label>
                        <button type="button" data-testid="export-json" onclick={export(Export::Json)}
                                title="Download the run as a scenario file (JSON), to import later or run with causal-sim">
                            { "Export scenario file" }</button>
                        <button type="button" data-testid="export-svg" onclick={export(Export::Svg)}
                                title="Download the space-time diagram as an SVG picture">{ "Export diagram as SVG" }</button>
                        <button type="button" data-testid="export-png" onclick={export(Export::Png)}
                                title="Download the space-time diagram as a PNG picture, for slides">{ "Export diagram as PNG" }</button>
                        <button type="button" data-testid="export-shiviz" onclick={export(Export::Shiviz)}
                                title="Download the run as a log that ShiViz can open">{ "Export ShiViz log" }</button>
                    </div>
                </details>
            </div>
            if let Some(link) = &props.link {
                <label class="share-link">
                    <span>{ "Link to this session (copied):" }</span>
                    <input type="text" readonly=true value={link.clone()} onfocus={select_all} data-testid="share-link" />
                </label>
            }
        </section>
    }
}
