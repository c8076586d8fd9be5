//! Scenario files (README.md, "Scenario files"): a run written down, to load as
//! a preset, import, export, or run with `causal-sim`.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Serialize};

use crate::quote::quoted;
use crate::{Command, Config, Conflicts, Delivery, MessageId, Simulation, StepError, Trace};

/// The only scenario file version there is.
pub const SCENARIO_VERSION: u32 = 1;

/// A scenario file. Fields the engine does not know are ignored.
///
/// Read by a deserializer of its own, straight into typed steps (no
/// intermediate JSON values, so a million steps cost what they hold), whose
/// refusals say what was wrong in the words of the file's format: `step 2:
/// unknown op "teleport" (expected write, deliver, ...)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scenario {
    /// Always 1.
    pub version: u32,
    /// Shown on the page when the scenario is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the scenario shows, in a sentence or two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 2 to 8.
    pub replicas: usize,
    /// When a message may be delivered.
    pub delivery: Delivery,
    /// What stores keep for concurrent writes.
    pub conflicts: Conflicts,
    /// The commands, in order.
    pub steps: Vec<Command>,
    /// The page's own field: how the lanes were reordered between the steps
    /// (a reorder changes no replica, so `steps` leaves it out). Readers
    /// that only run the steps, such as `causal-sim`, ignore it; the page
    /// plays it back ([`Scenario::into_history`]) so an imported run shows
    /// the same lanes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reorders: Vec<Reorder>,
}

/// A reorder of a lane, and where it comes among a scenario's steps.
/// Written `{"after": 2, "to": 1, "index": 1, "position": 0}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct Reorder {
    /// How many steps come before it: 0 before the first step. Moves after
    /// the same step are played in the order they are listed.
    pub after: usize,
    pub to: usize,
    /// Where the copy is, from 0.
    pub index: usize,
    /// Where it goes, from 0.
    pub position: usize,
}

impl Reorder {
    fn command(self) -> Command {
        Command::Reorder {
            to: self.to,
            index: self.index,
            position: self.position,
        }
    }
}

