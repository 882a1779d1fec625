//! The digest at the edge: gathers the roster, the history, what is pending
//! and the open reviews from the database, has `digest::build` make the
//! digest, builds one mail per recipient and queues them with the digest's
//! time in one transaction (`Store::queue_digest`). `Desk::digest_if_due`
//! does that when the schedule says so. It never sends: `Desk::drain` does.

use super::desk::{Desk, Setup};
use super::{Clock, DeskError};
use crate::config::DigestConfig;
use crate::digest::{self, schedule, stored_time, Digest, DigestInput};
use crate::mailbox::Mailbox;
use crate::outgoing::{self, File, Origin, Outgoing, Thread};
use crate::sender::Sender;
use crate::store::roster::{HistoryEntry, Registration, Review, Submission};
use crate::store::{Queued, Store, StoreError};
use chrono::{DateTime, Utc};
use tracing::{info, warn};

/// What the digest is made of, read from the database.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub registrations: Vec<Registration>,
    pub history: Vec<HistoryEntry>,
    pub pending: Vec<Submission>,
    pub reviews: Vec<(Review, Option<Submission>)>,
    /// The last digest's time as stored, if there was one.
    pub last_sent: Option<String>,
    pub created: DateTime<Utc>,
    /// Registered addresses that mail no longer reaches.
    pub undeliverable: crate::export::Marks,
    /// Open yearly checks: organisation key and reminders sent.
    pub unconfirmed: Vec<(String, u32)>,
}

impl Gathered {
    /// The last digest's time, when there was one and it can be read.
    pub fn last_digest(&self) -> Option<DateTime<Utc>> {
        self.last_sent.as_deref().and_then(stored_time)
    }
}

/// Reads what the digest needs.
pub fn gather(store: &Store) -> Result<Gathered, StoreError> {
    let reviews = store
        .reviews("open")?
        .into_iter()
        .map(|r| {
            let sub = store.submission(r.submission)?;
            Ok((r, sub))
        })
        .collect::<Result<_, StoreError>>()?;
    let created = store.created_at()?;
    Ok(Gathered {
        registrations: store.registrations()?,
        // A confirmation changes nothing: the changes section leaves it out.
        history: store
            .history(None)?
            .into_iter()
            .filter(|e| e.kind != "confirmed")
            .collect(),
        pending: store.submissions_in("pending")?,
        reviews,
        last_sent: store.last_digest()?,
        undeliverable: store.undeliverable()?,
        unconfirmed: store.open_confirmations()?,
        // An unreadable creation time counts as long ago.
        created: stored_time(&created).unwrap_or(DateTime::UNIX_EPOCH),
    })
}

/// Makes the digest at `now` from what was gathered.
pub fn make(
    setup: &Setup,
    config: &DigestConfig,
    gathered: &Gathered,
    now: DateTime<Utc>,
) -> Result<Digest, DeskError> {
    // A yearly check still open after its last reminder is a gap.
    let reminders = u32::try_from(setup.reminder_days.len()).unwrap_or(u32::MAX);
    let unconfirmed: Vec<String> = gathered
        .unconfirmed
        .iter()
        .filter(|(_, sent)| *sent >= reminders)
        .map(|(key, _)| key.clone())
        .collect();
    let input = DigestInput {
        registrations: &gathered.registrations,
        history: &gathered.history,
        pending: &gathered.pending,
        reviews: &gathered.reviews,
        organisations: &setup.reader.organisations,
        templates: &setup.templates,
        last_digest: gathered.last_digest(),
        created: gathered.created,
        sections: &config.sections,
        max_age_days: config.max_age_days,
        reminders: setup.reminder_days.len(),
        undeliverable: &gathered.undeliverable,
        unconfirmed: &unconfirmed,
    };
    Ok(digest::build(&input, now, config.time_zone)?)
}

/// One mail per recipient in `config.to`, with the digest's files.
pub fn mails(
    setup: &Setup,
    config: &DigestConfig,
    digest: &Digest,
) -> Result<Vec<Queued>, DeskError> {
    let files: Vec<File<'_>> = digest
        .attachments
        .iter()
        .map(|a| File {
            name: &a.name,
            content_type: a.content_type,
            bytes: &a.bytes,
        })
        .collect();
    config
        .to
        .iter()
        .map(|to| {
            let message_id = outgoing::new_message_id(&setup.message_id_domain);
            let bytes = outgoing::build_with(
                &Outgoing {
                    from: &setup.from,
                    to,
                    rendered: &digest.rendered,
                    message_id: &message_id,
                    thread: &Thread::default(),
                    marker: &setup.marker,
                    original: None,
                },
                Origin::Generated,
                &files,
            )?;
            Ok(Queued {
                kind: crate::store::digest::KIND.to_string(),
                recipient: to.clone(),
                message_id,
                bytes,
            })
        })
        .collect()
}

/// Makes a digest now, whatever the schedule, and queues it with its time;
/// returns the number of mails queued (0 when another process queued a
/// digest meanwhile).
pub fn queue_now(
    store: &mut Store,
    setup: &Setup,
    config: &DigestConfig,
    now: DateTime<Utc>,
) -> Result<usize, DeskError> {
    let gathered = gather(store)?;
    let digest = make(setup, config, &gathered, now)?;
    let mails = mails(setup, config, &digest)?;
    if store.queue_digest(&mails, gathered.last_sent.as_deref(), &now.to_rfc3339())? {
        Ok(mails.len())
    } else {
        Ok(0)
    }
}

impl<M: Mailbox, S: Sender, C: Clock> Desk<M, S, C> {
    /// Queues the digest when the schedule says it is due; returns the
    /// number of mails queued. Without `setup.digest` (or with it disabled)
    /// nothing happens.
    pub fn digest_if_due(&mut self) -> Result<usize, DeskError> {
        let Some(config) = self.setup.digest.as_ref().filter(|d| d.enabled) else {
            return Ok(0);
        };
        if !self.setup.send {
            return Ok(0);
        }
        let now = self.clock.now();
        let last = self.store.last_digest()?;
        let last_time = match last.as_deref().map(stored_time) {
            Some(None) => {
                warn!("the last digest's time cannot be read: a digest is made now");
                None
            }
            Some(t) => t,
            None => None,
        };
        let created = stored_time(&self.store.created_at()?).unwrap_or(DateTime::UNIX_EPOCH);
        if !schedule::due(&config.schedule, config.time_zone, last_time, created, now) {
            return Ok(0);
        }
        let queued = queue_now(&mut self.store, &self.setup, config, now)?;
        info!(recipients = queued, "digest queued");
        Ok(queued)
    }

    /// When the next digest is due, if one is scheduled.
    pub fn next_digest(&self) -> Option<DateTime<Utc>> {
        let config = self.setup.digest.as_ref().filter(|d| d.enabled)?;
        if !self.setup.send {
            return None;
        }
        schedule::next_after(&config.schedule, config.time_zone, self.clock.now())
    }
}
