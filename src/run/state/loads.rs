//! Loading a session: a share link, the saved copy, a preset, a scenario
//! file, a lesson's run, a fresh start, or a session Undo or Redo returns
//! to. Each is checked whole and replayed in slices ([`Job`]); the session
//! it replaces stays one Undo away.

use std::rc::Rc;

use causal_core::{Config, Simulation};

use super::notices::{capitalise, count, Place, ONE_UNDO_AWAY};
use super::timeline::Recent;
use super::{State, Storage};
use crate::data::presets::{preset, Preset};
use crate::run::describe::Tone;
use crate::run::history::{History, Kept};
use crate::run::loading::{Job, Origin, Outcome, Purpose, SLICE_STEPS};
use crate::run::session::Session;
use crate::run::share;
use crate::run::trace::Trace;

/// The preset the session was loaded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetInfo {
    /// File name without `.json`.
    pub name: String,
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: String,
}

impl State {
    /// The session a shared link's fragment holds, else the one saved in
    /// storage, else a fresh one. One that cannot be read gives the saved
    /// session (or a fresh one) and a message saying why. A long one is
    /// loaded in slices: see [`State::job`].
    pub fn open(link: Option<&str>, saved: Option<&str>) -> Self {
        let mut state = State::default();
        let before = state.session_key();
        // Only `#s=...` and `#check=...` are links; any other fragment is
        // not ours to read.
        // The saved copy is the page's own: no need to explain the codec.
        let saved = saved.map(|text| share::decode(text).map_err(|e| e.saved_cause().to_string()));
        // causal-check's link opens its case, as a share link does.
        let check = link.and_then(|f| {
            let f = f.trim_start_matches('#');
            f.starts_with(crate::run::observed::CHECK_PREFIX)
                .then_some(f)
        });
        let link = link.filter(|f| {
            f.trim_start_matches('#')
                .starts_with(share::FRAGMENT_PREFIX)
        });
        if let Some(fragment) = check {
            state.fallback = saved.and_then(Result::ok).map(Rc::new);
            state.open_check(crate::run::observed::decode(fragment));
            state.settle(before);
            return state;
        }
        match (link, saved) {
            (Some(fragment), saved) => {
                state.fallback = saved.and_then(Result::ok).map(Rc::new);
                state.begin_load(
                    share::decode(fragment).map_err(|e| e.to_string()),
                    Origin::Link,
                );
            }
            (None, Some(session)) => state.begin_load(session, Origin::Saved),
            (None, None) => {}
        }
        state.settle(before);
        state
    }

    /// Starts loading causal-check's case at its failing step, or says why
    /// its link cannot be opened.
    pub(super) fn open_check(
        &mut self,
        found: Result<(Session, crate::run::observed::Pending), String>,
    ) {
        match found {
            Ok((session, pending)) => self.begin_load(Ok(session), Origin::Check(Rc::new(pending))),
            Err(why) => self.load_failed(&Origin::Check(Rc::default()), why),
        }
    }

    /// Starts loading `session` (shown once every branch is checked and
    /// replayed), or says why it cannot be.
    pub(super) fn begin_load(&mut self, session: Result<Session, String>, origin: Origin) {
        match session.and_then(|s| Job::load(s, origin.clone())) {
            Ok(job) => {
                self.playing = false;
                self.job = Some(Box::new(job));
                self.advance();
            }
            Err(why) => self.load_failed(&origin, why),
        }
    }

    /// Plays one slice of the job under way; shows its result when it ends.
    pub(super) fn advance(&mut self) {
        let Some(mut job) = self.job.take() else {
            return;
        };
        match job.advance(SLICE_STEPS) {
            Outcome::Running => self.job = Some(job),
            Outcome::Failed(why) => match job.purpose {
                Purpose::Load(_, origin) => self.load_failed(&origin, why),
                Purpose::Seek { .. } | Purpose::Replay { .. } => {
                    self.refuse(Place::Page, capitalise(&why))
                }
            },
            Outcome::Done(shown) => match (job.purpose, *shown) {
                (Purpose::Load(session, origin), (simulation, trace)) => {
                    self.loaded(Rc::unwrap_or_clone(session), origin, simulation, trace)
                }
                (Purpose::Seek { from }, (simulation, trace)) => {
                    self.arrive(from, Rc::new(simulation), Rc::new(trace))
                }
                (Purpose::Replay { branch, rules }, (simulation, trace)) => {
                    self.replayed(branch, rules, Rc::new(simulation), Rc::new(trace))
                }
            },
        }
    }

