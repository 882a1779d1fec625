//! The digest for a fixed roster and clock: its text and HTML against the
//! golden files in `tests/golden/` (`BLANKETT_UPDATE_GOLDEN=1 cargo test
//! --test digest` rewrites them; read the diff before committing), and its
//! attachments read back: the CSV parsed, the workbook unzipped.

#[path = "support/digest_roster.rs"]
mod fixture;

use blankett::compose::Templates;
use blankett::digest::{build, Digest, DigestInput, Section};
use blankett::form::Key;
use blankett::organisations::Organisations;
use chrono_tz::Europe::Stockholm;
use fixture::*;
use std::io::{Cursor, Read};
use std::path::Path;

/// The digest of the fixed roster on Monday 30 March 2026 at 08:00 in
/// Stockholm, the first slot of summer time, a week after the last one.
fn digest(sections: &[Section]) -> Digest {
    let orgs = Organisations::parse(ORGANISATIONS).expect("a valid list");
    let templates = Templates::builtin();
    let (registrations, history, pending, reviews) = (roster(), history(), pending(), reviews());
    let undeliverable = blankett::export::Marks::new();
    let input = DigestInput {
        registrations: &registrations,
        history: &history,
        pending: &pending,
        reviews: &reviews,
        organisations: &orgs,
        templates: &templates,
        last_digest: Some(at("2026-03-23T07:00:00Z")),
        created: at("2026-03-01T00:00:00Z"),
        sections,
        max_age_days: 730,
        reminders: 2,
        undeliverable: &undeliverable,
        unconfirmed: &[],
    };
    build(&input, at("2026-03-30T06:00:00Z"), Stockholm).expect("the digest builds")
}

/// Compares with `tests/golden/NAME`, printing both and the first
/// difference on a mismatch.
fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("BLANKETT_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).expect("write the golden file");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with BLANKETT_UPDATE_GOLDEN=1 to make it",
            path.display()
        )
    });
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "{name} differs from {} from line {}:\n  got:  {:?}\n  want: {:?}\n\n--- got ---\n{got}\n--- want ---\n{want}",
            path.display(),
            line + 1,
            got.lines().nth(line),
            want.lines().nth(line),
        );
    }
}

#[test]
fn the_digest_matches_the_golden_text_and_html() {
    let d = digest(&Section::ALL);
    assert_eq!(
        d.rendered.subject,
        "Länsgruppens representanter: sammanställning måndag 30 mars 2026"
    );
    golden("digest.txt", &d.rendered.text);
    golden("digest.html", &d.rendered.html);
}

#[test]
fn the_html_is_safe_for_mail_clients() {
    let html = digest(&Section::ALL).rendered.html;
    for banned in [
        "<style",
        "<script",
        "<img",
        "<link",
        "class=",
        "display:flex",
        "display: flex",
        "position:",
        "http://",
        "https://",
    ] {
        assert!(!html.contains(banned), "the HTML must not contain {banned}");
    }
    assert!(html.contains("<table"), "tables carry the layout");
}

#[test]
fn sections_can_be_left_out() {
    let d = digest(&[Section::Roster]);
    assert!(d.attachments.is_empty());
    assert!(d
        .rendered
        .text
        .contains("REPRESENTANTER (4 organisationer)"));
    for absent in ["LUCKOR", "SÄNDLISTA", "ÄNDRINGAR", "VÄNTAR", "Bifogat"] {
        assert!(
            !d.rendered.text.contains(absent),
            "{absent}:\n{}",
            d.rendered.text
        );
    }
}

/// A part of a zip archive, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("an .xlsx is a zip file");
    let mut file = archive.by_name(name).expect("the part is there");
    let mut text = String::new();
    file.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

#[test]
fn the_attachments_read_back() {
    let d = digest(&Section::ALL);
    let names: Vec<&str> = d.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "representanter-2026-03-30.xlsx",
            "representanter-2026-03-30.csv"
        ]
    );

    let csv = &d.attachments[1].bytes;
    let text = std::str::from_utf8(csv).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte order mark for Excel");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .expect("headings")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        headings[..5],
        [
            "Organisation",
            "Representant",
            "Representantens mejladress",
            "Ersättare",
            "Ersättarens mejladress"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_string).collect())
        .collect();
    let want = roster();
    assert_eq!(rows.len(), want.len());
    for (row, reg) in rows.iter().zip(&want) {
        assert_eq!(row[0], reg.organisation);
        for (col, key) in [
            (1, Key::RepresentativeName),
            (2, Key::RepresentativeEmail),
            (3, Key::SubstituteName),
            (4, Key::SubstituteEmail),
        ] {
            assert_eq!(
                row[col],
                reg.fields.get(&key).cloned().unwrap_or_default(),
                "{} {key:?}",
                reg.organisation
            );
        }
        assert_eq!(row[10], reg.registered_at[..10]);
    }

    let xlsx = &d.attachments[0].bytes;
    let strings = part(xlsx, "xl/sharedStrings.xml");
    for reg in &want {
        assert!(
            strings.contains(&reg.organisation),
            "{} not in the workbook",
            reg.organisation
        );
        for value in reg.fields.values() {
            assert!(
                strings.contains(value.as_str()),
                "{value} not in the workbook"
            );
        }
    }
    let sheet = part(xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(r#"<autoFilter ref="A1:L5"/>"#),
        "a filter over the heading and four rows: {sheet}"
    );
    assert_eq!(
        sheet.matches("<row ").count(),
        5,
        "a heading and four rows: {sheet}"
    );
}
