//! The one place that sequences the effects for one message: fetch, read,
//! decide, store the decision with its answers in one transaction, move, and
//! send from the outbox. The mailbox, the sender and the clock come in as
//! traits, so the same code runs against IMAP/SMTP, a folder of files, or tests.

use super::intake::{self, Intake};
use super::reader::Reader;
use super::{Clock, DeskError};
use crate::compose::{self, Extra, Templates};
use crate::decide::{self, AnswerKind, Decision, Destination, Facts, Outcome, Policy};
use crate::mailbox::Mailbox;
use crate::mime::{self, Mail};
use crate::outgoing::{self, Outgoing, Thread, MARKER_HEADER};
use crate::report::{Report, Status};
use crate::roster::{NoticeSettings, Role};
use crate::sender::{SendError, Sender};
use crate::store::care::Part;
use crate::store::{FormWrite, Handled, Place, Queued, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// What the desk needs besides its edges.
pub struct Setup {
    pub reader: Arc<Reader>,
    pub templates: Templates,
    pub policy: Policy,
    /// Which people are told of roster changes.
    pub notices: NoticeSettings,
    /// Retention and outage notices.
    pub operations: crate::operations::OperationsConfig,
    /// Whose `Authentication-Results` count.
    pub trust: crate::authresults::TrustConfig,
    /// The From of answers, e.g. `Länsgruppen MVK <strateg@lst.se>`.
    pub from: String,
    pub message_id_domain: String,
    /// This installation's loop-marker token.
    pub marker: String,
    pub processed_folder: String,
    pub review_folder: String,
    pub max_attempts: u32,
    /// How long reading one message may take.
    pub time_limit: Duration,
    /// `false` for `import`: decisions are stored, nothing is sent or moved.
    pub send: bool,
    /// Days after an incomplete form came in that its sender is reminded
    /// (`daemon::remind`), one reminder per entry.
    pub reminder_days: Vec<u32>,
    /// The scheduled digest (`daemon::digest`), recipients resolved; `None`
    /// for none.
    pub digest: Option<crate::config::DigestConfig>,
    /// The yearly check (`daemon::upkeep`).
    pub upkeep: crate::upkeep::UpkeepConfig,
}

impl Setup {
    /// One mail of blankett's, rendered, built (its own Message-ID, the loop
    /// marker) and ready for the outbox. `original` is attached (a review
    /// notice's forwarded message).
    pub fn queued(
        &self,
        kind: AnswerKind,
        to: &str,
        rendered: &compose::Rendered,
        thread: &Thread,
        original: Option<&[u8]>,
    ) -> Result<Queued, DeskError> {
        let message_id = outgoing::new_message_id(&self.message_id_domain);
        let bytes = outgoing::build(&Outgoing {
            from: &self.from,
            to,
            rendered,
            message_id: &message_id,
            thread,
            marker: &self.marker,
            original,
        })?;
        Ok(Queued {
            kind: kind.template().to_string(),
            recipient: to.to_string(),
            message_id,
            bytes,
        })
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    pub handled: usize,
    pub answered: usize,
    pub moved: usize,
    pub sent: usize,
}

/// The intake desk: a mailbox, a sender, the database and a clock.
pub struct Desk<M, S, C> {
    pub store: Store,
    pub mailbox: M,
    pub sender: S,
    pub clock: C,
    pub setup: Setup,
    pub stop: Arc<AtomicBool>,
}

impl<M: Mailbox, S: Sender, C: Clock> Desk<M, S, C> {
    /// Handles every message not handled yet, oldest first, then moves what
    /// was decided. Stops early, between messages, when asked to stop or when
    /// a message fails (it is tried again next time).
    pub async fn poll(&mut self) -> Result<Pass, DeskError> {
        let info = self.mailbox.select().await?;
        let folder = self.mailbox.folder().to_string();
        let last = match self.store.folder(&folder)? {
            Some((uidvalidity, last)) if uidvalidity == info.uidvalidity => last,
            Some(_) => {
                self.resync(&folder, info.uidvalidity, info.uid_next)
                    .await?
            }
            None => {
                // First start: mail already there is not ours to answer.
                let last = info.uid_next.saturating_sub(1);
                self.store.set_folder(&folder, info.uidvalidity, last)?;
                info!(folder = %folder, last_uid = last, "first start: existing mail is left alone");
                last
            }
        };
        let mut pass = Pass::default();
        for uid in self.mailbox.uids_after(last).await? {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let place = Place {
                folder: folder.clone(),
                uidvalidity: info.uidvalidity,
                uid,
            };
            if let Some(answers) = self.handle(&place).await? {
                pass.handled += 1;
                pass.answered += answers;
            }
        }
        pass.moved = self.finish_moves(&folder, info.uidvalidity).await?;
        Ok(pass)
    }

    /// Reads mail that was there before blankett started, dated `since` or
    /// later, into the database: nothing is sent or moved (`setup.send` is
    /// false for import). Afterwards all existing mail counts as seen.
    pub async fn import(&mut self, since: i64) -> Result<Pass, DeskError> {
        let info = self.mailbox.select().await?;
        let folder = self.mailbox.folder().to_string();
        let mut pass = Pass::default();
        for uid in self.mailbox.uids_after(0).await? {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let place = Place {
                folder: folder.clone(),
                uidvalidity: info.uidvalidity,
                uid,
            };
            let Some(raw) = self.mailbox.fetch(uid).await? else {
                continue;
            };
            let dated = mime::read(&raw, &self.setup.reader.limits).and_then(|m| m.date);
            if dated.is_none_or(|d| d < since) {
                continue;
            }
            if self.handle(&place).await?.is_some() {
                pass.handled += 1;
            }
        }
        let last = self.store.folder(&folder)?.map_or(0, |(_, last)| last);
        self.store.set_folder(
            &folder,
            info.uidvalidity,
            last.max(info.uid_next.saturating_sub(1)),
        )?;
        Ok(pass)
    }

    /// After a UIDVALIDITY change: messages already handled are recognised by
    /// Message-ID; the new last UID is the highest of those.
    async fn resync(
        &mut self,
        folder: &str,
        uidvalidity: u32,
        uid_next: u32,
    ) -> Result<u32, DeskError> {
        let mut last = 0;
        let mut known = 0;
        for (uid, id) in self.mailbox.message_ids().await? {
            if let Some(id) = id {
                if self.store.knows_message_id(&id)? {
                    last = last.max(uid);
                    known += 1;
                }
            }
        }
        if known == 0 {
            last = uid_next.saturating_sub(1);
        }
        warn!(
            folder,
            uidvalidity,
            known,
            last_uid = last,
            "UIDVALIDITY changed: matched handled mail by Message-ID"
        );
        self.store.set_folder(folder, uidvalidity, last)?;
        Ok(last)
    }

    /// Handles one message; `None` when it was handled before or vanished.
    async fn handle(&mut self, place: &Place) -> Result<Option<usize>, DeskError> {
        if self.store.is_handled(place)? {
            return Ok(None);
        }
        let attempts = self.store.count_attempt(place, "reading")?;
        let Some(raw) = self.mailbox.fetch(place.uid).await? else {
            self.store
                .set_folder(&place.folder, place.uidvalidity, place.uid)?;
            return Ok(None);
        };
        let now = self.clock.now();
        let (mail, intakes, decisions, combined) = if attempts > self.setup.max_attempts {
            warn!(
                uid = place.uid,
                attempts, "message failed repeatedly: sent to review"
            );
            let mail = mime::read(&raw, &self.setup.reader.limits).unwrap_or_default();
            let report =
                Report::without_fields(Status::Unreadable, "body", Some("handling failed".into()));
            let intake = Intake::simple(
                report,
                Outcome::Held(crate::decide::ReviewReason::ProcessingFailed),
            );
            let decision = decide::failed_too_often(&self.setup.policy);
            (mail, vec![intake], vec![decision.clone()], decision)
        } else {
            let (mail, report) = self.read(&raw).await?;
            let intakes = if mail
                .header(&MARKER_HEADER.to_ascii_lowercase())
                .map(str::trim)
                == Some(self.setup.marker.as_str())
            {
                vec![Intake::simple(
                    report,
                    Outcome::Ignored("blankett's own mail: left alone"),
                )]
            } else if report.more_forms.is_empty() {
                vec![intake::intake(
                    &self.store,
                    &self.setup,
                    &mail,
                    report,
                    now,
                )?]
            } else {
                intake::intake_several(&self.store, &self.setup, &mail, report, now)?
            };
            let sender = crate::identity::sender(&mail).unwrap_or_default();
            let facts = Facts {
                answers_today: self
                    .store
                    .answers_today(&sender, &now.format("%Y-%m-%d").to_string())?,
            };
            let decisions: Vec<Decision> = intakes
                .iter()
                .map(|i| decide::decide(&mail, &i.outcome, &self.setup.policy, facts))
                .collect();
            if decisions.len() > 1 {
                let (combined, each) = decide::combine(decisions);
                (mail, intakes, each, combined)
            } else {
                let decision = decisions[0].clone();
                (mail, intakes, decisions, decision)
            }
        };
        let base = mail
            .message_id
            .clone()
            .unwrap_or_else(|| format!("{place:?}"));
        // Each form has its own reference code; the first keeps the
        // message's own, as a message with one form always had.
        let references: Vec<String> = (0..intakes.len())
            .map(|n| match n {
                0 => compose::reference(&base),
                n => compose::reference(&format!("{base}#{n}")),
            })
            .collect();
        let mut per_form = Vec::new();
        let mut shared = Vec::new();
        if self.setup.send {
            for ((intake, decision), reference) in intakes.iter().zip(&decisions).zip(&references) {
                per_form.push(self.answers(&mail, intake, decision, reference, &raw)?);
            }
            if intakes.len() > 1 {
                shared = build_several(&self.setup, &mail, &intakes, &references, &combined)?;
            }
        } else {
            per_form = vec![Vec::new(); intakes.len()];
        }
        let destination = match (self.setup.send, combined.destination) {
            (false, _) | (_, Destination::Stay) => "stay",
            (_, Destination::Processed) => "processed",
            (_, Destination::Review) => "review",
        };
        let report = &intakes[0].report;
        let handled = Handled {
            place: place.clone(),
            message_id: mail.message_id.clone(),
            sender: crate::identity::sender(&mail),
            status: report.status.as_str().to_string(),
            note: combined.note.to_string(),
            destination: destination.to_string(),
            reference: references[0].clone(),
            report_json: serde_json::to_string(&full_report(&intakes)).unwrap_or_default(),
            raw,
            counts_for_sender: self.setup.send && combined.counts_for_sender,
        };
        let forms: Vec<FormWrite<'_>> = intakes
            .iter()
            .zip(&references)
            .zip(&per_form)
            .map(|((intake, reference), answers)| FormWrite {
                reference,
                effects: &intake.effects,
                answers,
            })
            .collect();
        self.store.commit_forms(
            &handled,
            &forms,
            &shared,
            &now.format("%Y-%m-%d").to_string(),
            &now.to_rfc3339(),
        )?;
        let answered = per_form.iter().map(Vec::len).sum::<usize>() + shared.len();
        info!(
            uid = place.uid,
            status = report.status.as_str(),
            org = report.organisation_id.as_deref().unwrap_or("-"),
            forms = intakes.len(),
            answers = answered,
            note = combined.note,
            "handled"
        );
        Ok(Some(answered))
    }

    /// Reads a message on a blocking thread, within the time limit.
    async fn read(&self, raw: &[u8]) -> Result<(Mail, Report), DeskError> {
        let reader = Arc::clone(&self.setup.reader);
        let bytes = raw.to_vec();
        let deadline = tokio::time::Instant::now() + self.setup.time_limit;
        let job = tokio::task::spawn_blocking(move || reader.read(&bytes));
        let too_long = || DeskError::Message("reading the message took too long".into());
        // A limit that has passed (or is zero) always wins over a result that
        // happens to be ready: the timer may fire a tick late, so the
        // deadline is checked again when the result comes.
        tokio::select! {
            biased;
            () = tokio::time::sleep_until(deadline) => Err(too_long()),
            joined = job => match joined {
                Ok(_) if tokio::time::Instant::now() >= deadline => Err(too_long()),
                Ok(read) => Ok(read),
                Err(join) => Err(DeskError::Message(format!("reading the message failed: {join}"))),
            },
        }
    }

    fn answers(
        &self,
        mail: &Mail,
        intake: &Intake,
        decision: &Decision,
        reference: &str,
        raw: &[u8],
    ) -> Result<Vec<Queued>, DeskError> {
        build_answers(&self.setup, mail, intake, decision, reference, raw)
    }

    /// Moves handled messages where their decision says; a failure is left
    /// for the next pass.
    async fn finish_moves(&mut self, folder: &str, uidvalidity: u32) -> Result<usize, DeskError> {
        let mut moved = 0;
        for pending in self.store.pending_moves()? {
            if pending.place.folder != folder || pending.place.uidvalidity != uidvalidity {
                continue;
            }
            let target = match pending.destination.as_str() {
                "review" => &self.setup.review_folder,
                _ => &self.setup.processed_folder,
            };
            if !target.is_empty() {
                self.mailbox.move_to(pending.place.uid, target).await?;
                moved += 1;
            }
            self.store.mark_moved(pending.id)?;
        }
        Ok(moved)
    }

    /// Sends what is due in the outbox. Temporary failures are retried with
    /// growing pauses (up to an hour), never given up; a permanent refusal is
    /// recorded and not retried.
    pub async fn drain(&mut self) -> Result<usize, DeskError> {
        let envelope_from = envelope_address(&self.setup.from);
        let mut sent = 0;
        loop {
            let now = self.clock.now();
            let due = self.store.due(&now.to_rfc3339(), 50)?;
            if due.is_empty() {
                return Ok(sent);
            }
            for item in due {
                match self
                    .sender
                    .send(&envelope_from, &item.recipient, &item.bytes)
                    .await
                {
                    Ok(()) => {
                        self.store
                            .mark_sent(item.id, &self.clock.now().to_rfc3339())?;
                        self.store.note_sent(&self.clock.now().to_rfc3339())?;
                        info!(outbox = item.id, "answer sent");
                        sent += 1;
                    }
                    Err(SendError::Permanent(e)) => {
                        warn!(outbox = item.id, error = %e, "answer refused by the server: not retried");
                        self.store.mark_retry(item.id, &e, None)?;
                    }
                    Err(SendError::Temporary(e)) => {
                        self.store
                            .note_failure(Part::Sending, &e, &now.to_rfc3339())?;
                        let pause = retry_pause(item.attempts);
                        let next = now + chrono::Duration::from_std(pause).unwrap_or_default();
                        warn!(outbox = item.id, error = %e, retry_in = pause.as_secs(), "sending failed: will retry");
                        self.store
                            .mark_retry(item.id, &e, Some(&next.to_rfc3339()))?;
                        return Ok(sent);
                    }
                }
            }
        }
    }
}

/// The pause before the next try: 30 s, doubling, at most an hour.
pub fn retry_pause(attempts: u32) -> Duration {
    Duration::from_secs((30u64 << attempts.min(7)).min(3600))
}

/// The bare address of a `Name <addr>` From.
pub fn envelope_address(from: &str) -> String {
    match (from.rfind('<'), from.rfind('>')) {
        (Some(s), Some(e)) if s < e => from[s + 1..e].trim().to_string(),
        _ => from.trim().to_string(),
    }
}

/// The report as stored with the message: the first form's, with the
/// others as they were judged.
fn full_report(intakes: &[Intake]) -> Report {
    let mut report = intakes[0].report.clone();
    report.more_forms = intakes[1..].iter().map(|i| i.report.clone()).collect();
    report
}

/// The one answer to the sender of a mail with forms for several
/// organisations: what became of each form, with its reference code.
pub fn build_several(
    setup: &Setup,
    mail: &Mail,
    intakes: &[Intake],
    references: &[String],
    combined: &Decision,
) -> Result<Vec<Queued>, DeskError> {
    let orgs = &setup.reader.organisations;
    let mut out = Vec::new();
    for answer in &combined.answers {
        let forms: Vec<minijinja::Value> = intakes
            .iter()
            .zip(references)
            .map(|(intake, reference)| {
                let review = match intake.outcome {
                    Outcome::Held(reason) => Some(reason),
                    _ => None,
                };
                let vars = compose::variables(
                    mail,
                    &intake.report,
                    orgs,
                    reference,
                    review,
                    setup.policy.max_per_day,
                    &Extra {
                        role: None,
                        changes: &intake.changes,
                        resolution: None,
                        current: intake.current.as_ref(),
                    },
                );
                minijinja::context! { outcome => outcome_code(&intake.outcome), ..vars }
            })
            .collect();
        let vars = minijinja::context! {
            subject => compose::strip_reply_prefix(&mail.subject),
            sender => mail.from_address.clone().unwrap_or_default(),
            reference => references[0].clone(),
            forms => forms,
        };
        let rendered = setup.templates.render(answer.kind, &vars)?;
        let thread = Thread {
            message_id: mail.message_id.clone(),
            references: mail.references.clone(),
        };
        out.push(setup.queued(answer.kind, &answer.to, &rendered, &thread, None)?);
    }
    Ok(out)
}

/// What became of one form, as the `several` template names it.
fn outcome_code(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Registered { .. } => "registered",
        Outcome::NoChange => "no_change",
        Outcome::Pending => "incomplete",
        Outcome::Held(_) => "held",
        _ => "other",
    }
}

/// Renders and builds every answer of a decision, ready for the outbox.
pub fn build_answers(
    setup: &Setup,
    mail: &Mail,
    intake: &Intake,
    decision: &Decision,
    reference: &str,
    raw: &[u8],
) -> Result<Vec<Queued>, DeskError> {
    let orgs = &setup.reader.organisations;
    let limit = setup.policy.max_per_day;
    let extra = |role: Option<Role>| Extra {
        current: intake.current.as_ref(),
        role: role.map(Role::code),
        changes: &intake.changes,
        resolution: intake.resolution,
    };
    let mut out = Vec::new();
    for answer in &decision.answers {
        // A confirmation after a review answers the organisation's own
        // message, not the strategist's reply.
        let about = match (&intake.original, answer.kind) {
            (Some(original), AnswerKind::Confirmation) => original,
            _ => mail,
        };
        let vars = compose::variables(
            about,
            &intake.report,
            orgs,
            reference,
            decision.review,
            limit,
            &extra(answer.role),
        );
        let vars = match &intake.vars {
            Some(more) => minijinja::context! { ..more.clone(), ..vars },
            None => vars,
        };
        let rendered = setup.templates.render(answer.kind, &vars)?;
        // A person newly named (or replaced) never received the form: their
        // notice starts a conversation of its own instead of answering it.
        let thread = if matches!(
            answer.kind,
            AnswerKind::PersonRegistered | AnswerKind::PersonReplaced
        ) {
            Thread::default()
        } else {
            Thread {
                message_id: about.message_id.clone(),
                references: about.references.clone(),
            }
        };
        let original = (answer.kind == AnswerKind::ReviewNotice).then_some(raw);
        out.push(setup.queued(answer.kind, &answer.to, &rendered, &thread, original)?);
    }
    Ok(out)
}
