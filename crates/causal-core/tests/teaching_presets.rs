//! The presets the lessons point to (scenarios/): each shows what its
//! description says. Their title, description and format are checked with
//! every other scenario in tests/scenarios.rs.

use std::path::PathBuf;

use causal_core::{Conflicts, Delivery, MessageId, Scenario, Simulation, Value};

fn load(name: &str) -> Scenario {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios"))
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run(name: &str) -> Simulation {
    load(name).run().unwrap_or_else(|e| panic!("{name}: {e}")).0
}

fn held(sim: &Simulation, replica: usize) -> Vec<MessageId> {
    sim.replicas()[replica].hold_back().iter().collect()
}

fn ids(ids: &[u32]) -> Vec<MessageId> {
    ids.iter().map(|&i| MessageId(i)).collect()
}

#[test]
fn alice_bob_carol_holds_the_reply_until_the_post() {
    let sim = run("alice-bob-carol");
    assert!(sim.violations().is_empty());
    assert!(sim.converged());
    assert_eq!(sim.replicas()[2].delivered(), ids(&[1, 2]));
    let at4 = sim.at_step(4).unwrap();
    assert_eq!(held(&at4, 2), ids(&[2]));
    assert_eq!(at4.waits_for(2, MessageId(2)).to_string(), "A#1");
    // Under fifo, Carol shows the answer first.
    let fifo = sim
        .with_rules(Delivery::Fifo, Conflicts::Overwrite)
        .unwrap();
    assert_eq!(fifo.replicas()[2].delivered(), ids(&[2, 1]));
    assert_eq!(fifo.violations().len(), 1);
}

#[test]
fn fifo_is_not_causal_holds_m3_and_delivers_m2_too_early() {
    let sim = run("fifo-not-causal");
    assert_eq!(load("fifo-not-causal").delivery, Delivery::Fifo);
    // Step 5: m3 arrives before m1 and is held; step 6: m2 is delivered, m1 missing.
    assert_eq!(held(&sim.at_step(5).unwrap(), 2), ids(&[3]));
    let at6 = sim.at_step(6).unwrap();
    assert_eq!(at6.replicas()[2].delivered(), ids(&[2]));
    assert_eq!(at6.violations().len(), 1);
    assert_eq!(
        (at6.violations()[0].message, at6.violations()[0].missing),
        (MessageId(2), MessageId(1))
    );
    // m1 releases m3; in the end all agree, and nothing is in flight.
    assert_eq!(sim.replicas()[2].delivered(), ids(&[2, 1, 3]));
    assert!(sim.converged());
    assert_eq!(sim.in_flight().count(), 0);
    // The same history under causal: no violation; C holds m3 and m2 until
    // m1, then releases them in the order they arrived (they are concurrent).
    let causal = sim
        .with_rules(Delivery::Causal, Conflicts::Overwrite)
        .unwrap();
    assert!(causal.violations().is_empty());
    assert_eq!(held(&causal.at_step(6).unwrap(), 2), ids(&[3, 2]));
    assert_eq!(causal.replicas()[2].delivered(), ids(&[1, 3, 2]));
}

#[test]
fn five_replica_chain_releases_three_held_at_once() {
    let scenario = load("five-replica-chain");
    assert_eq!(scenario.replicas, 5);
    let sim = run("five-replica-chain");
    // Before m1 reaches E (step 14), E holds m4, m3, m2 in arrival order.
    let at13 = sim.at_step(13).unwrap();
    assert_eq!(held(&at13, 4), ids(&[4, 3, 2]));
    let at14 = sim.at_step(14).unwrap();
    assert!(held(&at14, 4).is_empty());
    assert_eq!(at14.replicas()[4].delivered(), ids(&[1, 2, 3, 4]));
    assert_eq!(at14.replicas()[4].clock().to_string(), "[1,1,1,1,0]");
    assert!(sim.converged());
    assert!(sim.violations().is_empty());
}

#[test]
fn concurrent_writes_in_different_orders_under_each_conflict_rule() {
    let sim = run("concurrent-different-orders");
    let color = |sim: &Simulation, r: usize| sim.replicas()[r].store().get("color");
    let one = |v: &str| Some(Value::One(v.into()));
    assert_eq!(
        (0..4).map(|r| color(&sim, r)).collect::<Vec<_>>(),
        [one("blue"), one("red"), one("blue"), one("red")]
    );
    assert!(!sim.converged());
    let lww = sim.with_rules(Delivery::Causal, Conflicts::Lww).unwrap();
    assert!(lww.converged());
    assert_eq!(color(&lww, 3), one("blue"));
    let mv = sim
        .with_rules(Delivery::Causal, Conflicts::MultiValue)
        .unwrap();
    assert!(mv.converged());
    assert_eq!(
        color(&mv, 0),
        Some(Value::Siblings(vec!["red".into(), "blue".into()]))
    );
}
