//! The desk end to end with a folder as inbox and a folder as outbox: first
//! start, exactly-once across restarts, no loops on its own mail, the daily
//! answer limit, and a message that keeps failing going to review.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::desk::Desk;
use blankett::daemon::run;
use blankett::daemon::SystemClock;
use blankett::limits::Limits;
use std::time::Duration;
use support::*;

#[tokio::test]
async fn first_start_leaves_old_mail_and_new_mail_is_answered_once() {
    let f = Folders::new("once");
    f.put("old.eml", FORM);
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first pass");
    assert!(f.sent().is_empty(), "old mail is not answered");
    assert!(exists(&f.inbox(), "old.eml"), "old mail is not moved");

    f.put("new.eml", FORM);
    f.put("question.eml", QUESTION);
    run::once(&mut d).await.expect("second pass");
    assert_eq!(
        f.sent_to(ANNA),
        1,
        "the form is answered, the question is not"
    );
    assert!(exists(&f.inbox().join("Blankett/Behandlade"), "new.eml"));
    assert!(
        exists(&f.inbox(), "question.eml"),
        "a question stays where it is"
    );

    // A restart with the same database handles nothing again.
    drop(d);
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("after restart");
    assert_eq!(f.sent_to(ANNA), 1);
    assert_eq!(d.store.counts().expect("counts").handled, 2);
}

#[tokio::test]
async fn a_crash_before_sending_loses_no_answer() {
    let f = Folders::new("crash");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first pass");
    f.put("form.eml", FORM);
    // Decide and queue, then "crash" before the outbox is drained.
    d.poll().await.expect("poll");
    drop(d);
    assert!(f.sent().is_empty());
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("after restart");
    assert_eq!(
        f.sent_to(ANNA),
        1,
        "the queued answer is sent after the restart"
    );
}

#[tokio::test]
async fn its_own_answers_in_the_inbox_cause_no_loop() {
    let f = Folders::new("loop");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first pass");
    f.put("form.eml", FORM);
    run::once(&mut d).await.expect("answer");
    let answers = f.sent();
    // Its answers land in the same inbox (the strategist is Cc'd, say).
    for (i, answer) in answers.iter().enumerate() {
        f.put(&format!("zz-own-{i}.eml"), answer);
    }
    run::once(&mut d).await.expect("own mail");
    assert_eq!(
        f.sent().len(),
        answers.len(),
        "blankett does not answer itself"
    );
    assert!(
        exists(&f.inbox(), "zz-own-0.eml"),
        "its own mail is left where it is"
    );
}

#[tokio::test]
async fn the_daily_limit_stops_answers_and_tells_the_strategist() {
    let f = Folders::new("limit");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first pass");
    for i in 0..7 {
        let text = String::from_utf8_lossy(FORM)
            .replace("Message-ID: <AS8", &format!("Message-ID: <n{i}AS8"));
        f.put(&format!("form{i}.eml"), text.as_bytes());
    }
    run::once(&mut d).await.expect("pass");
    // The first registers, the next four are "no change"; then the limit.
    assert_eq!(f.sent_to(ANNA), 5, "five answers to the sender");
    assert_eq!(
        f.sent_to("strateg@lansstyrelsen.test"),
        1,
        "one notice to the strategist"
    );
}

#[tokio::test]
async fn a_message_that_keeps_failing_goes_to_review() {
    let f = Folders::new("fail");
    // No time at all to read: every attempt fails.
    let mut d = desk(&f, Duration::ZERO);
    run::once(&mut d).await.expect("first pass");
    f.put("form.eml", FORM);
    for _ in 0..3 {
        assert!(run::once(&mut d).await.is_err(), "the attempt fails");
    }
    run::once(&mut d)
        .await
        .expect("the fourth pass gives up and goes on");
    assert!(exists(&f.inbox().join("Blankett/Granska"), "form.eml"));
    let sent = f.sent();
    assert_eq!(sent.len(), 1);
    assert!(String::from_utf8_lossy(&sent[0]).contains("To: strateg@lansstyrelsen.test"));
}

