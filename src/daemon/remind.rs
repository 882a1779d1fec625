//! Reminders for pending submissions: a form that still lacks something gets
//! a reminder to its sender `reminder_days[0]` days after it came in, the
//! next at `reminder_days[1]`, and so on; after the last, the strategist
//! hears of it in the digest. The time comes from the desk's clock only.
//! This file reads no mailbox and sends nothing: reminders go into the outbox,
//! and `Desk::drain` sends them.

use super::desk::Desk;
use super::{Clock, DeskError};
use crate::compose::{self, Extra};
use crate::decide::AnswerKind;
use crate::mailbox::Mailbox;
use crate::mime::Mail;
use crate::outgoing::Thread;
use crate::report::{InvalidField, Report, Status};
use crate::sender::Sender;
use crate::store::roster::Submission;
use crate::store::Queued;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

impl<M: Mailbox, S: Sender, C: Clock> Desk<M, S, C> {
    /// Queues the reminders that are due now; returns how many. A reminder
    /// that cannot be rendered or built (a broken template, an unusable
    /// address) is logged and skipped, so that it does not hold back the
    /// others; a database error ends the round and is the caller's.
    pub fn remind(&mut self) -> Result<usize, DeskError> {
        if !self.setup.send || self.setup.reminder_days.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now();
        let mut queued = 0;
        for sub in self.store.submissions_in("pending")? {
            if !self.reminder_due(&sub, now) {
                continue;
            }
            let Some(to) = sub.sender.clone() else {
                continue;
            };
            // blankett never writes to its own address.
            if to.eq_ignore_ascii_case(&self.setup.policy.own_address) {
                continue;
            }
            let answer = match self.reminder(&sub, &to) {
                Ok(answer) => answer,
                Err(e) => {
                    warn!(submission = sub.id, error = %e, "cannot write a reminder: skipped");
                    continue;
                }
            };
            if self
                .store
                .queue_reminder(sub.id, sub.reminders, &answer, &now.to_rfc3339())?
            {
                info!(
                    submission = sub.id,
                    reminder = sub.reminders + 1,
                    "reminder queued"
                );
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Whether the submission's next reminder is due at `now`.
    fn reminder_due(&self, sub: &Submission, now: DateTime<Utc>) -> bool {
        let Some(days) = self.setup.reminder_days.get(sub.reminders as usize) else {
            return false;
        };
        match DateTime::parse_from_rfc3339(&sub.created_at) {
            Ok(created) => {
                now - created.with_timezone(&Utc) >= chrono::Duration::days(i64::from(*days))
            }
            Err(e) => {
                warn!(submission = sub.id, error = %e, "a submission's date cannot be read: no reminder");
                false
            }
        }
    }

    /// The reminder's bytes, threaded to the submission's first message.
    fn reminder(&self, sub: &Submission, to: &str) -> Result<Queued, DeskError> {
        let limits = &self.setup.reader.limits;
        let original = self
            .store
            .raw_message(sub.message)?
            .and_then(|raw| crate::mime::read(&raw, limits))
            .unwrap_or_else(|| Mail {
                from_address: Some(to.to_string()),
                ..Mail::default()
            });
        let vars = compose::variables(
            &original,
            &report(sub),
            &self.setup.reader.organisations,
            &sub.reference,
            None,
            self.setup.policy.max_per_day,
            &Extra::default(),
        );
        let rendered = self.setup.templates.render(AnswerKind::Reminder, &vars)?;
        let thread = Thread {
            message_id: original.message_id.clone(),
            references: original.references.clone(),
        };
        self.setup
            .queued(AnswerKind::Reminder, to, &rendered, &thread, None)
    }
}

/// The submission as a report: what it holds and what it still lacks.
fn report(sub: &Submission) -> Report {
    let mut report = Report::without_fields(Status::Incomplete, "body", None);
    report.fields = sub.fields.clone();
    report.organisation_id = sub.organisation_id.clone();
    report.missing = sub.problems.missing.clone();
    report.invalid = sub
        .problems
        .invalid
        .iter()
        .map(|(key, value, code)| {
            let reason = crate::values::Reason::from_code(code);
            InvalidField {
                field: *key,
                reason: reason
                    .map_or("unusable value", |r| r.describe())
                    .to_string(),
                value: value.clone(),
                code: reason.map_or("invalid", |r| r.code()),
            }
        })
        .collect();
    report
}
