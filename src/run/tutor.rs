//! The lesson open on the page, as its own concept beside the run's reducer:
//! which lesson, which step, what the learner answered. The run itself
//! stays in [`crate::run::state`]; an `act` step reads the run's history
//! ([`Tutor::act`]) and the engine says whether it is the act asked for.

use std::rc::Rc;

use causal_core::{check_act, Appended, Command, Lesson, Step};
use yew::prelude::*;

/// An open lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct Tutor {
    /// The lesson's name (its file name without `.json`).
    pub name: String,
    /// The lesson, read.
    pub lesson: Rc<Lesson>,
    /// The step shown, from 0.
    pub step: usize,
    /// How many steps of the run's history there were when the step began:
    /// an act is the next one.
    pub base: usize,
    /// The choices tried at this step, in order (from 0).
    pub tried: Vec<usize>,
    /// The answer was shown without being found.
    pub revealed: bool,
    /// The learner went past the last step.
    pub done: bool,
}

/// Where an `act` step stands, read from the run's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActStatus {
    /// Not done yet.
    Waiting,
    /// Done as asked.
    Done,
    /// Something else was done: what to do about it.
    Wrong(String),
}

/// What the lesson state can be told.
#[derive(Clone, Debug, PartialEq)]
pub enum TutorAction {
    /// Open `lesson` at `step`, the run's history being `base` steps long.
    Open {
        /// Its name.
        name: String,
        /// The lesson.
        lesson: Rc<Lesson>,
        /// The step, from 0.
        step: usize,
        /// The run's history length at that step.
        base: usize,
    },
    /// The learner picked choice `index` (from 0) of the prediction.
    Choose(usize),
    /// Show the prediction's answer.
    Reveal,
    /// Go on; the run's history is now `cursor` steps long.
    Next {
        /// The run's history length.
        cursor: usize,
    },
    /// Close the lesson.
    Close,
}

/// The lesson state: none open, or one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lessons {
    /// The open lesson.
    pub open: Option<Tutor>,
}

impl Reducible for Lessons {
    type Action = TutorAction;

    fn reduce(self: Rc<Self>, action: TutorAction) -> Rc<Self> {
        let next = match (action, &self.open) {
            (
                TutorAction::Open {
                    name,
                    lesson,
                    step,
                    base,
                },
                _,
            ) => {
                let step = step.min(lesson.steps.len().saturating_sub(1));
                Some(Tutor {
                    name,
                    lesson,
                    step,
                    base,
                    tried: Vec::new(),
                    revealed: false,
                    done: false,
                })
            }
            (TutorAction::Close, _) => None,
            (_, None) => return self,
            (TutorAction::Choose(index), Some(tutor)) => {
                let Some(posed) = tutor.posed() else {
                    return self;
                };
                if tutor.answered() || index >= posed.choices.len() || tutor.tried.contains(&index)
                {
                    return self;
                }
                let mut tutor = tutor.clone();
                tutor.tried.push(index);
                Some(tutor)
            }
            (TutorAction::Reveal, Some(tutor)) => {
                if tutor.posed().is_none() || tutor.answered() {
                    return self;
                }
                Some(Tutor {
                    revealed: true,
                    ..tutor.clone()
                })
            }
            (TutorAction::Next { cursor }, Some(tutor)) => {
                if tutor.done {
                    return self;
                }
                let mut tutor = tutor.clone();
                if tutor.step + 1 >= tutor.lesson.steps.len() {
                    tutor.done = true;
                } else {
                    tutor.step += 1;
                    tutor.base = cursor;
                    tutor.tried.clear();
                    tutor.revealed = false;
                }
                Some(tutor)
            }
        };
        Rc::new(Lessons { open: next })
    }
}

impl Tutor {
    /// The step shown.
    pub fn current(&self) -> Option<&Step> {
        self.lesson.steps.get(self.step)
    }

    /// The prediction of this step, if it is one.
    pub fn posed(&self) -> Option<&causal_core::Posed> {
        match self.current()? {
            Step::Predict { posed, .. } => Some(posed),
            _ => None,
        }
    }

    /// The prediction has been answered right, or its answer shown.
    pub fn answered(&self) -> bool {
        self.revealed
            || self
                .posed()
                .is_some_and(|p| self.tried.last() == Some(&p.answer))
    }

    /// A prediction is shown and waits for its answer: the page tells no
    /// outcome until it is answered right or revealed.
    pub fn hides(&self) -> bool {
        !self.done && self.posed().is_some() && !self.answered()
    }

    /// Where the step's act stands, given the run's history up to the
    /// timeline (`history`): the engine compares what was done at the
    /// step's start with what was asked.
    pub fn act(&self, history: &Appended<Command>) -> ActStatus {
        let Some(Step::Act { expect, .. }) = self.current() else {
            return ActStatus::Waiting;
        };
        let base = self.base;
        match history.len() {
            n if n == base => ActStatus::Waiting,
            n if n < base => ActStatus::Wrong(
                "The run is behind this step: press Redo to come back to it.".into(),
            ),
            n if n == base + 1 => {
                let before = self.lesson.state_at(self.step);
                match history
                    .get(base)
                    .map(|done| check_act(&before, expect, done))
                {
                    Some(Ok(())) => ActStatus::Done,
                    None => ActStatus::Waiting,
                    Some(Err(why)) => ActStatus::Wrong(why),
                }
            }
            _ => ActStatus::Wrong(format!(
                "That was more than {}: undo back to it and try again.",
                causal_core::short(expect)
            )),
        }
    }

