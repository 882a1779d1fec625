//! The `blankett` binary end to end against the real Dovecot and Postfix:
//! a form in, a threaded confirmation out in the sender's mailbox; a person's
//! unread, flagged mail left exactly as it was; first start ignoring old mail;
//! restart without duplicates; its own notices causing no loop; TLS with the
//! private CA (IMAPS and SMTP STARTTLS).

#[path = "support/mailserver.rs"]
mod support;

use blankett::config::Config;
use blankett::limits::Limits;
use blankett::mailbox::imap::ImapMailbox;
use blankett::mailbox::Mailbox;
use blankett::sender::smtp::SmtpSender;
use blankett::sender::Sender;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{flag, flags, var};

const FORM: &str = include_str!("fixtures/p02-body-dotted-nextline-tabs.eml");
const QUESTION: &str = include_str!("fixtures/p19-question-next-meeting.eml");
const BROKEN: &str = include_str!("fixtures/p25-truncated-pdf.eml");

struct World {
    dir: PathBuf,
    bot: String,
    tag: String,
}

impl World {
    fn new(name: &str) -> Self {
        let tag = format!("{name}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("blankett-e2e-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("work dir");
        let bot = format!("t-bot-{tag}@lansstyrelsen.test");
        let config = format!(
            "[imap]\nhost = \"127.0.0.1\"\nport = {imaps}\nsecurity = \"tls\"\nusername = \"{bot}\"\n\
             password_env = \"BLANKETT_TEST_PASSWORD\"\nca_file = \"{ca}\"\ntls_name = \"{name}\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {smtp}\nsecurity = \"starttls\"\nca_file = \"{ca}\"\n\
             tls_name = \"{name}\"\nfrom = \"Länsgruppen MVK <{bot}>\"\n\n\
             [strategist]\naddress = \"{bot}\"\n\n[database]\npath = \"blankett.sqlite\"\n",
            imaps = var("MAIL_IMAPS_PORT"),
            smtp = var("MAIL_SMTP_PORT"),
            ca = var("MAIL_CA_CERT"),
            name = var("MAIL_TLS_NAME"),
        );
        std::fs::write(dir.join("blankett.toml"), config).expect("config");
        World { dir, bot, tag }
    }

    fn address(&self, who: &str, domain: &str) -> String {
        format!("t-{who}-{}@{domain}", self.tag)
    }

    /// `blankett --config ... once`, which must succeed.
    fn once(&self) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
            .arg("--config")
            .arg(self.dir.join("blankett.toml"))
            .arg("once")
            .env("BLANKETT_TEST_PASSWORD", var("MAIL_PASSWORD"))
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "blankett once failed: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn config_for(user: &str) -> Config {
    let text = format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"{user}\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"x@y.test\"\n",
        var("MAIL_IMAP_PORT"),
        var("MAIL_SMTP_PORT")
    );
    Config::parse(&text, Path::new("/")).expect("config")
}

/// Sends a corpus message as `from`, to `to`, with a fresh Message-ID.
async fn deliver(template: &str, from: &str, to: &str, id: &str) -> String {
    let mut lines = Vec::new();
    for line in template.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("from:") {
            lines.push(format!("From: {from}"));
        } else if lower.starts_with("to:") {
            lines.push(format!("To: {to}"));
        } else if lower.starts_with("message-id:") {
            lines.push(format!("Message-ID: <{id}>"));
        } else {
            lines.push(line.to_string());
        }
    }
    let smtp = config_for(to).smtp.expect("smtp");
    let mut sender = SmtpSender::new(&smtp, None).expect("sender");
    sender
        .send(from, to, lines.join("\r\n").as_bytes())
        .await
        .expect("delivered");
    id.to_string()
}

/// The messages in a user's folder, waiting (bounded) for at least `n`.
async fn messages(user: &str, n: usize) -> Vec<Vec<u8>> {
    let mut imap = config_for(user).imap.expect("imap");
    imap.inbox = "INBOX".into();
    let mut mailbox = ImapMailbox::new(imap, var("MAIL_PASSWORD")).expect("mailbox");
    for _ in 0..200 {
        mailbox.select().await.expect("select");
        let uids = mailbox.uids_after(0).await.expect("search");
        if uids.len() >= n {
            let mut out = Vec::new();
            for uid in uids {
                out.push(mailbox.fetch(uid).await.expect("fetch").expect("exists"));
            }
            return out;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{user} did not get {n} message(s) within 10 s");
}

fn header(bytes: &[u8], name: &str) -> Option<String> {
    let mail = blankett::mime::read(bytes, &Limits::default())?;
    mail.header(&name.to_ascii_lowercase()).map(str::to_string)
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
