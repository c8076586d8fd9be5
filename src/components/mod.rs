//! The views: the page's components, what they are drawn from (`view`:
//! the engine's state turned into what a lane and a replica show;
//! `diagram_layout`: the space-time diagram laid out, pure). Each component
//! gets the data it shows and narrow callbacks for what it can do; none
//! sees the reducer. Imports the layers below (data, run, browser), never
//! a feature.

pub mod census;
pub mod clock;
pub mod controls;
pub mod diagram;
pub mod diagram_layout;
pub mod embed_steps;
pub mod held;
pub mod lane;
pub mod lesson;
pub mod log;
pub mod notice;
pub mod observed;
pub mod present;
pub mod puzzle;
pub mod replica;
pub mod rule_at_work;
pub mod share_bar;
pub mod shortcuts;
pub mod status;
pub mod store;
pub mod timeline;
pub mod view;
pub mod write_form;
