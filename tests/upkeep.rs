//! Keeping the roster true over time, through the desk on a clock the test
//! controls: the yearly check goes out at most `per_day` a day and once per
//! period, `STÄMMER` records the confirmation (and "stämmer inte" does not),
//! an unanswered check is reminded and then shows in the digest; the
//! strategist's `SKICKA BLANKETT` sends the form and tells her what went
//! out, while the same command forged in her name sends nothing; a bounce
//! tells her at once when she wants changes at once.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::{run, Clock, FixedClock};
use blankett::limits::Limits;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use support::*;

const STRATEGIST: &str = "strateg@lansstyrelsen.test";
const KARIN: &str = "karin.ek@falun.test";
const PASS: &str = "Authentication-Results: mx.lansstyrelsen.test; dkim=pass header.d=lansstyrelsen.test; dmarc=pass header.from=lansstyrelsen.test\r\n";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a time")
        .with_timezone(&Utc)
}

type ClockDesk = blankett::daemon::desk::Desk<
    blankett::mailbox::dir::DirMailbox,
    blankett::sender::file::FileSender,
    FixedClock,
>;

/// The Falu kommun form rewritten as another municipality's.
fn form_of(domain: &str, name: &str, n: u32) -> Vec<u8> {
    String::from_utf8_lossy(FORM)
        .replace("falun.test", domain)
        .replace("Falu kommun", name)
        .replace("Falu kommuns", name)
        .replace("Message-ID: <AS8", &format!("Message-ID: <org{n}-AS8"))
        .into_bytes()
}

/// A mail blankett sent.
struct Sent {
    to: String,
    subject: String,
    text: String,
    message_id: String,
    attachments: Vec<String>,
}

