//! Nobody becomes the strategist by writing her address. Tried as an
//! outsider would, through the desk: a form with Reply-To set to her, a form
//! with From forged as hers (DMARC fails), with Sender set to her, with her
//! address as a display name; GODKÄNN with the reference code from the
//! receipt, or in answer to the receipt, forged in each of those ways. None
//! of them reaches the roster or resolves a review; each is audited and
//! reported to her once a day. And the genuine paths still work: her
//! authenticated form skips the domain rule, her authenticated GODKÄNN in
//! answer to the notice resolves the review, and her GODKÄNN that does not
//! answer the notice is refused with a word to her.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::run;
use blankett::limits::Limits;
use std::time::Duration;
use support::*;

const STRATEGIST: &str = "strateg@lansstyrelsen.test";
const MALLORY: &str = "mallory@evil.example";
const UNKNOWN_ORG: &str = include_str!("fixtures/p18-unknown-organisation.eml");
const YVONNE: &str = "yvonne.carlsson@tryggahem.test";
const PASS: &str = "Authentication-Results: mx.lansstyrelsen.test; dkim=pass header.d=lansstyrelsen.test; dmarc=pass header.from=lansstyrelsen.test\r\n";
const FAIL: &str = "Authentication-Results: mx.lansstyrelsen.test; spf=fail; dmarc=fail (p=none) header.from=lansstyrelsen.test\r\n";

/// The Falu kommun form with its From replaced and extra headers on top.
fn form_as(from: &str, extra: &str, n: u32) -> Vec<u8> {
    let text = String::from_utf8_lossy(FORM)
        .replace(
            "From: Anna Berg <anna.berg@falun.test>",
            &format!("From: {from}"),
        )
        .replace("Message-ID: <AS8", &format!("Message-ID: <forged{n}-AS8"));
    format!("{extra}{text}").into_bytes()
}