/// Why a scenario file was refused. Nothing of it was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// Not JSON, or not a JSON object with `version` and `steps`.
    Malformed(String),
    /// A field or a step of the wrong form, said in the file's words
    /// (`version must be 1, not 2`, `step 3: "op" appears twice`).
    Invalid(String),
    /// A step the engine refused.
    Step(StepError),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Malformed(why) => write!(f, "not a scenario file: {why}"),
            ScenarioError::Invalid(why) => f.write_str(why),
            ScenarioError::Step(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl From<StepError> for ScenarioError {
    fn from(e: StepError) -> Self {
        ScenarioError::Step(e)
    }
}

/// Every op a step can have, as the refusal of an unknown one lists them.
const OPS: &str = "write, deliver, drop, duplicate, deliver-all, deliver-next or reorder";

/// A JSON value as read where a number or a text is expected: kept when it
/// is one, described in the user's words when it is not.
enum Loose {
    Number(u64),
    Text(String),
    /// What it was instead: `-1`, `true`, `null`, `a list`, `an object`.
    Other(String),
}

impl Loose {
    fn describe(&self) -> String {
        match self {
            Loose::Number(n) => n.to_string(),
            Loose::Text(text) => quoted(text),
            Loose::Other(what) => what.clone(),
        }
    }
}

/// A number JSON gave as a float, as the user wrote it where that can be
/// known: past the 64-bit integers a float keeps only the leading digits
/// (2^70 would read as 1180591620717411300000), so it is named by its size
/// rather than misquoted.
fn float_words(v: f64) -> String {
    if v.fract() == 0.0 && v >= 18_446_744_073_709_551_616.0 {
        "a number larger than 18,446,744,073,709,551,615".to_string()
    } else if v.fract() == 0.0 && v < -9_223_372_036_854_775_808.0 {
        "a number smaller than -9,223,372,036,854,775,808".to_string()
    } else {
        v.to_string()
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseVisitor;
        impl<'de> Visitor<'de> for LooseVisitor {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a text")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Loose, E> {
                Ok(Loose::Other(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
                Ok(match u64::try_from(v) {
                    Ok(n) => Loose::Number(n),
                    Err(_) => Loose::Other(v.to_string()),
                })
            }
            /// A whole number written as one (`1.0`, or any number from
            /// JavaScript through serde-wasm-bindgen) is that number.
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
                Ok(
                    if v.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&v) {
                        Loose::Number(v as u64)
                    } else {
                        Loose::Other(float_words(v))
                    },
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Text(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
                Ok(Loose::Other("null".into()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
                Ok(Loose::Other("null".into()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other("a list".into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other("an object".into()))
            }
        }
        deserializer.deserialize_any(LooseVisitor)
    }
}

/// The name of a field, known or not, read without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Known(&'static str),
    Unknown,
}

/// Reads a map key as one of `known`.
struct FieldSeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Field;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Ok(self
            .0
            .iter()
            .find(|&&name| name == v)
            .map_or(Field::Unknown, |&name| Field::Known(name)))
    }
}

/// Refuses a map that names a known field twice (JSON allows it, and the
/// last one would silently win).
fn once<E: de::Error>(
    seen: &mut Vec<&'static str>,
    name: &'static str,
    prefix: &str,
) -> Result<(), E> {
    if seen.contains(&name) {
        return Err(E::custom(format!("{prefix}\"{name}\" appears twice")));
    }
    seen.push(name);
    Ok(())
}

const STEP_FIELDS: &[&str] = &[
    "op", "replica", "key", "value", "message", "to", "index", "position",
];

/// Reads step `step` (from 1) as a command.
struct StepSeed {
    step: usize,
}

impl StepSeed {
    fn fail<E: de::Error>(&self, why: impl fmt::Display) -> E {
        E::custom(StepError {
            step: self.step,
            error: why,
        })
    }
}

impl<'de> DeserializeSeed<'de> for StepSeed {
    type Value = Command;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Command, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StepSeed {
    type Value = Command;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let error = r#"a step such as {"op": "deliver-all"}"#;
        write!(
            f,
            "{}",
            StepError {
                step: self.step,
                error
            }
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Command, A::Error> {
        let mut seen = Vec::new();
        let mut fields: [Option<Loose>; 8] = Default::default();
        let prefix = StepError {
            step: self.step,
            error: "",
        }
        .to_string();
        while let Some(field) = map.next_key_seed(FieldSeed(STEP_FIELDS))? {
            match field {
                Field::Known(name) => {
                    once(&mut seen, name, &prefix)?;
                    let at = STEP_FIELDS.iter().position(|&f| f == name).unwrap_or(0);
                    fields[at] = Some(map.next_value()?);
                }
                Field::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let [op, replica, key, value, message, to, index, position] = fields;
        let op = match op {
            Some(Loose::Text(op)) => op,
            None => return Err(self.fail(format_args!("it has no \"op\" (one of {OPS})"))),
            Some(other) => {
                return Err(self.fail(format_args!(
                    "\"op\" must be one of {OPS}, not {}",
                    other.describe()
                )))
            }
        };
        let number = |value: Option<Loose>, name: &str, what: &str| match value {
            Some(Loose::Number(n)) => usize::try_from(n)
                .map_err(|_| self.fail(format_args!("\"{name}\" must be {what}, not {n}"))),
            None => Err(self.fail(format_args!("a {op} step needs \"{name}\" ({what})"))),
            Some(other) => Err(self.fail(format_args!(
                "\"{name}\" must be {what}, not {}",
                other.describe()
            ))),
        };
        let replica_number = "a replica number from 0";
        let text = |value: Option<Loose>, name: &str| match value {
            Some(Loose::Text(text)) => Ok(text),
            None => Err(self.fail(format_args!("a {op} step needs \"{name}\" (a text)"))),
            Some(other) => Err(self.fail(format_args!(
                "\"{name}\" must be a text, not {}",
                other.describe()
            ))),
        };
        let message_id = |value: Option<Loose>| {
            let n = number(value, "message", "a message number from 1")?;
            u32::try_from(n).map(MessageId).map_err(|_| {
                self.fail(format_args!(
                    "\"message\" must be a message number from 1, not {n}"
                ))
            })
        };
        Ok(match op.as_str() {
            "write" => Command::Write {
                replica: number(replica, "replica", replica_number)?,
                key: text(key, "key")?.into(),
                value: text(value, "value")?.into(),
            },
            "deliver" => Command::Deliver {
                message: message_id(message)?,
                to: number(to, "to", replica_number)?,
            },
            "drop" => Command::Drop {
                message: message_id(message)?,
                to: number(to, "to", replica_number)?,
            },
            "duplicate" => Command::Duplicate {
                message: message_id(message)?,
                to: number(to, "to", replica_number)?,
            },
            "deliver-all" => Command::DeliverAll,
            "deliver-next" => Command::DeliverNext {
                to: number(to, "to", replica_number)?,
            },
            "reorder" => Command::Reorder {
                to: number(to, "to", replica_number)?,
                index: number(index, "index", "a lane position from 0")?,
                position: number(position, "position", "a lane position from 0")?,
            },
            unknown => {
                return Err(self.fail(format_args!(
                    "unknown op {} (expected {OPS})",
                    quoted(unknown)
                )))
            }
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Command, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(self.not_a_step("a list"))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Command, E> {
        Err(self.not_a_step(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Command, E> {
        Err(self.not_a_step(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Command, E> {
        Err(self.not_a_step(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Command, E> {
        Err(self.not_a_step(float_words(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Command, E> {
        Err(self.not_a_step(quoted(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Command, E> {
        Err(self.not_a_step("null"))
    }
}

impl StepSeed {
    fn not_a_step<E: de::Error>(&self, what: impl fmt::Display) -> E {
        self.fail(format_args!(
            "a step must be an object such as {{\"op\": \"deliver-all\"}}, not {what}"
        ))
    }
}

/// Reads a list whose `n`th item (from 1) is read by `item(n)`, so that an
/// error names it; or keeps what was found instead of a list, for the message.
struct ListSeed<F> {
    /// What the items are, in "a list of ...".
    what: &'static str,
    item: F,
}

impl<'de, F, S> DeserializeSeed<'de> for ListSeed<F>
where
    F: Fn(usize) -> S,
    S: DeserializeSeed<'de>,
{
    type Value = Result<Vec<S::Value>, Loose>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F, S> Visitor<'de> for ListSeed<F>
where
    F: Fn(usize) -> S,
    S: DeserializeSeed<'de>,
{
    /// The items, or what was found instead of a list.
    type Value = Result<Vec<S::Value>, Loose>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", self.what)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed((self.item)(items.len() + 1))? {
            items.push(item);
        }
        Ok(Ok(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Loose::deserialize(de::value::MapAccessDeserializer::new(map)).map(Err)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(Loose::Other(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Err(Loose::Other(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Err(Loose::Number(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(Loose::Other(float_words(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Err(Loose::Text(v.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(Loose::Other("null".into())))
    }
}

const REORDER_FIELDS: &[&str] = &["after", "to", "index", "position"];

/// Reads reorder `at` (from 1) of the `"reorders"` field.
struct ReorderSeed {
    at: usize,
}

impl ReorderSeed {
    fn fail<E: de::Error>(&self, why: impl fmt::Display) -> E {
        E::custom(format!("\"reorders\", reorder {}: {why}", self.at))
    }
}

impl<'de> DeserializeSeed<'de> for ReorderSeed {
    type Value = Reorder;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Reorder, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ReorderSeed {
    type Value = Reorder;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "\"reorders\", reorder {}: a reorder", self.at)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Reorder, A::Error> {
        let mut seen = Vec::new();
        let mut numbers: [Option<Loose>; 4] = Default::default();
        let prefix = format!("\"reorders\", reorder {}: ", self.at);
        while let Some(field) = map.next_key_seed(FieldSeed(REORDER_FIELDS))? {
            match field {
                Field::Known(name) => {
                    once(&mut seen, name, &prefix)?;
                    let at = REORDER_FIELDS.iter().position(|&f| f == name).unwrap_or(0);
                    numbers[at] = Some(map.next_value()?);
                }
                Field::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut read = [0; 4];
        for ((name, field), number) in REORDER_FIELDS.iter().zip(numbers).zip(&mut read) {
            *number = match field {
                Some(Loose::Number(n)) => usize::try_from(n).map_err(|_| {
                    self.fail(format_args!("\"{name}\" must be a number from 0, not {n}"))
                })?,
                None => {
                    return Err(self.fail(format_args!("it needs \"{name}\" (a number from 0)")))
                }
                Some(other) => {
                    return Err(self.fail(format_args!(
                        "\"{name}\" must be a number from 0, not {}",
                        other.describe()
                    )))
                }
            };
        }
        let [after, to, index, position] = read;
        Ok(Reorder {
            after,
            to,
            index,
            position,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Reorder, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(self.not_a_move("a list"))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Reorder, E> {
        Err(self.not_a_move(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Reorder, E> {
        Err(self.not_a_move(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Reorder, E> {
        Err(self.not_a_move(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Reorder, E> {
        Err(self.not_a_move(float_words(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Reorder, E> {
        Err(self.not_a_move(quoted(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Reorder, E> {
        Err(self.not_a_move("null"))
    }
}

impl ReorderSeed {
    fn not_a_move<E: de::Error>(&self, what: impl fmt::Display) -> E {
        self.fail(format_args!(
            "a reorder must be an object such as {{\"after\": 0, \"to\": 1, \"index\": 1, \"position\": 0}}, not {what}"
        ))
    }
}

const SCENARIO_FIELDS: &[&str] = &[
    "version",
    "title",
    "description",
    "replicas",
    "delivery",
    "conflicts",
    "steps",
    "reorders",
];

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScenarioVisitor)
    }
}

struct ScenarioVisitor;

impl ScenarioVisitor {
    fn not_an_object<E: de::Error>(what: impl fmt::Display) -> E {
        E::custom(format!(
            "not a scenario file: it must be an object such as {{\"version\": 1, \"steps\": []}}, not {what}"
        ))
    }
}

impl<'de> Visitor<'de> for ScenarioVisitor {
    type Value = Scenario;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scenario file")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scenario, A::Error> {
        let mut seen = Vec::new();
        let mut version = None;
        let (mut title, mut description) = (None, None);
        let mut replicas = None;
        let (mut delivery, mut conflicts) = (None, None);
        let mut steps = None;
        let mut reorders = Vec::new();
        let fail = |why: String| A::Error::custom(why);
        while let Some(field) = map.next_key_seed(FieldSeed(SCENARIO_FIELDS))? {
            let Field::Known(name) = field else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            once(&mut seen, name, "")?;
            match name {
                "version" => version = Some(map.next_value::<Loose>()?),
                "title" | "description" => {
                    let text = match map.next_value::<Loose>()? {
                        Loose::Text(text) => Some(text),
                        Loose::Other(null) if null == "null" => None,
                        other => {
                            return Err(fail(format!(
                                "\"{name}\" must be a text, not {}",
                                other.describe()
                            )))
                        }
                    };
                    if name == "title" {
                        title = text;
                    } else {
                        description = text;
                    }
                }
                "replicas" => replicas = Some(map.next_value::<Loose>()?),
                "delivery" => delivery = Some(map.next_value::<Loose>()?),
                "conflicts" => conflicts = Some(map.next_value::<Loose>()?),
                "reorders" => {
                    reorders = map
                        .next_value_seed(ListSeed {
                            what: "reorders",
                            item: |at| ReorderSeed { at },
                        })?
                        .map_err(|other| {
                            fail(format!(
                                "\"reorders\" must be a list of reorders, not {}",
                                other.describe()
                            ))
                        })?
                }
                _ => {
                    steps = Some(
                        map.next_value_seed(ListSeed {
                            what: "steps",
                            item: |step| StepSeed { step },
                        })?
                        .map_err(|other| {
                            fail(format!(
                                "\"steps\" must be a list of steps, not {}",
                                other.describe()
                            ))
                        })?,
                    )
                }
            }
        }
        match version {
            Some(Loose::Number(1)) => {}
            Some(other) => {
                return Err(fail(format!(
                    "version must be {SCENARIO_VERSION}, not {}",
                    other.describe()
                )))
            }
            None => {
                return Err(fail(
                    "not a scenario file: it has no \"version\" (write \"version\": 1)".into(),
                ))
            }
        }
        let replicas = match replicas {
            None => 3,
            Some(Loose::Number(n)) if (2..=8).contains(&n) => n as usize,
            Some(other) => {
                return Err(fail(format!(
                    "replicas must be 2 to 8, not {}",
                    other.describe()
                )))
            }
        };
        let delivery = match delivery {
            None => Delivery::default(),
            Some(Loose::Text(name)) if name.parse::<Delivery>().is_ok() => {
                name.parse().unwrap_or_default()
            }
            Some(other) => {
                return Err(fail(format!(
                    "delivery must be {}, not {}",
                    Delivery::names(),
                    other.describe()
                )))
            }
        };
        let conflicts = match conflicts {
            None => Conflicts::default(),
            Some(Loose::Text(name)) if name.parse::<Conflicts>().is_ok() => {
                name.parse().unwrap_or_default()
            }
            Some(other) => {
                return Err(fail(format!(
                    "conflicts must be {}, not {}",
                    Conflicts::names(),
                    other.describe()
                )))
            }
        };
        let steps = steps.ok_or_else(|| {
            fail(
                "not a scenario file: it has no \"steps\" (a list of steps, which may be empty)"
                    .into(),
            )
        })?;
        let mut after = 0;
        for (i, one) in reorders.iter().enumerate() {
            if one.after < after || one.after > steps.len() {
                return Err(fail(format!(
                    "\"reorders\", reorder {}: \"after\" must be {after} to {} (reorders in the order of the steps), not {}",
                    i + 1,
                    steps.len(),
                    one.after
                )));
            }
            after = one.after;
        }
        Ok(Scenario {
            version: SCENARIO_VERSION,
            title,
            description,
            replicas,
            delivery,
            conflicts,
            steps,
            reorders,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scenario, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(Self::not_an_object("a list"))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scenario, E> {
        Err(Self::not_an_object(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scenario, E> {
        Err(Self::not_an_object(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scenario, E> {
        Err(Self::not_an_object(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scenario, E> {
        Err(Self::not_an_object(float_words(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scenario, E> {
        Err(Self::not_an_object(quoted(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scenario, E> {
        Err(Self::not_an_object("null"))
    }
}

/// A file's bytes as text, by the one rule `causal-sim` and the page's
/// import share: UTF-8, a byte order mark skipped; UTF-16 (a mark FF FE or
/// FE FF) and bytes that are not UTF-8 are refused, naming the file
/// (`name`) and the first byte that is not, never read with replacement
/// characters.
pub fn utf8_text<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str, String> {
    let (skipped, bytes) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    if let Some(order) = [b"\xFF\xFE", b"\xFE\xFF"]
        .iter()
        .find(|mark| bytes.starts_with(&mark[..]))
    {
        return Err(format!(
            "not a scenario file: {name} is UTF-16 text (it starts {:02X} {:02X}), not UTF-8: save it as UTF-8",
            order[0], order[1]
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not a scenario file: {name} is not UTF-8 text (byte {} is not)",
            skipped + e.valid_up_to() + 1
        )
    })
}

/// A serde_json refusal in the user's words: where the JSON breaks, or what
/// the scenario's own reader said (without the position serde_json adds).
fn json_error(e: serde_json::Error) -> ScenarioError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    let bare = text
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&text)
        .to_string();
    match e.classify() {
        Category::Data => match bare.strip_prefix("not a scenario file: ") {
            Some(why) => ScenarioError::Malformed(why.to_string()),
            None => ScenarioError::Invalid(bare),
        },
        Category::Eof if line <= 1 && column == 0 => ScenarioError::Malformed("it is empty".into()),
        Category::Eof => ScenarioError::Malformed(format!(
            "it ends too early, at line {line}, column {column}"
        )),
        Category::Syntax | Category::Io => {
            ScenarioError::Malformed(format!("{bare}, at line {line}, column {column}"))
        }
    }
}

impl Scenario {
    /// An empty scenario under `config`.
    pub fn new(config: Config) -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            title: None,
            description: None,
            replicas: config.replicas,
            delivery: config.delivery,
            conflicts: config.conflicts,
            steps: Vec::new(),
            reorders: Vec::new(),
        }
    }

    /// The portable scenario of `simulation`'s history: its steps use only the
    /// ops every reader knows (README.md, "Scenario files"). A deliver-next
    /// becomes the deliver it did; a reorder, which changes no replica, goes to
    /// [`Scenario::reorders`], after the steps it followed.
    ///
    /// Replayed, the steps reach the same replicas, and with the reorders the
    /// same lanes. One case is not exact: where a deliver-next took a later
    /// copy of a message to a replica while an earlier copy of it to the
    /// same replica was in flight (a duplicate moved ahead of it), the
    /// deliver takes the earliest, as deliver does; the same message
    /// arrives, but the copy left in flight is the other one.
    pub fn of(simulation: &Simulation) -> Self {
        let mut taken = simulation.taken_next().iter();
        let mut steps = Vec::with_capacity(simulation.history().len());
        let mut reorders = Vec::new();
        for command in simulation.history() {
            match command {
                Command::Reorder {
                    to,
                    index,
                    position,
                } => reorders.push(Reorder {
                    after: steps.len(),
                    to: *to,
                    index: *index,
                    position: *position,
                }),
                Command::DeliverNext { to } => {
                    if let Some(&message) = taken.next() {
                        steps.push(Command::Deliver { message, to: *to });
                    }
                }
                other => steps.push(other.clone()),
            }
        }
        Scenario {
            steps,
            reorders,
            ..Scenario::new(simulation.config())
        }
    }

    /// The steps with the reorders played between them: the history the
    /// page imports, which shows the lanes as they were exported. Step
    /// numbers count the reorders too, so [`Scenario::run`], whose numbers are
    /// the file's, plays the steps alone.
    pub fn into_history(self) -> Vec<Command> {
        if self.reorders.is_empty() {
            return self.steps;
        }
        let mut history = Vec::with_capacity(self.steps.len() + self.reorders.len());
        let mut reorders = self.reorders.into_iter().peekable();
        for (played, step) in self.steps.into_iter().enumerate() {
            while let Some(one) = reorders.next_if(|one| one.after <= played) {
                history.push(one.command());
            }
            history.push(step);
        }
        history.extend(reorders.map(Reorder::command));
        history
    }

    /// Reads a scenario file. Checks its shape, version, replica count and
    /// each step's form (not yet whether each step can be applied: `run` does).
    /// A UTF-8 byte order mark before it is skipped.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(ScenarioError::Malformed("it is empty".into()));
        }
        serde_json::from_str(text).map_err(json_error)
    }

    /// The configuration the scenario starts from.
    pub fn config(&self) -> Config {
        Config {
            replicas: self.replicas,
            delivery: self.delivery,
            conflicts: self.conflicts,
        }
    }

    /// Plays every step (not the reorders). Returns the final state, and
    /// each step's events with its number (from 1); or the first refused
    /// step, and nothing.
    pub fn run(&self) -> Result<(Simulation, Trace), ScenarioError> {
        Ok(Simulation::replay_traced(self.config(), &self.steps)?)
    }

    /// The scenario as a file, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
