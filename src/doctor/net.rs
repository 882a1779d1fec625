//! The doctor's checks on the servers: IMAP (connect, TLS, login,
//! capabilities, folders, through `ImapMailbox::probe`) and SMTP (connect,
//! TLS, login, NOOP). Touches no mail and sends nothing. `advice` turns what
//! went wrong into what to change in the configuration.

use super::Check;
use crate::config::{ImapConfig, Secret, Security, SmtpConfig};
use crate::mailbox::imap::ImapMailbox;
use crate::sender::smtp::SmtpSender;
use std::time::Duration;
use tokio::time::timeout;

/// How long one server may take to connect and log in, here.
const LIMIT: Duration = Duration::from_secs(20);

/// Which server a problem is with, to name the keys to change.
pub struct Target<'a> {
    /// `imap` or `smtp`: the section and the key prefix.
    pub section: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub security: Security,
    pub username: Option<&'a str>,
    pub secret: Secret,
}

impl Target<'_> {
    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn described(&self) -> String {
        let how = match self.security {
            Security::Tls => "TLS",
            Security::Starttls => "STARTTLS",
            Security::None => "no encryption (loopback)",
        };
        format!("{} over {how}", self.address())
    }

    /// Where the password comes from, as a key a person can find.
    fn password_source(&self) -> String {
        let s = self.section;
        match (&self.secret.password_file, &self.secret.password_env) {
            (Some(file), _) => format!("{s}.password_file {}", file.display()),
            (None, Some(var)) => format!("the environment variable {var} ({s}.password_env)"),
            (None, None) => format!("{s}.password"),
        }
    }

    /// The usual port for the configured security, for advice.
    fn usual_ports(&self) -> &'static str {
        match self.section {
            "imap" => "\"tls\" on port 993, \"starttls\" on port 143",
            _ => "\"tls\" on port 465, \"starttls\" on port 587",
        }
    }
}

/// Plain words for a connection problem: what is wrong and which key to change.
pub fn advice(t: &Target<'_>, problem: &str) -> String {
    let s = t.section;
    let p = problem.to_ascii_lowercase();
    let at = t.address();
    if p.contains("refused the login")
        || p.contains("authentication failed")
        || [" 535", "(535", " 534", " 530", " 538"]
            .iter()
            .any(|c| p.contains(c))
    {
        return format!(
            "{} login as {} refused: check the password in {} and {s}.username",
            s.to_uppercase(),
            t.username.unwrap_or("(no user)"),
            t.password_source()
        );
    }
    if p.contains("not valid for name") || p.contains("notvalidforname") {
        // rustls names them as `DnsName("mail.example.se")` or bare.
        let named =
            problem
                .split("only valid for ")
                .nth(1)
                .map(|rest| match rest.split('"').nth(1) {
                    Some(quoted) if rest.contains('"') => quoted.to_string(),
                    _ => rest
                        .split([';', ' ', ')'])
                        .next()
                        .unwrap_or(rest)
                        .to_string(),
                });
        return match named {
            Some(name) => format!(
                "the server's certificate is for {name}, not for the name blankett checks: set {s}.tls_name = \"{name}\" (or use that name as {s}.host)"
            ),
            None => format!(
                "the server's certificate does not name the host blankett checks: set {s}.tls_name to the name in the certificate ({problem})"
            ),
        };
    }
    if p.contains("unknownissuer") || p.contains("unknown issuer") {
        return format!(
            "the server's certificate is signed by a CA this machine does not trust: set {s}.ca_file to that CA's certificate (PEM)"
        );
    }
    if p.contains("expired") {
        return format!("the server's certificate at {at} has expired: its administrator must renew it ({problem})");
    }
    if p.contains("connection refused") {
        return format!(
            "nothing answers at {at}: check {s}.host and {s}.port ({})",
            t.usual_ports()
        );
    }
    if p.contains("lookup") || p.contains("not known") || p.contains("name resolution") {
        return format!(
            "the host name {} cannot be resolved: check {s}.host",
            t.host
        );
    }
    if p.contains("starttls") {
        return format!(
            "the server at {at} does not offer STARTTLS: check {s}.security and {s}.port ({})",
            t.usual_ports()
        );
    }
    if p.contains("corrupt message")
        || p.contains("handshake")
        || p.contains("greeting")
        || p.contains("wrong version")
    {
        return format!(
            "the server at {at} does not speak what {s}.security = \"{}\" expects: check {s}.security and {s}.port ({})",
            security_name(t.security),
            t.usual_ports()
        );
    }
    if p.contains("timed out") || p.contains("no answer") {
        return no_answer(t);
    }
    format!("{} at {at}: {problem}; check [{s}]", s.to_uppercase())
}

fn no_answer(t: &Target<'_>) -> String {
    format!(
        "no answer from {} within {} s: check {}.port and {}.security ({}), and that a firewall lets blankett out",
        t.address(),
        LIMIT.as_secs(),
        t.section,
        t.section,
        t.usual_ports()
    )
}

fn security_name(security: Security) -> &'static str {
    match security {
        Security::Tls => "tls",
        Security::Starttls => "starttls",
        Security::None => "none",
    }
}

