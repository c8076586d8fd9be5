//! Embedding (README.md, "In the classroom"): the address's query `?embed`
//! shows the replicas, lanes, diagram and step controls without the page's
//! chrome, for an `<iframe>` in a course page or a slide. Its options:
//!
//! - `&scenario=NAME`: a preset (a file of `scenarios/`), opened at its start;
//! - `&lesson=NAME`: a lesson (a file of `lessons/`);
//! - a share fragment (`#s=...`): the session it holds;
//! - `&steps=A-B`: the timeline is locked to steps A to B (it opens at A), so
//!   a slide shows exactly its part of the story;
//! - `&readonly`: no writing, no dragging or acting on messages.

use std::rc::Rc;

use yew::Reducible;

pub use crate::browser::address::{embedded, from_address, Embed};
use crate::run::share;
use crate::run::state::{Action, State};

/// The state an embed opens with: the share `link` if there is one (never
/// the saved session: that is the user's own), then the preset, then the
/// first step of the lock. The reducer does the work, as for any action.
pub fn open(embed: &mut Embed, link: Option<&str>) -> State {
    let mut state = Rc::new(State::open(link, None));
    if let Some(name) = &embed.scenario {
        // An unknown name is refused as the scenario menu would refuse it.
        state = state.reduce(Action::LoadPreset(name.clone()));
    }
    // A lesson (checked when the address was read) opens once the page is
    // up, as a `#lesson=` link does.
    // Small runs load at once; a long one goes on slice by slice.
    while state.job.is_some() {
        state = state.reduce(Action::Continue);
    }
    if let Some((first, _)) = embed.steps {
        state = state.reduce(Action::Seek(first));
        while state.job.is_some() {
            state = state.reduce(Action::Continue);
        }
    }
    Rc::unwrap_or_clone(state)
}

/// What the embed builder lets the lecturer choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// The first step shown.
    pub from: usize,
    /// The last step shown; `None`: the branch's last.
    pub to: Option<usize>,
    /// Students look and step, and cannot act.
    pub readonly: bool,
}

impl Choice {
    /// The steps shown within a branch of `steps` steps, first at most last.
    pub fn range(&self, steps: usize) -> (usize, usize) {
        let to = self.to.unwrap_or(steps).min(steps);
        (self.from.min(to), to)
    }

    /// The address's options for a branch of `steps` steps: `steps=A-B`
    /// only when it shows less than the whole branch, then `readonly`.
    pub fn options(&self, steps: usize) -> Vec<String> {
        let mut options = Vec::new();
        let (from, to) = self.range(steps);
        if (from, to) != (0, steps) {
            options.push(format!("steps={from}-{to}"));
        }
        if self.readonly {
            options.push("readonly".to_string());
        }
        options
    }
}

/// An embed built by the page: its address and the `<iframe>` snippet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    /// The address the snippet loads.
    pub src: String,
    /// The `<iframe>` snippet.
    pub code: String,
}

/// The embed of the session `state` shows (its share fragment) with the
/// builder's `choice`, or why there is none.
pub fn snippet(state: &State, choice: &Choice) -> Result<Built, String> {
    let fragment = format!(
        "{}{}",
        share::FRAGMENT_PREFIX,
        share::encode(&state.session())
    );
    if fragment.len() > share::MAX_FRAGMENT_CHARS {
        return Err(format!(
            "This session is too long to embed ({} characters; at most {}). Export it as a scenario file instead.",
            fragment.len(),
            share::MAX_FRAGMENT_CHARS
        ));
    }
    let location = web_sys::window()
        .map(|w| w.location())
        .ok_or("The page has no address to embed.")?;
    let page = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    let title = match &state.preset {
        Some(p) => format!("Causal Playground: {}", p.title),
        None => "Causal Playground".to_string(),
    };
    let options = choice.options(state.steps());
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let src = embed_address(&page, &options, Some(&fragment));
    Ok(Built {
        code: iframe_code(&src, &title),
        src,
    })
}

/// The `<iframe>` snippet that embeds `src` (the page's address with its
/// query and fragment), titled for screen readers.
pub fn iframe_code(src: &str, title: &str) -> String {
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"640\" style=\"border: 0\" loading=\"lazy\"></iframe>",
        attribute(src),
        attribute(title)
    )
}

