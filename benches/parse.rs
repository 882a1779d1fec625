//! `cargo bench`: messages per second for `parse` on one core, per kind of
//! fixture (bodies, .docx/.odt, PDF), read from tests/fixtures. A plain bench
//! binary (no harness) keeps the dependency tree lean; it prints one line per
//! group. Scans are left out: OCR time is measured per page by bench/ocr.sh.

use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use std::path::Path;
use std::time::{Duration, Instant};

fn group(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    if ["bomb", "laughs", "truncated", "corrupt", "circular"]
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
    } else if lower.contains("docx") || lower.contains("odt") {
        "docx/odt"
    } else if lower.contains("pdf") {
        "pdf"
    } else {
        "body"
    }
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
    for wanted in ["body", "docx/odt", "pdf", "hostile"] {
        let set: Vec<&(String, Vec<u8>)> =
            cases.iter().filter(|(n, _)| group(n) == wanted).collect();
        if set.is_empty() {
            continue;
        }
        // Warm up, then run for at least two seconds.
        for (_, bytes) in &set {
            let _ = parse(bytes, &ctx);
        }
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < Duration::from_secs(2) {
            for (_, bytes) in &set {
                std::hint::black_box(parse(std::hint::black_box(bytes), &ctx).ok());
                count += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "parse {wanted:>9}: {} fixtures, {count} messages in {secs:.2} s = {:.0} messages/s ({:.3} ms each)",
            set.len(),
            count as f64 / secs,
            secs * 1000.0 / count as f64
        );
    }
}
