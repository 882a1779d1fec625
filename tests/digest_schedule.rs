//! The digest on its schedule, with the daemon's loop on tokio's paused time:
//! sent at 08:00 in Stockholm on both sides of a daylight-saving change
//! (06:00 UTC in summer, 07:00 UTC in winter), once for any number of slots
//! missed while the daemon was down, and neither twice nor never across
//! restarts.

#[path = "support/desk.rs"]
mod support;

use blankett::config::DigestConfig;
use blankett::daemon::desk::Desk;
use blankett::daemon::{run, Clock, FixedClock};
use blankett::limits::Limits;
use blankett::mailbox::dir::DirMailbox;
use blankett::sender::file::FileSender;
use blankett::store::Store;
use chrono::{DateTime, Utc};
use std::time::Duration;
use support::*;

const STRATEGIST: &str = "strateg@lansstyrelsen.test";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a time")
        .with_timezone(&Utc)
}

/// A clock that follows tokio's (paused) time from a given moment.
struct TokioClock {
    start: DateTime<Utc>,
    origin: tokio::time::Instant,
}

impl TokioClock {
    fn at(start: DateTime<Utc>) -> Self {
        TokioClock {
            start,
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.origin.elapsed()).expect("a short test")
    }
}

/// A desk whose database was created at `created`, sending the default
/// digest (Mondays 08:00, Europe/Stockholm) to the strategist.
fn desk<C: Clock>(f: &Folders, created: &str, clock: C) -> Desk<DirMailbox, FileSender, C> {
    // The first opening records the creation time; later ones keep it.
    drop(Store::open(&f.root.join("db.sqlite"), created).expect("database"));
    let mut d = desk_with_clock(f, clock);
    d.setup.digest = Some(DigestConfig {
        to: vec![STRATEGIST.into()],
        ..DigestConfig::default()
    });
    d
}

/// When each digest was queued, as stored.
fn queued(d: &Desk<DirMailbox, FileSender, impl Clock>) -> Vec<DateTime<Utc>> {
    d.store
        .digests()
        .expect("query")
        .iter()
        .map(|(to, when, _)| {
            assert_eq!(to, STRATEGIST);
            at(when)
        })
        .collect()
}

/// Each time is within a second of the expected one.
fn check_times(got: &[DateTime<Utc>], want: &[&str]) {
    assert_eq!(
        got.len(),
        want.len(),
        "digests at {got:?}, expected {want:?}"
    );
    for (g, w) in got.iter().zip(want) {
        let off = (*g - at(w)).num_milliseconds().abs();
        assert!(off < 1000, "a digest at {g}, expected {w}: {got:?}");
    }
}

/// Runs the daemon's loop (polling every seven hours, out of step with the slots) until `until`.
async fn run_until<C: Clock>(d: &mut Desk<DirMailbox, FileSender, C>, until: DateTime<Utc>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let wait = (until - d.clock.now()).to_std().expect("the end is ahead");
    let stop = async move {
        tokio::time::sleep(wait).await;
        let _ = tx.send(true);
    };
    let (ran, ()) = tokio::join!(run::run(d, Duration::from_secs(7 * 3600), rx, None), stop);
    ran.expect("the loop stops cleanly");
}

#[tokio::test(start_paused = true)]
async fn on_time_across_the_change_to_summer_time() {
    let f = Folders::new("digest-spring");
    // Created on 1 March, down until Wednesday 25 March: the slots of 2, 9,
    // 16 and 23 March were missed, and one digest makes up for them.
    let mut d = desk(
        &f,
        "2026-03-01T00:00:00Z",
        TokioClock::at(at("2026-03-25T12:00:00Z")),
    );
    run_until(&mut d, at("2026-04-07T00:00:00Z")).await;
    check_times(
        &queued(&d),
        &[
            "2026-03-25T12:00:00Z",
            // Monday 23 March 08:00 was 07:00 UTC; after Sunday 29 March it is 06:00.
            "2026-03-30T06:00:00Z",
            "2026-04-06T06:00:00Z",
        ],
    );
    let sent = f.sent();
    assert_eq!(sent.len(), 3, "all three were sent");
    for bytes in &sent {
        let mail = blankett::mime::read(bytes, &Limits::default()).expect("a digest");
        assert!(mail.subject.contains("sammanställning"), "{}", mail.subject);
        assert_eq!(mail.attachments.len(), 2, "the .xlsx and the .csv");
    }
    let last = blankett::mime::read(&sent[2], &Limits::default()).expect("a digest");
    let text = &last.bodies[0].text;
    assert!(text.contains("måndag 6 april 2026 kl. 08.00"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn on_time_across_the_change_to_winter_time() {
    let f = Folders::new("digest-autumn");
    let mut d = desk(
        &f,
        "2026-10-01T00:00:00Z",
        TokioClock::at(at("2026-10-24T12:00:00Z")),
    );
    // The digest of Monday 19 October, 08:00 summer time, was sent.
    assert!(d
        .store
        .queue_digest(&[], None, "2026-10-19T06:00:00+00:00")
        .expect("recorded"));
    run_until(&mut d, at("2026-10-27T00:00:00Z")).await;
    // Summer time ended on Sunday 25 October: 08:00 is 07:00 UTC again.
    check_times(&queued(&d), &["2026-10-26T07:00:00Z"]);
}

#[tokio::test]
async fn a_restart_neither_doubles_nor_skips() {
    let f = Folders::new("digest-restart");
    let created = "2026-03-01T00:00:00Z";
    let pass = |when: &str| {
        let when = at(when);
        let f = &f;
        async move {
            // Each pass is a new process on the same database.
            let mut d = desk(f, created, FixedClock::at(when));
            run::once(&mut d).await.expect("a pass");
            queued(&d)
        }
    };
    assert!(
        pass("2026-03-01T12:00:00Z").await.is_empty(),
        "a first start sends nothing"
    );
    assert_eq!(
        pass("2026-03-25T12:00:00Z").await.len(),
        1,
        "the missed slots: one digest"
    );
    assert_eq!(
        pass("2026-03-25T12:05:00Z").await.len(),
        1,
        "not again after a restart"
    );
    assert_eq!(
        pass("2026-03-30T05:59:00Z").await.len(),
        1,
        "not before the next slot"
    );
    assert_eq!(pass("2026-03-30T06:00:30Z").await.len(), 2, "the next slot");
    // Down for two weeks and a day: 6 and 13 April missed, one digest.
    assert_eq!(pass("2026-04-14T09:00:00Z").await.len(), 3);
    assert_eq!(pass("2026-04-14T09:00:01Z").await.len(), 3);
    assert_eq!(f.sent().len(), 3);
}