/// The address of an embed of the page at `page` (origin and path) showing
/// `fragment` (a share fragment without `#`), with the given options.
pub fn embed_address(page: &str, options: &[&str], fragment: Option<&str>) -> String {
    let mut query = String::from("?embed");
    for option in options {
        query.push('&');
        query.push_str(option);
    }
    match fragment {
        Some(fragment) => format!("{page}{query}#{fragment}"),
        None => format!("{page}{query}"),
    }
}

fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_embed_in_the_query_means_the_whole_page() {
        assert_eq!(Embed::from_query(""), None);
        assert_eq!(Embed::from_query("?scenario=classic"), None);
        assert_eq!(Embed::from_query("?embedded"), None);
    }

    #[test]
    fn every_option_is_read() {
        let embed = Embed::from_query("?embed&scenario=classic&steps=2-5&readonly").unwrap();
        assert_eq!(
            embed,
            Embed {
                scenario: Some("classic".into()),
                lesson: None,
                steps: Some((2, 5)),
                readonly: true,
                problems: vec![],
            }
        );
        let lesson = Embed::from_query("embed=1&lesson=why-hold-back").unwrap();
        assert_eq!(lesson.lesson.as_deref(), Some("why-hold-back"));
        assert!(!lesson.readonly);
    }

    #[test]
    fn bad_options_are_named_and_the_rest_kept() {
        let embed =
            Embed::from_query("?embed&steps=5-2&scenario=../x&colour=red&readonly").unwrap();
        assert!(embed.readonly);
        assert_eq!(embed.steps, None);
        assert_eq!(embed.scenario, None);
        assert_eq!(
            embed.problems,
            vec![
                "steps=5-2: the first step (5) comes after the last (2)".to_string(),
                "scenario=../x: a name is letters, digits, '-' and '_'".to_string(),
                "colour is not an option of an embed (embed, scenario, lesson, steps, readonly)"
                    .to_string(),
            ]
        );
        let one = Embed::from_query("?embed&steps=3").unwrap();
        assert!(one.problems[0].contains("as A-B"), "{:?}", one.problems);
        // A known option written wrong is named as that option, never as
        // "not an option".
        let valued = Embed::from_query("?embed&readonly=no&steps").unwrap();
        assert!(!valued.readonly);
        assert_eq!(
            valued.problems,
            vec![
                "readonly=no: readonly takes no value (write &readonly)".to_string(),
                "steps needs a value (steps=...)".to_string(),
            ]
        );
    }

    #[test]
    fn the_lock_is_cut_to_the_branch() {
        let embed = Embed::from_query("?embed&steps=2-50").unwrap();
        assert_eq!(embed.range(9), (2, 9));
        assert_eq!(Embed::default().range(9), (0, 9));
    }

    #[test]
    fn the_builder_writes_only_the_options_that_change_something() {
        let whole = Choice::default();
        assert!(whole.options(6).is_empty());
        let part = Choice {
            from: 3,
            to: Some(5),
            readonly: true,
        };
        assert_eq!(part.options(6), vec!["steps=3-5", "readonly"]);
        // A range past the branch is cut to it; first never after last.
        let past = Choice {
            from: 9,
            to: Some(20),
            readonly: false,
        };
        assert_eq!(past.range(6), (6, 6));
        assert_eq!(past.options(6), vec!["steps=6-6"]);
        // The address it makes is read back as it was built.
        let src = embed_address(
            "https://example.org/",
            &["steps=3-5", "readonly"],
            Some("s=x"),
        );
        let query = &src[src.find('?').unwrap()..src.find('#').unwrap()];
        let read = Embed::from_query(query).unwrap();
        assert_eq!(
            (read.steps, read.readonly, read.problems.len()),
            (Some((3, 5)), true, 0)
        );
    }

    #[test]
    fn the_snippet_escapes_the_address() {
        let src = embed_address("https://example.org/p/", &["readonly"], Some("s=a&b\"c"));
        assert_eq!(src, "https://example.org/p/?embed&readonly#s=a&b\"c");
        assert_eq!(
            iframe_code(&src, "Causal Playground"),
            "<iframe src=\"https://example.org/p/?embed&amp;readonly#s=a&amp;b&quot;c\" title=\"Causal Playground\" width=\"100%\" height=\"640\" style=\"border: 0\" loading=\"lazy\"></iframe>"
        );
    }
}
