//! Properties of the engine over random schedules, checked against a
//! reference model written here from the model's rules, as plainly as they
//! read: vectors everywhere, the whole hold-back buffer scanned after every
//! delivery, violations found by comparing against every message ever
//! written. It is slow and obviously right; the engine is fast and must agree
//! with it on every field of every report.
//!
//! Schedules are generated from the *current* state (a write, a delivery of
//! a copy that is in flight, a drop, a duplicate, a reorder, ...), so most
//! commands are valid; a few are deliberately not, and must be refused alike.
//!
//! A failure prints the seed (rerun with `PROPTEST_RNG_SEED=<seed>`) and the
//! scenario file that reproduces it (`causal-sim run` it, or load it in the
//! page). Failing seeds are also saved next to this file
//! (`properties.proptest-regressions`) and replayed first on the next run.

mod common;

use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::{BuildHasher, Hasher};

use causal_core::{
    replica_name, Classified, Command, Config, Conflicts, Delivery, Event, InFlightReport,
    MessageId, Preview, ReplicaReport, Report, Scenario, Scheduler, Simulation, Value, VectorClock,
    Verdict, Violation, Whereabouts,
};
use causal_core::{shiviz_events, shiviz_file};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{
    Config as ProptestConfig, FileFailurePersistence, RngSeed, TestCaseError, TestRunner,
};

// ---------------------------------------------------------------------------
// The reference model.
// ---------------------------------------------------------------------------

/// A write as broadcast.
#[derive(Clone, Debug)]
struct Msg {
    id: u32,
    sender: usize,
    key: String,
    value: String,
    clock: Vec<u64>,
}

/// A copy in flight. `serial` numbers copies in the order they were sent.
#[derive(Clone, Debug)]
struct Copy {
    serial: u64,
    message: u32,
    from: usize,
    to: usize,
}

#[derive(Clone, Debug)]
struct Rep {
    clock: Vec<u64>,
    /// In delivery order.
    delivered: Vec<u32>,
    /// In arrival order.
    held: Vec<u32>,
}

/// What receiving a copy did, for comparing previews.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Discarded,
    Held,
    Delivered {
        violations: Vec<u32>,
        releases: Vec<u32>,
    },
}

#[derive(Clone, Debug)]
struct Model {
    n: usize,
    delivery: Delivery,
    conflicts: Conflicts,
    /// `msgs[id - 1]`.
    msgs: Vec<Msg>,
    /// In sending order.
    in_flight: Vec<Copy>,
    /// Per destination, serials in lane order.
    lanes: Vec<Vec<u64>>,
    sent: u64,
    reps: Vec<Rep>,
    violations: Vec<(usize, u32, u32)>,
}

/// `a < b`: every entry at most, and not equal.
fn less(a: &[u64], b: &[u64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x <= y) && a != b
}

impl Model {
    fn new(config: Config) -> Self {
        Model {
            n: config.replicas,
            delivery: config.delivery,
            conflicts: config.conflicts,
            msgs: Vec::new(),
            in_flight: Vec::new(),
            lanes: vec![Vec::new(); config.replicas],
            sent: 0,
            reps: vec![
                Rep {
                    clock: vec![0; config.replicas],
                    delivered: Vec::new(),
                    held: Vec::new(),
                };
                config.replicas
            ],
            violations: Vec::new(),
        }
    }

    fn msg(&self, id: u32) -> &Msg {
        &self.msgs[id as usize - 1]
    }

    fn replica_error(&self, r: usize) -> Result<(), String> {
        if r < self.n {
            Ok(())
        } else {
            Err(format!(
                "replica {r} does not exist: there are {}, numbered 0 to {}",
                self.n,
                self.n - 1
            ))
        }
    }

    /// The earliest copy (in sending order) of `m` to `to`, as an index.
    fn earliest(&self, m: u32, to: usize) -> Option<usize> {
        self.in_flight
            .iter()
            .position(|c| c.message == m && c.to == to)
    }

    /// Applies a command, or says why not (the engine's exact words) and
    /// changes nothing.
    fn apply(&mut self, command: &Command) -> Result<(), String> {
        match command {
            Command::Write {
                replica,
                key,
                value,
            } => {
                self.replica_error(*replica)?;
                self.write(*replica, key, value);
            }
            Command::Deliver { message, to } | Command::Drop { message, to } => {
                self.replica_error(*to)?;
                let index = self.earliest(message.0, *to).ok_or(format!(
                    "message {} is not in flight to replica {to}",
                    message.0
                ))?;
                if matches!(command, Command::Deliver { .. }) {
                    self.receive(index);
                } else {
                    self.take(index);
                }
            }
            Command::Duplicate { message, to } => {
                self.replica_error(*to)?;
                if message.0 == 0 || message.0 as usize > self.msgs.len() {
                    return Err(format!("message {} has not been written", message.0));
                }
                let sender = self.msg(message.0).sender;
                if sender == *to {
                    return Err(format!(
                        "message {} cannot be sent to replica {to}: it is the message's sender",
                        message.0
                    ));
                }
                self.send(message.0, sender, *to);
            }
            Command::DeliverAll => {
                while !self.in_flight.is_empty() {
                    self.receive(0);
                }
            }
            Command::DeliverNext { to } => {
                self.replica_error(*to)?;
                let Some(&serial) = self.lanes[*to].first() else {
                    return Err(format!("nothing is in flight to replica {to}"));
                };
                let index = self
                    .in_flight
                    .iter()
                    .position(|c| c.serial == serial)
                    .expect("a lane only has copies in flight");
                self.receive(index);
            }
            Command::Reorder {
                to,
                index,
                position,
            } => {
                self.replica_error(*to)?;
                let len = self.lanes[*to].len();
                for p in [*index, *position] {
                    if p >= len {
                        return Err(format!(
                            "the lane to replica {to} has {len} copies: there is no position {p}"
                        ));
                    }
                }
                let lane = &mut self.lanes[*to];
                let moved = lane.remove(*index);
                lane.insert(*position, moved);
            }
        }
        Ok(())
    }

