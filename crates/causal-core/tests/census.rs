//! The outcome census (README.md, "The outcome census") against a brute force
//! written here: every permutation of the copies in flight, played one by one.

use std::collections::{BTreeMap, BTreeSet};

use causal_core::{orders_of, FinalReplica};
use causal_core::{
    Arrival, Census, CensusError, Command, Config, Conflicts, Delivery, Event, MessageId,
    Simulation,
};

fn write(replica: usize, key: &str, value: &str) -> Command {
    Command::Write {
        replica,
        key: key.into(),
        value: value.into(),
    }
}

fn deliver(message: u32, to: usize) -> Command {
    Command::Deliver {
        message: MessageId(message),
        to,
    }
}

fn state(delivery: Delivery, conflicts: Conflicts, steps: &[Command]) -> Simulation {
    let config = Config {
        replicas: 3,
        delivery,
        conflicts,
    };
    Simulation::replay(config, steps).unwrap()
}

/// What the census must find, counted the slow way.
#[derive(Debug, Default, PartialEq)]
struct Brute {
    orders: u64,
    violating: u64,
    diverging: u64,
    /// Outcome (as JSON) to (orders, violating).
    outcomes: BTreeMap<String, (u64, u64)>,
}

fn outcome_of(simulation: &Simulation) -> String {
    let replicas: Vec<FinalReplica> = simulation
        .replicas()
        .iter()
        .map(|r| FinalReplica {
            clock: r.clock().clone(),
            store: r.store().to_map(),
        })
        .collect();
    serde_json::to_string(&replicas).unwrap()
}

/// Every permutation of `items`' indices.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for p in permutations(n - 1) {
        for at in 0..=p.len() {
            let mut q = p.clone();
            q.insert(at, n - 1);
            all.push(q);
        }
    }
    all
}

/// Plays every distinct order of the copies in flight.
fn brute_force(simulation: &Simulation) -> Brute {
    let copies: Vec<(MessageId, usize)> =
        simulation.in_flight().map(|c| (c.message, c.to)).collect();
    let orders: BTreeSet<Vec<(MessageId, usize)>> = permutations(copies.len())
        .into_iter()
        .map(|p| p.into_iter().map(|i| copies[i]).collect())
        .collect();
    let mut brute = Brute::default();
    for order in orders {
        let mut sim = simulation.clone();
        let mut violated = false;
        for (message, to) in order {
            let events = sim.apply(Command::Deliver { message, to }).unwrap();
            violated |= events.iter().any(|e| matches!(e, Event::Violation(_)));
        }
        assert!(sim.network().is_empty());
        brute.orders += 1;
        brute.violating += violated as u64;
        brute.diverging += !sim.converged() as u64;
        let entry = brute.outcomes.entry(outcome_of(&sim)).or_default();
        entry.0 += 1;
        entry.1 += violated as u64;
    }
    brute
}

/// The census agrees with the brute force, and each outcome's order reaches it.
fn check(simulation: &Simulation) -> causal_core::CensusReport {
    let report = Census::run(simulation).unwrap();
    let brute = brute_force(simulation);
    assert_eq!(report.copies, simulation.network().len());
    assert_eq!(
        (report.orders, report.violating, report.diverging),
        (brute.orders, brute.violating, brute.diverging)
    );
    let found: BTreeMap<String, (u64, u64)> = report
        .outcomes
        .iter()
        .map(|o| {
            (
                serde_json::to_string(&o.replicas).unwrap(),
                (o.orders, o.violating),
            )
        })
        .collect();
    assert_eq!(found, brute.outcomes);
    for outcome in &report.outcomes {
        assert_eq!(outcome.order.len(), report.copies);
        let mut sim = simulation.clone();
        for receipt in &outcome.order {
            sim.apply(receipt.command()).unwrap();
        }
        assert_eq!(
            outcome_of(&sim),
            serde_json::to_string(&outcome.replicas).unwrap()
        );
        assert_eq!(outcome.converged, sim.converged());
    }
    // Most orders first.
    assert!(report
        .outcomes
        .windows(2)
        .all(|w| w[0].orders >= w[1].orders));
    report
}

#[test]
fn concurrent_writes_under_every_rule() {
    let steps = [write(0, "x", "1"), write(1, "x", "2")];
    for delivery in Delivery::ALL {
        for conflicts in Conflicts::ALL {
            let report = check(&state(delivery, conflicts, &steps));
            // Four copies, all different: 4! orders.
            assert_eq!(report.orders, 24);
            assert_eq!(report.violating, 0);
        }
    }
    // Overwrite: A and B swap values, C keeps the last: never converged.
    let report = check(&state(Delivery::Causal, Conflicts::Overwrite, &steps));
    assert_eq!((report.diverging, report.outcomes.len()), (24, 2));
    // Last writer wins: always converged, one outcome.
    let report = check(&state(Delivery::Causal, Conflicts::Lww, &steps));
    assert_eq!((report.diverging, report.outcomes.len()), (0, 1));
}

#[test]
fn a_dependent_write_breaks_causal_order_only_under_weaker_rules() {
    let steps = [
        write(0, "x", "1"),
        deliver(1, 1),
        write(1, "y", "2"),
        write(0, "x", "3"),
    ];
    let causal = check(&state(Delivery::Causal, Conflicts::Overwrite, &steps));
    assert_eq!(causal.orders, 120);
    assert_eq!(causal.violating, 0);
    let unordered = check(&state(Delivery::Unordered, Conflicts::Overwrite, &steps));
    assert!(unordered.violating > 0 && unordered.violating < unordered.orders);
    let fifo = check(&state(Delivery::Fifo, Conflicts::MultiValue, &steps));
    assert!(fifo.violating > 0);
}

