//! Shared by the tests that need the real mail server: starts Dovecot and
//! Postfix (scripts/mailserver) once per test binary and reads their
//! settings, and acts as another party on the mailbox (a person's mail client
//! setting flags, the administrator cutting connections).
#![allow(dead_code)]

use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

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