    fn write(&mut self, r: usize, key: &str, value: &str) {
        self.reps[r].clock[r] += 1;
        let id = self.msgs.len() as u32 + 1;
        self.msgs.push(Msg {
            id,
            sender: r,
            key: key.to_string(),
            value: value.to_string(),
            clock: self.reps[r].clock.clone(),
        });
        self.reps[r].delivered.push(id);
        for to in 0..self.n {
            if to != r {
                self.send(id, r, to);
            }
        }
    }

    fn send(&mut self, message: u32, from: usize, to: usize) {
        let serial = self.sent;
        self.sent += 1;
        self.in_flight.push(Copy {
            serial,
            message,
            from,
            to,
        });
        self.lanes[to].push(serial);
    }

    fn take(&mut self, index: usize) -> Copy {
        let copy = self.in_flight.remove(index);
        self.lanes[copy.to].retain(|&s| s != copy.serial);
        copy
    }

    fn deliverable(&self, i: usize, m: u32) -> bool {
        let msg = self.msg(m);
        let rep = &self.reps[i];
        let j = msg.sender;
        match self.delivery {
            Delivery::Causal => {
                msg.clock[j] == rep.clock[j] + 1
                    && (0..self.n)
                        .filter(|&k| k != j)
                        .all(|k| msg.clock[k] <= rep.clock[k])
            }
            Delivery::Fifo => {
                let from_j = rep
                    .delivered
                    .iter()
                    .filter(|&&d| self.msg(d).sender == j)
                    .count() as u64;
                msg.clock[j] == from_j + 1
            }
            Delivery::Unordered => true,
        }
    }

    /// Every message that happened before `m` and is not delivered at `i`,
    /// ascending by number.
    fn undelivered_before(&self, i: usize, m: u32) -> Vec<u32> {
        let msg = self.msg(m);
        self.msgs
            .iter()
            .filter(|p| p.sender != i)
            .filter(|p| less(&p.clock, &msg.clock))
            .filter(|p| !self.reps[i].delivered.contains(&p.id))
            .map(|p| p.id)
            .collect()
    }

    /// What a held `m` waits for at `i`, senders ascending then in sequence.
    fn gap(&self, i: usize, m: u32) -> Vec<u32> {
        let msg = self.msg(m);
        let mut missing: Vec<&Msg> = match self.delivery {
            Delivery::Causal => self
                .undelivered_before(i, m)
                .into_iter()
                .map(|id| self.msg(id))
                .collect(),
            Delivery::Fifo => self
                .msgs
                .iter()
                .filter(|p| p.sender == msg.sender && p.clock[p.sender] < msg.clock[msg.sender])
                .filter(|p| !self.reps[i].delivered.contains(&p.id))
                .collect(),
            Delivery::Unordered => Vec::new(),
        };
        missing.sort_by_key(|p| (p.sender, p.clock[p.sender]));
        missing.into_iter().map(|p| p.id).collect()
    }

    fn deliver(&mut self, i: usize, m: u32) -> Vec<u32> {
        let missing = self.undelivered_before(i, m);
        for &p in &missing {
            self.violations.push((i, m, p));
        }
        let clock = self.msg(m).clock.clone();
        let rep = &mut self.reps[i];
        for (mine, theirs) in rep.clock.iter_mut().zip(&clock) {
            *mine = (*mine).max(*theirs);
        }
        rep.delivered.push(m);
        missing
    }

    fn receive(&mut self, index: usize) -> Outcome {
        let copy = self.take(index);
        let (i, m) = (copy.to, copy.message);
        let rep = &self.reps[i];
        if rep.delivered.contains(&m) || rep.held.contains(&m) {
            return Outcome::Discarded;
        }
        if !self.deliverable(i, m) {
            self.reps[i].held.push(m);
            return Outcome::Held;
        }
        let violations = self.deliver(i, m);
        let mut releases = Vec::new();
        // Scan the whole buffer, earliest arrival first, until nothing moves.
        while let Some(p) = self.reps[i]
            .held
            .iter()
            .position(|&h| self.deliverable(i, h))
        {
            let h = self.reps[i].held.remove(p);
            self.deliver(i, h);
            releases.push(h);
        }
        Outcome::Delivered {
            violations,
            releases,
        }
    }

    /// What delivering `m` to `to` would do, done on a copy.
    fn preview(&self, m: u32, to: usize) -> Option<Outcome> {
        let mut copy = self.clone();
        let index = copy.earliest(m, to)?;
        Some(copy.receive(index))
    }

