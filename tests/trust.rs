//! Who sent it: a form whose From domain fails DMARC (by the trusted
//! server's `Authentication-Results`) goes to review, not onto the roster; a
//! header forged by the sender below the server's does not help; an
//! organisation with `policy = "review"` always goes to a person; and a
//! forged loop marker does not silence blankett.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::run;
use std::time::Duration;
use support::*;

fn with_headers(headers: &str, id: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(FORM)
        .replace("Message-ID: <AS8", &format!("Message-ID: <{id}-AS8"));
    format!("{headers}{text}").into_bytes()
}

async fn outcome(name: &str, mail: Vec<u8>) -> (usize, usize) {
    let f = Folders::new(name);
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", &mail);
    run::once(&mut d).await.expect("handled");
    let roster = d.store.registrations().expect("roster").len();
    let reviews = d.store.reviews("open").expect("reviews").len();
    (roster, reviews)
}

#[tokio::test]
async fn dmarc_decides_whether_a_form_changes_the_roster() {
    let pass = "Authentication-Results: mx.lansstyrelsen.test; dkim=pass header.d=falun.test; dmarc=pass header.from=falun.test\r\n";
    assert_eq!(outcome("dmarc-pass", with_headers(pass, "p")).await, (1, 0));
    let fail = "Authentication-Results: mx.lansstyrelsen.test; spf=fail; dmarc=fail (p=none) header.from=falun.test\r\n";
    assert_eq!(outcome("dmarc-fail", with_headers(fail, "f")).await, (0, 1));
    // The sender's own "pass" sits below the server's "fail": still held.
    let forged = format!("{fail}Authentication-Results: mx.lansstyrelsen.test; dmarc=pass header.from=falun.test\r\n");
    assert_eq!(
        outcome("dmarc-forged", with_headers(&forged, "g")).await,
        (0, 1)
    );
    // No trusted results at all: judged on the rest (the domain check).
    assert_eq!(outcome("dmarc-none", with_headers("", "n")).await, (1, 0));
}

#[tokio::test]
async fn a_forged_loop_marker_does_not_silence_blankett() {
    let f = Folders::new("forged-marker");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put(
        "1.eml",
        &with_headers("X-Blankett-Loop: 0000000000000000\r\n", "m"),
    );
    run::once(&mut d).await.expect("handled");
    assert_eq!(
        f.sent_to(ANNA),
        1,
        "answered: the marker's token is not this installation's"
    );
}

#[tokio::test]
async fn an_organisation_reviewed_by_policy_always_goes_to_a_person() {
    let f = Folders::new("policy");
    let mut d = desk(&f, Duration::from_secs(60));
    let list = blankett::organisations::BUILTIN.replace(
        "id = \"falu-kommun\"",
        "id = \"falu-kommun\"\npolicy = \"review\"",
    );
    let reader = blankett::daemon::reader::Reader {
        organisations: blankett::organisations::Organisations::parse(&list).expect("valid list"),
        required: blankett::form::default_required(),
        limits: blankett::limits::Limits::default(),
        ocr: None,
    };
    d.setup.reader = std::sync::Arc::new(reader);
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", FORM);
    run::once(&mut d).await.expect("handled");
    assert!(d.store.registrations().expect("roster").is_empty());
    assert_eq!(d.store.reviews("open").expect("reviews").len(), 1);
}
