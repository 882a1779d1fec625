//! The doctor's checks on this machine: the configuration file, passwords,
//! CA files, the organisation list, the templates, the database (opened
//! read-only, never created) and the OCR programs. Reads only; writes nothing.

use super::Check;
use crate::compose::{Templates, BUILTIN};
use crate::config::{Config, Secret};
use crate::organisations::Organisations;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Reads and parses the configuration; `None` when the rest cannot be checked.
pub fn configuration(path: &Path, checks: &mut Vec<Check>) -> Option<Config> {
    let name = "configuration";
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            checks.push(Check::fail(name, format!(
                "{} does not exist: pass the right file with --config (or BLANKETT_CONFIG), or write one with `blankett init DIR`",
                path.display()
            )));
            return None;
        }
        Err(e) => {
            checks.push(Check::fail(
                name,
                format!(
                    "cannot read {} ({e}): it must be readable by the user blankett runs as",
                    path.display()
                ),
            ));
            return None;
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let config = match Config::parse(&text, base) {
        Ok(config) => config,
        Err(e) => {
            checks.push(Check::fail(name, format!("{}: {e}", path.display())));
            return None;
        }
    };
    checks.push(Check::ok(name, path.display().to_string()));
    for (section, present) in [
        ("imap", config.imap.is_some()),
        ("smtp", config.smtp.is_some()),
    ] {
        if !present {
            checks.push(Check::fail(section, format!(
                "the configuration has no [{section}] section: add one (`blankett init DIR` writes a commented example)"
            )));
        }
    }
    if config.strategist.address.is_empty() {
        checks.push(Check::warn(
            "strategist",
            "strategist.address is not set: review notices go to the From address of [smtp], and only mail from it can resolve reviews",
        ));
    }
    Some(config)
}