    /// A replica's store, from every write it delivered, by the conflict rule.
    fn store(&self, i: usize) -> BTreeMap<String, Value> {
        let mut by_key: BTreeMap<&str, Vec<&Msg>> = BTreeMap::new();
        for &d in &self.reps[i].delivered {
            let msg = self.msg(d);
            by_key.entry(&msg.key).or_default().push(msg);
        }
        let rank = |m: &Msg| (m.clock.iter().sum::<u64>(), m.sender);
        by_key
            .into_iter()
            .map(|(key, writes)| {
                let value = match self.conflicts {
                    Conflicts::Overwrite => {
                        Value::One(writes.last().expect("a write").value.clone())
                    }
                    Conflicts::Lww => Value::One(
                        writes
                            .iter()
                            .max_by_key(|m| rank(m))
                            .expect("a write")
                            .value
                            .clone(),
                    ),
                    Conflicts::MultiValue => {
                        let mut kept: Vec<&Msg> = writes
                            .iter()
                            .filter(|m| !writes.iter().any(|o| less(&m.clock, &o.clock)))
                            .copied()
                            .collect();
                        kept.sort_by_key(|m| rank(m));
                        Value::Siblings(kept.iter().map(|m| m.value.clone()).collect())
                    }
                };
                (key.to_string(), value)
            })
            .collect()
    }

    fn report(&self) -> Report {
        let stores: Vec<_> = (0..self.n).map(|i| self.store(i)).collect();
        let ids = |v: &[u32]| v.iter().map(|&m| MessageId(m)).collect::<Vec<_>>();
        Report {
            replicas: (0..self.n)
                .map(|i| ReplicaReport {
                    replica: i,
                    clock: VectorClock::from_entries(self.reps[i].clock.clone()),
                    store: stores[i].clone(),
                    held: ids(&self.reps[i].held),
                    delivered: ids(&self.reps[i].delivered),
                })
                .collect(),
            in_flight: self
                .in_flight
                .iter()
                .map(|c| InFlightReport {
                    message: MessageId(c.message),
                    from: c.from,
                    to: c.to,
                })
                .collect(),
            violations: self
                .violations
                .iter()
                .map(|&(replica, message, missing)| Violation {
                    replica,
                    message: MessageId(message),
                    missing: MessageId(missing),
                })
                .collect(),
            converged: stores.iter().all(|s| *s == stores[0]),
        }
    }
}

// ---------------------------------------------------------------------------
// Schedules: choices read against the current state.
// ---------------------------------------------------------------------------

const KEYS: [&str; 3] = ["x", "y", "z"];

/// One step of a schedule, before it meets a state.
#[derive(Clone, Copy, Debug)]
struct Choice {
    kind: u8,
    a: u16,
    b: u16,
    c: u16,
}

/// Which kinds of command a schedule may use.
#[derive(Clone, Copy, Debug)]
struct Mix {
    drops: bool,
    invalid: bool,
}

const ALL: Mix = Mix {
    drops: true,
    invalid: true,
};
const NO_DROPS: Mix = Mix {
    drops: false,
    invalid: false,
};

fn choice() -> impl Strategy<Value = Choice> {
    (0u8..100, any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(kind, a, b, c)| Choice {
        kind,
        a,
        b,
        c,
    })
}

/// The command `choice` stands for in `model`'s state.
fn pick(model: &Model, choice: Choice, step: usize, mix: Mix) -> Command {
    let n = model.n;
    let (a, b, c) = (choice.a as usize, choice.b as usize, choice.c as usize);
    let write = Command::Write {
        replica: a % n,
        key: KEYS[b % KEYS.len()].into(),
        value: format!("{}{step}", replica_name(a % n)).into(),
    };
    let copy = |at: usize| {
        (!model.in_flight.is_empty()).then(|| &model.in_flight[at % model.in_flight.len()])
    };
    let lanes: Vec<usize> = (0..n).filter(|&to| !model.lanes[to].is_empty()).collect();
    match choice.kind {
        0..=24 => write,
        25..=54 => copy(a).map_or(write.clone(), |c| Command::Deliver {
            message: MessageId(c.message),
            to: c.to,
        }),
        55..=61 => copy(a).map_or(write.clone(), |c| {
            if mix.drops {
                Command::Drop {
                    message: MessageId(c.message),
                    to: c.to,
                }
            } else {
                Command::Deliver {
                    message: MessageId(c.message),
                    to: c.to,
                }
            }
        }),
        62..=68 if !model.msgs.is_empty() => {
            let m = &model.msgs[a % model.msgs.len()];
            let mut to = b % n;
            if to == m.sender {
                to = (to + 1) % n;
            }
            Command::Duplicate {
                message: MessageId(m.id),
                to,
            }
        }
        69..=73 => Command::DeliverAll,
        74..=81 if !lanes.is_empty() => {
            let to = lanes[a % lanes.len()];
            let len = model.lanes[to].len();
            Command::Reorder {
                to,
                index: b % len,
                position: c % len,
            }
        }
        82..=89 if !lanes.is_empty() => Command::DeliverNext {
            to: lanes[a % lanes.len()],
        },
        90..=99 if mix.invalid => {
            // Anything at all, valid or not: refusals are checked too.
            let message = MessageId((b % (model.msgs.len() + 2)) as u32);
            let to = c % (n + 1);
            match a % 7 {
                0 => Command::Write {
                    replica: b % (n + 1),
                    key: "x".into(),
                    value: "?".into(),
                },
                1 => Command::Deliver { message, to },
                2 => Command::Drop { message, to },
                3 => Command::Duplicate { message, to },
                4 => Command::DeliverNext { to },
                5 => {
                    let len = model.lanes.get(to).map_or(0, Vec::len);
                    Command::Reorder {
                        to,
                        index: b % (len + 2),
                        position: (a / 7) % (len + 2),
                    }
                }
                _ => Command::DeliverAll,
            }
        }
        _ => write,
    }
}