fn sent(f: &Folders, from: usize) -> Vec<Sent> {
    f.sent()[from..]
        .iter()
        .map(|bytes| {
            let m = blankett::mime::read(bytes, &Limits::default()).expect("a mail");
            Sent {
                to: String::from_utf8_lossy(bytes)
                    .lines()
                    .find_map(|l| l.strip_prefix("To: ").map(|t| t.trim().to_lowercase()))
                    .unwrap_or_default(),
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

/// A short plain mail, answering `in_reply_to` when given.
fn mail(
    from: &str,
    extra: &str,
    subject: &str,
    in_reply_to: Option<&str>,
    body: &str,
    n: u32,
) -> Vec<u8> {
    let reply = in_reply_to
        .map(|id| format!("In-Reply-To: <{}>\r\n", id.trim_matches(['<', '>'])))
        .unwrap_or_default();
    format!(
        "{extra}From: {from}\r\nTo: {STRATEGIST}\r\nSubject: {subject}\r\nMessage-ID: <m{n}@test>\r\n{reply}\
         Date: Thu, 03 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn roster(d: &ClockDesk) -> serde_json::Value {
    let text = blankett::export::json_with(
        &d.store.registrations().expect("roster"),
        &d.store.undeliverable().expect("marks"),
    );
    serde_json::from_str(&text).expect("json")
}

/// Falu and Mora registered on 2025-11-30.
async fn registered(f: &Folders, per_day: u32) -> ClockDesk {
    let mut d = desk_with_clock(f, FixedClock::at(at("2025-11-30T08:00:00Z")));
    d.setup.upkeep = blankett::upkeep::UpkeepConfig {
        confirm_after: Some(blankett::upkeep::Period::parse("12 months").expect("a period")),
        per_day,
    };
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    f.put("2.eml", &form_of("mora.test", "Mora kommun", 2));
    run::once(&mut d).await.expect("registered");
    assert_eq!(d.store.registrations().expect("roster").len(), 2);
    d
}

#[tokio::test]
async fn the_yearly_check_goes_out_spread_and_once_and_stammer_confirms() {
    let f = Folders::new("upkeep-yearly");
    let mut d = registered(&f, 1).await;
    // Not yet due.
    d.clock.set(at("2026-11-29T08:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("not due");
    assert_eq!(
        f.sent().len(),
        before,
        "nothing is due before a year has passed"
    );

    // A year on: one organisation a day (per_day = 1), to the representative and the manager.
    d.clock.set(at("2026-12-01T07:00:00Z"));
    run::once(&mut d).await.expect("due");
    let first = sent(&f, before);
    let mut to: Vec<&str> = first.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, [ANNA, KARIN], "Falu first (the oldest; ties by key)");
    for letter in &first {
        assert!(
            letter
                .subject
                .starts_with("Stämmer uppgifterna för Falu kommun?"),
            "{}",
            letter.subject
        );
        assert!(
            letter.text.contains("Representant: Anna Berg"),
            "{}",
            letter.text
        );
        assert!(letter.text.contains("STÄMMER"), "{}", letter.text);
        assert!(
            letter.attachments.is_empty(),
            "the yearly check asks, it attaches no form"
        );
    }
    let before = f.sent().len();
    d.clock.set(at("2026-12-01T15:00:00Z"));
    run::once(&mut d).await.expect("same day");
    assert_eq!(f.sent().len(), before, "per_day holds within 24 hours");
    d.clock.set(at("2026-12-02T07:30:00Z"));
    run::once(&mut d).await.expect("next day");
    let second = sent(&f, before);
    assert_eq!(second.len(), 2, "Mora's turn");
    assert!(second.iter().all(|m| m.subject.contains("Mora kommun")));
    let before = f.sent().len();
    d.clock.set(at("2026-12-03T08:00:00Z"));
    run::once(&mut d).await.expect("third day");
    assert_eq!(
        f.sent().len(),
        before,
        "each organisation is asked once per period"
    );

    // "Stämmer inte" confirms nothing and is left for the strategist.
    let to_anna = first.iter().find(|m| m.to == ANNA).expect("Anna's letter");
    let subject = format!("SV: {}", to_anna.subject);
    f.put(
        "3.eml",
        &mail(
            ANNA,
            "",
            &subject,
            Some(&to_anna.message_id),
            "Stämmer inte, jag återkommer.",
            3,
        ),
    );
    run::once(&mut d).await.expect("not confirmed");
    assert_eq!(roster(&d)[0]["confirmed_at"], serde_json::Value::Null);
    assert_eq!(f.sent().len(), before);

    // STÄMMER records the confirmation, in the history too, and thanks her.
    f.put(
        "4.eml",
        &mail(
            ANNA,
            "",
            &subject,
            Some(&to_anna.message_id),
            "Ja, stämmer!\r\n\r\nHälsningar Anna",
            4,
        ),
    );
    run::once(&mut d).await.expect("confirmed");
    let falun = roster(&d)[0].clone();
    assert_eq!(falun["organisation"], "Falu kommun");
    assert!(
        falun["confirmed_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-12-03")),
        "{falun}"
    );
    let history = d.store.history(Some("falu-kommun")).expect("history");
    assert_eq!(history.last().map(|h| h.kind.as_str()), Some("confirmed"));
    let thanks = sent(&f, before);
    assert_eq!(thanks.len(), 1);
    assert_eq!(thanks[0].to, ANNA);
    assert!(
        thanks[0]
            .text
            .contains("Uppgifterna för Falu kommun är bekräftade"),
        "{}",
        thanks[0].text
    );

    // Mora does not answer: reminded at 7 and 14 days, then a gap in the digest.
    let before = f.sent().len();
    d.clock.set(at("2026-12-09T08:00:00Z"));
    run::once(&mut d).await.expect("reminder 1");
    let reminders = sent(&f, before);
    assert_eq!(reminders.len(), 2, "both of Mora's recipients");
    assert!(reminders.iter().all(|m| m
        .subject
        .starts_with("Påminnelse: Stämmer uppgifterna för Mora kommun?")));
    d.clock.set(at("2026-12-16T08:00:00Z"));
    run::once(&mut d).await.expect("reminder 2");
    d.clock.set(at("2026-12-20T08:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("no third reminder");
    assert_eq!(f.sent().len(), before);
    let digest = blankett::daemon::digest::make(
        &d.setup,
        &blankett::config::DigestConfig::default(),
        &blankett::daemon::digest::gather(&d.store).expect("gathered"),
        d.clock.now(),
    )
    .expect("a digest");
    assert!(
        digest
            .rendered
            .text
            .contains("Mora kommun, ej bekräftad sedan 2025-11-30"),
        "{}",
        digest.rendered.text
    );
    assert!(!digest.rendered.text.contains("Falu kommun, ej bekräftad"));
    // Falu is not asked again until a year after its confirmation.
    d.clock.set(at("2027-11-30T08:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("a year on");
    assert!(sent(&f, before)
        .iter()
        .all(|m| !m.subject.contains("Falu kommun")));
    d.clock.set(at("2027-12-04T08:00:00Z"));
    run::once(&mut d).await.expect("Falu's next year");
    assert!(sent(&f, before)
        .iter()
        .any(|m| m.subject.contains("Stämmer uppgifterna för Falu kommun?")));
}

#[tokio::test]
async fn changed_lines_in_answer_to_the_check_are_a_change() {
    let f = Folders::new("upkeep-change");
    let mut d = registered(&f, 10).await;
    d.clock.set(at("2026-12-01T07:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("due");
    let letters = sent(&f, before);
    let to_karin = letters
        .iter()
        .find(|m| m.to == KARIN && m.subject.contains("Falu"))
        .expect("the manager's letter");
    f.put(
        "3.eml",
        &mail(
            "Karin Ek <karin.ek@falun.test>",
            "",
            &format!("SV: {}", to_karin.subject),
            Some(&to_karin.message_id),
            "Ersättare: Karin Ny\r\nErsättarens mejladress: karin.ny@falun.test",
            3,
        ),
    );
    run::once(&mut d).await.expect("a change");
    let falun = roster(&d)[0].clone();
    assert_eq!(falun["substitute_name"], "Karin Ny");
    assert_eq!(falun["substitute_email"], "karin.ny@falun.test");
    assert_eq!(falun["representative_email"], ANNA, "the rest stands");
    let history = d.store.history(Some("falu-kommun")).expect("history");
    assert_eq!(history.last().map(|h| h.kind.as_str()), Some("changed"));
    // The request is answered: no reminder follows.
    d.clock.set(at("2026-12-09T08:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("reminders");
    assert!(sent(&f, before)
        .iter()
        .all(|m| !m.subject.contains("Falu kommun")));
}

/// A desk whose organisation list gives Mora kommun a contact address.
fn with_contact(d: &mut ClockDesk) {
    let list = blankett::organisations::BUILTIN.replace(
        "name = \"Mora kommun\"",
        "name = \"Mora kommun\"\ncontact = \"Registrator <registrator@mora.test>\"",
    );
    let reader = blankett::daemon::reader::Reader {
        organisations: blankett::organisations::Organisations::parse(&list).expect("the list"),
        required: blankett::form::default_required(),
        limits: Limits::default(),
        ocr: None,
    };
    d.setup.reader = Arc::new(reader);
}

#[tokio::test]
async fn skicka_blankett_sends_the_form_and_a_forged_one_sends_nothing() {
    let f = Folders::new("upkeep-command");
    let mut d = desk_with_clock(&f, FixedClock::at(at("2026-12-03T08:00:00Z")));
    with_contact(&mut d);
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("registered");

    // Forged: her address without proof. Nothing is sent; it is audited.
    let before = f.sent().len();
    f.put(
        "2.eml",
        &mail(STRATEGIST, "", "SKICKA BLANKETT: Mora kommun", None, "", 2),
    );
    f.put(
        "3.eml",
        &mail(
            "Mallory <mallory@evil.example>",
            "",
            "SKICKA BLANKETT: alla",
            None,
            "",
            3,
        ),
    );
    run::once(&mut d).await.expect("forged");
    let out = sent(&f, before);
    assert!(
        out.len() == 1 && out[0].to == STRATEGIST && out[0].subject.contains("försök att utge sig"),
        "a forged command sends nothing but her daily report of refused attempts: {:?}",
        out.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
    );
    let before = f.sent().len();
    assert!(d.store.open_requests().expect("requests").is_empty());
    assert!(
        d.store
            .impersonations_since("")
            .expect("audit")
            .iter()
            .any(|(_, who, what)| who == STRATEGIST && what.contains("SKICKA BLANKETT")),
        "the forged command is audited"
    );

    // Genuine: Mora (to its contact address), Falu (to its people), a name
    // that is no organisation.
    f.put(
        "4.eml",
        &mail(
            STRATEGIST,
            PASS,
            "SKICKA BLANKETT: Mora kommun, Falu kommun, Hogwarts",
            None,
            "",
            4,
        ),
    );
    run::once(&mut d).await.expect("command");
    let out = sent(&f, before);
    let mut to: Vec<&str> = out.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        [
            ANNA,
            "erik.lind@falun.test",
            "registrator@mora.test",
            STRATEGIST
        ]
    );
    let to_mora = out
        .iter()
        .find(|m| m.to == "registrator@mora.test")
        .expect("Mora's letter");
    assert!(
        to_mora
            .subject
            .starts_with("Blankett för Mora kommun till länsgruppen ["),
        "{}",
        to_mora.subject
    );
    assert!(
        to_mora.text.contains("Representantens mejladress: "),
        "{}",
        to_mora.text
    );
    assert_eq!(to_mora.attachments, ["Blankett.docx"]);
    let receipt = out
        .iter()
        .find(|m| m.to == STRATEGIST)
        .expect("her receipt");
    assert!(
        receipt.text.contains("Mora kommun: registrator@mora.test"),
        "{}",
        receipt.text
    );
    assert!(
        receipt
            .text
            .contains("Falu kommun: anna.berg@falun.test och erik.lind@falun.test"),
        "{}",
        receipt.text
    );
    assert!(receipt.text.contains("Hogwarts"), "{}", receipt.text);
    assert_eq!(d.store.open_requests().expect("requests").len(), 2);

    // Again: both are waiting for an answer, so nothing goes out twice.
    let before = f.sent().len();
    f.put(
        "5.eml",
        &mail(
            STRATEGIST,
            PASS,
            "SKICKA BLANKETT: Mora kommun",
            None,
            "",
            5,
        ),
    );
    run::once(&mut d).await.expect("again");
    let again = sent(&f, before);
    assert_eq!(again.len(), 1, "only her receipt");
    assert!(
        again[0].text.contains("fick redan blanketten 2026-12-03"),
        "{}",
        again[0].text
    );

    // Mora's answer: the form filled in the body of a reply to the letter.
    let body = "Organisation: Mora kommun\r\nRepresentant: Kerstin Åhl\r\nRepresentantens mejladress: kerstin.ahl@mora.test\r\n\
                Ersättare: Jonas Berg\r\nErsättarens mejladress: jonas.berg@mora.test\r\n\
                Interna kontaktvägar: Socialtjänstens ledningsgrupp\r\nNamn på ansvarig chef: Lena Ek\r\nTitel: Socialchef\r\n\
                Mejl/telefon: lena.ek@mora.test\r\nDatum: 2026-12-04";
    f.put(
        "6.eml",
        &mail(
            "Kerstin Åhl <kerstin.ahl@mora.test>",
            "",
            &format!("SV: {}", to_mora.subject),
            Some(&to_mora.message_id),
            body,
            6,
        ),
    );
    run::once(&mut d).await.expect("Mora answers");
    let mora = roster(&d)
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["organisation_id"] == "mora-kommun")
        .cloned()
        .expect("Mora is registered");
    assert_eq!(mora["substitute_email"], "jonas.berg@mora.test");
    assert_eq!(
        d.store.open_requests().expect("requests").len(),
        1,
        "Falu's is still open"
    );
}

#[tokio::test]
async fn a_bounce_tells_the_strategist_at_once_when_she_wants_it() {
    let f = Folders::new("upkeep-bounce-notice");
    let mut d = desk_with_clock(&f, FixedClock::at(at("2026-12-03T08:00:00Z")));
    d.setup.policy.notify_changes = true;
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("registered");
    let before = f.sent().len();
    let dsn = "From: MAILER-DAEMON@mx1.lansstyrelsen.test\r\nTo: strateg@lansstyrelsen.test\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx1.lansstyrelsen.test>\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx1.lansstyrelsen.test\r\n\r\n\
         Final-Recipient: rfc822; erik.lind@falun.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--b--\r\n";
    f.put("2.eml", dsn.as_bytes());
    run::once(&mut d).await.expect("bounce");
    let out = sent(&f, before);
    let notice = out
        .iter()
        .find(|m| m.to == STRATEGIST)
        .expect("a notice to her");
    assert_eq!(
        notice.subject,
        "Mejladressen erik.lind@falun.test går inte längre fram"
    );
    assert!(
        notice
            .text
            .contains("Erik Lind, ersättare för Falu kommun: erik.lind@falun.test"),
        "{}",
        notice.text
    );
    assert!(
        notice.text.contains("550 5.1.1 User unknown"),
        "{}",
        notice.text
    );
    assert!(
        notice
            .text
            .contains("Det gick till anna.berg@falun.test och karin.ek@falun.test"),
        "{}",
        notice.text
    );
    assert_eq!(out.len(), 3, "her notice and the two letters");
}

#[tokio::test]
async fn only_the_organisation_confirms_and_a_second_report_tells_nobody() {
    let f = Folders::new("upkeep-outsider");
    let mut d = registered(&f, 10).await;
    d.setup.policy.notify_changes = true;
    d.clock.set(at("2026-12-01T07:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("due");
    let letters = sent(&f, before);
    let to_anna = letters
        .iter()
        .find(|m| m.to == ANNA)
        .expect("Anna's letter");
    // An outsider who learned the reference code confirms nothing.
    let code = to_anna
        .subject
        .rsplit('[')
        .next()
        .map(|c| c.trim_end_matches(']').to_string())
        .expect("a code");
    f.put(
        "3.eml",
        &mail(
            "Mallory <mallory@evil.example>",
            "",
            &format!("Re: {code}"),
            None,
            "STÄMMER",
            3,
        ),
    );
    run::once(&mut d).await.expect("outsider");
    assert_eq!(roster(&d)[0]["confirmed_at"], serde_json::Value::Null);
    // An answer naming another organisation is a form of its own and
    // leaves the request open.
    f.put(
        "4.eml",
        &mail(
            ANNA,
            "",
            &format!("SV: {}", to_anna.subject),
            Some(&to_anna.message_id),
            "Organisation: Leksands kommun\r\nErsättare: Lisa Berg",
            4,
        ),
    );
    run::once(&mut d).await.expect("another organisation");
    assert!(d
        .store
        .open_requests()
        .expect("requests")
        .iter()
        .any(|r| r.organisation_key == "falu-kommun"));

    // The same delivery report twice: one notice, one request.
    let dsn = |n: u32| {
        format!(
            "From: MAILER-DAEMON@mx1.lansstyrelsen.test\r\nTo: strateg@lansstyrelsen.test\r\n\
             Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{n}@mx1.lansstyrelsen.test>\r\n\
             Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx1.lansstyrelsen.test\r\n\r\n\
             Final-Recipient: rfc822; erik.lind@falun.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n"
        )
        .into_bytes()
    };
    let before = f.sent().len();
    f.put("5.eml", &dsn(5));
    run::once(&mut d).await.expect("first report");
    let first = sent(&f, before).len();
    assert_eq!(first, 3, "her notice and two letters");
    let before = f.sent().len();
    f.put("6.eml", &dsn(6));
    run::once(&mut d).await.expect("second report");
    assert_eq!(
        sent(&f, before).len(),
        0,
        "an address marked already tells nobody again"
    );
}

#[tokio::test]
async fn an_organisation_with_no_address_does_not_hold_back_the_yearly_check() {
    let f = Folders::new("upkeep-stall");
    let mut d = registered(&f, 1).await;
    // Falu, the oldest, has no address left to write to.
    let effects = blankett::store::roster::Effects {
        undeliverable: vec![
            (ANNA.to_string(), "550 gone".to_string()),
            (KARIN.to_string(), "550 gone".to_string()),
        ],
        ..Default::default()
    };
    d.store
        .commit_action(&[], &effects, "2026-01-01T00:00:00+00:00")
        .expect("marks");
    d.clock.set(at("2026-12-01T07:00:00Z"));
    let before = f.sent().len();
    run::once(&mut d).await.expect("due");
    let letters = sent(&f, before);
    assert!(
        !letters.is_empty() && letters.iter().all(|m| m.subject.contains("Mora kommun")),
        "Mora is asked although Falu cannot be: {:?}",
        letters.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}
