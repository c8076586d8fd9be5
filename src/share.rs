//! The share link's fragment: a whole [`Session`] in `location.hash`, as
//! `#s=<data>`, so that a link opened elsewhere shows exactly the same state.
//!
//! No compression crate (the page has a size budget): a compact binary form
//! of its own, then base64url without padding.
//!
//! ```text
//! data     = base64url( FORMAT payload crc32 )   crc32 over FORMAT+payload, little-endian
//! payload  = version config seed current cursor preset branches
//! version  = varint (the session's version)
//! config   = varint(replicas) byte(delivery << 4 | conflicts)
//! seed, current, cursor = varint
//! preset   = varint 0 (none) | varint(1 + len) utf-8 bytes
//! branches = varint(count) branch*
//! branch   = varint 0 (no parent) | varint(1 + parent) varint(shared)
//!            varint(tail << 1 | inherits) command*tail
//!            (inherits: the first `shared` commands are the parent's, not repeated)
//! command  = byte(kind << 4 | min(replica, 15)) [varint(replica) if 15] fields
//!            write: string string; deliver, drop, duplicate: varint(message);
//!            deliver-all, deliver-next: nothing; reorder: varint(index) varint(position)
//! string   = varint 0 varint(len) utf-8 bytes (a new string, added to the table)
//!          | varint(1 + i) (string i of the table)
//! varint   = unsigned LEB128, at most 64 bits
//! ```
//!
//! Decoding never panics and never allocates more than the caps below allow,
//! whatever the input.

use std::collections::BTreeMap;
use std::fmt;

use causal_core::{Command, Config, Conflicts, Delivery, MessageId};

use crate::session::{Branch, Session};

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

/// The longest key, value or preset name, in bytes.
pub const MAX_STRING_BYTES: usize = 4_096;

/// The most bytes of keys and values a link may hold, every copy counted.
pub const MAX_TOTAL_STRING_BYTES: usize = 4_000_000;

/// The layout of the binary form; a link with another is refused.
const FORMAT: u8 = 1;

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
    /// It ends too early.
    Truncated,
    /// The checksum does not match: changed or cut off.
    Damaged,
    /// Made by another version of the format.
    Version(u8),
    /// It decodes, but what it says is impossible.
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
            ShareError::Version(v) => write!(
                f,
                "the link was made by another version of the playground (format {v}; this page reads format {FORMAT})"
            ),
            ShareError::Invalid(what) => write!(f, "the link's session is impossible: {what}"),
        }
    }
}

impl std::error::Error for ShareError {}

/// The session as the data of a share link: what goes after `#s=`.
///
/// Always succeeds. A session too big for a link gives a string longer than
/// [`MAX_FRAGMENT_CHARS`] (which [`decode`] refuses): check before sharing.
pub fn encode(session: &Session) -> String {
    let mut w = Writer::default();
    w.bytes.push(FORMAT);
    w.varint(u64::from(session.version));
    w.usize(session.config.replicas);
    w.bytes.push(
        (delivery_code(session.config.delivery) << 4) | conflicts_code(session.config.conflicts),
    );
    w.varint(session.seed);
    w.usize(session.current);
    w.usize(session.cursor);
    match &session.preset {
        None => w.varint(0),
        Some(name) => {
            w.usize(name.len().saturating_add(1));
            w.bytes.extend_from_slice(name.as_bytes());
        }
    }
    w.usize(session.branches.len());
    for (i, branch) in session.branches.iter().enumerate() {
        let mut skip = 0;
        match branch.parent {
            None => w.varint(0),
            Some((parent, shared)) => {
                w.usize(parent.saturating_add(1));
                w.usize(shared);
                let same_prefix = parent < i
                    && session.branches.get(parent).is_some_and(|p| {
                        let theirs = p.commands.get(..shared);
                        theirs.is_some() && theirs == branch.commands.get(..shared)
                    });
                if same_prefix {
                    skip = shared;
                }
            }
        }
        let tail = branch.commands.get(skip..).unwrap_or_default();
        w.varint((tail.len() as u64).saturating_mul(2) | u64::from(skip > 0));
        for command in tail {
            w.command(command);
        }
    }
    let crc = crc32(&w.bytes);
    w.bytes.extend_from_slice(&crc.to_le_bytes());
    base64url_encode(&w.bytes)
}

