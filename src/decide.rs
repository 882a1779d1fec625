//! Decides what to do with one message that has been read: whom to answer
//! and with what, whether a person must look, and where the message goes.
//! Pure: it takes the report, the message's headers and a few facts about
//! earlier answers, and returns a `Decision`. It sends and stores nothing.

use crate::identity;
use crate::mime::Mail;
use crate::report::{Method, Report};
use crate::roster::{Notice, Role};

/// What blankett may do, from configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The strategist's addresses (lower case); the first gets notices.
    pub strategist: Vec<String>,
    /// The address answers are sent from (lower case).
    pub own_address: String,
    /// Automatic answers to one recipient per day.
    pub max_per_day: u32,
    /// OCR confidence (0-100) below which a person checks what was read.
    pub min_ocr_confidence: f32,
    /// Tell the strategist of every roster change at once (else only in the digest).
    pub notify_changes: bool,
}

/// What the store knows that the decision needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// Automatic answers already queued today for the sender.
    pub answers_today: u32,
}

/// The kinds of mail blankett writes; each has its templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// To the sender: everything registered, and how to correct it.
    Confirmation,
    /// To the sender: what is missing or invalid, and how to add it.
    Incomplete,
    /// To the sender: received, a person will handle it.
    Receipt,
    /// To the strategist: a message needs a person, original attached.
    ReviewNotice,
    /// To the strategist: a sender reached the day's answer limit.
    RateLimited,
    /// To the sender: the same registration again, nothing changed.
    NoChange,
    /// To a person newly named as representative or substitute.
    PersonRegistered,
    /// To a person no longer representative or substitute.
    PersonReplaced,
    /// To the strategist: the roster changed.
    ChangeNotice,
    /// To the strategist: her review answer was applied.
    ReviewDone,
    /// To the strategist: her own GODKÄNN or AVVISA did not answer the
    /// review notice, so it was not used.
    Refused,
    /// To the sender: a pending submission still lacks something.
    Reminder,
    /// To the strategist and the admin: mail has failed for a while.
    Outage,
    /// To the strategist, once a day at most: attempts to act as her were stopped.
    Impersonation,
    /// To the sender of forms for several organisations in one mail: what
    /// became of each, in one answer.
    Several,
    /// To an organisation: a request for a form, a working address or a
    /// yearly confirmation (`daemon::upkeep`), and its reminders.
    Request,
    /// To the sender: the registration is confirmed as it stands (STÄMMER).
    Confirmed,
    /// To the strategist: registered addresses that mail no longer reaches.
    Undeliverable,
    /// To the strategist: what her `SKICKA BLANKETT` sent.
    RequestsSent,
}

impl AnswerKind {
    /// An answer to the sender about their form (one per form; a mail with
    /// several forms gets one `Several` instead).
    pub fn is_about_the_form(self) -> bool {
        matches!(
            self,
            AnswerKind::Confirmation
                | AnswerKind::Incomplete
                | AnswerKind::Receipt
                | AnswerKind::NoChange
        )
    }
}

impl AnswerKind {
    /// The template name stem.
    pub fn template(self) -> &'static str {
        match self {
            AnswerKind::Confirmation => "confirmation",
            AnswerKind::Incomplete => "incomplete",
            AnswerKind::Receipt => "receipt",
            AnswerKind::ReviewNotice => "review_notice",
            AnswerKind::RateLimited => "rate_limited",
            AnswerKind::NoChange => "no_change",
            AnswerKind::PersonRegistered => "person_registered",
            AnswerKind::PersonReplaced => "person_replaced",
            AnswerKind::ChangeNotice => "change_notice",
            AnswerKind::ReviewDone => "review_done",
            AnswerKind::Refused => "refused",
            AnswerKind::Reminder => "reminder",
            AnswerKind::Outage => "outage",
            AnswerKind::Impersonation => "impersonation",
            AnswerKind::Several => "several",
            AnswerKind::Request => "request",
            AnswerKind::Confirmed => "confirmed",
            AnswerKind::Undeliverable => "undeliverable",
            AnswerKind::RequestsSent => "requests_sent",
        }
    }
}

