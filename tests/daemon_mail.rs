//! The `blankett` binary end to end against the real Dovecot and Postfix:
//! a form in, a threaded confirmation out in the sender's mailbox; a person's
//! unread, flagged mail left exactly as it was; first start ignoring old mail;
//! restart without duplicates; its own notices causing no loop; TLS with the
//! private CA (IMAPS and SMTP STARTTLS); and the roster by mail: a form
//! completed by a reply, a substitute replaced, a review resolved by the
//! strategist's reply and not by anyone else's; and the digest, sent with
//! `digest --send`, in the strategist's mailbox with its .xlsx and .csv.

#[path = "support/mailserver.rs"]
mod support;

use blankett::limits::Limits;
use blankett::mime::BodyKind;
use serde_json::Value;
use std::time::Duration;
use support::{arrived, deliver, find, flag, flags, header, messages, var, World};

const FORM: &str = include_str!("fixtures/p02-body-dotted-nextline-tabs.eml");
const QUESTION: &str = include_str!("fixtures/p19-question-next-meeting.eml");
const BROKEN: &str = include_str!("fixtures/p25-truncated-pdf.eml");
const INCOMPLETE: &str = include_str!("fixtures/p14-incomplete-no-substitute.eml");
const UNKNOWN_ORG: &str = include_str!("fixtures/p18-unknown-organisation.eml");

