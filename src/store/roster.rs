//! The roster's tables: submissions (pending, registered, held for review),
//! the current registration per organisation, its history, reviews and the
//! audit log. Writes happen inside `Store::commit`'s transaction through
//! `Effects`, so a message's roster change and its answers are one unit.

use super::{Store, StoreError};
use crate::form::Key;
use crate::roster::Fields;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

pub(super) const SCHEMA_2: &str = r#"
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages (id),
    reference TEXT NOT NULL,
    sender TEXT,
    organisation_id TEXT,
    organisation TEXT,
    fields TEXT NOT NULL,
    problems TEXT NOT NULL,
    state TEXT NOT NULL,
    review_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_contact_at TEXT NOT NULL,
    reminders INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX submissions_state ON submissions (state);
CREATE INDEX submissions_reference ON submissions (reference);
CREATE TABLE submission_messages (
    submission INTEGER NOT NULL REFERENCES submissions (id),
    message INTEGER NOT NULL REFERENCES messages (id),
    PRIMARY KEY (submission, message)
);
CREATE TABLE registrations (
    organisation_key TEXT PRIMARY KEY,
    organisation_id TEXT,
    organisation TEXT NOT NULL,
    fields TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    submission INTEGER NOT NULL REFERENCES submissions (id),
    source_message_id TEXT
);
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    organisation_key TEXT NOT NULL,
    organisation TEXT NOT NULL,
    at TEXT NOT NULL,
    submission INTEGER,
    source_message_id TEXT,
    kind TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX history_organisation ON history (organisation_key, at);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    submission INTEGER NOT NULL REFERENCES submissions (id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    note TEXT
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN submission INTEGER;
"#;

/// The review each review notice asks about: a review is resolved by mail
/// only in answer to its own notice. Notices queued before this column
/// existed belong to their submission's open review.
pub(super) const SCHEMA_3: &str = r#"
ALTER TABLE outbox ADD COLUMN review INTEGER REFERENCES reviews (id);
UPDATE outbox SET review = (
    SELECT id FROM reviews WHERE reviews.submission = outbox.submission AND reviews.state = 'open'
    ORDER BY id DESC LIMIT 1)
WHERE kind = 'review_notice' AND submission IS NOT NULL;
CREATE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX audit_action ON audit (action, at);
"#;

/// Registered addresses that a delivery failure showed to be dead; a new
/// registration naming the address clears its mark.
pub(super) const SCHEMA_4: &str = r#"
CREATE TABLE undeliverable (
    address TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    reason TEXT NOT NULL,
    message INTEGER REFERENCES messages (id)
);
"#;

/// The audit action of a refused attempt to use the strategist's privileges.
pub const IMPERSONATION: &str = "impersonation refused";

/// A submission as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: i64,
    pub message: i64,
    pub reference: String,
    pub sender: Option<String>,
    pub organisation_id: Option<String>,
    pub organisation: Option<String>,
    pub fields: Fields,
    pub problems: Problems,
    pub state: String,
    pub review_reason: Option<String>,
    pub created_at: String,
    pub last_contact_at: String,
    pub reminders: u32,
}

/// What a submission lacks: missing keys and unusable values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems {
    pub missing: Vec<Key>,
    /// (key, value as written, reason code)
    pub invalid: Vec<(Key, String, String)>,
}

/// A current registration.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub organisation_key: String,
    pub organisation_id: Option<String>,
    pub organisation: String,
    pub fields: Fields,
    pub registered_at: String,
    pub source_message_id: Option<String>,
    /// When the organisation last confirmed the registration as it stands
    /// (the yearly check's STÄMMER, or the same form again).
    pub confirmed_at: Option<String>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub organisation_key: String,
    pub organisation: String,
    pub at: String,
    pub kind: String,
    /// (key, before, after)
    pub changes: Vec<(Key, Option<String>, Option<String>)>,
    pub source_message_id: Option<String>,
}

/// A review item.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: i64,
    pub submission: i64,
    pub reason: String,
    pub state: String,
    pub created_at: String,
}

/// The submission a message creates or updates.
#[derive(Debug, Clone)]
pub enum SubmissionWrite {
    New {
        organisation_id: Option<String>,
        organisation: Option<String>,
        fields: Fields,
        problems: Problems,
        state: String,
        review_reason: Option<String>,
    },
    /// A follow-up merged into an existing submission.
    Update {
        id: i64,
        organisation_id: Option<String>,
        organisation: Option<String>,
        fields: Fields,
        problems: Problems,
        state: String,
        review_reason: Option<String>,
    },
}

