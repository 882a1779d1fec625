//! Keeping the database healthy and its personal data in bounds: the
//! daemon's health marks (last good poll, last answer sent, last error, since
//! when it has been failing), consistent backups while the daemon runs,
//! dropping raw messages after the retention time, and what is held about
//! one person (`export-person`) or removing it (`forget`).

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::path::Path;

/// What `status` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    pub last_poll_ok: Option<String>,
    pub last_sent: Option<String>,
    pub last_error: Option<String>,
    /// Since when the mailbox has failed, if it does now.
    pub mailbox_failing_since: Option<String>,
    /// Since when sending has failed, if it does now.
    pub sending_failing_since: Option<String>,
    pub outage_notified: Option<String>,
}

impl Health {
    /// The start of the current outage: the earlier of the two failures.
    pub fn failing_since(&self) -> Option<&str> {
        match (&self.mailbox_failing_since, &self.sending_failing_since) {
            (Some(a), Some(b)) => Some(a.min(b).as_str()),
            (a, b) => a.as_deref().or(b.as_deref()),
        }
    }
}

/// Which part failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Mailbox,
    Sending,
}

impl Part {
    fn key(self) -> &'static str {
        match self {
            Part::Mailbox => "mailbox_failing_since",
            Part::Sending => "sending_failing_since",
        }
    }
}

/// Everything held about one address.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PersonData {
    pub address: String,
    /// Organisations whose current registration names the address.
    pub registrations: Vec<serde_json::Value>,
    /// History entries that mention it.
    pub history: Vec<serde_json::Value>,
    /// Submissions that mention it (any state).
    pub submissions: Vec<serde_json::Value>,
    /// Messages from it: (received, status).
    pub messages: Vec<(String, String)>,
    /// Answers to it: (created, kind, state).
    pub answers: Vec<(String, String, String)>,
}

