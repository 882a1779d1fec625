//! The digest's template variables (templates/README.md lists them): the
//! stored rows turned into what the digest shows, with times in the local
//! zone. It decides what counts as a change, a gap or a wait; the Swedish
//! words are the templates' and it writes none itself.

use super::changes::{change, Change};
use super::{date, long_date, stored_time, time, DigestInput, Section};
use crate::export;
use crate::form::Key;
use crate::store::roster::{HistoryEntry, Registration, Submission};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::Value;
use serde::Serialize;

/// A moment as the templates show it.
#[derive(Debug, Serialize)]
pub(super) struct When {
    pub(super) date: String,
    pub(super) time: String,
    pub(super) long_date: String,
}

impl When {
    pub(super) fn new(at: DateTime<Utc>, tz: Tz) -> Self {
        When {
            date: date(at, tz),
            time: time(at, tz),
            long_date: long_date(at, tz),
        }
    }
}

/// A representative or a substitute; either part may be empty.
#[derive(Debug, Serialize)]
pub(super) struct Person {
    pub(super) name: String,
    pub(super) email: String,
}

#[derive(Debug, Serialize)]
struct Summary {
    represented: usize,
    known: usize,
    changes: usize,
    pending: usize,
    reviews: usize,
}

#[derive(Debug, Serialize)]
struct Row {
    organisation: String,
    representative: Person,
    substitute: Person,
    since: String,
}

/// What is missing from the roster.
#[derive(Debug, Default, Serialize)]
struct Gaps {
    /// Known organisations without a registration.
    unregistered: Vec<String>,
    /// Registrations without a substitute.
    no_substitute: Vec<String>,
    /// Registrations older than `max_age_days`.
    old: Vec<Old>,
    /// Registered addresses that mail no longer reaches.
    undeliverable: Vec<Dead>,
    /// Registrations whose yearly check went unanswered.
    unconfirmed: Vec<Old>,
    count: usize,
}

