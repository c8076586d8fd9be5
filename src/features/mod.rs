//! Features on top of the run and the views: lessons (`guide`,
//! `lesson_effects`), puzzles (`play`), the classroom (`classroom`),
//! sharing and exporting (`exchange`), causal-check's `#check=` link
//! (`check_link`) and the live view of real nodes (`live`). Each keeps its
//! own state beside the run's and reaches it through actions.

pub mod check_link;
pub mod classroom;
pub mod exchange;
pub mod guide;
pub mod lesson_effects;
pub mod live;
pub mod play;
