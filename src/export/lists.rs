//! The roster's history as readable lines and the overview of the known
//! organisations (represented, substitute, pending form). Pure: stored rows
//! and the organisation list in, text out; it decides nothing about the roster.

use super::{render_table, value};
use crate::form::Key;
use crate::organisations::{normalise, Organisations};
use crate::store::roster::{HistoryEntry, Registration, Submission};

/// The history entries of the organisation a person named, by id or by a
/// name the organisation list recognises; an organisation that is not on the
/// list is found by its name as registered. `None` when nothing matches.
pub fn history_for(
    entries: &[HistoryEntry],
    organisations: &Organisations,
    wanted: &str,
) -> Option<Vec<HistoryEntry>> {
    let wanted = wanted.trim();
    let id = organisations
        .get(wanted)
        .map(|o| o.id.as_str())
        .or_else(|| organisations.match_name(wanted));
    let folded = normalise(wanted);
    let selected: Vec<HistoryEntry> = entries
        .iter()
        .filter(|e| match id {
            Some(id) => {
                e.organisation_key == id || organisations.match_name(&e.organisation) == Some(id)
            }
            None => e.organisation_key == wanted || normalise(&e.organisation) == folded,
        })
        .cloned()
        .collect();
    (id.is_some() || !selected.is_empty()).then_some(selected)
}

/// The history, oldest first: a line with the date, the organisation and the
/// kind of change, then one indented `key: before → after` line per value
/// that changed.
pub fn history(entries: &[HistoryEntry]) -> String {
    if entries.is_empty() {
        return "No changes recorded.\n".into();
    }
    let shown = |v: &Option<String>| match v.as_deref().map(str::trim) {
        None | Some("") => "(none)".to_string(),
        Some(v) => v.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let mut out = String::new();
    for entry in entries {
        let date = entry.at.chars().take(10).collect::<String>();
        let what = if entry.changes.is_empty() && entry.kind != "confirmed" {
            format!("{} (no earlier registration)", entry.kind)
        } else {
            entry.kind.clone()
        };
        out.push_str(&format!("{date}  {}  {what}\n", entry.organisation));
        for (key, before, after) in &entry.changes {
            out.push_str(&format!(
                "    {}: {} → {}\n",
                key.as_str(),
                shown(before),
                shown(after)
            ));
        }
    }
    out
}

/// Each organisation on the list: whether it has a current representative,
/// a substitute, and a form waiting for more (a `pending` submission).
/// Registrations of organisations not on the list are named below the table.
pub fn organisations(
    organisations: &Organisations,
    regs: &[Registration],
    pending: &[Submission],
) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let rows: Vec<Vec<String>> = organisations
        .all()
        .iter()
        .map(|org| {
            let reg = regs
                .iter()
                .find(|r| r.organisation_id.as_deref() == Some(org.id.as_str()));
            let has = |k: Key| reg.is_some_and(|r| !value(r, k).is_empty());
            vec![
                org.id.clone(),
                org.name.clone(),
                yes_no(has(Key::RepresentativeName) || has(Key::RepresentativeEmail)),
                yes_no(has(Key::SubstituteName) || has(Key::SubstituteEmail)),
                yes_no(
                    pending
                        .iter()
                        .any(|s| s.organisation_id.as_deref() == Some(org.id.as_str())),
                ),
            ]
        })
        .collect();
    let mut out = render_table(
        &["Id", "Organisation", "Represented", "Substitute", "Pending"],
        &rows,
    );
    let others: Vec<&str> = regs
        .iter()
        .filter(|r| {
            r.organisation_id
                .as_deref()
                .is_none_or(|id| organisations.get(id).is_none())
        })
        .map(|r| r.organisation.as_str())
        .collect();
    if !others.is_empty() {
        out.push_str(&format!(
            "\nAlso registered, not on the organisation list: {}\n",
            others.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::fixture;

    fn entry(
        key: &str,
        organisation: &str,
        changes: Vec<(Key, Option<&str>, Option<&str>)>,
    ) -> HistoryEntry {
        HistoryEntry {
            organisation_key: key.into(),
            organisation: organisation.into(),
            at: "2026-12-01T09:30:00+00:00".into(),
            kind: if changes.is_empty() {
                "first"
            } else {
                "change"
            }
            .into(),
            changes: changes
                .into_iter()
                .map(|(k, b, a)| (k, b.map(Into::into), a.map(Into::into)))
                .collect(),
            source_message_id: None,
        }
    }

    fn check(got: &str, want: &str) {
        assert_eq!(got, want, "\ngot:\n{got}\nwant:\n{want}");
    }

    #[test]
    fn history_lines_say_what_changed() {
        let entries = vec![
            entry("falu-kommun", "Falu kommun", vec![]),
            entry(
                "falu-kommun",
                "Falu kommun",
                vec![
                    (Key::SubstituteName, Some("Erik Lind"), Some("Eva Ek")),
                    (Key::SubstituteEmail, None, Some("eva.ek@falun.test")),
                ],
            ),
        ];
        check(
            &history(&entries),
            "2026-12-01  Falu kommun  first (no earlier registration)\n\
             2026-12-01  Falu kommun  change\n\
             \x20   substitute_name: Erik Lind → Eva Ek\n\
             \x20   substitute_email: (none) → eva.ek@falun.test\n",
        );
        check(&history(&[]), "No changes recorded.\n");
    }

    #[test]
    fn history_is_selected_by_id_name_or_registered_name() {
        let orgs = Organisations::builtin();
        let entries = vec![
            entry("falu-kommun", "Falu kommun", vec![]),
            entry("ludvika-kommun", "Ludvika kommun", vec![]),
            entry("trygga hem", "Trygga hem", vec![]),
        ];
        let count = |w: &str| history_for(&entries, &orgs, w).map(|v| v.len());
        assert_eq!(count("falu-kommun"), Some(1));
        assert_eq!(count("Falun kommun"), Some(1));
        assert_eq!(count("Trygga Hem"), Some(1));
        assert_eq!(count("hedemora-kommun"), Some(0));
        assert_eq!(count("Nowhere"), None);
    }

    fn pending(organisation_id: &str) -> Submission {
        Submission {
            id: 1,
            message: 1,
            reference: "BL-AAAAAA".into(),
            sender: None,
            organisation_id: Some(organisation_id.into()),
            organisation: None,
            fields: Default::default(),
            problems: Default::default(),
            state: "pending".into(),
            review_reason: None,
            created_at: "2026-12-01T09:30:00+00:00".into(),
            last_contact_at: "2026-12-01T09:30:00+00:00".into(),
            reminders: 0,
        }
    }

    #[test]
    fn the_overview_marks_representation() {
        let orgs = Organisations::parse(
            "[[organisation]]\nid = \"falu-kommun\"\nname = \"Falu kommun\"\n\
             [[organisation]]\nid = \"ludvika-kommun\"\nname = \"Ludvika kommun\"\n",
        )
        .expect("a valid list");
        check(
            &organisations(&orgs, &fixture(), &[pending("ludvika-kommun")]),
            "Id              Organisation    Represented  Substitute  Pending\n\
             --------------  --------------  -----------  ----------  -------\n\
             falu-kommun     Falu kommun     yes          yes         no\n\
             ludvika-kommun  Ludvika kommun  no           no          yes\n\
             \n\
             Also registered, not on the organisation list: Trygga hem\n",
        );
    }
}