/// A configuration and a schedule.
#[derive(Clone, Debug)]
struct Case {
    config: Config,
    choices: Vec<Choice>,
}

fn config(
    delivery: impl Strategy<Value = Delivery>,
    conflicts: impl Strategy<Value = Conflicts>,
) -> impl Strategy<Value = Config> {
    (
        prop_oneof![4 => 2usize..=4, 1 => 5usize..=8],
        delivery,
        conflicts,
    )
        .prop_map(|(replicas, delivery, conflicts)| Config {
            replicas,
            delivery,
            conflicts,
        })
}

fn case(config: impl Strategy<Value = Config>, max_steps: usize) -> impl Strategy<Value = Case> {
    (config, prop::collection::vec(choice(), 0..max_steps))
        .prop_map(|(config, choices)| Case { config, choices })
}

fn any_delivery() -> impl Strategy<Value = Delivery> {
    select(Delivery::ALL.to_vec())
}

fn any_conflicts() -> impl Strategy<Value = Conflicts> {
    select(Conflicts::ALL.to_vec())
}

/// The scenario file of `commands` under `config`, one step a line: what a
/// failure prints. Save it and `causal-sim run` it, or load it in the page.
fn scenario(config: Config, commands: &[Command]) -> String {
    let steps: Vec<String> = commands
        .iter()
        .map(|c| {
            format!(
                "    {}",
                serde_json::to_string(c).expect("a command serializes")
            )
        })
        .collect();
    format!(
        "{{\"version\": 1, \"replicas\": {}, \"delivery\": \"{}\", \"conflicts\": \"{}\", \"steps\": [\n{}\n]}}",
        config.replicas,
        config.delivery,
        config.conflicts,
        steps.join(",\n")
    )
}

/// A run of a case, engine and model side by side.
struct Run {
    sim: Simulation,
    model: Model,
    /// Every command tried, accepted or not: the scenario to print.
    tried: Vec<Command>,
    /// Every event the engine emitted.
    events: Vec<Event>,
}

impl Run {
    fn new(config: Config) -> Self {
        Run {
            sim: Simulation::new(config).expect("2 to 8 replicas"),
            model: Model::new(config),
            tried: Vec::new(),
            events: Vec::new(),
        }
    }

    fn scenario(&self) -> String {
        scenario(self.sim.config(), &self.tried)
    }

    /// Applies `command` to both; they must agree on whether it is refused,
    /// why, and the report after it. A refused command changes nothing.
    fn step(&mut self, command: Command) -> Result<(), TestCaseError> {
        self.tried.push(command.clone());
        let before = self.sim.clone();
        let expected = self.model.apply(&command);
        let got = self.sim.apply(command.clone());
        match (&got, &expected) {
            (Ok(events), Ok(())) => {
                check_events(&before, events, &self.sim).map_err(|why| {
                    TestCaseError::fail(format!(
                        "events of {command:?} disagree with the state: {why}\nevents: {events:?}\nscenario:\n{}",
                        self.scenario()
                    ))
                })?;
                self.events.extend(events.iter().cloned());
            }
            (Err(e), Err(why)) => {
                prop_assert_eq!(
                    &e.to_string(),
                    why,
                    "refused for another reason\nscenario:\n{}",
                    self.scenario()
                );
                prop_assert!(
                    self.sim == before,
                    "a refused command changed the state\nscenario:\n{}",
                    self.scenario()
                );
                self.tried.pop();
            }
            _ => prop_assert!(
                false,
                "engine says {:?}, model says {:?} to {:?}\nscenario:\n{}",
                got.as_ref().map(|_| ()).map_err(|e| e.to_string()),
                expected,
                command,
                self.scenario()
            ),
        }
        let (engine, model) = (Report::of(&self.sim), self.model.report());
        prop_assert!(
            engine == model,
            "reports differ after {:?}\nengine: {}\nmodel:  {}\nscenario:\n{}",
            command,
            serde_json::to_string(&engine).unwrap(),
            serde_json::to_string(&model).unwrap(),
            self.scenario()
        );
        Ok(())
    }

    fn play(&mut self, choices: &[Choice], mix: Mix) -> Result<(), TestCaseError> {
        for (step, &choice) in choices.iter().enumerate() {
            let command = pick(&self.model, choice, step + 1, mix);
            self.step(command)?;
        }
        Ok(())
    }

