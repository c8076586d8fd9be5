//! The engine's state turned into what the components show: cards with
//! their previews, held messages with their explanations.

use causal_core::{Command, Messages, Preview, ReplicaId, Simulation};

use crate::components::held::HeldView;
use crate::components::lane::{CardPreview, CardView, LaneView, LostCopy, LANE_SHOWN};
use crate::describe::{failing_entries, held_explanation, rule_text, waits_for, whereabouts};

/// What delivering a copy now would do, in words.
pub fn preview_text(preview: &Preview, messages: &Messages) -> CardPreview {
    let list = |ids: &[causal_core::MessageId]| {
        ids.iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match preview {
        Preview::Deliver {
            violations,
            releases,
        } if !violations.is_empty() => CardPreview {
            text: format!(
                "delivers now, breaking causal order: {} not yet delivered",
                list(violations)
            ),
            kind: "violate",
        },
        Preview::Deliver { releases, .. } if !releases.is_empty() => CardPreview {
            text: format!("delivers now, then releases {}", list(releases)),
            kind: "deliver",
        },
        Preview::Deliver { .. } => CardPreview {
            text: "delivers now".into(),
            kind: "deliver",
        },
        Preview::Hold { waits_for: gap } => CardPreview {
            text: format!("would be held: waits for {}", waits_for(gap, messages)),
            kind: "hold",
        },
        Preview::Discard => CardPreview {
            text: "a duplicate: would be discarded".into(),
            kind: "discard",
        },
    }
}

/// The lane to `to`: its first cards, in lane order, with their previews
/// (only those: a lane of thousands costs what is shown), and the copies
/// lost on the way.
pub fn lane(simulation: &Simulation, to: ReplicaId) -> LaneView {
    let cards = simulation
        .network()
        .lane(to)
        .take(LANE_SHOWN)
        .filter_map(|copy| {
            let message = simulation.messages().get(copy.message)?;
            let preview = simulation.preview(copy.message, to).ok()?;
            Some(CardView {
                copy: copy.copy,
                message: copy.message,
                from: copy.from,
                to,
                write: format!("{} = {}", message.key, message.value),
                timestamp: message.clock.to_string(),
                preview: preview_text(&preview, simulation.messages()),
            })
        })
        .collect();
    LaneView {
        cards,
        total: simulation.network().lane_len(to),
        lost: lost(simulation, to),
    }
}

/// Copies to `to` that were dropped and have neither arrived nor been sent
/// again since: each message once, in the order they were dropped.
pub fn lost(simulation: &Simulation, to: ReplicaId) -> Vec<LostCopy> {
    let replica = &simulation.replicas()[to];
    let mut lost: Vec<LostCopy> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for command in simulation.history() {
        let Command::Drop { message, to: at } = command else {
            continue;
        };
        if *at != to || !seen.insert(*message) {
            continue;
        }
        let Some(sent) = simulation.messages().get(*message) else {
            continue;
        };
        if replica.knows(sent) || simulation.network().earliest(*message, to).is_some() {
            continue;
        }
        lost.push(LostCopy {
            message: *message,
            from: sent.sender,
        });
    }
    lost
}

/// The hold-back buffer of `replica`, in arrival order, explained: its first
/// [`LANE_SHOWN`] messages.
pub fn held(simulation: &Simulation, replica: ReplicaId) -> Vec<HeldView> {
    let rule = simulation.config().delivery;
    let at = &simulation.replicas()[replica];
    at.hold_back()
        .iter()
        .take(LANE_SHOWN)
        .filter_map(|id| {
            let message = simulation.messages().get(id)?;
            let gap = simulation.waits_for(replica, id);
            // Highlighting thousands of messages helps nobody: the first few.
            let missing: Vec<_> = gap.messages(simulation.messages()).take(16).collect();
            Some(HeldView {
                message: id,
                explanation: held_explanation(
                    replica,
                    id,
                    message.sender,
                    &gap,
                    simulation.messages(),
                ),
                rule: rule_text(rule, replica, id, message.sender),
                timestamp: message.clock.entries().to_vec(),
                clock: at.clock().entries().to_vec(),
                failing: failing_entries(rule, replica, id, message.sender, &gap),
                whereabouts: missing
                    .iter()
                    .take(3)
                    .map(|m| {
                        let w = whereabouts(simulation, replica, *m);
                        (*m, w)
                    })
                    .collect(),
                missing,
            })
        })
        .collect()
}
