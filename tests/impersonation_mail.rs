//! The forgeries of tests/impersonation.rs end to end: the `blankett`
//! binary against the real Dovecot and Postfix, the strategist being the
//! bot's mailbox (a shared mailbox), `[trust] authserv_ids` configured as at
//! an authority whose receiving server writes `Authentication-Results`.
//! Each forgery is sent over SMTP as a forger's server would send it;
//! nothing reaches the roster, the review stays open, the audit has each
//! attempt, and the strategist's mailbox gets one report. Her genuine mail
//! still works: her authenticated form, her authenticated GODKÄNN in answer
//! to the notice, and (with `internal_relays`) her mail as the real Postfix
//! received it from an internal address.

#[path = "support/mailserver.rs"]
mod support;

use blankett::limits::Limits;
use blankett::store::Store;
use serde_json::Value;
use std::time::Duration;
use support::{arrived, deliver, find, messages, send_raw, World};

const FORM: &str = include_str!("fixtures/p01-body-outlook-complete.eml");
const UNKNOWN_ORG: &str = include_str!("fixtures/p18-unknown-organisation.eml");
const TRUST: &str = "\n[trust]\nauthserv_ids = [\"mx.lansstyrelsen.test\"]\n";

fn pass() -> String {
    "Authentication-Results: mx.lansstyrelsen.test; dkim=pass header.d=lansstyrelsen.test; \
     dmarc=pass header.from=lansstyrelsen.test\r\n"
        .into()
}

fn fail() -> String {
    "Authentication-Results: mx.lansstyrelsen.test; spf=fail smtp.mailfrom=evil.test; \
     dmarc=fail (p=none) header.from=lansstyrelsen.test\r\n"
        .into()
}

fn read(bytes: &[u8]) -> blankett::mime::Mail {
    blankett::mime::read(bytes, &Limits::default()).expect("a message")
}

/// The Falu kommun form with its From, To and Message-ID replaced and
/// extra headers on top.
fn form(from: &str, to: &str, extra: &str, id: &str) -> String {
    let mut out = String::from(extra);
    for line in FORM.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("from:") {
            out.push_str(&format!("From: {from}"));
        } else if lower.starts_with("to:") {
            out.push_str(&format!("To: {to}"));
        } else if lower.starts_with("message-id:") {
            out.push_str(&format!("Message-ID: <{id}>"));
        } else {
            out.push_str(line);
        }
        out.push_str("\r\n");
    }
    out
}

