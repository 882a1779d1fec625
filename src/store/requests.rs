//! Requests in the database: what blankett asked an organisation for (a
//! form, a working address, a yearly confirmation), to whom, under which
//! reference code, and whether it was answered. A request and its letters
//! are written in one transaction (inside a message's commit, or on their
//! own for `request` and the yearly check), so a crash can neither send a
//! letter of an unrecorded request nor record one whose letters are lost.
//! Which request is due is decided in `upkeep` and `daemon::upkeep`.

use super::{Queued, Store, StoreError};
use crate::roster::Fields;
use crate::upkeep::Purpose;
use rusqlite::{params, OptionalExtension, Transaction};

/// Requests, their letters in the outbox, and the last confirmation of a
/// registration.
pub(super) const SCHEMA_5: &str = r#"
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    organisation_key TEXT NOT NULL,
    organisation TEXT NOT NULL,
    purpose TEXT NOT NULL,
    about TEXT,
    fields TEXT NOT NULL,
    recipients TEXT NOT NULL,
    reference TEXT NOT NULL,
    state TEXT NOT NULL,
    message INTEGER REFERENCES messages (id),
    created_at TEXT NOT NULL,
    last_contact_at TEXT NOT NULL,
    reminders INTEGER NOT NULL DEFAULT 0,
    closed_at TEXT
);
CREATE INDEX requests_open ON requests (state, organisation_key);
CREATE UNIQUE INDEX requests_one_open ON requests (organisation_key, purpose) WHERE state = 'open';
CREATE INDEX requests_reference ON requests (reference);
ALTER TABLE outbox ADD COLUMN request INTEGER REFERENCES requests (id);
ALTER TABLE registrations ADD COLUMN confirmed_at TEXT;
"#;

/// A request to write, with its letters (one per recipient).
#[derive(Debug, Clone)]
pub struct RequestWrite {
    pub organisation_key: String,
    pub organisation: String,
    pub purpose: Purpose,
    /// For `Address`: the address that no longer takes mail.
    pub about: Option<String>,
    /// The values the letter shows and a reply completes.
    pub fields: Fields,
    pub recipients: Vec<String>,
    pub reference: String,
    pub letters: Vec<Queued>,
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: i64,
    pub organisation_key: String,
    pub organisation: String,
    pub purpose: Purpose,
    pub about: Option<String>,
    pub fields: Fields,
    pub recipients: Vec<String>,
    pub reference: String,
    /// `open`, `answered` (a form or a follow-up came), `confirmed`
    /// (STÄMMER) or `closed`.
    pub state: String,
    pub created_at: String,
    pub reminders: u32,
}

/// How a message closes a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestClose {
    pub id: i64,
    pub state: &'static str,
}

/// An organisation confirmed its registration as it stands: by `STÄMMER`
/// (recorded in the history) or by sending the same form again (which only
/// moves the time of the last confirmation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub organisation_key: String,
    pub organisation: String,
    pub in_history: bool,
}

/// One registration as the yearly check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmStanding {
    pub organisation_key: String,
    pub organisation: String,
    pub registered_at: String,
    pub confirmed_at: Option<String>,
    /// A yearly check went out after the last registration or confirmation.
    pub asked: bool,
}

const COLUMNS: &str = "id, organisation_key, organisation, purpose, about, fields, recipients, \
                       reference, state, created_at, reminders";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Request> {
    let purpose: String = r.get(3)?;
    let fields: String = r.get(5)?;
    let recipients: String = r.get(6)?;
    Ok(Request {
        id: r.get(0)?,
        organisation_key: r.get(1)?,
        organisation: r.get(2)?,
        purpose: Purpose::parse(&purpose).unwrap_or(Purpose::Form),
        about: r.get(4)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        reference: r.get(7)?,
        state: r.get(8)?,
        created_at: r.get(9)?,
        reminders: r.get(10)?,
    })
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Writes requests and their letters; `message` is the handled message that
/// caused them (a delivery report, the strategist's command), if any.
pub(super) fn insert(
    tx: &Transaction<'_>,
    message: Option<i64>,
    requests: &[RequestWrite],
    now: &str,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    for r in requests {
        // One open request per organisation and purpose: a second one,
        // planned meanwhile by another process, is not written (nor sent).
        let written = tx.execute(
            "INSERT OR IGNORE INTO requests (organisation_key, organisation, purpose, about, fields, recipients,
                 reference, state, message, created_at, last_contact_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9, ?9)",
            params![
                r.organisation_key,
                r.organisation,
                r.purpose.as_str(),
                r.about,
                json(&r.fields),
                json(&r.recipients),
                r.reference,
                message,
                now
            ],
        )?;
        if written == 0 {
            continue;
        }
        let id = tx.last_insert_rowid();
        letters(tx, id, &r.letters, now)?;
        ids.push(id);
    }
    Ok(ids)
}

fn letters(
    tx: &Transaction<'_>,
    request: i64,
    letters: &[Queued],
    now: &str,
) -> Result<(), StoreError> {
    for letter in letters {
        tx.execute(
            "INSERT INTO outbox (message, request, kind, recipient, message_id, bytes, next_attempt_at, created_at)
             VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                request,
                letter.kind,
                letter.recipient,
                letter.message_id,
                letter.bytes,
                now
            ],
        )?;
    }
    Ok(())
}

