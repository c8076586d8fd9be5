//! A seeded scheduler for autoplay: picks which copy in flight arrives next.
//!
//! No getrandom and no clock: the choice depends only on the seed and the
//! state, so the same seed replays the same run, and undoing then playing
//! again makes the same choice.

use crate::{Command, Simulation};

/// Picks copies to deliver, pseudo-randomly from a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Scheduler {
    pub seed: u64,
}

impl Scheduler {
    /// A scheduler with this seed.
    pub fn new(seed: u64) -> Self {
        Scheduler { seed }
    }

    /// The next command: deliver one copy in flight, chosen uniformly from
    /// the seed and the history's length. `None` when nothing is in flight.
    pub fn next(&self, simulation: &Simulation) -> Option<Command> {
        let in_flight = simulation.network().len();
        if in_flight == 0 {
            return None;
        }
        let step = simulation.history().len() as u64;
        let pick = splitmix64(self.seed ^ splitmix64(step)) % in_flight as u64;
        let copy = simulation.in_flight().nth(pick as usize)?;
        Some(Command::Deliver {
            message: copy.message,
            to: copy.to,
        })
    }
}

/// SplitMix64: a tiny, well-mixed generator (Steele, Lea and Flood, 2014).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