fn plain(from: &str, to: &str, extra: &str, subject: &str, body: &str, id: &str) -> String {
    format!(
        "{extra}From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
}

fn threaded(id: &str) -> String {
    format!("In-Reply-To: {id}\r\nReferences: {id}\r\n")
}

/// Sends raw bytes to the bot as a forger's server would, waits for them,
/// and runs a pass.
async fn forge(w: &World, mail: &str, envelope_from: &str, id: &str) {
    send_raw(mail.as_bytes(), envelope_from, &w.bot).await;
    arrived(&w.bot, id).await;
    w.once();
}

fn roster(w: &World) -> Vec<Value> {
    let out = w.cli(&["roster", "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("roster json: {e}\n{out}"))
}

fn store(w: &World) -> Store {
    Store::open(&w.dir.join("blankett.sqlite"), "2026-12-03T00:00:00Z").expect("database")
}

/// Waits (bounded) for a message in the user's inbox whose subject starts
/// with `prefix`.
async fn with_subject(user: &str, prefix: &str) -> Vec<u8> {
    for _ in 0..100 {
        if let Some(m) = messages(user, 1)
            .await
            .into_iter()
            .find(|m| read(m).subject.starts_with(prefix))
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message with a subject starting {prefix:?} in {user}'s inbox within 10 s");
}

#[tokio::test]
async fn forged_forms_do_not_reach_the_roster() {
    let w = World::with("forged-forms", TRUST);
    let mallory = w.address("mallory", "evil.test");
    let bot = w.bot.clone();
    w.once();
    let forgeries = [
        (
            "reply-to",
            form(
                &mallory,
                &bot,
                &format!("Reply-To: {bot}\r\n"),
                &format!("f1-{}@evil.test", w.tag),
            ),
        ),
        (
            "from-dmarc-fail",
            form(
                &format!("Strategen <{bot}>"),
                &bot,
                &fail(),
                &format!("f2-{}@evil.test", w.tag),
            ),
        ),
        (
            "sender",
            form(
                &mallory,
                &bot,
                &format!("Sender: {bot}\r\n"),
                &format!("f3-{}@evil.test", w.tag),
            ),
        ),
        (
            "display-name",
            form(
                &format!("\"Strategen <{bot}>\" <{mallory}>"),
                &bot,
                "",
                &format!("f4-{}@evil.test", w.tag),
            ),
        ),
    ];
    for (n, (name, mail)) in forgeries.iter().enumerate() {
        forge(
            &w,
            mail,
            &mallory,
            &format!("f{}-{}@evil.test", n + 1, w.tag),
        )
        .await;
        assert!(roster(&w).is_empty(), "{name}: nothing reaches the roster");
        let s = store(&w);
        assert_eq!(
            s.reviews("open").expect("reviews").len(),
            n + 1,
            "{name}: held for a person"
        );
        assert_eq!(
            s.impersonations_since("").expect("audit").len(),
            n + 1,
            "{name}: audited"
        );
    }
    // The receipts went to the forger's From, never to the Reply-To.
    assert_eq!(
        messages(&mallory, 3).await.len(),
        3,
        "reply-to, sender and display name"
    );
    // The strategist's report of the stopped attempts is in her mailbox.
    let report = with_subject(&bot, "1 försök att utge sig för att vara du").await;
    let text = read(&report).bodies[0].text.clone();
    assert!(text.contains(&mallory), "{text}");
    assert!(text.contains("med din adress som svarsadress"), "{text}");

    // Her own authenticated form goes onto the roster on her word.
    let genuine = format!("g-{}@lansstyrelsen.test", w.tag);
    forge(
        &w,
        &form(&format!("Strategen <{bot}>"), &bot, &pass(), &genuine),
        &bot,
        &genuine,
    )
    .await;
    let listed = roster(&w);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["organisation_id"], "falu-kommun");
}

#[tokio::test]
async fn a_forged_godkann_changes_nothing_and_hers_resolves_the_review() {
    let w = World::with("forged-godkann", TRUST);
    let yvonne = w.address("yvonne", "tryggahem.test");
    let mallory = w.address("mallory", "evil.test");
    let bot = w.bot.clone();
    w.once();
    let id = deliver(
        UNKNOWN_ORG,
        &yvonne,
        &bot,
        &format!("held-{}@x.test", w.tag),
    )
    .await;
    arrived(&bot, &id).await;
    w.once();
    let receipt = read(&messages(&yvonne, 1).await[0]);
    let reference = receipt
        .subject
        .split(['[', ']'])
        .find(|p| p.starts_with("BL-"))
        .expect("the receipt names the reference code")
        .to_string();
    let receipt_id = format!("<{}>", receipt.message_id.expect("an id"));
    let notice = find(&bot, "In-Reply-To", &format!("<{id}>")).await;
    let notice_id = format!("<{}>", read(&notice).message_id.expect("an id"));
    let code = format!("GODKÄNN {reference}");
    let tag = w.tag.clone();
    let ids: Vec<String> = (1..=6).map(|n| format!("g{n}-{tag}@evil.test")).collect();
    let forgeries = [
        (
            "code, From forged, DMARC fails",
            plain(&bot, &bot, &fail(), &code, "GODKÄNN", &ids[0]),
        ),
        (
            "code, Reply-To hers",
            plain(
                &yvonne,
                &bot,
                &format!("Reply-To: {bot}\r\n"),
                &code,
                "GODKÄNN",
                &ids[1],
            ),
        ),
        (
            "answer to the receipt, From forged",
            plain(
                &bot,
                &bot,
                &format!("{}{}", fail(), threaded(&receipt_id)),
                "SV: Blankett",
                "GODKÄNN",
                &ids[2],
            ),
        ),
        (
            "code, Sender hers",
            plain(
                &yvonne,
                &bot,
                &format!("Sender: {bot}\r\n"),
                &code,
                "GODKÄNN",
                &ids[3],
            ),
        ),
        (
            "code, display name hers",
            plain(
                &format!("\"Strategen <{bot}>\" <{mallory}>"),
                &bot,
                "",
                &code,
                "GODKÄNN",
                &ids[4],
            ),
        ),
        (
            "the notice's own ID, From forged",
            plain(
                &bot,
                &bot,
                &format!("{}{}", fail(), threaded(&notice_id)),
                "SV: Granska",
                "GODKÄNN",
                &ids[5],
            ),
        ),
    ];
    for (n, (name, mail)) in forgeries.iter().enumerate() {
        forge(&w, mail, &mallory, &ids[n]).await;
        assert!(roster(&w).is_empty(), "{name}: nothing registered");
        let s = store(&w);
        assert_eq!(
            s.reviews("open").expect("reviews").len(),
            1,
            "{name}: the review stays open"
        );
        assert_eq!(
            s.impersonations_since("").expect("audit").len(),
            n + 1,
            "{name}: audited"
        );
    }
    assert_eq!(
        messages(&yvonne, 1).await.len(),
        1,
        "the sender got only the receipt"
    );

    // Her authenticated answer to the notice resolves it.
    let accept = format!("ok-{}@lansstyrelsen.test", w.tag);
    forge(
        &w,
        &plain(
            &bot,
            &bot,
            &format!("{}{}", pass(), threaded(&notice_id)),
            "SV: Granska",
            "GODKÄNN\r\n\r\n/Maria",
            &accept,
        ),
        &bot,
        &accept,
    )
    .await;
    let listed = roster(&w);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["organisation"], "Föreningen Trygga Hem Dalarna");
    assert!(store(&w).reviews("open").expect("reviews").is_empty());
    let answers = messages(&yvonne, 2).await;
    assert!(
        read(&answers[1]).bodies[0].text.contains("Yvonne Carlsson"),
        "a confirmation"
    );
}

/// The strategist's answer to the notice as the real Postfix received it
/// over loopback, with no `Authentication-Results` at all: `internal_relays`
/// decides by the address in Postfix's own `Received` header.
async fn answer_through_relays(name: &str, relays: &str) -> (usize, usize) {
    let w = World::with(name, &format!("\n[trust]\ninternal_relays = {relays}\n"));
    let yvonne = w.address("yvonne", "tryggahem.test");
    let bot = w.bot.clone();
    w.once();
    let id = deliver(
        UNKNOWN_ORG,
        &yvonne,
        &bot,
        &format!("held-{}@x.test", w.tag),
    )
    .await;
    arrived(&bot, &id).await;
    w.once();
    let notice = find(&bot, "In-Reply-To", &format!("<{id}>")).await;
    let notice_id = format!("<{}>", read(&notice).message_id.expect("an id"));
    let accept = format!("ok-{}@lansstyrelsen.test", w.tag);
    forge(
        &w,
        &plain(
            &bot,
            &bot,
            &threaded(&notice_id),
            "SV: Granska",
            "GODKÄNN",
            &accept,
        ),
        &bot,
        &accept,
    )
    .await;
    let s = store(&w);
    (roster(&w).len(), s.reviews("open").expect("reviews").len())
}

#[tokio::test]
async fn internal_relays_are_judged_by_the_receiving_servers_received_header() {
    assert_eq!(
        answer_through_relays("relay-in", "[\"127.0.0.1\", \"::1\"]").await,
        (1, 0),
        "from loopback, which is listed: hers"
    );
    assert_eq!(
        answer_through_relays("relay-out", "[\"192.0.2.0/24\"]").await,
        (0, 1),
        "from an address not listed: refused"
    );
}
