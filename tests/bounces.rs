//! A delivery failure for a registered address marks it on the roster
//! (`representative_undeliverable` / `substitute_undeliverable` in the JSON),
//! whether the bounced mail was blankett's own answer or the strategist's own
//! mail; a delay marks nothing; the report stays where it is, unanswered;
//! a new form naming the address clears the mark.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::run;
use std::time::Duration;
use support::*;

const ERIK: &str = "erik.lind@falun.test";

/// A delivery report from the strategist's mail server about `to`.
fn report(to: &str, action: &str, status: &str, n: u32) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@mx1.lansstyrelsen.test (Mail Delivery System)\r\nTo: strateg@lansstyrelsen.test\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{n}@mx1.lansstyrelsen.test>\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx1.lansstyrelsen.test\r\n\r\n\
         Final-Recipient: rfc822; {to}\r\nOriginal-Recipient: rfc822;{to}\r\nAction: {action}\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{to}>: Recipient address rejected: User unknown\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: strateg@lansstyrelsen.test\r\nTo: {to}\r\n\
         Subject: Kallelse till länsgruppen\r\nMessage-ID: <kallelse-{n}@lansstyrelsen.test>\r\n\r\n--b--\r\n"
    )
    .into_bytes()
}

fn roster_json(d: &support_desk::Desk) -> serde_json::Value {
    let text = blankett::export::json_with(
        &d.store.registrations().expect("roster"),
        &d.store.undeliverable().expect("marks"),
    );
    serde_json::from_str(&text).expect("json")
}

mod support_desk {
    pub type Desk = blankett::daemon::desk::Desk<
        blankett::mailbox::dir::DirMailbox,
        blankett::sender::file::FileSender,
        blankett::daemon::SystemClock,
    >;
}

#[tokio::test]
async fn a_dead_address_is_marked_and_a_new_form_clears_it() {
    let f = Folders::new("bounces");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("registered");
    let sent_before = f.sent().len();
    let roster = roster_json(&d);
    assert_eq!(
        roster[0]["substitute_undeliverable"],
        serde_json::Value::Null
    );
    assert_eq!(roster[0]["confirmed_at"], serde_json::Value::Null);

    // A delay marks nothing.
    f.put("2.eml", &report(ERIK, "delayed", "4.4.1", 2));
    run::once(&mut d).await.expect("delay");
    assert_eq!(
        roster_json(&d)[0]["substitute_undeliverable"],
        serde_json::Value::Null
    );
    // A failure for someone not on the roster marks nothing either.
    f.put("3.eml", &report("nobody@falun.test", "failed", "5.1.1", 3));
    run::once(&mut d).await.expect("stranger");
    assert!(d.store.undeliverable().expect("marks").is_empty());

    // The strategist's own mail to Erik bounced for good.
    f.put("4.eml", &report(ERIK, "failed", "5.1.1", 4));
    run::once(&mut d).await.expect("bounce");
    let roster = roster_json(&d);
    let mark = &roster[0]["substitute_undeliverable"];
    assert!(
        mark["since"].as_str().is_some_and(|s| s.starts_with("20")),
        "{mark}"
    );
    assert!(
        mark["reason"]
            .as_str()
            .is_some_and(|r| r.contains("User unknown")),
        "{mark}"
    );
    assert_eq!(
        roster[0]["representative_undeliverable"],
        serde_json::Value::Null
    );
    // The digest lists the address under its gaps.
    let digest = blankett::daemon::digest::make(
        &d.setup,
        &blankett::config::DigestConfig::default(),
        &blankett::daemon::digest::gather(&d.store).expect("gathered"),
        chrono::Utc::now(),
    )
    .expect("a digest");
    assert!(
        digest
            .rendered
            .text
            .contains("Mejladressen går inte längre fram")
            && digest
                .rendered
                .text
                .contains(&format!("Falu kommun, ersättare {ERIK}")),
        "{}",
        digest.rendered.text
    );
    // The reports stay in the inbox, unanswered.
    for name in ["2.eml", "3.eml", "4.eml"] {
        assert!(exists(&f.inbox(), name), "{name} was moved");
    }
    // The mail system is never answered; the organisation is asked, in one
    // letter to the other registered person and one to the manager, with
    // the form attached, filled in with what the roster holds.
    let letters = parsed(&f.sent()[sent_before..]);
    assert!(
        letters.iter().all(|m| !m.to.contains("mailer-daemon")),
        "a delivery report is never answered"
    );
    let mut to: Vec<&str> = letters.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["anna.berg@falun.test", "karin.ek@falun.test"]);
    for letter in &letters {
        assert!(
            letter
                .subject
                .contains("En mejladress hos Falu kommun fungerar inte"),
            "{}",
            letter.subject
        );
        assert!(
            letter.text.contains(ERIK) && letter.text.contains("Ersättarens mejladress: ..."),
            "{}",
            letter.text
        );
        assert!(
            letter
                .text
                .contains("Samma mejl har gått till anna.berg@falun.test och karin.ek@falun.test"),
            "{}",
            letter.text
        );
        assert_eq!(letter.attachments, ["Blankett.docx"]);
    }
    assert_eq!(d.store.open_requests().expect("requests").len(), 1);
    // Another report about the same address asks nobody again.
    let before = f.sent().len();
    f.put("4b.eml", &report(ERIK, "failed", "5.1.1", 6));
    run::once(&mut d).await.expect("second bounce");
    assert_eq!(f.sent().len(), before, "one request while it is open");

    // A new form naming Erik again vouches for the address.
    let again = String::from_utf8_lossy(FORM)
        .replace("Message-ID: <AS8", "Message-ID: <again-AS8")
        .replace("Datum: 2026-11-27", "Datum: 2026-12-02");
    f.put("5.eml", again.as_bytes());
    run::once(&mut d).await.expect("new form");
    assert!(d.store.undeliverable().expect("marks").is_empty());
    assert!(
        d.store.open_requests().expect("requests").is_empty(),
        "a new registration answers the request"
    );
}

