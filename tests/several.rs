//! A mail with forms for several organisations (form-contract rule 13):
//! each form is its own, with its own reference code and its own outcome
//! (registered, held, incomplete), and the sender gets one answer that
//! covers them all.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::run;
use blankett::limits::Limits;
use std::time::Duration;
use support::*;

/// A typed form for one organisation.
fn form(org: &str, rep: &str, sub: &str, domain: &str) -> String {
    let mail = |name: &str| name.to_lowercase().replace(' ', ".") + "@" + domain;
    format!(
        "Organisation: {org}\r\nRepresentant: {rep}\r\nMejladress: {}\r\nErsättare: {sub}\r\nMejladress: {}\r\n\
         Interna kontaktvägar: Ledningsgruppen\r\nAnsvarig chef: Eva Ek\r\nTitel: Socialchef\r\n\
         Mejl/telefon: eva.ek@{domain}\r\nDatum: 2026-12-01\r\n",
        mail(rep),
        mail(sub)
    )
}

fn mail_with(body: &str) -> Vec<u8> {
    format!(
        "From: Kim Samordnare <kim.samordnare@regiondalarna.test>\r\nTo: strateg@lansstyrelsen.test\r\n\
         Subject: Blanketter\r\nMessage-ID: <several-1@regiondalarna.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Hej! Här kommer blanketterna för regionen och barnahuset, och för Mora.\r\n\r\n{body}\r\nHälsningar\r\nKim\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn each_form_is_handled_on_its_own_and_answered_once() {
    let f = Folders::new("several");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    let body = format!(
        "{}\r\n{}\r\n{}",
        form(
            "Region Dalarna",
            "Lisa Ek",
            "Johan Berg",
            "regiondalarna.test"
        ),
        form(
            "Barnahus Dalarna",
            "Emma Sand",
            "Oskar Wall",
            "regiondalarna.test"
        ),
        // Mora's form from a Region Dalarna address: held for a person.
        form("Mora kommun", "Ingrid Matt", "Daniel Hjort", "mora.test"),
    );
    f.put("1.eml", &mail_with(&body));
    run::once(&mut d).await.expect("handled");

    let roster = d.store.registrations().expect("roster");
    let mut ids: Vec<_> = roster
        .iter()
        .filter_map(|r| r.organisation_id.clone())
        .collect();
    ids.sort();
    assert_eq!(ids, ["barnahus-dalarna", "region-dalarna"]);
    let reviews = d.store.reviews("open").expect("reviews");
    assert_eq!(reviews.len(), 1, "Mora's form waits for a person");

    // One answer to the sender, naming each organisation and its own code.
    let to_kim: Vec<_> = f
        .sent()
        .into_iter()
        .map(|b| blankett::mime::read(&b, &Limits::default()).expect("mail"))
        .filter(|m| m.header("to").is_some_and(|t| t.contains("kim.samordnare")))
        .collect();
    assert_eq!(to_kim.len(), 1, "one answer covers every form");
    let text = &to_kim[0].bodies[0].text;
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{text}");
    }
    for org in ["Region Dalarna", "Barnahus Dalarna", "Mora kommun"] {
        assert!(text.contains(org), "{org} in:\n{text}");
    }
    let codes: std::collections::BTreeSet<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("BL-"))
        .collect();
    assert_eq!(codes.len(), 3, "three forms, three codes:\n{text}");
    assert!(text.contains("Registrerad så här"), "{text}");
    assert!(text.contains("går igenom blanketten"), "{text}");
    // Each form's own notices still go out: the review notice for Mora,
    // and the newly named people of the two registered forms.
    let subjects: Vec<String> = f
        .sent()
        .into_iter()
        .map(|b| {
            blankett::mime::read(&b, &Limits::default())
                .expect("mail")
                .subject
        })
        .collect();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.starts_with("Granska: "))
            .count(),
        1,
        "{subjects:#?}"
    );
    assert_eq!(f.sent_to("johan.berg@regiondalarna.test"), 1);
    assert_eq!(f.sent_to("oskar.wall@regiondalarna.test"), 1);
    // A newly named person never got the form: the notice is no reply to it.
    let notice = f
        .sent()
        .into_iter()
        .map(|b| blankett::mime::read(&b, &Limits::default()).expect("mail"))
        .find(|m| m.header("to").is_some_and(|t| t.contains("oskar.wall")))
        .expect("the notice");
    assert!(notice.in_reply_to.is_empty() && notice.references.is_empty());
    assert!(!notice.subject.starts_with("Re:"), "{}", notice.subject);
}

#[tokio::test]
async fn an_incomplete_one_among_several_is_completed_by_its_code() {
    let f = Folders::new("several-incomplete");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    let incomplete = form(
        "Barnahus Dalarna",
        "Emma Sand",
        "Oskar Wall",
        "regiondalarna.test",
    )
    .replace("Mejladress: oskar.wall@regiondalarna.test\r\n", "");
    let body = format!(
        "{}\r\n{incomplete}",
        form(
            "Region Dalarna",
            "Lisa Ek",
            "Johan Berg",
            "regiondalarna.test"
        )
    );
    f.put("1.eml", &mail_with(&body));
    run::once(&mut d).await.expect("handled");
    assert_eq!(d.store.registrations().expect("roster").len(), 1);
    let answer = f
        .sent()
        .into_iter()
        .map(|b| blankett::mime::read(&b, &Limits::default()).expect("mail"))
        .find(|m| m.header("to").is_some_and(|t| t.contains("kim.samordnare")))
        .expect("the answer");
    let text = answer.bodies[0].text.clone();
    let code = text
        .lines()
        .find(|l| l.contains("Barnahus Dalarna"))
        .and_then(|l| {
            l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .find(|w| w.starts_with("BL-"))
        })
        .expect("Barnahus's code")
        .to_string();
    // The reply with the missing line and the form's code completes it.
    let reply = format!(
        "From: kim.samordnare@regiondalarna.test\r\nTo: strateg@lansstyrelsen.test\r\nSubject: SV: Blanketter {code}\r\n\
         Message-ID: <several-2@regiondalarna.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Ersättarens mejladress: oskar.wall@regiondalarna.test\r\n"
    );
    f.put("2.eml", reply.as_bytes());
    run::once(&mut d).await.expect("completed");
    let mut ids: Vec<_> = d
        .store
        .registrations()
        .expect("roster")
        .iter()
        .filter_map(|r| r.organisation_id.clone())
        .collect();
    ids.sort();
    assert_eq!(ids, ["barnahus-dalarna", "region-dalarna"]);
}