    /// Every preview of a copy in flight, and every held message's gap,
    /// agree with the model.
    fn check_previews(&self) -> Result<(), TestCaseError> {
        let all = self.sim.messages();
        for copy in self.sim.in_flight() {
            let preview = self.sim.preview(copy.message, copy.to);
            let expected = self
                .model
                .preview(copy.message.0, copy.to)
                .expect("in flight in both");
            let agrees = match (&preview, &expected) {
                (Ok(Preview::Discard), Outcome::Discarded) => true,
                (Ok(Preview::Hold { waits_for }), Outcome::Held) => {
                    let ids: Vec<u32> = waits_for.messages(all).map(|m| m.0).collect();
                    !waits_for.is_empty() && ids == self.model.gap(copy.to, copy.message.0)
                }
                (
                    Ok(Preview::Deliver {
                        violations,
                        releases,
                    }),
                    Outcome::Delivered {
                        violations: v,
                        releases: r,
                    },
                ) => {
                    violations.iter().map(|m| m.0).eq(v.iter().copied())
                        && releases.iter().map(|m| m.0).eq(r.iter().copied())
                }
                _ => false,
            };
            // The one classifier of a receive, and the rule at work that
            // reads it, say what the reference model does.
            let replica = &self.sim.replicas()[copy.to];
            let sent = all
                .get(copy.message)
                .expect("a message in flight was written");
            let classified = replica.classify(self.sim.config().delivery, sent);
            let verdict = causal_core::decide(&self.sim, copy.message, copy.to)
                .expect("a copy in flight can be decided")
                .verdict;
            let (want_class, want_verdict) = match &expected {
                Outcome::Discarded => (matches!(classified, Classified::Discard), Verdict::Discard),
                Outcome::Held => (
                    matches!(&classified, Classified::Hold(gap)
                        if gap.messages(all).map(|m| m.0).collect::<Vec<_>>() == self.model.gap(copy.to, copy.message.0)),
                    Verdict::Hold,
                ),
                Outcome::Delivered { .. } => {
                    (matches!(classified, Classified::Deliver), Verdict::Deliver)
                }
            };
            prop_assert!(
                want_class && verdict == want_verdict,
                "{} to {}: classified {:?}, decided {:?}, model {:?}\nscenario:\n{}",
                copy.message,
                copy.to,
                classified,
                verdict,
                expected,
                self.scenario()
            );
            prop_assert!(
                agrees,
                "preview of {} to {}: engine {:?}, model {:?}\nscenario:\n{}",
                copy.message,
                copy.to,
                preview,
                expected,
                self.scenario()
            );
        }
        for replica in self.sim.replicas() {
            for held in replica.hold_back().iter() {
                let gap = self.sim.waits_for(replica.id(), held);
                let ids: Vec<u32> = gap.messages(all).map(|m| m.0).collect();
                prop_assert!(
                    !gap.is_empty() && ids == self.model.gap(replica.id(), held.0),
                    "{} held at {} waits for {:?} ({}), model says {:?}\nscenario:\n{}",
                    held,
                    replica.id(),
                    ids,
                    gap,
                    self.model.gap(replica.id(), held.0),
                    self.scenario()
                );
            }
        }
        Ok(())
    }
}