/// A mail blankett sent, as the tests read it.
struct Sent {
    to: String,
    subject: String,
    text: String,
    message_id: String,
    attachments: Vec<String>,
}

fn parsed(raw: &[Vec<u8>]) -> Vec<Sent> {
    raw.iter()
        .map(|bytes| {
            let m =
                blankett::mime::read(bytes, &blankett::limits::Limits::default()).expect("a mail");
            let to = String::from_utf8_lossy(bytes)
                .lines()
                .find_map(|l| l.strip_prefix("To: ").map(|t| t.trim().to_lowercase()))
                .unwrap_or_default();
            Sent {
                to,
                subject: m.subject.clone(),
                text: m
                    .bodies
                    .iter()
                    .find(|b| b.kind == blankett::mime::BodyKind::Plain)
                    .map(|b| b.text.clone())
                    .unwrap_or_default(),
                message_id: m.message_id.clone().unwrap_or_default(),
                attachments: m.attachments.iter().map(|a| a.name.clone()).collect(),
            }
        })
        .collect()
}

/// Anna's answer to a letter.
fn answer(letter: &Sent, n: u32, body: &str) -> Vec<u8> {
    format!(
        "From: Anna Berg <anna.berg@falun.test>\r\nTo: strateg@lansstyrelsen.test\r\n\
         Subject: SV: {}\r\nMessage-ID: <answer-{n}@falun.test>\r\nIn-Reply-To: <{}>\r\n\
         Date: Thu, 03 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        letter.subject,
        letter.message_id.trim_matches(['<', '>'])
    )
    .into_bytes()
}

#[tokio::test]
async fn an_answer_to_the_request_gives_the_new_address() {
    let f = Folders::new("bounce-answer");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("registered");
    let before = f.sent().len();
    f.put("2.eml", &report(ERIK, "failed", "5.1.1", 2));
    run::once(&mut d).await.expect("bounce");
    let letters = parsed(&f.sent()[before..]);
    let to_anna = letters
        .iter()
        .find(|l| l.to.contains(ANNA))
        .expect("a letter to Anna");

    // An answer with nothing to register leaves the request open and is
    // not answered (it is the strategist's to read).
    let before = f.sent().len();
    f.put(
        "3.eml",
        &answer(to_anna, 3, "Tack, jag kollar med Erik och återkommer."),
    );
    run::once(&mut d).await.expect("a note");
    assert_eq!(f.sent().len(), before);
    assert_eq!(d.store.open_requests().expect("requests").len(), 1);

    // The new address, alone on a line, completes what was asked.
    f.put(
        "4.eml",
        &answer(
            to_anna,
            4,
            "Hej!\r\n\r\nErsättarens mejladress: erik.nylund@falun.test\r\n\r\nMvh Anna",
        ),
    );
    run::once(&mut d).await.expect("the answer");
    let roster = roster_json(&d);
    assert_eq!(roster[0]["substitute_email"], "erik.nylund@falun.test");
    assert_eq!(roster[0]["substitute_name"], "Erik Lind");
    assert_eq!(roster[0]["representative_email"], ANNA);
    assert_eq!(
        roster[0]["substitute_undeliverable"],
        serde_json::Value::Null
    );
    assert!(d.store.open_requests().expect("requests").is_empty());
    let answers = parsed(&f.sent()[before..]);
    assert!(
        answers
            .iter()
            .any(|a| a.to.contains(ANNA) && a.text.contains("erik.nylund@falun.test")),
        "Anna is told what was registered"
    );
}

