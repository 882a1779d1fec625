//! The roster commands end to end: a database built through the store's
//! public API, a configuration pointing at it, and the binary's output.
//! It must not reach for the database's tables directly.

use blankett::form::Key;
use blankett::store::roster::{Effects, RegistrationWrite, SubmissionWrite};
use blankett::store::{Handled, Place, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fields(pairs: &[(Key, &str)]) -> blankett::roster::Fields {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

fn handled(uid: u32) -> Handled {
    Handled {
        place: Place {
            folder: "INBOX".into(),
            uidvalidity: 1,
            uid,
        },
        message_id: Some(format!("<m{uid}@mail.test>")),
        sender: Some("someone@mail.test".into()),
        status: "complete".into(),
        note: "test".into(),
        destination: "processed".into(),
        reference: format!("BL-TEST{uid:02}"),
        report_json: "{}".into(),
        raw: Vec::new(),
        counts_for_sender: false,
    }
}

/// A message that registers `values` for an organisation (or, with
/// `state` pending, only leaves a submission waiting).
fn commit(
    store: &mut Store,
    uid: u32,
    id: Option<&str>,
    name: &str,
    values: &[(Key, &str)],
    state: &str,
    changes: Vec<(Key, Option<String>, Option<String>)>,
) {
    let fields = fields(values);
    let effects = Effects {
        submission: Some(SubmissionWrite::New {
            organisation_id: id.map(Into::into),
            organisation: Some(name.into()),
            fields: fields.clone(),
            problems: Default::default(),
            state: state.into(),
            review_reason: None,
        }),
        registration: (state == "registered").then(|| RegistrationWrite {
            organisation_key: id.unwrap_or(name).to_lowercase(),
            organisation_id: id.map(Into::into),
            organisation: name.into(),
            fields,
            kind: if changes.is_empty() {
                "first"
            } else {
                "change"
            }
            .into(),
            changes,
        }),
        ..Default::default()
    };
    let now = format!("2026-12-{:02}T08:00:00+00:00", uid);
    store
        .commit(&handled(uid), &[], &effects, &now[..10], &now)
        .expect("commits");
}

/// A folder with a database holding a small roster and a configuration.
fn roster(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blankett-roster-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut store =
        Store::open(&dir.join("roster.sqlite"), "2026-12-01T00:00:00+00:00").expect("opens");
    let falun = [
        (Key::RepresentativeName, "Anna Berg"),
        (Key::RepresentativeEmail, "anna.berg@falun.test"),
        (Key::SubstituteName, "Erik Lind"),
        (Key::SubstituteEmail, "erik.lind@falun.test"),
        (Key::ManagerName, "Karin Ek"),
        (Key::SignedDate, "2026-11-28"),
    ];
    commit(
        &mut store,
        1,
        Some("falu-kommun"),
        "Falu kommun",
        &falun,
        "registered",
        vec![],
    );
    let mut changed = falun;
    changed[2] = (Key::SubstituteName, "Eva Ek");
    changed[3] = (Key::SubstituteEmail, "eva.ek@falun.test");
    let change = vec![
        (
            Key::SubstituteName,
            Some("Erik Lind".into()),
            Some("Eva Ek".into()),
        ),
        (
            Key::SubstituteEmail,
            Some("erik.lind@falun.test".into()),
            Some("eva.ek@falun.test".into()),
        ),
    ];
    commit(
        &mut store,
        2,
        Some("falu-kommun"),
        "Falu kommun",
        &changed,
        "registered",
        change,
    );
    let trygga = [
        (Key::RepresentativeName, "Sara Holm"),
        (Key::RepresentativeEmail, "Anna.Berg@falun.test"),
    ];
    commit(
        &mut store,
        3,
        None,
        "Trygga hem",
        &trygga,
        "registered",
        vec![],
    );
    let ludvika = [(Key::RepresentativeName, "Olle Ny")];
    commit(
        &mut store,
        4,
        Some("ludvika-kommun"),
        "Ludvika kommun",
        &ludvika,
        "pending",
        vec![],
    );
    drop(store);
    std::fs::write(
        dir.join("blankett.toml"),
        "[database]\npath = \"roster.sqlite\"\n",
    )
    .expect("writes the configuration");
    dir
}

fn blankett(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("--config")
        .arg(dir.join("blankett.toml"))
        .args(args)
        .env_remove("BLANKETT_CONFIG")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn the_roster_in_each_format() {
    let dir = roster("formats");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&blankett(&dir, &["roster", "--format", "json"])))
            .expect("valid JSON");
    let entries = json.as_array().expect("an array");
    assert_eq!(entries.len(), 2, "{json}");
    let keys = [
        "organisation_id",
        "organisation",
        "representative_name",
        "representative_email",
        "substitute_name",
        "substitute_email",
        "internal_channels",
        "manager_name",
        "manager_title",
        "manager_contact",
        "signed_date",
        "registered_at",
        "source_message_id",
        // Roster upkeep (running contract): the yearly confirmation and the
        // marks of undeliverable addresses.
        "confirmed_at",
        "representative_undeliverable",
        "substitute_undeliverable",
    ];
    for entry in entries {
        let object = entry.as_object().expect("objects");
        assert_eq!(object.len(), keys.len(), "{entry}");
        for key in keys {
            assert!(object.contains_key(key), "{key} missing in {entry}");
        }
    }
    assert_eq!(entries[0]["organisation_id"], "falu-kommun");
    assert_eq!(entries[0]["substitute_name"], "Eva Ek");
    assert_eq!(entries[0]["source_message_id"], "<m2@mail.test>");
    assert!(entries[0]["manager_title"].is_null());
    assert!(entries[1]["organisation_id"].is_null());

    let table = stdout(&blankett(&dir, &["roster"]));
    assert!(
        table.contains("Anna Berg <anna.berg@falun.test>"),
        "{table}"
    );
    assert!(table.contains("Trygga hem"), "{table}");

    let csv = stdout(&blankett(&dir, &["roster", "--format", "csv"]));
    assert!(
        csv.starts_with("\u{feff}Organisation;Representant;"),
        "{csv}"
    );
    assert!(
        csv.contains("Falu kommun;Anna Berg;anna.berg@falun.test;Eva Ek;"),
        "{csv}"
    );

    let refused = blankett(&dir, &["roster", "--format", "xlsx"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--output"));
    let file = dir.join("roster.xlsx");
    let file_arg = file.to_string_lossy().into_owned();
    stdout(&blankett(
        &dir,
        &["roster", "--format", "xlsx", "--output", &file_arg],
    ));
    let bytes = std::fs::read(&file).expect("the workbook is written");
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip file");
}

#[test]
fn mailing_list_organisations_and_history() {
    let dir = roster("lists");
    assert_eq!(
        stdout(&blankett(&dir, &["export", "--mailing-list"])),
        "anna.berg@falun.test; eva.ek@falun.test\n"
    );

    let overview = stdout(&blankett(&dir, &["organisations"]));
    let flags = |id: &str| -> Vec<String> {
        let line = overview
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} missing in:\n{overview}"));
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        words[words.len() - 3..].to_vec()
    };
    assert_eq!(flags("falu-kommun"), ["yes", "yes", "no"], "{overview}");
    assert_eq!(flags("ludvika-kommun"), ["no", "no", "yes"], "{overview}");
    assert_eq!(flags("hedemora-kommun"), ["no", "no", "no"], "{overview}");
    assert!(
        overview.contains("not on the organisation list: Trygga hem"),
        "{overview}"
    );

    let all = stdout(&blankett(&dir, &["history"]));
    assert_eq!(
        all.lines().filter(|l| l.starts_with("2026-")).count(),
        3,
        "{all}"
    );
    let falun = stdout(&blankett(&dir, &["history", "Falu kommun"]));
    assert!(
        falun.contains("substitute_name: Erik Lind → Eva Ek"),
        "{falun}"
    );
    assert!(!falun.contains("Trygga"), "{falun}");
    let unknown = blankett(&dir, &["history", "Nowhere at all"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no organisation matches"));
}

#[test]
fn a_missing_database_is_an_error() {
    let dir = std::env::temp_dir().join(format!("blankett-roster-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("blankett.toml"),
        "[database]\npath = \"absent.sqlite\"\n",
    )
    .expect("writes the configuration");
    let output = blankett(&dir, &["roster"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database"));
    assert!(!dir.join("absent.sqlite").exists());
}