/// The session in a share link's fragment: `#s=<data>`, `s=<data>` or the
/// bare data. Decodes only: the caller checks it with [`Session::validate`].
pub fn decode(fragment: &str) -> Result<Session, ShareError> {
    let text = fragment.trim();
    let text = text.strip_prefix('#').unwrap_or(text);
    if text.is_empty() {
        return Err(ShareError::Empty);
    }
    let data = match text.strip_prefix(FRAGMENT_PREFIX) {
        Some(data) => data,
        None if text.bytes().all(|b| sextet(b).is_some()) => text,
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
    let bytes = base64url_decode(data)?;
    let body_len = bytes.len().checked_sub(4).ok_or(ShareError::Truncated)?;
    let (body, sum) = bytes
        .split_at_checked(body_len)
        .ok_or(ShareError::Truncated)?;
    let sum: [u8; 4] = sum.try_into().map_err(|_| ShareError::Truncated)?;
    if crc32(body) != u32::from_le_bytes(sum) {
        return Err(ShareError::Damaged);
    }
    let (&format, payload) = body.split_first().ok_or(ShareError::Truncated)?;
    if format != FORMAT {
        return Err(ShareError::Version(format));
    }
    let mut r = Reader::new(payload);
    let session = r.session()?;
    if r.pos != payload.len() {
        return Err(ShareError::Invalid("it has extra data at its end"));
    }
    Ok(session)
}

fn delivery_code(delivery: Delivery) -> u8 {
    match delivery {
        Delivery::Causal => 0,
        Delivery::Fifo => 1,
        Delivery::Unordered => 2,
    }
}

fn conflicts_code(conflicts: Conflicts) -> u8 {
    match conflicts {
        Conflicts::Overwrite => 0,
        Conflicts::Lww => 1,
        Conflicts::MultiValue => 2,
    }
}

const WRITE: u8 = 0;
const DELIVER: u8 = 1;
const DROP: u8 = 2;
const DUPLICATE: u8 = 3;
const DELIVER_ALL: u8 = 4;
const DELIVER_NEXT: u8 = 5;
const REORDER: u8 = 6;

/// A replica number of 15 or more follows the opcode byte as a varint.
const REPLICA_ESCAPE: u8 = 15;

/// The binary form being written.
#[derive(Default)]
struct Writer<'a> {
    bytes: Vec<u8>,
    /// Each key or value written so far, and its index in the table.
    strings: BTreeMap<&'a str, usize>,
}

impl<'a> Writer<'a> {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    fn usize(&mut self, value: usize) {
        self.varint(u64::try_from(value).unwrap_or(u64::MAX));
    }

    fn string(&mut self, text: &'a str) {
        if let Some(&index) = self.strings.get(text) {
            self.usize(index.saturating_add(1));
        } else {
            let index = self.strings.len();
            self.strings.insert(text, index);
            self.varint(0);
            self.usize(text.len());
            self.bytes.extend_from_slice(text.as_bytes());
        }
    }

    fn op(&mut self, kind: u8, replica: usize) {
        match u8::try_from(replica) {
            Ok(r) if r < REPLICA_ESCAPE => self.bytes.push((kind << 4) | r),
            _ => {
                self.bytes.push((kind << 4) | REPLICA_ESCAPE);
                self.usize(replica);
            }
        }
    }

