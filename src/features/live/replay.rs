//! What the live view recorded, as a scenario the engine replays: each
//! node's writes at that node, and each node's receives in the order it
//! logged them (a message received again is a duplicate, then a delivery).
//! The nodes' logs are merged in an order that respects them all (a
//! receive after the write it receives). Nothing is guessed: a receive of
//! a write no log holds stops that node's replay there, and the page says
//! so; the replay's end is compared with what the nodes last reported.

use std::collections::BTreeMap;

use causal_core::{replica_name, Command, Config, MessageId, Scenario, Simulation, Value};

use super::wire::{joined, Kind, LoggedEvent, StoreReport, WireMessage};

/// The recording of one node.
#[derive(Clone, Copy, Debug)]
pub struct NodeRecord<'a> {
    /// Its log as read so far; `None` when it keeps none (the original API).
    pub log: Option<&'a [LoggedEvent]>,
    /// What it last reported (`GET /store`), if it ever answered.
    pub report: Option<&'a StoreReport>,
}

/// The replay of a recording.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The scenario's steps.
    pub steps: Vec<Command>,
    /// The engine after them.
    pub simulation: Simulation,
    /// Their events, for the diagram.
    pub trace: causal_core::Trace,
    /// What the recording lacks, in sentences.
    pub missing: Vec<String>,
    /// Where the replay's end differs from what the nodes reported.
    pub differs: Vec<String>,
}

impl Replay {
    /// Whether the replay is the whole run, ending where the nodes are.
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.differs.is_empty()
    }

    /// The scenario file (README.md, "Scenario files") of the replay.
    pub fn scenario_text(&self, urls: &[String]) -> String {
        let config = self.simulation.config();
        let scenario = Scenario {
            version: 1,
            title: Some(format!("Live run of {} nodes", config.replicas)),
            description: Some(format!("Recorded from {}.", urls.join(", "))),
            replicas: config.replicas,
            delivery: config.delivery,
            conflicts: config.conflicts,
            steps: self.steps.clone(),
            reorders: Vec::new(),
        };
        crate::data::json::to_json_pretty(&scenario).unwrap_or_default()
    }
}

