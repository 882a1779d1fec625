//! The SQLite database: which messages were handled, the outbox of answers,
//! per-folder progress and the day's answer counts. Each message's decision
//! and its answers are stored in one transaction, which is what makes
//! handling exactly-once across crashes. Knows nothing of IMAP or SMTP.

pub mod care;
pub mod digest;
pub mod reminders;
pub mod requests;
pub mod roster;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use rusqlite_migration::{Migrations, M};
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// A database problem, with what to do about it.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "cannot open the database {path}: {source}; check that the folder exists and is writable"
    )]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot update the database schema: {0}; restore a backup or remove the file to start afresh")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

const SCHEMA_1: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE folders (
    name TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT,
    sender TEXT,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    destination TEXT NOT NULL,
    moved INTEGER NOT NULL DEFAULT 0,
    reference TEXT NOT NULL,
    report TEXT NOT NULL,
    raw BLOB,
    handled_at TEXT NOT NULL,
    UNIQUE (folder, uidvalidity, uid)
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE TABLE failures (
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    PRIMARY KEY (folder, uidvalidity, uid)
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message INTEGER REFERENCES messages (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL,
    bytes BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE answer_counts (
    recipient TEXT NOT NULL,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (recipient, day)
);
"#;

/// One form of a handled message: its reference code, its effects on the
/// roster and its own answers.
#[derive(Debug, Clone, Copy)]
pub struct FormWrite<'a> {
    pub reference: &'a str,
    pub effects: &'a roster::Effects,
    pub answers: &'a [Queued],
}

/// Queues answers, each tied to the submission (and a review notice to the
/// review) it speaks of.
fn insert_answers(
    tx: &rusqlite::Transaction<'_>,
    message: Option<i64>,
    applied: roster::Applied,
    answers: &[Queued],
    now: &str,
) -> Result<(), StoreError> {
    for a in answers {
        let review = applied.review.filter(|_| a.kind == "review_notice");
        tx.execute(
            "INSERT INTO outbox (message, submission, review, kind, recipient, message_id, bytes, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![message, applied.submission, review, a.kind, a.recipient, a.message_id, a.bytes, now],
        )?;
    }
    Ok(())
}

/// The database.
pub struct Store {
    conn: Connection,
}

/// Where a message was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
}

/// A handled message, as stored.
#[derive(Debug, Clone)]
pub struct Handled {
    pub place: Place,
    pub message_id: Option<String>,
    pub sender: Option<String>,
    pub status: String,
    pub note: String,
    pub destination: String,
    pub reference: String,
    pub report_json: String,
    pub raw: Vec<u8>,
    /// Counts against the sender's daily answer limit (answered, or would
    /// have been but for the limit).
    pub counts_for_sender: bool,
}

/// One answer ready to send.
#[derive(Debug, Clone)]
pub struct Queued {
    pub kind: String,
    pub recipient: String,
    pub message_id: String,
    pub bytes: Vec<u8>,
}

/// An answer waiting in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub id: i64,
    pub recipient: String,
    pub bytes: Vec<u8>,
    pub attempts: u32,
}

/// A handled message whose move in the mailbox is still to do.
#[derive(Debug, Clone)]
pub struct PendingMove {
    pub id: i64,
    pub place: Place,
    pub message_id: Option<String>,
    pub destination: String,
}

/// One handled message with its answers, for summaries.
#[derive(Debug, Clone)]
pub struct Summary {
    pub uid: u32,
    pub status: String,
    pub note: String,
    pub destination: String,
    pub reference: String,
    /// Kind and recipient of each answer.
    pub answers: Vec<(String, String)>,
}

/// Counts for `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub handled: u64,
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
}

impl Store {
    /// Opens (and creates or upgrades) the database at `path`; `now` is
    /// recorded as its creation time when it is new.
    pub fn open(path: &Path, now: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Self::setup(conn, now)
    }

