//! Every `tests/fixtures/NAME.eml` is read and compared with `NAME.json`, by
//! the rules of the corpus README: status, source (for forms), fields,
//! organisation_id, missing and the set of invalid keys. Scans are judged
//! against `ocr_fields` when OCR (and any program in `ocr_needs`) is
//! installed, and as `unreadable` otherwise.

use blankett::attach::{default_ocr, Ocr};
use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    cases.sort();
    cases
}

/// The expected result, adjusted for scans when OCR is (not) installed.
fn expected(path: &Path, ocr: bool) -> Value {
    let text =
        std::fs::read_to_string(path.with_extension("json")).expect("every .eml has a .json");
    let mut want: Value = serde_json::from_str(&text).expect("valid expected JSON");
    // A case may need a program besides OCR (heif-convert for HEIC photos):
    // without it the case is judged as if OCR were missing.
    let needs = want.get("ocr_needs").and_then(Value::as_array).cloned();
    let ocr = ocr
        && needs
            .unwrap_or_default()
            .iter()
            .all(|p| on_path(p.as_str().unwrap_or("")));
    if let Some(ocr_fields) = want.get("ocr_fields").cloned() {
        if ocr {
            want["fields"] = ocr_fields;
            if let Some(status) = want.get("ocr_status").cloned() {
                want["status"] = status;
            } else {
                want["status"] = json!("complete");
            }
            if let Some(id) = want.get("ocr_organisation_id").cloned() {
                want["organisation_id"] = id;
            } else if let Some(name) = want["fields"]["organisation"].as_str() {
                // Judged like any other form: the name read gives the id.
                let id = Organisations::builtin()
                    .match_name(name)
                    .map(str::to_string);
                want["organisation_id"] = json!(id);
            }
        }
    }
    want
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()))
}

fn set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other["field"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The differences between what was read and what was expected.
fn compare(got: &Value, want: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for key in ["status", "organisation_id"] {
        if got[key] != want[key] {
            problems.push(format!("{key}: got {}, want {}", got[key], want[key]));
        }
    }
    let status = want["status"].as_str().unwrap_or_default();
    if ["complete", "incomplete", "unreadable"].contains(&status) && got["source"] != want["source"]
    {
        problems.push(format!(
            "source: got {}, want {}",
            got["source"], want["source"]
        ));
    }
    let invalid = set(&want["invalid"]);
    let empty = Map::new();
    let got_fields = got["fields"].as_object().unwrap_or(&empty);
    let want_fields = want["fields"].as_object().unwrap_or(&empty);
    for (key, value) in want_fields {
        if got_fields.get(key) != Some(value) {
            problems.push(format!(
                "fields.{key}: got {:?}, want {value}",
                got_fields.get(key)
            ));
        }
    }
    for key in got_fields.keys() {
        if !want_fields.contains_key(key) && !invalid.contains(key) {
            problems.push(format!(
                "fields.{key}: got {}, want nothing",
                got_fields[key]
            ));
        }
    }
    if set(&got["missing"]) != set(&want["missing"]) {
        problems.push(format!(
            "missing: got {}, want {}",
            got["missing"], want["missing"]
        ));
    }
    if set(&got["invalid"]) != invalid {
        problems.push(format!(
            "invalid: got {}, want {}",
            got["invalid"], want["invalid"]
        ));
    }
    if let Some(method) = want.get("method") {
        if got["method"] != *method {
            problems.push(format!("method: got {}, want {method}", got["method"]));
        }
    }
    // Several forms in one message (rule 13): the others, in order.
    let none = Vec::new();
    let got_more = got["more_forms"].as_array().unwrap_or(&none);
    let want_more = want["more_forms"].as_array().unwrap_or(&none);
    if got_more.len() != want_more.len() {
        problems.push(format!(
            "more_forms: got {} forms, want {}",
            got_more.len(),
            want_more.len()
        ));
    } else {
        for (n, (g, w)) in got_more.iter().zip(want_more).enumerate() {
            problems.extend(
                compare(g, w)
                    .into_iter()
                    .map(|p| format!("more_forms[{n}].{p}")),
            );
        }
    }
    problems
}

#[test]
fn every_fixture_reads_as_expected() {
    let organisations = Organisations::builtin();
    let required = default_required();
    let limits = Limits::default();
    let ocr = default_ocr();
    let ctx = Context {
        organisations: &organisations,
        required: &required,
        limits: &limits,
        ocr: ocr.as_ref().map(|o| o as &dyn Ocr),
    };
    let cases = fixtures();
    assert!(cases.len() >= 26, "the corpus is in tests/fixtures");
    let mut failures = Vec::new();
    for path in &cases {
        let bytes = std::fs::read(path).expect("readable fixture");
        let report = parse(&bytes, &ctx).expect("every fixture is a message");
        let got = serde_json::to_value(&report).expect("report serialises");
        let want = expected(path, ctx.ocr.is_some());
        let problems = compare(&got, &want);
        if !problems.is_empty() {
            failures.push(format!(
                "{}:\n  {}\n  got:  {}\n  want: {}",
                path.file_name().unwrap_or_default().to_string_lossy(),
                problems.join("\n  "),
                got,
                want
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
