//! `cargo bench`: messages per second for `parse` on one core, per kind of
//! fixture (bodies, .docx/.odt, PDF), read from tests/fixtures. A plain bench
//! binary (no harness) keeps the dependency tree lean; it prints one line per
//! group. Scans are left out: OCR time is measured per page by bench/ocr.sh.
//! Beside each group, in the same run on the same fixtures, the floor: what
//! the libraries blankett stands on cost with nothing of blankett (for a
//! body, mail-parser's parse and its first text body; for an attachment,
//! that plus unzipping and reading the XML, or loading the PDF and
//! extracting its text), and the ratio blankett ÷ floor (1.0 would be
//! blankett costing nothing of its own). Last, a typed form with a 60 KB
//! signature logo against the same form without it, with the real OCR when
//! it is installed: the logo must cost no OCR run (within 2× of the plain
//! message).

use blankett::attach::{default_ocr, Ocr};
use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use mail_parser::MimeHeaders;
use std::path::Path;
use std::time::{Duration, Instant};

fn group(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    if [
        "bomb",
        "laughs",
        "truncated",
        "corrupt",
        "circular",
        "garbage",
        "nested",
        "random",
        "password",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        "hostile"
    } else if lower.contains("scan")
        || lower.contains("ocr")
        || lower.contains("photo")
        || lower.contains("png")
    {
        "ocr"
    } else if lower.contains("-doc-") || lower.contains("rtf") {
        "doc/rtf"
    } else if lower.contains("docx") || lower.contains("odt") {
        "docx/odt"
    } else if lower.contains("pdf") {
        "pdf"
    } else {
        "body"
    }
}

const FORM_TEXT: &str = "Organisation: Orsa kommun\r\nRepresentant: Linnea Ström\r\nMejladress: linnea.strom@orsa.test\r\n\
    Ersättare: Erik Jansson\r\nMejladress: erik.jansson@orsa.test\r\nInterna kontaktvägar: Intranätet\r\n\
    Ansvarig chef: Ulla Persson\r\nTitel: Socialchef\r\nMejl/telefon: ulla.persson@orsa.test\r\nDatum: 2026-12-05\r\n";

/// A typed form in plain text and HTML, with or without a 200 × 60 logo
/// (padded to 60 KB) that the HTML shows by cid.
fn signed_form(logo: bool) -> Vec<u8> {
    let html = format!("<p>{}</p>", FORM_TEXT.replace("\r\n", "<br>"));
    let mut png =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\xc8\0\0\0\x3c\x08\x02\0\0\0\0\0\0\0".to_vec();
    png.resize(60_000, 0x55);
    let encoded: String = png
        .chunks(57)
        .map(|c| format!("{}\r\n", encode(c)))
        .collect();
    let (img, part) = if logo {
        (
            "<p><img src=\"cid:logo@x\"></p>",
            format!(
                "--r\r\nContent-Type: image/png; name=image001.png\r\nContent-ID: <logo@x>\r\n\
                 Content-Disposition: inline; filename=image001.png\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}"
            ),
        )
    } else {
        ("", String::new())
    };
    format!(
        "From: a@orsa.test\r\nTo: s@l.test\r\nSubject: Blankett\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
         --a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{FORM_TEXT}\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         {html}{img}\r\n--a--\r\n{part}--r--\r\n"
    )
    .into_bytes()
}

