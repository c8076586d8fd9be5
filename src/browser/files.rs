//! Browser glue for downloads (scenario, SVG, PNG, ShiViz exports), uploads
//! (a scenario file picked or dropped) and the clipboard.
//!
//! Every function reports failure instead of panicking. Callbacks from the
//! browser that happen exactly once are `Closure::once_into_js`, which frees
//! itself when called; nothing is forgotten in a loop.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, DragEvent, File, FileReader,
    HtmlAnchorElement, HtmlCanvasElement, HtmlImageElement, HtmlInputElement, Url,
};
use yew::Callback;

/// The largest file [`read_text`] reads, in bytes.
pub const MAX_IMPORT_BYTES: u64 = 1_000_000;

/// The largest side of a PNG export, in pixels (browsers refuse bigger canvases).
pub const MAX_PNG_SIDE: f64 = 16_384.0;

/// How long an object URL lives after its download starts, in milliseconds:
/// long enough for a slow browser to fetch it, then freed.
const REVOKE_AFTER_MS: u32 = 30_000;

/// Plain words for a JavaScript error.
fn js_error(context: &str, error: &JsValue) -> String {
    let detail = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string());
    match detail {
        Some(detail) if !detail.is_empty() => format!("{context}: {detail}"),
        _ => context.to_string(),
    }
}

/// Clicks a temporary `<a download>` pointing at `href`.
fn click_link(filename: &str, href: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("the page has no document")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_error("could not start the download", &e))?
        .dyn_into()
        .map_err(|_| "could not start the download".to_string())?;
    anchor.set_href(href);
    anchor.set_download(filename);
    anchor.set_hidden(true);
    // In the document, so that every browser follows the click.
    let body = document.body();
    if let Some(body) = &body {
        let _ = body.append_child(&anchor);
    }
    anchor.click();
    anchor.remove();
    Ok(())
}

/// Frees an object URL once its download has had time to start.
fn revoke_later(url: String) {
    gloo_timers::callback::Timeout::new(REVOKE_AFTER_MS, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
}

/// A blob of `contents` with the given MIME type.
fn blob(mime: &str, contents: &str) -> Result<Blob, String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| js_error("could not make the file", &e))
}

/// Downloads `contents` as a file named `filename`.
pub fn download(filename: &str, mime: &str, contents: &str) -> Result<(), String> {
    let blob = blob(mime, contents)?;
    let url = Url::create_object_url_with_blob(&blob)
        .map_err(|e| js_error("could not make the file", &e))?;
    let result = click_link(filename, &url);
    revoke_later(url);
    result
}

/// Downloads the SVG `svg` as a PNG named `filename`: the picture drawn at
/// `width` × `height` CSS pixels times `scale` (2.0 for slides), on white.
/// The SVG must stand alone (its styles inside it). Errors go to `on_error`.
pub fn download_png_from_svg(
    filename: &str,
    svg: &str,
    width: f64,
    height: f64,
    scale: f64,
    on_error: Callback<String>,
) {
    let side = |css: f64| {
        let px = (css * scale).ceil();
        (1.0..=MAX_PNG_SIDE).contains(&px).then_some(px)
    };
    let (Some(w), Some(h)) = (side(width), side(height)) else {
        on_error.emit(format!(
            "the picture cannot be drawn at {} × {} pixels: each side must be 1 to {} pixels",
            (width * scale).round() as i64,
            (height * scale).round() as i64,
            MAX_PNG_SIDE as i64
        ));
        return;
    };
    let url = match blob("image/svg+xml;charset=utf-8", svg).and_then(|b| {
        Url::create_object_url_with_blob(&b).map_err(|e| js_error("could not read the picture", &e))
    }) {
        Ok(url) => url,
        Err(e) => return on_error.emit(e),
    };
    let image = match HtmlImageElement::new() {
        Ok(image) => image,
        Err(e) => {
            let _ = Url::revoke_object_url(&url);
            return on_error.emit(js_error("could not read the picture", &e));
        }
    };
    // Exactly one of load and error fires; each handler clears both, so the
    // other is dropped by the garbage collector.
    let onload = {
        let (image, url, filename, on_error) = (
            image.clone(),
            url.clone(),
            filename.to_string(),
            on_error.clone(),
        );
        Closure::once_into_js(move || {
            clear_handlers(&image);
            let result = draw_png(&image, w, h).and_then(|png| click_link(&filename, &png));
            let _ = Url::revoke_object_url(&url);
            if let Err(e) = result {
                on_error.emit(e);
            }
        })
    };
    let onerror = {
        let (image, url) = (image.clone(), url.clone());
        Closure::once_into_js(move || {
            clear_handlers(&image);
            let _ = Url::revoke_object_url(&url);
            on_error.emit("the browser could not read the diagram as a picture".to_string());
        })
    };
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_onerror(Some(onerror.unchecked_ref()));
    image.set_src(&url);
}