/// Resolves a password as the daemon does (file, then environment, then the
/// configuration); the check says where it came from or what is missing.
pub fn password(name: &str, section: &str, secret: &Secret) -> (Check, Option<String>) {
    if let Some(path) = &secret.password_file {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return (Check::fail(name, format!(
                    "{section}.password_file {shown} does not exist: write the password into it on one line, then run chmod 600 {shown}"
                )), None)
            }
            Err(e) => {
                return (Check::fail(name, format!(
                    "cannot read {section}.password_file {shown} ({e}): it must be readable by the user blankett runs as, and by no one else"
                )), None)
            }
        };
        let password = text.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            return (
                Check::fail(
                    name,
                    format!("{section}.password_file {shown} is empty: write the password into it"),
                ),
                None,
            );
        }
        let check = if readable_by_others(path) {
            Check::warn(
                name,
                format!("{shown} can be read by other users: run chmod 600 {shown}"),
            )
        } else {
            Check::ok(name, format!("from {shown}"))
        };
        return (check, Some(password));
    }
    if let Some(var) = &secret.password_env {
        return match std::env::var(var) {
            Ok(password) if !password.is_empty() => (
                Check::ok(name, format!("from the environment variable {var}")),
                Some(password),
            ),
            _ => (Check::fail(name, format!(
                "the environment variable {var} ({section}.password_env) is not set: set it where blankett starts (systemd: EnvironmentFile=), or use {section}.password_file"
            )), None),
        };
    }
    match &secret.password {
        Some(password) => (Check::warn(name, format!(
            "the password is written in the configuration file: move it into a file with mode 600 and name that file in {section}.password_file"
        )), Some(password.clone())),
        None => (Check::fail(name, format!(
            "[{section}] names no password: set {section}.password_file to a file holding it (mode 600)"
        )), None),
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> bool {
    false
}

/// Checks an extra CA file; true when there is none or it is usable.
pub fn ca_file(section: &str, path: Option<&Path>, checks: &mut Vec<Check>) -> bool {
    let Some(path) = path else {
        return true;
    };
    let name = format!("{section} ca_file");
    let shown = path.display();
    let verdict = match std::fs::read_to_string(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => Check::fail(&name, format!(
            "{section}.ca_file {shown} does not exist: point it at the PEM file of the CA that signed the server's certificate, or remove the key when a public CA signed it"
        )),
        Err(e) => Check::fail(&name, format!(
            "cannot read {section}.ca_file {shown} ({e}): it must be readable by the user blankett runs as"
        )),
        Ok(text) => match text.matches("-----BEGIN CERTIFICATE-----").count() {
            0 => Check::fail(&name, format!(
                "{section}.ca_file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----): export the CA certificate as PEM"
            )),
            n => Check::ok(&name, format!("{shown}: {n} certificate(s)")),
        },
    };
    let usable = verdict.verdict != super::Verdict::Fail;
    checks.push(verdict);
    usable
}

/// How blankett can tell the strategist's own mail from a forgery
/// (`identity`): without any source, her privileges (forms registered on her
/// word, reviews resolved by mail) cannot work, and her mail is handled as
/// anyone's.
pub fn authentication(trust: &crate::authresults::TrustConfig) -> Check {
    let name = "strategist authentication";
    let mut sources = Vec::new();
    if !trust.authserv_ids.is_empty() {
        sources.push(format!(
            "Authentication-Results from {}",
            trust.authserv_ids.join(", ")
        ));
    }
    if trust.trust_microsoft {
        sources.push("Microsoft 365 / Exchange headers".to_string());
    }
    if !trust.internal_relays.is_empty() {
        let relays: Vec<String> = trust
            .internal_relays
            .iter()
            .map(ToString::to_string)
            .collect();
        sources.push(format!("internal relays {}", relays.join(", ")));
    }
    if sources.is_empty() {
        Check::warn(
            name,
            "no way to recognise the strategist's own mail is configured, so her GODKÄNN and AVVISA \
             by mail are refused and her forms go to review like anyone's: set [trust] authserv_ids \
             (the receiving server's Authentication-Results), trust_microsoft (Microsoft 365 or \
             Exchange) or internal_relays (README, \"Recognising the strategist's mail\")",
        )
    } else {
        Check::ok(name, sources.join("; "))
    }
}

/// The organisation list: the built-in one, or the configured file parsed.
pub fn organisations(path: Option<&Path>) -> Check {
    let name = "organisations";
    let Some(path) = path else {
        let n = Organisations::builtin().all().len();
        return Check::ok(
            name,
            format!("the list built into the binary ({n} organisations)"),
        );
    };
    let shown = path.display();
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => Check::fail(name, format!(
            "form.organisations {shown} does not exist: fix the path, remove the key to use the built-in list, or run `blankett init DIR` for a copy to edit"
        )),
        Err(e) => Check::fail(name, format!("cannot read form.organisations {shown} ({e})")),
        Ok(text) => match Organisations::parse(&text) {
            Ok(list) => Check::ok(name, format!("{shown}: {} organisations", list.all().len())),
            Err(e) => Check::fail(name, format!(
                "{shown}: {e}: fix it (`blankett init DIR` writes a valid copy to compare with)"
            )),
        },
    }
}

/// The template folder: it exists, every file in it compiles, and no file
/// has a name blankett would not use (a misspelt name is silently ignored).
pub fn templates(dir: Option<&Path>) -> Check {
    let name = "templates";
    let Some(dir) = dir else {
        return Check::ok(name, "the templates built into the binary");
    };
    let shown = dir.display();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Check::fail(name, format!(
            "answers.templates {shown} does not exist: create it with `blankett init DIR` (which copies the built-in templates), or remove the key to use the built-in ones"
        )),
        Err(e) => return Check::fail(name, format!(
            "cannot read answers.templates {shown} ({e}): it must be a folder readable by the user blankett runs as"
        )),
    };
    let mut unknown = Vec::new();
    let mut overrides = BTreeMap::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !BUILTIN.iter().any(|(known, _)| *known == file) {
            if file != "README.md" && !file.starts_with('.') {
                unknown.push(file);
            }
            continue;
        }
        match std::fs::read_to_string(entry.path()) {
            Ok(text) => {
                overrides.insert(file, text);
            }
            Err(e) => {
                return Check::fail(
                    name,
                    format!("cannot read {} ({e})", entry.path().display()),
                )
            }
        }
    }
    if let Err(e) = Templates::new(&overrides) {
        return Check::fail(
            name,
            format!(
                "{}: {} does not compile: {}; fix it, or delete it to use the built-in one",
                shown, e.name, e.message
            ),
        );
    }
    let summary = match overrides.len() {
        n if n == BUILTIN.len() => format!("{shown}: all {n} templates from this folder"),
        n => format!(
            "{shown}: {n} of {} templates from this folder, the rest built in",
            BUILTIN.len()
        ),
    };
    if unknown.is_empty() {
        Check::ok(name, summary)
    } else {
        unknown.sort();
        Check::warn(name, format!(
            "{summary}; {} not a template name blankett uses and ignored (misspelt? templates/README.md lists the names)",
            unknown.join(", ")
        ))
    }
}

