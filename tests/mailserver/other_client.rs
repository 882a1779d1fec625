//! For tests/mailserver.rs: what another party does to the mailbox while
//! blankett watches it (a person's mail client setting flags, the
//! administrator cutting connections), through async-imap and doveadm directly.

use super::{port, var, DIR};
use futures_util::TryStreamExt;

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
