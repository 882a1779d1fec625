//! The roster through the desk: an incomplete form completed by a reply,
//! matching by reference code, a replacement with history and the people
//! told, a review resolved by the strategist's reply, and a stranger's
//! attempt to resolve one refused.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::run;
use blankett::form::Key;
use blankett::limits::Limits;
use std::time::Duration;
use support::*;

const INCOMPLETE: &str = include_str!("fixtures/p14-incomplete-no-substitute.eml");
const UNKNOWN_ORG: &str = include_str!("fixtures/p18-unknown-organisation.eml");
const LINNEA: &str = "linnea.sjodin@falun.test";
const STRATEGIST: &str = "strateg@lansstyrelsen.test";

/// The answers written to `to`, oldest first.
fn answers_to(f: &Folders, to: &str) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(f.outbox())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .filter(|p: &std::path::PathBuf| p.to_string_lossy().ends_with(&format!("-{to}.eml")))
        .map(|p| std::fs::read_to_string(p).expect("answer"))
        .collect()
}

fn message_id(mail: &str) -> String {
    blankett::mime::read(mail.as_bytes(), &Limits::default())
        .and_then(|m| m.message_id)
        .expect("answers have a Message-ID")
}

/// A plain reply from `from` to one of blankett's answers.
fn reply(from: &str, to_answer: Option<&str>, subject: &str, body: &str, n: u32) -> String {
    // The strategist's mail is authenticated by the receiving server.
    let auth = if from == STRATEGIST {
        "Authentication-Results: mx.lansstyrelsen.test; dkim=pass header.d=lansstyrelsen.test; \
         dmarc=pass header.from=lansstyrelsen.test\r\n"
    } else {
        ""
    };
    let threading = to_answer
        .map(|a| {
            format!(
                "In-Reply-To: <{}>\r\nReferences: <{}>\r\n",
                message_id(a),
                message_id(a)
            )
        })
        .unwrap_or_default();
    format!(
        "{auth}From: {from}\r\nTo: {STRATEGIST}\r\nSubject: {subject}\r\nMessage-ID: <reply-{n}@test>\r\n{threading}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

#[tokio::test]
async fn an_incomplete_form_is_completed_by_a_reply() {
    let f = Folders::new("followup");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", INCOMPLETE.as_bytes());
    run::once(&mut d).await.expect("incomplete");
    let notice = answers_to(&f, LINNEA).pop().expect("a notice");
    assert!(notice.contains("Ers=C3=A4ttare") || notice.contains("Ersättare"));
    assert!(
        d.store.registrations().expect("roster").is_empty(),
        "nothing registered yet"
    );
    let body = "Hej!\r\n\r\nErsättare: Karin Nyström\r\nMejladress: karin.nystrom@falun.test\r\n\r\nHälsningar\r\nLinnea";
    f.put(
        "2.eml",
        reply(
            LINNEA,
            Some(&notice),
            "SV: Representant länsgruppen",
            body,
            1,
        )
        .as_bytes(),
    );
    run::once(&mut d).await.expect("follow-up");
    let roster = d.store.registrations().expect("roster");
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].organisation_id.as_deref(), Some("falu-kommun"));
    assert_eq!(roster[0].fields[&Key::SubstituteName], "Karin Nyström");
    assert_eq!(roster[0].fields[&Key::RepresentativeName], "Linnea Sjödin");
    let last = answers_to(&f, LINNEA).pop().expect("a confirmation");
    assert!(
        last.contains("BL-") && !last.contains("saknas"),
        "the last answer is a confirmation"
    );
    assert_eq!(
        f.sent_to("karin.nystrom@falun.test"),
        1,
        "the new substitute is told"
    );
}

