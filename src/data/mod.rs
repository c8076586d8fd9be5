//! Data compiled into the page at build time, and the one way it reads JSON.
//! `build.rs` reads every file under `scenarios/`, `lessons/` and
//! `lessons/puzzles/` with the engine and fails the build on a bad one; the
//! page embeds what the engine made of them. Imports nothing of the page.

pub mod json;
pub mod lessons;
pub mod presets;
pub mod puzzles;
