//! The explaining layer: every sentence the project writes about what the
//! engine decided, in one set of words and one notation. The engine decides
//! ([`crate::decision`], [`crate::Replica`]); this layer only reads its
//! decisions and says them. The page's held entries and rule at work,
//! lessons' feedback, and the command-line tools call it, so a learner meets
//! the same terms everywhere (ARCHITECTURE.md, "The explaining layer").
//!
//! The notation, everywhere:
//! - `m2` is message 2; `A#1` is A's first write, `A#1..A#3` its first three.
//! - `[1,1,0]` is a vector clock or a timestamp, entries in replica order.
//! - `m2[A]` is entry A of m2's timestamp; `C[A]` is entry A of C's clock;
//!   `delivered(C, A)` is how many of A's writes C has delivered.
//! - A test is written once, with its numbers after it, never as a chain:
//!   `needs m2[A] ≤ C[A]: 1 > 0, fails`.
//!
//! An [`Explanation`] has three layers: plain words first, the numbers
//! after them, the full formula on demand (a disclosure on the page).

mod command;
mod event;
mod receive;

pub use command::{happening, instruction, short, step};
pub use event::{assignment, event, events, sentence, violation, Tone, HELD_WAITS};
pub use receive::{held_sentence, receive, waits_for, Explanation, Test};
