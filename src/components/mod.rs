//! The page's components. Each gets the data it shows and narrow callbacks
//! for what it can do; none sees the reducer.

pub mod census;
pub mod clock;
pub mod controls;
pub mod diagram;
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
pub mod write_form;
