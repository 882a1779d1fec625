//! OAuth2 (`auth = "oauth2"`) end to end: a token server on loopback
//! (tests/support/token_server.rs) issues client-credentials tokens, and a
//! second Dovecot + Postfix (scripts/mailserver in its OAuth2 mode, other
//! ports, /tmp/blankett-mail-oauth) checks every XOAUTH2 login against the
//! same server's introspection endpoint. The default test mail server is
//! left alone. A lock file keeps two test processes from sharing the token
//! port at once.

use blankett::config::Config;
use blankett::mailbox::imap::ImapMailbox;
use blankett::mailbox::{Mailbox, MailboxError};
use blankett::oauth2::{TokenError, TokenSource};
use blankett::sender::smtp::SmtpSender;
use blankett::sender::{SendError, Sender};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[path = "support/token_server.rs"]
mod token_server;
use token_server::TokenServer;

const DIR: &str = "/tmp/blankett-mail-oauth";
const TOKEN_PORT: u16 = 24180;
const SECRET: &str = "s3cret-value";

struct Setup {
    env: HashMap<String, String>,
    tokens: TokenServer,
    _lock: std::fs::File,
}

/// The token server and the OAuth2 mail server, started once per process.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let lock = std::fs::File::create(format!("{DIR}.lock")).expect("lock file");
        lock.lock().expect("lock");
        let tokens = TokenServer::start(TOKEN_PORT);
        let url = format!("http://127.0.0.1:{TOKEN_PORT}/introspect");
        let scripts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/mailserver");
        // An instance started with another introspection URL (or none) restarts.
        let env_file = format!("{DIR}/env");
        if let Ok(text) = std::fs::read_to_string(&env_file) {
            if !text.contains(&format!("MAIL_OAUTH2_INTROSPECTION_URL={url}\n")) {
                let _ = std::process::Command::new(scripts.join("stop.sh"))
                    .arg(DIR)
                    .output();
            }
        }
        let out = std::process::Command::new(scripts.join("start.sh"))
            .arg(DIR)
            .envs([
                ("MAIL_IMAP_PORT", "24143"),
                ("MAIL_IMAPS_PORT", "24993"),
                ("MAIL_SMTP_PORT", "22525"),
                ("MAIL_SMTPS_PORT", "22465"),
                ("MAIL_OAUTH2_INTROSPECTION_URL", url.as_str()),
            ])
            .output()
            .expect("start.sh runs");
        assert!(
            out.status.success(),
            "the OAuth2 test mail server did not start (it needs root): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(&env_file)
            .expect("env")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Setup {
            env,
            tokens,
            _lock: lock,
        }
    })
}

fn var(key: &str) -> String {
    setup()
        .env
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} missing"))
}

/// A mailbox and a client id of this test's own.
fn names(test: &str) -> (String, String) {
    let pid = std::process::id();
    (
        format!("t-oa-{test}-{pid}@lansstyrelsen.test"),
        format!("client-{test}-{pid}"),
    )
}

/// `[imap]`, `[smtp]` and `[oauth2]` as a deployment writes them.
fn config(user: &str, client: &str, secret_line: &str) -> Config {
    let (ca, tls) = (var("MAIL_CA_CERT"), var("MAIL_TLS_NAME"));
    let text = format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {imaps}\nsecurity = \"tls\"\nusername = \"{user}\"\nauth = \"oauth2\"\n\
         ca_file = \"{ca}\"\ntls_name = \"{tls}\"\n\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {smtps}\nsecurity = \"tls\"\nusername = \"{user}\"\nauth = \"oauth2\"\n\
         ca_file = \"{ca}\"\ntls_name = \"{tls}\"\nfrom = \"{user}\"\n\n\
         [oauth2]\ntoken_url = \"http://127.0.0.1:{TOKEN_PORT}/token\"\nclient_id = \"{client}\"\n{secret_line}\n\n\
         [strategist]\naddress = \"{user}\"\n\n[database]\npath = \"blankett.sqlite\"\n",
        imaps = var("MAIL_IMAPS_PORT"),
        smtps = var("MAIL_SMTPS_PORT"),
    );
    Config::parse(&text, Path::new("/tmp")).expect("a valid configuration")
}

