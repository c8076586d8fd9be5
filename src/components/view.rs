//! The engine's state turned into what the components show: cards with
//! their previews, held messages with their explanations.

use causal_core::{Command, Messages, Preview, ReplicaId, Simulation};

use crate::components::held::HeldView;
use crate::components::lane::{CardPreview, CardView, LaneView, LostCopy, PreviewKind, LANE_SHOWN};
use causal_core::explain;

use crate::run::describe::{waits_for, whereabouts};

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
            kind: PreviewKind::Violate,
        },
        Preview::Deliver { releases, .. } if !releases.is_empty() => CardPreview {
            text: format!("delivers now, then releases {}", list(releases)),
            kind: PreviewKind::Deliver,
        },
        Preview::Deliver { .. } => CardPreview {
            text: "delivers now".into(),
            kind: PreviewKind::Deliver,
        },
        Preview::Hold { waits_for: gap } => CardPreview {
            text: format!("would be held: waits for {}", waits_for(gap, messages)),
            kind: PreviewKind::Hold,
        },
        Preview::Discard => CardPreview {
            text: "a duplicate: would be discarded".into(),
            kind: PreviewKind::Discard,
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

/// The hold-back buffer of `replica`, in arrival order, explained by the
/// explaining layer (the rule at work's words and tests): its first
/// [`LANE_SHOWN`] messages.
pub fn held(simulation: &Simulation, replica: ReplicaId) -> Vec<HeldView> {
    let rule = simulation.config().delivery;
    let at = &simulation.replicas()[replica];
    at.hold_back()
        .iter()
        .take(LANE_SHOWN)
        .filter_map(|id| {
            let message = simulation.messages().get(id)?;
            let decision = causal_core::why_held(simulation, id, replica)?;
            let told = explain::receive(&decision, simulation.messages());
            // Highlighting thousands of messages helps nobody: the first few.
            let missing: Vec<_> = decision
                .waits_for
                .messages(simulation.messages())
                .take(16)
                .collect();
            Some(HeldView {
                message: id,
                explanation: told.words.clone(),
                rule: causal_core::rule_lines(rule),
                timestamp: message.clock.entries().to_vec(),
                clock: at.clock().entries().to_vec(),
                fails: told.failing(),
                tests: told.tests.iter().map(|t| (t.holds, t.line())).collect(),
                whereabouts: missing
                    .iter()
                    .take(3)
                    .map(|m| {
                        let w = whereabouts(simulation, replica, *m);
                        (*m, w)
                    })
                    .collect(),
                missing,
                hidden: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use causal_core::{Config, Delivery, MessageId};

    use super::*;

    /// A simulation under `config` after `commands`.
    fn run(config: Config, commands: Vec<Command>) -> Simulation {
        let mut sim = Simulation::new(config).expect("a config");
        for command in commands {
            sim.apply(command).expect("a valid step");
        }
        sim
    }

    #[test]
    fn fifo_tests_only_the_senders_entry() {
        // A writes twice; B receives the second first.
        let fifo = Config {
            delivery: Delivery::Fifo,
            ..Config::default()
        };
        let second = Command::deliver(2, 1);
        let sim = run(
            fifo,
            vec![
                Command::write(0, "x", "1"),
                Command::write(0, "x", "2"),
                second,
            ],
        );
        let held = held(&sim, 1);
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].fails, [0]);
        assert_eq!(
            held[0].tests,
            [(
                false,
                "needs m2[A] = delivered(B, A) + 1: 2 \u{2260} 0 + 1, fails".to_string()
            )]
        );
        assert_eq!(held[0].rule, causal_core::rule_lines(Delivery::Fifo));
    }

    #[test]
    fn the_held_entry_and_the_rule_at_work_print_the_same_terms() {
        // A writes, B delivers and replies, C receives the reply first.
        let steps = vec![
            Command::write(0, "post", "lost my keys"),
            Command::deliver(1, 1),
            Command::write(1, "reply", "found them"),
            Command::deliver(2, 2),
        ];
        let (sim, trace) = Simulation::replay_traced(Config::default(), &steps).expect("a run");
        let last = causal_core::last_receive(&sim, &trace).expect("a receive");
        let rule = explain::receive(&last, sim.messages());
        let entry = &held(&sim, 2)[0];
        assert_eq!(entry.explanation, rule.words);
        let tests: Vec<(bool, String)> = rule.tests.iter().map(|t| (t.holds, t.line())).collect();
        assert_eq!(entry.tests, tests);
        assert_eq!(entry.fails, rule.failing());
        assert_eq!(
            entry.explanation,
            "m2 from B waits for A#1 (m1): C has delivered 0 of A's writes."
        );
    }

    #[test]
    fn the_lane_view_lists_a_lost_copy_until_it_is_sent_again() {
        // A writes x twice; the first copy to B is lost; B holds the second.
        let (m1, m2) = (MessageId(1), MessageId(2));
        let mut sim = run(
            Config::default(),
            vec![
                Command::write(0, "x", "1"),
                Command::write(0, "x", "2"),
                Command::Drop { message: m1, to: 1 },
                Command::Deliver { message: m2, to: 1 },
            ],
        );
        let view = lane(&sim, 1);
        assert_eq!(
            view.lost,
            [LostCopy {
                message: m1,
                from: 0
            }]
        );
        assert!(lane(&sim, 2).lost.is_empty());
        sim.apply(Command::Duplicate { message: m1, to: 1 })
            .expect("a duplicate");
        assert!(lane(&sim, 1).lost.is_empty(), "in flight again");
        sim.apply(Command::Deliver { message: m1, to: 1 })
            .expect("a delivery");
        assert!(lane(&sim, 1).lost.is_empty(), "arrived");
    }

    #[test]
    fn a_long_lane_shows_its_first_hundred_cards_and_counts_the_rest() {
        let writes = (0..130)
            .map(|i| Command::write(0, "k", i.to_string()))
            .collect();
        let view = lane(&run(Config::default(), writes), 1);
        assert_eq!(view.cards.len(), 100);
        assert_eq!(view.total, 130);
        assert_eq!(view.cards[99].message, MessageId(100));
    }

    #[test]
    fn each_card_previews_what_delivering_it_now_would_do() {
        // A writes x; B delivers it and writes y, and gets m1 again.
        let (m1, m2) = (MessageId(1), MessageId(2));
        let classic = vec![
            Command::write(0, "x", "1"),
            Command::Deliver { message: m1, to: 1 },
            Command::write(1, "y", "2"),
            Command::Duplicate { message: m1, to: 1 },
        ];
        let preview = |sim: &Simulation, m: MessageId, to: ReplicaId| {
            let card = lane(sim, to).cards.into_iter().find(|c| c.message == m);
            card.expect("a card").preview
        };
        let mut sim = run(Config::default(), classic.clone());
        let hold = preview(&sim, m2, 2);
        assert_eq!(hold.kind, PreviewKind::Hold);
        assert_eq!(hold.text, "would be held: waits for A#1 (m1)");
        assert_eq!(preview(&sim, m1, 1).kind, PreviewKind::Discard);
        sim.apply(Command::Deliver { message: m2, to: 2 })
            .expect("held");
        let releases = preview(&sim, m1, 2);
        assert_eq!(releases.kind, PreviewKind::Deliver);
        assert_eq!(releases.text, "delivers now, then releases m2");

        let unordered = Config {
            delivery: Delivery::Unordered,
            ..Config::default()
        };
        let violates = preview(&run(unordered, classic), m2, 2);
        assert_eq!(violates.kind, PreviewKind::Violate);
        assert_eq!(
            violates.text,
            "delivers now, breaking causal order: m1 not yet delivered"
        );
    }
}
