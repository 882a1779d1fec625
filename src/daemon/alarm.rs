//! The daily report of refused attempts to act as the strategist: a forged
//! From, a Reply-To or Sender naming her, GODKÄNN or AVVISA that does not
//! come from her in answer to the review notice. Each attempt is audited
//! when it is refused (`intake`); once a day at most, the strategist gets
//! one mail that counts and lists them, so that a forger can neither hide
//! nor flood her mailbox. Queued with the time it was queued in one
//! transaction; it reads no mailbox and sends nothing itself.

use super::desk::Desk;
use super::{Clock, DeskError};
use crate::decide::AnswerKind;
use crate::digest::{date, stored_time, time};
use crate::mailbox::Mailbox;
use crate::outgoing::Thread;
use crate::sender::Sender;
use chrono::{DateTime, Duration, Utc};
use minijinja::context;
use serde::Serialize;
use tracing::{info, warn};

/// One refused attempt as the report shows it.
#[derive(Debug, Clone, Serialize)]
struct Attempt {
    /// `2026-12-03 14.05`, local time.
    at: String,
    /// The From address.
    actor: String,
    /// What was tried, in Swedish.
    what: String,
}

/// The report lists this many attempts (the latest) and counts the rest.
const MAX_LISTED: usize = 50;

/// At most one report a day.
pub fn report_due(told_at: Option<DateTime<Utc>>, now: DateTime<Utc>, attempts: usize) -> bool {
    attempts > 0 && told_at.is_none_or(|t| now - t >= Duration::hours(24))
}

/// The audit detail of a refused attempt: `ATTEMPT/CLAIM: English note`,
/// where ATTEMPT is `review_answer`, `review_command` or `form`, and CLAIM is
/// an `identity::Claim` code or `none`.
pub fn detail(attempt: &str, claim: &str, note: &str) -> String {
    format!("{attempt}/{claim}: {note}")
}

/// The Swedish wording of an audit detail written by `detail`.
fn what(detail: &str) -> String {
    let code = detail.split(':').next().unwrap_or("");
    let (attempt, claim) = code.split_once('/').unwrap_or((code, "none"));
    let did = match attempt {
        "review_answer" => "svarade på ett granskningsmejl",
        "review_command" => "skrev GODKÄNN eller AVVISA utan att svara på granskningsmejlet",
        _ => "skickade en blankett",
    };
    let how = match claim {
        "from" => ", med din adress som avsändare, men meddelandet kom inte från din e-postserver",
        "reply_to" => ", med din adress som svarsadress",
        "sender" => ", med din adress i fältet Sender",
        "display_name" => ", med din adress som namn på en annan adress",
        "several_from" => ", med din adress bland flera avsändare",
        _ => "",
    };
    format!("{did}{how}")
}

impl<M: Mailbox, S: Sender, C: Clock> Desk<M, S, C> {
    /// Queues the report of refused attempts when one is due; returns
    /// whether it did.
    pub fn report_impersonations(&mut self) -> Result<bool, DeskError> {
        if !self.setup.send {
            return Ok(false);
        }
        let Some(to) = self.setup.policy.strategist.first().cloned() else {
            return Ok(false);
        };
        let now = self.clock.now();
        let told = self.store.impersonation_told_at()?;
        let told_at = told.as_deref().and_then(stored_time);
        let since = told.clone().unwrap_or_default();
        let attempts = self.store.impersonations_since(&since)?;
        if !report_due(told_at, now, attempts.len()) {
            return Ok(false);
        }
        let tz = self
            .setup
            .digest
            .as_ref()
            .map_or(chrono_tz::Europe::Stockholm, |d| d.time_zone);
        let local = |at: &str| {
            stored_time(at).map_or_else(
                || at.to_string(),
                |t| format!("{} {}", date(t, tz), time(t, tz)),
            )
        };
        let shown: Vec<Attempt> = attempts
            .iter()
            .rev()
            .take(MAX_LISTED)
            .rev()
            .map(|(at, actor, detail)| Attempt {
                at: local(at),
                actor: if actor.is_empty() {
                    "okänd avsändare".into()
                } else {
                    actor.clone()
                },
                what: what(detail),
            })
            .collect();
        let vars = context! {
            count => attempts.len(),
            unlisted => attempts.len() - shown.len(),
            since => told_at.map(|t| format!("{} {}", date(t, tz), time(t, tz))),
            attempts => minijinja::Value::from(minijinja::value::Serde(shown)),
            reference => "",
        };
        let rendered = self
            .setup
            .templates
            .render(AnswerKind::Impersonation, &vars)?;
        let queued = self.setup.queued(
            AnswerKind::Impersonation,
            &to,
            &rendered,
            &Thread::default(),
            None,
        )?;
        let done =
            self.store
                .queue_impersonation_notice(&[queued], told.as_deref(), &now.to_rfc3339())?;
        if done {
            warn!(
                attempts = attempts.len(),
                "refused attempts to act as the strategist reported to her"
            );
        } else {
            info!("the report of refused attempts was queued by another process");
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        stored_time(s).expect("time")
    }

    #[test]
    fn once_a_day_at_most() {
        let now = at("2026-12-03T10:00:00Z");
        assert!(!report_due(None, now, 0), "nothing to tell");
        assert!(report_due(None, now, 1));
        assert!(!report_due(Some(at("2026-12-02T10:00:01Z")), now, 5));
        assert!(report_due(Some(at("2026-12-02T10:00:00Z")), now, 1));
    }

    #[test]
    fn details_in_plain_swedish() {
        let d = detail("review_command", "reply_to", "x");
        assert_eq!(
            what(&d),
            "skrev GODKÄNN eller AVVISA utan att svara på granskningsmejlet, med din adress som svarsadress"
        );
        assert_eq!(what(&detail("form", "none", "x")), "skickade en blankett");
        assert_eq!(what("something else entirely"), "skickade en blankett");
    }
}
