//! Embeds every scenario file under `scenarios/` and every lesson file under
//! `lessons/` in the page, so the page and the tests load the very same files.

use std::fmt::Write as _;
use std::path::Path;

/// Writes `OUT_DIR/{out}`: `pub const {name}: &[(&str, &str)]` of (file name
/// without `.json`, file text) for every `.json` file directly in `dir`.
fn embed(dir: &str, name: &str, doc: &str, out: &str) {
    println!("cargo:rerun-if-changed={dir}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = format!("/// {doc}: (file name without `.json`, file text).\npub const {name}: &[(&str, &str)] = &[\n");
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join(out);
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}

fn main() {
    embed("scenarios", "PRESETS", "Preset scenarios", "presets.rs");
    embed("lessons", "LESSONS", "Guided lessons", "lessons.rs");
}
