//! The page's layers (ARCHITECTURE.md, "The layers of the page"): each
//! folder of `src/` imports only the folders beneath it, so the drawing of
//! `src/` has no cycle and no arrow back up. Read from the sources, as a
//! reviewer would: every `crate::` path outside a file's tests.

use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: [&str; 5] = ["data", "run", "browser", "components", "features"];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a folder of src/") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The code of `text` without comments and without its `#[cfg(test)]`
/// module (which may reach anywhere).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every `crate::` path in `code`, a group's
/// (`crate::{a, b::c}`) included.
fn crate_paths(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inside = group.split('}').next().unwrap_or("");
            found.extend(inside.split(',').map(|p| ident(p.trim())));
        } else {
            found.push(ident(rest));
        }
    }
    found
}

#[test]
fn no_layer_of_the_page_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (level, layer) in LAYERS.iter().enumerate() {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ holds no Rust file");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file");
            for target in crate_paths(&code(&text)) {
                match LAYERS.iter().position(|l| *l == target) {
                    Some(to) if to > level => wrong.push(format!(
                        "{} imports crate::{target}, a layer above {layer}",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    )),
                    Some(_) => {}
                    // A path to the crate root's own items (App), which
                    // only main.rs may use.
                    None => wrong.push(format!(
                        "{} names crate::{target}, which is no layer",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    )),
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} paths read: is src/ laid out in layers?"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn paths_in_groups_and_comments_are_read_as_the_compiler_reads_them() {
    let text = "use crate::{run::state, browser::files};\n// crate::features::x\nuse crate::data::json;\n#[cfg(test)]\nmod tests {\n    use crate::features::live;\n}\n";
    assert_eq!(crate_paths(&code(text)), ["run", "browser", "data"]);
}
