//! Quoting what a user wrote, shortened, so that an error message stays one
//! short line whatever the input: `unknown op "xxxxxxxx..." (1,000,000 characters)`.

/// How many characters of a long text an error message shows.
const QUOTED_CHARACTERS: usize = 24;

/// `text` in double quotes, escaped as Rust escapes a string (control
/// characters and line breaks never leave the line), and cut after
/// 24 characters with its length said when it is longer.
/// At most about 300 characters, whatever `text` is.
pub fn quoted(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(QUOTED_CHARACTERS) {
        None => format!("{text:?}"),
        Some((cut, _)) => {
            let head = format!("{:?}", &text[..cut]);
            let total = text.chars().count();
            format!(
                "{}...\" ({} characters)",
                &head[..head.len() - 1],
                thousands(total as u64)
            )
        }
    }
}

/// `1000000` as `1,000,000`.
pub fn thousands(n: impl Into<u128>) -> String {
    let n: u128 = n.into();
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_whole_and_long_text_is_cut() {
        assert_eq!(quoted("teleport"), "\"teleport\"");
        assert_eq!(quoted("a\nb\u{1}"), "\"a\\nb\\u{1}\"");
        let long = "x".repeat(1_000_000);
        assert_eq!(
            quoted(&long),
            format!("\"{}...\" (1,000,000 characters)", "x".repeat(24))
        );
        // Escapes cannot make it long either.
        let nasty = "\u{1}".repeat(10_000);
        assert!(quoted(&nasty).len() < 300, "{}", quoted(&nasty));
        assert_eq!(quoted(&"é".repeat(25)).chars().count(), 24 + 2 + 3 + 16);
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(999u64), "999");
        assert_eq!(thousands(1000u64), "1,000");
        assert_eq!(thousands(1234567u64), "1,234,567");
    }
}
