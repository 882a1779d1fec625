//! `blankett doctor` against the real Dovecot and Postfix (scripts/mailserver):
//! a working setup written by `blankett init` and completed for the test
//! server passes every check and exits 0 without touching the mailbox; each
//! broken setup exits 1 with advice that names what to change. These tests
//! fail, never skip, when the server cannot be started (it needs root).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/mailserver.rs"]
mod support;
use support::var;

/// A folder written by `blankett init`, with a configuration for the test
/// server: IMAPS and SMTPS with the private CA, a password file, and the
/// written organisation list and templates.
struct Setup {
    dir: PathBuf,
    bot: String,
}

impl Setup {
    fn new(name: &str) -> Self {
        let tag = format!("{name}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("blankett-doctor-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(env!("CARGO_BIN_EXE_blankett"))
            .arg("init")
            .arg(&dir)
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let setup = Setup {
            bot: format!("t-doctor-{tag}@lansstyrelsen.test"),
            dir,
        };
        setup.password(&var("MAIL_PASSWORD"));
        setup.configure(&[]);
        setup
    }

    fn password(&self, password: &str) {
        let path = self.dir.join("password");
        std::fs::write(&path, format!("{password}\n")).expect("password file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600");
        }
    }

    /// Writes the configuration, with `(from, to)` replacements applied.
    fn configure(&self, changes: &[(&str, &str)]) {
        let mut text = format!(
            "[imap]\nhost = \"127.0.0.1\"\nport = {imaps}\nsecurity = \"tls\"\nusername = \"{bot}\"\n\
             password_file = \"password\"\nca_file = \"{ca}\"\ntls_name = \"{name}\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {smtps}\nsecurity = \"tls\"\nusername = \"{bot}\"\n\
             password_file = \"password\"\nca_file = \"{ca}\"\ntls_name = \"{name}\"\n\
             from = \"Länsgruppen MVK <{bot}>\"\n\n\
             [strategist]\naddress = \"{bot}\"\n\n[database]\npath = \"blankett.sqlite\"\n\n\
             [form]\norganisations = \"organisations.toml\"\n\n[answers]\ntemplates = \"templates\"\n\n\
             [trust]\ninternal_relays = [\"127.0.0.1\"]\n",
            imaps = var("MAIL_IMAPS_PORT"),
            smtps = var("MAIL_SMTPS_PORT"),
            ca = var("MAIL_CA_CERT"),
            name = var("MAIL_TLS_NAME"),
            bot = self.bot,
        );
        for (from, to) in changes {
            assert!(text.contains(from), "`{from}` is not in the configuration");
            text = text.replacen(from, to, 1);
        }
        std::fs::write(self.dir.join("blankett.toml"), text).expect("config");
    }

    /// `blankett doctor`: exit code and standard output.
    fn doctor(&self) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_blankett"))
            .arg("--config")
            .arg(self.dir.join("blankett.toml"))
            .arg("doctor")
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code().unwrap_or(-1), stdout)
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The verdict doctor printed for a check (`ok`, `warn`, `FAIL`).
fn verdict<'a>(report: &'a str, check: &str) -> Option<&'a str> {
    report.lines().find_map(|line| {
        let mut words = line.split("  ").map(str::trim).filter(|w| !w.is_empty());
        let verdict = words.next()?;
        (words.next()? == check).then_some(verdict)
    })
}

#[tokio::test]
async fn a_working_setup_passes_and_no_mail_is_touched() {
    let s = Setup::new("working");
    // A database from an earlier run, so that its check reads it.
    blankett::store::Store::open(&s.dir.join("blankett.sqlite"), "2026-01-01T00:00:00Z")
        .expect("a database");
    let id = format!("doctor-{}@test", std::process::id());
    support::deliver(
        "From: x\r\nTo: y\r\nMessage-ID: <x>\r\nSubject: Hej\r\n\r\nEn vanlig fråga.\r\n",
        "person@falun.test",
        &s.bot,
        &id,
    )
    .await;
    support::arrived(&s.bot, &id).await;
    let before = support::flags(&s.bot).await;

    let (code, report) = s.doctor();
    for check in [
        "configuration",
        "imap password",
        "smtp password",
        "imap ca_file",
        "smtp ca_file",
        "organisations",
        "strategist authentication",
        "templates",
        "database",
        "imap",
        "imap capabilities",
        "imap folders",
        "smtp",
    ] {
        assert_eq!(verdict(&report, check), Some("ok"), "{check}:\n{report}");
    }
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("IDLE yes, MOVE yes, UIDPLUS yes"),
        "{report}"
    );
    assert!(report.contains("INBOX has 1 messages"), "{report}");
    assert!(report.contains("schema version"), "{report}");
    assert!(report.contains("every check passed"), "{report}");

    assert_eq!(support::flags(&s.bot).await, before, "doctor changed flags");
    let (_, again) = s.doctor();
    assert!(
        again.contains("Blankett/Behandlade is created on first use"),
        "doctor created a folder:\n{again}"
    );
}

