//! Bad input: `parse` gives a report or a clean error for any bytes, never a
//! panic, and stays fast on large and deeply nested messages.

use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use blankett::report::Status;
use proptest::prelude::*;
use std::path::Path;

fn with_ctx<T>(f: impl FnOnce(&Context<'_>) -> T) -> T {
    let organisations = Organisations::builtin();
    let required = default_required();
    let limits = Limits::default();
    let ctx = Context {
        organisations: &organisations,
        required: &required,
        limits: &limits,
        ocr: None,
    };
    f(&ctx)
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() < 100_000)
        .collect()
}

/// The report's fields follow the contract's rule 2 for non-forms.
fn consistent(bytes: &[u8], ctx: &Context<'_>) {
    if let Ok(report) = parse(bytes, ctx) {
        if matches!(
            report.status,
            Status::Unreadable | Status::Automated | Status::NotAForm
        ) {
            assert!(
                report.fields.is_empty() && report.missing.is_empty() && report.invalid.is_empty()
            );
            assert!(report.organisation_id.is_none());
        }
        if report.status == Status::Complete {
            assert!(report.missing.is_empty() && report.invalid.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        with_ctx(|ctx| consistent(&bytes, ctx));
    }

    #[test]
    fn mutated_corpus_messages_never_panic(
        index in 0usize..64,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..40),
    ) {
        let corpus = corpus();
        let mut bytes = corpus[index % corpus.len()].clone();
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at % bytes.len();
            match op {
                0 => bytes[at] = byte,
                1 => { bytes.remove(at); }
                _ => bytes.insert(at, byte),
            }
        }
        with_ctx(|ctx| consistent(&bytes, ctx));
    }

    #[test]
    fn form_like_text_never_panics(lines in proptest::collection::vec(
        prop_oneof![
            Just("Organisation: Falu kommun".to_string()),
            Just("Mejladress:".to_string()),
            Just("> Ersättare:.....".to_string()),
            Just("Från: a@b.se".to_string()),
            Just("Interna kontaktvägar:".to_string()),
            Just("Med vänlig hälsning".to_string()),
            Just("Datum: 31/13 2026".to_string()),
            "[\\PC]{0,40}",
        ], 0..60)) {
        let body = lines.join("\r\n");
        let message = format!("From: a@falun.se\r\nSubject: Blankett\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");
        with_ctx(|ctx| consistent(message.as_bytes(), ctx));
    }
}

#[test]
fn empty_and_headerless_input_are_clean_errors() {
    with_ctx(|ctx| {
        assert!(parse(b"", ctx).is_err());
        assert!(parse(b"   \r\n", ctx).is_err());
    });
}

#[test]
fn a_ten_thousand_line_body_is_read() {
    let mut body = String::from("Organisation: Mora kommun\r\nRepresentant: Anna Berg\r\n");
    for i in 0..10_000 {
        body.push_str(&format!("Rad {i} med lite text om ingenting särskilt\r\n"));
    }
    let message = format!("From: a@mora.se\r\nSubject: x\r\n\r\n{body}");
    with_ctx(|ctx| {
        let report = parse(message.as_bytes(), ctx).expect("a message");
        assert_eq!(report.status, Status::Incomplete);
        assert_eq!(report.organisation_id.as_deref(), Some("mora-kommun"));
    });
}

#[test]
fn five_hundred_nested_multiparts_are_read() {
    let mut message = String::from("From: a@mora.se\r\nSubject: x\r\n");
    for i in 0..500 {
        message.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    message.push_str(
        "Content-Type: text/plain\r\n\r\nOrganisation: Mora kommun\r\nRepresentant: Anna\r\n",
    );
    for i in (0..500).rev() {
        message.push_str(&format!("\r\n--b{i}--\r\n"));
    }
    with_ctx(|ctx| {
        let report = parse(message.as_bytes(), ctx).expect("a message");
        assert!(
            matches!(report.status, Status::Incomplete | Status::NotAForm),
            "{:?}",
            report.status
        );
    });
}

#[test]
fn deeply_nested_html_is_read() {
    let html = format!(
        "{}<p>Organisation: Mora kommun</p><p>Representant: Anna</p>{}",
        "<div>".repeat(5000),
        "</div>".repeat(5000)
    );
    let message = format!(
        "From: a@mora.se\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}"
    );
    with_ctx(|ctx| {
        let report = parse(message.as_bytes(), ctx).expect("a message");
        assert!(
            matches!(report.status, Status::Incomplete | Status::NotAForm),
            "{:?}",
            report.status
        );
    });
}