#[test]
fn copies_of_one_message_to_one_replica_are_interchangeable() {
    let steps = [
        write(0, "x", "1"),
        Command::Duplicate {
            message: MessageId(1),
            to: 2,
        },
        write(1, "x", "2"),
    ];
    for delivery in Delivery::ALL {
        let report = check(&state(delivery, Conflicts::Overwrite, &steps));
        // Five copies, two of them the same: 5! / 2!.
        assert_eq!(report.orders, 60);
    }
    // Three copies of one message to C and one of another: 4! / 3!.
    let steps = [
        write(0, "x", "1"),
        Command::Duplicate {
            message: MessageId(1),
            to: 2,
        },
        Command::Duplicate {
            message: MessageId(1),
            to: 2,
        },
        deliver(1, 1),
        write(1, "y", "2"),
        deliver(2, 0),
    ];
    let report = check(&state(Delivery::Unordered, Conflicts::Overwrite, &steps));
    assert_eq!(report.orders, 4);
    assert_eq!(orders_of(&[3, 1]), Some(4));
}

#[test]
fn held_messages_and_releases_are_part_of_the_outcome() {
    let steps = [
        write(0, "x", "1"),
        write(0, "x", "2"),
        deliver(2, 1),
        write(2, "z", "3"),
        write(1, "x", "4"),
    ];
    for delivery in Delivery::ALL {
        check(&state(delivery, Conflicts::MultiValue, &steps));
        check(&state(delivery, Conflicts::Lww, &steps));
    }
}

#[test]
fn nothing_in_flight_is_one_empty_order() {
    let sim = state(
        Delivery::Causal,
        Conflicts::Overwrite,
        &[write(0, "x", "1"), Command::DeliverAll],
    );
    let report = check(&sim);
    assert_eq!((report.orders, report.outcomes.len()), (1, 1));
    assert!(report.outcomes[0].order.is_empty());
}

#[test]
fn slices_of_any_size_give_the_same_answer() {
    let sim = state(
        Delivery::Fifo,
        Conflicts::Overwrite,
        &[
            write(0, "x", "1"),
            deliver(1, 1),
            write(1, "x", "2"),
            write(2, "x", "3"),
        ],
    );
    let whole = Census::run(&sim).unwrap();
    for budget in [1, 2, 7, 100] {
        let mut census = Census::new(&sim).unwrap();
        let mut last = 0.0;
        let mut slices = 0;
        loop {
            let progress = census.step(budget);
            slices += 1;
            assert!((0.0..=1.0).contains(&progress.fraction));
            assert!(progress.fraction + 1e-9 >= last, "progress went back");
            last = progress.fraction;
            if progress.done {
                break;
            }
            assert!(census.report().is_none());
        }
        assert_eq!(census.report().unwrap(), whole);
        if budget == 1 {
            assert!(slices > 10);
        }
    }
}

#[test]
fn too_many_copies_are_refused_with_the_number_of_orders() {
    let mut steps = Vec::new();
    for i in 0..7 {
        steps.push(write(i % 3, "x", &i.to_string()));
    }
    let sim = state(Delivery::Causal, Conflicts::Overwrite, &steps);
    assert_eq!(sim.network().len(), 14);
    let Err(e) = Census::new(&sim) else {
        panic!("14 copies are too many")
    };
    assert_eq!(
        e,
        CensusError::TooManyCopies {
            copies: 14,
            orders: Some(87_178_291_200)
        }
    );
    assert_eq!(
        e.to_string(),
        "14 copies are in flight, more than the 12 the census explores (they can be received in 87,178,291,200 different orders, counting copies of one message to one replica as interchangeable)"
    );
}

#[test]
fn receipts_name_the_copy_received() {
    let r = Arrival {
        message: MessageId(3),
        to: 1,
    };
    assert_eq!(r.command(), deliver(3, 1));
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"message":3,"to":1}"#
    );
}

mod random {
    //! Random small states, under every rule: the census agrees with the
    //! brute force.

    use super::*;
    use proptest::prelude::*;

    /// A few writes, deliveries and duplicates, kept while at most 6 copies
    /// are in flight (6! = 720 orders for the brute force).
    fn states() -> impl Strategy<Value = Simulation> {
        let step = (0usize..4, 0usize..3, 1u32..5, 0usize..3);
        (
            prop::sample::select(Delivery::ALL.to_vec()),
            prop::sample::select(Conflicts::ALL.to_vec()),
            prop::collection::vec(step, 1..10),
        )
            .prop_map(|(delivery, conflicts, steps)| {
                let mut sim = state(delivery, conflicts, &[]);
                for (kind, replica, message, to) in steps {
                    let command = match kind {
                        0 | 1 => write(replica, if replica == 1 { "y" } else { "x" }, "v"),
                        2 => deliver(message, to),
                        _ => Command::Duplicate {
                            message: MessageId(message),
                            to,
                        },
                    };
                    let mut next = sim.clone();
                    if next.apply(command).is_ok() && next.network().len() <= 6 {
                        sim = next;
                    }
                }
                sim
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_census_agrees_with_every_permutation(sim in states()) {
            check(&sim);
        }
    }
}
