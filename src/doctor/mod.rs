//! `blankett doctor`: checks an installation and says in plain words what is
//! wrong and how to fix it. An edge: it reads the configuration, the secrets,
//! the database (read-only), the templates and the OCR programs (`local`),
//! and connects to IMAP and SMTP (`net`). It touches no mail, sends nothing
//! and never creates the database.

pub mod local;
pub mod net;

use crate::mailbox::imap::ImapMailbox;
use crate::oauth2::{Auth, TokenSource};
use crate::sender::smtp::SmtpSender;
use std::fmt;
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
    let uses_oauth2 = config.imap.as_ref().is_some_and(|i| i.auth == Auth::Oauth2)
        || config.smtp.as_ref().is_some_and(|s| s.auth == Auth::Oauth2);
    let tokens = if uses_oauth2 {
        oauth2(&config, &mut checks).await
    } else {
        None
    };
    let imap_password = config.imap.as_ref().and_then(|imap| {
        if imap.auth == Auth::Oauth2 {
            return None;
        }
        let (check, password) = local::password("imap password", "imap", &imap.secret());
        checks.push(check);
        password
    });
    let smtp_password = config.smtp.as_ref().and_then(|smtp| {
        if smtp.auth == Auth::Oauth2 {
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
    checks.push(local::authentication(&config.trust));
    checks.push(local::templates(config.answers.templates.as_deref()));
    checks.push(local::database(&config.database.path));
    checks.extend(local::ocr());
    if let Some(imap) = &config.imap {
        let mailbox = match (imap.auth, &tokens, imap_password) {
            _ if !imap_ca => None,
            (Auth::Oauth2, Some(tokens), _) => {
                Some(ImapMailbox::oauth2(imap.clone(), tokens.clone()))
            }
            (Auth::Password, _, Some(password)) => Some(ImapMailbox::new(imap.clone(), password)),
            _ => None,
        };
        match mailbox {
            Some(mailbox) => checks.extend(net::imap(imap, mailbox).await),
            None => checks.push(not_tried("imap")),
        }
    }
    if let Some(smtp) = &config.smtp {
        let sender = match (smtp.auth, &tokens, smtp_password) {
            _ if !smtp_ca => None,
            (Auth::Oauth2, Some(tokens), _) => Some(SmtpSender::oauth2(smtp, tokens.clone())),
            (Auth::Password, _, Some(password)) => Some(SmtpSender::new(smtp, password)),
            _ => None,
        };
        match sender {
            Some(sender) => checks.push(net::smtp(smtp, sender).await),
            None => checks.push(not_tried("smtp")),
        }
    }
    checks
}

/// The OAuth2 token source, checked by asking the token endpoint for a token.
async fn oauth2(config: &crate::config::Config, checks: &mut Vec<Check>) -> Option<TokenSource> {
    let Some(oauth2) = &config.oauth2 else {
        checks.push(Check::fail(
            "oauth2",
            "auth = \"oauth2\" needs an [oauth2] section: see README, Microsoft 365",
        ));
        return None;
    };
    let secret = match crate::secrets::resolve(&oauth2.secret()) {
        Ok(Some(secret)) => secret,
        Ok(None) => {
            checks.push(Check::fail(
                "oauth2",
                "[oauth2] names no client secret: set client_secret_file",
            ));
            return None;
        }
        Err(e) => {
            checks.push(Check::fail("oauth2", e.to_string()));
            return None;
        }
    };
    let tokens = match TokenSource::new(oauth2, secret) {
        Ok(tokens) => tokens,
        Err(e) => {
            checks.push(Check::fail("oauth2", e.to_string()));
            return None;
        }
    };
    match tokens.token().await {
        Ok(_) => {
            checks.push(Check::ok("oauth2", "the token endpoint issued a token"));
            Some(tokens)
        }
        Err(e) => {
            checks.push(Check::fail("oauth2", e.to_string()));
            None
        }
    }
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
