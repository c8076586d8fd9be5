//! The one rule for the keys and values a write may hold, whichever way it
//! comes in (the write form, an imported file, a shared link or a saved
//! session), and the one way text leaves the page as XML (the SVG and PNG
//! exports).

use std::fmt;

use causal_core::{replica_name, Command, StepError};

/// The longest key a user may write.
pub const MAX_KEY_CHARS: usize = 24;
/// The longest value a user may write.
pub const MAX_VALUE_CHARS: usize = 48;

/// Which part of a write is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The key.
    Key,
    /// The value.
    Value,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Key => "key",
            Field::Value => "value",
        })
    }
}

/// Why a key or value is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextError {
    /// The key is empty or only spaces.
    EmptyKey,
    /// Longer than the limit: how many characters it has.
    TooLong(Field, usize),
    /// It holds a character that is not shown as text: a control character
    /// (tab, line break, U+0000..U+001F, U+007F..U+009F), a line or paragraph
    /// separator, or a Unicode noncharacter (U+FFFE, U+FFFF...).
    Invisible(Field, char),
}

impl TextError {
    fn limit(field: Field) -> usize {
        match field {
            Field::Key => MAX_KEY_CHARS,
            Field::Value => MAX_VALUE_CHARS,
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TextError::EmptyKey => write!(f, "the key is empty"),
            TextError::TooLong(field, chars) => write!(
                f,
                "the {field} has {chars} characters; a {field} can have at most {}",
                TextError::limit(field)
            ),
            TextError::Invisible(field, c) => write!(
                f,
                "the {field} holds the character U+{:04X}; keys and values cannot hold control characters such as tabs or line breaks",
                u32::from(c)
            ),
        }
    }
}

/// A character a key or value cannot hold: one that is not shown as text,
/// and everything XML 1.0 cannot carry.
pub fn is_refused(c: char) -> bool {
    let n = u32::from(c);
    c.is_control()
        || c == '\u{2028}'
        || c == '\u{2029}'
        // Noncharacters: U+FDD0..U+FDEF and the last two of every plane.
        || (0xFDD0..=0xFDEF).contains(&n)
        || n & 0xFFFE == 0xFFFE
}

fn check_field(field: Field, text: &str) -> Result<(), TextError> {
    if let Some(c) = text.chars().find(|&c| is_refused(c)) {
        return Err(TextError::Invisible(field, c));
    }
    let chars = text.chars().count();
    if chars > TextError::limit(field) {
        return Err(TextError::TooLong(field, chars));
    }
    Ok(())
}

/// Whether `key` and `value` may be written. An empty value may: it is a
/// value like any other (the store and the log show it as `""`).
pub fn check(key: &str, value: &str) -> Result<(), TextError> {
    if key.trim().is_empty() {
        return Err(TextError::EmptyKey);
    }
    check_field(Field::Key, key)?;
    check_field(Field::Value, value)
}

/// Why a write form's input is refused, if it is: [`check`] in the form's words.
pub fn check_write(key: &str, value: &str) -> Result<(), String> {
    check(key, value).map_err(|e| match e {
        TextError::EmptyKey => "Type a key to write to, such as x.".into(),
        TextError::TooLong(field, _) => format!(
            "A {field} can have at most {} characters.",
            TextError::limit(field)
        ),
        TextError::Invisible(..) => {
            "Keys and values cannot contain control characters such as tabs or line breaks.".into()
        }
    })
}

/// The first write in `commands` that [`check`] refuses: its step (from 1)
/// and a sentence naming the writer as the page does ("the write at B: ...").
pub fn check_commands(commands: &[Command]) -> Result<(), StepError<String>> {
    for (i, command) in commands.iter().enumerate() {
        if let Command::Write {
            replica,
            key,
            value,
        } = command
        {
            check(key, value).map_err(|e| {
                let at = u8::try_from(*replica)
                    .ok()
                    .filter(|r| *r < 26)
                    .map(|_| replica_name(*replica).to_string())
                    .unwrap_or_else(|| format!("replica {}", replica + 1));
                StepError {
                    step: i + 1,
                    error: format!("the write at {at}: {e}"),
                }
            })?;
        }
    }
    Ok(())
}