/// A plain reply to one of blankett's answers; `deliver` sets its From, To
/// and Message-ID.
fn reply_to(answer: &[u8], body: &str) -> String {
    let id = header(answer, "Message-ID").expect("answers have a Message-ID");
    format!(
        "From: -\r\nTo: -\r\nMessage-ID: <->\r\nSubject: SV: Blankett\r\nIn-Reply-To: {id}\r\n\
         References: {id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
}

/// Sends `mail` as `from` to the bot and runs a pass once it has arrived;
/// returns its Message-ID.
async fn send_and_pass(w: &World, mail: &str, from: &str, name: &str) -> String {
    let id = deliver(mail, from, &w.bot, &format!("{name}-{}@x.test", w.tag)).await;
    arrived(&w.bot, &id).await;
    w.once();
    id
}

/// A message's subject and plain text, decoded.
fn read(bytes: &[u8]) -> (String, String) {
    let mail = blankett::mime::read(bytes, &Limits::default()).expect("a message");
    let text = mail
        .bodies
        .iter()
        .find(|b| b.kind == BodyKind::Plain)
        .map(|b| b.text.replace("\r\n", "\n"))
        .unwrap_or_default();
    (mail.subject, text)
}

/// `blankett roster --format json`, parsed.
fn roster(w: &World) -> Vec<Value> {
    let out = w.cli(&["roster", "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("roster json: {e}\n{out}"))
}

#[tokio::test]
async fn a_form_is_answered_once_and_a_persons_mail_is_untouched() {
    let w = World::new("form");
    let anna = w.address("anna", "borlange.test");
    // Mail that was there before the first start: never answered.
    deliver(FORM, &anna, &w.bot, &format!("old-{}@borlange.test", w.tag)).await;
    // A person's question, flagged by the strategist.
    deliver(
        QUESTION,
        &w.address("malin", "kvinnojourenfalun.test"),
        &w.bot,
        &format!("q-{}@x.test", w.tag),
    )
    .await;
    messages(&w.bot, 2).await;
    flag(&w.bot, 2).await;
    let before = flags(&w.bot).await;

    w.once();
    assert!(
        flags(&w.bot).await == before,
        "the first start touches nothing"
    );

    let id = deliver(FORM, &anna, &w.bot, &format!("new-{}@borlange.test", w.tag)).await;
    messages(&w.bot, 3).await;
    w.once();
    let answers = messages(&anna, 1).await;
    assert_eq!(answers.len(), 1);
    let answer = &answers[0];
    assert_eq!(
        header(answer, "In-Reply-To").as_deref(),
        Some(format!("<{id}>").as_str())
    );
    assert!(header(answer, "Subject").is_some_and(|s| s.starts_with("Re: ")));
    assert_eq!(
        header(answer, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    let text = String::from_utf8_lossy(answer).into_owned();
    assert!(
        text.contains("Jenny Holmgren") || text.contains("Borl"),
        "the confirmation lists the values"
    );

    // The person's mail and the old form are exactly as they were; the new
    // form went to the processed folder.
    let after = flags(&w.bot).await;
    assert_eq!(after[..2], before[..], "the other mail is untouched");
    assert!(
        !after.iter().any(|(uid, _)| *uid == 3),
        "the form moved away"
    );
    // Anything newer is blankett's own notice to the strategist (a change notice).
    let inbox = messages(&w.bot, 2).await;
    assert!(inbox[2..]
        .iter()
        .all(|m| header(m, "X-Blankett-Loop").is_some()));

    // Restart: nothing is answered twice.
    w.once();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(messages(&anna, 1).await.len(), 1);
}

#[tokio::test]
async fn its_own_notices_cause_no_loop() {
    let w = World::new("loop");
    let sender = w.address("hanna", "regiondalarna.test");
    w.once();
    // An unreadable form: a receipt to the sender and a review notice to the
    // strategist, whose inbox is the one blankett watches.
    deliver(
        BROKEN,
        &sender,
        &w.bot,
        &format!("broken-{}@regiondalarna.test", w.tag),
    )
    .await;
    messages(&w.bot, 1).await;
    w.once();
    assert_eq!(
        messages(&sender, 1).await.len(),
        1,
        "the sender gets a receipt"
    );
    let inbox = messages(&w.bot, 1).await;
    assert!(
        inbox.iter().any(|m| header(m, "X-Blankett-Loop").is_some()),
        "the review notice arrived in the watched inbox"
    );
    // Reading the inbox again answers nothing: the notice is its own.
    w.once();
    w.once();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(messages(&sender, 1).await.len(), 1);
    let again = messages(&w.bot, 1).await;
    assert_eq!(again.len(), inbox.len(), "no answer to its own notice");
}

#[tokio::test]
async fn the_daemon_answers_as_mail_arrives_and_stops_on_sigterm() {
    let w = World::new("run");
    let anna = w.address("anna", "borlange.test");
    // Create the bot's mailbox with a mail that predates the daemon.
    deliver(QUESTION, &anna, &w.bot, &format!("pre-{}@x.test", w.tag)).await;
    messages(&w.bot, 1).await;
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("--config")
        .arg(w.dir.join("blankett.toml"))
        .arg("run")
        .env("BLANKETT_TEST_PASSWORD", var("MAIL_PASSWORD"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the daemon starts");
    // Give it time to make its first pass, then send a form while it idles.
    tokio::time::sleep(Duration::from_secs(2)).await;
    deliver(FORM, &anna, &w.bot, &format!("run-{}@borlange.test", w.tag)).await;
    let answers = messages(&anna, 1).await;
    assert_eq!(answers.len(), 1, "answered while running");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut waited = 0;
    let exit = loop {
        if let Some(exit) = daemon.try_wait().expect("wait") {
            break exit;
        }
        waited += 1;
        assert!(
            waited < 300,
            "the daemon did not stop within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = daemon.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert!(
        exit.success(),
        "clean exit after SIGTERM: {exit:?} {stderr}"
    );
}

#[tokio::test]
async fn an_incomplete_form_is_completed_by_a_reply() {
    let w = World::new("followup");
    let linnea = w.address("linnea", "falun.test");
    let karin = w.address("karin", "falun.test");
    w.once();
    send_and_pass(&w, INCOMPLETE, &linnea, "incomplete").await;
    let notice = messages(&linnea, 1).await.remove(0);
    let (_, text) = read(&notice);
    assert!(
        text.contains("- Ersättare\n"),
        "the notice names what is missing: {text}"
    );
    assert!(roster(&w).is_empty(), "nothing registered yet");

    let body = format!("Ersättare: Karin Nyström\r\nMejladress: {karin}");
    send_and_pass(&w, &reply_to(&notice, &body), &linnea, "follow-up").await;
    let answers = messages(&linnea, 2).await;
    let (subject, text) = read(&answers[1]);
    assert!(subject.starts_with("Re: "), "{subject}");
    assert!(
        text.contains("Karin Nyström") && !text.contains("saknas"),
        "a confirmation: {text}"
    );
    let listed = roster(&w);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["organisation_id"], "falu-kommun");
    assert_eq!(listed[0]["substitute_name"], "Karin Nyström");
    assert_eq!(listed[0]["substitute_email"], karin.as_str());
    assert_eq!(
        messages(&karin, 1).await.len(),
        1,
        "the new substitute is told"
    );
}

#[tokio::test]
async fn a_new_substitute_replaces_the_old_one() {
    let w = World::new("replace");
    let mats = w.address("mats", "borlange.test");
    let jenny = w.address("jenny", "borlange.test");
    let olle = w.address("olle", "borlange.test");
    let karin = w.address("karin", "borlange.test");
    let first = FORM
        .replace("jenny.holmgren@borlange.test", &jenny)
        .replace(
            "Ers=E4ttare:\r\n\r\nMats =D6berg",
            "Ers=E4ttare:\r\n\r\nOlle Berg",
        )
        .replace(
            "Mejladress:\tmats.oberg@borlange.test",
            &format!("Mejladress:\t{olle}"),
        );
    let second = first
        .replace(
            "Ers=E4ttare:\r\n\r\nOlle Berg",
            "Ers=E4ttare:\r\n\r\nKarin Nyberg",
        )
        .replace(&olle, &karin);
    w.once();
    send_and_pass(&w, &first, &mats, "first").await;
    assert_eq!(messages(&olle, 1).await.len(), 1, "the substitute is told");
    send_and_pass(&w, &second, &mats, "second").await;
    let (subject, _) = read(&messages(&olle, 2).await[1]);
    assert_eq!(subject, "Du är inte längre ersättare i länsgruppen");
    assert_eq!(
        messages(&karin, 1).await.len(),
        1,
        "the new substitute is told"
    );
    assert_eq!(messages(&mats, 2).await.len(), 2, "two confirmations");
    let listed = roster(&w);
    assert_eq!(listed[0]["substitute_name"], "Karin Nyberg");
    let history = w.cli(&["history", "borlange-kommun"]);
    assert!(
        history.contains("substitute_name: Olle Berg → Karin Nyberg")
            && history.contains(&format!("substitute_email: {olle} → {karin}")),
        "{history}"
    );
}

#[tokio::test]
async fn only_the_strategist_resolves_a_review_by_mail() {
    // The receiving server's Authentication-Results are trusted, as at an
    // authority; tests/impersonation_mail.rs tries the forgeries.
    let w = World::with(
        "review",
        "\n[trust]\nauthserv_ids = [\"mx.lansstyrelsen.test\"]\n",
    );
    let yvonne = w.address("yvonne", "tryggahem.test");
    w.once();
    let id = send_and_pass(&w, UNKNOWN_ORG, &yvonne, "unknown").await;
    assert_eq!(messages(&yvonne, 1).await.len(), 1, "a receipt");
    // The review notice goes to the strategist, who is the bot here.
    let notice = find(&w.bot, "In-Reply-To", &format!("<{id}>")).await;
    let (subject, _) = read(&notice);
    assert!(subject.starts_with("Granska: "), "{subject}");

    let stranger = w.address("someone", "evil.test");
    send_and_pass(&w, &reply_to(&notice, "GODKÄNN"), &stranger, "stranger").await;
    assert!(
        roster(&w).is_empty(),
        "a stranger's GODKÄNN changes nothing"
    );

    let accept = format!(
        "Authentication-Results: mx.lansstyrelsen.test; dmarc=pass header.from=lansstyrelsen.test\r\n{}",
        reply_to(&notice, "GODKÄNN\r\n\r\n/Maria")
    );
    send_and_pass(&w, &accept, &w.bot, "accept").await;
    let listed = roster(&w);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["organisation"], "Föreningen Trygga Hem Dalarna");
    assert_eq!(listed[0]["organisation_id"], Value::Null);
    let answers = messages(&yvonne, 2).await;
    let (subject, text) = read(&answers[1]);
    assert!(subject.starts_with("Re: "), "{subject}");
    assert!(text.contains("Yvonne Carlsson"), "a confirmation: {text}");
}

/// Waits (bounded) for a message in the user's inbox whose subject starts
/// with `prefix`.
async fn with_subject(user: &str, prefix: &str) -> Vec<u8> {
    for _ in 0..100 {
        if let Some(m) = messages(user, 1)
            .await
            .into_iter()
            .find(|m| read(m).0.starts_with(prefix))
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message with a subject starting {prefix:?} in {user}'s inbox within 10 s");
}

#[tokio::test]
async fn the_digest_arrives_in_the_strategists_mailbox_with_its_files() {
    let w = World::new("digest");
    let mats = w.address("mats", "borlange.test");
    w.once();
    send_and_pass(&w, FORM, &mats, "digest-form").await;
    assert_eq!(roster(&w).len(), 1, "Borlänge is registered");

    // `--print` and `--html` show it and change nothing.
    let html = w.dir.join("digest.html");
    let printed = w.cli(&["digest", "--print", "--html", &html.to_string_lossy()]);
    assert!(
        printed.starts_with("Subject: Länsgruppens representanter"),
        "{printed}"
    );
    assert!(printed.contains("Borlänge kommun (sedan "), "{printed}");
    let html = std::fs::read_to_string(&html).expect("the HTML was written");
    assert!(
        html.contains("<td") && html.contains("Borlänge kommun"),
        "{html}"
    );

    let out = w.cli(&["digest", "--send"]);
    assert!(out.contains("digest queued to 1 recipient"), "{out}");
    // The strategist is the bot here: the digest lands in the watched inbox.
    let bytes = with_subject(&w.bot, "Länsgruppens representanter: sammanställning").await;
    assert_eq!(
        header(&bytes, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(header(&bytes, "X-Blankett-Loop").is_some());
    let mail = blankett::mime::read(&bytes, &Limits::default()).expect("a message");
    let (_, text) = read(&bytes);
    assert!(
        text.contains("Borlänge kommun") && text.contains("jenny.holmgren@borlange.test"),
        "the roster is in the text: {text}"
    );
    assert!(
        mail.bodies.iter().any(|b| b.kind == BodyKind::Html),
        "an HTML part too"
    );

    let names: Vec<&str> = mail.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let file = |ext: &str| {
        mail.attachments
            .iter()
            .find(|a| a.name.ends_with(ext))
            .unwrap_or_else(|| panic!("no {ext} in {names:?}"))
    };
    let csv = String::from_utf8(file(".csv").data.clone()).expect("UTF-8");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Borlänge kommun");
    assert_eq!(&rows[0][2], "jenny.holmgren@borlange.test");
    let xlsx = &file(".xlsx").data;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.as_slice())).expect("a zip");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/sharedStrings.xml").expect("strings"),
        &mut strings,
    )
    .expect("XML");
    assert!(
        strings.contains("jenny.holmgren@borlange.test"),
        "{strings}"
    );

    // Its own mail: a pass leaves the digest alone and sends no second one.
    let before = messages(&w.bot, 1).await.len();
    w.once();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(messages(&w.bot, 1).await.len(), before);
}

/// A typed form for one organisation, addresses on `domain`.
fn typed_form(org: &str, rep: &str, sub: &str, domain: &str) -> String {
    let mail = |name: &str| name.to_lowercase().replace(' ', ".") + "@" + domain;
    format!(
        "Organisation: {org}\r\nRepresentant: {rep}\r\nMejladress: {}\r\nErsättare: {sub}\r\nMejladress: {}\r\n\
         Interna kontaktvägar: Ledningsgruppen\r\nAnsvarig chef: Eva Ek\r\nTitel: Förvaltningschef\r\n\
         Mejl/telefon: eva.ek@{domain}\r\nDatum: 2026-12-01\r\n",
        mail(rep),
        mail(sub)
    )
}

#[tokio::test]
async fn two_forms_in_one_mail_give_two_registrations_and_one_answer() {
    let w = World::new("two-forms");
    let kim = w.address("kim", "regiondalarna.test");
    w.once();
    let mail = format!(
        "From: -\r\nTo: -\r\nMessage-ID: <->\r\nSubject: Blanketter för regionen och barnahuset\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Hej! Här kommer båda blanketterna.\r\n\r\n{}\r\n{}\r\nHälsningar\r\nKim\r\n",
        typed_form("Region Dalarna", "Lisa Ek", "Johan Berg", "regiondalarna.test"),
        typed_form("Barnahus Dalarna", "Emma Sand", "Oskar Wall", "regiondalarna.test"),
    );
    send_and_pass(&w, &mail, &kim, "two-forms").await;
    let listed = roster(&w);
    let mut names: Vec<&str> = listed
        .iter()
        .filter_map(|r| r["organisation"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Barnahus Dalarna", "Region Dalarna"], "{listed:#?}");
    let answers = messages(&kim, 1).await;
    assert_eq!(answers.len(), 1, "one answer covers both forms");
    let (subject, text) = read(&answers[0]);
    assert!(subject.starts_with("Re: "), "{subject}");
    assert!(
        text.contains("Region Dalarna") && text.contains("Barnahus Dalarna"),
        "{text}"
    );
    // Nothing more arrives for Kim.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(messages(&kim, 1).await.len(), 1);
}

/// A delivery report from the strategist's mail server: `to` failed
/// (`5.1.1`) or is delayed (`4.4.1`); `original` is the bounced mail's
/// Message-ID, when the report carries its headers.
fn dsn(w: &World, to: &str, status: &str, original: Option<&str>, n: u32) -> Vec<u8> {
    let action = if status.starts_with('4') {
        "delayed"
    } else {
        "failed"
    };
    let headers = original.map_or_else(String::new, |id| {
        format!(
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: {bot}\r\nTo: {to}\r\nSubject: Kallelse\r\nMessage-ID: {id}\r\n\r\n",
            bot = w.bot
        )
    });
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@lansstyrelsen.test>\r\nTo: {bot}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{n}-{tag}@lansstyrelsen.test>\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.lansstyrelsen.test\r\n\r\n\
         Final-Recipient: rfc822; {to}\r\nAction: {action}\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; {code} <{to}>: Recipient address rejected: User unknown\r\n\r\n{headers}--b--\r\n",
        bot = w.bot,
        tag = w.tag,
        code = if status.starts_with('4') { "450 4.4.1" } else { "550 5.1.1" },
    )
    .into_bytes()
}

/// The attachments of a mail: (name, bytes).
fn attachments(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mail = blankett::mime::read(bytes, &Limits::default()).expect("a message");
    mail.attachments
        .into_iter()
        .map(|a| (a.name, a.data))
        .collect()
}

#[tokio::test]
async fn a_bounce_marks_the_address_and_asks_the_organisation_once() {
    let w = World::new("bounce");
    let mats = w.address("mats", "borlange.test");
    let jenny = w.address("jenny", "borlange.test");
    let olle = w.address("olle", "borlange.test");
    let anders = w.address("anders", "borlange.test");
    let form = FORM
        .replace("jenny.holmgren@borlange.test", &jenny)
        .replace(
            "Mejladress:\tmats.oberg@borlange.test",
            &format!("Mejladress:\t{olle}"),
        )
        .replace("anders.sjoberg@borlange.test", &anders);
    w.once();
    send_and_pass(&w, &form, &mats, "form").await;
    // Olle was told of his seat: that notice is what bounces.
    let told = messages(&olle, 1).await;
    let notice_id = header(&told[0], "Message-ID").expect("an id");

    // A delay marks nothing and asks nobody.
    let delayed = dsn(&w, &jenny, "4.4.1", None, 1);
    support::send_raw(&delayed, "postmaster@lansstyrelsen.test", &w.bot).await;
    arrived(&w.bot, &format!("dsn-1-{}@lansstyrelsen.test", w.tag)).await;
    w.once();
    assert_eq!(roster(&w)[0]["representative_undeliverable"], Value::Null);

    // Blankett's own notice to Olle bounced for good.
    let failed = dsn(&w, &olle, "5.1.1", Some(&notice_id), 2);
    support::send_raw(&failed, "postmaster@lansstyrelsen.test", &w.bot).await;
    arrived(&w.bot, &format!("dsn-2-{}@lansstyrelsen.test", w.tag)).await;
    w.once();
    let listed = roster(&w);
    let mark = &listed[0]["substitute_undeliverable"];
    assert!(
        mark["reason"]
            .as_str()
            .is_some_and(|r| r.contains("User unknown")),
        "{mark}"
    );
    assert_eq!(listed[0]["representative_undeliverable"], Value::Null);
    // The organisation is asked: one letter to the representative and one
    // to the manager, each with the form attached.
    for who in [&jenny, &anders] {
        let inbox = messages(who, 1).await;
        let letter = inbox.last().expect("a letter");
        let (subject, text) = read(letter);
        assert!(
            subject.starts_with("En mejladress hos Borlänge kommun fungerar inte ["),
            "{subject}"
        );
        assert!(text.contains(&olle), "{text}");
        let files = attachments(letter);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "Blankett.docx");
    }
    // The strategist hears of it at once (strategist_changes = immediately),
    // and the digest lists it under its gaps.
    let notice = with_subject(&w.bot, &format!("Mejladressen {olle} går inte längre fram")).await;
    assert!(read(&notice).1.contains("Serverns svar"));
    let digest = w.cli(&["digest", "--print"]);
    assert!(
        digest.contains("Mejladressen går inte längre fram") && digest.contains(&olle),
        "{digest}"
    );

    // The strategist's own mail to Olle bounces too: marked already, and the
    // organisation is not asked twice.
    let again = dsn(&w, &olle, "5.1.1", None, 3);
    support::send_raw(&again, "postmaster@lansstyrelsen.test", &w.bot).await;
    arrived(&w.bot, &format!("dsn-3-{}@lansstyrelsen.test", w.tag)).await;
    w.once();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let jennys = messages(&jenny, 1).await;
    let letters = jennys
        .iter()
        .filter(|m| read(m).0.contains("fungerar inte"))
        .count();
    assert_eq!(letters, 1, "one request while it is open");
    // The reports stay in the inbox, unanswered by anyone.
    let inbox = messages(&w.bot, 3).await;
    let reports = inbox
        .iter()
        .filter(|m| header(m, "Subject").as_deref() == Some("Undelivered Mail Returned to Sender"))
        .count();
    assert_eq!(reports, 3, "the delivery reports stay where they are");
}

/// Fills the empty value cells of blankett's form, in order, as a person
/// (or a script) would, and returns the new .docx.
fn fill_docx(docx: &[u8], values: &[&str]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let name = entry.name().expect("a name").to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        if name == "word/document.xml" {
            let mut xml = String::from_utf8(data).expect("UTF-8");
            let empty = r#"<w:tcW w:w="5600" w:type="dxa"/></w:tcPr><w:p/>"#;
            for value in values {
                let filled = format!(
                    r#"<w:tcW w:w="5600" w:type="dxa"/></w:tcPr><w:p><w:r><w:t>{value}</w:t></w:r></w:p>"#
                );
                xml = xml.replacen(empty, &filled, 1);
            }
            data = xml.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[tokio::test]
async fn request_missing_sends_the_form_once_and_it_reads_back() {
    let w = World::with(
        "request",
        "\n[form]\norganisations = \"organisations.toml\"\n",
    );
    let mora = w.address("registrator", "mora.test");
    let orsa = w.address("registrator", "orsa.test");
    std::fs::write(
        w.dir.join("organisations.toml"),
        format!(
            "[[organisation]]\nid = \"mora-kommun\"\nname = \"Mora kommun\"\ndomains = [\"mora.test\"]\ncontact = \"{mora}\"\n\n\
             [[organisation]]\nid = \"orsa-kommun\"\nname = \"Orsa kommun\"\ndomains = [\"orsa.test\"]\ncontact = \"{orsa}\"\n\n\
             [[organisation]]\nid = \"vansbro-kommun\"\nname = \"Vansbro kommun\"\ndomains = [\"vansbro.test\"]\n"
        ),
    )
    .expect("organisations");
    w.once();
    let dry = w.cli(&["request", "--missing", "--dry-run"]);
    assert!(
        dry.contains(&format!("Mora kommun: would send the form to {mora}")),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("Orsa kommun: would send the form to {orsa}")),
        "{dry}"
    );
    assert!(dry.contains("dry run: nothing was queued"), "{dry}");
    let sent = w.cli(&["request", "--missing"]);
    assert!(sent.contains("2 queued"), "{sent}");
    let again = w.cli(&["request", "--missing"]);
    assert!(again.contains("already asked on"), "{again}");
    w.once();
    let letters = messages(&mora, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        messages(&mora, 1).await.len(),
        1,
        "the dry run sent nothing and the second run nothing again"
    );
    assert_eq!(messages(&orsa, 1).await.len(), 1);
    let letter = &letters[0];
    let (subject, text) = read(letter);
    assert!(
        subject.starts_with("Blankett för Mora kommun till länsgruppen ["),
        "{subject}"
    );
    assert!(text.contains("Representantens mejladress:"), "{text}");

    // The form, filled in by a script and sent back in answer to the letter.
    let files = attachments(letter);
    let filled = fill_docx(
        &files[0].1,
        &[
            "Kerstin Åhl",
            &mora,
            "Jonas Berg",
            &w.address("jonas", "mora.test"),
            "Socialtjänstens ledningsgrupp",
            "Lena Ek",
            "Socialchef",
            "070-123 45 67",
            "2026-12-04",
        ],
    );
    let id = header(letter, "Message-ID").expect("an id");
    let rendered = blankett::compose::Rendered {
        subject: format!("SV: {subject}"),
        text: "Här är blanketten.".into(),
        html: "<p>Här är blanketten.</p>".into(),
    };
    let built = blankett::outgoing::build_with(
        &blankett::outgoing::Outgoing {
            from: &mora,
            to: &w.bot,
            rendered: &rendered,
            message_id: "<filled@mora.test>",
            thread: &blankett::outgoing::Thread {
                message_id: Some(id),
                references: Vec::new(),
            },
            marker: "-",
            original: None,
        },
        blankett::outgoing::Origin::Reply,
        &[blankett::outgoing::File {
            name: "Blankett.docx",
            content_type: blankett::blank::DOCX_TYPE,
            bytes: &filled,
        }],
    )
    .expect("builds");
    // A person's mail client sets none of blankett's own headers.
    let answer: String = String::from_utf8(built)
        .expect("ASCII")
        .split_inclusive("\r\n")
        .filter(|l| {
            ![
                "Auto-Submitted",
                "X-Auto-Response-Suppress",
                "X-Blankett-Loop",
            ]
            .iter()
            .any(|h| l.starts_with(h))
        })
        .collect();
    send_and_pass(&w, &answer, &mora, "filled").await;
    let listed = roster(&w);
    let row = listed
        .iter()
        .find(|r| r["organisation_id"] == "mora-kommun")
        .unwrap_or_else(|| panic!("Mora is registered: {listed:?}"));
    assert_eq!(row["representative_name"], "Kerstin Åhl");
    assert_eq!(
        row["substitute_email"],
        w.address("jonas", "mora.test").as_str()
    );
    assert_eq!(row["manager_contact"], "070-123 45 67");
    assert_eq!(row["signed_date"], "2026-12-04");
}

/// The library's desk on the World's database, mailbox and mail server, on
/// a clock the test sets: what `blankett run` does, at a time of the test's
/// choosing.
fn desk_at(
    w: &World,
    now: chrono::DateTime<chrono::Utc>,
    per_day: u32,
) -> blankett::daemon::desk::Desk<
    blankett::mailbox::imap::ImapMailbox,
    blankett::sender::smtp::SmtpSender,
    blankett::daemon::FixedClock,
> {
    use blankett::daemon::desk::{Desk, Setup};
    let store = blankett::store::Store::open(&w.dir.join("blankett.sqlite"), &now.to_rfc3339())
        .expect("the World's database");
    let marker = store
        .meta_or_insert("marker_token", || "unused".into())
        .expect("its marker");
    let mut config = support::config_for(&w.bot);
    let mut imap = config.imap.take().expect("imap");
    imap.inbox = "INBOX".into();
    let smtp = config.smtp.take().expect("smtp");
    let setup = Setup {
        reader: std::sync::Arc::new(blankett::daemon::reader::Reader {
            organisations: blankett::organisations::Organisations::builtin(),
            required: blankett::form::default_required(),
            limits: Limits::default(),
            ocr: None,
        }),
        templates: blankett::compose::Templates::builtin(),
        policy: blankett::decide::Policy {
            strategist: vec![w.bot.clone()],
            own_address: w.bot.clone(),
            max_per_day: 5,
            min_ocr_confidence: 60.0,
            notify_changes: false,
        },
        notices: blankett::roster::NoticeSettings::default(),
        operations: blankett::operations::OperationsConfig::default(),
        trust: blankett::authresults::TrustConfig::default(),
        from: format!("Länsgruppen MVK <{}>", w.bot),
        message_id_domain: "lansstyrelsen.test".into(),
        marker,
        processed_folder: imap.processed_folder.clone(),
        review_folder: imap.review_folder.clone(),
        max_attempts: 3,
        time_limit: Duration::from_secs(60),
        send: true,
        reminder_days: vec![7, 14],
        digest: None,
        upkeep: blankett::upkeep::UpkeepConfig {
            confirm_after: Some(blankett::upkeep::Period::Months(12)),
            per_day,
        },
    };
    Desk {
        store,
        mailbox: blankett::mailbox::imap::ImapMailbox::new(imap, var("MAIL_PASSWORD"))
            .expect("mailbox"),
        sender: blankett::sender::smtp::SmtpSender::new(&smtp, None).expect("sender"),
        clock: blankett::daemon::FixedClock::at(now),
        setup,
        stop: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    }
}

#[tokio::test]
async fn the_yearly_check_goes_out_by_mail_and_stammer_confirms() {
    use blankett::daemon::Clock as _;
    let w = World::new("yearly");
    let mats = w.address("mats", "borlange.test");
    let jenny = w.address("jenny", "borlange.test");
    let anders = w.address("anders", "borlange.test");
    let ingrid = w.address("ingrid", "mora.test");
    let borlange = FORM
        .replace("jenny.holmgren@borlange.test", &jenny)
        .replace(
            "Mejladress:\tmats.oberg@borlange.test",
            &format!("Mejladress:\t{}", w.address("olle", "borlange.test")),
        )
        .replace("anders.sjoberg@borlange.test", &anders);
    let mora = borlange
        .replace("Borl=E4nge kommun", "Mora kommun")
        .replace("borlange.test", "mora.test")
        .replace(&jenny.replace("borlange.test", "mora.test"), &ingrid);
    w.once();
    send_and_pass(&w, &borlange, &mats, "borlange").await;
    send_and_pass(&w, &mora, &w.address("mats", "mora.test"), "mora").await;
    assert_eq!(roster(&w).len(), 2, "{:?}", roster(&w));

    // Thirteen months on, one organisation a day.
    let later = chrono::Utc::now() + chrono::Duration::days(400);
    let mut desk = desk_at(&w, later, 1);
    blankett::daemon::run::once(&mut desk)
        .await
        .expect("a pass");
    // Exactly one organisation was asked: its representative and manager.
    let checks = |mails: Vec<Vec<u8>>| {
        mails
            .iter()
            .filter(|m| read(m).0.starts_with("Stämmer uppgifterna"))
            .count()
    };
    let mut asked = 0;
    for _ in 0..100 {
        asked = checks(read_all(&jenny).await) + checks(read_all(&ingrid).await);
        if asked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked_now = checks(read_all(&jenny).await) + checks(read_all(&ingrid).await);
    assert_eq!(
        (asked, asked_now),
        (1, 1),
        "one organisation on the first day"
    );
    desk.clock.set(later + chrono::Duration::hours(3));
    blankett::daemon::run::once(&mut desk)
        .await
        .expect("same day");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = checks(read_all(&jenny).await) + checks(read_all(&ingrid).await);
    assert_eq!(asked, 1, "per_day holds");
    desk.clock
        .set(later + chrono::Duration::days(1) + chrono::Duration::hours(1));
    blankett::daemon::run::once(&mut desk)
        .await
        .expect("next day");
    let letter = with_subject(&jenny, "Stämmer uppgifterna för Borlänge kommun?").await;
    with_subject(&anders, "Stämmer uppgifterna för Borlänge kommun?").await;
    with_subject(&ingrid, "Stämmer uppgifterna för Mora kommun?").await;
    let (_, text) = read(&letter);
    assert!(text.contains(&jenny) && text.contains("STÄMMER"), "{text}");

    // Jenny answers STÄMMER.
    let answer = reply_to(&letter, "STÄMMER\r\n\r\nJenny");
    let id = deliver(
        &answer,
        &jenny,
        &w.bot,
        &format!("stammer-{}@borlange.test", w.tag),
    )
    .await;
    arrived(&w.bot, &id).await;
    blankett::daemon::run::once(&mut desk)
        .await
        .expect("the answer");
    let now = desk.clock.now().format("%Y-%m-%d").to_string();
    let listed = roster(&w);
    let row = listed
        .iter()
        .find(|r| r["organisation_id"] == "borlange-kommun")
        .expect("Borlänge");
    assert!(
        row["confirmed_at"]
            .as_str()
            .is_some_and(|t| t.starts_with(&now)),
        "{row}"
    );
    let history = w.cli(&["history", "borlange-kommun"]);
    assert!(history.contains("confirmed"), "{history}");
    with_subject(&jenny, "Re: ").await;
}

/// Every message in a user's inbox now, without waiting for any.
async fn read_all(user: &str) -> Vec<Vec<u8>> {
    let mut imap = support::config_for(user).imap.expect("imap");
    imap.inbox = "INBOX".into();
    let mut mailbox =
        blankett::mailbox::imap::ImapMailbox::new(imap, var("MAIL_PASSWORD")).expect("mailbox");
    use blankett::mailbox::Mailbox as _;
    if mailbox.select().await.is_err() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for uid in mailbox.uids_after(0).await.expect("search") {
        out.extend(mailbox.fetch(uid).await.expect("fetch"));
    }
    out
}