/// The database: opened read-only when it is there; otherwise its folder
/// must exist, since the daemon creates the file on its first start.
pub fn database(path: &Path) -> Check {
    let name = "database";
    let shown = path.display();
    if !path.exists() {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        return if folder.is_dir() {
            Check::ok(name, format!(
                "{shown} is not there yet: `blankett run` or `once` creates it (its folder {} must be writable by the user blankett runs as)",
                folder.display()
            ))
        } else {
            Check::fail(name, format!(
                "the folder of [database] path, {}, does not exist: create it (for the service: install -d -o blankett -g blankett -m 700 {})",
                folder.display(),
                folder.display()
            ))
        };
    }
    match read_database(path) {
        Ok((0, ..)) => Check::fail(name, format!(
            "{shown} is not a blankett database (it has no schema): check [database] path"
        )),
        Ok((version, handled, queued, 0)) => Check::ok(name, format!(
            "{shown}: schema version {version}, {handled} messages handled, {queued} answers queued"
        )),
        Ok((version, handled, queued, failed)) => Check::warn(name, format!(
            "{shown}: schema version {version}, {handled} messages handled, {queued} answers queued; {failed} answers were refused for good by the SMTP server: the log from when they were sent says why"
        )),
        Err(e) => Check::fail(name, format!(
            "cannot read {shown} as a blankett database ({e}): check [database] path and that the file is readable by the user blankett runs as"
        )),
    }
}

/// Schema version, handled messages, queued and failed answers.
fn read_database(path: &Path) -> rusqlite::Result<(i64, i64, i64, i64)> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        return Ok((0, 0, 0, 0));
    }
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    Ok((
        version,
        count("SELECT COUNT(*) FROM messages")?,
        count("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")?,
        count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")?,
    ))
}

/// Tesseract with Swedish, pdftoppm and heif-convert. Missing ones are
/// warnings: everything works, but some scans go to a person instead.
pub fn ocr() -> Vec<Check> {
    let tesseract = match on_path("tesseract") {
        None => Check::warn("ocr tesseract", "tesseract is not installed: scanned forms go to review as unreadable; install it with apt install tesseract-ocr tesseract-ocr-swe"),
        Some(path) if crate::attach::default_ocr().is_none() => Check::warn("ocr tesseract", format!(
            "{} has no Swedish language data: scanned forms go to review as unreadable; install it with apt install tesseract-ocr-swe",
            path.display()
        )),
        Some(path) => Check::ok("ocr tesseract", format!("{} with Swedish", path.display())),
    };
    let tool = |program: &str, package: &str, reads: &str| {
        match on_path(program) {
        Some(path) => Check::ok(&format!("ocr {program}"), path.display().to_string()),
        None => Check::warn(&format!("ocr {program}"), format!(
            "{program} is not installed: {reads} go to review as unreadable; install it with apt install {package}"
        )),
    }
    };
    vec![
        tesseract,
        tool("pdftoppm", "poppler-utils", "scanned PDFs"),
        tool("heif-convert", "libheif-examples", "iPhone photos (HEIC)"),
    ]
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