fn clear_handlers(image: &HtmlImageElement) {
    image.set_onload(None);
    image.set_onerror(None);
}

/// The image drawn on a white canvas of `w` × `h` pixels, as a PNG data URL.
fn draw_png(image: &HtmlImageElement, w: f64, h: f64) -> Result<String, String> {
    let fail = |e: JsValue| js_error("could not draw the picture", &e);
    let canvas: HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("the page has no document")?
        .create_element("canvas")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "could not draw the picture".to_string())?;
    // Both sides were checked to be whole numbers from 1 to MAX_PNG_SIDE.
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(fail)?
        .ok_or("the browser cannot draw pictures")?
        .dyn_into()
        .map_err(|_| "the browser cannot draw pictures".to_string())?;
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, w, h);
    context
        .draw_image_with_html_image_element_and_dw_and_dh(image, 0.0, 0.0, w, h)
        .map_err(fail)?;
    canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| js_error("could not make the PNG", &e))
}

/// A size in plain words: "850 bytes", "12 KB", "3.2 MB" (1 MB = 1,000,000 bytes).
pub fn size_in_words(bytes: u64) -> String {
    if bytes < 1_000 {
        format!("{bytes} bytes")
    } else if bytes < 1_000_000 {
        format!("{} KB", bytes / 1_000)
    } else {
        let tenths = bytes / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// Reads `file` as text and gives it to `on_done`, or says why not: a file
/// over [`MAX_IMPORT_BYTES`] is refused without being read, and its bytes
/// are read by `causal-sim`'s rule (UTF-8, a byte order mark skipped;
/// UTF-16 or bytes that are not UTF-8 refused, never replaced).
pub fn read_text(file: File, on_done: Callback<Result<String, String>>) {
    let name = file.name();
    let size = file.size();
    // A size is a whole number of bytes; anything else is treated as too big.
    let bytes = if size.is_finite() && size >= 0.0 {
        size as u64
    } else {
        u64::MAX
    };
    if bytes > MAX_IMPORT_BYTES {
        return on_done.emit(Err(format!(
            "{name} is {}; the limit is {}",
            size_in_words(bytes),
            size_in_words(MAX_IMPORT_BYTES)
        )));
    }
    let reader = match FileReader::new() {
        Ok(reader) => reader,
        Err(e) => return on_done.emit(Err(js_error(&format!("could not read {name}"), &e))),
    };
    // `loadend` fires exactly once, after success or failure.
    let onloadend = {
        let (reader, name, on_done) = (reader.clone(), name.clone(), on_done.clone());
        Closure::once_into_js(move || {
            reader.set_onloadend(None);
            let Some(buffer) = reader.result().ok().filter(|r| r.is_object()) else {
                return on_done.emit(Err(format!("could not read {name}: the browser refused")));
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let text = causal_core::utf8_text(&bytes, &name)
                .map(|text| text.strip_prefix('\u{feff}').unwrap_or(text).to_string());
            on_done.emit(text);
        })
    };
    reader.set_onloadend(Some(onloadend.unchecked_ref()));
    if let Err(e) = reader.read_as_array_buffer(&file) {
        reader.set_onloadend(None);
        on_done.emit(Err(js_error(&format!("could not read {name}"), &e)));
    }
}

/// The file chosen in a file input, if any.
pub fn file_from_input(input: &HtmlInputElement) -> Option<File> {
    input.files()?.get(0)
}

/// The first file dropped, if any.
pub fn file_from_drop(event: &DragEvent) -> Option<File> {
    event.data_transfer()?.files()?.get(0)
}

/// Copies `text` to the clipboard with `navigator.clipboard.writeText`, when
/// the browser has it, ignoring refusals (headless browsers and pages not
/// served over https may refuse). Returns whether the copy was attempted.
pub fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let get = |target: &JsValue, name: &str| {
        js_sys::Reflect::get(target, &JsValue::from_str(name))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let Some(clipboard) = get(&window, "navigator").and_then(|n| get(&n, "clipboard")) else {
        return false;
    };
    let Some(write) =
        get(&clipboard, "writeText").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(text)) {
        Ok(promise) => {
            if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
                // A refusal is expected; handled, it is not an "uncaught" error.
                IGNORE.with(|ignore| {
                    let _ = promise.catch(ignore);
                });
            }
            true
        }
        Err(_) => true,
    }
}

thread_local! {
    /// One handler for every refused copy, made once and kept.
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}
