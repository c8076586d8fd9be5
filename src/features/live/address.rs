//! The nodes' addresses: read from the page's address (`?live=`) or the
//! form, checked (HTTP only, at most eight), and the page's address that
//! names them.

use std::str::FromStr;

use causal_core::{replica_name, Conflicts, Delivery};

/// The most nodes the page watches: the engine's most replicas.
pub const MAX_NODES: usize = 8;

/// What the address asks the live view to watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The nodes' base URLs as typed (checked by [`nodes`]).
    pub urls: String,
    /// The rules the nodes run, for the replay (`&delivery=`, `&conflicts=`).
    pub delivery: Delivery,
    /// See `delivery`.
    pub conflicts: Conflicts,
    /// What in the address was not understood.
    pub problems: Vec<String>,
}

/// The value of `live` in a query string (`?live=...&...`), decoded; `None`
/// when there is no `live`.
pub fn live_param(search: &str) -> Option<String> {
    param(search, "live")
}

fn param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some((k, v)) if k == name => Some(decode(v)),
            None if pair == name => Some(String::new()),
            _ => None,
        })
}

/// What the address asks for, if it asks for the live view.
pub fn request(search: &str) -> Option<Request> {
    let urls = live_param(search)?;
    let mut problems = Vec::new();
    let delivery = rule(
        search,
        "delivery",
        "a delivery rule",
        (Delivery::names(), Delivery::default().name()),
        &mut problems,
    );
    let conflicts = rule(
        search,
        "conflicts",
        "a conflict rule",
        (Conflicts::names(), Conflicts::default().name()),
        &mut problems,
    );
    Some(Request {
        urls,
        delivery,
        conflicts,
        problems,
    })
}

/// The rule `name=` names in `search`, or the default rule when it names
/// none; a value that is not `what` (the kind of rule) is said in
/// `problems`, with the rules' names and the default's, and the default is
/// assumed.
fn rule<T: FromStr + Default>(
    search: &str,
    name: &str,
    what: &str,
    (names, assumed): (String, &str),
    problems: &mut Vec<String>,
) -> T {
    let Some(given) = param(search, name) else {
        return T::default();
    };
    given.parse().unwrap_or_else(|_| {
        problems.push(format!(
            "{name}={given} is not {what} ({names}): {assumed} is assumed"
        ));
        T::default()
    })
}

/// Percent-decoding, `+` as a space; a bad escape stays as it is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes what a query value must not hold as it is.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'/'
            | b',' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The nodes' base URLs, in node order, from a list separated by commas,
/// spaces or new lines: each an `http://` or `https://` address with a host
/// and nothing after its path (no query, no fragment, no user name), its
/// trailing `/` taken off; two to eight of them.
pub fn nodes(text: &str) -> Result<Vec<String>, String> {
    let parts: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err("Give the nodes' addresses, in node order, e.g. http://127.0.0.1:5000, http://127.0.0.1:5101, http://127.0.0.1:5102.".into());
    }
    if parts.len() > MAX_NODES {
        return Err(format!(
            "{} addresses were given: the page watches at most {MAX_NODES} nodes.",
            parts.len()
        ));
    }
    if parts.len() < 2 {
        return Err("One address was given: a cluster has at least two nodes (list them all, in node order, the node itself included).".into());
    }
    let mut urls: Vec<String> = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let url = base_url(part).map_err(|why| {
            format!(
                "The address of node {i} ({}), {}, {why}",
                replica_name(i),
                shorten(part)
            )
        })?;
        if let Some(j) = urls.iter().position(|u| u.eq_ignore_ascii_case(&url)) {
            return Err(format!(
                "Nodes {j} and {i} have the same address, {url}: each node has its own."
            ));
        }
        urls.push(url);
    }
    Ok(urls)
}

/// One node's base URL, or why it is not one.
fn base_url(text: &str) -> Result<String, String> {
    let lower = text.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &text[7..]
    } else if lower.starts_with("https://") {
        &text[8..]
    } else {
        return Err("is not an http:// or https:// address.".into());
    };
    let scheme = &text[..text.len() - rest.len()];
    if text.contains(['?', '#']) {
        return Err("has a query or fragment: give only the node's base address.".into());
    }
    if text
        .chars()
        .any(|c| c.is_control() || c == '\\' || c == '"' || c == '<')
    {
        return Err("holds characters an address cannot.".into());
    }
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if host.is_empty() {
        return Err("has no host.".into());
    }
    if host.contains('@') {
        return Err("has a user name in it: give the address without one.".into());
    }
    Ok(format!(
        "{}{}{}",
        scheme.to_ascii_lowercase(),
        host,
        path.trim_end_matches('/')
    ))
}