/// Why a person must look at a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    Unreadable,
    UnknownOrganisation,
    ForeignDomain,
    /// The sender's domain failed DMARC or DKIM alignment.
    Unauthenticated,
    /// The organisation has every form looked at.
    PolicyReview,
    LowOcrConfidence,
    ProcessingFailed,
}

impl ReviewReason {
    pub fn code(self) -> &'static str {
        match self {
            ReviewReason::Unreadable => "unreadable",
            ReviewReason::UnknownOrganisation => "unknown_organisation",
            ReviewReason::ForeignDomain => "foreign_domain",
            ReviewReason::Unauthenticated => "unauthenticated",
            ReviewReason::PolicyReview => "policy_review",
            ReviewReason::LowOcrConfidence => "low_ocr_confidence",
            ReviewReason::ProcessingFailed => "processing_failed",
        }
    }
}

/// One mail to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub kind: AnswerKind,
    pub to: String,
    /// For notices to people: the seat they got or lost.
    pub role: Option<Role>,
}

impl Answer {
    pub fn new(kind: AnswerKind, to: String) -> Self {
        Answer {
            kind,
            to,
            role: None,
        }
    }

    fn notice(notice: &Notice) -> Self {
        match notice {
            Notice::Registered { to, role } => Answer {
                kind: AnswerKind::PersonRegistered,
                to: to.clone(),
                role: Some(*role),
            },
            Notice::Replaced { to, role } => Answer {
                kind: AnswerKind::PersonReplaced,
                to: to.clone(),
                role: Some(*role),
            },
        }
    }
}

/// Where the message goes in the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Left exactly where it is, untouched.
    Stay,
    Processed,
    Review,
}

/// What to do with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub answers: Vec<Answer>,
    pub destination: Destination,
    pub review: Option<ReviewReason>,
    /// The sender would have been answered: it counts against the day's limit.
    pub counts_for_sender: bool,
    /// A short English note for the log and the database.
    pub note: &'static str,
}

impl Decision {
    fn leave(note: &'static str) -> Self {
        Decision {
            answers: Vec::new(),
            destination: Destination::Stay,
            review: None,
            counts_for_sender: false,
            note,
        }
    }
}

/// What the message did to the roster, as the desk worked it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing for blankett (automated, not a form, its own mail).
    Ignored(&'static str),
    /// A complete form went onto the roster; these people are told.
    Registered { notices: Vec<Notice> },
    /// The same registration again.
    NoChange,
    /// Something is missing or invalid: pending, the sender is asked.
    Pending,
    /// A person decides.
    Held(ReviewReason),
    /// The strategist resolved a review by mail. `confirm` is the original
    /// sender, told when the form went onto the roster.
    Resolved {
        confirm: Option<String>,
        notices: Vec<Notice>,
    },
    /// An attempt to resolve a review was refused. `tell`: the strategist's
    /// own authenticated mail that did not answer the notice, so she is told
    /// at once how to answer; anyone else's attempts reach her in the daily
    /// report of refused attempts.
    Refused { tell: bool },
    /// The organisation confirmed its registration as it stands (the
    /// yearly check's STÄMMER): thanked.
    Confirmed,
    /// blankett's own business, not a form: the sender is not answered;
    /// `answers` (to the strategist) are written and the message goes to
    /// `destination` (a delivery report stays where it is).
    Told {
        answers: Vec<Answer>,
        destination: Destination,
        note: &'static str,
    },
}

