//! The roster digest the strategist gets by mail on a schedule: what changed
//! since the last one, the current roster, its gaps, what waits for a person,
//! a mailing list, and the roster as .xlsx and .csv. Pure: stored rows, the
//! organisation list, the templates and a time in; a subject, a text part, an
//! HTML part and attachments out. It reads no database and sends nothing
//! (`daemon::digest` does); when a digest is due is `schedule`'s business,
//! and the Swedish view of the rows is `view`'s.

mod changes;
pub mod schedule;
mod view;

use crate::compose::{Rendered, TemplateError, Templates};
use crate::export::{self, ExportError};
use crate::organisations::Organisations;
use crate::store::roster::{HistoryEntry, Registration, Review, Submission};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use thiserror::Error;

/// The parts of the digest, as named in `[digest] sections`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// One line: organisations represented, changes, pending, reviews.
    Summary,
    /// Who replaced whom since the last digest.
    Changes,
    /// The current roster as a table.
    Roster,
    /// Organisations without a registration or a substitute, or with an old one.
    Gaps,
    /// Incomplete forms waiting for their senders, and open reviews.
    Pending,
    /// Every representative's and substitute's address, `;`-separated.
    MailingList,
    /// The roster as .xlsx and .csv files.
    Attachments,
}

impl Section {
    /// Every section, in the digest's order: the default.
    pub const ALL: [Section; 7] = [
        Section::Summary,
        Section::Changes,
        Section::Roster,
        Section::Gaps,
        Section::Pending,
        Section::MailingList,
        Section::Attachments,
    ];

    /// The name used in the configuration and the templates.
    pub fn name(self) -> &'static str {
        match self {
            Section::Summary => "summary",
            Section::Changes => "changes",
            Section::Roster => "roster",
            Section::Gaps => "gaps",
            Section::Pending => "pending",
            Section::MailingList => "mailing_list",
            Section::Attachments => "attachments",
        }
    }
}

/// Everything a digest is made of.
pub struct DigestInput<'a> {
    /// The current registrations, by organisation name.
    pub registrations: &'a [Registration],
    /// The roster's history, oldest first; entries after `since` are the changes.
    pub history: &'a [HistoryEntry],
    /// Pending (incomplete) submissions, oldest first.
    pub pending: &'a [Submission],
    /// Open reviews, with their submission where it is known.
    pub reviews: &'a [(Review, Option<Submission>)],
    pub organisations: &'a Organisations,
    pub templates: &'a Templates,
    /// When the last digest was made; `None` when there has been none.
    pub last_digest: Option<DateTime<Utc>>,
    /// When the database was created: the start of the first digest's changes.
    pub created: DateTime<Utc>,
    /// Which sections to include.
    pub sections: &'a [Section],
    /// A registration older than this many days is a gap.
    pub max_age_days: u32,
    /// How many reminders a pending form gets (`reminder_days.len()`).
    pub reminders: usize,
    /// Registered addresses that a delivery report showed to be dead.
    pub undeliverable: &'a crate::export::Marks,
    /// Registrations whose yearly check went unanswered, reminders and all
    /// (organisation keys).
    pub unconfirmed: &'a [String],
}

/// A file attached to the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A finished digest: subject, text and HTML, and its files.
#[derive(Debug, Clone)]
pub struct Digest {
    pub rendered: Rendered,
    pub attachments: Vec<Attachment>,
}

/// A digest that cannot be made.
#[derive(Debug, Error)]
pub enum DigestError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// The templates' name stem (`digest.subject`, `digest.txt`, `digest.html`).
pub const TEMPLATE: &str = "digest";

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

/// Makes the digest at `now`, with dates and times shown in `tz`.
pub fn build(input: &DigestInput<'_>, now: DateTime<Utc>, tz: Tz) -> Result<Digest, DigestError> {
    let vars = view::variables(input, now, tz);
    let rendered = input.templates.render_named(TEMPLATE, &vars)?;
    let attachments = if input.sections.contains(&Section::Attachments) {
        let stem = format!(
            "representanter-{}",
            now.with_timezone(&tz).format("%Y-%m-%d")
        );
        vec![
            Attachment {
                name: format!("{stem}.xlsx"),
                content_type: XLSX,
                bytes: export::xlsx_with(input.registrations, input.undeliverable)?,
            },
            Attachment {
                name: format!("{stem}.csv"),
                content_type: CSV,
                bytes: export::csv_with(input.registrations, input.undeliverable)?,
            },
        ]
    } else {
        Vec::new()
    };
    Ok(Digest {
        rendered,
        attachments,
    })
}

/// Swedish names of the months, January first.
const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// Swedish names of the weekdays, Monday first.
const WEEKDAYS: [&str; 7] = [
    "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
];

/// A date as Swedes write it: `2026-03-30`.
pub fn date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// A time of day as Swedes write it: `08.00`.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H.%M").to_string()
}

/// A date in words: `måndag 30 mars 2026`.
pub fn long_date(at: DateTime<Utc>, tz: Tz) -> String {
    use chrono::Datelike;
    let local = at.with_timezone(&tz);
    let weekday = WEEKDAYS[local.weekday().num_days_from_monday() as usize];
    let month = MONTHS[local.month0() as usize];
    format!("{weekday} {} {month} {}", local.day(), local.year())
}

/// A stored RFC 3339 time, or `None` when it cannot be read.
pub fn stored_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        stored_time(text).expect("a time")
    }

    #[test]
    fn swedish_dates_and_times_in_the_local_zone() {
        let tz = chrono_tz::Europe::Stockholm;
        // Summer: UTC+2; winter: UTC+1.
        let summer = at("2026-03-30T06:00:00Z");
        assert_eq!(date(summer, tz), "2026-03-30");
        assert_eq!(time(summer, tz), "08.00");
        assert_eq!(long_date(summer, tz), "måndag 30 mars 2026");
        let winter = at("2026-12-31T23:30:00Z");
        assert_eq!(date(winter, tz), "2027-01-01");
        assert_eq!(time(winter, tz), "00.30");
        assert_eq!(long_date(winter, tz), "fredag 1 januari 2027");
        assert_eq!(stored_time("yesterday"), None);
    }
}