#[test]
fn doctor_warns_when_the_strategists_mail_cannot_be_recognised() {
    use blankett::authresults::TrustConfig;
    use blankett::doctor::local::authentication;
    use blankett::doctor::Verdict;
    let none = authentication(&TrustConfig::default());
    assert_eq!(none.verdict, Verdict::Warn);
    assert!(
        none.advice.contains("[trust] authserv_ids"),
        "{}",
        none.advice
    );
    let set = authentication(&TrustConfig {
        authserv_ids: vec!["mx.lst.se".into()],
        ..TrustConfig::default()
    });
    assert_eq!(set.verdict, Verdict::Ok);
    assert!(set.advice.contains("mx.lst.se"), "{}", set.advice);
}

/// A port on loopback where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A broken setup: what is changed in the working one, and what doctor must say.
struct Case<'a> {
    name: &'a str,
    password: &'a str,
    changes: Vec<(&'a str, &'a str)>,
    check: &'a str,
    advice: String,
}

#[test]
fn broken_setups_get_specific_advice() {
    let s = Setup::new("broken");
    let dir = s.dir.display().to_string();
    let (password, tls_name) = (var("MAIL_PASSWORD"), var("MAIL_TLS_NAME"));
    let imaps = format!("port = {}", var("MAIL_IMAPS_PORT"));
    let closed_port = closed_port();
    let closed = format!("port = {closed_port}");
    let plain = format!("port = {}", var("MAIL_IMAP_PORT"));
    let ca = format!("ca_file = \"{}\"", var("MAIL_CA_CERT"));
    let name = format!("tls_name = \"{tls_name}\"");
    let case = |name, changes, check, advice: &str| Case {
        name,
        password: &password,
        changes,
        check,
        advice: advice.to_string(),
    };
    let cases = vec![
        Case {
            password: "not-the-password",
            ..case("wrong password", vec![], "imap", &format!(
                "IMAP login as {} refused: check the password in imap.password_file {dir}/password",
                s.bot
            ))
        },
        case("wrong port", vec![(&imaps, &closed)], "imap", &format!(
            "nothing answers at 127.0.0.1:{closed_port}: check imap.host and imap.port"
        )),
        case("TLS to the plain port", vec![(&imaps, &plain)], "imap",
            "does not speak what imap.security = \"tls\" expects: check imap.security and imap.port"),
        case("missing CA", vec![(&ca, "ca_file = \"missing-ca.pem\"")], "imap ca_file", &format!(
            "imap.ca_file {dir}/missing-ca.pem does not exist: point it at the PEM file"
        )),
        case("TLS name", vec![(&name, "tls_name = \"wrong.test\"")], "imap", &format!(
            "certificate is for {tls_name}, not for the name blankett checks: set imap.tls_name = \"{tls_name}\""
        )),
        case("missing template folder",
            vec![("templates = \"templates\"", "templates = \"no-such-folder\"")], "templates",
            &format!("answers.templates {dir}/no-such-folder does not exist: create it with `blankett init DIR`")),
        case("plain IMAP to another host",
            vec![("host = \"127.0.0.1\"\nport", "host = \"imap.example.se\"\nsecurity = \"none\"\nport"),
                 ("security = \"tls\"\nusername", "username")],
            "configuration",
            "imap.security = \"none\" is only allowed to a loopback address, not `imap.example.se`: use \"tls\" or \"starttls\""),
    ];
    let mut wrong = Vec::new();
    for c in &cases {
        s.password(c.password);
        s.configure(&c.changes);
        let (code, report) = s.doctor();
        let ok = code == 1
            && verdict(&report, c.check) == Some("FAIL")
            && report.contains(c.advice.as_str());
        if !ok {
            wrong.push(format!(
                "{}: expected exit 1 and FAIL {} with\n    {}\n  got exit {code}:\n{report}",
                c.name, c.check, c.advice
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        !Path::new(&s.dir).join("blankett.sqlite").exists(),
        "doctor must never create the database"
    );
}
