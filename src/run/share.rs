//! Share links and the saved session: a whole [`Session`] as text, put in
//! `location.hash` as `#s=<data>` (so that a link opened elsewhere shows
//! exactly the same state) and in local storage as `<data>`.
//!
//! # Format
//!
//! ```text
//! data    = base64url, no padding ( format payload crc )
//! format  = one byte: 2 (1 was the hand-written form before this one)
//! payload = the postcard form of the session below
//! crc     = CRC-32 (IEEE, as zip and PNG) of format and payload, 4 bytes, little-endian
//! ```
//!
//! The payload is written by [postcard] (its wire format 1): an unsigned
//! integer (`usize` too) is an unsigned LEB128 varint; an option is a byte 0
//! (none) or 1 then the value; a string or a list is its length as a varint
//! then its UTF-8 bytes or its items; an enum is its variant's number as a
//! varint then the variant's fields; a struct is its fields in order.
//!
//! ```text
//! session = version:u32  config  seed:u64  current:usize  cursor:usize
//!           preset:option<string>  branches:list<branch>
//! config  = replicas:usize  delivery:(0 causal | 1 fifo | 2 unordered)
//!           conflicts:(0 overwrite | 1 lww | 2 multi-value)
//! branch  = start  steps:list<step>
//! start   = 0                             no parent; `steps` are all its steps
//!         | 1 parent:usize shared:usize   its first `shared` steps are its
//!                                         parent's, not repeated: `steps` is its tail
//!         | 2 parent:usize shared:usize   a parent whose first steps are not its
//!                                         own: `steps` are all its steps (the
//!                                         page never makes one; kept so that
//!                                         every session reads back as it was)
//! step    = 0 write replica:usize key:string value:string
//!         | 1 deliver message:u32 to:usize    | 2 drop message:u32 to:usize
//!         | 3 duplicate message:u32 to:usize  | 4 deliver-all
//!         | 5 deliver-next to:usize           | 6 reorder to:usize index:usize position:usize
//! ```
//!
//! A [`Session`] keeps each branch whole, so reading a link copies each
//! parent's shared steps into its children: the counts of branches, steps and
//! bytes of text this makes are capped (the `MAX_` constants), so that a
//! crafted link cannot make a small link into a large session. Reading never
//! panics; postcard preallocates a list no longer than the bytes left, so no
//! length in the data allocates beyond what the data holds.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use causal_core::{Command, Config};
use serde::{Deserialize, Serialize};

use crate::data::steps::Step;
use crate::run::session::{Branch, Session};

/// What comes before the data in the fragment: the hash is `#s=<data>`.
pub const FRAGMENT_PREFIX: &str = "s=";

/// The longest fragment read, in characters (a link of this size still opens
/// in every browser).
pub const MAX_FRAGMENT_CHARS: usize = 100_000;

/// The most branches a link may hold.
pub const MAX_BRANCHES: usize = 10_000;

/// The most commands a link may hold, over all branches, counting the steps a
/// branch shares with its parent once per branch.
pub const MAX_COMMANDS: usize = 200_000;

/// The most bytes of keys and values a link may hold, every copy counted.
pub const MAX_TOTAL_STRING_BYTES: usize = 4_000_000;

/// The layout of the data; a link with another is refused.
const FORMAT: u8 = 2;

/// The checksum: the CRC-32 of zip, PNG and Ethernet, bit by bit (a link is
/// short; a table would cost the page a kilobyte).
const CRC: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// Why a fragment is not a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// There is nothing after the `#`.
    Empty,
    /// The fragment is something other than a share link.
    NotALink,
    /// The fragment is longer than the page reads.
    TooLong {
        /// Its length in characters.
        chars: usize,
        /// [`MAX_FRAGMENT_CHARS`].
        limit: usize,
    },
    /// A character that base64url never has.
    NotBase64,
    /// Too short to hold a session at all.
    Truncated,
    /// The checksum does not match: changed or cut off.
    Damaged,
    /// Made by another version of the format (1: the page before postcard).
    Version(u8),
    /// The checksum matches, but the data is not a session.
    NotASession(&'static str),
    /// It reads as a session, but one that is impossible or too large.
    Invalid(&'static str),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::Empty => write!(f, "the link has no session in it"),
            ShareError::NotALink => write!(
                f,
                "this is not a share link of the playground (its address should end in #s=...)"
            ),
            ShareError::TooLong { chars, limit } => write!(
                f,
                "the link is too long: {chars} characters, more than the {limit} the page reads"
            ),
            ShareError::NotBase64 => write!(
                f,
                "the link has characters a share link never has: part of it was changed"
            ),
            ShareError::Truncated => write!(
                f,
                "the link is cut off: copy the whole link and open it again"
            ),
            ShareError::Damaged => {
                write!(f, "the link is damaged: part of it was changed or cut off")
            }
            ShareError::Version(v) if *v < FORMAT => write!(
                f,
                "the link was made by an earlier version of the playground, whose links this page no longer reads"
            ),
            ShareError::Version(_) => write!(
                f,
                "the link was made by a newer version of the playground than this page: reload the page"
            ),
            ShareError::NotASession(what) => {
                write!(f, "the link does not hold a session: {what}")
            }
            ShareError::Invalid(what) => write!(f, "the link's session is impossible: {what}"),
        }
    }
}

impl std::error::Error for ShareError {}

