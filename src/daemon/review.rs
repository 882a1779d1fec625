//! Reviews resolved by a person at the command line: the same rules as a
//! review answered by mail (`intake::resolve`), with the answers queued in
//! the outbox for the daemon (or `once`) to send.

use super::desk::{build_answers, Setup};
use super::intake::resolve;
use super::DeskError;
use crate::decide::{self, AnswerKind, Facts};
use crate::mime::Mail;
use crate::roster::Fields;
use crate::store::roster::Review;
use crate::store::Store;
use chrono::{DateTime, Utc};

/// What the person decided.
#[derive(Debug, Clone)]
pub enum Action {
    /// Register the submission as it was read.
    Accept,
    /// Drop it.
    Reject,
    /// Correct or add these values, then register it when complete.
    Edit(Fields),
}

/// What resolving did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// `accepted`, `edited`, `rejected` or `incomplete`.
    pub resolution: &'static str,
    /// Kind and recipient of each queued answer.
    pub answers: Vec<(String, String)>,
}

/// Resolves an open review.
pub fn resolve_review(
    store: &mut Store,
    setup: &Setup,
    now: DateTime<Utc>,
    review: &Review,
    action: Action,
    by: &str,
) -> Result<Resolved, DeskError> {
    if review.state != "open" {
        return Err(DeskError::Message(format!(
            "review {} is {} already: only open reviews can be resolved",
            review.id, review.state
        )));
    }
    let submission = store
        .submission(review.submission)?
        .ok_or_else(|| DeskError::Message(format!("review {} has no submission", review.id)))?;
    let (text, lines) = match action {
        Action::Accept => ("GODKÄNN", Fields::new()),
        Action::Reject => ("AVVISA", Fields::new()),
        Action::Edit(lines) => ("", lines),
    };
    let intake = resolve(store, setup, &submission, review.id, text, &lines, Some(by))?;
    let original = intake.original.clone().unwrap_or_else(Mail::default);
    let mut decision = decide::decide(&original, &intake.outcome, &setup.policy, Facts::default());
    // The person resolved it here; no mail to tell her so.
    decision
        .answers
        .retain(|a| a.kind != AnswerKind::ReviewDone);
    let raw = store.raw_message(submission.message)?.unwrap_or_default();
    let answers = build_answers(
        setup,
        &original,
        &intake,
        &decision,
        &submission.reference,
        &raw,
    )?;
    store.commit_action(&answers, &intake.effects, &now.to_rfc3339())?;
    Ok(Resolved {
        resolution: intake.resolution.unwrap_or("accepted"),
        answers: answers
            .iter()
            .map(|a| (a.kind.clone(), a.recipient.clone()))
            .collect(),
    })
}