#[test]
fn every_bounce_fixture_reads_as_its_golden_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("the bounce fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{} fixtures", names.len());
    let mut wrong = Vec::new();
    for path in names {
        let bytes = std::fs::read(&path).expect("readable");
        let golden: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("json")).expect("its golden file"),
        )
        .expect("JSON");
        let mail =
            blankett::mime::read(&bytes, &blankett::limits::Limits::default()).expect("a mail");
        let got = blankett::bounce::read(&mail);
        let want = &golden["bounce"];
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let Some(got) = got else {
            if !want.is_null() {
                wrong.push(format!("{name}: not read as a delivery report"));
            }
            continue;
        };
        if want.is_null() {
            wrong.push(format!("{name}: read as a delivery report: {got:?}"));
            continue;
        }
        let failures = want["failures"].as_array().expect("failures");
        if failures.len() != got.failures.len() {
            wrong.push(format!(
                "{name}: {} failures, want {}: {got:?}",
                got.failures.len(),
                failures.len()
            ));
            continue;
        }
        for (w, g) in failures.iter().zip(&got.failures) {
            let reason = w["reason_contains"].as_str().unwrap_or_default();
            if w["address"] != g.address.as_str()
                || w["permanent"] != g.permanent
                || !g.reason.contains(reason)
            {
                wrong.push(format!("{name}: got {g:?}, want {w}"));
            }
        }
        if want["original_message_id"].as_str() != got.original_message_id.as_deref() {
            wrong.push(format!(
                "{name}: original {:?}, want {}",
                got.original_message_id, want["original_message_id"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_forged_report_marks_nothing_and_asks_nobody() {
    let f = Folders::new("bounce-forged");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("registered");
    let before = f.sent().len();
    // The receiving server says the report's From domain fails DMARC.
    let mut forged = b"Authentication-Results: mx.lansstyrelsen.test; spf=fail; dmarc=fail header.from=lansstyrelsen.test\r\n".to_vec();
    forged.extend(report(ERIK, "failed", "5.1.1", 2));
    f.put("2.eml", &forged);
    run::once(&mut d).await.expect("forged report");
    assert!(d.store.undeliverable().expect("marks").is_empty());
    assert!(d.store.open_requests().expect("requests").is_empty());
    assert_eq!(f.sent().len(), before, "nobody is asked");
    assert!(exists(&f.inbox(), "2.eml"), "left where it is");
}

#[tokio::test]
async fn a_report_blankett_cannot_believe_marks_nothing() {
    let f = Folders::new("bounce-unbelievable");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    let mora = String::from_utf8_lossy(FORM)
        .replace("falun.test", "mora.test")
        .replace("Falu kommun", "Mora kommun")
        .replace("Message-ID: <AS8", "Message-ID: <mora-AS8");
    f.put("1b.eml", mora.as_bytes());
    run::once(&mut d).await.expect("registered");
    assert_eq!(d.store.registrations().expect("roster").len(), 2);
    let before = f.sent().len();
    // Not from a mail system: a person's (or a forger's) "report".
    let from_a_person = String::from_utf8_lossy(&report(ERIK, "failed", "5.1.1", 2))
        .replace(
            "From: MAILER-DAEMON@mx1.lansstyrelsen.test (Mail Delivery System)",
            "From: Mallory <mallory@evil.example>",
        )
        .replace("Auto-Submitted: auto-replied\r\n", "");
    // A mail system's report about the strategist's own mail naming more
    // registered addresses than one report believably does.
    let many = String::from_utf8_lossy(&report(ERIK, "failed", "5.1.1", 3)).replace(
        "Final-Recipient: rfc822; erik.lind@falun.test",
        "Final-Recipient: rfc822; anna.berg@falun.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         Final-Recipient: rfc822; anna.berg@mora.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         Final-Recipient: rfc822; erik.lind@mora.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         Final-Recipient: rfc822; erik.lind@falun.test",
    );
    f.put("2.eml", from_a_person.as_bytes());
    f.put("3.eml", many.as_bytes());
    run::once(&mut d).await.expect("reports");
    // Four registered addresses in one report on mail blankett did not
    // send, or a report from no mail system: nothing is marked.
    assert!(d.store.undeliverable().expect("marks").is_empty());
    assert_eq!(f.sent().len(), before, "nobody is asked");
    // A report on blankett's own letter to that very address is believed,
    // whoever relays it.
    f.put("4.eml", FORM);
    let notice = parsed(&f.sent())
        .into_iter()
        .find(|m| m.to.contains(ERIK))
        .expect("Erik was told of his seat");
    let proved = String::from_utf8_lossy(&report(ERIK, "failed", "5.1.1", 4))
        .replace(
            "From: MAILER-DAEMON@mx1.lansstyrelsen.test (Mail Delivery System)",
            "From: Falun IT <it-support@falun.test>",
        )
        .replace("<kallelse-4@lansstyrelsen.test>", &notice.message_id);
    f.put("5.eml", proved.as_bytes());
    run::once(&mut d).await.expect("proved report");
    assert!(d.store.undeliverable().expect("marks").contains_key(ERIK));
}
