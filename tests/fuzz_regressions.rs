//! Inputs that once crashed a fuzz target (`fuzz/`), kept so they never do
//! again: each goes through the same entry point as its target and must come
//! back as a value, not a panic.

use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("readable input"),
            )
        })
        .collect()
}

#[test]
fn parse_survives_every_input_that_once_crashed_it() {
    let cases = inputs("parse");
    assert!(
        !cases.is_empty(),
        "tests/fuzz-regressions/parse holds the crashing inputs"
    );
    let organisations = Organisations::builtin();
    let required = default_required();
    let limits = Limits::default();
    let ctx = Context {
        organisations: &organisations,
        required: &required,
        limits: &limits,
        ocr: None,
    };
    for (name, bytes) in cases {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parse(&bytes, &ctx).map(|r| r.status)
        }));
        assert!(outcome.is_ok(), "{name} panics again");
    }
}
