//! Data compiled into the page at build time, the one way it reads JSON,
//! and the compact form of a run's steps (share links, the search worker).
//! `build.rs` reads every file under `scenarios/`, `lessons/` and
//! `lessons/puzzles/` with the engine and fails the build on a bad one; the
//! page embeds what the engine made of them. Imports nothing of the page.

pub mod json;
pub mod lessons;
pub mod presets;
pub mod puzzles;
pub mod steps;