#[tokio::test]
async fn a_reply_is_matched_by_its_reference_code() {
    let f = Folders::new("reference");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", INCOMPLETE.as_bytes());
    run::once(&mut d).await.expect("incomplete");
    let notice = answers_to(&f, LINNEA).pop().expect("a notice");
    let code = notice
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .find(|w| w.starts_with("BL-") && w.len() == 9)
        .expect("a reference code")
        .to_string();
    // Sent as a new mail from another address, quoting only the code.
    let body = "Ersättare: Karin Nyström\r\nErsättarens mejladress: karin.nystrom@falun.test";
    f.put(
        "2.eml",
        reply(
            "kansli@falun.test",
            None,
            &format!("Komplettering {code}"),
            body,
            2,
        )
        .as_bytes(),
    );
    run::once(&mut d).await.expect("follow-up");
    assert_eq!(d.store.registrations().expect("roster").len(), 1);
}

#[tokio::test]
async fn a_replacement_keeps_history_and_tells_the_people() {
    let f = Folders::new("replace");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("first registration");
    let text = String::from_utf8_lossy(FORM)
        .replace("Message-ID: <AS8", "Message-ID: <second-AS8")
        .replace("Ers=C3=A4ttare: Erik Lind", "Ers=C3=A4ttare: Karin Ny")
        .replace(
            "Mejladress: erik.lind@falun.test",
            "Mejladress: karin.ny@falun.test",
        );
    f.put("2.eml", text.as_bytes());
    run::once(&mut d).await.expect("replacement");
    let roster = d.store.registrations().expect("roster");
    assert_eq!(
        roster[0].fields[&Key::SubstituteEmail],
        "karin.ny@falun.test"
    );
    let history = d.store.history(Some("falu-kommun")).expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].kind, "changed");
    assert!(history[1]
        .changes
        .iter()
        .any(|(k, before, after)| *k == Key::SubstituteName
            && before.as_deref() == Some("Erik Lind")
            && after.as_deref() == Some("Karin Ny")));
    assert_eq!(
        f.sent_to("erik.lind@falun.test"),
        2,
        "told of the seat, then of the replacement"
    );
    assert_eq!(f.sent_to("karin.ny@falun.test"), 1);
    // The same form again is "no change".
    let again = text.replace("<second-AS8", "<third-AS8");
    f.put("3.eml", again.as_bytes());
    run::once(&mut d).await.expect("again");
    assert_eq!(
        d.store.history(Some("falu-kommun")).expect("history").len(),
        2
    );
    assert_eq!(f.sent_to(ANNA), 3);
}

#[tokio::test]
async fn the_strategist_resolves_a_review_by_mail_and_a_stranger_cannot() {
    let f = Folders::new("review");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", UNKNOWN_ORG.as_bytes());
    run::once(&mut d).await.expect("held");
    let notice = answers_to(&f, STRATEGIST).pop().expect("a review notice");
    assert_eq!(d.store.reviews("open").expect("reviews").len(), 1);
    // Someone else answers the notice: refused, the review stays open.
    f.put(
        "2.eml",
        reply(
            "someone@evil.test",
            Some(&notice),
            "Re: Granska",
            "GODKÄNN",
            3,
        )
        .as_bytes(),
    );
    run::once(&mut d).await.expect("stranger");
    assert_eq!(d.store.reviews("open").expect("reviews").len(), 1);
    assert!(d.store.registrations().expect("roster").is_empty());
    // The strategist accepts it.
    f.put(
        "3.eml",
        reply(
            STRATEGIST,
            Some(&notice),
            "Re: Granska",
            "GODKÄNN\r\n\r\n/Maria",
            4,
        )
        .as_bytes(),
    );
    run::once(&mut d).await.expect("accepted");
    assert!(d.store.reviews("open").expect("reviews").is_empty());
    let roster = d.store.registrations().expect("roster");
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].organisation_id, None);
    assert_eq!(roster[0].organisation, "Föreningen Trygga Hem Dalarna");
    let to_sender = answers_to(&f, "yvonne.carlsson@tryggahem.test");
    assert_eq!(to_sender.len(), 2, "a receipt, then a confirmation");
}
