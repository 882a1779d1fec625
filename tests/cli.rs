//! The binary as a user runs it: `parse` prints the contract's JSON and exits
//! 0; a file that is not a message gives one line on stderr and a non-zero
//! exit; `--config` changes what is required.

use std::path::Path;
use std::process::{Command, Output};

fn blankett(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args(args)
        .env_remove("BLANKETT_CONFIG")
        .output()
        .expect("the binary runs")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn parse_prints_json() {
    let out = blankett(&["parse", &fixture("p01-body-outlook-complete.eml")]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["status"], "complete");
    assert_eq!(json["organisation_id"], "falu-kommun");
}

#[test]
fn unreadable_input_is_one_line_and_non_zero() {
    let dir = std::env::temp_dir().join(format!("blankett-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let empty = dir.join("empty.eml");
    std::fs::write(&empty, b"").expect("write");
    for args in [
        vec!["parse", empty.to_str().unwrap_or_default()],
        vec!["parse", "/nonexistent/x.eml"],
    ] {
        let out = blankett(&args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_configuration_sets_the_required_keys() {
    let dir = std::env::temp_dir().join(format!("blankett-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("blankett.toml");
    std::fs::write(
        &config,
        "[form]\nrequired = [\"organisation\", \"representative_name\"]\n",
    )
    .expect("write");
    let out = blankett(&[
        "--config",
        config.to_str().unwrap_or_default(),
        "parse",
        &fixture("p14-incomplete-no-substitute.eml"),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["status"], "complete", "{json}");
    std::fs::write(&config, "[form]\nrequired = [\"organisaton\"]\n").expect("write");
    let out = blankett(&[
        "--config",
        config.to_str().unwrap_or_default(),
        "parse",
        &fixture("p01-body-outlook-complete.eml"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("organisaton") && stderr.contains("line 2"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_readable_config_with_a_password_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("blankett-secret-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("blankett.toml");
    std::fs::write(
        &config,
        "[imap]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nusername = \"a@b.se\"\npassword = \"hemligt\"\n",
    )
    .expect("write");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = blankett(&[
        "--config",
        config.to_str().unwrap_or_default(),
        "parse",
        &fixture("p19-question-next-meeting.eml"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("readable by other users"), "{stderr}");
    assert!(!stderr.contains("hemligt"), "the password is never printed");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = blankett(&[
        "--config",
        config.to_str().unwrap_or_default(),
        "parse",
        &fixture("p19-question-next-meeting.eml"),
    ]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("readable"));
    std::fs::remove_dir_all(&dir).ok();
}