/// Replays `nodes` (in node order) under `config`.
pub fn replay(config: Config, nodes: &[NodeRecord]) -> Replay {
    let n = config.replicas;
    let mut simulation = match Simulation::new(config) {
        Ok(s) => s,
        Err(e) => {
            return Replay {
                steps: Vec::new(),
                simulation: Simulation::new(Config {
                    replicas: 3,
                    ..config
                })
                .expect("three replicas are always allowed"),
                trace: Vec::new(),
                missing: vec![format!("The run cannot be replayed: {e}.")],
                differs: Vec::new(),
            }
        }
    };
    let mut trace = Vec::new();
    let mut steps = Vec::new();
    let mut missing = Vec::new();
    let mut written: BTreeMap<(usize, Vec<u64>), MessageId> = BTreeMap::new();
    let mut received: BTreeMap<(MessageId, usize), u32> = BTreeMap::new();
    let mut at = vec![0usize; n];
    let mut stopped = vec![false; n];

    for (i, node) in nodes.iter().enumerate().take(n) {
        if node.log.is_none() {
            stopped[i] = true;
            missing.push(format!(
                "{} keeps no event log (GET /events): what it wrote and received is not known.",
                node_name(i)
            ));
        }
    }

    // Round after round, one event of each node that can go on: the
    // replayed run interleaves the nodes rather than playing one after another.
    loop {
        let mut progressed = false;
        for i in 0..n {
            if stopped[i] {
                continue;
            }
            let Some(log) = nodes.get(i).and_then(|node| node.log) else {
                continue;
            };
            while at[i] < log.len() && !matches!(log[at[i]].kind, Kind::Write | Kind::Receive) {
                at[i] += 1;
            }
            let Some(event) = log.get(at[i]) else {
                continue;
            };
            let m = &event.message;
            let mut apply = |commands: Vec<Command>, steps: &mut Vec<Command>| {
                steps.extend(commands.iter().cloned());
                simulation.apply_traced(commands, &mut trace)
            };
            match event.kind {
                Kind::Write if m.sender != i => {
                    missing.push(format!(
                        "{}'s log holds a write by {} (event {}): the run cannot be replayed past it.",
                        node_name(i),
                        node_name(m.sender),
                        event.seq
                    ));
                    stopped[i] = true;
                    continue;
                }
                Kind::Write => {
                    let command = Command::Write {
                        replica: i,
                        key: m.key.as_str().into(),
                        value: m.value.as_str().into(),
                    };
                    if let Err(e) = apply(vec![command], &mut steps) {
                        missing.push(format!(
                            "{}'s write {} could not be replayed: {}.",
                            node_name(i),
                            m.describe(),
                            e.error
                        ));
                        stopped[i] = true;
                        continue;
                    }
                    let id = MessageId(simulation.messages().len() as u32);
                    let replayed = simulation
                        .messages()
                        .get(id)
                        .map(|w| w.clock.entries().to_vec())
                        .unwrap_or_default();
                    if replayed != m.clock {
                        missing.push(format!(
                            "{} is stamped [{}] when replayed: some of what {} delivered before it is not in its log.",
                            m.describe(),
                            joined(&replayed),
                            replica_name(i)
                        ));
                    }
                    written.insert((m.sender, m.clock.clone()), id);
                }
                Kind::Receive if m.sender == i => {
                    missing.push(format!(
                        "{}'s log says it received its own write {} (event {}): the run cannot be replayed past it.",
                        node_name(i),
                        m.describe(),
                        event.seq
                    ));
                    stopped[i] = true;
                    continue;
                }
                Kind::Receive => {
                    // A receive waits for the write it receives.
                    let Some(&id) = written.get(&(m.sender, m.clock.clone())) else {
                        continue;
                    };
                    let times = received.entry((id, i)).or_insert(0);
                    let mut commands = Vec::new();
                    if *times > 0 {
                        commands.push(Command::Duplicate { message: id, to: i });
                    }
                    commands.push(Command::Deliver { message: id, to: i });
                    *times += 1;
                    if let Err(e) = apply(commands, &mut steps) {
                        missing.push(format!(
                            "{} receiving {} could not be replayed: {}.",
                            node_name(i),
                            m.describe(),
                            e.error
                        ));
                        stopped[i] = true;
                        continue;
                    }
                }
                _ => {}
            }
            at[i] += 1;
            progressed = true;
        }
        if !progressed {
            break;
        }
    }

    // Whatever is left waits for a write no log holds.
    for i in 0..n {
        if stopped[i] {
            continue;
        }
        let Some(log) = nodes.get(i).and_then(|node| node.log) else {
            continue;
        };
        let Some(event) = log.get(at[i]) else {
            continue;
        };
        let m = &event.message;
        let later = log[at[i]..]
            .iter()
            .filter(|e| matches!(e.kind, Kind::Write | Kind::Receive))
            .count();
        let whose = match nodes.get(m.sender).and_then(|node| node.log) {
            Some(_) => format!("which {}'s events do not include", replica_name(m.sender)),
            None => format!("and {} keeps no event log", replica_name(m.sender)),
        };
        missing.push(format!(
            "{} received {}, {whose}: {} of {}'s events are left out of the replay.",
            node_name(i),
            m.describe(),
            later,
            replica_name(i)
        ));
    }

    let differs = compare(&simulation, nodes);
    Replay {
        steps,
        simulation,
        trace,
        missing,
        differs,
    }
}

