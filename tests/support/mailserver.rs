//! Shared by the tests that need the real mail server: starts Dovecot and
//! Postfix (scripts/mailserver) once per test binary and reads their
//! settings, and acts as another party on the mailbox (a person's mail client
//! setting flags, the administrator cutting connections); and `World`, a
//! configuration for the `blankett` binary with its own bot mailbox, with
//! helpers to send mail as someone and read a user's inbox.
#![allow(dead_code)]

use blankett::config::Config;
use blankett::limits::Limits;
use blankett::mailbox::imap::ImapMailbox;
use blankett::mailbox::Mailbox;
use blankett::sender::smtp::SmtpSender;
use blankett::sender::Sender;
use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

pub const DIR: &str = "/tmp/blankett-mail";

/// The running server's settings (`DIR/env`), starting it on first use.
pub fn server() -> &'static HashMap<String, String> {
    static ENV: OnceLock<HashMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/mailserver/start.sh");
        let out = std::process::Command::new(&script)
            .arg(DIR)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "the test mail server did not start: `{} {DIR}` failed ({}). It must run as root \
             (it installs dovecot and postfix on first use).\nstdout: {}\nstderr: {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(format!("{DIR}/env")).expect("the server's env file");
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

pub fn var(key: &str) -> String {
    server()
        .get(key)
        .unwrap_or_else(|| panic!("{key} missing from {DIR}/env"))
        .clone()
}

pub fn port(key: &str) -> u16 {
    var(key).parse().expect("a port")
}

type RawSession = async_imap::Session<tokio::net::TcpStream>;

/// A session through async-imap directly, as another mail client.
async fn raw_session(user: &str) -> RawSession {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port("MAIL_IMAP_PORT")))
        .await
        .expect("tcp");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.expect("greeting");
    let mut session = client
        .login(user, var("MAIL_PASSWORD"))
        .await
        .map_err(|(e, _)| e)
        .expect("login");
    session.select("INBOX").await.expect("select");
    session
}

/// The flags of every message, `\Recent` left out.
pub async fn flags(user: &str) -> Vec<(u32, Vec<String>)> {
    let mut session = raw_session(user).await;
    let fetches: Vec<_> = session
        .uid_fetch("1:*", "FLAGS")
        .await
        .expect("fetch")
        .try_collect()
        .await
        .expect("flags");
    let mut out: Vec<(u32, Vec<String>)> = fetches
        .iter()
        .map(|f| {
            let mut names: Vec<String> = f
                .flags()
                .filter(|fl| !matches!(fl, async_imap::types::Flag::Recent))
                .map(|fl| format!("{fl:?}"))
                .collect();
            names.sort();
            (f.uid.expect("uid"), names)
        })
        .collect();
    out.sort();
    session.logout().await.expect("logout");
    out
}

/// Marks a message \Flagged, as the person sharing the inbox might.
pub async fn flag(user: &str, uid: u32) {
    let mut session = raw_session(user).await;
    let stored = session
        .uid_store(uid.to_string(), "+FLAGS (\\Flagged)")
        .await
        .expect("store");
    let _: Vec<_> = stored.try_collect().await.expect("stored");
    session.logout().await.expect("logout");
}

