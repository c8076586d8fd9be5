//! The page's components. Each gets the data it shows and narrow callbacks
//! for what it can do; none sees the reducer.

pub mod census;
pub mod clock;
pub mod controls;
pub mod diagram;
pub mod held;
pub mod lane;
pub mod log;
pub mod notice;
pub mod puzzle;
pub mod replica;
pub mod share_bar;
pub mod status;
pub mod store;
pub mod timeline;
pub mod write_form;
