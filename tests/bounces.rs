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
    assert_eq!(
        f.sent().len(),
        sent_before,
        "a delivery report is never answered"
    );

    // A new form naming Erik again vouches for the address.
    let again = String::from_utf8_lossy(FORM)
        .replace("Message-ID: <AS8", "Message-ID: <again-AS8")
        .replace("Datum: 2026-11-27", "Datum: 2026-12-02");
    f.put("5.eml", again.as_bytes());
    run::once(&mut d).await.expect("new form");
    assert!(d.store.undeliverable().expect("marks").is_empty());
}
