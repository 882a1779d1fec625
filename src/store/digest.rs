//! The digest in the database: when the last one was made (`meta` key
//! `digest_last_sent`), and queueing a digest's mails together with that time
//! in one transaction, so that a crash neither loses a digest nor sends it
//! twice. It decides nothing about when a digest is due; `digest::schedule`
//! does.

use super::{Queued, Store, StoreError};
use rusqlite::{params, OptionalExtension};

/// The `meta` key of the last digest's time (RFC 3339).
pub const LAST_SENT: &str = "digest_last_sent";

/// The outbox kind of a digest.
pub const KIND: &str = "digest";

impl Store {
    /// When the last digest was made, if ever (RFC 3339).
    pub fn last_digest(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [LAST_SENT], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Queues a digest's mails (one per recipient) and records `now` as the
    /// last digest, in one transaction. `seen` is the last digest's time the
    /// caller saw: when another process made one meanwhile, nothing is
    /// written and `false` comes back.
    pub fn queue_digest(
        &mut self,
        mails: &[Queued],
        seen: Option<&str>,
        now: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let current: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [LAST_SENT], |r| {
                r.get(0)
            })
            .optional()?;
        if current.as_deref() != seen {
            return Ok(false);
        }
        for mail in mails {
            tx.execute(
                "INSERT INTO outbox (message, submission, kind, recipient, message_id, bytes, next_attempt_at, created_at)
                 VALUES (NULL, NULL, ?1, ?2, ?3, ?4, ?5, ?5)",
                params![mail.kind, mail.recipient, mail.message_id, mail.bytes, now],
            )?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![LAST_SENT, now],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The digests queued so far: (recipient, when queued, state), oldest first.
    pub fn digests(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT recipient, created_at, state FROM outbox WHERE kind = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([KIND], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-03-30T06:00:00+00:00";

    fn digest(to: &str) -> Queued {
        Queued {
            kind: KIND.into(),
            recipient: to.into(),
            message_id: format!("<digest-{to}>"),
            bytes: b"mail".to_vec(),
        }
    }

    #[test]
    fn a_digest_is_queued_and_recorded_together() {
        let mut s = Store::in_memory("2026-03-01T00:00:00Z").expect("opens");
        assert_eq!(s.last_digest().expect("query"), None);
        let mails = [digest("a@lst.test"), digest("b@lst.test")];
        assert!(s.queue_digest(&mails, None, NOW).expect("queues"));
        assert_eq!(s.last_digest().expect("query").as_deref(), Some(NOW));
        assert_eq!(s.due(NOW, 10).expect("due").len(), 2);
        let listed = s.digests().expect("query");
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].0, "a@lst.test");
        assert_eq!(listed[0].1, NOW);
    }

    #[test]
    fn a_stale_time_writes_nothing() {
        let mut s = Store::in_memory("2026-03-01T00:00:00Z").expect("opens");
        assert!(s
            .queue_digest(&[digest("a@lst.test")], None, NOW)
            .expect("queues"));
        // A second process that saw no digest yet: refused, nothing doubled.
        let later = "2026-03-30T06:00:05+00:00";
        assert!(!s
            .queue_digest(&[digest("a@lst.test")], None, later)
            .expect("runs"));
        assert_eq!(s.last_digest().expect("query").as_deref(), Some(NOW));
        assert_eq!(s.digests().expect("query").len(), 1);
        assert!(s
            .queue_digest(&[digest("a@lst.test")], Some(NOW), later)
            .expect("queues"));
        assert_eq!(s.digests().expect("query").len(), 2);
    }
}