/// Where the replay's end differs from each node's last report.
fn compare(simulation: &Simulation, nodes: &[NodeRecord]) -> Vec<String> {
    let mut differs = Vec::new();
    for (i, replica) in simulation.replicas().iter().enumerate() {
        let Some(node) = nodes.get(i) else { continue };
        let (Some(report), Some(_)) = (node.report, node.log) else {
            continue;
        };
        let name = replica_name(i);
        let clock = replica.clock().entries();
        if clock != report.clock.as_slice() {
            differs.push(format!(
                "{name}'s clock is [{}] in the replay, but [{}] at the node.",
                joined(clock),
                joined(&report.clock)
            ));
        }
        let store: Vec<(String, Value)> = replica
            .store()
            .iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if store != report.store {
            differs.push(format!(
                "{name}'s store is {} in the replay, but {} at the node.",
                store_text(&store),
                store_text(&report.store)
            ));
        }
        let mut held: Vec<String> = replica
            .hold_back()
            .iter()
            .filter_map(|id| simulation.messages().get(id))
            .map(|m| {
                WireMessage {
                    key: m.key.to_string(),
                    value: m.value.to_string(),
                    sender: m.sender,
                    clock: m.clock.entries().to_vec(),
                }
                .id()
            })
            .collect();
        let mut buffered: Vec<String> = report.buffered.iter().map(WireMessage::id).collect();
        held.sort();
        buffered.sort();
        if held != buffered {
            differs.push(format!(
                "{name} holds back {} in the replay, but {} at the node.",
                list(&held),
                list(&buffered)
            ));
        }
    }
    differs
}

fn node_name(i: usize) -> String {
    format!("Node {} ({i})", replica_name(i))
}