impl ShareError {
    /// Why the copy the page saved in the browser cannot be read: no one
    /// made it by hand, so it is either from another version or damaged.
    pub fn saved_cause(&self) -> &'static str {
        match self {
            ShareError::Version(v) if *v < FORMAT => {
                "it was saved by an earlier version of the playground"
            }
            ShareError::Version(_) => "it was saved by a newer version of the playground",
            _ => "it is damaged",
        }
    }
}

/// The session as the data of a share link: what goes after `#s=`.
///
/// Always succeeds. A session too big for a link gives a string longer than
/// [`MAX_FRAGMENT_CHARS`] (which [`decode`] refuses): check before sharing.
pub fn encode(session: &Session) -> String {
    let wire = WireSession::of(session);
    // Writing to a vector cannot fail: postcard fails only on a full buffer
    // or a list of unknown length, and these types have neither.
    let mut bytes = postcard::to_extend(&wire, vec![FORMAT]).unwrap_or_default();
    let crc = CRC.checksum(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    Base64UrlUnpadded::encode_string(&bytes)
}

/// The session in a share link's fragment: `#s=<data>`, `s=<data>` or the
/// bare data. Decodes only: the caller checks it with [`Session::validate`].
pub fn decode(fragment: &str) -> Result<Session, ShareError> {
    let text = fragment.trim();
    let text = text.strip_prefix('#').unwrap_or(text);
    if text.is_empty() {
        return Err(ShareError::Empty);
    }
    let is_base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let data = match text.strip_prefix(FRAGMENT_PREFIX) {
        Some(data) => data,
        None if text.bytes().all(is_base64url) => text,
        None => return Err(ShareError::NotALink),
    };
    if data.is_empty() {
        return Err(ShareError::Empty);
    }
    if data.len() > MAX_FRAGMENT_CHARS {
        return Err(ShareError::TooLong {
            chars: data.chars().count(),
            limit: MAX_FRAGMENT_CHARS,
        });
    }
    if !data.bytes().all(is_base64url) {
        return Err(ShareError::NotBase64);
    }
    if data.len() % 4 == 1 {
        return Err(ShareError::Truncated);
    }
    let bytes = Base64UrlUnpadded::decode_vec(data).map_err(|_| ShareError::Damaged)?;
    let body_len = bytes.len().checked_sub(4).ok_or(ShareError::Truncated)?;
    let (body, sum) = bytes.split_at(body_len);
    if sum != CRC.checksum(body).to_le_bytes() {
        return Err(ShareError::Damaged);
    }
    let (&format, payload) = body.split_first().ok_or(ShareError::Truncated)?;
    if format != FORMAT {
        return Err(ShareError::Version(format));
    }
    let (wire, rest) = postcard::take_from_bytes::<WireSession>(payload).map_err(|e| {
        ShareError::NotASession(match e {
            postcard::Error::DeserializeUnexpectedEnd => "it ends too early",
            postcard::Error::DeserializeBadVarint => "a number in it is too large",
            postcard::Error::DeserializeBadUtf8 => "a key, value or name in it is not text",
            _ => "a part of it is of an unknown kind",
        })
    })?;
    if !rest.is_empty() {
        return Err(ShareError::NotASession("it has extra data at its end"));
    }
    wire.into_session()
}

/// A [`Session`] as the link writes it: each branch after its parent's
/// shared steps, and the text borrowed from the session or the link's bytes.
#[derive(Serialize, Deserialize)]
struct WireSession<'a> {
    version: u32,
    config: Config,
    seed: u64,
    current: usize,
    cursor: usize,
    #[serde(borrow)]
    preset: Option<&'a str>,
    #[serde(borrow)]
    branches: Vec<WireBranch<'a>>,
}

#[derive(Serialize, Deserialize)]
struct WireBranch<'a> {
    start: Start,
    #[serde(borrow)]
    steps: Vec<Step<'a>>,
}

/// Where a branch starts, and so which of its steps the link holds.
#[derive(Clone, Copy, Serialize, Deserialize)]
enum Start {
    /// No parent: every step.
    Root,
    /// Its first `shared` steps are `parent`'s: only the steps after them.
    After { parent: usize, shared: usize },
    /// Named after `parent` but not starting as it does: every step.
    Beside { parent: usize, shared: usize },
}

/// Bytes of text a command holds.
fn text_len(command: &Command) -> usize {
    match command {
        Command::Write { key, value, .. } => key.len().saturating_add(value.len()),
        _ => 0,
    }
}

impl<'a> WireSession<'a> {
    fn of(session: &'a Session) -> Self {
        let all = &session.branches;
        let branches = all
            .iter()
            .enumerate()
            .map(|(i, branch)| {
                let (start, skip) = match branch.parent {
                    None => (Start::Root, 0),
                    Some((parent, shared)) => {
                        let theirs = all.get(parent).and_then(|p| p.commands.get(..shared));
                        if parent < i && theirs.is_some() && theirs == branch.commands.get(..shared)
                        {
                            (Start::After { parent, shared }, shared)
                        } else {
                            (Start::Beside { parent, shared }, 0)
                        }
                    }
                };
                WireBranch {
                    start,
                    steps: branch.commands[skip..].iter().map(Step::from).collect(),
                }
            })
            .collect();
        WireSession {
            version: session.version,
            config: session.config,
            seed: session.seed,
            current: session.current,
            cursor: session.cursor,
            preset: session.preset.as_deref(),
            branches,
        }
    }

