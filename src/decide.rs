//! Decides what to do with one message that has been read: whom to answer
//! and with what, whether a person must look, and where the message goes.
//! Pure: it takes the report, the message's headers and a few facts about
//! earlier answers, and returns a `Decision`. It sends and stores nothing.

use crate::mime::Mail;
use crate::report::{Method, Report, Status};

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
        }
    }

    /// Whether it goes to the sender (and counts against the day's limit).
    pub fn to_sender(self) -> bool {
        matches!(
            self,
            AnswerKind::Confirmation | AnswerKind::Incomplete | AnswerKind::Receipt
        )
    }
}

/// Why a person must look at a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    Unreadable,
    UnknownOrganisation,
    LowOcrConfidence,
    ProcessingFailed,
}

impl ReviewReason {
    pub fn code(self) -> &'static str {
        match self {
            ReviewReason::Unreadable => "unreadable",
            ReviewReason::UnknownOrganisation => "unknown_organisation",
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

/// Decides for a message that was read.
pub fn decide(mail: &Mail, report: &Report, policy: &Policy, facts: Facts) -> Decision {
    let sender = reply_address(mail);
    let (sender_answer, review) = match report.status {
        Status::Automated => return Decision::leave("automated mail: never answered"),
        Status::NotAForm => return Decision::leave("not a form: left untouched"),
        Status::Unreadable => (AnswerKind::Receipt, Some(ReviewReason::Unreadable)),
        Status::Complete if report.organisation_id.is_none() => {
            (AnswerKind::Receipt, Some(ReviewReason::UnknownOrganisation))
        }
        Status::Complete => (AnswerKind::Confirmation, low_confidence(report, policy)),
        Status::Incomplete => (AnswerKind::Incomplete, low_confidence(report, policy)),
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
        note: match sender_answer {
            AnswerKind::Confirmation => "complete form: confirmed",
            AnswerKind::Incomplete => "incomplete form: asked for what is missing",
            _ => "needs a person: receipt sent",
        },
    };
    let strategist = policy.strategist.first().cloned();
    match sender.as_deref() {
        Some(to) if to == policy.own_address => {
            decision.note = "from blankett's own address: not answered"
        }
        Some(_) if facts.answers_today >= policy.max_per_day => {
            decision.counts_for_sender = true;
            decision.note = "answer limit for this sender reached: strategist told";
            if facts.answers_today == policy.max_per_day {
                if let Some(s) = &strategist {
                    decision.answers.push(Answer {
                        kind: AnswerKind::RateLimited,
                        to: s.clone(),
                    });
                }
            }
        }
        Some(to) => {
            decision.counts_for_sender = true;
            decision.answers.push(Answer {
                kind: sender_answer,
                to: to.to_string(),
            });
        }
        None => decision.note = "no address to answer",
    }
    if let (Some(_), Some(s)) = (review, strategist) {
        decision.answers.push(Answer {
            kind: AnswerKind::ReviewNotice,
            to: s,
        });
    }
    decision
}

/// The decision for a message whose handling failed too often: a person
/// looks at it, and the queue goes on.
pub fn failed_too_often(policy: &Policy) -> Decision {
    Decision {
        answers: policy
            .strategist
            .first()
            .map(|s| Answer {
                kind: AnswerKind::ReviewNotice,
                to: s.clone(),
            })
            .into_iter()
            .collect(),
        destination: Destination::Review,
        review: Some(ReviewReason::ProcessingFailed),
        counts_for_sender: false,
        note: "handling failed repeatedly: sent to review",
    }
}

fn low_confidence(report: &Report, policy: &Policy) -> Option<ReviewReason> {
    let low = report.method == Some(Method::Ocr)
        && report
            .ocr_confidence
            .values()
            .any(|c| *c < policy.min_ocr_confidence);
    low.then_some(ReviewReason::LowOcrConfidence)
}

/// Where an answer to this message goes: Reply-To, else From.
pub fn reply_address(mail: &Mail) -> Option<String> {
    let reply_to = mail.header("reply-to").and_then(first_address);
    reply_to
        .or_else(|| mail.from_address.clone())
        .map(|a| a.to_lowercase())
}

fn first_address(value: &str) -> Option<String> {
    let inner = match (value.find('<'), value.find('>')) {
        (Some(s), Some(e)) if s < e => &value[s + 1..e],
        _ => value.split(',').next().unwrap_or(value),
    };
    let inner = inner.trim();
    (inner.contains('@') && !inner.contains(' ')).then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Key;
    use std::collections::BTreeMap;

    fn policy() -> Policy {
        Policy {
            strategist: vec!["strateg@lst.se".into()],
            own_address: "strateg@lst.se".into(),
            max_per_day: 5,
            min_ocr_confidence: 60.0,
        }
    }

    fn mail(from: &str) -> Mail {
        Mail {
            from_address: Some(from.into()),
            ..Mail::default()
        }
    }

    fn report(status: Status, org: Option<&str>) -> Report {
        let mut r = Report::without_fields(status, "body", None);
        r.organisation_id = org.map(str::to_string);
        r
    }

    fn kinds(d: &Decision) -> Vec<(AnswerKind, &str)> {
        d.answers.iter().map(|a| (a.kind, a.to.as_str())).collect()
    }

    #[test]
    fn each_status_gets_its_answer() {
        let p = policy();
        let f = Facts::default();
        let d = decide(
            &mail("a@falun.se"),
            &report(Status::Complete, Some("falu-kommun")),
            &p,
            f,
        );
        assert_eq!(kinds(&d), vec![(AnswerKind::Confirmation, "a@falun.se")]);
        assert_eq!(d.destination, Destination::Processed);
        let d = decide(
            &mail("a@falun.se"),
            &report(Status::Incomplete, Some("falu-kommun")),
            &p,
            f,
        );
        assert_eq!(kinds(&d), vec![(AnswerKind::Incomplete, "a@falun.se")]);
        let d = decide(
            &mail("a@falun.se"),
            &report(Status::Unreadable, None),
            &p,
            f,
        );
        assert_eq!(
            kinds(&d),
            vec![
                (AnswerKind::Receipt, "a@falun.se"),
                (AnswerKind::ReviewNotice, "strateg@lst.se")
            ]
        );
        assert_eq!(d.destination, Destination::Review);
        let d = decide(&mail("a@x.se"), &report(Status::Complete, None), &p, f);
        assert_eq!(d.review, Some(ReviewReason::UnknownOrganisation));
        for status in [Status::Automated, Status::NotAForm] {
            let d = decide(&mail("a@falun.se"), &report(status, None), &p, f);
            assert!(d.answers.is_empty());
            assert_eq!(d.destination, Destination::Stay);
        }
    }

    #[test]
    fn the_daily_limit_tells_the_strategist_once() {
        let p = policy();
        let r = report(Status::Complete, Some("falu-kommun"));
        let at = |n| decide(&mail("a@falun.se"), &r, &p, Facts { answers_today: n });
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
    }

    #[test]
    fn own_address_and_reply_to() {
        let p = policy();
        let d = decide(
            &mail("strateg@lst.se"),
            &report(Status::Complete, Some("falu-kommun")),
            &p,
            Facts::default(),
        );
        assert!(d.answers.is_empty());
        let mut m = mail("a@falun.se");
        m.headers
            .push(("reply-to".into(), "Kansliet <Kansli@Falun.se>".into()));
        assert_eq!(reply_address(&m).as_deref(), Some("kansli@falun.se"));
    }

    #[test]
    fn low_ocr_confidence_goes_to_review() {
        let p = policy();
        let mut r = report(Status::Complete, Some("falu-kommun"));
        r.method = Some(Method::Ocr);
        r.ocr_confidence = BTreeMap::from([(Key::Organisation, 95.0), (Key::SignedDate, 41.0)]);
        let d = decide(&mail("a@falun.se"), &r, &p, Facts::default());
        assert_eq!(d.review, Some(ReviewReason::LowOcrConfidence));
        assert_eq!(
            kinds(&d),
            vec![
                (AnswerKind::Confirmation, "a@falun.se"),
                (AnswerKind::ReviewNotice, "strateg@lst.se")
            ]
        );
    }
}