    /// Says why a session could not be loaded; the page stays as it was.
    fn load_failed(&mut self, origin: &Origin, why: String) {
        let why = crate::run::text::shorten(&why);
        let text = match origin {
            Origin::Import(file) => format!("{file} was not imported: {why}."),
            Origin::Link => self.link_failed("The shared session could not be read", "one", &why),
            Origin::Check(_) => {
                self.link_failed("causal-check's link could not be opened", "session", &why)
            }
            Origin::Saved => format!(
                "The saved session could not be read ({why}), so a fresh one was started. The saved one is kept as it was: the page saves nothing over it until you say so."
            ),
            Origin::OtherTab => format!(
                "Another tab saved a session this page could not show ({why}); yours is kept as it was."
            ),
            Origin::Preset(name) => format!("Preset {name} could not be loaded: {why}."),
            Origin::Lesson(title) => {
                format!("The lesson \u{201c}{title}\u{201d} could not be opened: {why}.")
            }
            Origin::Back(_) | Origin::Forward(_) => {
                format!("That session could not be shown again: {why}.")
            }
            Origin::Fresh(_) => format!("The page could not start afresh: {why}."),
        };
        self.refuse(Place::Page, text);
    }

    /// A share link and causal-check's link fall back alike (to the saved
    /// session, else a fresh one, else the session shown): one wording,
    /// with the link's own `subject` and word for a `fresh` session.
    fn link_failed(&mut self, subject: &str, fresh: &str, why: &str) -> String {
        match self.fallback.take() {
            Some(saved) => {
                self.begin_load(Ok(Rc::unwrap_or_clone(saved)), Origin::Saved);
                format!("{subject} ({why}), so your saved session is shown.")
            }
            None if self.session().is_blank() => {
                format!("{subject} ({why}), so a fresh {fresh} was started.")
            }
            None => format!("{subject} ({why}); your session is kept as it was."),
        }
    }