    fn command(&mut self, command: &'a Command) {
        match command {
            Command::Write {
                replica,
                key,
                value,
            } => {
                self.op(WRITE, *replica);
                self.string(key);
                self.string(value);
            }
            Command::Deliver { message, to } => {
                self.op(DELIVER, *to);
                self.varint(u64::from(message.0));
            }
            Command::Drop { message, to } => {
                self.op(DROP, *to);
                self.varint(u64::from(message.0));
            }
            Command::Duplicate { message, to } => {
                self.op(DUPLICATE, *to);
                self.varint(u64::from(message.0));
            }
            Command::DeliverAll => self.op(DELIVER_ALL, 0),
            Command::DeliverNext { to } => self.op(DELIVER_NEXT, *to),
            Command::Reorder {
                to,
                index,
                position,
            } => {
                self.op(REORDER, *to);
                self.usize(*index);
                self.usize(*position);
            }
        }
    }
}

/// The binary form being read, with what it has cost so far.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Every new key or value read so far.
    strings: Vec<String>,
    /// Commands made so far, over all branches.
    commands: usize,
    /// Bytes of keys and values made so far, every copy counted.
    string_bytes: usize,
}

type Read<T> = Result<T, ShareError>;

const TOO_LARGE: ShareError = ShareError::Invalid("a number in it is too large");

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            strings: Vec::new(),
            commands: 0,
            string_bytes: 0,
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn byte(&mut self) -> Read<u8> {
        let b = *self.bytes.get(self.pos).ok_or(ShareError::Truncated)?;
        self.pos = self.pos.checked_add(1).ok_or(ShareError::Truncated)?;
        Ok(b)
    }

    fn take(&mut self, len: usize) -> Read<&'a [u8]> {
        let end = self.pos.checked_add(len).ok_or(ShareError::Truncated)?;
        let slice = self.bytes.get(self.pos..end).ok_or(ShareError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn varint(&mut self) -> Read<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            if shift == 63 && low > 1 {
                return Err(TOO_LARGE);
            }
            value |= low << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(TOO_LARGE)
    }

    fn usize(&mut self) -> Read<usize> {
        usize::try_from(self.varint()?).map_err(|_| TOO_LARGE)
    }

    /// A count of things that each take at least one more byte, up to `max`.
    fn count(&mut self, max: usize, what: &'static str) -> Read<usize> {
        let n = self.usize()?;
        if n > max {
            return Err(ShareError::Invalid(what));
        }
        if n > self.remaining() {
            return Err(ShareError::Truncated);
        }
        Ok(n)
    }

    fn text(&mut self, len: usize) -> Read<String> {
        if len > MAX_STRING_BYTES {
            return Err(ShareError::Invalid(
                "a key, value or name in it is too long",
            ));
        }
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| ShareError::Invalid("a key, value or name in it is not text"))
    }

    fn spend_text(&mut self, len: usize) -> Read<()> {
        self.string_bytes = self
            .string_bytes
            .checked_add(len)
            .filter(|&n| n <= MAX_TOTAL_STRING_BYTES)
            .ok_or(ShareError::Invalid("it holds too many keys and values"))?;
        Ok(())
    }

    fn spend_commands(&mut self, n: usize) -> Read<()> {
        self.commands = self
            .commands
            .checked_add(n)
            .filter(|&n| n <= MAX_COMMANDS)
            .ok_or(ShareError::Invalid("it holds too many steps"))?;
        Ok(())
    }

    fn string(&mut self) -> Read<String> {
        let text = match self.usize()? {
            0 => {
                let len = self.usize()?;
                let text = self.text(len)?;
                self.strings.push(text.clone());
                text
            }
            n => self.strings.get(n - 1).cloned().ok_or(ShareError::Invalid(
                "a key or value in it refers to nothing",
            ))?,
        };
        self.spend_text(text.len())?;
        Ok(text)
    }

    fn session(&mut self) -> Read<Session> {
        let version = u32::try_from(self.varint()?).map_err(|_| TOO_LARGE)?;
        let replicas = self.usize()?;
        let rules = self.byte()?;
        let delivery = *Delivery::ALL
            .get(usize::from(rules >> 4))
            .ok_or(ShareError::Invalid("its delivery rule is unknown"))?;
        let conflicts = *Conflicts::ALL
            .get(usize::from(rules & 0x0f))
            .ok_or(ShareError::Invalid("its conflict rule is unknown"))?;
        let seed = self.varint()?;
        let current = self.usize()?;
        let cursor = self.usize()?;
        let preset = match self.usize()? {
            0 => None,
            n => Some(self.text(n - 1)?),
        };
        let count = self.count(MAX_BRANCHES, "it has too many branches")?;
        let mut branches: Vec<Branch> = Vec::with_capacity(count);
        for i in 0..count {
            let parent = match self.usize()? {
                0 => None,
                n => Some((n - 1, self.usize()?)),
            };
            let field = self.varint()?;
            let inherits = field & 1 == 1;
            let tail = usize::try_from(field >> 1).map_err(|_| TOO_LARGE)?;
            if tail > self.remaining() {
                return Err(ShareError::Truncated);
            }
            let mut commands = Vec::new();
            if inherits {
                let (parent, shared) = parent.filter(|&(p, _)| p < i).ok_or(
                    ShareError::Invalid("a branch starts from one that does not exist"),
                )?;
                let prefix = branches
                    .get(parent)
                    .and_then(|b| b.commands.get(..shared))
                    .ok_or(ShareError::Invalid(
                        "a branch shares more steps than its parent has",
                    ))?;
                self.spend_commands(shared.saturating_add(tail))?;
                let text = prefix
                    .iter()
                    .map(text_len)
                    .fold(0usize, usize::saturating_add);
                self.spend_text(text)?;
                commands.reserve(shared.saturating_add(tail));
                commands.extend_from_slice(prefix);
            } else {
                self.spend_commands(tail)?;
                commands.reserve(tail);
            }
            for _ in 0..tail {
                commands.push(self.command()?);
            }
            branches.push(Branch { commands, parent });
        }
        Ok(Session {
            version,
            config: Config {
                replicas,
                delivery,
                conflicts,
            },
            branches,
            current,
            cursor,
            seed,
            preset,
        })
    }

    fn message(&mut self) -> Read<MessageId> {
        u32::try_from(self.varint()?)
            .map(MessageId)
            .map_err(|_| TOO_LARGE)
    }

    fn command(&mut self) -> Read<Command> {
        let op = self.byte()?;
        let replica = match op & 0x0f {
            REPLICA_ESCAPE => self.usize()?,
            r => usize::from(r),
        };
        Ok(match op >> 4 {
            WRITE => Command::Write {
                replica,
                key: self.string()?,
                value: self.string()?,
            },
            DELIVER => Command::Deliver {
                message: self.message()?,
                to: replica,
            },
            DROP => Command::Drop {
                message: self.message()?,
                to: replica,
            },
            DUPLICATE => Command::Duplicate {
                message: self.message()?,
                to: replica,
            },
            DELIVER_ALL if op == DELIVER_ALL << 4 => Command::DeliverAll,
            DELIVER_NEXT => Command::DeliverNext { to: replica },
            REORDER => Command::Reorder {
                to: replica,
                index: self.usize()?,
                position: self.usize()?,
            },
            _ => return Err(ShareError::Invalid("a step in it is of an unknown kind")),
        })
    }
}