/// A short plain mail.
fn plain(from: &str, extra: &str, subject: &str, body: &str, n: u32) -> Vec<u8> {
    format!(
        "{extra}From: {from}\r\nTo: {STRATEGIST}\r\nSubject: {subject}\r\nMessage-ID: <m{n}@test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn threaded(id: &str) -> String {
    format!("In-Reply-To: {id}\r\nReferences: {id}\r\n")
}

fn read(bytes: &[u8]) -> blankett::mime::Mail {
    blankett::mime::read(bytes, &Limits::default()).expect("a message")
}

/// The answers written to `to`, oldest first.
fn answers_to(f: &Folders, to: &str) -> Vec<Vec<u8>> {
    f.sent()
        .into_iter()
        .filter(|a| {
            read(a)
                .headers
                .iter()
                .any(|(n, v)| n == "to" && v.contains(to))
        })
        .collect()
}

fn attempts(d: &Desk) -> usize {
    d.store.impersonations_since("").expect("audit").len()
}

type Desk = blankett::daemon::desk::Desk<
    blankett::mailbox::dir::DirMailbox,
    blankett::sender::file::FileSender,
    blankett::daemon::SystemClock,
>;

async fn started(name: &str) -> (Folders, Desk) {
    let f = Folders::new(name);
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    (f, d)
}

#[tokio::test]
async fn forged_forms_never_reach_the_roster() {
    let cases: [(&str, Vec<u8>); 5] = [
        // 1. Reply-To set to her on an outsider's form.
        (
            "reply-to",
            form_as(MALLORY, &format!("Reply-To: {STRATEGIST}\r\n"), 1),
        ),
        // 2. From forged as hers; the trusted server says DMARC failed.
        (
            "from-dmarc-fail",
            form_as(&format!("Strategen <{STRATEGIST}>"), FAIL, 2),
        ),
        // 2b. From forged as hers; no authentication results at all.
        ("from-unauthenticated", form_as(STRATEGIST, "", 3)),
        // Sender set to her.
        (
            "sender",
            form_as(MALLORY, &format!("Sender: {STRATEGIST}\r\n"), 4),
        ),
        // Her address as the display name of another address.
        (
            "display-name",
            form_as(&format!("\"Strategen <{STRATEGIST}>\" <{MALLORY}>"), "", 5),
        ),
    ];
    for (name, mail) in cases {
        let (f, mut d) = started(&format!("forged-form-{name}")).await;
        f.put("1.eml", &mail);
        run::once(&mut d).await.expect("handled");
        assert!(
            d.store.registrations().expect("roster").is_empty(),
            "{name}: nothing reaches the roster"
        );
        assert_eq!(
            d.store.reviews("open").expect("reviews").len(),
            1,
            "{name}: a person looks at it"
        );
        assert_eq!(attempts(&d), 1, "{name}: the attempt is audited");
        // The receipt goes to From, never to a Reply-To elsewhere.
        if name == "reply-to" || name == "sender" || name == "display-name" {
            assert_eq!(
                answers_to(&f, MALLORY).len(),
                1,
                "{name}: a receipt to From"
            );
        }
    }
}

#[tokio::test]
async fn the_strategists_authenticated_form_skips_the_domain_rule() {
    let (f, mut d) = started("genuine-form").await;
    f.put(
        "1.eml",
        &form_as(&format!("Strategen <{STRATEGIST}>"), PASS, 1),
    );
    run::once(&mut d).await.expect("handled");
    let roster = d.store.registrations().expect("roster");
    assert_eq!(roster.len(), 1, "registered on her word");
    assert_eq!(roster[0].organisation_id.as_deref(), Some("falu-kommun"));
    assert!(d.store.reviews("open").expect("reviews").is_empty());
    assert_eq!(attempts(&d), 0);
}

/// An unknown organisation's form, held; returns the receipt and the notice.
async fn held(f: &Folders, d: &mut Desk) -> (Vec<u8>, Vec<u8>) {
    f.put("0.eml", UNKNOWN_ORG.as_bytes());
    run::once(d).await.expect("held");
    assert_eq!(d.store.reviews("open").expect("reviews").len(), 1);
    let receipt = answers_to(f, YVONNE).pop().expect("a receipt");
    let notice = f
        .sent()
        .into_iter()
        .find(|a| read(a).subject.starts_with("Granska: "))
        .expect("a review notice");
    (receipt, notice)
}

#[tokio::test]
async fn a_forged_godkann_never_resolves_a_review() {
    let (f, mut d) = started("forged-godkann").await;
    let (receipt, notice) = held(&f, &mut d).await;
    let receipt = read(&receipt);
    let reference = receipt
        .subject
        .split(['[', ']'])
        .find(|p| p.starts_with("BL-"))
        .expect("the receipt names the reference code")
        .to_string();
    let receipt_id = receipt.message_id.clone().expect("an id");
    let notice_id = read(&notice).message_id.expect("an id");
    let subject = format!("GODKÄNN {reference}");
    let forgeries: Vec<(&str, Vec<u8>)> = vec![
        // 3. The reference code, From forged as hers, DMARC fails.
        (
            "code-from-dmarc-fail",
            plain(STRATEGIST, FAIL, &subject, "GODKÄNN", 1),
        ),
        // 3. The reference code with Reply-To set to her.
        (
            "code-reply-to",
            plain(
                YVONNE,
                &format!("Reply-To: {STRATEGIST}\r\n"),
                &subject,
                "GODKÄNN",
                2,
            ),
        ),
        // In answer to the receipt, From forged as hers.
        (
            "receipt-from",
            plain(
                STRATEGIST,
                &format!("{FAIL}{}", threaded(&format!("<{receipt_id}>"))),
                "Re: x",
                "GODKÄNN",
                3,
            ),
        ),
        // With Sender set to her.
        (
            "code-sender",
            plain(
                YVONNE,
                &format!("Sender: {STRATEGIST}\r\n"),
                &subject,
                "GODKÄNN",
                4,
            ),
        ),
        // Her address as a display name.
        (
            "code-display",
            plain(
                &format!("\"{STRATEGIST}\" <{MALLORY}>"),
                "",
                &subject,
                "GODKÄNN",
                5,
            ),
        ),
        // Even with the notice's own Message-ID (say it leaked), without her authentication.
        (
            "notice-from-dmarc-fail",
            plain(
                STRATEGIST,
                &format!("{FAIL}{}", threaded(&notice_id)),
                "Re: Granska",
                "GODKÄNN",
                6,
            ),
        ),
        (
            "notice-reply-to",
            plain(
                MALLORY,
                &format!("Reply-To: {STRATEGIST}\r\n{}", threaded(&notice_id)),
                "Re: Granska",
                "AVVISA",
                7,
            ),
        ),
    ];
    let count = forgeries.len();
    for (n, (name, mail)) in forgeries.into_iter().enumerate() {
        f.put(&format!("{}.eml", n + 1), &mail);
        run::once(&mut d).await.expect("handled");
        assert!(
            d.store.registrations().expect("roster").is_empty(),
            "{name}: nothing registered"
        );
        assert_eq!(
            d.store.reviews("open").expect("reviews").len(),
            1,
            "{name}: the review stays open"
        );
        assert_eq!(attempts(&d), n + 1, "{name}: audited");
    }
    // The strategist hears of it once, in one report.
    let reports: Vec<_> = f
        .sent()
        .into_iter()
        .filter(|a| {
            read(a)
                .subject
                .contains("försök att utge sig för att vara du")
        })
        .collect();
    assert_eq!(reports.len(), 1, "one report a day, not one a forgery");
    // The first pass after the first forgery reported it; the rest wait for tomorrow.
    let report = read(&reports[0]);
    assert!(report.subject.starts_with("1 försök"), "{}", report.subject);
    let text = &report.bodies[0].text;
    assert!(text.contains(STRATEGIST), "{text}");
    assert!(
        text.contains("skrev GODKÄNN eller AVVISA utan att svara på granskningsmejlet"),
        "{text}"
    );
    assert_eq!(
        d.store.impersonations_since("").expect("audit").len(),
        count
    );
}

#[tokio::test]
async fn only_her_authenticated_answer_to_the_notice_resolves_it() {
    let (f, mut d) = started("genuine-godkann").await;
    let (receipt, notice) = held(&f, &mut d).await;
    let reference = read(&receipt)
        .subject
        .split(['[', ']'])
        .find(|p| p.starts_with("BL-"))
        .expect("code")
        .to_string();
    let notice_id = read(&notice).message_id.expect("an id");
    // The notice's Message-ID carries 128 random bits.
    let token: String = notice_id
        .trim_start_matches("blankett.")
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 32, "{notice_id}");
    // Her authenticated GODKÄNN with only the reference code: refused, and
    // she is told at once how to answer.
    f.put(
        "1.eml",
        &plain(
            STRATEGIST,
            PASS,
            &format!("GODKÄNN {reference}"),
            "GODKÄNN",
            1,
        ),
    );
    run::once(&mut d).await.expect("handled");
    assert_eq!(d.store.reviews("open").expect("reviews").len(), 1);
    assert!(d.store.registrations().expect("roster").is_empty());
    assert!(
        f.sent().iter().any(|a| read(a)
            .subject
            .starts_with("Ditt svar kunde inte avgöra granskningen")),
        "she is told to answer the notice"
    );
    assert_eq!(attempts(&d), 0, "her own mistake is no impersonation");
    // Her authenticated answer to the notice: accepted.
    f.put(
        "2.eml",
        &plain(
            STRATEGIST,
            &format!("{PASS}{}", threaded(&notice_id)),
            "SV: Granska",
            "GODKÄNN\r\n\r\n/Maria",
            2,
        ),
    );
    run::once(&mut d).await.expect("handled");
    assert!(d.store.reviews("open").expect("reviews").is_empty());
    let roster = d.store.registrations().expect("roster");
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].organisation, "Föreningen Trygga Hem Dalarna");
    // The confirmation goes to the form's sender.
    assert_eq!(
        answers_to(&f, YVONNE).len(),
        2,
        "a receipt, then a confirmation"
    );
}