    /// Whether Next may be pressed (`act` from [`Tutor::act`]).
    pub fn can_go_on(&self, act: &ActStatus) -> bool {
        match self.current() {
            Some(Step::Read { .. }) => true,
            Some(Step::Act { .. }) => *act == ActStatus::Done,
            Some(Step::Predict { .. }) => self.answered(),
            None => false,
        }
    }

    /// The run's history at step `step` of the lesson: its start and every
    /// act before it (what reopening the lesson there loads).
    pub fn history_at(lesson: &Lesson, step: usize) -> Vec<Command> {
        let mut commands = lesson.start.steps.clone();
        commands.extend(lesson.steps.iter().take(step).filter_map(|s| match s {
            Step::Act { expect, .. } => Some(expect.clone()),
            _ => None,
        }));
        commands
    }
}

/// How to do `command` with the page's controls: the lesson names the act
/// in the model's terms, the page says where to click.
pub fn how(command: &Command) -> String {
    use causal_core::replica_name;
    match command {
        Command::Write { replica, .. } => {
            let r = replica_name(*replica);
            format!("Type the key and the value in {r}'s write form, then press Write.")
        }
        Command::Deliver { message, to } => {
            let r = replica_name(*to);
            format!("Drag {message}'s card onto replica {r}, or press Deliver on the card.")
        }
        Command::Drop { message, to } => format!(
            "Press Drop on {message}'s card in {}'s lane.",
            replica_name(*to)
        ),
        Command::Duplicate { message, to } => format!(
            "Press Duplicate on {message}'s card in {}'s lane, or Resend where the page says it was lost.",
            replica_name(*to)
        ),
        Command::DeliverAll => "Press Deliver on each card, or play the run to its end.".into(),
        Command::DeliverNext { to } => format!(
            "Press Deliver on the first card of {}'s lane.",
            replica_name(*to)
        ),
        Command::Reorder { to, .. } => format!(
            "Drag the card within {}'s lane, or focus it and press Alt+Arrow keys.",
            replica_name(*to)
        ),
    }
}

/// The first answer a learner gave to one prediction: evidence of learning,
/// kept in the browser only (shown in `lesson-results`, downloaded as CSV).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FirstAnswer {
    /// The lesson's name.
    pub lesson: String,
    /// The prediction's step, from 1.
    pub step: usize,
    /// The question as asked.
    pub question: String,
    /// The choice picked first, as its button said.
    pub answer: String,
    /// Whether it was the right one.
    pub right: bool,
    /// When, as an ISO 8601 date and time.
    pub time: String,
}

impl Tutor {
    /// The first answer to this step's prediction if `index` is it: `None`
    /// when the step asks nothing, when it was answered already, or when
    /// `recorded` holds an answer to it (the first one counts, once).
    pub fn first_answer(
        &self,
        index: usize,
        time: String,
        recorded: &[FirstAnswer],
    ) -> Option<FirstAnswer> {
        let posed = self.posed()?;
        let choice = posed.choices.get(index)?;
        let step = self.step + 1;
        if !self.tried.is_empty()
            || self.answered()
            || recorded
                .iter()
                .any(|a| a.lesson == self.name && a.step == step)
        {
            return None;
        }
        Some(FirstAnswer {
            lesson: self.name.clone(),
            step,
            question: posed.prompt.clone(),
            answer: choice.label.clone(),
            right: index == posed.answer,
            time,
        })
    }
}

/// Per lesson tried, in the order first tried: (lesson, predictions
/// answered, right at the first try).
pub fn results_by_lesson(answers: &[FirstAnswer]) -> Vec<(String, usize, usize)> {
    let mut rows: Vec<(String, usize, usize)> = Vec::new();
    for a in answers {
        let at = match rows.iter().position(|(l, _, _)| *l == a.lesson) {
            Some(at) => at,
            None => {
                rows.push((a.lesson.clone(), 0, 0));
                rows.len() - 1
            }
        };
        rows[at].1 += 1;
        rows[at].2 += usize::from(a.right);
    }
    rows
}