/// A registration to write, with its history entry.
#[derive(Debug, Clone)]
pub struct RegistrationWrite {
    pub organisation_key: String,
    pub organisation_id: Option<String>,
    pub organisation: String,
    pub fields: Fields,
    pub kind: String,
    pub changes: Vec<(Key, Option<String>, Option<String>)>,
}

/// A review resolved by this message.
#[derive(Debug, Clone)]
pub struct ReviewResolution {
    pub id: i64,
    pub state: String,
    pub by: String,
    pub note: String,
}

/// Everything a message changes on the roster, written with it.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub submission: Option<SubmissionWrite>,
    pub registration: Option<RegistrationWrite>,
    /// Open a review for the submission, with this reason.
    pub open_review: Option<String>,
    pub resolve_review: Option<ReviewResolution>,
    /// Other pending submissions of the organisation that the new form replaces.
    pub supersede: Vec<i64>,
    /// (actor, action, detail) lines for the audit log.
    pub audit: Vec<(String, String, String)>,
    /// Registered addresses a delivery report showed to be dead:
    /// (address, the server's reason).
    pub undeliverable: Vec<(String, String)>,
    /// Addresses a new form names again (registered or the same as before):
    /// their marks are cleared.
    pub vouched: Vec<String>,
    /// Requests to the organisations this message causes (a delivery
    /// report's, the strategist's `SKICKA BLANKETT`), with their letters.
    pub requests: Vec<super::requests::RequestWrite>,
    /// Requests this message answers.
    pub close_requests: Vec<super::requests::RequestClose>,
    /// The organisation confirmed its registration as it stands.
    pub confirmed: Option<super::requests::Confirmation>,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// What `apply` wrote that the message's answers refer to.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Applied {
    pub submission: Option<i64>,
    /// The review it opened.
    pub review: Option<i64>,
}

/// Writes a message's effects; returns the submission and review it wrote.
pub(super) fn apply(
    tx: &Transaction<'_>,
    message: Option<i64>,
    reference: &str,
    sender: Option<&str>,
    source_message_id: Option<&str>,
    effects: &Effects,
    now: &str,
) -> Result<Applied, StoreError> {
    let submission = match &effects.submission {
        None => None,
        Some(SubmissionWrite::New {
            organisation_id,
            organisation,
            fields,
            problems,
            state,
            review_reason,
        }) => {
            tx.execute(
                "INSERT INTO submissions (message, reference, sender, organisation_id, organisation, fields,
                     problems, state, review_reason, created_at, updated_at, last_contact_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10)",
                params![
                    message,
                    reference,
                    sender,
                    organisation_id,
                    organisation,
                    json(fields),
                    json(problems),
                    state,
                    review_reason,
                    now
                ],
            )?;
            Some(tx.last_insert_rowid())
        }
        Some(SubmissionWrite::Update {
            id,
            organisation_id,
            organisation,
            fields,
            problems,
            state,
            review_reason,
        }) => {
            tx.execute(
                "UPDATE submissions SET organisation_id = ?2, organisation = ?3, fields = ?4, problems = ?5,
                     state = ?6, review_reason = ?7, updated_at = ?8, last_contact_at = ?8
                 WHERE id = ?1",
                params![id, organisation_id, organisation, json(fields), json(problems), state, review_reason, now],
            )?;
            Some(*id)
        }
    };
    if let (Some(id), Some(message)) = (submission, message) {
        tx.execute(
            "INSERT OR IGNORE INTO submission_messages (submission, message) VALUES (?1, ?2)",
            params![id, message],
        )?;
    }
    for old in &effects.supersede {
        if Some(*old) != submission {
            tx.execute(
                "UPDATE submissions SET state = 'superseded', updated_at = ?2 WHERE id = ?1 AND state = 'pending'",
                params![old, now],
            )?;
        }
    }
    if let (Some(reg), Some(sub)) = (&effects.registration, submission) {
        tx.execute(
            "INSERT INTO registrations (organisation_key, organisation_id, organisation, fields, registered_at,
                 submission, source_message_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (organisation_key) DO UPDATE SET organisation_id = ?2, organisation = ?3, fields = ?4,
                 registered_at = ?5, submission = ?6, source_message_id = ?7, confirmed_at = NULL",
            params![
                reg.organisation_key,
                reg.organisation_id,
                reg.organisation,
                json(&reg.fields),
                now,
                sub,
                source_message_id
            ],
        )?;
        tx.execute(
            "INSERT INTO history (organisation_key, organisation, at, submission, source_message_id, kind, changes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                reg.organisation_key,
                reg.organisation,
                now,
                sub,
                source_message_id,
                reg.kind,
                json(&reg.changes)
            ],
        )?;
        super::requests::answered_by_registration(tx, &reg.organisation_key, now)?;
    }
    let mut review = None;
    if let (Some(reason), Some(sub)) = (&effects.open_review, submission) {
        tx.execute(
            "INSERT INTO reviews (submission, reason, state, created_at) VALUES (?1, ?2, 'open', ?3)",
            params![sub, reason, now],
        )?;
        review = Some(tx.last_insert_rowid());
    }
    if let Some(r) = &effects.resolve_review {
        tx.execute(
            "UPDATE reviews SET state = ?2, resolved_at = ?3, resolved_by = ?4, note = ?5 WHERE id = ?1",
            params![r.id, r.state, now, r.by, r.note],
        )?;
    }
    for (address, reason) in &effects.undeliverable {
        // The first failure seen counts as "since".
        tx.execute(
            "INSERT OR IGNORE INTO undeliverable (address, since, reason, message) VALUES (?1, ?2, ?3, ?4)",
            params![address.to_lowercase(), now, reason, message],
        )?;
    }
    for address in &effects.vouched {
        tx.execute(
            "DELETE FROM undeliverable WHERE address = ?1",
            [address.to_lowercase()],
        )?;
    }
    super::requests::close(tx, &effects.close_requests, effects.confirmed.as_ref(), now)?;
    super::requests::insert(tx, message, &effects.requests, now)?;
    for (actor, action, detail) in &effects.audit {
        tx.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![now, actor, action, detail],
        )?;
    }
    Ok(Applied { submission, review })
}

