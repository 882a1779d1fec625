//! Reminders in the database: a reminder's answer is queued in the outbox and
//! counted on its submission in one transaction, so a crash can neither send
//! a reminder that was not counted nor count one that was never queued. It
//! decides nothing about when a reminder is due; `daemon::remind` does.

use super::{Queued, Store, StoreError};
use rusqlite::params;

impl Store {
    /// Queues a reminder for a pending submission and counts it, in one
    /// transaction. `sent_before` is the number of reminders the caller saw:
    /// when the submission is no longer pending or another process reminded
    /// it meanwhile, nothing is written and `false` comes back.
    pub fn queue_reminder(
        &mut self,
        submission: i64,
        sent_before: u32,
        answer: &Queued,
        now: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        // The same update as `note_reminder`, guarded by what the caller saw.
        let counted = tx.execute(
            "UPDATE submissions SET reminders = reminders + 1, last_contact_at = ?3
             WHERE id = ?1 AND state = 'pending' AND reminders = ?2",
            params![submission, sent_before, now],
        )?;
        if counted == 0 {
            return Ok(false);
        }
        // No `message`: a reminder answers no handled message of its own. The
        // submission links replies to it (`submission_by_answer`).
        tx.execute(
            "INSERT INTO outbox (message, submission, kind, recipient, message_id, bytes, next_attempt_at, created_at)
             VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                submission,
                answer.kind,
                answer.recipient,
                answer.message_id,
                answer.bytes,
                now
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The reminders queued for a submission: (recipient, Message-ID), oldest first.
    pub fn reminders_for(&self, submission: i64) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT recipient, message_id FROM outbox
             WHERE submission = ?1 AND kind = 'reminder' ORDER BY id",
        )?;
        let rows = stmt.query_map([submission], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::roster::{Effects, Problems, SubmissionWrite};
    use crate::store::{Handled, Place, Queued, Store};

    const NOW: &str = "2026-11-30T08:00:00+00:00";

    fn pending(s: &mut Store) -> i64 {
        let handled = Handled {
            place: Place {
                folder: "INBOX".into(),
                uidvalidity: 1,
                uid: 1,
            },
            message_id: Some("<m1@x>".into()),
            sender: Some("a@falun.test".into()),
            status: "incomplete".into(),
            note: "incomplete form: asked for the rest".into(),
            destination: "processed".into(),
            reference: "BL-AAAAAA".into(),
            report_json: "{}".into(),
            raw: b"raw".to_vec(),
            counts_for_sender: true,
        };
        let effects = Effects {
            submission: Some(SubmissionWrite::New {
                organisation_id: Some("falu-kommun".into()),
                organisation: Some("Falun kommun".into()),
                fields: Default::default(),
                problems: Problems::default(),
                state: "pending".into(),
                review_reason: None,
            }),
            ..Effects::default()
        };
        let (_, sub) = s
            .commit(&handled, &[], &effects, "2026-11-30", NOW)
            .expect("commits");
        sub.expect("a submission")
    }

    fn reminder() -> Queued {
        Queued {
            kind: "reminder".into(),
            recipient: "a@falun.test".into(),
            message_id: "<r1@x>".into(),
            bytes: b"mail".to_vec(),
        }
    }

    #[test]
    fn a_reminder_is_queued_and_counted_together() {
        let mut s = Store::in_memory(NOW).expect("opens");
        let id = pending(&mut s);
        assert!(s.queue_reminder(id, 0, &reminder(), NOW).expect("queues"));
        assert_eq!(
            s.submission(id).expect("query").expect("exists").reminders,
            1
        );
        assert_eq!(s.due(NOW, 10).expect("due").len(), 1);
        assert_eq!(
            s.reminders_for(id).expect("query"),
            vec![("a@falun.test".to_string(), "<r1@x>".to_string())]
        );
        // A reply to the reminder finds its submission.
        let found = s
            .submission_by_answer(&["<r1@x>".to_string()])
            .expect("query");
        assert_eq!(found.map(|f| f.id), Some(id));
    }

    #[test]
    fn a_stale_count_writes_nothing() {
        let mut s = Store::in_memory(NOW).expect("opens");
        let id = pending(&mut s);
        assert!(s.queue_reminder(id, 0, &reminder(), NOW).expect("queues"));
        assert!(!s.queue_reminder(id, 0, &reminder(), NOW).expect("runs"));
        assert_eq!(
            s.submission(id).expect("query").expect("exists").reminders,
            1
        );
        assert_eq!(s.due(NOW, 10).expect("due").len(), 1);
    }
}