/// Closes requests a message answered, and records a confirmation.
pub(super) fn close(
    tx: &Transaction<'_>,
    closes: &[RequestClose],
    confirmed: Option<&Confirmation>,
    now: &str,
) -> Result<(), StoreError> {
    for c in closes {
        tx.execute(
            "UPDATE requests SET state = ?2, closed_at = ?3 WHERE id = ?1 AND state = 'open'",
            params![c.id, c.state, now],
        )?;
    }
    if let Some(c) = confirmed {
        let key = &c.organisation_key;
        tx.execute(
            "UPDATE registrations SET confirmed_at = ?2 WHERE organisation_key = ?1",
            params![key, now],
        )?;
        if c.in_history {
            tx.execute(
                "INSERT INTO history (organisation_key, organisation, at, kind, changes)
                 VALUES (?1, ?2, ?3, 'confirmed', '[]')",
                params![key, c.organisation, now],
            )?;
        }
        // STÄMMER answers the yearly check. The same form sent again names
        // every address again: that answers whatever the organisation was
        // asked.
        let purposes = if c.in_history {
            "('confirm')"
        } else {
            "('confirm', 'address', 'form')"
        };
        tx.execute(
            &format!(
                "UPDATE requests SET closed_at = ?2,
                     state = CASE purpose WHEN 'confirm' THEN 'confirmed' ELSE 'answered' END
                 WHERE organisation_key = ?1 AND state = 'open' AND purpose IN {purposes}"
            ),
            params![key, now],
        )?;
    }
    Ok(())
}

/// A new registration answers every open request of its organisation.
pub(super) fn answered_by_registration(
    tx: &Transaction<'_>,
    organisation_key: &str,
    now: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE requests SET state = 'answered', closed_at = ?2 WHERE organisation_key = ?1 AND state = 'open'",
        params![organisation_key, now],
    )?;
    Ok(())
}

impl Store {
    /// Writes one request and its letters in a transaction of its own
    /// (`request`, the yearly check); returns its id, or `None` when the
    /// organisation has an open request of that purpose already.
    pub fn queue_request(
        &mut self,
        request: &RequestWrite,
        now: &str,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let ids = insert(&tx, None, std::slice::from_ref(request), now)?;
        tx.commit()?;
        Ok(ids.first().copied())
    }

    /// Queues a request's reminder letters and counts them, in one
    /// transaction; `false` (nothing written) when the request is no longer
    /// open or another process reminded it meanwhile.
    pub fn queue_request_reminder(
        &mut self,
        request: i64,
        sent_before: u32,
        letters: &[Queued],
        now: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let counted = tx.execute(
            "UPDATE requests SET reminders = reminders + 1, last_contact_at = ?3
             WHERE id = ?1 AND state = 'open' AND reminders = ?2",
            params![request, sent_before, now],
        )?;
        if counted == 0 {
            return Ok(false);
        }
        self::letters(&tx, request, letters, now)?;
        tx.commit()?;
        Ok(true)
    }

    /// The request one of blankett's letters belongs to, by the letter's Message-ID.
    pub fn request_by_answer(&self, message_ids: &[String]) -> Result<Option<Request>, StoreError> {
        for id in message_ids {
            let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
            let found: Option<i64> = self
                .conn
                .query_row(
                    "SELECT request FROM outbox WHERE (message_id = ?1 OR message_id = ?2) AND request IS NOT NULL",
                    params![bare, format!("<{bare}>")],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(request) = found {
                return self.request(request);
            }
        }
        Ok(None)
    }

    /// The newest request with this reference code.
    pub fn request_by_reference(&self, reference: &str) -> Result<Option<Request>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM requests WHERE reference = ?1 ORDER BY id DESC LIMIT 1"
                ),
                [reference],
                row,
            )
            .optional()?)
    }

    /// A request by id.
    pub fn request(&self, id: i64) -> Result<Option<Request>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM requests WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
    }

    /// Open requests, oldest first.
    pub fn open_requests(&self) -> Result<Vec<Request>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM requests WHERE state = 'open' ORDER BY id"
        ))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The open request of an organisation for a purpose, if any.
    pub fn open_request(
        &self,
        organisation_key: &str,
        purpose: Purpose,
    ) -> Result<Option<Request>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM requests WHERE state = 'open' AND organisation_key = ?1
                     AND purpose = ?2 ORDER BY id DESC LIMIT 1"
                ),
                params![organisation_key, purpose.as_str()],
                row,
            )
            .optional()?)
    }

    /// Every registration with its last confirmation and whether a yearly
    /// check went out since.
    pub fn confirm_standings(&self) -> Result<Vec<ConfirmStanding>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.organisation_key, r.organisation, r.registered_at, r.confirmed_at,
                 EXISTS (SELECT 1 FROM requests q WHERE q.organisation_key = r.organisation_key
                     AND q.purpose = 'confirm'
                     AND q.created_at >= MAX(r.registered_at, COALESCE(r.confirmed_at, '')))
             FROM registrations r ORDER BY r.organisation_key",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ConfirmStanding {
                organisation_key: r.get(0)?,
                organisation: r.get(1)?,
                registered_at: r.get(2)?,
                confirmed_at: r.get(3)?,
                asked: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Open yearly checks: the organisation key and the reminders sent.
    pub fn open_confirmations(&self) -> Result<Vec<(String, u32)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT organisation_key, reminders FROM requests
             WHERE purpose = 'confirm' AND state = 'open' ORDER BY organisation_key",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// To whom blankett sent the mail with this Message-ID, if it did.
    pub fn sent_to(&self, message_id: &str) -> Result<Option<String>, StoreError> {
        let bare = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        Ok(self
            .conn
            .query_row(
                "SELECT recipient FROM outbox WHERE message_id = ?1 OR message_id = ?2 LIMIT 1",
                params![bare, format!("<{bare}>")],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// How many yearly checks were queued since `since` (RFC 3339).
    pub fn confirm_requests_since(&self, since: &str) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM requests WHERE purpose = 'confirm' AND created_at >= ?1",
            [since],
            |r| r.get(0),
        )?)
    }
}
