//! Embeds every scenario file under `scenarios/`, every lesson file under
//! `lessons/` and every puzzle file under `lessons/puzzles/` in the page, so
//! the page and the tests load the very same files.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    embed("scenarios", "PRESETS", "Preset scenarios", "presets.rs");
    embed("lessons", "LESSONS", "Guided lessons", "lessons.rs");
    embed("lessons/puzzles", "PUZZLES", "Puzzles", "puzzles.rs");
}

/// Writes `OUT_DIR/out`: a constant `name` listing every `.json` file of
/// `dir` as (file name without `.json`, file text), in file-name order.
fn embed(dir: &str, name: &str, what: &str, out: &str) {
    println!("cargo:rerun-if-changed={dir}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = format!(
        "/// {what}: (file name without `.json`, file text).\npub const {name}: &[(&str, &str)] = &[\n"
    );
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({stem:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join(out);
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