/// Makes Dovecot close every connection of `user`.
pub fn kick(user: &str) {
    let out = std::process::Command::new("doveadm")
        .args(["-c", &format!("{DIR}/dovecot/dovecot.conf"), "kick", user])
        .output()
        .expect("doveadm");
    assert!(
        out.status.success(),
        "doveadm kick: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub struct World {
    pub dir: PathBuf,
    pub bot: String,
    pub tag: String,
}

impl World {
    pub fn new(name: &str) -> Self {
        Self::with(name, "")
    }

    /// A world whose configuration ends with `extra` (TOML sections).
    pub fn with(name: &str, extra: &str) -> Self {
        let tag = format!("{name}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("blankett-e2e-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("work dir");
        let bot = format!("t-bot-{tag}@lansstyrelsen.test");
        let config = format!(
            "[imap]\nhost = \"127.0.0.1\"\nport = {imaps}\nsecurity = \"tls\"\nusername = \"{bot}\"\n\
             password_env = \"BLANKETT_TEST_PASSWORD\"\nca_file = \"{ca}\"\ntls_name = \"{name}\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {smtp}\nsecurity = \"starttls\"\nca_file = \"{ca}\"\n\
             tls_name = \"{name}\"\nfrom = \"Länsgruppen MVK <{bot}>\"\n\n\
             [strategist]\naddress = \"{bot}\"\n\n[database]\npath = \"blankett.sqlite\"\n{extra}",
            imaps = var("MAIL_IMAPS_PORT"),
            smtp = var("MAIL_SMTP_PORT"),
            ca = var("MAIL_CA_CERT"),
            name = var("MAIL_TLS_NAME"),
        );
        std::fs::write(dir.join("blankett.toml"), config).expect("config");
        World { dir, bot, tag }
    }

    pub fn address(&self, who: &str, domain: &str) -> String {
        format!("t-{who}-{}@{domain}", self.tag)
    }

    /// `blankett --config ... once`, which must succeed.
    pub fn once(&self) -> String {
        self.cli(&["once"])
    }

    /// `blankett --config ... ARGS`, which must succeed; its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
            .arg("--config")
            .arg(self.dir.join("blankett.toml"))
            .args(args)
            .env("BLANKETT_TEST_PASSWORD", var("MAIL_PASSWORD"))
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "blankett {args:?} failed: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn config_for(user: &str) -> Config {
    let text = format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"{user}\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"x@y.test\"\n",
        var("MAIL_IMAP_PORT"),
        var("MAIL_SMTP_PORT")
    );
    Config::parse(&text, Path::new("/")).expect("config")
}

/// Sends a message exactly as written, with `envelope_from` as the SMTP
/// sender: what a forger's own mail server would do.
pub async fn send_raw(bytes: &[u8], envelope_from: &str, to: &str) {
    let smtp = config_for(to).smtp.expect("smtp");
    let mut sender = SmtpSender::new(&smtp, None).expect("sender");
    sender
        .send(envelope_from, to, bytes)
        .await
        .expect("delivered");
}

/// Sends a corpus message as `from`, to `to`, with a fresh Message-ID.
pub async fn deliver(template: &str, from: &str, to: &str, id: &str) -> String {
    let mut lines = Vec::new();
    for line in template.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("from:") {
            lines.push(format!("From: {from}"));
        } else if lower.starts_with("to:") {
            lines.push(format!("To: {to}"));
        } else if lower.starts_with("message-id:") {
            lines.push(format!("Message-ID: <{id}>"));
        } else {
            lines.push(line.to_string());
        }
    }
    let smtp = config_for(to).smtp.expect("smtp");
    let mut sender = SmtpSender::new(&smtp, None).expect("sender");
    sender
        .send(from, to, lines.join("\r\n").as_bytes())
        .await
        .expect("delivered");
    id.to_string()
}

/// The messages in a user's folder, waiting (bounded) for at least `n`.
pub async fn messages(user: &str, n: usize) -> Vec<Vec<u8>> {
    let mut imap = config_for(user).imap.expect("imap");
    imap.inbox = "INBOX".into();
    let mut mailbox = ImapMailbox::new(imap, var("MAIL_PASSWORD")).expect("mailbox");
    for _ in 0..200 {
        mailbox.select().await.expect("select");
        let uids = mailbox.uids_after(0).await.expect("search");
        if uids.len() >= n {
            let mut out = Vec::new();
            for uid in uids {
                out.push(mailbox.fetch(uid).await.expect("fetch").expect("exists"));
            }
            return out;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{user} did not get {n} message(s) within 10 s");
}

pub fn header(bytes: &[u8], name: &str) -> Option<String> {
    let mail = blankett::mime::read(bytes, &Limits::default())?;
    mail.header(&name.to_ascii_lowercase()).map(str::to_string)
}

/// Waits (bounded) for a message in the user's inbox whose header `name`
/// is `value`, and returns it.
pub async fn find(user: &str, name: &str, value: &str) -> Vec<u8> {
    for _ in 0..100 {
        let inbox = messages(user, 1).await;
        if let Some(m) = inbox
            .into_iter()
            .find(|m| header(m, name).as_deref() == Some(value))
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message with {name}: {value} in {user}'s inbox within 10 s");
}

/// Waits until the message with this Message-ID is in the user's inbox, so
/// that a pass after it sees it.
pub async fn arrived(user: &str, id: &str) {
    find(user, "Message-ID", &format!("<{id}>")).await;
}