fn encode(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[((v >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// The floor for one message: mail-parser's parse, its first text body,
/// and each .docx/.odt attachment unzipped and its XML read as text, each
/// PDF loaded and its text extracted. Returns a size so nothing is optimised away.
fn floor(bytes: &[u8]) -> usize {
    let Some(message) = mail_parser::MessageParser::default().parse(bytes) else {
        return 0;
    };
    let mut size = message.body_text(0).map_or(0, |t| t.len());
    for part in message.attachments() {
        let name = part.attachment_name().unwrap_or_default().to_lowercase();
        let data = part.contents();
        if name.ends_with(".docx") || name.ends_with(".odt") {
            let entry = if name.ends_with(".docx") {
                "word/document.xml"
            } else {
                "content.xml"
            };
            let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(data)) else {
                continue;
            };
            let Ok(mut file) = archive.by_name(entry) else {
                continue;
            };
            let mut xml = String::new();
            if std::io::Read::read_to_string(&mut file, &mut xml).is_err() {
                continue;
            }
            let mut reader = quick_xml::Reader::from_str(&xml);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Text(t)) => size += t.len(),
                    Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                    _ => {}
                }
            }
        } else if name.ends_with(".pdf") {
            if let Ok(doc) = lopdf::Document::load_mem(data) {
                let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
                size += doc.extract_text(&pages).map_or(0, |t| t.len());
            }
        }
    }
    size
}

/// Messages per second for one message, over at least a second.
fn rate(bytes: &[u8], ctx: &Context<'_>) -> f64 {
    let _ = parse(bytes, ctx);
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        std::hint::black_box(parse(std::hint::black_box(bytes), ctx).ok());
        count += 1;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&p).expect("readable fixture");
            (name, bytes)
        })
        .collect();
    cases.sort();
    let organisations = Organisations::builtin();
    let required = default_required();
    let limits = Limits::default();
    let ctx = Context {
        organisations: &organisations,
        required: &required,
        limits: &limits,
        ocr: None,
    };
    for wanted in ["body", "docx/odt", "doc/rtf", "pdf", "hostile"] {
        let set: Vec<&(String, Vec<u8>)> =
            cases.iter().filter(|(n, _)| group(n) == wanted).collect();
        if set.is_empty() {
            continue;
        }
        // Warm up, then run each for at least two seconds, blankett and
        // the floor alternately on the same messages.
        for (_, bytes) in &set {
            let _ = parse(bytes, &ctx);
            let _ = floor(bytes);
        }
        let measure = |one: &dyn Fn(&[u8])| {
            let start = Instant::now();
            let mut count = 0u64;
            while start.elapsed() < Duration::from_secs(2) {
                for (_, bytes) in &set {
                    one(std::hint::black_box(bytes));
                    count += 1;
                }
            }
            (count, start.elapsed().as_secs_f64())
        };
        let (count, secs) = measure(&|b| {
            std::hint::black_box(parse(b, &ctx).ok());
        });
        let (floor_count, floor_secs) = measure(&|b| {
            std::hint::black_box(floor(b));
        });
        let rate = count as f64 / secs;
        let floor_rate = floor_count as f64 / floor_secs;
        println!(
            "parse {wanted:>9}: {} fixtures, {rate:.0} messages/s ({:.3} ms each); floor {floor_rate:.0} messages/s; ratio {:.2}",
            set.len(),
            secs * 1000.0 / count as f64,
            rate / floor_rate
        );
    }
    let ocr = default_ocr();
    let with_ocr = Context {
        ocr: ocr.as_ref().map(|o| o as &dyn Ocr),
        ..ctx
    };
    let plain = rate(&signed_form(false), &with_ocr);
    let logo = rate(&signed_form(true), &with_ocr);
    // The floor: mail-parser alone decodes every part, the logo's base64 too.
    let floor = |bytes: &[u8]| {
        let parser = mail_parser::MessageParser::default();
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < Duration::from_secs(1) {
            std::hint::black_box(
                parser
                    .parse(std::hint::black_box(bytes))
                    .map(|m| m.parts.len()),
            );
            count += 1;
        }
        count as f64 / start.elapsed().as_secs_f64()
    };
    let (floor_plain, floor_logo) = (floor(&signed_form(false)), floor(&signed_form(true)));
    println!(
        "signature logo (OCR {}): {plain:.0} messages/s without, {logo:.0} with a 60 KB logo: {:.2}× the cost (target: under 2×); \
         mail-parser alone: {floor_plain:.0} and {floor_logo:.0} messages/s, {:.2}×",
        if ocr.is_some() { "installed" } else { "not installed" },
        plain / logo,
        floor_plain / floor_logo
    );
}
