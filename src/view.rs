//! The engine's state turned into what the components show: cards with
//! their previews, held messages with their explanations.

use causal_core::{Messages, Preview, ReplicaId, Simulation};

use crate::components::held::HeldView;
use crate::components::lane::{CardPreview, CardView};
use crate::describe::{held_explanation, waits_for, whereabouts};

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

/// The cards of the lane to `to`, in lane order.
pub fn cards(simulation: &Simulation, to: ReplicaId) -> Vec<CardView> {
    simulation
        .network()
        .lane(to)
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
        .collect()
}

/// The hold-back buffer of `replica`, in arrival order, explained.
pub fn held(simulation: &Simulation, replica: ReplicaId) -> Vec<HeldView> {
    simulation.replicas()[replica]
        .hold_back()
        .iter()
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
                whereabouts: missing
                    .iter()
                    .take(3)
                    .map(|m| whereabouts(simulation, replica, *m))
                    .collect(),
                missing,
            })
        })
        .collect()
}