/// Decides whom to answer, from the outcome.
pub fn decide(mail: &Mail, outcome: &Outcome, policy: &Policy, facts: Facts) -> Decision {
    let strategist = policy.strategist.first().cloned();
    let (sender_answer, review, note) = match outcome {
        Outcome::Ignored(note) => return Decision::leave(note),
        Outcome::Refused { tell } => {
            let mut d = Decision::leave(if *tell {
                "the strategist's review answer does not answer the notice: she is told how"
            } else {
                "an attempt to act as the strategist: refused and audited"
            });
            if *tell {
                d.answers
                    .extend(strategist.map(|s| Answer::new(AnswerKind::Refused, s)));
            }
            return d;
        }
        Outcome::Resolved { confirm, notices } => {
            let mut d = Decision::leave("review resolved by the strategist");
            d.destination = Destination::Processed;
            d.answers
                .extend(strategist.map(|s| Answer::new(AnswerKind::ReviewDone, s)));
            d.answers.extend(
                confirm
                    .iter()
                    .map(|to| Answer::new(AnswerKind::Confirmation, to.clone())),
            );
            d.answers.extend(notices.iter().map(Answer::notice));
            return d;
        }
        Outcome::Told {
            answers,
            destination,
            note,
        } => {
            let mut d = Decision::leave(note);
            d.destination = *destination;
            d.answers.clone_from(answers);
            return d;
        }
        Outcome::Confirmed => (
            AnswerKind::Confirmed,
            None,
            "the registration confirmed as it stands",
        ),
        Outcome::Registered { .. } => (AnswerKind::Confirmation, None, "registered: confirmed"),
        Outcome::NoChange => (
            AnswerKind::NoChange,
            None,
            "the same registration again: no change",
        ),
        Outcome::Pending => (
            AnswerKind::Incomplete,
            None,
            "incomplete: asked for what is missing",
        ),
        Outcome::Held(reason) => (
            AnswerKind::Receipt,
            Some(*reason),
            "needs a person: receipt sent",
        ),
    };
    let mut decision = Decision {
        answers: Vec::new(),
        destination: if review.is_some() {
            Destination::Review
        } else {
            Destination::Processed
        },
        review,
        counts_for_sender: false,
        note,
    };
    // A receipt for a form held for review goes to From alone: the form may
    // be forged, and its sender is the one to hear of it.
    let to = if sender_answer == AnswerKind::Receipt {
        identity::sender(mail)
    } else {
        identity::answer_address(mail)
    };
    match to.as_deref() {
        Some(_) if identity::sender(mail).as_deref() == Some(policy.own_address.as_str()) => {
            decision.note = "from blankett's own address: not answered"
        }
        Some(_) if facts.answers_today >= policy.max_per_day => {
            decision.counts_for_sender = true;
            decision.note = "answer limit for this sender reached: strategist told";
            if facts.answers_today == policy.max_per_day {
                decision.answers.extend(
                    strategist
                        .clone()
                        .map(|s| Answer::new(AnswerKind::RateLimited, s)),
                );
            }
        }
        Some(to) => {
            decision.counts_for_sender = true;
            decision
                .answers
                .push(Answer::new(sender_answer, to.to_string()));
        }
        None => decision.note = "no address to answer",
    }
    if let Outcome::Registered { notices } = outcome {
        decision.answers.extend(notices.iter().map(Answer::notice));
        if policy.notify_changes {
            decision.answers.extend(
                strategist
                    .clone()
                    .map(|s| Answer::new(AnswerKind::ChangeNotice, s)),
            );
        }
    }
    // A sender past the day's limit cannot flood the strategist with review
    // notices either: the review is open all the same, and the digest and
    // `blankett review list` show it.
    let flooding = facts.answers_today >= policy.max_per_day;
    if let (Some(_), Some(s), false) = (review, strategist, flooding) {
        decision
            .answers
            .push(Answer::new(AnswerKind::ReviewNotice, s));
    }
    decision
}