/// A registered address a delivery report showed to be dead.
#[derive(Debug, Serialize)]
struct Dead {
    organisation: String,
    /// "representant" or "ersättare".
    role: &'static str,
    address: String,
    since: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct Old {
    organisation: String,
    since: String,
}

#[derive(Debug, Serialize)]
struct Lack {
    label: &'static str,
    invalid: bool,
}

#[derive(Debug, Serialize)]
struct Pending {
    organisation: String,
    sender: String,
    reference: String,
    since: String,
    days: i64,
    lacks: Vec<Lack>,
    reminders: u32,
    /// Every reminder of `reminder_days` has been sent: a person must act.
    reminded_out: bool,
}

#[derive(Debug, Serialize)]
struct OpenReview {
    id: i64,
    reason: String,
    organisation: String,
    sender: String,
    reference: String,
    since: String,
    days: i64,
}

#[derive(Debug, Serialize)]
struct Vars {
    now: When,
    /// The last digest, or none for the first one.
    last: Option<When>,
    /// Where the changes start: the last digest, or the database's creation.
    since: When,
    sections: Vec<&'static str>,
    summary: Summary,
    changes: Vec<Change>,
    roster: Vec<Row>,
    gaps: Gaps,
    max_age_days: u32,
    max_age_years: Option<u32>,
    pending: Vec<Pending>,
    reminders: usize,
    reviews: Vec<OpenReview>,
    mailing_list: String,
}

fn value(fields: &crate::roster::Fields, key: Key) -> String {
    fields
        .get(&key)
        .map_or("", |v| v.trim())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn person(reg: &Registration, name: Key, email: Key) -> Person {
    Person {
        name: value(&reg.fields, name),
        email: value(&reg.fields, email),
    }
}

fn local_date(stored: &str, tz: Tz) -> String {
    stored_time(stored).map_or_else(|| stored.chars().take(10).collect(), |t| date(t, tz))
}

fn days_since(stored: &str, now: DateTime<Utc>) -> i64 {
    stored_time(stored).map_or(0, |t| (now - t).num_days().max(0))
}

/// The digest's variables at `now`.
pub(super) fn variables(input: &DigestInput<'_>, now: DateTime<Utc>, tz: Tz) -> Value {
    let since = input.last_digest.unwrap_or(input.created);
    let entries: Vec<&HistoryEntry> = input
        .history
        .iter()
        .filter(|e| stored_time(&e.at).is_some_and(|t| t > since && t <= now))
        .collect();
    let changes: Vec<Change> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| change(input, e, entries[i + 1..].iter().copied(), tz))
        .collect();
    let known = input.organisations.all();
    let registration_of = |id: &str| {
        input
            .registrations
            .iter()
            .find(|r| r.organisation_id.as_deref() == Some(id))
    };
    let represented = known
        .iter()
        .filter_map(|o| registration_of(&o.id))
        .filter(|r| {
            let p = person(r, Key::RepresentativeName, Key::RepresentativeEmail);
            !p.name.is_empty() || !p.email.is_empty()
        })
        .count();
    let roster = input
        .registrations
        .iter()
        .map(|r| Row {
            organisation: r.organisation.clone(),
            representative: person(r, Key::RepresentativeName, Key::RepresentativeEmail),
            substitute: person(r, Key::SubstituteName, Key::SubstituteEmail),
            since: local_date(&r.registered_at, tz),
        })
        .collect();
    let mut gaps = Gaps {
        unregistered: known
            .iter()
            .filter(|o| registration_of(&o.id).is_none())
            .map(|o| o.name.clone())
            .collect(),
        ..Gaps::default()
    };
    for r in input.registrations {
        let substitute = person(r, Key::SubstituteName, Key::SubstituteEmail);
        if substitute.name.is_empty() && substitute.email.is_empty() {
            gaps.no_substitute.push(r.organisation.clone());
        }
        for (key, role) in [
            (Key::RepresentativeEmail, "representant"),
            (Key::SubstituteEmail, "ersättare"),
        ] {
            let Some(address) = r.fields.get(&key) else {
                continue;
            };
            if let Some(mark) = input.undeliverable.get(&address.to_lowercase()) {
                gaps.undeliverable.push(Dead {
                    organisation: r.organisation.clone(),
                    role,
                    address: address.clone(),
                    since: local_date(&mark.since, tz),
                    reason: mark.reason.clone(),
                });
            }
        }
        if input.unconfirmed.contains(&r.organisation_key) {
            gaps.unconfirmed.push(Old {
                organisation: r.organisation.clone(),
                since: local_date(r.confirmed_at.as_deref().unwrap_or(&r.registered_at), tz),
            });
        }
        if days_since(&r.registered_at, now) > i64::from(input.max_age_days) {
            gaps.old.push(Old {
                organisation: r.organisation.clone(),
                since: local_date(&r.registered_at, tz),
            });
        }
    }
    gaps.count = gaps.unregistered.len()
        + gaps.no_substitute.len()
        + gaps.old.len()
        + gaps.undeliverable.len()
        + gaps.unconfirmed.len();
    let pending: Vec<Pending> = input
        .pending
        .iter()
        .map(|s| Pending {
            organisation: organisation_of(input, Some(s)),
            sender: s.sender.clone().unwrap_or_default(),
            reference: s.reference.clone(),
            since: local_date(&s.created_at, tz),
            days: days_since(&s.created_at, now),
            lacks: s
                .problems
                .missing
                .iter()
                .map(|k| Lack {
                    label: k.form_label(),
                    invalid: false,
                })
                .chain(s.problems.invalid.iter().map(|(k, _, _)| Lack {
                    label: k.form_label(),
                    invalid: true,
                }))
                .collect(),
            reminders: s.reminders,
            reminded_out: s.reminders as usize >= input.reminders,
        })
        .collect();
    let reviews: Vec<OpenReview> = input
        .reviews
        .iter()
        .map(|(r, s)| OpenReview {
            id: r.id,
            reason: r.reason.clone(),
            organisation: organisation_of(input, s.as_ref()),
            sender: s
                .as_ref()
                .and_then(|s| s.sender.clone())
                .unwrap_or_default(),
            reference: s.as_ref().map(|s| s.reference.clone()).unwrap_or_default(),
            since: local_date(&r.created_at, tz),
            days: days_since(&r.created_at, now),
        })
        .collect();
    let vars = Vars {
        now: When::new(now, tz),
        last: input.last_digest.map(|t| When::new(t, tz)),
        since: When::new(since, tz),
        sections: Section::ALL
            .iter()
            .filter(|s| input.sections.contains(s))
            .map(|s| s.name())
            .collect(),
        summary: Summary {
            represented,
            known: known.len(),
            changes: changes.len(),
            pending: pending.len(),
            reviews: reviews.len(),
        },
        changes,
        roster,
        gaps,
        max_age_days: input.max_age_days,
        max_age_years: input
            .max_age_days
            .is_multiple_of(365)
            .then_some(input.max_age_days / 365),
        pending,
        reminders: input.reminders,
        reviews,
        mailing_list: export::mailing_list(input.registrations).trim().to_string(),
    };
    Value::from(minijinja::value::Serde(vars))
}

/// The organisation a submission names: the list's name, or as written.
fn organisation_of(input: &DigestInput<'_>, sub: Option<&Submission>) -> String {
    let Some(sub) = sub else {
        return String::new();
    };
    sub.organisation_id
        .as_deref()
        .and_then(|id| input.organisations.get(id))
        .map(|o| o.name.clone())
        .or_else(|| sub.organisation.clone())
        .or_else(|| sub.fields.get(&Key::Organisation).cloned())
        .unwrap_or_default()
}
