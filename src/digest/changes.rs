//! Roster changes as the digest shows them: one history entry becomes the
//! seats that got a new person (who replaced whom) and the other values that
//! changed. Part of the digest's variables (`view`); it writes no Swedish
//! and reads nothing but the rows it is given.

use super::view::{person, Person, When};
use super::{stored_time, DigestInput};
use crate::form::Key;
use crate::store::roster::HistoryEntry;
use chrono_tz::Tz;
use serde::Serialize;

/// A seat that got a new person: `role` is `representative` or `substitute`.
#[derive(Debug, Serialize)]
pub(super) struct Replacement {
    role: &'static str,
    before: Person,
    after: Person,
}

/// Any other value that changed.
#[derive(Debug, Serialize)]
pub(super) struct Other {
    label: &'static str,
    before: String,
    after: String,
}

#[derive(Debug, Serialize)]
pub(super) struct Change {
    organisation: String,
    when: When,
    /// The organisation's first registration.
    first: bool,
    replaced: Vec<Replacement>,
    other: Vec<Other>,
    /// For a first registration: who was registered, when still known.
    representative: Option<Person>,
    substitute: Option<Person>,
}

/// One history entry as a change: seats that got a new person, and the
/// other values. `later` are the entries after it, which say whether the
/// current registration still shows who a first registration named.
pub(super) fn change<'e>(
    input: &DigestInput<'_>,
    entry: &HistoryEntry,
    mut later: impl Iterator<Item = &'e HistoryEntry>,
    tz: Tz,
) -> Change {
    let find = |key: Key| entry.changes.iter().find(|(k, _, _)| *k == key);
    let text = |v: &Option<String>| {
        v.as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut replaced = Vec::new();
    let mut shown = Vec::new();
    for (role, name, email) in [
        (
            "representative",
            Key::RepresentativeName,
            Key::RepresentativeEmail,
        ),
        ("substitute", Key::SubstituteName, Key::SubstituteEmail),
    ] {
        if let Some((_, before, after)) = find(name) {
            let (before_email, after_email) = find(email)
                .map_or((String::new(), String::new()), |(_, b, a)| {
                    (text(b), text(a))
                });
            replaced.push(Replacement {
                role,
                before: Person {
                    name: text(before),
                    email: before_email,
                },
                after: Person {
                    name: text(after),
                    email: after_email,
                },
            });
            shown.extend([name, email]);
        }
    }
    let other = entry
        .changes
        .iter()
        .filter(|(k, _, _)| !shown.contains(k))
        .map(|(k, before, after)| Other {
            label: k.form_label(),
            before: text(before),
            after: text(after),
        })
        .collect();
    let first = entry.kind == "registered";
    let current = (first && !later.any(|e| e.organisation_key == entry.organisation_key))
        .then(|| {
            input
                .registrations
                .iter()
                .find(|r| r.organisation_key == entry.organisation_key)
        })
        .flatten();
    Change {
        organisation: entry.organisation.clone(),
        when: stored_time(&entry.at).map_or_else(
            || When {
                date: entry.at.chars().take(10).collect(),
                time: String::new(),
                long_date: String::new(),
            },
            |t| When::new(t, tz),
        ),
        first,
        replaced,
        other,
        representative: current
            .map(|r| person(r, Key::RepresentativeName, Key::RepresentativeEmail)),
        substitute: current.map(|r| person(r, Key::SubstituteName, Key::SubstituteEmail)),
    }
}
