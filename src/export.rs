//! The roster as people and scripts read it: a terminal table, CSV for Excel,
//! the running contract's JSON, an .xlsx workbook (`xlsx`), the mailing list,
//! and the history and organisation overviews (`lists`). Pure: registrations
//! in, text or bytes out; it opens no database and writes no file.

mod lists;
mod xlsx;

pub use lists::{history, history_for, organisations};
pub use xlsx::{xlsx, xlsx_with};

use crate::form::Key;
use crate::store::roster::Registration;
use serde::Serialize;
use std::collections::BTreeSet;
use thiserror::Error;

/// An export that could not be built.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot build the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The column headings of the CSV and the workbook, as the strategist's
/// spreadsheets name them.
pub const HEADINGS: [&str; 12] = [
    "Organisation",
    "Representant",
    "Representantens mejladress",
    "Ersättare",
    "Ersättarens mejladress",
    "Interna kontaktvägar",
    "Ansvarig chef",
    "Titel",
    "Mejl/telefon",
    "Datum",
    "Registrerad",
    "Mejl går inte fram till",
];

/// The record's keys after the organisation, in the columns' order.
const RECORD: [Key; 9] = [
    Key::RepresentativeName,
    Key::RepresentativeEmail,
    Key::SubstituteName,
    Key::SubstituteEmail,
    Key::InternalChannels,
    Key::ManagerName,
    Key::ManagerTitle,
    Key::ManagerContact,
    Key::SignedDate,
];

/// A value of the registration, `""` when missing.
fn value(reg: &Registration, key: Key) -> &str {
    reg.fields.get(&key).map_or("", |v| v.trim())
}

/// One registration as the spreadsheet columns of [`HEADINGS`]. The
/// registration time is shown as its date, which is what people sort by;
/// the last column names the registered addresses that mail no longer
/// reaches, with the date it was seen.
pub(crate) fn cells(reg: &Registration, marks: &Marks) -> Vec<String> {
    let mut row = vec![reg.organisation.clone()];
    row.extend(RECORD.iter().map(|k| value(reg, *k).to_string()));
    row.push(reg.registered_at.chars().take(10).collect());
    let dead: Vec<String> = [Key::RepresentativeEmail, Key::SubstituteEmail]
        .iter()
        .filter_map(|k| {
            let address = value(reg, *k);
            marks.get(&address.to_lowercase()).map(|m| {
                format!(
                    "{address} (sedan {})",
                    m.since.chars().take(10).collect::<String>()
                )
            })
        })
        .collect();
    row.push(dead.join(", "));
    row
}

/// The roster as a table for the terminal: one line per organisation, each
/// person as `Name <address>`.
pub fn table(regs: &[Registration]) -> String {
    table_with(regs, &Marks::new())
}

/// The roster as a table, an address that mail no longer reaches marked
/// `(undeliverable since DATE)`.
pub fn table_with(regs: &[Registration], marks: &Marks) -> String {
    if regs.is_empty() {
        return "No organisation is registered yet.\n".into();
    }
    let person = |name: Key, address: Key, reg: &Registration| {
        let shown = match (value(reg, name), value(reg, address)) {
            ("", a) => a.to_string(),
            (n, "") => n.to_string(),
            (n, a) => format!("{n} <{a}>"),
        };
        match marks.get(&value(reg, address).to_lowercase()) {
            Some(mark) => format!(
                "{shown} (undeliverable since {})",
                mark.since.chars().take(10).collect::<String>()
            ),
            None => shown,
        }
    };
    let rows: Vec<Vec<String>> = regs
        .iter()
        .map(|r| {
            vec![
                r.organisation.clone(),
                person(Key::RepresentativeName, Key::RepresentativeEmail, r),
                person(Key::SubstituteName, Key::SubstituteEmail, r),
                r.registered_at.chars().take(10).collect(),
            ]
        })
        .collect();
    render_table(
        &["Organisation", "Representative", "Substitute", "Registered"],
        &rows,
    )
}