/// Logs in, then reports the capabilities blankett uses and the folders.
pub async fn imap(
    config: &ImapConfig,
    mailbox: Result<ImapMailbox, crate::mailbox::MailboxError>,
) -> Vec<Check> {
    let t = Target {
        section: "imap",
        host: &config.host,
        port: config.port,
        security: config.security,
        username: Some(&config.username),
        secret: config.secret(),
    };
    let mut mailbox = match mailbox {
        Ok(mailbox) => mailbox,
        Err(e) => return vec![Check::fail("imap", advice(&t, &e.to_string()))],
    };
    let probe = match timeout(LIMIT, mailbox.probe()).await {
        Err(_) => return vec![Check::fail("imap", no_answer(&t))],
        Ok(Err(e)) => return vec![Check::fail("imap", advice(&t, &e.to_string()))],
        Ok(Ok(probe)) => probe,
    };
    let mut checks = vec![Check::ok(
        "imap",
        format!("{}, logged in as {}", t.described(), config.username),
    )];
    let has = |c: &str| if probe.has(c) { "yes" } else { "no" };
    let listed = format!(
        "IDLE {}, MOVE {}, UIDPLUS {}",
        has("IDLE"),
        has("MOVE"),
        has("UIDPLUS")
    );
    let mut missing = Vec::new();
    if !probe.has("IDLE") {
        missing.push(format!(
            "without IDLE new mail is seen only every imap.poll_interval ({} s)",
            config.poll_interval.as_secs()
        ));
    }
    if !probe.has("MOVE") {
        missing.push(
            "without MOVE handled forms are copied to their folder and also stay in the inbox"
                .to_string(),
        );
    }
    checks.push(if missing.is_empty() {
        Check::ok("imap capabilities", listed)
    } else {
        Check::warn(
            "imap capabilities",
            format!("{listed}: {}", missing.join("; ")),
        )
    });
    checks.push(folders(config, &probe));
    checks
}

/// The watched folder must exist; the others are created on first use.
fn folders(config: &ImapConfig, probe: &crate::mailbox::imap::Probe) -> Check {
    let mut shown: Vec<&str> = probe.folders.iter().map(String::as_str).take(20).collect();
    if probe.folders.len() > shown.len() {
        shown.push("…");
    }
    let all = shown.join(", ");
    if !probe.has_folder(&config.inbox) {
        return Check::fail(
            "imap folders",
            format!(
                "imap.inbox = \"{}\" is not a folder on the server: set it to one of {all}",
                config.inbox
            ),
        );
    }
    let mut notes = vec![match probe.inbox_messages {
        Some(n) => format!("{} has {n} messages", config.inbox),
        None => format!("{} is there", config.inbox),
    }];
    for (key, folder) in [
        ("processed_folder", &config.processed_folder),
        ("review_folder", &config.review_folder),
    ] {
        if folder.is_empty() {
            notes.push(format!("{key} is \"\": handled mail stays where it is"));
        } else if !probe.has_folder(folder) {
            notes.push(format!("{folder} is created on first use"));
        }
    }
    Check::ok(
        "imap folders",
        format!("{}; all folders: {all}", notes.join("; ")),
    )
}

/// Connects, protects and logs in as the sender would, then says NOOP.
pub async fn smtp(
    config: &SmtpConfig,
    sender: Result<SmtpSender, crate::error::ConfigError>,
) -> Check {
    let t = Target {
        section: "smtp",
        host: &config.host,
        port: config.port,
        security: config.security,
        username: config.username.as_deref(),
        secret: config.secret(),
    };
    let sender = match sender {
        Ok(sender) => sender,
        Err(e) => return Check::fail("smtp", e.to_string()),
    };
    match timeout(LIMIT, sender.verify()).await {
        Err(_) => Check::fail("smtp", no_answer(&t)),
        Ok(Err(e)) => Check::fail("smtp", advice(&t, &chain(&e))),
        Ok(Ok(false)) => Check::warn(
            "smtp",
            format!(
                "{}: connected, but the server did not answer NOOP",
                t.described()
            ),
        ),
        Ok(Ok(true)) => Check::ok(
            "smtp",
            match &config.username {
                Some(user) => format!("{}, logged in as {user}", t.described()),
                None => format!("{}, no login (none configured)", t.described()),
            },
        ),
    }
}

/// An error and its sources in one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn advice_names_the_key_to_change() {
        let t = Target {
            section: "imap",
            host: "127.0.0.1",
            port: 993,
            security: Security::Tls,
            username: Some("strateg@lst.test"),
            secret: Secret {
                password_file: Some(PathBuf::from("/etc/blankett/imap-password")),
                ..Secret::default()
            },
        };
        let check = |problem: &str, expected: &str| {
            let said = advice(&t, problem);
            assert!(
                said.contains(expected),
                "{problem}\n  said: {said}\n  expected: {expected}"
            );
        };
        check(
            "mailbox configuration: the IMAP server refused the login of `strateg@lst.test` (x)",
            "IMAP login as strateg@lst.test refused: check the password in imap.password_file /etc/blankett/imap-password",
        );
        check(
            "invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for mail.test",
            "set imap.tls_name = \"mail.test\"",
        );
        check(
            "certificate not valid for name \"x\"; certificate is only valid for DnsName(\"localhost\") or DnsName(\"b\")",
            "certificate is for localhost, not for the name blankett checks: set imap.tls_name = \"localhost\"",
        );
        check(
            "invalid peer certificate: UnknownIssuer",
            "set imap.ca_file",
        );
        check(
            "cannot connect to 127.0.0.1:993: Connection refused (os error 111)",
            "nothing answers at 127.0.0.1:993: check imap.host and imap.port",
        );
        check(
            "TLS handshake failed: received corrupt message",
            "check imap.security and imap.port",
        );
        check("the server refused STARTTLS: x", "does not offer STARTTLS");
        check(
            "something new",
            "IMAP at 127.0.0.1:993: something new; check [imap]",
        );
    }
}