    /// The session, each branch made whole, within the caps.
    fn into_session(self) -> Result<Session, ShareError> {
        if self.branches.len() > MAX_BRANCHES {
            return Err(ShareError::Invalid("it has too many branches"));
        }
        let mut commands_made = 0usize;
        let mut text_made = 0usize;
        let mut spend = |commands: &[Command]| {
            commands_made = commands_made
                .checked_add(commands.len())
                .filter(|&n| n <= MAX_COMMANDS)
                .ok_or(ShareError::Invalid("it holds too many steps"))?;
            text_made = commands
                .iter()
                .map(text_len)
                .try_fold(text_made, usize::checked_add)
                .filter(|&n| n <= MAX_TOTAL_STRING_BYTES)
                .ok_or(ShareError::Invalid("it holds too many keys and values"))?;
            Ok(())
        };
        let mut branches: Vec<Branch> = Vec::with_capacity(self.branches.len());
        for wire in &self.branches {
            let (parent, mut commands) = match wire.start {
                Start::Root => (None, Vec::new()),
                Start::Beside { parent, shared } => (Some((parent, shared)), Vec::new()),
                Start::After { parent, shared } => {
                    // Only the branches before this one are made yet.
                    let theirs = branches.get(parent).ok_or(ShareError::Invalid(
                        "a branch starts from one that does not exist",
                    ))?;
                    let prefix = theirs.commands.get(..shared).ok_or(ShareError::Invalid(
                        "a branch shares more steps than its parent has",
                    ))?;
                    spend(prefix)?;
                    let mut commands = Vec::with_capacity(shared.saturating_add(wire.steps.len()));
                    commands.extend_from_slice(prefix);
                    (Some((parent, shared)), commands)
                }
            };
            let tail: Vec<Command> = wire.steps.iter().map(Command::from).collect();
            spend(&tail)?;
            commands.extend(tail);
            branches.push(Branch { commands, parent });
        }
        Ok(Session {
            version: self.version,
            config: self.config,
            branches,
            current: self.current,
            cursor: self.cursor,
            seed: self.seed,
            preset: self.preset.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use causal_core::{Conflicts, Delivery, MessageId};

    use super::*;

    fn every_kind() -> Vec<Command> {
        vec![
            Command::write(0, "x", "1"),
            Command::write(1, "x", "2"),
            Command::deliver(1, 1),
            Command::duplicate(1, 2),
            Command::drop(1, 2),
            Command::Reorder {
                to: 2,
                index: 1,
                position: 0,
            },
            Command::DeliverNext { to: 2 },
            Command::DeliverAll,
        ]
    }

    fn session(commands: Vec<Command>) -> Session {
        Session::linear(Config::default(), commands, 42)
    }

    /// The data of a link whose bytes after the format byte are `payload`.
    fn wrap(format: u8, payload: &[u8]) -> String {
        let mut bytes = vec![format];
        bytes.extend_from_slice(payload);
        let crc = CRC.checksum(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        Base64UrlUnpadded::encode_string(&bytes)
    }

    /// The payload of a link: what [`wrap`] takes.
    fn payload_of(session: &Session) -> Vec<u8> {
        let bytes = Base64UrlUnpadded::decode_vec(&encode(session)).unwrap();
        bytes[1..bytes.len() - 4].to_vec()
    }

    /// A session's payload up to its branch count, for crafted links:
    /// version 2, 3 replicas, causal, overwrite, seed 0, current 0, cursor 0,
    /// no preset.
    fn head() -> Vec<u8> {
        vec![2, 3, 0, 0, 0, 0, 0, 0]
    }

    fn round_trip(s: &Session) {
        let data = encode(s);
        assert!(
            data.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{data}"
        );
        assert_eq!(decode(&data).as_ref(), Ok(s));
        assert_eq!(decode(&format!("s={data}")).as_ref(), Ok(s));
        assert_eq!(decode(&format!("#s={data}")).as_ref(), Ok(s));
        assert_eq!(decode(&format!(" #s={data}\n")).as_ref(), Ok(s));
    }

    #[test]
    fn the_checksum_is_the_standard_crc32() {
        assert_eq!(CRC.checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(CRC.checksum(b""), 0);
    }

    /// The bytes the module doc specifies, byte for byte: a change to the
    /// wire types, to postcard or to the engine's rules' order that would
    /// break links already made fails here.
    #[test]
    fn the_format_is_the_one_specified() {
        let mut s = Session::linear(
            Config {
                replicas: 4,
                delivery: Delivery::Fifo,
                conflicts: Conflicts::MultiValue,
            },
            every_kind(),
            300,
        );
        s.cursor = 2;
        s.preset = Some("ab".into());
        let mut branch = every_kind()[..3].to_vec();
        branch.push(Command::write(3, "é", ""));
        s.branches.push(Branch {
            commands: branch,
            parent: Some((0, 3)),
        });
        s.branches.push(Branch {
            commands: vec![Command::DeliverAll],
            parent: Some((0, 1)),
        });
        #[rustfmt::skip]
        let expected: &[u8] = &[
            2,                    // session version
            4, 1, 2,              // 4 replicas, fifo, multi-value
            0xac, 0x02,           // seed 300
            0, 2,                 // branch 0 shown, at step 2
            1, 2, b'a', b'b',     // preset "ab"
            3,                    // three branches
            0, 8,                 // no parent, 8 steps:
            0, 0, 1, b'x', 1, b'1',   // write at 0: x = 1
            0, 1, 1, b'x', 1, b'2',   // write at 1: x = 2
            1, 1, 1,              // deliver m1 to 1
            3, 1, 2,              // duplicate m1 to 2
            2, 1, 2,              // drop m1 to 2
            6, 2, 1, 0,           // reorder lane 2: 1 to 0
            5, 2,                 // deliver-next to 2
            4,                    // deliver-all
            1, 0, 3, 1,           // after branch 0's 3 steps, 1 step:
            0, 3, 2, 0xc3, 0xa9, 0,   // write at 3: é = ""
            2, 0, 1, 1,           // beside branch 0 (1 step), 1 step:
            4,                    // deliver-all
        ];
        assert_eq!(payload_of(&s), expected);
        assert_eq!(encode(&s), wrap(FORMAT, expected));
        round_trip(&s);
    }

    #[test]
    fn every_command_kind_round_trips() {
        round_trip(&session(every_kind()));
    }

    #[test]
    fn empty_session_round_trips() {
        round_trip(&session(Vec::new()));
        let empty = Session {
            branches: Vec::new(),
            ..session(Vec::new())
        };
        round_trip(&empty);
    }

    #[test]
    fn every_config_seed_and_preset_round_trips() {
        for delivery in Delivery::ALL {
            for conflicts in Conflicts::ALL {
                for replicas in [2, 3, 8] {
                    let mut s = session(every_kind());
                    s.config = Config {
                        replicas,
                        delivery,
                        conflicts,
                    };
                    s.cursor = 3;
                    s.seed = u64::MAX;
                    s.preset = Some("classic".to_string());
                    round_trip(&s);
                    s.preset = Some(String::new());
                    s.seed = 0;
                    round_trip(&s);
                }
            }
        }
    }

    #[test]
    fn unicode_and_large_numbers_round_trip() {
        let s = session(vec![
            Command::write(0, "clé", "värde ✓"),
            Command::write(1, "🔑", "値"),
            Command::write(7, "clé", "🔑"),
            Command::write(15, "x", ""),
            Command::write(usize::MAX, "", "x"),
            Command::Deliver {
                message: MessageId(u32::MAX),
                to: 200,
            },
            Command::Reorder {
                to: 14,
                index: usize::MAX,
                position: 128,
            },
        ]);
        round_trip(&s);
        let mut odd = s.clone();
        odd.version = u32::MAX;
        odd.current = usize::MAX;
        odd.cursor = usize::MAX;
        odd.config.replicas = 0;
        round_trip(&odd);
    }

    #[test]
    fn branches_round_trip_and_share_their_prefix() {
        let main = every_kind();
        let mut other = main[..3].to_vec();
        other.push(Command::write(2, "y", "z"));
        let mut third = other.clone();
        third.push(Command::DeliverAll);
        // A parent whose prefix differs: kept whole, still exact.
        let odd = vec![Command::write(2, "q", "r"), Command::DeliverAll];
        let s = Session {
            branches: vec![
                Branch {
                    commands: main.clone(),
                    parent: None,
                },
                Branch {
                    commands: other.clone(),
                    parent: Some((0, 3)),
                },
                Branch {
                    commands: third,
                    parent: Some((1, 4)),
                },
                Branch {
                    commands: odd.clone(),
                    parent: Some((0, 1)),
                },
                Branch {
                    commands: odd.clone(),
                    parent: Some((9, 1)),
                },
                Branch {
                    commands: odd,
                    parent: Some((0, 99)),
                },
                Branch {
                    commands: main,
                    parent: Some((0, 0)),
                },
            ],
            current: 2,
            cursor: 4,
            ..session(Vec::new())
        };
        round_trip(&s);
        let mut possible = s.clone();
        possible
            .branches
            .retain(|b| !matches!(b.parent, Some((9, _)) | Some((_, 99))));
        round_trip(&possible);
        let valid = crate::run::loading::validate(decode(&encode(&possible)).unwrap()).map(|v| v.0);
        assert_eq!(valid.map(|s| s.current), Ok(2));

        // The shared steps are not repeated: a branch costs only its own.
        let base = session(every_kind());
        let mut two = base.clone();
        two.branches.push(Branch {
            commands: every_kind(),
            parent: Some((0, 8)),
        });
        assert!(encode(&two).len() <= encode(&base).len() + 6);
    }

    #[test]
    fn every_preset_round_trips_and_validates() {
        for (name, _) in crate::data::presets::titles() {
            let scenario = crate::data::presets::preset(name).unwrap().scenario;
            let config = Config {
                replicas: scenario.replicas,
                delivery: scenario.delivery,
                conflicts: scenario.conflicts,
            };
            let mut s = Session::linear(config, scenario.steps, 1);
            s.preset = Some(name.to_string());
            let back = decode(&encode(&s)).unwrap();
            assert_eq!(back, s);
            assert!(crate::run::loading::validate(back).is_ok(), "{name}");
            println!(
                "{name}: {} steps, link data {} characters",
                s.cursor,
                encode(&s).len()
            );
        }
    }

    #[test]
    fn keys_and_values_in_a_link_obey_the_write_forms_limits() {
        let long_key = "k".repeat(crate::run::text::MAX_KEY_CHARS + 1);
        for (commands, why) in [
            (
                vec![Command::write(0, long_key.as_str(), "1")],
                "the key has 25 characters",
            ),
            (
                vec![
                    Command::write(0, "x", "1"),
                    Command::write(1, "x", "a\u{1}b"),
                ],
                "the value holds the character U+0001",
            ),
        ] {
            let read = decode(&encode(&session(commands))).unwrap();
            let refused = crate::run::loading::validate(read).map(|_| ()).unwrap_err();
            assert!(refused.contains(why), "{refused}");
        }
        let longest = Command::write(
            2,
            "k".repeat(crate::run::text::MAX_KEY_CHARS),
            "✓".repeat(crate::run::text::MAX_VALUE_CHARS),
        );
        let read = decode(&encode(&session(vec![longest]))).unwrap();
        assert!(crate::run::loading::validate(read).is_ok());
    }

    /// A run of `n` commands that the engine accepts: writes to a few keys,
    /// deliveries, drops, duplicates and reorders, chosen by a fixed LCG.
    fn realistic(n: usize) -> Session {
        let config = Config::default();
        let mut sim = causal_core::Simulation::new(config).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let mut writes = 0;
        while sim.history().len() < n {
            let copies: Vec<_> = sim.in_flight().collect();
            let command = match (next(10), copies.is_empty()) {
                (0..=2, _) | (_, true) => {
                    writes += 1;
                    let key = ["x", "y", "z", "count"][next(4) as usize];
                    Command::write(next(3) as usize, key, writes.to_string())
                }
                (k, false) => {
                    let c = copies[next(copies.len() as u64) as usize];
                    match k {
                        3 => Command::Drop {
                            message: c.message,
                            to: c.to,
                        },
                        4 if c.from != c.to => Command::Duplicate {
                            message: c.message,
                            to: c.to,
                        },
                        5 => Command::Reorder {
                            to: c.to,
                            index: 0,
                            position: 0,
                        },
                        _ => Command::Deliver {
                            message: c.message,
                            to: c.to,
                        },
                    }
                }
            };
            let _ = sim.apply(command);
        }
        Session::linear(config, sim.history().to_vec(), 7)
    }

    #[test]
    fn a_long_run_fits_a_link() {
        let s = realistic(200);
        assert_eq!(s.branches[0].commands.len(), 200);
        let data = encode(&s);
        // What the same session took as JSON (the saved form before the
        // first binary one).
        let branch = &s.branches[0];
        let json = serde_json::json!({
            "version": s.version,
            "config": s.config,
            "branches": [{"commands": branch.commands, "parent": branch.parent}],
            "current": s.current,
            "cursor": s.cursor,
            "seed": s.seed,
            "preset": s.preset,
        })
        .to_string();
        println!(
            "200 commands: link data {} characters, session JSON {} bytes",
            data.len(),
            json.len()
        );
        assert!(
            data.len() * 4 < json.len(),
            "{} vs {}",
            data.len(),
            json.len()
        );
        assert_eq!(decode(&data).unwrap(), s);
        assert!(crate::run::loading::validate(decode(&data).unwrap()).is_ok());
    }

    /// A link of the form before this one (format 1, a hand-written codec):
    /// a write of x = old at A, then m1 delivered to B.
    const FORMAT_1_LINK: &str = "AQIDACoAAgABAAQAAAF4AANvbGQRAdcvzk0";

    #[test]
    fn a_link_of_the_earlier_format_says_so() {
        for link in [FORMAT_1_LINK.to_string(), format!("#s={FORMAT_1_LINK}")] {
            let e = decode(&link).unwrap_err();
            assert_eq!(e, ShareError::Version(1));
            assert_eq!(
                e.to_string(),
                "the link was made by an earlier version of the playground, whose links this page no longer reads"
            );
        }
        assert!(ShareError::Version(FORMAT + 1)
            .to_string()
            .contains("newer version"));
        assert_eq!(
            decode(FORMAT_1_LINK).map_err(|e| e.saved_cause()),
            Err("it was saved by an earlier version of the playground")
        );
        assert_eq!(ShareError::Damaged.saved_cause(), "it is damaged");
    }

    #[test]
    fn every_error_has_its_cause() {
        assert_eq!(decode(""), Err(ShareError::Empty));
        assert_eq!(decode("#"), Err(ShareError::Empty));
        assert_eq!(decode("#s="), Err(ShareError::Empty));
        assert_eq!(decode("  "), Err(ShareError::Empty));
        assert_eq!(decode("#t=abc"), Err(ShareError::NotALink));
        assert_eq!(decode("#about me"), Err(ShareError::NotALink));
        let long = format!("#s={}", "A".repeat(MAX_FRAGMENT_CHARS + 1));
        assert_eq!(
            decode(&long),
            Err(ShareError::TooLong {
                chars: MAX_FRAGMENT_CHARS + 1,
                limit: MAX_FRAGMENT_CHARS
            })
        );
        assert_eq!(decode("#s=abc$def"), Err(ShareError::NotBase64));
        assert_eq!(decode("#s=abc défg"), Err(ShareError::NotBase64));
        assert_eq!(decode("#s=ab=c"), Err(ShareError::NotBase64));
        assert_eq!(decode("#s=ab+c"), Err(ShareError::NotBase64));
        assert_eq!(decode("#s=A"), Err(ShareError::Truncated));
        assert_eq!(decode("#s=abcde"), Err(ShareError::Truncated));
        assert_eq!(decode("#s=AAAA"), Err(ShareError::Truncated));
        // Unused bits set in the last character: "AB" is never written.
        assert_eq!(decode("#s=AAAAAAB"), Err(ShareError::Damaged));
        let data = encode(&session(every_kind()));
        let damaged = format!(
            "{}{}",
            if data.starts_with('A') { 'B' } else { 'A' },
            &data[1..]
        );
        assert_eq!(decode(&damaged), Err(ShareError::Damaged));
        assert_eq!(decode(&wrap(3, &head())), Err(ShareError::Version(3)));
        assert_eq!(decode(&wrap(0, &[])), Err(ShareError::Version(0)));
        assert_eq!(
            decode(&wrap(FORMAT, &[])),
            Err(ShareError::NotASession("it ends too early"))
        );
        assert_eq!(
            decode(&wrap(FORMAT, &head())),
            Err(ShareError::NotASession("it ends too early"))
        );
        // Four bytes are the checksum of nothing: not even a format.
        assert_eq!(
            decode(&Base64UrlUnpadded::encode_string(&[0; 4])),
            Err(ShareError::Truncated)
        );
    }

    fn unreadable(payload: &[u8]) -> ShareError {
        decode(&wrap(FORMAT, payload)).unwrap_err()
    }

    #[test]
    fn data_that_is_not_a_session_says_what_is_wrong() {
        let with = |tail: &[u8]| [head().as_slice(), tail].concat();
        // one branch without parent and one step, then `step`
        let one = |step: &[u8]| with(&[&[1, 0, 1][..], step].concat());
        assert!(decode(&wrap(FORMAT, &with(&[0]))).is_ok());
        assert!(decode(&wrap(FORMAT, &one(&[4]))).is_ok());
        assert_eq!(
            unreadable(&with(&[0, 9])),
            ShareError::NotASession("it has extra data at its end")
        );
        let unknown = ShareError::NotASession("a part of it is of an unknown kind");
        assert_eq!(unreadable(&one(&[7])), unknown, "step kind");
        assert_eq!(unreadable(&with(&[1, 3, 0])), unknown, "branch start");
        let mut rules = head();
        rules[2] = 3;
        assert_eq!(unreadable(&rules), unknown, "delivery rule");
        rules[2] = 0;
        rules[3] = 3;
        assert_eq!(unreadable(&rules), unknown, "conflict rule");
        let mut preset = head();
        preset[7] = 2;
        assert_eq!(unreadable(&preset), unknown, "an option is 0 or 1");
        assert_eq!(
            unreadable(&one(&[0, 0, 1, 0xff, 0])),
            ShareError::NotASession("a key, value or name in it is not text")
        );
        let too_large = ShareError::NotASession("a number in it is too large");
        assert_eq!(
            unreadable(&one(&[1, 0x80, 0x80, 0x80, 0x80, 0x10, 0])),
            too_large,
            "message over u32"
        );
        let mut version = head();
        version.splice(0..1, [0x80, 0x80, 0x80, 0x80, 0x10]);
        assert_eq!(unreadable(&version), too_large, "version over u32");
        // eleven bytes of varint, or a tenth byte over one bit
        let mut seed = head();
        seed.splice(4..5, [0xff; 10].into_iter().chain([0x01]));
        assert_eq!(unreadable(&seed), too_large);
        seed = head();
        seed.splice(4..5, [0xff; 9].into_iter().chain([0x02]));
        assert_eq!(unreadable(&seed), too_large);
        // the largest u64 is fine as a seed
        seed = head();
        seed.splice(4..5, [0xff; 9].into_iter().chain([0x01]));
        seed.push(0);
        assert_eq!(decode(&wrap(FORMAT, &seed)).map(|s| s.seed), Ok(u64::MAX));
        // lengths larger than what is left
        let ends = ShareError::NotASession("it ends too early");
        assert_eq!(unreadable(&with(&[5])), ends);
        assert_eq!(unreadable(&with(&[1, 0, 20, 4])), ends);
        assert_eq!(unreadable(&one(&[0, 0, 40, b'k'])), ends);
    }

    #[test]
    fn impossible_sessions_say_why() {
        let with = |tail: &[u8]| [head().as_slice(), tail].concat();
        let invalid = |payload: &[u8]| decode(&wrap(FORMAT, payload)).unwrap_err();
        // a branch after itself, after a later one, or sharing more than its
        // parent has
        let nowhere = ShareError::Invalid("a branch starts from one that does not exist");
        assert_eq!(invalid(&with(&[1, 1, 0, 0, 0])), nowhere);
        assert_eq!(invalid(&with(&[2, 1, 1, 0, 0, 0, 0])), nowhere);
        assert_eq!(
            invalid(&with(&[2, 0, 1, 4, 1, 0, 2, 0])),
            ShareError::Invalid("a branch shares more steps than its parent has")
        );
        assert!(decode(&wrap(FORMAT, &with(&[2, 0, 1, 4, 1, 0, 1, 0]))).is_ok());
        // beside a branch that does not exist: read, and refused by its shape
        let beside = decode(&wrap(FORMAT, &with(&[1, 2, 9, 9, 0]))).unwrap();
        assert_eq!(beside.branches[0].parent, Some((9, 9)));
        assert!(beside.check_shape().is_err());
        // too many branches
        let mut many = head();
        many.extend_from_slice(&[0x91, 0x4e]); // 10,001
        for _ in 0..10_001 {
            many.extend_from_slice(&[0, 0]);
        }
        assert_eq!(
            invalid(&many),
            ShareError::Invalid("it has too many branches")
        );
    }

    /// A varint as postcard writes it.
    #[cfg(not(target_arch = "wasm32"))]
    fn varint(mut n: u64, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push(n as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    // Allocation is counted natively (see `counting`).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn crafted_links_cannot_make_a_large_session() {
        // A chain of branches each after all of its parent, adding one step:
        // quadratic if made, refused at MAX_COMMANDS.
        let mut p = head();
        varint(1000, &mut p);
        p.extend_from_slice(&[0, 1, 4]);
        for i in 0..999 {
            p.push(1);
            varint(i, &mut p);
            varint(i + 1, &mut p);
            p.extend_from_slice(&[1, 4]);
        }
        assert!(wrap(FORMAT, &p).len() < MAX_FRAGMENT_CHARS);
        let (result, peak) = counting::peak_of(|| decode(&wrap(FORMAT, &p)));
        assert_eq!(result, Err(ShareError::Invalid("it holds too many steps")));
        assert!(peak < 16 << 20, "{peak} bytes");

        // 40 writes of a 1,000-byte key, then 5,000 branches after all of
        // them: 200 MB of text if made, refused at 4 MB.
        let mut p = head();
        varint(5001, &mut p);
        p.extend_from_slice(&[0, 40]);
        for _ in 0..40 {
            p.extend_from_slice(&[0, 0]);
            varint(1000, &mut p);
            p.extend(std::iter::repeat_n(b'k', 1000));
            p.push(0);
        }
        for _ in 0..5000 {
            p.extend_from_slice(&[1, 0, 40, 0]);
        }
        assert!(wrap(FORMAT, &p).len() < MAX_FRAGMENT_CHARS);
        let (result, peak) = counting::peak_of(|| decode(&wrap(FORMAT, &p)));
        assert_eq!(
            result,
            Err(ShareError::Invalid("it holds too many keys and values"))
        );
        assert!(peak < 16 << 20, "{peak} bytes");
    }

    // Allocation is counted natively (see `counting`).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_huge_length_allocates_nothing_for_it() {
        let huge = |at: &[u8]| {
            let mut p = at.to_vec();
            varint(u64::MAX >> 1, &mut p);
            p.extend_from_slice(&[0; 16]);
            p
        };
        let cases = [
            // the preset's length, the branch count, a branch's step count,
            // a key's length
            huge(&[2, 3, 0, 0, 0, 0, 0, 1]),
            huge(&head()),
            huge(&[head().as_slice(), &[1, 0]].concat()),
            huge(&[head().as_slice(), &[1, 0, 1, 0, 0]].concat()),
        ];
        for p in cases {
            let link = wrap(FORMAT, &p);
            let (result, peak) = counting::peak_of(|| decode(&link));
            assert!(result.is_err(), "{p:?}");
            assert!(peak < 4096, "{p:?}: {peak} bytes");
        }
    }

    #[test]
    fn every_cut_is_an_error() {
        let data = encode(&realistic(60));
        for len in 0..data.len() {
            let cut = &data[..len];
            assert!(decode(cut).is_err(), "cut at {len}");
            assert!(decode(&format!("#s={cut}")).is_err(), "cut at {len}");
        }
        // and so is a cut at the front
        for start in 1..data.len() {
            assert!(decode(&data[start..]).is_err(), "cut from {start}");
        }
    }

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    #[test]
    fn every_changed_character_is_an_error() {
        let data = encode(&session(every_kind()));
        let mut tried = 0;
        for i in 0..data.len() {
            for &c in ALPHABET.iter().chain(b"=+/ .%#\xc3") {
                if data.as_bytes()[i] == c {
                    continue;
                }
                let mut bytes = data.clone().into_bytes();
                bytes[i] = c;
                let changed = String::from_utf8_lossy(&bytes).into_owned();
                // CRC-32 catches every change of up to 32 bits in a row.
                assert!(decode(&changed).is_err(), "{changed}");
                tried += 1;
            }
        }
        assert!(tried > 60 * data.len());
    }

    #[test]
    fn messages_are_plain_words() {
        let cases = [
            ShareError::Empty,
            ShareError::NotALink,
            ShareError::TooLong {
                chars: 120_000,
                limit: 100_000,
            },
            ShareError::NotBase64,
            ShareError::Truncated,
            ShareError::Damaged,
            ShareError::Version(1),
            ShareError::Version(7),
            ShareError::NotASession("it has extra data at its end"),
            ShareError::Invalid("it holds too many steps"),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for e in cases {
            let text = e.to_string();
            assert!(
                text.starts_with("the link") || text.starts_with("this is"),
                "{text}"
            );
            assert!(seen.insert(text), "{e:?} says what another says");
        }
        assert_eq!(
            ShareError::Damaged.to_string(),
            "the link is damaged: part of it was changed or cut off"
        );
        assert!(ShareError::TooLong {
            chars: 120_000,
            limit: 100_000
        }
        .to_string()
        .contains("120000 characters"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod fuzz {
        use proptest::collection::vec;
        use proptest::prelude::*;

        use super::super::*;
        use super::{counting, every_kind, payload_of, realistic, session, wrap};
        use causal_core::MessageId;

        fn command() -> impl Strategy<Value = Command> {
            let to = 0..12usize;
            prop_oneof![
                (0..12usize, "\\PC{0,5}", "\\PC{0,5}")
                    .prop_map(|(replica, key, value)| { Command::write(replica, key, value) }),
                (any::<u32>(), to.clone()).prop_map(|(m, to)| Command::Deliver {
                    message: MessageId(m),
                    to
                }),
                (any::<u32>(), to.clone()).prop_map(|(m, to)| Command::Drop {
                    message: MessageId(m),
                    to
                }),
                (any::<u32>(), to.clone()).prop_map(|(m, to)| Command::Duplicate {
                    message: MessageId(m),
                    to
                }),
                Just(Command::DeliverAll),
                to.clone().prop_map(|to| Command::DeliverNext { to }),
                (to, any::<usize>(), any::<usize>()).prop_map(|(to, index, position)| {
                    Command::Reorder {
                        to,
                        index,
                        position,
                    }
                }),
            ]
        }

        /// Any session: branches after a parent (sharing its first steps),
        /// beside one (not sharing them) or on their own.
        fn any_session() -> impl Strategy<Value = Session> {
            let branch = (
                vec(command(), 0..8),
                any::<bool>(),
                any::<bool>(),
                any::<usize>(),
                any::<usize>(),
            );
            (
                vec(branch, 0..5),
                any::<u32>(),
                (0..10usize, 0..3usize, 0..3usize),
                any::<u64>(),
                any::<usize>(),
                any::<usize>(),
                proptest::option::of("\\PC{0,8}"),
            )
                .prop_map(
                    |(wanted, version, (replicas, d, c), seed, current, cursor, preset)| {
                        let mut branches: Vec<Branch> = Vec::new();
                        for (i, (tail, has_parent, after, p, shared)) in
                            wanted.into_iter().enumerate()
                        {
                            let branch = if !has_parent || i == 0 {
                                Branch {
                                    commands: tail,
                                    parent: None,
                                }
                            } else if after {
                                let parent = p % i;
                                let theirs = &branches[parent].commands;
                                let shared = shared % (theirs.len() + 1);
                                let mut commands = theirs[..shared].to_vec();
                                commands.extend(tail);
                                Branch {
                                    commands,
                                    parent: Some((parent, shared)),
                                }
                            } else {
                                Branch {
                                    commands: tail,
                                    parent: Some((p % 16, shared % 16)),
                                }
                            };
                            branches.push(branch);
                        }
                        Session {
                            version,
                            config: Config {
                                replicas,
                                delivery: causal_core::Delivery::ALL[d],
                                conflicts: causal_core::Conflicts::ALL[c],
                            },
                            branches,
                            current,
                            cursor,
                            seed,
                            preset,
                        }
                    },
                )
        }

        /// What any payload must give: an error or a session that writes
        /// back to a link of itself, within a bounded allocation.
        fn check_payload(payload: &[u8]) {
            let link = wrap(FORMAT, payload);
            let (result, peak) = counting::peak_of(|| decode(&link));
            // The decoded wire and the session: a few hundred bytes for each
            // byte of the link at most, since no session is larger.
            assert!(
                peak <= 4096 + 512 * payload.len(),
                "{peak} bytes for {payload:?}"
            );
            if let Ok(s) = result {
                assert_eq!(decode(&encode(&s)), Ok(s));
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            #[test]
            fn any_session_round_trips(s in any_session()) {
                let data = encode(&s);
                prop_assert_eq!(decode(&data), Ok(s.clone()));
                prop_assert_eq!(decode(&format!("#s={data}")), Ok(s));
            }

            #[test]
            fn any_text_is_read_or_refused(text in "\\PC{0,80}") {
                let _ = decode(&text);
                let _ = decode(&format!("#s={text}"));
            }

            #[test]
            fn any_bytes_with_a_good_checksum_are_read_or_refused(
                payload in vec(any::<u8>(), 0..96),
            ) {
                check_payload(&payload);
            }

            #[test]
            fn any_changed_session_is_read_or_refused(
                which in 0..3usize,
                changes in vec((any::<usize>(), any::<u8>(), 0..3u8), 1..6),
            ) {
                let mut payload = match which {
                    0 => payload_of(&session(every_kind())),
                    1 => payload_of(&realistic(40)),
                    _ => payload_of(&{
                        let mut s = session(every_kind());
                        s.branches.push(Branch {
                            commands: every_kind()[..5].to_vec(),
                            parent: Some((0, 3)),
                        });
                        s
                    }),
                };
                for (at, byte, how) in changes {
                    let at = at % (payload.len() + 1);
                    match how {
                        0 if at < payload.len() => payload[at] = byte,
                        1 => payload.insert(at, byte),
                        _ if at < payload.len() => {
                            payload.remove(at);
                        }
                        _ => payload.push(byte),
                    }
                }
                check_payload(&payload);
            }
        }
    }
}

/// Bytes allocated by the running thread, to check that reading a link
/// allocates within bounds whatever it says.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static LIVE: Cell<usize> = const { Cell::new(0) };
        static PEAK: Cell<usize> = const { Cell::new(0) };
    }

    struct Counting;

    #[global_allocator]
    static COUNTING: Counting = Counting;

    fn grow(bytes: usize) {
        let _ = LIVE.try_with(|live| {
            let now = live.get().saturating_add(bytes);
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
    }

    fn shrink(bytes: usize) {
        let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes)));
    }

    // SAFETY: every call is passed on to the system allocator unchanged;
    // the counters are thread-locals without destructors, which allocate
    // nothing.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                grow(layout.size());
            }
            p
        }

        unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
            unsafe { System.dealloc(p, layout) };
            shrink(layout.size());
        }

        unsafe fn realloc(&self, p: *mut u8, layout: Layout, size: usize) -> *mut u8 {
            let q = unsafe { System.realloc(p, layout, size) };
            if !q.is_null() {
                shrink(layout.size());
                grow(size);
            }
            q
        }
    }

    /// `f`'s result, and the most bytes it had allocated at once on this
    /// thread beyond what was allocated before it.
    pub fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(before));
        let out = f();
        (out, PEAK.with(Cell::get) - before)
    }
}