    /// Shows a loaded `session`, with its state at the cursor. The session
    /// it replaces stays one Undo away.
    fn loaded(&mut self, session: Session, origin: Origin, simulation: Simulation, trace: Trace) {
        // A puzzle is played on the session it opened, not on another: it
        // is set aside with its session, and comes back with it.
        let before = match (&origin, self.fallback.take()) {
            (Origin::Link | Origin::Check(_), Some(saved)) => Kept::session(saved),
            _ => Kept {
                session: Rc::new(self.session()),
                puzzle: self.puzzle.take(),
            },
        };
        self.puzzle = None;
        let kept = match &origin {
            Origin::Saved => {
                self.storage = Storage::Holds;
                false
            }
            // Storage holds it already; what it replaced stays one Undo away.
            Origin::OtherTab => {
                self.storage = Storage::Holds;
                if before.session.is_blank() || *before.session == session {
                    false
                } else {
                    self.replaced.replaced(before, false);
                    true
                }
            }
            Origin::Back(_) => {
                self.replaced.left(before);
                false
            }
            _ if before.session.is_blank() || *before.session == session => false,
            Origin::Forward(_) => {
                self.replaced.replaced(before, true);
                true
            }
            _ => {
                self.replaced.replaced(before, false);
                true
            }
        };
        if let Origin::Back(puzzle) | Origin::Forward(puzzle) = &origin {
            self.puzzle = puzzle.clone();
        }
        let steps = session.branches[session.current].commands.len();
        self.check = match &origin {
            Origin::Check(pending) => Some(Rc::new(pending.against(&simulation))),
            _ => None,
        };
        self.history = History::of(&session);
        self.recent = Recent::default();
        self.show_rebuilt(Rc::new(simulation), Rc::new(trace));
        self.seed = session.seed;
        self.preset = session
            .preset
            .and_then(|name| preset(&name).ok())
            .map(|p| PresetInfo::of(&p));
        self.playing = false;
        self.replaced.at_load = true;
        match &origin {
            Origin::Import(file) => self.note(
                Tone::Plain,
                format!("Imported {file}: {}.", count(steps, "step")),
            ),
            Origin::Link => self.note(Tone::Plain, "Opened the shared session.".into()),
            Origin::Check(pending) => self.note(
                Tone::Plain,
                format!(
                    "Opened causal-check's case ({}, {}) at its failing step, step {} of {}.",
                    pending.kind,
                    pending.guarantee,
                    pending.step,
                    count(steps, "step")
                ),
            ),
            Origin::Preset(_) => {
                let title = self
                    .preset
                    .as_ref()
                    .map(|p| p.title.clone())
                    .unwrap_or_default();
                self.note(
                    Tone::Plain,
                    format!(
                        "Loaded \u{201c}{title}\u{201d} at its start: {}. Next (or Redo, or the timeline) plays them one by one.",
                        count(steps, "step")
                    ),
                )
            }
            Origin::Lesson(title) => self.note(
                Tone::Plain,
                format!("Opened the lesson \u{201c}{title}\u{201d}."),
            ),
            Origin::Back(_) => self.note(
                Tone::Plain,
                "Back to the session before: Redo returns to the one you left.".into(),
            ),
            Origin::Forward(_) => self.note(Tone::Plain, "Back to the session you left.".into()),
            Origin::Fresh(why) => self.note(Tone::Plain, why.clone()),
            Origin::Saved => {}
            Origin::OtherTab => self.note(
                Tone::Plain,
                "Opened the session another tab of the page saved just now.".into(),
            ),
        }
        if kept {
            self.note(Tone::Plain, ONE_UNDO_AWAY.into());
        }
    }

    /// The session Undo returns to from the start of this one, if any: saved
    /// beside the session so that a reload keeps it one Undo away.
    pub fn previous(&self) -> Option<Rc<Session>> {
        self.replaced.previous().cloned()
    }

    /// Remembers the session saved as [`State::previous`] (its text), when
    /// there is no other: the page has just opened.
    pub fn remembering(mut self, previous: Option<&str>) -> Self {
        if let Some(Ok(session)) = previous.map(share::decode) {
            if !self.replaced.can_undo() && session.check_shape().is_ok() {
                self.replaced.keep(Kept::session(Rc::new(session)));
            }
        }
        self
    }

    /// Stops the job under way. A session that was being loaded and is
    /// the user's own (the saved one, one Undo or Redo returned to) stays
    /// one Undo (or Redo) away: stopping never loses work.
    pub(super) fn set_aside(&mut self) {
        let Some(job) = self.job.take() else {
            return;
        };
        let Purpose::Load(session, origin) = job.purpose else {
            return;
        };
        let kept = match origin {
            Origin::Saved => Some(session),
            Origin::Link | Origin::Check(_) => self.fallback.take(),
            Origin::Back(puzzle) => {
                self.replaced.keep(Kept { session, puzzle });
                None
            }
            Origin::Forward(puzzle) => {
                self.replaced.left(Kept { session, puzzle });
                None
            }
            Origin::Import(_)
            | Origin::Preset(_)
            | Origin::Lesson(_)
            | Origin::Fresh(_)
            | Origin::OtherTab => None,
        };
        if let Some(saved) = kept.filter(|s| !s.is_blank()) {
            self.replaced.keep(Kept::session(saved));
            self.note(
                Tone::Plain,
                "Your saved session was not opened: it is one Undo away.".into(),
            );
        }
    }

    /// Replaces the session with a fresh one under `config`; the one
    /// replaced stays one Undo away.
    pub(super) fn start_afresh(&mut self, config: Config, why: String) {
        let session = Session::linear(config, Vec::new(), self.seed);
        self.begin_load(Ok(session), Origin::Fresh(why));
    }

