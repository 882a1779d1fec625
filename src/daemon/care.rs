//! The daemon looking after itself: health marks after every pass (for
//! `status`), a notice to the strategist and the admin when the mailbox or
//! the mail server has failed longer than `alert_after` (queued, so it goes
//! out as soon as sending works), and dropping raw messages after the
//! retention time.

use super::desk::Desk;
use super::{Clock, DeskError};
use crate::compose::Rendered;
use crate::decide::AnswerKind;
use crate::mailbox::Mailbox;
use crate::operations::{outage_due, purge_before};
use crate::outgoing::Thread;
use crate::sender::Sender;
use crate::store::care::Part;
use minijinja::context;
use tracing::{info, warn};

impl<M: Mailbox, S: Sender, C: Clock> Desk<M, S, C> {
    /// Records how a pass went. A database that cannot record it is only
    /// logged: the pass itself decides what happens next.
    pub fn note_pass(&self, error: Option<&DeskError>) {
        let now = self.clock.now().to_rfc3339();
        let noted = match error {
            None => self.store.note_poll_ok(&now),
            // A message that failed is that message's problem, not an outage.
            Some(DeskError::Message(_)) => Ok(()),
            Some(e) => self.store.note_failure(Part::Mailbox, &e.to_string(), &now),
        };
        if let Err(e) = noted {
            warn!(error = %e, "cannot record the daemon's health in the database");
        }
    }

    /// Retention and outage notices; returns how many notices were queued.
    pub fn care(&mut self) -> Result<usize, DeskError> {
        let now = self.clock.now();
        let ops = &self.setup.operations;
        if let Some(before) = purge_before(now, ops.keep_raw_days) {
            let purged = self.store.purge_raw(&before.to_rfc3339())?;
            if purged > 0 {
                info!(purged, "raw messages past the retention time dropped");
            }
        }
        let health = self.store.health()?;
        if !outage_due(
            health.failing_since(),
            health.outage_notified.as_deref(),
            now,
            ops.alert_after,
        ) {
            return Ok(0);
        }
        let mut to: Vec<String> = self
            .setup
            .policy
            .strategist
            .first()
            .cloned()
            .into_iter()
            .collect();
        to.extend(ops.admin.clone());
        let vars = context! {
            since => health.failing_since(),
            error => health.last_error,
            minutes => ops.alert_after.as_secs() / 60,
            reference => "",
        };
        let rendered: Rendered = self.setup.templates.render(AnswerKind::Outage, &vars)?;
        let mut queued = Vec::new();
        for recipient in &to {
            queued.push(self.setup.queued(
                AnswerKind::Outage,
                recipient,
                &rendered,
                &Thread::default(),
                None,
            )?);
        }
        self.store
            .commit_action(&queued, &Default::default(), &now.to_rfc3339())?;
        self.store.note_outage_notified(&now.to_rfc3339())?;
        warn!(notices = queued.len(), "outage reported to the strategist");
        Ok(queued.len())
    }
}