impl Store {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, v],
            )?,
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// The daemon's health marks.
    pub fn health(&self) -> Result<Health, StoreError> {
        Ok(Health {
            last_poll_ok: self.meta("last_poll_ok")?,
            last_sent: self.meta("last_sent")?,
            last_error: self.meta("last_error")?,
            mailbox_failing_since: self.meta(Part::Mailbox.key())?,
            sending_failing_since: self.meta(Part::Sending.key())?,
            outage_notified: self.meta("outage_notified")?,
        })
    }

    /// A pass read the mailbox.
    pub fn note_poll_ok(&self, now: &str) -> Result<(), StoreError> {
        self.set_meta("last_poll_ok", Some(now))?;
        self.recovered(Part::Mailbox)
    }

    /// An answer went out.
    pub fn note_sent(&self, now: &str) -> Result<(), StoreError> {
        self.set_meta("last_sent", Some(now))?;
        self.recovered(Part::Sending)
    }

    fn recovered(&self, part: Part) -> Result<(), StoreError> {
        self.set_meta(part.key(), None)?;
        let other = match part {
            Part::Mailbox => Part::Sending,
            Part::Sending => Part::Mailbox,
        };
        if self.meta(other.key())?.is_none() {
            // The outage is over: the next one is reported again.
            self.set_meta("outage_notified", None)?;
        }
        Ok(())
    }

    /// A part failed; the first failure's time is kept.
    pub fn note_failure(&self, part: Part, error: &str, now: &str) -> Result<(), StoreError> {
        self.set_meta("last_error", Some(&format!("{now} {error}")))?;
        if self.meta(part.key())?.is_none() {
            self.set_meta(part.key(), Some(now))?;
        }
        Ok(())
    }

    /// The strategist was told of the current outage.
    pub fn note_outage_notified(&self, now: &str) -> Result<(), StoreError> {
        self.set_meta("outage_notified", Some(now))
    }

    /// A consistent copy of the database, safe while the daemon runs.
    pub fn backup(&self, to: &Path) -> Result<(), StoreError> {
        self.conn
            .execute("VACUUM INTO ?1", [to.to_string_lossy()])?;
        Ok(())
    }

    /// Drops the raw bytes of messages handled before `before` (RFC 3339);
    /// the mailbox remains the record of what arrived. Returns how many.
    pub fn purge_raw(&self, before: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE messages SET raw = NULL WHERE raw IS NOT NULL AND handled_at < ?1",
            [before],
        )?)
    }

    /// Everything held about an address.
    pub fn person(&self, address: &str) -> Result<PersonData, StoreError> {
        let needle = address.to_lowercase();
        let like = format!("%{needle}%");
        let json_rows = |sql: &str| -> Result<Vec<serde_json::Value>, StoreError> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([&like], |r| r.get::<_, String>(0))?;
            Ok(rows
                .filter_map(Result::ok)
                .filter_map(|t| serde_json::from_str(&t).ok())
                .collect())
        };
        let registrations = json_rows(
            "SELECT json_object('organisation', organisation, 'fields', json(fields), 'registered_at', registered_at)
             FROM registrations WHERE lower(fields) LIKE ?1",
        )?;
        let history = json_rows(
            "SELECT json_object('organisation', organisation, 'at', at, 'kind', kind, 'changes', json(changes))
             FROM history WHERE lower(changes) LIKE ?1",
        )?;
        let submissions = json_rows(
            "SELECT json_object('reference', reference, 'state', state, 'sender', sender, 'fields', json(fields),
                                'created_at', created_at)
             FROM submissions WHERE lower(fields) LIKE ?1 OR lower(sender) LIKE ?1",
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT handled_at, status FROM messages WHERE lower(sender) = ?1 ORDER BY id",
        )?;
        let messages = stmt
            .query_map([&needle], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT created_at, kind, state FROM outbox WHERE lower(recipient) = ?1 ORDER BY id",
        )?;
        let answers = stmt
            .query_map([&needle], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(PersonData {
            address: needle,
            registrations,
            history,
            submissions,
            messages,
            answers,
        })
    }

    /// Removes an address and the name beside it from the roster's history,
    /// pending items, messages and sent answers, leaving an audit entry
    /// without the personal data. A current registration that names the
    /// person keeps its seat with the person's values blanked, so the gap
    /// shows. Returns how many rows were changed.
    pub fn forget(&mut self, address: &str, now: &str) -> Result<usize, StoreError> {
        let needle = address.to_lowercase();
        let like = format!("%{needle}%");
        let tx = self.conn.transaction()?;
        let mut changed = 0;
        // Values mentioning the address, and the name registered with it.
        let mut names: Vec<String> = Vec::new();
        {
            let mut stmt =
                tx.prepare("SELECT fields FROM submissions WHERE lower(fields) LIKE ?1")?;
            let rows = stmt.query_map([&like], |r| r.get::<_, String>(0))?;
            for fields in rows.filter_map(Result::ok) {
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&fields).unwrap_or_default();
                for (email, name) in [
                    ("representative_email", "representative_name"),
                    ("substitute_email", "substitute_name"),
                ] {
                    if map
                        .get(email)
                        .and_then(|v| v.as_str())
                        .is_some_and(|v| v.eq_ignore_ascii_case(&needle))
                    {
                        if let Some(n) = map.get(name).and_then(|v| v.as_str()) {
                            names.push(n.to_string());
                        }
                    }
                }
            }
        }
        let mut scrub = |table: &str, column: &str| -> Result<(), StoreError> {
            let mut stmt = tx.prepare(&format!(
                "SELECT rowid, {column} FROM {table} WHERE lower({column}) LIKE ?1"
            ))?;
            let rows: Vec<(i64, String)> = stmt
                .query_map([&like], |r| Ok((r.get(0)?, r.get(1)?)))?
                .filter_map(Result::ok)
                .collect();
            drop(stmt);
            for (rowid, text) in rows {
                let mut cleaned = replace_ci(&text, &needle, "(borttagen)");
                for name in &names {
                    cleaned = cleaned.replace(name.as_str(), "(borttagen)");
                }
                tx.execute(
                    &format!("UPDATE {table} SET {column} = ?1 WHERE rowid = ?2"),
                    params![cleaned, rowid],
                )?;
                changed += 1;
            }
            Ok(())
        };
        scrub("registrations", "fields")?;
        scrub("history", "changes")?;
        scrub("submissions", "fields")?;
        scrub("audit", "detail")?;
        changed += tx.execute(
            "UPDATE submissions SET sender = NULL WHERE lower(sender) = ?1",
            [&needle],
        )?;
        changed += tx.execute(
            "UPDATE messages SET sender = NULL, raw = NULL, report = '{}' WHERE lower(sender) = ?1",
            [&needle],
        )?;
        changed += tx.execute(
            "UPDATE outbox SET recipient = '(borttagen)', bytes = x'' WHERE lower(recipient) = ?1 AND state != 'queued'",
            [&needle],
        )?;
        changed += tx.execute(
            "DELETE FROM answer_counts WHERE lower(recipient) = ?1",
            [&needle],
        )?;
        changed += tx.execute(
            "UPDATE audit SET actor = '(borttagen)' WHERE lower(actor) = ?1",
            [&needle],
        )?;
        changed += tx.execute("DELETE FROM undeliverable WHERE address = ?1", [&needle])?;
        tx.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, 'cli', 'forget', ?2)",
            params![now, format!("a person's data was removed ({changed} rows)")],
        )?;
        tx.commit()?;
        Ok(changed)
    }
}

/// Replaces every case-insensitive occurrence of `needle` (lower case).
fn replace_ci(text: &str, needle: &str, with: &str) -> String {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lower-casing changed byte lengths (rare letters): fall back to exact.
        return text.replace(needle, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (i, _) in lower.match_indices(needle) {
        out.push_str(&text[rest..i]);
        out.push_str(with);
        rest = i + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_marks_an_outage_and_its_end() {
        let s = Store::in_memory("2026-11-30T08:00:00Z").expect("opens");
        s.note_failure(Part::Sending, "smtp down", "2026-11-30T08:01:00Z")
            .expect("note");
        // The mailbox works, sending does not: still an outage.
        s.note_poll_ok("2026-11-30T08:02:00Z").expect("ok");
        s.note_failure(Part::Sending, "smtp down", "2026-11-30T08:02:00Z")
            .expect("note");
        let h = s.health().expect("health");
        assert_eq!(h.failing_since(), Some("2026-11-30T08:01:00Z"));
        assert!(h.last_error.is_some_and(|e| e.contains("smtp down")));
        s.note_sent("2026-11-30T08:03:00Z").expect("sent");
        let h = s.health().expect("health");
        assert_eq!(h.failing_since(), None);
        assert_eq!(h.last_poll_ok.as_deref(), Some("2026-11-30T08:02:00Z"));
    }

    #[test]
    fn case_insensitive_replace() {
        assert_eq!(replace_ci("Anna@Falun.se, x", "anna@falun.se", "-"), "-, x");
    }
}
