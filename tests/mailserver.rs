//! `ImapMailbox` and `SmtpSender` against a real Dovecot and Postfix on
//! loopback (scripts/mailserver). Each test uses its own addresses, so the
//! tests run in parallel and again. These tests fail, never skip, when the
//! server cannot be started (it needs root to install and start).

use blankett::config::{Config, ImapConfig, Security, SmtpConfig};
use blankett::mailbox::imap::ImapMailbox;
use blankett::mailbox::{Mailbox, MailboxError, Woken};
use blankett::sender::smtp::SmtpSender;
use blankett::sender::{SendError, Sender};
use std::path::Path;
use std::time::{Duration, Instant};

#[path = "support/mailserver.rs"]
mod support;
use support::{flag, flags, kick, var};

/// A unique address for this test run.
fn address(test: &str, domain: &str) -> String {
    format!("t-{test}-{}@{domain}", std::process::id())
}

/// The `[imap]` and `[smtp]` sections a deployment would write, parsed as
/// the daemon parses them.
fn config(user: &str, security: &str, imap_port: &str, smtp: &str) -> Config {
    let (ca, name, pw) = (
        var("MAIL_CA_CERT"),
        var("MAIL_TLS_NAME"),
        var("MAIL_PASSWORD"),
    );
    let text = format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"{security}\"\nusername = \"{user}\"\n\
         password = \"{pw}\"\nca_file = \"{ca}\"\ntls_name = \"{name}\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nca_file = \"{ca}\"\ntls_name = \"{name}\"\nfrom = \"x@y.test\"\n{smtp}\n",
        var(imap_port)
    );
    Config::parse(&text, Path::new("/")).expect("a valid configuration")
}

fn imap_config(user: &str, security: Security) -> ImapConfig {
    let (name, port) = match security {
        Security::Tls => ("tls", "MAIL_IMAPS_PORT"),
        Security::Starttls => ("starttls", "MAIL_IMAP_PORT"),
        Security::None => ("none", "MAIL_IMAP_PORT"),
    };
    config(user, name, port, "").imap.expect("[imap]")
}

fn mailbox(user: &str, security: Security) -> ImapMailbox {
    ImapMailbox::new(imap_config(user, security), var("MAIL_PASSWORD")).expect("mailbox")
}

/// `[smtp]` over SMTPS with AUTH as `user`, or over STARTTLS without AUTH.
fn smtp_config(auth_as: Option<&str>) -> SmtpConfig {
    let smtp = match auth_as {
        Some(user) => format!(
            "port = {}\nsecurity = \"tls\"\nusername = \"{user}\"",
            var("MAIL_SMTPS_PORT")
        ),
        None => format!("port = {}\nsecurity = \"starttls\"", var("MAIL_SMTP_PORT")),
    };
    config("x@y.test", "tls", "MAIL_IMAPS_PORT", &smtp)
        .smtp
        .expect("[smtp]")
}

fn message(from: &str, to: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOrganisation: Röda Korset\r\n"
    )
    .into_bytes()
}

/// Sends one mail over STARTTLS without AUTH.
async fn deliver(to: &str, subject: &str) {
    let mut sender = SmtpSender::new(&smtp_config(None), None).expect("sender");
    let from = "avsandare@falun.test";
    sender
        .send(from, to, &message(from, to, subject))
        .await
        .expect("delivered");
}