/// Left-aligned columns two spaces apart, with a rule under the headings.
pub(crate) fn render_table(headings: &[&str], rows: &[Vec<String>]) -> String {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| one_line(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headings.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let mut out = line(headings.to_vec());
    out.push_str(&line(rules.iter().map(String::as_str).collect()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The roster as CSV for Swedish Excel: UTF-8 with a byte order mark (without
/// it Excel shows å, ä and ö wrongly), `;` between fields (Swedish Excel's
/// list separator, since `,` is its decimal comma) and CRLF line ends. A value
/// that Excel would take for a formula (`=`, `+`, `-`, `@`) gets a leading `'`:
/// the values come from outside mail.
pub fn csv(regs: &[Registration]) -> Result<Vec<u8>, ExportError> {
    csv_with(regs, &Marks::new())
}

/// The roster as CSV, with the addresses mail no longer reaches.
pub fn csv_with(regs: &[Registration], marks: &Marks) -> Result<Vec<u8>, ExportError> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(HEADINGS)?;
        for reg in regs {
            writer.write_record(cells(reg, marks).iter().map(|c| defuse(c)))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// A value Excel would evaluate, made plain text.
fn defuse(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// A registered address that a delivery failure showed to be dead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undeliverable {
    /// When the failure was seen (RFC 3339).
    pub since: String,
    /// The receiving server's words.
    pub reason: String,
}

/// Undeliverable addresses, by lower-case address.
pub type Marks = std::collections::BTreeMap<String, Undeliverable>;

/// One organisation in the running contract's `roster --format json`.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    organisation_id: Option<&'a str>,
    organisation: &'a str,
    representative_name: Option<&'a str>,
    representative_email: Option<&'a str>,
    substitute_name: Option<&'a str>,
    substitute_email: Option<&'a str>,
    internal_channels: Option<&'a str>,
    manager_name: Option<&'a str>,
    manager_title: Option<&'a str>,
    manager_contact: Option<&'a str>,
    signed_date: Option<&'a str>,
    registered_at: &'a str,
    source_message_id: Option<&'a str>,
    /// When the organisation last confirmed the registration as it stands
    /// (the yearly check); `null` when it has not since it was registered.
    confirmed_at: Option<&'a str>,
    representative_undeliverable: Option<&'a Undeliverable>,
    substitute_undeliverable: Option<&'a Undeliverable>,
}

/// The roster as the running contract's JSON array (pretty-printed, with a
/// final newline); a missing value is `null`.
pub fn json(regs: &[Registration]) -> String {
    json_with(regs, &Marks::new())
}

/// The roster as JSON, with the marks of undeliverable addresses.
pub fn json_with(regs: &[Registration], marks: &Marks) -> String {
    let entries: Vec<Entry<'_>> = regs
        .iter()
        .map(|r| {
            let v = |k: Key| Some(value(r, k)).filter(|v| !v.is_empty());
            let mark = |k: Key| v(k).and_then(|a| marks.get(&a.to_lowercase()));
            Entry {
                organisation_id: r.organisation_id.as_deref(),
                organisation: &r.organisation,
                representative_name: v(Key::RepresentativeName),
                representative_email: v(Key::RepresentativeEmail),
                substitute_name: v(Key::SubstituteName),
                substitute_email: v(Key::SubstituteEmail),
                internal_channels: v(Key::InternalChannels),
                manager_name: v(Key::ManagerName),
                manager_title: v(Key::ManagerTitle),
                manager_contact: v(Key::ManagerContact),
                signed_date: v(Key::SignedDate),
                registered_at: &r.registered_at,
                source_message_id: r.source_message_id.as_deref(),
                confirmed_at: r.confirmed_at.as_deref(),
                representative_undeliverable: mark(Key::RepresentativeEmail),
                substitute_undeliverable: mark(Key::SubstituteEmail),
            }
        })
        .collect();
    // Serialising borrowed strings and options cannot fail.
    let mut text = serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// Every current representative's and substitute's address, each once
/// (whatever its case), `; `-separated as Outlook's address fields take them.
pub fn mailing_list(regs: &[Registration]) -> String {
    let mut seen = BTreeSet::new();
    let mut list = Vec::new();
    for reg in regs {
        for key in [Key::RepresentativeEmail, Key::SubstituteEmail] {
            let address = value(reg, key);
            if !address.is_empty() && seen.insert(address.to_lowercase()) {
                list.push(address);
            }
        }
    }
    format!("{}\n", list.join("; "))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn registration(
        id: Option<&str>,
        organisation: &str,
        at: &str,
        pairs: &[(Key, &str)],
    ) -> Registration {
        Registration {
            organisation_key: id.unwrap_or(organisation).to_lowercase(),
            organisation_id: id.map(Into::into),
            organisation: organisation.into(),
            fields: pairs.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            registered_at: at.into(),
            source_message_id: id.map(|i| format!("<{i}@mail.test>")),
            confirmed_at: None,
        }
    }

    /// A complete registration, one without a substitute of an organisation
    /// not on the list, sharing an address with the first.
    pub(crate) fn fixture() -> Vec<Registration> {
        vec![
            registration(
                Some("falu-kommun"),
                "Falu kommun",
                "2026-11-30T08:00:00+00:00",
                &[
                    (Key::Organisation, "Falu kommun, socialförvaltningen"),
                    (Key::RepresentativeName, "Anna Berg"),
                    (Key::RepresentativeEmail, "anna.berg@falun.test"),
                    (Key::SubstituteName, "Erik Lind"),
                    (Key::SubstituteEmail, "erik.lind@falun.test"),
                    (Key::InternalChannels, "Ledningsgruppen\nIntranätet"),
                    (Key::ManagerName, "Karin Ek"),
                    (Key::ManagerTitle, "Socialchef"),
                    (Key::ManagerContact, "+46 23 12 34 56"),
                    (Key::SignedDate, "2026-11-28"),
                ],
            ),
            registration(
                None,
                "Trygga hem",
                "2026-12-01T10:15:00+00:00",
                &[
                    (Key::RepresentativeName, "Sara Holm"),
                    (Key::RepresentativeEmail, "Anna.Berg@falun.test"),
                    (Key::SubstituteName, ""),
                ],
            ),
        ]
    }

    fn check(got: &str, want: &str) {
        assert_eq!(got, want, "\ngot:\n{got}\nwant:\n{want}");
    }

    #[test]
    fn table() {
        check(
            &super::table(&fixture()),
            "Organisation  Representative                    Substitute                        Registered\n\
             ------------  --------------------------------  --------------------------------  ----------\n\
             Falu kommun   Anna Berg <anna.berg@falun.test>  Erik Lind <erik.lind@falun.test>  2026-11-30\n\
             Trygga hem    Sara Holm <Anna.Berg@falun.test>                                    2026-12-01\n",
        );
        check(&super::table(&[]), "No organisation is registered yet.\n");
    }

    #[test]
    fn csv() {
        let bytes = super::csv(&fixture()).expect("writes");
        let text = String::from_utf8(bytes).expect("UTF-8");
        check(
            &text,
            "\u{feff}Organisation;Representant;Representantens mejladress;Ersättare;\
             Ersättarens mejladress;Interna kontaktvägar;Ansvarig chef;Titel;Mejl/telefon;Datum;Registrerad;\
             Mejl går inte fram till\r\n\
             Falu kommun;Anna Berg;anna.berg@falun.test;Erik Lind;erik.lind@falun.test;\
             \"Ledningsgruppen\nIntranätet\";Karin Ek;Socialchef;'+46 23 12 34 56;2026-11-28;2026-11-30;\r\n\
             Trygga hem;Sara Holm;Anna.Berg@falun.test;;;;;;;;2026-12-01;\r\n",
        );
    }

    #[test]
    fn csv_and_workbook_mark_a_dead_address() {
        let marks = Marks::from([(
            "erik.lind@falun.test".to_string(),
            Undeliverable {
                since: "2026-12-02T09:00:00+00:00".into(),
                reason: "550 5.1.1 User unknown".into(),
            },
        )]);
        let text = String::from_utf8(csv_with(&fixture(), &marks).expect("writes")).expect("UTF-8");
        assert!(
            text.contains(";2026-11-30;erik.lind@falun.test (sedan 2026-12-02)\r\n"),
            "{text}"
        );
        assert!(
            text.contains(";2026-12-01;\r\n"),
            "no mark, an empty cell: {text}"
        );
        let workbook = xlsx_with(&fixture(), &marks).expect("builds");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook)).expect("a zip");
        let mut strings = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/sharedStrings.xml").expect("strings"),
            &mut strings,
        )
        .expect("XML");
        assert!(
            strings.contains("erik.lind@falun.test (sedan 2026-12-02)"),
            "{strings}"
        );
        assert!(strings.contains("Mejl går inte fram till"), "{strings}");
    }

    #[test]
    fn the_table_marks_a_dead_address() {
        let marks = Marks::from([(
            "erik.lind@falun.test".to_string(),
            Undeliverable {
                since: "2026-12-02T09:00:00+00:00".into(),
                reason: "550 5.1.1 User unknown".into(),
            },
        )]);
        let table = table_with(&fixture(), &marks);
        assert!(
            table.contains("Erik Lind <erik.lind@falun.test> (undeliverable since 2026-12-02)"),
            "{table}"
        );
        assert!(
            !table.contains("Anna Berg <anna.berg@falun.test> (undeliverable"),
            "{table}"
        );
    }

    #[test]
    fn json() {
        let marks = Marks::from([(
            "erik.lind@falun.test".to_string(),
            Undeliverable {
                since: "2026-12-02T09:00:00+00:00".into(),
                reason: "550 5.1.1 User unknown".into(),
            },
        )]);
        check(
            &super::json_with(&fixture(), &marks),
            r#"[
  {
    "organisation_id": "falu-kommun",
    "organisation": "Falu kommun",
    "representative_name": "Anna Berg",
    "representative_email": "anna.berg@falun.test",
    "substitute_name": "Erik Lind",
    "substitute_email": "erik.lind@falun.test",
    "internal_channels": "Ledningsgruppen\nIntranätet",
    "manager_name": "Karin Ek",
    "manager_title": "Socialchef",
    "manager_contact": "+46 23 12 34 56",
    "signed_date": "2026-11-28",
    "registered_at": "2026-11-30T08:00:00+00:00",
    "source_message_id": "<falu-kommun@mail.test>",
    "confirmed_at": null,
    "representative_undeliverable": null,
    "substitute_undeliverable": {
      "since": "2026-12-02T09:00:00+00:00",
      "reason": "550 5.1.1 User unknown"
    }
  },
  {
    "organisation_id": null,
    "organisation": "Trygga hem",
    "representative_name": "Sara Holm",
    "representative_email": "Anna.Berg@falun.test",
    "substitute_name": null,
    "substitute_email": null,
    "internal_channels": null,
    "manager_name": null,
    "manager_title": null,
    "manager_contact": null,
    "signed_date": null,
    "registered_at": "2026-12-01T10:15:00+00:00",
    "source_message_id": null,
    "confirmed_at": null,
    "representative_undeliverable": null,
    "substitute_undeliverable": null
  }
]
"#,
        );
        check(&super::json(&[]), "[]\n");
    }

    #[test]
    fn mailing_list() {
        check(
            &super::mailing_list(&fixture()),
            "anna.berg@falun.test; erik.lind@falun.test\n",
        );
    }
}