#[tokio::test]
async fn an_unauthenticated_form_from_her_address_still_gets_the_normal_path() {
    // No authentication source at all: her own form is held for review
    // (nothing she sends is lost), not registered on her word.
    let (f, mut d) = started("her-unauthenticated").await;
    d.setup.trust = blankett::authresults::TrustConfig::default();
    f.put("1.eml", &form_as(STRATEGIST, "", 1));
    run::once(&mut d).await.expect("handled");
    assert!(d.store.registrations().expect("roster").is_empty());
    assert_eq!(d.store.reviews("open").expect("reviews").len(), 1);
    // Her mail that is not a form is nobody's business: not audited.
    f.put(
        "2.eml",
        &plain(STRATEGIST, "", "Lunch?", "Ses vi kl 12?", 2),
    );
    run::once(&mut d).await.expect("handled");
    assert_eq!(attempts(&d), 1, "only the form counts as an attempt");
}

#[tokio::test]
async fn a_forged_follow_up_does_not_fill_in_someone_elses_form() {
    const INCOMPLETE: &str = include_str!("fixtures/p14-incomplete-no-substitute.eml");
    const LINNEA: &str = "linnea.sjodin@falun.test";
    let (f, mut d) = started("forged-follow-up").await;
    f.put("1.eml", INCOMPLETE.as_bytes());
    run::once(&mut d).await.expect("pending");
    // Someone writes Linnea's address, and the receiving server says so.
    let fail =
        "Authentication-Results: mx.lansstyrelsen.test; dmarc=fail header.from=falun.test\r\n";
    f.put(
        "2.eml",
        &plain(
            LINNEA,
            fail,
            "Ersättare",
            "Ersättare: Mallory Mal\r\nErsättarens mejladress: mallory@evil.example",
            2,
        ),
    );
    run::once(&mut d).await.expect("forged follow-up");
    // Linnea's own follow-up completes her form with her values only.
    f.put(
        "3.eml",
        &plain(
            LINNEA,
            "",
            "Ersättare",
            "Ersättare: Karin Nyström\r\nErsättarens mejladress: karin.nystrom@falun.test",
            3,
        ),
    );
    run::once(&mut d).await.expect("genuine follow-up");
    let roster = d.store.registrations().expect("roster");
    assert_eq!(roster.len(), 1);
    let fields = &roster[0].fields;
    assert_eq!(
        fields
            .get(&blankett::form::Key::SubstituteEmail)
            .map(String::as_str),
        Some("karin.nystrom@falun.test")
    );
    assert!(!format!("{fields:?}").contains("mallory"), "{fields:?}");
}

#[tokio::test]
async fn her_question_in_answer_to_the_notice_accepts_nothing() {
    let (f, mut d) = started("question-to-notice").await;
    let (_, notice) = held(&f, &mut d).await;
    let notice_id = read(&notice).message_id.expect("an id");
    for (n, body) in [
        "Vem är detta? Jag känner inte igen föreningen.",
        "Godkänn inte, jag ringer dem först.",
    ]
    .into_iter()
    .enumerate()
    {
        f.put(
            &format!("{n}.eml"),
            &plain(
                STRATEGIST,
                &format!("{PASS}{}", threaded(&notice_id)),
                "SV: Granska",
                body,
                n as u32 + 10,
            ),
        );
        run::once(&mut d).await.expect("handled");
        assert_eq!(d.store.reviews("open").expect("reviews").len(), 1, "{body}");
        assert!(
            d.store.registrations().expect("roster").is_empty(),
            "{body}"
        );
    }
}
