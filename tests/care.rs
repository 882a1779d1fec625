//! Looking after itself: an outage of the mailbox or of sending is reported
//! to the strategist and the admin once, after `alert_after`, and `status`
//! says so; raw messages are dropped after the retention time; `backup`,
//! `export-person` and `forget` from the command line.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::desk::Desk;
use blankett::daemon::{run, FixedClock};
use blankett::mailbox::{FolderInfo, Mailbox, MailboxError, Woken};
use blankett::store::Store;
use chrono::{DateTime, Utc};
use std::time::Duration;
use support::*;

/// A mailbox server that is down.
struct Down;

impl Mailbox for Down {
    fn folder(&self) -> &str {
        "INBOX"
    }
    async fn select(&mut self) -> Result<FolderInfo, MailboxError> {
        Err(MailboxError::Connection("connection refused".into()))
    }
    async fn uids_after(&mut self, _: u32) -> Result<Vec<u32>, MailboxError> {
        Err(MailboxError::Connection("connection refused".into()))
    }
    async fn fetch(&mut self, _: u32) -> Result<Option<Vec<u8>>, MailboxError> {
        Err(MailboxError::Connection("connection refused".into()))
    }
    async fn message_ids(&mut self) -> Result<Vec<(u32, Option<String>)>, MailboxError> {
        Err(MailboxError::Connection("connection refused".into()))
    }
    async fn move_to(&mut self, _: u32, _: &str) -> Result<(), MailboxError> {
        Err(MailboxError::Connection("connection refused".into()))
    }
    async fn wait(&mut self, _: Duration) -> Result<Woken, MailboxError> {
        Ok(Woken::Timeout)
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn an_outage_is_reported_once_after_half_an_hour() {
    let f = Folders::new("outage");
    let d = desk_with_clock(&f, FixedClock::at(at("2026-11-30T08:00:00Z")));
    let mut setup = d.setup;
    setup.operations.admin = Some("it@lansstyrelsen.test".into());
    let mut d = Desk {
        store: d.store,
        mailbox: Down,
        sender: d.sender,
        clock: d.clock,
        setup,
        stop: d.stop,
    };
    for minutes in [0, 10, 29] {
        d.clock
            .set(at("2026-11-30T08:00:00Z") + chrono::Duration::minutes(minutes));
        assert!(run::once(&mut d).await.is_err(), "the mailbox is down");
    }
    assert_eq!(
        f.sent_to("strateg@lansstyrelsen.test"),
        0,
        "not before half an hour"
    );
    d.clock.set(at("2026-11-30T08:31:00Z"));
    assert!(run::once(&mut d).await.is_err());
    d.drain()
        .await
        .expect("the notice goes out while the mailbox is down");
    assert_eq!(f.sent_to("strateg@lansstyrelsen.test"), 1);
    assert_eq!(f.sent_to("it@lansstyrelsen.test"), 1);
    d.clock.set(at("2026-11-30T09:31:00Z"));
    assert!(run::once(&mut d).await.is_err());
    d.drain().await.expect("drain");
    assert_eq!(
        f.sent_to("strateg@lansstyrelsen.test"),
        1,
        "once per outage"
    );
    let health = d.store.health().expect("health");
    assert_eq!(health.failing_since(), Some("2026-11-30T08:00:00+00:00"));
    assert!(health
        .last_error
        .is_some_and(|e| e.contains("connection refused")));
}

#[tokio::test]
async fn raw_messages_are_dropped_after_the_retention_time() {
    let f = Folders::new("retention");
    let mut d = desk_with_clock(&f, FixedClock::at(at("2026-11-30T08:00:00Z")));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("handled");
    let raw = |s: &Store| s.raw_message(1).expect("query");
    assert!(raw(&d.store).is_some());
    d.clock.set(at("2027-02-27T08:00:00Z"));
    run::once(&mut d).await.expect("89 days later");
    assert!(raw(&d.store).is_some(), "kept for 90 days");
    d.clock.set(at("2027-03-01T08:00:01Z"));
    run::once(&mut d).await.expect("91 days later");
    assert!(raw(&d.store).is_none(), "dropped after 90 days");
    assert_eq!(
        d.store.registrations().expect("roster").len(),
        1,
        "the roster stays"
    );
}

#[tokio::test]
async fn status_backup_export_person_and_forget() {
    let f = Folders::new("care-cli");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("registered");
    drop(d);
    let config = f.root.join("blankett.toml");
    let db = f.root.join("db.sqlite");
    std::fs::write(
        &config,
        format!("[database]\npath = \"{}\"\n", db.display()),
    )
    .expect("config");

    let (ok, status) = blankett(&config, &["status"]);
    assert!(
        ok && status.contains("OK") && status.contains("last answer sent"),
        "{status}"
    );

    let copy = f.root.join("copy.sqlite");
    let (ok, out) = blankett(&config, &["backup", copy.to_str().unwrap_or_default()]);
    assert!(ok, "{out}");
    let backup = Store::open(&copy, "2026-11-30T08:00:00Z").expect("the backup opens");
    assert_eq!(backup.registrations().expect("roster").len(), 1);

    let (ok, held) = blankett(&config, &["export-person", "erik.lind@falun.test"]);
    assert!(
        ok && held.contains("Falu kommun") && held.contains("Erik Lind"),
        "{held}"
    );

    let (ok, dry) = blankett(&config, &["forget", "erik.lind@falun.test"]);
    assert!(ok && dry.contains("--yes"), "{dry}");
    let (ok, gone) = blankett(&config, &["forget", "erik.lind@falun.test", "--yes"]);
    assert!(ok, "{gone}");
    let (ok, after) = blankett(&config, &["export-person", "erik.lind@falun.test"]);
    assert!(ok, "{after}");
    let json: serde_json::Value = serde_json::from_str(&after).expect("json");
    for key in ["registrations", "history", "submissions"] {
        assert_eq!(
            json[key].as_array().map(Vec::len),
            Some(0),
            "{key}: {after}"
        );
    }
    let store = Store::open(&db, "2026-11-30T08:00:00Z").expect("opens");
    let roster = store.registrations().expect("roster");
    let text = serde_json::to_string(&roster[0].fields).expect("json");
    assert!(
        !text.contains("Erik Lind") && !text.contains("erik.lind"),
        "{text}"
    );
    assert!(
        text.contains("Anna Berg"),
        "the rest of the registration stays"
    );
}
