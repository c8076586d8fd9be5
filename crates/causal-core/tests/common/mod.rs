//! Checks shared by the test files.

use std::collections::BTreeMap;

use causal_core::SHIVIZ_REGEX;

/// One event of a ShiViz log: its host, vector clock and description.
pub type ShivizLine = (String, BTreeMap<String, u64>, String);

/// Checks a `causal-sim shiviz` file against what ShiViz requires of a log:
///
/// - the first line is the regular expression, the second the (empty)
///   delimiter between executions; then each event is two lines, the host
///   and its vector clock (a JSON object), then the event's description;
/// - for each host, its first event has its own entry 1, and each next event
///   of that host has its own entry exactly one more;
/// - every clock is, entry by entry, at least the host's previous clock;
/// - no clock names a host that never logs an event, nor counts more events
///   of a host than that host logs.
///
/// Returns the events as (host, clock, description).
#[allow(dead_code)] // each test file uses what it needs
pub fn check_shiviz(text: &str) -> Result<Vec<ShivizLine>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(SHIVIZ_REGEX) {
        return Err("the first line is not the regular expression".into());
    }
    if lines.next() != Some("") {
        return Err("the second line (the delimiter) is not empty".into());
    }
    let rest: Vec<&str> = lines.collect();
    if !rest.len().is_multiple_of(2) {
        return Err("an event without its description".into());
    }
    let mut events = Vec::new();
    let mut last: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for pair in rest.chunks(2) {
        let (host, clock) = pair[0]
            .split_once(' ')
            .ok_or_else(|| format!("no clock on {:?}", pair[0]))?;
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            return Err(format!("bad host {host:?}"));
        }
        if !clock.starts_with('{') || !clock.ends_with('}') {
            return Err(format!("bad clock {clock:?}"));
        }
        let clock: BTreeMap<String, u64> =
            serde_json::from_str(clock).map_err(|e| format!("clock {clock:?}: {e}"))?;
        let own = clock.get(host).copied().unwrap_or(0);
        let previous = last.get(host).cloned().unwrap_or_default();
        let expected = previous.get(host).copied().unwrap_or(0) + 1;
        if own != expected {
            return Err(format!(
                "{host}'s event has {host}:{own}, expected {expected}"
            ));
        }
        for (other, n) in &previous {
            if clock.get(other).copied().unwrap_or(0) < *n {
                return Err(format!("{host}'s clock went back on {other}"));
            }
        }
        if clock.values().any(|&n| n == 0) {
            return Err(format!("{host}'s clock has a zero entry"));
        }
        last.insert(host.to_string(), clock.clone());
        events.push((host.to_string(), clock, pair[1].to_string()));
    }
    // Hosts that log, and how many events each.
    let mut logged: BTreeMap<&str, u64> = BTreeMap::new();
    for (host, _, _) in &events {
        *logged.entry(host.as_str()).or_default() += 1;
    }
    for (host, clock, _) in &events {
        for (other, n) in clock {
            match logged.get(other.as_str()) {
                None => return Err(format!("{host}'s clock names {other}, which logs nothing")),
                Some(count) if n > count => {
                    return Err(format!(
                        "{host}'s clock counts {n} events of {other}, which logs {count}"
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(events)
}
