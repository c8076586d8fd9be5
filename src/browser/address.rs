//! The page's address: what its query says (`?embed` and its options) and
//! its fragment (`#s=`, `#check=`, `#lesson=`, `#puzzle=`), read and written
//! here only, beneath everything that acts on them.

/// How the page is embedded, read from the address's query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embed {
    /// The preset to open.
    pub scenario: Option<String>,
    /// The lesson to open.
    pub lesson: Option<String>,
    /// The timeline's lock: first and last step shown.
    pub steps: Option<(usize, usize)>,
    /// Writing and acting on messages are off.
    pub readonly: bool,
    /// What in the query could not be used, in words (shown on the page).
    pub problems: Vec<String>,
}

impl Embed {
    /// The options of `query` (`location.search`, with or without its `?`);
    /// `None` when it has no `embed`: the page is not embedded.
    pub fn from_query(query: &str) -> Option<Embed> {
        let pairs: Vec<(&str, Option<&str>)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (p, None),
            })
            .collect();
        if !pairs.iter().any(|(k, _)| *k == "embed") {
            return None;
        }
        let mut embed = Embed::default();
        for (key, value) in pairs {
            match (key, value) {
                ("embed", _) => {}
                ("readonly", None | Some("" | "1" | "true")) => embed.readonly = true,
                ("readonly", Some(value)) => embed.problems.push(format!(
                    "readonly={value}: readonly takes no value (write &readonly)"
                )),
                ("scenario" | "lesson" | "steps", None) => embed
                    .problems
                    .push(format!("{key} needs a value ({key}=...)")),
                ("scenario", Some(name)) => match file_name(name) {
                    Ok(name) => embed.scenario = Some(name),
                    Err(why) => embed.problems.push(format!("scenario={name}: {why}")),
                },
                ("lesson", Some(name)) => {
                    match file_name(name).and_then(|n| crate::data::lessons::lesson(&n).map(|_| n))
                    {
                        Ok(name) => embed.lesson = Some(name),
                        Err(why) => embed.problems.push(format!("lesson={name}: {why}")),
                    }
                }
                ("steps", Some(range)) => match step_range(range) {
                    Ok(range) => embed.steps = Some(range),
                    Err(why) => embed.problems.push(format!("steps={range}: {why}")),
                },
                (key, _) => embed.problems.push(format!(
                    "{key} is not an option of an embed (embed, scenario, lesson, steps, readonly)"
                )),
            }
        }
        Some(embed)
    }

    /// The timeline's lock within a branch of `steps` steps: where it may go.
    pub fn range(&self, steps: usize) -> (usize, usize) {
        match self.steps {
            Some((low, high)) => (low.min(steps), high.min(steps)),
            None => (0, steps),
        }
    }
}

/// The address's query, as `location.search` gives it.
fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// How this page is embedded, from its address; `None`: it is not.
pub fn from_address() -> Option<Embed> {
    Embed::from_query(&location_search())
}

/// Whether this page is embedded (`?embed` in its address).
pub fn embedded() -> bool {
    from_address().is_some()
}

/// The page's fragment without its `#`, if there is one.
pub fn location_hash() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    (!hash.is_empty()).then(|| hash.to_string())
}

/// Puts `fragment` in the address (replacing the entry: no new history step),
/// and returns the whole link.
pub fn set_location_hash(fragment: &str) -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let link = format!(
        "{}{}{}#{fragment}",
        location.origin().ok()?,
        location.pathname().ok()?,
        location.search().ok()?
    );
    window
        .history()
        .ok()?
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link))
        .ok()?;
    Some(link)
}

/// Takes the fragment out of the address, without a new history entry.
pub fn clear_location_hash() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if let (Ok(path), Ok(search), Ok(history)) =
        (location.pathname(), location.search(), window.history())
    {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        );
    }
}

/// A scenario or lesson name: a file name without extension.
fn file_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(name.to_string())
    } else {
        Err("a name is letters, digits, '-' and '_'".into())
    }
}

/// `A-B`: the first and last step shown, A at most B.
fn step_range(text: &str) -> Result<(usize, usize), String> {
    let (a, b) = text
        .split_once('-')
        .ok_or("write the first and last step shown as A-B, e.g. steps=2-5")?;
    let number = |s: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("{s:?} is not a step number"))
    };
    let (a, b) = (number(a)?, number(b)?);
    if a > b {
        return Err(format!("the first step ({a}) comes after the last ({b})"));
    }
    Ok((a, b))
}