/// The longest reason the page quotes in a message, in characters.
pub const MAX_REASON_CHARS: usize = 300;

/// `reason` cut to [`MAX_REASON_CHARS`] with a note of its length: an error
/// that quotes a huge input stays one readable line.
pub fn shorten(reason: &str) -> std::borrow::Cow<'_, str> {
    match reason.char_indices().nth(MAX_REASON_CHARS) {
        None => reason.into(),
        Some((cut, _)) => format!(
            "{}\u{2026} ({} characters)",
            &reason[..cut],
            grouped(reason.chars().count())
        )
        .into(),
    }
}

/// `n` with its thousands grouped: "25,000" (the engine's grouping).
pub fn grouped(n: usize) -> String {
    causal_core::thousands(n as u64)
}

/// `markup` with every character XML 1.0 cannot hold replaced by U+FFFD, so
/// an export stays well-formed whatever text got into the page.
pub fn xml_safe(markup: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || (!c.is_control() || u32::from(c) >= 0x7F) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if markup.chars().all(allowed) {
        markup.into()
    } else {
        markup
            .chars()
            .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
            .collect::<String>()
            .into()
    }
}

/// `text` for a one-line log: line and paragraph separators (where ShiViz's
/// `.` stops) and control characters become spaces.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    let odd = |c: char| c != '\n' && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
    if text.chars().any(odd) {
        text.chars()
            .map(|c| if odd(c) { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// "1 step", "2 steps".
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_import_and_link_rule_refuses_what_it_must() {
        assert_eq!(check("x", "1"), Ok(()));
        assert_eq!(check("x", ""), Ok(()), "an empty value is a value");
        assert_eq!(check(" ", "1"), Err(TextError::EmptyKey));
        assert_eq!(
            check(&"k".repeat(25), "1"),
            Err(TextError::TooLong(Field::Key, 25))
        );
        assert_eq!(check(&"é".repeat(24), "1"), Ok(()), "characters, not bytes");
        assert_eq!(
            check("x", &"v".repeat(49)),
            Err(TextError::TooLong(Field::Value, 49))
        );
        for c in [
            '\u{0}',
            '\u{1}',
            '\t',
            '\n',
            '\u{1f}',
            '\u{7f}',
            '\u{9f}',
            '\u{2028}',
            '\u{2029}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(
                check(&text, "1"),
                Err(TextError::Invisible(Field::Key, c)),
                "{c:?}"
            );
            assert_eq!(
                check("x", &text),
                Err(TextError::Invisible(Field::Value, c)),
                "{c:?}"
            );
        }
        for c in ['\u{a0}', '\u{fffd}', '\u{1f600}', '\u{e000}'] {
            assert_eq!(check(&format!("a{c}b"), "1"), Ok(()), "{c:?}");
        }
    }

    #[test]
    fn a_refused_write_names_its_step_and_writer() {
        let commands = [
            Command::write(0, "x", "1"),
            Command::write(1, "a\u{1}b", "1"),
        ];
        let refused = check_commands(&commands).unwrap_err();
        assert_eq!(refused.step, 2);
        assert!(
            refused
                .to_string()
                .starts_with("step 2: the write at B: the key holds the character U+0001"),
            "{refused}"
        );
    }

    #[test]
    fn exports_replace_what_xml_cannot_hold() {
        assert_eq!(
            xml_safe("<t>a\u{1}b\u{fffe}c\td</t>"),
            "<t>a\u{fffd}b\u{fffd}c\td</t>"
        );
        assert!(matches!(xml_safe("plain é"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(one_line("a\u{2028}b\u{2029}c\u{1}d\ne"), "a b c d\ne");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(25_000), "25,000");
        assert_eq!(grouped(1_000_013), "1,000,013");
    }

    #[test]
    fn long_reasons_are_shortened() {
        assert_eq!(shorten("short"), "short");
        let long = format!("unknown op \"{}\"", "x".repeat(1_000_000));
        let short = shorten(&long);
        assert!(short.chars().count() < MAX_REASON_CHARS + 30, "{short}");
        assert!(
            short.ends_with("\u{2026} (1,000,013 characters)"),
            "{short}"
        );
    }
}