fn store_text(store: &[(String, Value)]) -> String {
    if store.is_empty() {
        return "empty".into();
    }
    let shown: Vec<String> = store
        .iter()
        .take(6)
        .map(|(k, v)| {
            format!(
                "{}={}",
                super::wire::short(k),
                super::wire::short(&v.joined())
            )
        })
        .collect();
    let more = store.len().saturating_sub(6);
    if more > 0 {
        format!("{{{}, and {more} more}}", shown.join(", "))
    } else {
        format!("{{{}}}", shown.join(", "))
    }
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "nothing".into()
    } else {
        ids.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> Config {
        Config {
            replicas: 3,
            delivery: causal_core::Delivery::Causal,
            conflicts: causal_core::Conflicts::Overwrite,
        }
    }

    fn msg(key: &str, value: &str, sender: usize, clock: &[u64]) -> WireMessage {
        WireMessage {
            key: key.into(),
            value: value.into(),
            sender,
            clock: clock.to_vec(),
        }
    }

    fn log(events: &[(Kind, WireMessage)]) -> Vec<LoggedEvent> {
        events
            .iter()
            .enumerate()
            .map(|(i, (kind, message))| LoggedEvent {
                seq: i as u64 + 1,
                kind: *kind,
                message: message.clone(),
            })
            .collect()
    }

    fn report(clock: &[u64], store: &[(&str, &str)], buffered: Vec<WireMessage>) -> StoreReport {
        StoreReport {
            store: store
                .iter()
                .map(|(k, v)| (k.to_string(), Value::One(v.to_string())))
                .collect(),
            clock: clock.to_vec(),
            buffered,
        }
    }

    /// The classic anomaly on real nodes: A writes x=1, B sees it and
    /// writes x=2, C receives B's write first (held), then A's.
    fn classic() -> (Vec<Vec<LoggedEvent>>, Vec<StoreReport>) {
        use Kind::*;
        let a1 = msg("x", "1", 0, &[1, 0, 0]);
        let b1 = msg("x", "2", 1, &[1, 1, 0]);
        let logs = vec![
            log(&[
                (Write, a1.clone()),
                (Receive, b1.clone()),
                (Deliver, b1.clone()),
            ]),
            log(&[
                (Receive, a1.clone()),
                (Deliver, a1.clone()),
                (Write, b1.clone()),
            ]),
            log(&[
                (Receive, b1.clone()),
                (Hold, b1.clone()),
                (Receive, a1.clone()),
                (Deliver, a1.clone()),
                (Deliver, b1.clone()),
                (Receive, a1.clone()),
                (Discard, a1.clone()),
            ]),
        ];
        let reports = vec![
            report(&[1, 1, 0], &[("x", "2")], vec![]),
            report(&[1, 1, 0], &[("x", "2")], vec![]),
            report(&[1, 1, 0], &[("x", "2")], vec![]),
        ];
        (logs, reports)
    }

    fn records<'a>(
        logs: &'a [Vec<LoggedEvent>],
        reports: &'a [StoreReport],
    ) -> Vec<NodeRecord<'a>> {
        logs.iter()
            .zip(reports)
            .map(|(l, r)| NodeRecord {
                log: Some(l),
                report: Some(r),
            })
            .collect()
    }

    /// The file is the one serde_json's pretty writer makes, also in the
    /// browser, where `JSON.stringify` writes it; and it reads back.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn the_scenario_file_is_written_as_serde_json_writes_it() {
        let (mut logs, reports) = classic();
        let odd = msg("k\u{e9}", "say \"hi\"\t\\ \u{1}\u{1f600}", 1, &[1, 2, 0]);
        logs[1].extend(log(&[(Kind::Write, odd)]).into_iter().map(|mut e| {
            e.seq = 4;
            e
        }));
        let r = replay(three(), &records(&logs, &reports));
        assert!(
            r.steps
                .iter()
                .any(|c| matches!(c, Command::Write { key, .. } if &**key == "k\u{e9}")),
            "{:?}",
            r.missing
        );
        let urls = ["http://127.0.0.1:5000".to_string()];
        let text = r.scenario_text(&urls);
        let scenario = crate::data::json::scenario(&text).unwrap();
        assert_eq!(scenario.steps, r.steps);
        assert_eq!(
            text,
            serde_json::to_string_pretty(&scenario).unwrap(),
            "{text}"
        );
    }

    #[test]
    fn the_classic_anomaly_replays_to_where_the_nodes_are() {
        let (logs, reports) = classic();
        let r = replay(three(), &records(&logs, &reports));
        assert!(r.complete(), "{:?} {:?}", r.missing, r.differs);
        use Command::*;
        let m = MessageId;
        assert_eq!(
            r.steps,
            vec![
                Write {
                    replica: 0,
                    key: "x".into(),
                    value: "1".into()
                },
                Deliver {
                    message: m(1),
                    to: 1
                },
                Write {
                    replica: 1,
                    key: "x".into(),
                    value: "2".into()
                },
                Deliver {
                    message: m(2),
                    to: 2
                },
                Deliver {
                    message: m(2),
                    to: 0
                },
                Deliver {
                    message: m(1),
                    to: 2
                },
                Duplicate {
                    message: m(1),
                    to: 2
                },
                Deliver {
                    message: m(1),
                    to: 2
                },
            ]
        );
        // The scenario file reads back as the same steps.
        let text = r.scenario_text(&["http://a".into(), "http://b".into(), "http://c".into()]);
        assert_eq!(Scenario::parse(&text).unwrap().steps, r.steps);
    }

    #[test]
    fn a_receive_of_a_write_nobody_logged_is_named_not_guessed() {
        let (mut logs, reports) = classic();
        logs[1].clear(); // B's log lost: its write x=2 is unknown.
        let r = replay(three(), &records(&logs, &reports));
        assert!(!r.complete());
        assert!(
            r.missing.iter().any(|s| s.contains(
                "Node A (0) received B's write x=2 [1,1,0], which B's events do not include"
            )),
            "{:?}",
            r.missing
        );
        assert!(r
            .missing
            .iter()
            .any(|s| s.starts_with("Node C (2) received B's write x=2")));
        assert!(r
            .differs
            .iter()
            .any(|s| s.contains("B's clock is [0,0,0] in the replay, but [1,1,0] at the node")));

        let mut nodes = records(&logs, &reports);
        nodes[1].log = None;
        let r = replay(three(), &nodes);
        assert!(r.missing[0].contains("Node B (1) keeps no event log"));
        assert!(r
            .missing
            .iter()
            .any(|s| s.contains("and B keeps no event log")));
    }

    #[test]
    fn a_report_the_replay_does_not_reach_is_a_difference() {
        let (logs, mut reports) = classic();
        reports[2] = report(
            &[1, 1, 0],
            &[("x", "1")],
            vec![msg("y", "9", 0, &[2, 0, 0])],
        );
        let r = replay(three(), &records(&logs, &reports));
        assert!(r.missing.is_empty());
        assert_eq!(r.differs.len(), 2, "{:?}", r.differs);
        assert!(r.differs[0].contains("C's store is {x=2} in the replay, but {x=1} at the node"));
        assert!(
            r.differs[1].contains("C holds back nothing in the replay, but A:2,0,0 at the node")
        );
    }
}