/// Bytes of text a command holds.
fn text_len(command: &Command) -> usize {
    match command {
        Command::Write { key, value, .. } => key.len().saturating_add(value.len()),
        _ => 0,
    }
}

/// CRC-32 (IEEE), bit by bit: it catches every change of up to 32 bits in a
/// row, so every single changed character of a link.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The value of a base64url character.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

fn char_of(sextet: u32) -> char {
    char::from(ALPHABET[(sextet & 63) as usize])
}

/// Base64url without padding.
fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3).saturating_mul(4));
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(char_of(n >> 18));
        out.push(char_of(n >> 12));
        if chunk.len() > 1 {
            out.push(char_of(n >> 6));
        }
        if chunk.len() > 2 {
            out.push(char_of(n));
        }
    }
    out
}

/// Base64url without padding, strictly: unused bits must be zero.
fn base64url_decode(text: &str) -> Result<Vec<u8>, ShareError> {
    let sextets = text
        .bytes()
        .map(sextet)
        .collect::<Option<Vec<u8>>>()
        .ok_or(ShareError::NotBase64)?;
    if sextets.len() % 4 == 1 {
        return Err(ShareError::Truncated);
    }
    let mut out = Vec::with_capacity(sextets.len() / 4 * 3 + 2);
    for chunk in sextets.chunks(4) {
        let mut n = 0u32;
        for (i, &s) in chunk.iter().enumerate() {
            n |= u32::from(s) << (18 - 6 * i);
        }
        let [_, b0, b1, b2] = n.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&[b0, b1, b2]),
            3 if b2 == 0 => out.extend_from_slice(&[b0, b1]),
            2 if b1 == 0 && b2 == 0 => out.push(b0),
            _ => return Err(ShareError::Damaged),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(replica: usize, key: &str, value: &str) -> Command {
        Command::Write {
            replica,
            key: key.to_string(),
            value: value.to_string(),
        }
    }

    fn every_kind() -> Vec<Command> {
        vec![
            write(0, "x", "1"),
            write(1, "x", "2"),
            Command::Deliver {
                message: MessageId(1),
                to: 1,
            },
            Command::Duplicate {
                message: MessageId(1),
                to: 2,
            },
            Command::Drop {
                message: MessageId(1),
                to: 2,
            },
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

    /// The data of a link whose binary form is `payload` (after the format byte).
    fn wrap(format: u8, payload: &[u8]) -> String {
        let mut bytes = vec![format];
        bytes.extend_from_slice(payload);
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        base64url_encode(&bytes)
    }

    /// A session's payload up to its branch count, for crafted links.
    fn head() -> Vec<u8> {
        // version 2, 3 replicas, causal/overwrite, seed 0, current 0, cursor 0, no preset
        vec![2, 3, 0, 0, 0, 0, 0]
    }

    fn round_trip(s: &Session) {
        let data = encode(s);
        assert!(data.bytes().all(|b| sextet(b).is_some()), "{data}");
        assert_eq!(decode(&data).as_ref(), Ok(s));
        assert_eq!(decode(&format!("s={data}")).as_ref(), Ok(s));
        assert_eq!(decode(&format!("#s={data}")).as_ref(), Ok(s));
        assert_eq!(decode(&format!(" #s={data}\n")).as_ref(), Ok(s));
    }

    #[test]
    fn crc32_is_the_standard_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base64url_round_trips_every_length() {
        let bytes: Vec<u8> = (0..=255u8).chain(0..=255).collect();
        for len in 0..bytes.len() {
            let text = base64url_encode(&bytes[..len]);
            assert_eq!(text.len(), (len * 4).div_ceil(3));
            assert_eq!(base64url_decode(&text), Ok(bytes[..len].to_vec()));
        }
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn base64url_is_strict() {
        assert_eq!(base64url_decode("ab=c"), Err(ShareError::NotBase64));
        assert_eq!(base64url_decode("ab+c"), Err(ShareError::NotBase64));
        assert_eq!(base64url_decode("abcde"), Err(ShareError::Truncated));
        // "AB" has unused bits set; "AA" does not.
        assert_eq!(base64url_decode("AB"), Err(ShareError::Damaged));
        assert_eq!(base64url_decode("AA"), Ok(vec![0]));
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
            write(0, "clé", "värde ✓"),
            write(1, "🔑", "値"),
            write(7, "clé", "🔑"),
            write(15, "x", ""),
            write(usize::MAX, "", "x"),
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
        other.push(write(2, "y", "z"));
        let mut third = other.clone();
        third.push(Command::DeliverAll);
        // A parent whose prefix differs: kept whole, still exact.
        let odd = vec![write(2, "q", "r"), Command::DeliverAll];
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
        let valid = decode(&encode(&possible)).unwrap().validate().map(|v| v.0);
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
        for (name, _) in crate::presets::titles() {
            let scenario = crate::presets::preset(name).unwrap().scenario;
            let config = Config {
                replicas: scenario.replicas,
                delivery: scenario.delivery,
                conflicts: scenario.conflicts,
            };
            let mut s = Session::linear(config, scenario.steps, 1);
            s.preset = Some(name.to_string());
            let back = decode(&encode(&s)).unwrap();
            assert_eq!(back, s);
            assert!(back.validate().is_ok(), "{name}");
        }
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
                    write(next(3) as usize, key, &writes.to_string())
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
        // What the same session took as JSON (the saved form before this one).
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
        assert!(decode(&data).unwrap().validate().is_ok());
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
        assert_eq!(decode("#s=A"), Err(ShareError::Truncated));
        assert_eq!(decode("#s=AAAA"), Err(ShareError::Truncated));
        assert_eq!(decode(&wrap(FORMAT, &[])), Err(ShareError::Truncated));
        assert_eq!(decode(&wrap(FORMAT, &head())), Err(ShareError::Truncated));
        let data = encode(&session(every_kind()));
        let damaged = format!(
            "{}{}",
            if data.starts_with('A') { 'B' } else { 'A' },
            &data[1..]
        );
        assert_eq!(decode(&damaged), Err(ShareError::Damaged));
        assert_eq!(decode(&wrap(2, &head())), Err(ShareError::Version(2)));
        assert_eq!(decode(&wrap(0, &[])), Err(ShareError::Version(0)));
    }

    fn invalid(payload: &[u8]) -> ShareError {
        decode(&wrap(FORMAT, payload)).unwrap_err()
    }

    #[test]
    fn impossible_contents_are_invalid() {
        let with = |tail: &[u8]| [head().as_slice(), tail].concat();
        // one branch without parent and one command, then `op`
        let one = |op: &[u8]| with(&[&[1, 0, 2][..], op].concat());
        assert!(decode(&wrap(FORMAT, &with(&[0]))).is_ok());
        assert!(decode(&wrap(FORMAT, &one(&[0x40]))).is_ok());
        assert!(
            matches!(invalid(&with(&[0, 9])), ShareError::Invalid(_)),
            "extra data"
        );
        assert!(
            matches!(invalid(&one(&[0x70])), ShareError::Invalid(_)),
            "unknown op"
        );
        assert!(
            matches!(invalid(&one(&[0x41])), ShareError::Invalid(_)),
            "deliver-all with a replica"
        );
        assert!(
            matches!(invalid(&one(&[0x00, 5, 0, 0])), ShareError::Invalid(_)),
            "string refers to nothing"
        );
        assert!(
            matches!(
                invalid(&one(&[0x00, 0, 1, 0xff, 0, 0])),
                ShareError::Invalid(_)
            ),
            "not utf-8"
        );
        assert!(
            matches!(
                invalid(&one(&[0x10, 0x80, 0x80, 0x80, 0x80, 0x10])),
                ShareError::Invalid(_)
            ),
            "message over u32"
        );
        let mut rules = head();
        rules[2] = 0x30;
        assert!(
            matches!(invalid(&rules), ShareError::Invalid(_)),
            "delivery rule"
        );
        rules[2] = 0x03;
        assert!(
            matches!(invalid(&rules), ShareError::Invalid(_)),
            "conflict rule"
        );
        let mut version = head();
        version[0] = 0x80;
        version.splice(1..1, [0x80, 0x80, 0x80, 0x10]);
        assert!(
            matches!(invalid(&version), ShareError::Invalid(_)),
            "version over u32"
        );
        // eleven bytes of varint, or a tenth byte over one bit
        let huge: Vec<u8> = [&[0xff; 10][..], &[0x01]].concat();
        assert!(matches!(invalid(&huge), ShareError::Invalid(_)));
        let huge: Vec<u8> = [&[0xff; 9][..], &[0x02]].concat();
        assert!(matches!(invalid(&huge), ShareError::Invalid(_)));
        // the largest u64 is fine as a seed
        let mut seed = head();
        seed.splice(
            3..4,
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        );
        seed.push(0);
        assert_eq!(decode(&wrap(FORMAT, &seed)).map(|s| s.seed), Ok(u64::MAX));
        // a branch inheriting from itself, or from beyond its parent's end
        assert!(matches!(
            invalid(&with(&[1, 1, 0, 1])),
            ShareError::Invalid(_)
        ));
        assert!(matches!(
            invalid(&with(&[2, 0, 0, 1, 5, 1])),
            ShareError::Invalid(_)
        ));
        assert!(
            matches!(invalid(&with(&[1, 0, 1])), ShareError::Invalid(_)),
            "inherits without a parent"
        );
        // too many branches, too long a string
        assert!(matches!(
            invalid(&with(&[0x91, 0x4e])),
            ShareError::Invalid(_)
        ));
        let mut long = one(&[0x00, 0]);
        long.extend_from_slice(&[0x81, 0x20]); // 4097
        long.extend(std::iter::repeat_n(b'a', 4097));
        long.push(1);
        assert!(matches!(invalid(&long), ShareError::Invalid(_)));
        // counts larger than what is left
        assert_eq!(invalid(&with(&[5])), ShareError::Truncated);
        assert_eq!(invalid(&with(&[1, 0, 20, 0x40])), ShareError::Truncated);
    }

    #[test]
    fn crafted_links_cannot_allocate_much() {
        // One branch of 4,000 writes of a 4,000-byte key, all but the
        // first a reference: 32 MB if made, refused at 4 MB.
        let mut p = head();
        p.extend_from_slice(&[1, 0]);
        p.extend_from_slice(&[0x80, 0x3e]); // 4000 commands, not inheriting
        p.extend_from_slice(&[0x00, 0, 0xa0, 0x1f]); // write, new string of 4000 bytes
        p.extend(std::iter::repeat_n(b'k', 4000));
        p.push(1);
        for _ in 1..4000 {
            p.extend_from_slice(&[0x00, 1, 1]);
        }
        assert!(matches!(invalid(&p), ShareError::Invalid(_)));

        // A chain of branches each inheriting all of its parent and adding
        // one step: quadratic if made, refused at MAX_COMMANDS.
        let mut p = head();
        p.extend_from_slice(&[0xe8, 0x07]); // 1000 branches
        p.extend_from_slice(&[0, 2, 0x40]);
        for i in 0..999u32 {
            // parent i (1 + i), shares i + 1 steps, one step of its own, inherits
            let mut w = Writer::default();
            w.varint(u64::from(i) + 1);
            w.varint(u64::from(i) + 1);
            w.varint(3);
            p.extend_from_slice(&w.bytes);
            p.push(0x40);
        }
        assert_eq!(invalid(&p), ShareError::Invalid("it holds too many steps"));
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
    fn random_bytes_never_panic() {
        // A fixed LCG: random links, and random payloads with a valid checksum.
        let mut state = 1u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        let good = {
            let mut bytes = vec![FORMAT];
            let data = encode(&session(every_kind()));
            bytes.extend(base64url_decode(&data).unwrap());
            bytes
        };
        for round in 0..20_000 {
            let len = next() as usize % 64;
            let mut payload: Vec<u8> = if round % 2 == 0 {
                (0..len).map(|_| next() as u8).collect()
            } else {
                // the good payload with a few bytes changed
                let mut p = good[1..good.len() - 4].to_vec();
                for _ in 0..1 + next() % 3 {
                    let i = next() as usize % p.len();
                    p[i] = next() as u8;
                }
                p
            };
            let _ = decode(&wrap(FORMAT, &payload));
            payload.truncate(len);
            let _ = decode(&base64url_encode(&payload));
            if let Ok(s) = decode(&wrap(FORMAT, &payload)) {
                // whatever decodes encodes back to a link of the same session
                assert_eq!(decode(&encode(&s)), Ok(s));
            }
        }
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
            ShareError::Version(7),
            ShareError::Invalid("it holds too many steps"),
        ];
        for e in cases {
            let text = e.to_string();
            assert!(
                text.starts_with("the link") || text.starts_with("this is"),
                "{text}"
            );
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
}