fn submission_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Submission> {
    let fields: String = r.get(6)?;
    let problems: String = r.get(7)?;
    Ok(Submission {
        id: r.get(0)?,
        message: r.get(1)?,
        reference: r.get(2)?,
        sender: r.get(3)?,
        organisation_id: r.get(4)?,
        organisation: r.get(5)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        problems: serde_json::from_str(&problems).unwrap_or_default(),
        state: r.get(8)?,
        review_reason: r.get(9)?,
        created_at: r.get(10)?,
        last_contact_at: r.get(11)?,
        reminders: r.get(12)?,
    })
}

const SUBMISSION_COLUMNS: &str =
    "id, message, reference, sender, organisation_id, organisation, fields, problems, \
     state, review_reason, created_at, last_contact_at, reminders";

impl Store {
    /// The submission one of blankett's answers belongs to, by the answer's Message-ID.
    pub fn submission_by_answer(
        &self,
        message_ids: &[String],
    ) -> Result<Option<Submission>, StoreError> {
        for id in message_ids {
            let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
            let found: Option<i64> = self
                .conn
                .query_row(
                    "SELECT submission FROM outbox WHERE (message_id = ?1 OR message_id = ?2) AND submission IS NOT NULL",
                    params![bare, format!("<{bare}>")],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(sub) = found {
                return self.submission(sub);
            }
        }
        Ok(None)
    }

    /// The review whose notice one of these Message-IDs names, with its
    /// submission: only a notice's own Message-ID (128 random bits) finds
    /// it, never a receipt's or a reference code.
    pub fn review_by_notice(
        &self,
        message_ids: &[String],
    ) -> Result<Option<(Review, Submission)>, StoreError> {
        for id in message_ids {
            let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
            let review: Option<i64> = self
                .conn
                .query_row(
                    "SELECT review FROM outbox WHERE (message_id = ?1 OR message_id = ?2)
                         AND kind = 'review_notice' AND review IS NOT NULL",
                    params![bare, format!("<{bare}>")],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(review) = review else { continue };
            let Some(review) = self.review(review)? else {
                continue;
            };
            if let Some(sub) = self.submission(review.submission)? {
                return Ok(Some((review, sub)));
            }
        }
        Ok(None)
    }

    /// Refused attempts to act as the strategist since a time (RFC 3339),
    /// oldest first: (when, who, what).
    pub fn impersonations_since(
        &self,
        since: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, actor, detail FROM audit WHERE action = ?1 AND at > ?2 ORDER BY at, id",
        )?;
        let rows = stmt.query_map(params![IMPERSONATION, since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the strategist was last told of refused attempts (RFC 3339).
    pub fn impersonation_told_at(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'impersonation_told_at'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Queues the notice of refused attempts and records when it was
    /// queued, in one transaction, only if nobody else did since `seen`
    /// (the value `impersonation_told_at` had): a crash or a second
    /// process never sends it twice.
    pub fn queue_impersonation_notice(
        &mut self,
        answers: &[super::Queued],
        seen: Option<&str>,
        now: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let current: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'impersonation_told_at'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if current.as_deref() != seen {
            return Ok(false);
        }
        for a in answers {
            tx.execute(
                "INSERT INTO outbox (message, kind, recipient, message_id, bytes, next_attempt_at, created_at)
                 VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?5)",
                params![a.kind, a.recipient, a.message_id, a.bytes, now],
            )?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('impersonation_told_at', ?1)
             ON CONFLICT (key) DO UPDATE SET value = ?1",
            [now],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The submission with this reference code.
    pub fn submission_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<Submission>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE reference = ?1 ORDER BY id DESC LIMIT 1"),
                [reference],
                submission_row,
            )
            .optional()?)
    }

    /// The newest pending submission from this sender since `since`.
    pub fn pending_from(
        &self,
        sender: &str,
        since: &str,
    ) -> Result<Option<Submission>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {SUBMISSION_COLUMNS} FROM submissions
                     WHERE state = 'pending' AND sender = ?1 AND created_at >= ?2 ORDER BY id DESC LIMIT 1"
                ),
                params![sender, since],
                submission_row,
            )
            .optional()?)
    }

    /// Pending submissions of an organisation.
    pub fn pending_for(&self, organisation_id: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM submissions WHERE state = 'pending' AND organisation_id = ?1",
        )?;
        let ids = stmt.query_map([organisation_id], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// A submission by id.
    pub fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?1"),
                [id],
                submission_row,
            )
            .optional()?)
    }

    /// Submissions in a state, oldest first.
    pub fn submissions_in(&self, state: &str) -> Result<Vec<Submission>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE state = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([state], submission_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a reminder sent for a pending submission.
    pub fn note_reminder(&self, id: i64, now: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE submissions SET reminders = reminders + 1, last_contact_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// The current registration of an organisation.
    pub fn registration(&self, organisation_key: &str) -> Result<Option<Registration>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT organisation_key, organisation_id, organisation, fields, registered_at, source_message_id,
                     confirmed_at
                 FROM registrations WHERE organisation_key = ?1",
                [organisation_key],
                registration_row,
            )
            .optional()?)
    }

    /// Every current registration, by organisation name.
    pub fn registrations(&self) -> Result<Vec<Registration>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT organisation_key, organisation_id, organisation, fields, registered_at, source_message_id,
                 confirmed_at
             FROM registrations ORDER BY organisation COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], registration_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Undeliverable addresses, by lower-case address.
    pub fn undeliverable(&self) -> Result<crate::export::Marks, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT address, since, reason FROM undeliverable")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                crate::export::Undeliverable {
                    since: r.get(1)?,
                    reason: r.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The history, oldest first, of one organisation or of all.
    pub fn history(&self, organisation_key: Option<&str>) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT organisation_key, organisation, at, kind, changes, source_message_id FROM history
             WHERE ?1 IS NULL OR organisation_key = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([organisation_key], |r| {
            let changes: String = r.get(4)?;
            Ok(HistoryEntry {
                organisation_key: r.get(0)?,
                organisation: r.get(1)?,
                at: r.get(2)?,
                kind: r.get(3)?,
                changes: serde_json::from_str(&changes).unwrap_or_default(),
                source_message_id: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The open review of a submission, if any.
    pub fn open_review(&self, submission: i64) -> Result<Option<Review>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, submission, reason, state, created_at FROM reviews
                 WHERE submission = ?1 AND state = 'open' ORDER BY id DESC LIMIT 1",
                [submission],
                review_row,
            )
            .optional()?)
    }

    /// Reviews in a state (`open`, `accepted`, `rejected`), oldest first.
    pub fn reviews(&self, state: &str) -> Result<Vec<Review>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, submission, reason, state, created_at FROM reviews WHERE state = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([state], review_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A review by id.
    pub fn review(&self, id: i64) -> Result<Option<Review>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, submission, reason, state, created_at FROM reviews WHERE id = ?1",
                [id],
                review_row,
            )
            .optional()?)
    }

    /// The raw bytes of a handled message.
    pub fn raw_message(&self, message: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT raw FROM messages WHERE id = ?1", [message], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }
}

fn registration_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Registration> {
    let fields: String = r.get(3)?;
    Ok(Registration {
        organisation_key: r.get(0)?,
        organisation_id: r.get(1)?,
        organisation: r.get(2)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        registered_at: r.get(4)?,
        source_message_id: r.get(5)?,
        confirmed_at: r.get(6)?,
    })
}

fn review_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Review> {
    Ok(Review {
        id: r.get(0)?,
        submission: r.get(1)?,
        reason: r.get(2)?,
        state: r.get(3)?,
        created_at: r.get(4)?,
    })
}