/// The answers as CSV (RFC 4180): lesson, prediction, first answer, right
/// or wrong, time.
pub fn results_csv(answers: &[FirstAnswer]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let mut csv = String::from("lesson,prediction,first answer,right or wrong,time\r\n");
    for a in answers {
        let prediction = format!("step {}: {}", a.step, a.question);
        let row = [
            field(&a.lesson),
            field(&prediction),
            field(&a.answer),
            (if a.right { "right" } else { "wrong" }).to_string(),
            field(&a.time),
        ];
        csv.push_str(&row.join(","));
        csv.push_str("\r\n");
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(name: &str, step: usize) -> Rc<Lessons> {
        let lesson = crate::data::lessons::lesson(name).unwrap();
        let base = Tutor::history_at(&lesson, step).len();
        Rc::new(Lessons::default()).reduce(TutorAction::Open {
            name: name.into(),
            lesson,
            step,
            base,
        })
    }

    fn tutor(lessons: &Lessons) -> &Tutor {
        lessons.open.as_ref().unwrap()
    }

    #[test]
    fn every_embedded_lesson_opens_and_the_list_follows_the_course() {
        let names: Vec<&str> = crate::data::lessons::catalogue()
            .iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names[..5],
            [
                "vector-clocks",
                "why-hold-back",
                "fifo-is-not-causal",
                "concurrent-writes",
                "lost-and-duplicated"
            ]
        );
        assert_eq!(names.len(), crate::data::lessons::LESSONS.len());
        assert!(crate::data::lessons::lesson("nope").is_err());
    }

    #[test]
    fn a_prediction_opens_next_once_right_or_revealed() {
        // why-hold-back: step 3 (index 2) predicts C holds m2 (choice 2).
        let lessons = open("why-hold-back", 2);
        let t = tutor(&lessons);
        assert_eq!(t.current().unwrap().kind(), "predict");
        assert!(!t.can_go_on(&ActStatus::Waiting));
        let lessons = lessons.reduce(TutorAction::Choose(0));
        assert!(!tutor(&lessons).answered());
        // A choice tried is not counted twice; the right one answers.
        let lessons = lessons.clone().reduce(TutorAction::Choose(0));
        assert_eq!(tutor(&lessons).tried, [0]);
        let right = lessons.clone().reduce(TutorAction::Choose(1));
        assert!(tutor(&right).can_go_on(&ActStatus::Waiting));
        // Once answered, nothing more is picked.
        let after = right.clone().reduce(TutorAction::Choose(2));
        assert_eq!(tutor(&after).tried, [0, 1]);
        let revealed = lessons.reduce(TutorAction::Reveal);
        assert!(tutor(&revealed).revealed && tutor(&revealed).answered());
    }

    #[test]
    fn an_act_is_read_from_the_history_and_next_moves_the_base() {
        let lessons = open("why-hold-back", 3);
        let t = tutor(&lessons).clone();
        let mut history = Tutor::history_at(&t.lesson, 3);
        assert_eq!(
            t.act(&history.iter().cloned().collect()),
            ActStatus::Waiting
        );
        history.push(Command::deliver(1, 2));
        assert_eq!(
            t.act(&history.iter().cloned().collect()),
            ActStatus::Wrong("That was not m2 to C: undo it and try again.".into())
        );
        history.pop();
        history.push(Command::deliver(2, 2));
        assert_eq!(t.act(&history.iter().cloned().collect()), ActStatus::Done);
        assert!(t.can_go_on(&ActStatus::Done));
        assert!(matches!(
            t.act(&history[..2].iter().cloned().collect()),
            ActStatus::Wrong(_)
        ));
        let next = lessons.reduce(TutorAction::Next {
            cursor: history.len(),
        });
        assert_eq!((tutor(&next).step, tutor(&next).base), (4, history.len()));
    }

    #[test]
    fn next_on_the_last_step_finishes_and_close_closes() {
        let lessons = open("why-hold-back", 100);
        let last = tutor(&lessons).lesson.steps.len() - 1;
        assert_eq!(tutor(&lessons).step, last);
        let done = lessons.reduce(TutorAction::Next { cursor: 0 });
        assert!(tutor(&done).done);
        assert_eq!(tutor(&done).step, last);
        assert!(done.reduce(TutorAction::Close).open.is_none());
    }

    #[test]
    fn only_the_first_answer_of_a_prediction_is_recorded_and_the_csv_quotes_fields() {
        let lessons = open("why-hold-back", 2);
        let t = tutor(&lessons).clone();
        let first = t.first_answer(0, "T1".into(), &[]).expect("a first answer");
        assert_eq!((first.step, first.right), (3, false));
        assert_eq!(
            t.first_answer(0, "T1".into(), std::slice::from_ref(&first)),
            None
        );
        let after = lessons.reduce(TutorAction::Choose(0));
        assert_eq!(tutor(&after).first_answer(1, "T2".into(), &[]), None);
        let right = FirstAnswer {
            lesson: "vector-clocks".into(),
            step: 2,
            question: "What will A's clock be, after A writes x = 1?".into(),
            answer: "[1,0,0]".into(),
            right: true,
            time: "T3".into(),
        };
        let answers = [first.clone(), right];
        assert_eq!(
            results_by_lesson(&answers),
            [
                ("why-hold-back".to_string(), 1, 0),
                ("vector-clocks".to_string(), 1, 1)
            ]
        );
        let csv = results_csv(&answers);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "lesson,prediction,first answer,right or wrong,time"
        );
        assert_eq!(
            lines[2],
            "vector-clocks,\"step 2: What will A's clock be, after A writes x = 1?\",\"[1,0,0]\",right,T3"
        );
        assert!(lines[1].ends_with(",wrong,T1"), "{}", lines[1]);
    }
}