#[tokio::test]
async fn import_reads_old_forms_and_sends_nothing() {
    let f = Folders::new("import");
    f.put("a-old-form.eml", FORM); // dated 27 Nov 2026
    f.put("b-question.eml", QUESTION);
    let mut d = desk_sending(&f, Duration::from_secs(60), false);
    // 2026-11-01T00:00:00Z
    let pass = d.import(1_793_491_200).await.expect("import");
    assert_eq!(pass.handled, 2);
    assert!(f.sent().is_empty() && d.store.counts().expect("counts").queued == 0);
    assert!(exists(&f.inbox(), "a-old-form.eml"), "import moves nothing");
    drop(d);
    // The daemon afterwards neither answers nor re-reads the imported mail.
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("pass");
    assert!(f.sent().is_empty());
    assert_eq!(d.store.counts().expect("counts").handled, 2);
    // A date after the mail's imports nothing.
    let g = Folders::new("import-late");
    g.put("a-old-form.eml", FORM);
    let mut d = desk_sending(&g, Duration::from_secs(60), false);
    assert_eq!(d.import(1_798_761_600).await.expect("import").handled, 0);
}

/// A mailbox in memory whose UIDVALIDITY can change, as after a server
/// migration that renumbers every message.
struct Renumbering {
    uidvalidity: u32,
    mail: Vec<(u32, Vec<u8>)>,
}

impl blankett::mailbox::Mailbox for Renumbering {
    fn folder(&self) -> &str {
        "INBOX"
    }
    async fn select(
        &mut self,
    ) -> Result<blankett::mailbox::FolderInfo, blankett::mailbox::MailboxError> {
        Ok(blankett::mailbox::FolderInfo {
            uidvalidity: self.uidvalidity,
            uid_next: self.mail.iter().map(|(u, _)| u + 1).max().unwrap_or(1),
        })
    }
    async fn uids_after(&mut self, uid: u32) -> Result<Vec<u32>, blankett::mailbox::MailboxError> {
        Ok(self
            .mail
            .iter()
            .map(|(u, _)| *u)
            .filter(|u| *u > uid)
            .collect())
    }
    async fn fetch(
        &mut self,
        uid: u32,
    ) -> Result<Option<Vec<u8>>, blankett::mailbox::MailboxError> {
        Ok(self
            .mail
            .iter()
            .find(|(u, _)| *u == uid)
            .map(|(_, b)| b.clone()))
    }
    async fn message_ids(
        &mut self,
    ) -> Result<Vec<(u32, Option<String>)>, blankett::mailbox::MailboxError> {
        let limits = Limits::default();
        Ok(self
            .mail
            .iter()
            .map(|(u, b)| {
                (
                    *u,
                    blankett::mime::read(b, &limits).and_then(|m| m.message_id),
                )
            })
            .collect())
    }
    async fn move_to(&mut self, _: u32, _: &str) -> Result<(), blankett::mailbox::MailboxError> {
        Ok(())
    }
    async fn wait(
        &mut self,
        _: Duration,
    ) -> Result<blankett::mailbox::Woken, blankett::mailbox::MailboxError> {
        Ok(blankett::mailbox::Woken::Timeout)
    }
}

#[tokio::test]
async fn a_changed_uidvalidity_handles_nothing_twice() {
    let f = Folders::new("uidvalidity");
    let file_desk = desk(&f, Duration::from_secs(60));
    let mut d = Desk {
        store: file_desk.store,
        mailbox: Renumbering {
            uidvalidity: 1,
            mail: Vec::new(),
        },
        sender: file_desk.sender,
        clock: SystemClock,
        setup: file_desk.setup,
        stop: file_desk.stop,
    };
    run::once(&mut d).await.expect("first start");
    let second = String::from_utf8_lossy(FORM).replace("Message-ID: <AS8", "Message-ID: <two-AS8");
    d.mailbox.mail.push((1, FORM.to_vec()));
    run::once(&mut d).await.expect("the form");
    assert_eq!(f.sent_to(ANNA), 1);
    // The server renumbers: the handled form is UID 7 now, and a new one is 8.
    d.mailbox.uidvalidity = 2;
    d.mailbox.mail = vec![(7, FORM.to_vec()), (8, second.into_bytes())];
    run::once(&mut d).await.expect("after renumbering");
    assert_eq!(f.sent_to(ANNA), 2, "only the new form is answered");
    assert_eq!(d.store.counts().expect("counts").handled, 2);
}