/// At most 80 characters of what the user typed, for a message.
pub fn shorten(text: &str) -> String {
    if text.chars().count() <= 80 {
        text.to_string()
    } else {
        format!("{}\u{2026}", text.chars().take(79).collect::<String>())
    }
}

/// The query that opens the live view on `urls` under the given rules
/// (the rules only when they are not the nodes' defaults).
pub fn query(urls: &[String], delivery: Delivery, conflicts: Conflicts) -> String {
    let mut q = format!("?live={}", encode(&urls.join(",")));
    if delivery != Delivery::Causal {
        q.push_str(&format!("&delivery={}", delivery.name()));
    }
    if conflicts != Conflicts::Overwrite {
        q.push_str(&format!("&conflicts={}", conflicts.name()));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_names_the_nodes_and_the_rules() {
        let r = request("?live=http://127.0.0.1:5000,http%3A%2F%2F127.0.0.1%3A5101&delivery=fifo")
            .unwrap();
        assert_eq!(r.urls, "http://127.0.0.1:5000,http://127.0.0.1:5101");
        assert_eq!(r.delivery, Delivery::Fifo);
        assert_eq!(r.conflicts, Conflicts::Overwrite);
        assert!(r.problems.is_empty());
        assert_eq!(request("?live=").unwrap().urls, "");
        assert_eq!(request("?live").unwrap().urls, "");
        assert_eq!(request("?embed"), None);
        assert_eq!(request(""), None);
        let bad = request("?live=x&delivery=total").unwrap();
        assert_eq!(bad.delivery, Delivery::Causal);
        assert!(bad.problems[0].contains("delivery=total"));
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    /// A rule the address names but the page does not know: the rule the
    /// nodes run by default is assumed, and the page says so in these words.
    #[test]
    fn an_unknown_rule_in_the_address_is_said_and_the_default_assumed() {
        let r = request("?live=x&delivery=total&conflicts=first%20wins").unwrap();
        assert_eq!(r.delivery, Delivery::Causal);
        assert_eq!(r.conflicts, Conflicts::Overwrite);
        assert_eq!(
            r.problems,
            [
                "delivery=total is not a delivery rule (causal, fifo or unordered): causal is assumed",
                "conflicts=first wins is not a conflict rule (overwrite, lww or multi-value): overwrite is assumed",
            ]
        );
        let known = request("?live=x&delivery=unordered&conflicts=multi-value").unwrap();
        assert_eq!(known.delivery, Delivery::Unordered);
        assert_eq!(known.conflicts, Conflicts::MultiValue);
        assert!(known.problems.is_empty());
    }

    #[test]
    fn only_two_to_eight_http_addresses_are_watched() {
        assert_eq!(
            nodes("http://127.0.0.1:5000/, HTTP://localhost:5101\nhttps://h.example/n2/").unwrap(),
            vec![
                "http://127.0.0.1:5000",
                "http://localhost:5101",
                "https://h.example/n2"
            ]
        );
        let err = |t: &str| nodes(t).unwrap_err();
        assert!(err("javascript:alert(1),http://a").contains("not an http:// or https://"));
        assert!(err("http://a,file:///etc/passwd").contains("node 1 (B)"));
        assert!(err("http://a,http://b?x=1").contains("query"));
        assert!(err("http://a,http://u:p@b").contains("user name"));
        assert!(err("http://a,http://").contains("no host"));
        assert!(err("http://a,http://a/").contains("same address"));
        assert!(err("http://a").contains("at least two"));
        assert!(err("").contains("Give the nodes"));
        let nine: Vec<String> = (0..9)
            .map(|i| format!("http://127.0.0.1:{}", 5000 + i))
            .collect();
        assert!(err(&nine.join(",")).contains("at most 8 nodes"));
        assert!(nodes(&nine[..8].join(",")).is_ok());
    }

    #[test]
    fn the_query_reads_back_as_the_same_nodes() {
        let urls = vec![
            "http://127.0.0.1:5000".to_string(),
            "http://h/a&b".to_string(),
        ];
        let q = query(&urls, Delivery::Causal, Conflicts::Lww);
        assert_eq!(
            q,
            "?live=http://127.0.0.1:5000,http://h/a%26b&conflicts=lww"
        );
        let r = request(&q).unwrap();
        assert_eq!(r.urls, "http://127.0.0.1:5000,http://h/a&b");
        assert_eq!(r.conflicts, Conflicts::Lww);
    }
}