/// A registered client, its configuration and a token source for it.
fn world(test: &str, lifetime: Duration, clock: Option<blankett::oauth2::Clock>) -> World {
    let s = setup();
    let (user, client) = names(test);
    s.tokens.client(&client, SECRET, &user, lifetime);
    let config = config(&user, &client, &format!("client_secret = \"{SECRET}\""));
    let oauth2 = config.oauth2.clone().expect("[oauth2]");
    let source = match clock {
        Some(clock) => TokenSource::with_clock(&oauth2, SECRET.into(), clock),
        None => TokenSource::new(&oauth2, SECRET.into()),
    }
    .expect("token source");
    World {
        user,
        client,
        config,
        source,
    }
}

struct World {
    user: String,
    client: String,
    config: Config,
    source: TokenSource,
}

impl World {
    fn mailbox(&self) -> ImapMailbox {
        ImapMailbox::oauth2(self.config.imap.clone().expect("imap"), self.source.clone())
            .expect("mailbox")
    }

    fn sender(&self) -> SmtpSender {
        SmtpSender::oauth2(
            self.config.smtp.as_ref().expect("smtp"),
            self.source.clone(),
        )
        .expect("sender")
    }

    fn issued(&self) -> u32 {
        setup().tokens.issued(&self.client)
    }

    async fn send(&self, sender: &mut SmtpSender, subject: &str) -> Result<(), SendError> {
        let bytes = format!(
            "From: {u}\r\nTo: {u}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@test>\r\n\r\nHej\r\n",
            u = self.user
        );
        sender.send(&self.user, &self.user, bytes.as_bytes()).await
    }
}

/// Waits (bounded) until the inbox holds `n` messages.
async fn wait_for(mailbox: &mut ImapMailbox, n: usize) {
    for _ in 0..100 {
        mailbox.select().await.expect("select");
        if mailbox.uids_after(0).await.expect("search").len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} message(s) did not arrive within 10 s");
}

#[tokio::test]
async fn imap_and_smtp_log_in_with_one_token() {
    let w = world("ok", Duration::from_secs(3600), None);
    let mut sender = w.sender();
    w.send(&mut sender, "oauth-ok")
        .await
        .expect("XOAUTH2 submission");
    let mut mailbox = w.mailbox();
    wait_for(&mut mailbox, 1).await;
    assert_eq!(w.issued(), 1, "IMAP and SMTP share the cached token");
}

