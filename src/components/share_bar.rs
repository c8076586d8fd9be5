//! Share, import and export: the run as a link, a scenario file, a picture
//! or a ShiViz log; and a scenario file read back in.

use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::files::file_from_input;

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
}

/// The bar.
pub fn share_bar(props: &ShareBarProps) -> Html {
    let share = props.on_share.reform(|_: MouseEvent| ());
    let export = |what: Export| props.on_export.reform(move |_: MouseEvent| what);
    let onchange = {
        let on_file = props.on_file.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(file) = file_from_input(&input) {
                on_file.emit(file);
            }
            // Choosing the same file again should import it again.
            input.set_value("");
        })
    };
    let select_all = Callback::from(|e: FocusEvent| {
        e.target_unchecked_into::<HtmlInputElement>().select();
    });
    html! {
        <section class="share-bar" aria-label="Share, import and export">
            <div class="buttons">
                <button type="button" data-testid="share" class="primary" onclick={share}
                        title="Put the whole session in the address and copy the link">{ "Copy link" }</button>
                <label class="file-button" title="Open a scenario file (or drop one on the page)">
                    { "Import\u{2026}" }
                    <input type="file" data-testid="import" accept=".json,application/json" {onchange} />
                </label>
                <button type="button" data-testid="export-json" onclick={export(Export::Json)}
                        title="The run as a scenario file">{ "Scenario file" }</button>
                <button type="button" data-testid="export-svg" onclick={export(Export::Svg)}
                        title="The diagram as SVG">{ "SVG" }</button>
                <button type="button" data-testid="export-png" onclick={export(Export::Png)}
                        title="The diagram as PNG, for slides">{ "PNG" }</button>
                <button type="button" data-testid="export-shiviz" onclick={export(Export::Shiviz)}
                        title="The run as a log ShiViz can open">{ "ShiViz log" }</button>
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
