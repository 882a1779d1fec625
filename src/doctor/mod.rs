//! `blankett doctor`: checks an installation and says in plain words what is
//! wrong and how to fix it. An edge: it reads the configuration, the secrets,
//! the database (read-only), the templates and the OCR programs (`local`),
//! and connects to IMAP and SMTP (`net`). It touches no mail, sends nothing
//! and never creates the database.

pub mod local;
pub mod net;

use crate::oauth2::Auth;
use std::fmt;

/// What doctor says where a login uses OAuth2, which it does not try yet.
const OAUTH2: &str = "auth = \"oauth2\": doctor does not log in with OAuth2 yet; `blankett once` shows whether the token is accepted";
use std::path::Path;

/// A check's verdict. Warnings leave the installation working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        })
    }
}

/// One check: what was checked, the verdict, and what was found or what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub verdict: Verdict,
    pub advice: String,
}

impl Check {
    pub fn ok(name: &str, advice: impl Into<String>) -> Self {
        Self::new(name, Verdict::Ok, advice)
    }

    pub fn warn(name: &str, advice: impl Into<String>) -> Self {
        Self::new(name, Verdict::Warn, advice)
    }

    pub fn fail(name: &str, advice: impl Into<String>) -> Self {
        Self::new(name, Verdict::Fail, advice)
    }

    fn new(name: &str, verdict: Verdict, advice: impl Into<String>) -> Self {
        Check {
            name: name.to_string(),
            verdict,
            advice: advice.into(),
        }
    }
}

/// Runs every check on the configuration at `path`, in the order a person
/// would fix things: the file, what it points at on this machine, then the
/// servers. A configuration that cannot be read stops there.
pub async fn run(path: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    let Some(config) = local::configuration(path, &mut checks) else {
        return checks;
    };
    // `None`: not usable, and the line that says why is already there.
    let imap_password = config.imap.as_ref().and_then(|imap| {
        if imap.auth == Auth::Oauth2 {
            checks.push(Check::warn("imap password", OAUTH2));
            return None;
        }
        let (check, password) = local::password("imap password", "imap", &imap.secret());
        checks.push(check);
        password
    });
    let smtp_password = config.smtp.as_ref().and_then(|smtp| {
        if smtp.auth == Auth::Oauth2 {
            checks.push(Check::warn("smtp password", OAUTH2));
            return None;
        }
        if smtp.username.is_none() {
            checks.push(Check::ok(
                "smtp password",
                "no smtp.username: answers are sent without a login",
            ));
            return Some(None);
        }
        let (check, password) = local::password("smtp password", "smtp", &smtp.secret());
        checks.push(check);
        password.map(Some)
    });
    let imap_ca = config
        .imap
        .as_ref()
        .is_some_and(|imap| local::ca_file("imap", imap.ca_file.as_deref(), &mut checks));
    let smtp_ca = config
        .smtp
        .as_ref()
        .is_some_and(|smtp| local::ca_file("smtp", smtp.ca_file.as_deref(), &mut checks));
    checks.push(local::organisations(config.form.organisations.as_deref()));
    checks.push(local::templates(config.answers.templates.as_deref()));
    checks.push(local::database(&config.database.path));
    checks.extend(local::ocr());
    if let Some(imap) = &config.imap {
        match imap_password.filter(|_| imap_ca) {
            Some(password) => checks.extend(net::imap(imap, password).await),
            None => checks.push(not_tried("imap")),
        }
    }
    if let Some(smtp) = &config.smtp {
        match smtp_password.filter(|_| smtp_ca) {
            Some(password) => checks.push(net::smtp(smtp, password).await),
            None => checks.push(not_tried("smtp")),
        }
    }
    checks
}

/// A connection that was not tried because its settings are broken.
fn not_tried(name: &str) -> Check {
    Check::warn(
        name,
        format!("not tried: fix the {name} FAIL line(s) above first"),
    )
}

/// Whether the installation can run: no check failed (warnings allowed).
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.verdict != Verdict::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {checks:#?}"))
    }

    #[tokio::test]
    async fn a_missing_configuration_stops_there() {
        let checks = run(Path::new("/nonexistent/blankett.toml")).await;
        assert_eq!(checks.len(), 1, "{checks:#?}");
        assert_eq!(checks[0].verdict, Verdict::Fail);
        assert!(
            checks[0].advice.contains("blankett init DIR"),
            "{checks:#?}"
        );
        assert!(!passed(&checks));
    }

    #[tokio::test]
    async fn local_problems_are_named_without_a_server() {
        let dir = std::env::temp_dir().join(format!("blankett-doctor-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("orgs.toml"), "[[organisation]]\nid = 1\n").expect("list");
        std::fs::write(
            dir.join("blankett.toml"),
            "[form]\norganisations = \"orgs.toml\"\n[database]\npath = \"data/b.sqlite\"\n",
        )
        .expect("config");
        let checks = run(&dir.join("blankett.toml")).await;
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(find(&checks, "configuration").verdict, Verdict::Ok);
        assert_eq!(find(&checks, "imap").verdict, Verdict::Fail);
        assert!(find(&checks, "imap").advice.contains("no [imap] section"));
        let orgs = find(&checks, "organisations");
        assert_eq!(orgs.verdict, Verdict::Fail, "{orgs:?}");
        assert!(orgs.advice.contains("orgs.toml"), "{orgs:?}");
        let db = find(&checks, "database");
        assert_eq!(db.verdict, Verdict::Fail, "{db:?}");
        assert!(db.advice.contains("does not exist: create it"), "{db:?}");
        assert_eq!(find(&checks, "templates").verdict, Verdict::Ok);
        assert!(!passed(&checks));
    }
}