    /// A preset opens at its start: Redo, the timeline or Next play it.
    pub(super) fn load_preset(&mut self, name: &str) {
        match preset(name) {
            Ok(p) => {
                let mut session = Session::linear(p.scenario.config(), p.scenario.steps, self.seed);
                session.cursor = 0;
                session.preset = Some(name.to_string());
                self.begin_load(Ok(session), Origin::Preset(name.to_string()));
            }
            Err(why) => self.refuse(Place::Page, capitalise(&why)),
        }
    }

    /// An imported scenario file replaces the session, played to its end
    /// (its lane reorders too, between the steps they followed); a bad one
    /// changes nothing.
    pub(super) fn import(&mut self, text: &str, file: &str) {
        let session = crate::data::json::scenario(text)
            .map(|s| Session::linear(s.config(), s.into_history(), self.seed))
            .map_err(|e| e.to_string());
        self.begin_load(session, Origin::Import(file.to_string()));
    }
}

impl PresetInfo {
    pub(super) fn of(p: &Preset) -> Self {
        PresetInfo {
            name: p.name.to_string(),
            title: p
                .scenario
                .title
                .clone()
                .unwrap_or_else(|| p.name.to_string()),
            description: p.scenario.description.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use causal_core::Command;

    use super::super::testing::*;
    use super::*;
    use crate::run::session::Branch;
    use crate::run::state::{Action, Severity};

    #[test]
    fn a_bad_import_names_its_step_and_changes_nothing() {
        let state = run(State::default(), [write(0, "x", "1")]);
        let bad = r#"{"version":1,"steps":[{"op":"write","replica":0,"key":"k","value":"v"},{"op":"deliver","message":3,"to":1}]}"#;
        let after = run(
            state.clone(),
            [Action::Import(bad.into(), "bad.json".into())],
        );
        let notice = after
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        assert!(
            notice.contains("bad.json")
                && notice.contains("step 2: message 3 is not in flight to replica 1"),
            "{notice}"
        );
        assert_eq!(after.simulation, state.simulation);
        assert_eq!(after.history, state.history);
    }

    #[test]
    fn a_check_link_opens_at_its_step_with_the_answers_until_the_next_load() {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let json = r#"{"version":1,"kind":"delivered-too-early","guarantee":"monotonic-writes","scenario":{"version":1,"replicas":3,"steps":[{"op":"write","replica":1,"key":"x","value":"B1"},{"op":"write","replica":1,"key":"x","value":"B2"},{"op":"deliver","message":2,"to":0}]},"step":3,"observed":[{"replica":0,"clock":[0,2,0],"store":{"x":"B2"},"held":[]}]}"#;
        let link = format!(
            "check={}",
            Base64UrlUnpadded::encode_string(json.as_bytes())
        );
        let worked = run(State::default(), [write(2, "z", "1")]);
        let opened = run(
            worked.clone(),
            [Action::OpenCheck(
                crate::run::observed::decode(&link).map(Box::new),
            )],
        );
        let (opened, _) = finish(opened);
        assert_eq!(opened.cursor(), 3);
        let found = opened.check.clone().expect("the answers are shown");
        let (node, engine) = &found.replicas[0];
        assert_eq!(node.clock, vec![0, 2, 0]);
        assert_eq!(engine.clock, vec![0, 0, 0]);
        assert_eq!(engine.held, vec![2]);
        // Moving the timeline keeps them; Undo back to the session before does not.
        let back = run(opened.clone(), [Action::Seek(0)]);
        assert!(back.check.is_some());
        let (undone, _) = finish(run(back, [Action::Undo]));
        assert!(undone.check.is_none());
        assert_eq!(undone.session(), worked.session());
        // A damaged link changes nothing.
        let refused = run(
            opened.clone(),
            [Action::OpenCheck(
                crate::run::observed::decode("check=%%").map(Box::new),
            )],
        );
        assert!(page_error(&refused).contains("causal-check's link could not be opened"));
        assert_eq!(refused.session(), opened.session());
        assert!(refused.check.is_some());
        let (reset, _) = finish(run(opened, [Action::Reset]));
        assert!(reset.check.is_none());
    }

    #[test]
    fn a_link_or_a_check_link_that_fails_says_what_the_page_shows_instead() {
        let saved = share::encode(&run(State::default(), [write(0, "x", "1")]).session());
        let worked = run(State::default(), [write(2, "z", "1")]);
        let said = |state: &State, begins: &str, ends: &str| {
            let text = page_error(state);
            assert!(
                text.starts_with(&format!("{begins} (")) && text.ends_with(ends),
                "{text}"
            );
        };
        let (link, check) = (
            "The shared session could not be read",
            "causal-check's link could not be opened",
        );
        for (fragment, subject, fresh) in [
            ("s=AQIDAC", link, "), so a fresh one was started."),
            ("check=%%", check, "), so a fresh session was started."),
        ] {
            said(&State::open(Some(fragment), None), subject, fresh);
            said(
                &State::open(Some(fragment), Some(&saved)),
                subject,
                "), so your saved session is shown.",
            );
        }
        let kept = "(it is damaged); your session is kept as it was.";
        let refused = run(
            worked.clone(),
            [Action::Restore(Err("it is damaged".into()))],
        );
        assert_eq!(page_error(&refused), format!("{link} {kept}"));
        assert_eq!(refused.session(), worked.session());
        let refused = run(
            worked.clone(),
            [Action::OpenCheck(Err("it is damaged".into()))],
        );
        assert_eq!(page_error(&refused), format!("{check} {kept}"));
        assert_eq!(refused.session(), worked.session());
    }

    #[test]
    fn a_damaged_link_gives_a_fresh_session_and_says_why() {
        let state = State::open(Some("s=AQIDAC"), None);
        assert!(state.simulation.history().is_empty());
        let text = state.notice.map(|n| n.text).unwrap_or_default();
        assert!(text.contains("shared session could not be read"), "{text}");
        // A fragment that is not a link is not read as one.
        assert!(State::open(Some("about"), None).notice.is_none());
    }

    #[test]
    fn undo_returns_to_the_session_each_load_replaced_and_redo_comes_back() {
        let worked = run(
            State::default(),
            [write(0, "x", "1"), write(1, "y", "2"), Action::Undo],
        );
        let before = worked.session();
        let file = scenario_file(r#"{"op":"write","replica":2,"key":"z","value":"3"}"#);
        let link = {
            let mut other = Session::linear(Config::default(), Vec::new(), 7);
            other.branches[0].commands.push(Command::write(1, "k", "v"));
            other.cursor = 1;
            other
        };
        for load in [
            Action::Reset,
            Action::SetReplicas(5),
            Action::LoadPreset("classic".into()),
            Action::Import(file.clone(), "a.json".into()),
            Action::Restore(Ok(link.clone())),
        ] {
            let loaded = run(worked.clone(), [load.clone()]);
            assert_ne!(loaded.session(), before, "{load:?} changed the session");
            assert_eq!(
                loaded.log.front().map(|l| l.text.as_str()),
                Some(ONE_UNDO_AWAY),
                "{load:?}"
            );
            assert!(loaded.can_undo(), "{load:?}");
            let back = run(loaded.clone(), [Action::Undo]);
            assert_eq!(back.session(), before, "Undo after {load:?}");
            assert_eq!(clocks(&back), clocks(&worked));
            let again = run(back, [Action::Redo]);
            assert_eq!(again.session(), loaded.session(), "Redo after {load:?}");
        }
    }

    #[test]
    fn a_preset_opens_at_its_start_and_redo_tells_each_step_as_it_happens() {
        let state = run(State::default(), [Action::LoadPreset("classic".into())]);
        assert_eq!(state.cursor(), 0);
        assert_eq!(state.steps(), 6);
        let mut state = state;
        let mut told = Vec::new();
        for _ in 0..6 {
            let before = state.log.len();
            state = run(state, [Action::Redo]);
            let new: Vec<String> = state
                .log
                .iter()
                .take(state.log.len() - before)
                .map(|l| l.text.clone())
                .collect();
            assert!(!new.is_empty());
            told.extend(new.into_iter().rev());
        }
        assert_eq!(state.cursor(), 6);
        assert!(told.iter().all(|l| !l.starts_with("Redid")), "{told:?}");
        assert!(
            told.iter()
                .any(|l| l == "C received m2 from B and held it back: it waits for A#1 (m1)."),
            "{told:?}"
        );
        // The timeline tells them too.
        let seeked = run(
            State::default(),
            [Action::LoadPreset("classic".into()), Action::Seek(6)],
        );
        let lines: Vec<&str> = seeked.log.iter().map(|l| l.text.as_str()).collect();
        assert!(
            lines.contains(&"C received m2 from B and held it back: it waits for A#1 (m1)."),
            "{lines:?}"
        );
    }

    #[test]
    fn imports_and_links_obey_the_write_forms_rules() {
        let state = run(State::default(), [write(0, "x", "1")]);
        let long_key = "k".repeat(500);
        for (file, key) in [
            ("long.json", long_key.as_str()),
            ("ctl.json", r"a\u0001b"),
            ("nonchar.json", r"a\uFFFEb"),
        ] {
            let text = scenario_file(&format!(
                r#"{{"op":"write","replica":1,"key":"{key}","value":"1"}}"#
            ));
            let after = run(state.clone(), [Action::Import(text, file.into())]);
            let error = page_error(&after);
            assert!(
                error.starts_with(&format!(
                    "{file} was not imported: step 1: the write at B: the key "
                )),
                "{error}"
            );
            assert_eq!(after.session(), state.session());
        }
        let mut bad = Session::linear(
            Config::default(),
            vec![Command::write(0, "a\u{1}b", "1")],
            1,
        );
        bad.cursor = 0;
        let after = run(state.clone(), [Action::Restore(Ok(bad.clone()))]);
        assert!(
            page_error(&after).contains("U+0001"),
            "{}",
            page_error(&after)
        );
        assert_eq!(after.session(), state.session());
        let opened = State::open(Some(&format!("s={}", share::encode(&bad))), None);
        assert!(opened.simulation.history().is_empty());
        assert!(page_error(&opened).contains("U+0001"));
    }

    #[test]
    fn a_link_is_checked_whole_when_it_opens() {
        let write_at = |replica| Command::Write {
            replica,
            key: "x".into(),
            value: "1".into(),
        };
        let mut session = Session::linear(Config::default(), vec![write_at(0), write_at(200)], 1);
        session.cursor = 1;
        let opened = State::open(Some(&format!("#s={}", share::encode(&session))), None);
        let error = page_error(&opened);
        assert!(error.contains("step 2"), "{error}");
        assert!(
            opened.simulation.history().is_empty(),
            "nothing of it is shown"
        );
        // Another branch is checked too.
        let mut two = Session::linear(Config::default(), vec![write_at(0)], 1);
        two.branches.push(Branch {
            commands: vec![write_at(0), write_at(9)],
            parent: Some((0, 1)),
        });
        let opened = State::open(Some(&format!("#s={}", share::encode(&two))), None);
        assert!(
            page_error(&opened).contains("branch 2, step 2"),
            "{}",
            page_error(&opened)
        );
        // A replica count is not a step.
        let nine = Session::linear(
            Config {
                replicas: 9,
                ..Config::default()
            },
            vec![],
            1,
        );
        let opened = State::open(Some(&format!("#s={}", share::encode(&nine))), None);
        let error = page_error(&opened);
        assert!(error.contains("9") && !error.contains("step"), "{error}");
    }

    #[test]
    fn a_damaged_link_keeps_the_saved_session_and_a_good_one_keeps_it_one_undo_away() {
        let saved = run(State::default(), [write(0, "x", "1")]).session();
        let saved_text = share::encode(&saved);
        let damaged = State::open(Some("s=AQIDAC"), Some(&saved_text));
        assert_eq!(damaged.session(), saved);
        assert!(page_error(&damaged).contains("your saved session is shown"));
        let other = run(State::default(), [write(1, "y", "2")]).session();
        let opened = State::open(
            Some(&format!("s={}", share::encode(&other))),
            Some(&saved_text),
        );
        assert_eq!(opened.session(), other);
        let back = run(opened, [Action::Undo]);
        assert_eq!(back.session(), saved);
        // A reload: the link is still in the address, the link's session is
        // saved, and the one before it was saved beside it.
        let reloaded = State::open(
            Some(&format!("s={}", share::encode(&other))),
            Some(&share::encode(&other)),
        )
        .remembering(Some(&saved_text));
        assert_eq!(reloaded.session(), other);
        assert_eq!(reloaded.previous().as_deref(), Some(&saved));
        let back = run(reloaded, [Action::Undo]);
        assert_eq!(back.session(), saved);
    }

    #[test]
    fn a_long_import_is_played_in_slices_and_the_page_answers_meanwhile() {
        let steps: Vec<String> = (0..5_000)
            .map(|i| {
                format!(
                    r#"{{"op":"write","replica":{},"key":"k{}","value":"{i}"}}"#,
                    i % 3,
                    i % 10
                )
            })
            .collect();
        let state = run(State::default(), [write(0, "x", "1")]);
        let loading = run(
            state.clone(),
            [Action::Import(
                scenario_file(&steps.join(",")),
                "big.json".into(),
            )],
        );
        let job = loading.job.as_ref().expect("a job under way");
        assert!(
            job.done > 0 && job.done < job.total,
            "{} of {}",
            job.done,
            job.total
        );
        assert_eq!(
            loading.session(),
            state.session(),
            "nothing changes until it is done"
        );
        assert!(loading.loading());
        // Acting meanwhile is refused quietly; the load goes on.
        let busy = run(loading.clone(), [write(1, "y", "2")]);
        assert!(busy.job.is_some());
        assert_eq!(
            busy.notice.as_ref().map(|n| n.severity),
            Some(Severity::Info)
        );
        let (done, slices) = finish(loading.clone());
        assert!(slices >= 5_000 / SLICE_STEPS - 1, "{slices} slices");
        assert_eq!(done.cursor(), 5_000);
        assert_eq!(
            done.log.get(1).map(|l| l.text.as_str()),
            Some("Imported big.json: 5000 steps.")
        );
        // Cancel leaves the page as it was.
        let cancelled = run(loading, [Action::Cancel]);
        assert!(cancelled.job.is_none());
        assert_eq!(cancelled.session(), state.session());
        // Stopping the saved session's load keeps it one Undo away.
        let saved = share::encode(&done.session());
        let opening = State::open(None, Some(&saved));
        assert!(opening.loading());
        let stopped = run(opening, [Action::Cancel]);
        assert!(stopped.simulation.history().is_empty());
        let (back, _) = finish(run(stopped, [Action::Undo]));
        assert_eq!(back.session(), done.session());
        // A long move of the timeline is sliced too, both ways.
        let back = run(done.clone(), [Action::Seek(4_000)]);
        let (back, slices) = finish(back);
        assert!(slices > 1);
        assert_eq!(back.cursor(), 4_000);
        assert!(back.trace.iter().all(|(step, _)| *step <= 4_000));
        let (forth, _) = finish(run(back, [Action::Seek(5_000)]));
        assert_eq!(forth.trace, done.trace);
        assert_eq!(clocks(&forth), clocks(&done));
    }

    #[test]
    fn a_crafted_link_too_big_to_show_is_refused_in_slices_and_changes_nothing() {
        // Eight replicas: each write is eight events, so that a link holds
        // more than the page shows.
        let writes = (0..10_000)
            .map(|i| Command::write(i % 8, "k", "v"))
            .collect();
        let config = Config {
            replicas: 8,
            ..Config::default()
        };
        let crafted = Session::linear(config, writes, 1);
        assert!(share::encode(&crafted).len() < share::MAX_FRAGMENT_CHARS);
        let state = run(State::default(), [write(0, "x", "1")]);
        let opening = run(state.clone(), [Action::Restore(Ok(crafted))]);
        assert!(opening.loading());
        let (after, slices) = finish(opening);
        assert!(slices > 10, "{slices} slices");
        let error = page_error(&after);
        assert!(error.contains("more than 50,000 events"), "{error}");
        assert_eq!(after.session(), state.session());
    }
}