/// The events of one accepted command tell the same story as the states
/// before and after it: what was delivered, held, sent, received and dropped,
/// and which violations were recorded.
fn check_events(before: &Simulation, events: &[Event], after: &Simulation) -> Result<(), String> {
    let n = after.replicas().len();
    // Deliveries, per replica, in order; released ones came out of the buffer.
    for r in 0..n {
        let old = before.replicas()[r].delivered().len();
        let new: Vec<MessageId> = after.replicas()[r]
            .delivered()
            .iter_from(old)
            .copied()
            .collect();
        let said: Vec<MessageId> = events
            .iter()
            .filter_map(|e| match e {
                Event::Delivered {
                    replica, message, ..
                } if *replica == r => Some(*message),
                _ => None,
            })
            .collect();
        if said != new {
            return Err(format!(
                "replica {r} delivered {new:?}, events say {said:?}"
            ));
        }
        let last_clock = events.iter().rev().find_map(|e| match e {
            Event::Delivered { replica, clock, .. } if *replica == r => Some(clock),
            _ => None,
        });
        if last_clock.is_some_and(|c| c != after.replicas()[r].clock()) {
            return Err(format!("replica {r}'s last delivery has another clock"));
        }
    }
    let mut received = 0;
    // (replica, message) delivered or held there so far in this command.
    let mut known: Vec<(usize, MessageId)> = Vec::new();
    let mut held: Vec<(usize, MessageId)> = Vec::new();
    let knew = |r: usize, m: MessageId| {
        before.replicas()[r].delivered().contains(&m)
            || before.replicas()[r].hold_back().iter().any(|h| h == m)
    };
    for e in events {
        match e {
            Event::Delivered {
                replica,
                message,
                from,
                released,
                ..
            } => {
                let was_held = before.replicas()[*replica]
                    .hold_back()
                    .iter()
                    .any(|m| m == *message)
                    || held.contains(&(*replica, *message));
                if *released != was_held {
                    return Err(format!("{message} at {replica}: released is {released}"));
                }
                if after.messages().get(*message).map(|m| m.sender) != Some(*from) {
                    return Err(format!("{message} is not from {from}"));
                }
                known.push((*replica, *message));
            }
            Event::Held {
                replica,
                message,
                waits_for,
                ..
            } => {
                if waits_for.is_empty() {
                    return Err(format!("{message} held at {replica} waits for nothing"));
                }
                if knew(*replica, *message) || known.contains(&(*replica, *message)) {
                    return Err(format!("{message} held twice at {replica}"));
                }
                known.push((*replica, *message));
                held.push((*replica, *message));
            }
            Event::Discarded {
                replica, message, ..
            } if !knew(*replica, *message) && !known.contains(&(*replica, *message)) => {
                return Err(format!("{message} discarded at {replica} but new there"));
            }
            Event::Received { .. } | Event::Dropped { .. } => received += 1,
            _ => {}
        }
    }
    // Held now = held before, minus released, plus newly held, in arrival order.
    for r in 0..n {
        let delivered_now = &after.replicas()[r].delivered();
        let mut expected: Vec<MessageId> = before.replicas()[r]
            .hold_back()
            .iter()
            .filter(|m| !delivered_now.contains(m))
            .collect();
        expected.extend(events.iter().filter_map(|e| match e {
            Event::Held {
                replica, message, ..
            } if *replica == r && !delivered_now.contains(message) => Some(*message),
            _ => None,
        }));
        let held: Vec<MessageId> = after.replicas()[r].hold_back().iter().collect();
        if held != expected {
            return Err(format!(
                "replica {r} holds {held:?}, events say {expected:?}"
            ));
        }
    }
    // Copies: every one received or dropped left the network; every one sent
    // went last into it.
    let sent: Vec<(MessageId, usize, usize)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Sent { message, from, to } => Some((*message, *from, *to)),
            _ => None,
        })
        .collect();
    if before.network().len() + sent.len() != after.network().len() + received {
        return Err("copies in flight do not add up".into());
    }
    let tail: Vec<_> = after
        .in_flight()
        .skip(after.network().len() - sent.len())
        .map(|c| (c.message, c.from, c.to))
        .collect();
    if !sent.is_empty() && tail != sent {
        return Err(format!("sent {sent:?}, but the network ends with {tail:?}"));
    }
    // Violations: the new ones, in order.
    let said: Vec<Violation> = events
        .iter()
        .filter_map(|e| match e {
            Event::Violation(v) => Some(*v),
            _ => None,
        })
        .collect();
    if said != after.violations()[before.violations().len()..] {
        return Err(format!("violations events {said:?}"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Running properties with a printed seed.
// ---------------------------------------------------------------------------

/// Runs `test` on `cases` cases from `strategy`. The seed is random unless
/// `PROPTEST_RNG_SEED` is set; a failure prints it, with the reason (which
/// carries the scenario file) and the smallest failing case.
fn check<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: Debug,
{
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| RandomState::new().build_hasher().finish());
    let config = ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, test) {
        panic!(
            "property `{name}` failed with seed {seed}\n\
             rerun: PROPTEST_RNG_SEED={seed} cargo test -p causal-core --test properties {name}\n\
             {failure}"
        );
    }
}

// ---------------------------------------------------------------------------
// Clock laws.
// ---------------------------------------------------------------------------

fn clocks(count: usize) -> impl Strategy<Value = Vec<VectorClock>> {
    (1usize..6).prop_flat_map(move |len| {
        prop::collection::vec(
            prop::collection::vec(0u64..4, len).prop_map(VectorClock::from_entries),
            count,
        )
    })
}

fn merged(a: &VectorClock, b: &VectorClock) -> VectorClock {
    let mut m = a.clone();
    m.merge(b);
    m
}

fn le(a: &VectorClock, b: &VectorClock) -> bool {
    a <= b
}

fn order_laws(clocks: &[VectorClock]) -> Result<(), TestCaseError> {
    for a in clocks {
        prop_assert!(le(a, a), "not reflexive: {a}");
        prop_assert!(!a.happened_before(a) && !a.concurrent(a));
        for b in clocks {
            if le(a, b) && le(b, a) {
                prop_assert_eq!(a, b, "not antisymmetric");
            }
            // happened-before and concurrency agree with the entries.
            let entrywise = a.entries().iter().zip(b.entries()).all(|(x, y)| x <= y);
            prop_assert_eq!(le(a, b), entrywise, "{} <= {}", a, b);
            prop_assert_eq!(a.happened_before(b), entrywise && a != b);
            prop_assert_eq!(a.concurrent(b), !le(a, b) && !le(b, a));
            for c in clocks {
                if le(a, b) && le(b, c) {
                    prop_assert!(le(a, c), "not transitive: {} <= {} <= {}", a, b, c);
                }
            }
        }
    }
    Ok(())
}

#[test]
fn merge_is_commutative_associative_and_idempotent() {
    check(
        "merge_is_commutative_associative_and_idempotent",
        1000,
        clocks(3),
        |v| {
            let (a, b, c) = (&v[0], &v[1], &v[2]);
            prop_assert_eq!(merged(a, b), merged(b, a));
            prop_assert_eq!(merged(&merged(a, b), c), merged(a, &merged(b, c)));
            prop_assert_eq!(merged(a, a), a.clone());
            // The merge is the least upper bound.
            let m = merged(a, b);
            prop_assert!(le(a, &m) && le(b, &m));
            if le(a, c) && le(b, c) {
                prop_assert!(le(&m, c));
            }
            Ok(())
        },
    );
}

#[test]
fn clock_order_is_a_partial_order() {
    check("clock_order_is_a_partial_order", 1000, clocks(4), |v| {
        order_laws(&v)
    });
}

// ---------------------------------------------------------------------------
// The engine against the model.
// ---------------------------------------------------------------------------

#[test]
fn every_report_matches_the_reference_model() {
    check(
        "every_report_matches_the_reference_model",
        1200,
        case(config(any_delivery(), any_conflicts()), 40),
        |case| {
            let mut run = Run::new(case.config);
            for (step, &choice) in case.choices.iter().enumerate() {
                let command = pick(&run.model, choice, step + 1, ALL);
                run.step(command)?;
                run.check_previews()?;
            }
            // Reports and events read back as they were written.
            let report = Report::of(&run.sim);
            let json = serde_json::to_string(&report).expect("serializes");
            prop_assert_eq!(serde_json::from_str::<Report>(&json).ok(), Some(report));
            for event in &run.events {
                let json = serde_json::to_string(event).expect("serializes");
                let back = serde_json::from_str::<Event>(&json).ok();
                prop_assert_eq!(back.as_ref(), Some(event));
            }
            // Where each copy is, as the model has it; a lost one was dropped.
            for m in &run.model.msgs {
                for to in 0..run.model.n {
                    let got = run.sim.whereabouts(MessageId(m.id), to);
                    let rep = &run.model.reps[to];
                    let expected = if to == m.sender {
                        None
                    } else if run
                        .model
                        .in_flight
                        .iter()
                        .any(|c| c.message == m.id && c.to == to)
                    {
                        Some(Whereabouts::InFlight)
                    } else if rep.held.contains(&m.id) {
                        Some(Whereabouts::Held)
                    } else if rep.delivered.contains(&m.id) {
                        Some(Whereabouts::Delivered)
                    } else {
                        Some(Whereabouts::Lost)
                    };
                    prop_assert_eq!(
                        got,
                        expected,
                        "m{} to {}\nscenario:\n{}",
                        m.id,
                        to,
                        run.scenario()
                    );
                    if got == Some(Whereabouts::Lost) {
                        let dropped = run.events.iter().any(|e| {
                            matches!(e, Event::Dropped { message, to: t, .. } if message.0 == m.id && *t == to)
                        });
                        prop_assert!(dropped, "m{} to {} lost but never dropped", m.id, to);
                    }
                }
            }
            // The clocks the run made obey the order's laws too.
            let mut made: Vec<VectorClock> =
                run.sim.messages().iter().map(|m| m.clock.clone()).collect();
            made.extend(run.sim.replicas().iter().map(|r| r.clock().clone()));
            made.truncate(12);
            order_laws(&made)?;
            // The scheduler only ever picks a copy in flight, and the same
            // seed picks the same one.
            if let Some(next) = Scheduler::new(7).next(&run.sim) {
                prop_assert_eq!(Some(next.clone()), Scheduler::new(7).next(&run.sim));
                prop_assert!(run.sim.check(&next).is_ok());
                let delivers = matches!(next, Command::Deliver { .. });
                prop_assert!(delivers, "the scheduler picked {:?}", next);
            } else {
                prop_assert_eq!(run.sim.network().len(), 0);
            }
            Ok(())
        },
    );
}

#[test]
fn causal_delivery_never_violates() {
    check(
        "causal_delivery_never_violates",
        500,
        case(config(Just(Delivery::Causal), any_conflicts()), 50),
        |case| {
            let mut run = Run::new(case.config);
            run.play(&case.choices, ALL)?;
            run.step(Command::DeliverAll)?;
            prop_assert!(
                run.sim.violations().is_empty()
                    && !run.events.iter().any(|e| matches!(e, Event::Violation(_))),
                "a violation under causal\nscenario:\n{}",
                run.scenario()
            );
            // Under causal, entry j of a clock counts what was delivered from j.
            for r in run.sim.replicas() {
                for j in 0..case.config.replicas {
                    prop_assert_eq!(r.clock().get(j), r.delivered_from(j));
                }
            }
            Ok(())
        },
    );
}

#[test]
fn without_drops_deliver_all_empties_every_buffer() {
    check(
        "without_drops_deliver_all_empties_every_buffer",
        500,
        case(config(any_delivery(), any_conflicts()), 50),
        |case| {
            let mut run = Run::new(case.config);
            run.play(&case.choices, NO_DROPS)?;
            run.step(Command::DeliverAll)?;
            let written = run.sim.messages().len();
            prop_assert!(
                run.sim.network().is_empty()
                    && run
                        .sim
                        .replicas()
                        .iter()
                        .all(|r| r.hold_back().is_empty() && r.delivered().len() == written),
                "something is left after deliver-all\nscenario:\n{}",
                run.scenario()
            );
            Ok(())
        },
    );
}

#[test]
fn lww_and_multi_value_converge_once_everything_is_delivered() {
    check(
        "lww_and_multi_value_converge_once_everything_is_delivered",
        500,
        case(
            config(
                any_delivery(),
                select(vec![Conflicts::Lww, Conflicts::MultiValue]),
            ),
            50,
        ),
        |case| {
            let mut run = Run::new(case.config);
            run.play(&case.choices, NO_DROPS)?;
            run.step(Command::DeliverAll)?;
            prop_assert!(
                run.sim.converged() && run.sim.diverged_keys().is_empty(),
                "replicas differ on {:?}\nscenario:\n{}",
                run.sim.diverged_keys(),
                run.scenario()
            );
            Ok(())
        },
    );
}

#[test]
fn rerunning_the_history_gives_the_same_state() {
    check(
        "rerunning_the_history_gives_the_same_state",
        400,
        (
            case(config(any_delivery(), any_conflicts()), 40),
            any_delivery(),
            any_conflicts(),
        ),
        |(case, delivery, conflicts)| {
            let mut run = Run::new(case.config);
            let mut states = vec![run.sim.clone()];
            for (step, &choice) in case.choices.iter().enumerate() {
                run.step(pick(&run.model, choice, step + 1, ALL))?;
                if run.sim.history().len() == states.len() {
                    states.push(run.sim.clone());
                }
            }
            let sim = &run.sim;
            let why = || format!("\nscenario:\n{}", run.scenario());
            let replayed = Simulation::replay(case.config, &sim.history().to_vec());
            prop_assert!(replayed.as_ref() == Ok(sim), "replay differs{}", why());
            let same = sim.with_rules(case.config.delivery, case.config.conflicts);
            prop_assert!(same.as_ref() == Ok(sim), "with_rules differs{}", why());
            for (steps, state) in states.iter().enumerate() {
                prop_assert!(
                    sim.at_step(steps).as_ref() == Ok(state),
                    "at_step({}) differs{}",
                    steps,
                    why()
                );
            }
            // A scenario file of the history itself plays to the same state.
            let file = Scenario {
                steps: sim.history().to_vec(),
                ..Scenario::new(case.config)
            }
            .to_json();
            let parsed = Scenario::parse(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (from_file, _) = parsed
                .run()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(&from_file == sim, "the scenario file differs{}", why());
            // So does its portable scenario, lanes included, when imported.
            check_portable(sim).map_err(|e| TestCaseError::fail(format!("{e}{}", why())))?;
            // Under other rules the history is never refused, and equals a
            // fresh run of the same commands under those rules.
            let other = sim.with_rules(delivery, conflicts);
            let config = Config {
                delivery,
                conflicts,
                ..case.config
            };
            let mut model = Model::new(config);
            for command in sim.history() {
                prop_assert!(model.apply(command).is_ok(), "refused under {:?}", config);
            }
            prop_assert!(
                other.as_ref().map(Report::of) == Ok(model.report()),
                "with_rules({}, {}) differs from the model{}",
                delivery,
                conflicts,
                why()
            );
            Ok(())
        },
    );
}

/// Whether a deliver-next of `sim`'s history took a later copy of a message
/// to a replica than deliver would (the one case a portable scenario cannot
/// say exactly, see [`Scenario::of`]).
fn took_a_later_copy(sim: &Simulation) -> bool {
    let mut replay = Simulation::new(sim.config()).expect("a valid configuration");
    sim.history().iter().any(|command| {
        let later = match command {
            Command::DeliverNext { to } => replay.network().lane(*to).next().is_some_and(|c| {
                replay.network().earliest(c.message, *to).map(|e| e.copy) != Some(c.copy)
            }),
            _ => false,
        };
        let _ = replay.apply(command.clone());
        later
    })
}

/// The lanes of `sim`, each as the messages in it in lane order.
fn lanes(sim: &Simulation) -> Vec<Vec<MessageId>> {
    (0..sim.config().replicas)
        .map(|to| sim.network().lane(to).map(|c| c.message).collect())
        .collect()
}

/// `sim`'s portable scenario uses only the standard ops; written and read
/// back, the steps alone play to the same report (what `causal-sim` sees),
/// and the history with the lane moves to the same lanes (what the page
/// imports), whose own portable scenario is the same file.
fn check_portable(sim: &Simulation) -> Result<(), String> {
    let portable = Scenario::of(sim);
    if let Some(odd) = portable
        .steps
        .iter()
        .find(|c| matches!(c, Command::DeliverNext { .. } | Command::Reorder { .. }))
    {
        return Err(format!("the portable scenario has {odd:?}"));
    }
    let read = Scenario::parse(&portable.to_json()).map_err(|e| e.to_string())?;
    if read != portable {
        return Err("the portable scenario reads back differently".into());
    }
    let (stepped, _) = read.run().map_err(|e| format!("its steps: {e}"))?;
    let imported = Simulation::replay(sim.config(), &read.into_history())
        .map_err(|e| format!("its history: {e}"))?;
    if took_a_later_copy(sim) {
        // The same messages arrive, but another copy may stay in flight.
        return Ok(());
    }
    if Report::of(&stepped) != Report::of(sim) {
        return Err("its steps play to another report".into());
    }
    if Report::of(&imported) != Report::of(sim) || lanes(&imported) != lanes(sim) {
        return Err("imported, it plays to another state or other lanes".into());
    }
    if Scenario::of(&imported) != portable {
        return Err("imported and exported again, it differs".into());
    }
    Ok(())
}

#[test]
fn shiviz_logs_follow_shivizs_rules() {
    check(
        "shiviz_logs_follow_shivizs_rules",
        300,
        case(config(any_delivery(), any_conflicts()), 40),
        |case| {
            let mut run = Run::new(case.config);
            run.play(&case.choices, ALL)?;
            let events = shiviz_events(case.config.replicas, run.sim.messages(), &run.events);
            let log = shiviz_file(&events);
            if let Err(why) = common::check_shiviz(&log) {
                prop_assert!(false, "{}\n{}\nscenario:\n{}", why, log, run.scenario());
            }
            Ok(())
        },
    );
}

/// Every scenario shipped in `scenarios/` agrees with the model too.
#[test]
fn every_scenario_file_matches_the_reference_model() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let scenario = Scenario::parse(&text).expect("parses");
        let mut run = Run::new(scenario.config());
        for command in &scenario.steps {
            if let Err(e) = run.step(command.clone()) {
                panic!("{}: {e}", path.display());
            }
            if let Err(e) = run.check_previews() {
                panic!("{}: {e}", path.display());
            }
        }
    }
}