#[tokio::test]
async fn a_refused_token_is_explained_and_the_next_connection_gets_a_new_one() {
    let w = world("refused", Duration::from_secs(3600), None);
    setup().tokens.issue_revoked(&w.client, true);
    match w.mailbox().select().await {
        Err(MailboxError::Config(m)) => {
            assert!(m.contains("refused the OAuth2 token"), "{m}");
            assert!(m.contains("IMAP.AccessAsApp") && m.contains(&w.user), "{m}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let mut sender = w.sender();
    match w.send(&mut sender, "oauth-refused").await {
        Err(SendError::Temporary(m)) => {
            assert!(
                m.contains("refused the OAuth2 token") && m.contains("SMTP.SendAsApp"),
                "{m}"
            )
        }
        other => panic!("expected a refused login, got {other:?}"),
    }
    assert_eq!(w.issued(), 2, "each refusal drops the token");
    setup().tokens.issue_revoked(&w.client, false);
    w.mailbox().select().await.expect("a new token works");
    w.send(&mut sender, "oauth-refused-then-ok")
        .await
        .expect("and for SMTP");
    assert_eq!(w.issued(), 3);
}

#[tokio::test]
async fn an_expired_token_is_refused_and_renewal_brings_a_fresh_one() {
    // The source's clock stands still unless moved, so it keeps handing out
    // a token the server already counts as expired.
    let start = Instant::now();
    let offset = Arc::new(Mutex::new(Duration::ZERO));
    let now = offset.clone();
    let clock: blankett::oauth2::Clock = Arc::new(move || start + *now.lock().expect("clock"));
    let w = world("expired", Duration::from_secs(2), Some(clock));
    w.mailbox().select().await.expect("a fresh token works");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let refused = w.mailbox().select().await;
    assert!(
        matches!(&refused, Err(MailboxError::Config(m)) if m.contains("refused the OAuth2 token")),
        "{refused:?}"
    );
    w.mailbox()
        .select()
        .await
        .expect("the next connection fetches a new token");
    assert_eq!(w.issued(), 2);
    // Renewal by the clock: past half of a short life a new token is fetched
    // before any server refuses the old one, and SMTP uses it too.
    let mut sender = w.sender();
    w.send(&mut sender, "oauth-before-renewal")
        .await
        .expect("send");
    assert_eq!(w.issued(), 2);
    *offset.lock().expect("clock") += Duration::from_millis(1100);
    w.send(&mut sender, "oauth-after-renewal")
        .await
        .expect("send with the new token");
    assert_eq!(w.issued(), 3);
    wait_for(&mut w.mailbox(), 2).await;
}

#[tokio::test]
async fn tokens_are_renewed_five_minutes_before_they_expire() {
    let offset = Arc::new(Mutex::new(Duration::ZERO));
    let (start, now) = (Instant::now(), offset.clone());
    let clock: blankett::oauth2::Clock = Arc::new(move || start + *now.lock().expect("clock"));
    let w = world("renew", Duration::from_secs(3600), Some(clock));
    let first = w.source.token().await.expect("token");
    *offset.lock().expect("clock") = Duration::from_secs(3600 - 301);
    assert_eq!(w.source.token().await.expect("token"), first);
    *offset.lock().expect("clock") = Duration::from_secs(3600 - 299);
    let second = w.source.token().await.expect("token");
    assert_ne!(second, first);
    assert_eq!(w.issued(), 2);
    assert_eq!(
        format!("{second:?}"),
        "Token(***)",
        "a token is never printed"
    );
}

#[tokio::test]
async fn token_endpoint_refusals_say_what_to_fix() {
    let w = world("endpoint", Duration::from_secs(3600), None);
    let mut oauth2 = w.config.oauth2.clone().expect("[oauth2]");
    let ask = |oauth2: &blankett::oauth2::OAuth2Config, secret: &str| {
        let source = TokenSource::new(oauth2, secret.into()).expect("source");
        async move { source.token().await.expect_err("refused") }
    };
    let wrong = ask(&oauth2, "wrong").await;
    assert!(
        matches!(&wrong, TokenError::Config(m) if m.contains("client secret is wrong")),
        "{wrong}"
    );
    oauth2.client_id = "nobody".into();
    let unknown = ask(&oauth2, SECRET).await;
    assert!(
        unknown.to_string().contains("oauth2.client_id"),
        "{unknown}"
    );
    oauth2.client_id = w.client.clone();
    oauth2.scope = "https://graph.microsoft.com/.default".into();
    let scope = ask(&oauth2, SECRET).await;
    assert!(
        scope.to_string().contains("outlook.office365.com"),
        "{scope}"
    );
    oauth2.token_url = Some("http://127.0.0.1:9/token".into());
    let down = ask(&oauth2, SECRET).await;
    assert!(matches!(down, TokenError::Temporary(_)), "{down}");
}

#[tokio::test]
async fn the_daemon_runs_with_oauth2() {
    let w = world("daemon", Duration::from_secs(3600), None);
    let dir = std::env::temp_dir().join(format!("blankett-oauth2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let secret = dir.join("client-secret");
    std::fs::write(&secret, format!("{SECRET}\n")).expect("secret");
    let file = dir.join("blankett.toml");
    let text = format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\nusername = \"{u}\"\nauth = \"oauth2\"\nca_file = \"{ca}\"\ntls_name = \"localhost\"\n\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\nusername = \"{u}\"\nauth = \"oauth2\"\nca_file = \"{ca}\"\ntls_name = \"localhost\"\nfrom = \"{u}\"\n\n\
         [oauth2]\ntoken_url = \"http://127.0.0.1:{TOKEN_PORT}/token\"\nclient_id = \"{}\"\nclient_secret_file = \"client-secret\"\n\n\
         [strategist]\naddress = \"{u}\"\n\n[database]\npath = \"blankett.sqlite\"\n",
        var("MAIL_IMAPS_PORT"),
        var("MAIL_SMTPS_PORT"),
        w.client,
        u = w.user,
        ca = var("MAIL_CA_CERT"),
    );
    std::fs::write(&file, text).expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("--config")
        .arg(&file)
        .arg("once")
        .env("RUST_LOG", "info")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "blankett once failed: {stderr}");
    assert!(w.issued() >= 1);
    assert!(
        !stderr.contains(SECRET) && !stderr.contains("tok-"),
        "neither the secret nor a token is logged: {stderr}"
    );
    // `doctor` logs in with OAuth2 too.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("--config")
        .arg(&file)
        .arg("doctor")
        .output()
        .expect("the binary runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "doctor failed: {report}");
    assert!(
        report.contains("the token endpoint issued a token"),
        "{report}"
    );
    assert!(report.contains("logged in as"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}
