//! Reminders on a clock the test moves: an incomplete form is reminded on
//! day 7 and day 14 and never again; a form completed by a follow-up is not
//! reminded; a reminder answers the original message, names what is missing,
//! and a reply to it completes the form.

#[path = "support/desk.rs"]
mod support;

use blankett::config::Config;
use blankett::daemon::desk::Desk;
use blankett::daemon::{run, FixedClock};
use blankett::limits::Limits;
use blankett::mailbox::dir::DirMailbox;
use blankett::mime::{BodyKind, Mail};
use blankett::sender::file::FileSender;
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use support::*;

const INCOMPLETE: &str = include_str!("fixtures/p14-incomplete-no-substitute.eml");
const LINNEA: &str = "linnea.sjodin@falun.test";
const STRATEGIST: &str = "strateg@lansstyrelsen.test";
const SUBSTITUTE: &str = "Ersättare: Karin Nyström\r\nMejladress: karin.nystrom@falun.test";

type TestDesk = Desk<DirMailbox, FileSender, FixedClock>;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T08:00:00Z")
        .expect("a date")
        .with_timezone(&Utc)
}

/// A desk on a fixed clock that has handled the incomplete form at `start()`.
async fn pending(f: &Folders) -> TestDesk {
    let mut d = desk_with_clock(f, FixedClock::at(start()));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", INCOMPLETE.as_bytes());
    run::once(&mut d).await.expect("incomplete");
    d
}

/// The answers written to `to`, oldest first, read back.
fn answers_to(f: &Folders, to: &str) -> Vec<Mail> {
    let mut names: Vec<_> = std::fs::read_dir(f.outbox())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .filter(|p: &std::path::PathBuf| p.to_string_lossy().ends_with(&format!("-{to}.eml")))
        .map(|p| {
            let bytes = std::fs::read(p).expect("answer");
            blankett::mime::read(&bytes, &Limits::default()).expect("an answer reads")
        })
        .collect()
}

fn text(mail: &Mail) -> String {
    mail.bodies
        .iter()
        .find(|b| b.kind == BodyKind::Plain)
        .map(|b| b.text.replace("\r\n", "\n"))
        .expect("a text part")
}

/// A plain reply from `from` to `answer`, `n` making its Message-ID unique.
fn reply(from: &str, answer: &Mail, body: &str, n: u32) -> String {
    let id = answer
        .message_id
        .as_deref()
        .expect("answers have a Message-ID");
    format!(
        "From: {from}\r\nTo: {STRATEGIST}\r\nSubject: SV: {subject}\r\nMessage-ID: <reply-{n}@falun.test>\r\n\
         In-Reply-To: <{id}>\r\nReferences: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject = answer.subject
    )
}

/// Moves the clock to each day after `start()` and runs a pass; the answers
/// the sender has after that day must be as many as expected.
async fn check(d: &mut TestDesk, f: &Folders, timeline: &[(i64, usize)]) {
    for (day, expected) in timeline {
        d.clock.set(start() + Duration::days(*day));
        run::once(d).await.expect("a pass");
        let got: Vec<String> = answers_to(f, LINNEA)
            .iter()
            .map(|m| m.subject.clone())
            .collect();
        assert_eq!(
            got.len(),
            *expected,
            "day {day}: expected {expected} answer(s) to the sender, got {got:#?}"
        );
    }
}

#[tokio::test]
async fn reminders_come_on_day_7_and_14_and_then_stop() {
    let f = Folders::new("remind-days");
    let mut d = pending(&f).await;
    // The notice of what is missing, then a reminder on day 7 and day 14.
    check(
        &mut d,
        &f,
        &[
            (0, 1),
            (6, 1),
            (7, 2),
            (8, 2),
            (13, 2),
            (14, 3),
            (15, 3),
            (60, 3),
        ],
    )
    .await;
    let subs = d.store.submissions_in("pending").expect("query");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].reminders, 2);
    assert_eq!(d.store.reminders_for(subs[0].id).expect("query").len(), 2);
}

#[tokio::test]
async fn a_form_completed_by_a_follow_up_gets_no_reminder() {
    let f = Folders::new("remind-completed");
    let mut d = pending(&f).await;
    let notice = answers_to(&f, LINNEA).pop().expect("a notice");
    d.clock.set(start() + Duration::days(2));
    f.put("2.eml", reply(LINNEA, &notice, SUBSTITUTE, 1).as_bytes());
    run::once(&mut d).await.expect("follow-up");
    assert_eq!(d.store.registrations().expect("roster").len(), 1);
    // The notice, then the confirmation; nothing after.
    check(&mut d, &f, &[(2, 2), (7, 2), (14, 2), (30, 2)]).await;
}

#[tokio::test]
async fn a_reminder_answers_the_original_and_names_what_is_missing() {
    let f = Folders::new("remind-thread");
    let mut d = pending(&f).await;
    check(&mut d, &f, &[(7, 2)]).await;
    let reminder = answers_to(&f, LINNEA).pop().expect("a reminder");
    let original = blankett::mime::read(INCOMPLETE.as_bytes(), &Limits::default())
        .and_then(|m| m.message_id)
        .expect("the form has a Message-ID");
    assert_eq!(reminder.in_reply_to, vec![original.clone()]);
    assert!(reminder.references.contains(&original));
    let reference = d.store.submissions_in("pending").expect("query")[0]
        .reference
        .clone();
    assert_eq!(
        reminder.subject,
        format!("Re: Representant länsgruppen [{reference}]")
    );
    let body = text(&reminder);
    assert!(body.contains("En påminnelse"), "{body}");
    assert!(body.contains("- Ersättare\n"), "{body}");
    assert!(body.contains("Ersättarens mejladress: ..."), "{body}");
    assert!(body.contains(&reference), "{body}");
    // A reply to the reminder completes the form.
    f.put("2.eml", reply(LINNEA, &reminder, SUBSTITUTE, 2).as_bytes());
    run::once(&mut d).await.expect("follow-up");
    let roster = d.store.registrations().expect("roster");
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].organisation_id.as_deref(), Some("falu-kommun"));
    check(&mut d, &f, &[(14, 3), (30, 3)]).await;
}

#[test]
fn reminder_days_are_configured_rising() {
    let parse = |text: &str| Config::parse(text, Path::new("."));
    let days = |text: &str| parse(text).expect("valid").answers.reminder_days;
    assert_eq!(days(""), vec![7, 14]);
    assert_eq!(
        days("[answers]\nreminder_days = [3, 10, 20]\n"),
        vec![3, 10, 20]
    );
    assert!(days("[answers]\nreminder_days = []\n").is_empty());
    for bad in ["[14, 7]", "[7, 7]", "[0, 7]"] {
        let err = parse(&format!("[answers]\nreminder_days = {bad}\n"))
            .expect_err("not rising")
            .to_string();
        assert!(err.contains("reminder_days"), "{err}");
    }
}