    /// An in-memory database, for tests and `parse`-like dry runs.
    pub fn in_memory(now: &str) -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?, now)
    }

    fn setup(mut conn: Connection, now: &str) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(10))?;
        let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Migrations::new(vec![
            M::up(SCHEMA_1),
            M::up(roster::SCHEMA_2),
            M::up(roster::SCHEMA_3),
            M::up(roster::SCHEMA_4),
            M::up(requests::SCHEMA_5),
        ])
        .to_latest(&mut conn)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?1)",
            [now],
        )?;
        Ok(Store { conn })
    }

    /// When the database was created (RFC 3339).
    pub fn created_at(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'created_at'", [], |r| {
                r.get(0)
            })?)
    }

    /// A value kept in `meta`, created with `make` the first time.
    pub fn meta_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        match found {
            Some(v) => Ok(v),
            None => {
                let v = make();
                self.conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, v],
                )?;
                Ok(v)
            }
        }
    }

    /// The folder's UIDVALIDITY and last handled UID, if it was seen before.
    pub fn folder(&self, name: &str) -> Result<Option<(u32, u32)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT uidvalidity, last_uid FROM folders WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Records the folder's progress.
    pub fn set_folder(
        &self,
        name: &str,
        uidvalidity: u32,
        last_uid: u32,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO folders (name, uidvalidity, last_uid) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET uidvalidity = ?2, last_uid = ?3",
            params![name, uidvalidity, last_uid],
        )?;
        Ok(())
    }

    /// Whether this message was handled already.
    pub fn is_handled(&self, place: &Place) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM messages WHERE folder = ?1 AND uidvalidity = ?2 AND uid = ?3",
                params![place.folder, place.uidvalidity, place.uid],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Whether a message with this Message-ID was handled already (in any place).
    pub fn knows_message_id(&self, message_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM messages WHERE message_id = ?1 LIMIT 1",
                [message_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// How often handling this message failed before.
    pub fn failures(&self, place: &Place) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT attempts FROM failures WHERE folder = ?1 AND uidvalidity = ?2 AND uid = ?3",
                params![place.folder, place.uidvalidity, place.uid],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Counts one more attempt at a message before it is tried, so that a
    /// crash inside the attempt still counts.
    pub fn count_attempt(&self, place: &Place, note: &str) -> Result<u32, StoreError> {
        self.conn.execute(
            "INSERT INTO failures (folder, uidvalidity, uid, attempts, last_error) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT DO UPDATE SET attempts = attempts + 1, last_error = ?4",
            params![place.folder, place.uidvalidity, place.uid, note],
        )?;
        self.failures(place)
    }

    /// Automatic answers queued today for a recipient.
    pub fn answers_today(&self, recipient: &str, day: &str) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT count FROM answer_counts WHERE recipient = ?1 AND day = ?2",
                params![recipient, day],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Stores a handled message, its answers, its effects on the roster and
    /// the folder's progress in one transaction. `day` is today's date for
    /// the answer counts. Returns the message's row id and the submission's.
    pub fn commit(
        &mut self,
        handled: &Handled,
        answers: &[Queued],
        effects: &roster::Effects,
        day: &str,
        now: &str,
    ) -> Result<(i64, Option<i64>), StoreError> {
        let form = FormWrite {
            reference: &handled.reference,
            effects,
            answers,
        };
        let (id, submissions) = self.commit_forms(handled, &[form], &[], day, now)?;
        Ok((id, submissions.first().copied().flatten()))
    }

    /// Like `commit`, for a message holding several forms: each form's
    /// effects under its own reference code with its own answers, and
    /// `shared` answers (one answer to the sender covering them all),
    /// linked to the one form still waiting for the sender, if exactly one
    /// is. Returns the message's row id and each form's submission.
    pub fn commit_forms(
        &mut self,
        handled: &Handled,
        forms: &[FormWrite<'_>],
        shared: &[Queued],
        day: &str,
        now: &str,
    ) -> Result<(i64, Vec<Option<i64>>), StoreError> {
        let tx = self.conn.transaction()?;
        let id = insert_message(&tx, handled, now)?;
        if let Some(sender) = &handled.sender {
            // Answers past the limit count too, so the limit's notice to the
            // strategist goes out once.
            if handled.counts_for_sender {
                tx.execute(
                    "INSERT INTO answer_counts (recipient, day, count) VALUES (?1, ?2, 1)
                     ON CONFLICT DO UPDATE SET count = count + 1",
                    params![sender, day],
                )?;
            }
        }
        let p = &handled.place;
        tx.execute(
            "INSERT INTO folders (name, uidvalidity, last_uid) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET uidvalidity = ?2, last_uid = MAX(last_uid, ?3)",
            params![p.folder, p.uidvalidity, p.uid],
        )?;
        tx.execute(
            "DELETE FROM failures WHERE folder = ?1 AND uidvalidity = ?2 AND uid = ?3",
            params![p.folder, p.uidvalidity, p.uid],
        )?;
        let mut submissions = Vec::new();
        let mut waiting = Vec::new();
        for form in forms {
            let applied = roster::apply(
                &tx,
                Some(id),
                form.reference,
                handled.sender.as_deref(),
                handled.message_id.as_deref(),
                form.effects,
                now,
            )?;
            insert_answers(&tx, Some(id), applied, form.answers, now)?;
            submissions.push(applied.submission);
            if let Some(roster::SubmissionWrite::New { state, .. }) = &form.effects.submission {
                if state == "pending" {
                    waiting.push(applied.submission);
                }
            }
        }
        let link = match waiting.as_slice() {
            [one] => *one,
            _ => None,
        };
        let shared_applied = roster::Applied {
            submission: link,
            review: None,
        };
        insert_answers(&tx, Some(id), shared_applied, shared, now)?;
        tx.commit()?;
        Ok((id, submissions))
    }

    /// Stores a person's action (a review resolved from the command line):
    /// its effects on the roster and its answers, in one transaction.
    pub fn commit_action(
        &mut self,
        answers: &[Queued],
        effects: &roster::Effects,
        now: &str,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let applied = roster::apply(&tx, None, "", None, None, effects, now)?;
        insert_answers(&tx, None, applied, answers, now)?;
        tx.commit()?;
        Ok(applied.submission)
    }

    /// Handled messages that still have to be moved.
    pub fn pending_moves(&self) -> Result<Vec<PendingMove>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, folder, uidvalidity, uid, message_id, destination FROM messages
             WHERE moved = 0 AND destination != 'stay' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PendingMove {
                id: r.get(0)?,
                place: Place {
                    folder: r.get(1)?,
                    uidvalidity: r.get(2)?,
                    uid: r.get(3)?,
                },
                message_id: r.get(4)?,
                destination: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that a message was moved (or need not be).
    pub fn mark_moved(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE messages SET moved = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Answers due for sending at `now`, oldest first.
    pub fn due(&self, now: &str, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, recipient, bytes, attempts FROM outbox
             WHERE state = 'queued' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now, limit as i64], |r| {
            Ok(OutboxItem {
                id: r.get(0)?,
                recipient: r.get(1)?,
                bytes: r.get(2)?,
                attempts: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a sent answer.
    pub fn mark_sent(&self, id: i64, now: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// Records a failed attempt; `next` is when to try again, or `None` to give up.
    pub fn mark_retry(&self, id: i64, error: &str, next: Option<&str>) -> Result<(), StoreError> {
        match next {
            Some(at) => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
                params![id, error, at],
            )?,
            None => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, state = 'failed' WHERE id = ?1",
                params![id, error],
            )?,
        };
        Ok(())
    }

    /// The next time an answer is due, if any is queued.
    pub fn next_due(&self) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Every handled message, oldest first, with its answers.
    pub fn summaries(&self) -> Result<Vec<Summary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, uid, status, note, destination, reference FROM messages ORDER BY id",
        )?;
        let rows: Vec<(i64, Summary)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    Summary {
                        uid: r.get(1)?,
                        status: r.get(2)?,
                        note: r.get(3)?,
                        destination: r.get(4)?,
                        reference: r.get(5)?,
                        answers: Vec::new(),
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut answers = self
            .conn
            .prepare("SELECT kind, recipient FROM outbox WHERE message = ?1 ORDER BY id")?;
        let mut out = Vec::new();
        for (id, mut summary) in rows {
            summary.answers = answers
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            out.push(summary);
        }
        Ok(out)
    }

    /// How much was handled and sent.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(Counts {
            handled: count("SELECT COUNT(*) FROM messages")?,
            queued: count("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")?,
            sent: count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")?,
            failed: count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")?,
        })
    }
}

fn insert_message(tx: &Transaction<'_>, h: &Handled, now: &str) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO messages (folder, uidvalidity, uid, message_id, sender, status, note, destination,
                               moved, reference, report, raw, handled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            h.place.folder,
            h.place.uidvalidity,
            h.place.uid,
            h.message_id,
            h.sender,
            h.status,
            h.note,
            h.destination,
            i64::from(h.destination == "stay"),
            h.reference,
            h.report_json,
            h.raw,
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handled(uid: u32) -> Handled {
        Handled {
            place: Place {
                folder: "INBOX".into(),
                uidvalidity: 7,
                uid,
            },
            message_id: Some(format!("<m{uid}@x>")),
            sender: Some("a@falun.se".into()),
            status: "complete".into(),
            note: "complete form: confirmed".into(),
            destination: "processed".into(),
            reference: "BL-AAAAAA".into(),
            report_json: "{}".into(),
            raw: b"raw".to_vec(),
            counts_for_sender: true,
        }
    }

    fn answer() -> Queued {
        Queued {
            kind: "confirmation".into(),
            recipient: "a@falun.se".into(),
            message_id: "<out@x>".into(),
            bytes: b"mail".to_vec(),
        }
    }

    #[test]
    fn a_decision_is_stored_whole() {
        let mut s = Store::in_memory("2026-11-30T08:00:00Z").expect("opens");
        let (id, _) = s
            .commit(
                &handled(5),
                &[answer()],
                &Default::default(),
                "2026-11-30",
                "2026-11-30T08:00:00Z",
            )
            .expect("commits");
        assert!(s.is_handled(&handled(5).place).expect("query"));
        assert!(s.knows_message_id("<m5@x>").expect("query"));
        assert_eq!(s.folder("INBOX").expect("query"), Some((7, 5)));
        assert_eq!(
            s.answers_today("a@falun.se", "2026-11-30").expect("query"),
            1
        );
        assert_eq!(s.pending_moves().expect("query")[0].id, id);
        let due = s.due("2026-11-30T08:00:00Z", 10).expect("query");
        assert_eq!(due.len(), 1);
        s.mark_sent(due[0].id, "2026-11-30T08:00:01Z")
            .expect("update");
        assert!(s.due("2026-11-30T09:00:00Z", 10).expect("query").is_empty());
        // The same place twice is refused: a message is handled once.
        assert!(s
            .commit(
                &handled(5),
                &[],
                &Default::default(),
                "2026-11-30",
                "2026-11-30T08:00:00Z"
            )
            .is_err());
        assert_eq!(s.counts().expect("counts").sent, 1);
    }

    #[test]
    fn attempts_are_counted_before_and_cleared_after() {
        let mut s = Store::in_memory("2026-11-30T08:00:00Z").expect("opens");
        let p = handled(9).place;
        assert_eq!(s.count_attempt(&p, "started").expect("count"), 1);
        assert_eq!(s.count_attempt(&p, "started").expect("count"), 2);
        s.commit(
            &handled(9),
            &[],
            &Default::default(),
            "2026-11-30",
            "2026-11-30T08:00:00Z",
        )
        .expect("commits");
        assert_eq!(s.failures(&p).expect("query"), 0);
    }

    #[test]
    fn retries_and_giving_up() {
        let mut s = Store::in_memory("2026-11-30T08:00:00Z").expect("opens");
        s.commit(
            &handled(1),
            &[answer()],
            &Default::default(),
            "2026-11-30",
            "2026-11-30T08:00:00Z",
        )
        .expect("commits");
        let id = s.due("2026-11-30T08:00:00Z", 10).expect("due")[0].id;
        s.mark_retry(id, "connection refused", Some("2026-11-30T08:05:00Z"))
            .expect("retry");
        assert!(s.due("2026-11-30T08:01:00Z", 10).expect("due").is_empty());
        assert_eq!(
            s.due("2026-11-30T08:05:00Z", 10).expect("due")[0].attempts,
            1
        );
        s.mark_retry(id, "rejected", None).expect("give up");
        assert_eq!(s.counts().expect("counts").failed, 1);
    }
}