/// Waits (bounded) until `n` messages are in the folder.
async fn wait_for_mail(mailbox: &mut ImapMailbox, n: usize) -> Vec<u32> {
    for _ in 0..200 {
        let uids = mailbox.uids_after(0).await.expect("search");
        if uids.len() >= n {
            return uids;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} message(s) did not arrive within 10 s");
}

fn contains(bytes: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(bytes).contains(needle)
}

#[tokio::test]
async fn imaps_fetch_keeps_flags_as_they_were() {
    let user = address("imap-seen", "lansstyrelsen.test");
    let mut mb = mailbox(&user, Security::Tls);
    let info = mb
        .select()
        .await
        .expect("select over IMAPS with the private CA");
    assert!(info.uidvalidity > 0);
    deliver(&user, "first-seen").await;
    let first = wait_for_mail(&mut mb, 1).await[0];
    flag(&user, first).await;
    deliver(&user, "second-seen").await;
    let uids = wait_for_mail(&mut mb, 2).await;
    let before = flags(&user).await;
    assert_eq!(before.len(), 2, "{before:?}");
    let a = mb
        .fetch(uids[0])
        .await
        .expect("fetch")
        .expect("first message");
    let b = mb
        .fetch(uids[1])
        .await
        .expect("fetch")
        .expect("second message");
    assert!(contains(&a, "Subject: first-seen") && contains(&b, "Röda Korset"));
    assert_eq!(mb.fetch(uids[1] + 1000).await.expect("fetch"), None);
    let ids = mb.message_ids().await.expect("message ids");
    assert_eq!(
        ids,
        vec![
            (uids[0], Some("first-seen@test".into())),
            (uids[1], Some("second-seen@test".into()))
        ]
    );
    let after = flags(&user).await;
    assert_eq!(after, before, "fetching changed the flags");
    assert_eq!(after[0].1, vec!["Flagged".to_string()]);
    assert!(after[1].1.is_empty(), "{after:?}");
}

#[tokio::test]
async fn move_to_creates_the_folder_and_moves() {
    let user = address("imap-move", "lansstyrelsen.test");
    let mut mb = mailbox(&user, Security::Tls);
    deliver(&user, "move-one").await;
    deliver(&user, "move-two").await;
    let uids = wait_for_mail(&mut mb, 2).await;
    mb.move_to(uids[0], "Blankett/Behandlade")
        .await
        .expect("move, creating the folder");
    // A new mailbox does not know the folder exists: CREATE says so, which is fine.
    let mut again = mailbox(&user, Security::Tls);
    again
        .move_to(uids[1], "Blankett/Behandlade")
        .await
        .expect("move to an existing folder");
    // Another session's move shows once this one syncs, as the daemon's SELECT per pass does.
    mb.select().await.expect("select again");
    assert_eq!(mb.uids_after(0).await.expect("search"), Vec::<u32>::new());
    let mut config = imap_config(&user, Security::Tls);
    config.inbox = "Blankett/Behandlade".into();
    let mut done = ImapMailbox::new(config, var("MAIL_PASSWORD")).expect("mailbox");
    done.select().await.expect("select the folder");
    let moved = done.uids_after(0).await.expect("search");
    assert_eq!(moved.len(), 2);
    let bytes = done
        .fetch(moved[0])
        .await
        .expect("fetch")
        .expect("moved message");
    assert!(contains(&bytes, "Subject: move-one"));
}

#[tokio::test]
async fn starttls_and_plain_loopback_both_work() {
    for (security, name) in [
        (Security::Starttls, "imap-starttls"),
        (Security::None, "imap-plain"),
    ] {
        let user = address(name, "lansstyrelsen.test");
        let mut mb = mailbox(&user, security);
        mb.select()
            .await
            .unwrap_or_else(|e| panic!("{security:?}: {e}"));
        deliver(&user, name).await;
        let uids = wait_for_mail(&mut mb, 1).await;
        let bytes = mb.fetch(uids[0]).await.expect("fetch").expect("message");
        assert!(
            contains(&bytes, &format!("Subject: {name}")),
            "{security:?}"
        );
    }
}

#[tokio::test]
async fn idle_wakes_up_when_mail_arrives() {
    fn assert_send<T: Send>(_: &T) {}
    let user = address("imap-idle", "lansstyrelsen.test");
    let mut mb = mailbox(&user, Security::Tls);
    mb.select().await.expect("select");
    assert!(mb.uids_after(0).await.expect("search").is_empty());
    let start = Instant::now();
    let waiting = mb.wait(Duration::from_secs(20));
    assert_send(&waiting);
    let ((woken, woke_at), sent_at) =
        tokio::join!(async { (waiting.await, Instant::now()) }, async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            deliver(&user, "idle").await;
            Instant::now()
        });
    let elapsed = woke_at - start;
    assert_eq!(woken.expect("wait"), Woken::Changed);
    assert!(elapsed < Duration::from_secs(10), "woke after {elapsed:?}");
    eprintln!(
        "idle: woken {:?} after the mail was accepted",
        woke_at.saturating_duration_since(sent_at)
    );
    assert_eq!(mb.uids_after(0).await.expect("search").len(), 1);
    // Nothing new: a short wait runs out.
    assert_eq!(
        mb.wait(Duration::from_secs(1)).await.expect("wait"),
        Woken::Timeout
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_config_error() {
    let user = address("imap-wrong", "lansstyrelsen.test");
    let mut mb = ImapMailbox::new(
        imap_config(&user, Security::Tls),
        "not-the-password-42".into(),
    )
    .expect("mailbox");
    match mb.select().await {
        Err(MailboxError::Config(m)) => {
            assert!(m.contains("refused the login"), "{m}");
            assert!(
                !m.contains("not-the-password-42"),
                "the password leaked: {m}"
            );
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn smtps_with_auth_delivers() {
    let bot = address("smtps-bot", "lansstyrelsen.test");
    let to = address("smtps-rcpt", "falun.test");
    let config = smtp_config(Some(&bot));
    let mut sender = SmtpSender::new(&config, Some(var("MAIL_PASSWORD"))).expect("sender");
    sender
        .send(&bot, &to, &message(&bot, &to, "smtps-auth"))
        .await
        .expect("sent over SMTPS with AUTH");
    let mut mb = mailbox(&to, Security::Tls);
    let uids = wait_for_mail(&mut mb, 1).await;
    let bytes = mb.fetch(uids[0]).await.expect("fetch").expect("message");
    assert!(contains(&bytes, "Subject: smtps-auth"));

    let mut wrong = SmtpSender::new(&config, Some("not-the-password-42".into())).expect("sender");
    match wrong.send(&bot, &to, &message(&bot, &to, "never")).await {
        Err(SendError::Temporary(m)) => assert!(
            m.contains("refused the login") && !m.contains("not-the-password"),
            "{m}"
        ),
        other => panic!("expected a temporary login failure, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_newer_means_no_uids() {
    let user = address("imap-newer", "lansstyrelsen.test");
    let mut mb = mailbox(&user, Security::None);
    mb.select().await.expect("select");
    assert_eq!(
        mb.message_ids().await.expect("ids of an empty folder"),
        vec![]
    );
    deliver(&user, "newer-one").await;
    deliver(&user, "newer-two").await;
    let uids = wait_for_mail(&mut mb, 2).await;
    let last = uids[1];
    assert_eq!(
        mb.uids_after(last).await.expect("search"),
        Vec::<u32>::new()
    );
    assert_eq!(
        mb.uids_after(last + 100).await.expect("search"),
        Vec::<u32>::new()
    );
    assert_eq!(mb.uids_after(uids[0]).await.expect("search"), vec![last]);
    assert_eq!(
        mb.uids_after(u32::MAX).await.expect("search"),
        Vec::<u32>::new()
    );
}

#[tokio::test]
async fn a_lost_connection_is_reported_then_reopened() {
    let user = address("imap-kick", "lansstyrelsen.test");
    let mut mb = mailbox(&user, Security::Tls);
    mb.select().await.expect("select");
    deliver(&user, "kick").await;
    wait_for_mail(&mut mb, 1).await;
    kick(&user);
    let lost = mb.uids_after(0).await;
    assert!(matches!(lost, Err(MailboxError::Connection(_))), "{lost:?}");
    assert_eq!(mb.uids_after(0).await.expect("reconnected").len(), 1);
    let start = Instant::now();
    let (woken, ()) = tokio::join!(mb.wait(Duration::from_secs(20)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        kick(&user);
    });
    eprintln!("kicked while idle: {woken:?} after {:?}", start.elapsed());
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(woken, Err(MailboxError::Connection(_))),
        "{woken:?}"
    );
    assert_eq!(mb.uids_after(0).await.expect("reconnected").len(), 1);
}