/// Combines the decisions for the forms of one message: each keeps its
/// notices (to people, to the strategist), and the answers to the sender
/// about each form become one `Several` answer. Returns the combined
/// decision for the message and each form's own decision without its
/// answer to the sender.
pub fn combine(decisions: Vec<Decision>) -> (Decision, Vec<Decision>) {
    let mut to_sender: Option<String> = None;
    let mut forms = Vec::new();
    let mut combined = Decision::leave("several forms: each handled on its own, one answer");
    for mut d in decisions {
        d.answers.retain(|a| {
            if a.kind.is_about_the_form() {
                to_sender.get_or_insert_with(|| a.to.clone());
                false
            } else {
                true
            }
        });
        combined.counts_for_sender |= d.counts_for_sender;
        combined.destination = match (combined.destination, d.destination) {
            (Destination::Review, _) | (_, Destination::Review) => Destination::Review,
            (Destination::Processed, _) | (_, Destination::Processed) => Destination::Processed,
            _ => Destination::Stay,
        };
        combined.review = combined.review.or(d.review);
        forms.push(d);
    }
    combined.answers = to_sender
        .map(|to| Answer::new(AnswerKind::Several, to))
        .into_iter()
        .collect();
    (combined, forms)
}

/// Whether OCR's confidence in what it read is too low to register without
/// a person.
pub fn low_confidence(report: &Report, policy: &Policy) -> bool {
    report.method == Some(Method::Ocr)
        && report
            .ocr_confidence
            .values()
            .any(|c| *c < policy.min_ocr_confidence)
}

/// The decision for a message whose handling failed too often: a person
/// looks at it, and the queue goes on.
pub fn failed_too_often(policy: &Policy) -> Decision {
    Decision {
        answers: policy
            .strategist
            .first()
            .map(|s| Answer::new(AnswerKind::ReviewNotice, s.clone()))
            .into_iter()
            .collect(),
        destination: Destination::Review,
        review: Some(ReviewReason::ProcessingFailed),
        counts_for_sender: false,
        note: "handling failed repeatedly: sent to review",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Key;
    use crate::report::Status;
    use std::collections::BTreeMap;

    fn policy() -> Policy {
        Policy {
            strategist: vec!["strateg@lst.se".into()],
            own_address: "strateg@lst.se".into(),
            max_per_day: 5,
            min_ocr_confidence: 60.0,
            notify_changes: false,
        }
    }

    fn mail(from: &str) -> Mail {
        Mail {
            from_address: Some(from.into()),
            ..Mail::default()
        }
    }

    fn kinds(d: &Decision) -> Vec<(AnswerKind, &str)> {
        d.answers.iter().map(|a| (a.kind, a.to.as_str())).collect()
    }

    #[test]
    fn each_outcome_gets_its_answers() {
        let p = policy();
        let f = Facts::default();
        let anna = mail("a@falun.se");
        let notices = vec![Notice::Replaced {
            to: "erik@falun.se".into(),
            role: Role::Substitute,
        }];
        type Case<'a> = (Outcome, Vec<(AnswerKind, &'a str)>, Destination);
        let cases: Vec<Case<'_>> = vec![
            (
                Outcome::Registered { notices },
                vec![
                    (AnswerKind::Confirmation, "a@falun.se"),
                    (AnswerKind::PersonReplaced, "erik@falun.se"),
                ],
                Destination::Processed,
            ),
            (
                Outcome::NoChange,
                vec![(AnswerKind::NoChange, "a@falun.se")],
                Destination::Processed,
            ),
            (
                Outcome::Pending,
                vec![(AnswerKind::Incomplete, "a@falun.se")],
                Destination::Processed,
            ),
            (
                Outcome::Held(ReviewReason::Unreadable),
                vec![
                    (AnswerKind::Receipt, "a@falun.se"),
                    (AnswerKind::ReviewNotice, "strateg@lst.se"),
                ],
                Destination::Review,
            ),
            (Outcome::Ignored("x"), vec![], Destination::Stay),
            (Outcome::Refused { tell: false }, vec![], Destination::Stay),
            (
                Outcome::Refused { tell: true },
                vec![(AnswerKind::Refused, "strateg@lst.se")],
                Destination::Stay,
            ),
            (
                Outcome::Resolved {
                    confirm: Some("b@mora.se".into()),
                    notices: vec![],
                },
                vec![
                    (AnswerKind::ReviewDone, "strateg@lst.se"),
                    (AnswerKind::Confirmation, "b@mora.se"),
                ],
                Destination::Processed,
            ),
        ];
        for (outcome, want, destination) in cases {
            let d = decide(&anna, &outcome, &p, f);
            assert_eq!(kinds(&d), want, "{outcome:?}");
            assert_eq!(d.destination, destination, "{outcome:?}");
        }
    }

    #[test]
    fn the_daily_limit_tells_the_strategist_once() {
        let p = policy();
        let o = Outcome::Registered { notices: vec![] };
        let at = |n| decide(&mail("a@falun.se"), &o, &p, Facts { answers_today: n });
        assert_eq!(
            kinds(&at(4)),
            vec![(AnswerKind::Confirmation, "a@falun.se")]
        );
        assert_eq!(
            kinds(&at(5)),
            vec![(AnswerKind::RateLimited, "strateg@lst.se")]
        );
        assert!(kinds(&at(6)).is_empty());
        assert_eq!(at(6).destination, Destination::Processed);
        // Held forms past the limit open reviews without a notice each.
        let held = Outcome::Held(ReviewReason::Unauthenticated);
        let at = |n| decide(&mail("a@falun.se"), &held, &p, Facts { answers_today: n });
        assert_eq!(
            kinds(&at(4)),
            vec![
                (AnswerKind::Receipt, "a@falun.se"),
                (AnswerKind::ReviewNotice, "strateg@lst.se")
            ]
        );
        assert!(kinds(&at(6)).is_empty());
        assert_eq!(at(6).destination, Destination::Review);
    }

    #[test]
    fn own_address_and_reply_to() {
        let p = policy();
        let d = decide(
            &mail("strateg@lst.se"),
            &Outcome::Registered { notices: vec![] },
            &p,
            Facts::default(),
        );
        assert!(d.answers.is_empty());
        let with_reply_to = |reply_to: &str| {
            let mut m = mail("a@falun.se");
            m.headers.push(("reply-to".into(), reply_to.into()));
            m
        };
        let to =
            |m: &Mail, o: Outcome| kinds(&decide(m, &o, &p, Facts::default()))[0].1.to_string();
        // Reply-To on the sender's own domain is honoured for answers about the form.
        let m = with_reply_to("Kansliet <Kansli@Falun.se>");
        assert_eq!(to(&m, Outcome::Pending), "kansli@falun.se");
        // A receipt for a held form goes to From only.
        assert_eq!(
            to(&m, Outcome::Held(ReviewReason::ForeignDomain)),
            "a@falun.se"
        );
        // A Reply-To elsewhere never redirects anything.
        let m = with_reply_to("mallory@evil.example");
        assert_eq!(
            to(&m, Outcome::Registered { notices: vec![] }),
            "a@falun.se"
        );
        assert_eq!(to(&m, Outcome::Pending), "a@falun.se");
        // Not even our own address in Reply-To silences the answer to From.
        let m = with_reply_to("strateg@lst.se");
        assert_eq!(to(&m, Outcome::Pending), "a@falun.se");
    }

    #[test]
    fn low_ocr_confidence() {
        let p = policy();
        let mut r = Report::without_fields(Status::Complete, "body", None);
        r.method = Some(Method::Ocr);
        r.ocr_confidence = BTreeMap::from([(Key::Organisation, 95.0), (Key::SignedDate, 41.0)]);
        assert!(low_confidence(&r, &p));
        r.ocr_confidence.insert(Key::SignedDate, 80.0);
        assert!(!low_confidence(&r, &p));
    }
}
