//! Works out what a read message does to the roster: links a reply to the
//! submission it answers (by our answer's Message-ID, by reference code, or
//! by sender within 30 days), merges follow-ups, applies the roster's rules,
//! and resolves reviews the strategist answers by mail. Reads the store;
//! everything it would change comes back as `Effects` for the desk's commit.

use super::alarm;
use super::desk::Setup;
use super::upkeep::Planned;
use super::DeskError;
use crate::decide::{self, AnswerKind, Destination, Outcome, ReviewReason};
use crate::form::Key;
use crate::identity::{self, Claim, Standing};
use crate::mime::Mail;
use crate::organisations::normalise;
use crate::parse::follow_up_values;
use crate::report::{InvalidField, Report, Status};
use crate::roster::{self, Fields, Hold, Plan, Trust};
use crate::store::requests::{Confirmation, Request, RequestClose};
use crate::store::roster::{
    Effects, Problems, RegistrationWrite, ReviewResolution, Submission, SubmissionWrite,
    IMPERSONATION,
};
use crate::store::Store;
use crate::upkeep::{Purpose, Targets};
use crate::values;
use chrono::{DateTime, Utc};
use regex::Regex;
use std::sync::LazyLock;

/// What a message amounts to.
pub struct Intake {
    /// The report the answers speak of (merged, for a follow-up).
    pub report: Report,
    pub outcome: Outcome,
    pub effects: Effects,
    /// For a resolved review: the original message, which the confirmation
    /// to the organisation answers.
    pub original: Option<Mail>,
    /// What changed on the roster, for the templates.
    pub changes: Vec<(Key, Option<String>, Option<String>)>,
    /// How a review was resolved (`accepted`, `rejected`, `edited`, `incomplete`).
    pub resolution: Option<&'static str>,
    /// For a form held for review: the organisation's registration as it
    /// stands, which accepting it would replace.
    pub current: Option<Fields>,
    /// Variables for the answers besides a form's: what a delivery report
    /// marked, what the strategist's `SKICKA BLANKETT` sent.
    pub vars: Option<minijinja::Value>,
}

static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bBL-[A-HJ-NP-Z2-9]{6}\b").expect("reference pattern"));
pub(crate) static ACCEPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*(?:godkänn|godkann|godkänd|godkänt|accept)\b").expect("accept pattern")
});
pub(crate) static REJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*(?:avvisa|avvisas|avvisad|reject)\b").expect("reject pattern")
});

/// Whether the strategist's words accept: a line that begins with GODKÄNN
/// (or a form of it) not followed by a negation.
pub(crate) fn accepts(text: &str) -> bool {
    text.lines().filter(|l| ACCEPT.is_match(l)).any(|line| {
        let second = line.split_whitespace().nth(1).map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        });
        !matches!(second.as_deref(), Some("inte" | "ej" | "icke" | "not"))
    })
}

impl Intake {
    /// An outcome with nothing to write to the roster.
    pub(crate) fn simple(report: Report, outcome: Outcome) -> Self {
        Intake {
            report,
            outcome,
            effects: Effects::default(),
            original: None,
            changes: Vec::new(),
            resolution: None,
            current: None,
            vars: None,
        }
    }
}

/// Decides what the message does to the roster.
pub fn intake(
    store: &Store,
    setup: &Setup,
    mail: &Mail,
    report: Report,
    now: DateTime<Utc>,
) -> Result<Intake, DeskError> {
    if report.status == Status::Automated {
        return bounced(store, setup, mail, report);
    }
    let standing = identity::standing(mail, &setup.policy.strategist, &setup.trust);
    let trusted = standing.is_strategist();
    let sender = identity::sender(mail);
    let actor = sender.clone().unwrap_or_default();
    let own_text = own_text(mail);
    // The strategist's command by mail: only her authenticated mail runs it.
    if let Some(targets) = crate::upkeep::command(&mail.subject) {
        match standing {
            Standing::Strategist(_) => return command(store, setup, report, targets, &actor),
            Standing::Claims(_) => {
                return Ok(refused(
                    report,
                    standing,
                    &actor,
                    "command",
                    format!(
                        "SKICKA BLANKETT ({}) not authenticated as the strategist",
                        mail.subject.chars().take(80).collect::<String>()
                    ),
                ))
            }
            Standing::Other => {}
        }
    }
    let command = ACCEPT.is_match(&own_text) || REJECT.is_match(&own_text);
    let ids: Vec<String> = mail
        .in_reply_to
        .iter()
        .chain(&mail.references)
        .cloned()
        .collect();
    // An answer to a review notice: only the strategist's authenticated
    // answer resolves it; anyone else's changes nothing.
    if let Some((review, sub)) = store.review_by_notice(&ids)? {
        if review.state == "open" {
            if identity::may_resolve(standing, true) {
                let follow_up = follow_up_values(mail, &setup.reader.limits);
                return resolve(
                    store,
                    setup,
                    &sub,
                    review.id,
                    &own_text,
                    &follow_up.values,
                    sender.as_deref(),
                );
            }
            return Ok(refused(
                report,
                standing,
                &actor,
                "review_answer",
                format!(
                    "an answer to the notice of review {} that is not authenticated as the strategist",
                    review.id
                ),
            ));
        }
    }
    // Mail whose From fails authentication continues nobody's form: a
    // forger who writes an organisation's address must not fill in (or
    // start) the form that organisation later completes.
    let failing = !trusted && unauthenticated(mail, setup, standing);
    let follow_up = follow_up_values(mail, &setup.reader.limits);
    // An answer to one of blankett's requests (a form, an address, the
    // yearly check).
    if !failing {
        if let Some(request) = requested(store, mail, &ids)? {
            let answered = answer_request(
                store,
                setup,
                &request,
                &report,
                &follow_up.values,
                &own_text,
                sender.as_deref(),
                trusted,
            )?;
            if let Some(mut intake) = answered {
                audit_claim(&mut intake, standing, &actor);
                return Ok(intake);
            }
        }
    }
    let linked = link(
        store,
        mail,
        sender.as_deref().filter(|_| !failing),
        !follow_up.values.is_empty(),
        now,
    )?;
    if let Some(sub) = linked {
        if let Some(review) = store.open_review(sub.id)? {
            // GODKÄNN or AVVISA by reference code or by answering a receipt:
            // a review is resolved only in answer to its own notice.
            if command {
                return Ok(refused(
                    report,
                    standing,
                    &actor,
                    "review_command",
                    format!(
                        "GODKÄNN or AVVISA for review {} that does not answer its notice",
                        review.id
                    ),
                ));
            }
        } else if sub.state == "pending" && report.status != Status::Unreadable && !failing {
            let fields = if report.status == Status::Complete {
                raw_of(&report)
            } else {
                follow_up.values.clone()
            };
            let mut intake = merge_into(
                store,
                setup,
                &Base::from(&sub),
                &fields,
                &report,
                sender.as_deref(),
                (trusted, failing),
            )?;
            audit_claim(&mut intake, standing, &actor);
            return Ok(intake);
        }
    }
    let mut intake = fresh(store, setup, mail, report, standing, sender.as_deref())?;
    if intake.report.status != Status::NotAForm {
        audit_claim(&mut intake, standing, &actor);
    }
    with_current(store, intake)
}

/// A held form carries the organisation's registration as it stands, so
/// that the review notice can say what accepting it would replace.
fn with_current(store: &Store, mut intake: Intake) -> Result<Intake, DeskError> {
    if matches!(intake.outcome, Outcome::Held(_)) {
        if let Some(id) = intake.report.organisation_id.as_deref() {
            intake.current = store.registration(id)?.map(|r| r.fields);
        }
    }
    Ok(intake)
}

/// The representative's and substitute's addresses a form names.
fn named_addresses(fields: &Fields) -> Vec<String> {
    [Key::RepresentativeEmail, Key::SubstituteEmail]
        .into_iter()
        .filter_map(|k| fields.get(&k).map(|a| a.to_lowercase()))
        .collect()
}

/// A report about the strategist's own mail (not provable by blankett's
/// Message-ID) may name at most this many registered addresses.
const MAX_UNPROVED_FAILURES: usize = 3;

/// Automated mail is never answered. A delivery report for a registered
/// representative's or substitute's address (to one of blankett's answers
/// or to the strategist's own mail: the failed recipient decides) marks that
/// address undeliverable on the roster, asks the organisation for a new
/// address (once while a request is open), and tells the strategist at once
/// when `strategist_changes = "immediately"` (else the digest does). A delay
/// marks nothing. The report itself stays where it is, untouched: it is the
/// strategist's mail.
fn bounced(store: &Store, setup: &Setup, mail: &Mail, report: Report) -> Result<Intake, DeskError> {
    let Some(bounce) = crate::bounce::read(mail) else {
        return Ok(Intake::simple(
            report,
            Outcome::Ignored("automated mail: never answered"),
        ));
    };
    // A report whose sender's domain fails authentication is someone's
    // forgery: it marks nothing and asks nobody.
    if crate::authresults::verdict(mail, &setup.trust) == crate::authresults::Verdict::Fail {
        let mut intake = Intake::simple(
            report,
            Outcome::Ignored("a delivery report that fails authentication: left alone"),
        );
        intake.effects.audit.push((
            identity::sender(mail).unwrap_or_default(),
            "delivery report refused".into(),
            "its sender's domain fails authentication: nothing marked".into(),
        ));
        return Ok(intake);
    }
    // Which failures are believable. Blankett's own mail is proved by its
    // Message-ID (128 random bits no one else has seen) sent to that very
    // address. The strategist's own mail cannot be proved that way, so a
    // report about it must come from a mail system's address and may name
    // only a few registered addresses: one forged report cannot mark the
    // whole roster.
    let proved = match bounce.original_message_id.as_deref() {
        Some(id) => store.sent_to(id)?.map(|to| to.to_lowercase()),
        None => None,
    };
    let registrations = store.registrations()?;
    let marked = store.undeliverable()?;
    // (address, reason, the registrations naming it); only addresses not
    // marked already: a second report about one changes nothing.
    let mut dead: Vec<(String, String, Vec<&crate::store::roster::Registration>)> = Vec::new();
    let mut registered_failures = 0;
    for failure in bounce.permanent() {
        let holders: Vec<_> = registrations
            .iter()
            .filter(|r| named_addresses(&r.fields).contains(&failure.address))
            .collect();
        if holders.is_empty() {
            continue;
        }
        registered_failures += 1;
        if !marked.contains_key(&failure.address)
            && !dead.iter().any(|(a, _, _)| *a == failure.address)
        {
            dead.push((failure.address.clone(), failure.reason.clone(), holders));
        }
    }
    let believed = |address: &str| proved.as_deref() == Some(address);
    let unproved = dead.iter().filter(|(a, _, _)| !believed(a)).count();
    if unproved > 0
        && (!crate::bounce::from_mail_system(mail) || registered_failures > MAX_UNPROVED_FAILURES)
    {
        let mut intake = Intake::simple(
            report,
            Outcome::Ignored("a delivery report that blankett cannot believe: left alone"),
        );
        intake.effects.audit.push((
            identity::sender(mail).unwrap_or_default(),
            "delivery report refused".into(),
            format!(
                "{registered_failures} registered addresses named, not by a mail system's report on blankett's own mail: nothing marked"
            ),
        ));
        return Ok(intake);
    }
    if dead.is_empty() {
        return Ok(Intake::simple(
            report,
            Outcome::Ignored(
                "a delivery report about no registered address not marked already: left alone",
            ),
        ));
    }
    let all_dead: Vec<String> = dead.iter().map(|(a, _, _)| a.clone()).collect();
    let mut effects = Effects::default();
    let mut told = Vec::new();
    for (address, reason, holders) in &dead {
        effects.audit.push((
            "delivery report".into(),
            "address undeliverable".into(),
            format!(
                "{address} (the bounced mail: {})",
                bounce.original_message_id.as_deref().unwrap_or("unknown")
            ),
        ));
        effects
            .undeliverable
            .push((address.clone(), reason.clone()));
        for reg in holders {
            let key = &reg.organisation_key;
            // One request per organisation and report, even when both its
            // addresses bounced.
            let planned = if effects.requests.iter().any(|r| r.organisation_key == *key) {
                None
            } else {
                Some(setup.plan_request(
                    store,
                    Purpose::Address,
                    key,
                    Some((address, reason)),
                    &all_dead,
                )?)
            };
            let (asked, asked_before) = match planned {
                Some(Planned::Request(request)) => {
                    let asked = request.recipients.clone();
                    effects.requests.push(request);
                    (asked, None)
                }
                Some(Planned::AlreadyAsked(open)) => (
                    Vec::new(),
                    Some(open.created_at.chars().take(10).collect::<String>()),
                ),
                Some(Planned::NoAddress) | None => (Vec::new(), None),
            };
            let (role, name) = if reg
                .fields
                .get(&Key::RepresentativeEmail)
                .is_some_and(|a| a.eq_ignore_ascii_case(address))
            {
                ("representative", reg.fields.get(&Key::RepresentativeName))
            } else {
                ("substitute", reg.fields.get(&Key::SubstituteName))
            };
            told.push(minijinja::context! {
                address => address,
                reason => reason,
                organisation => reg.organisation.clone(),
                role => role,
                name => name.cloned(),
                asked => asked,
                asked_before => asked_before,
            });
        }
    }
    let answers = if setup.policy.notify_changes {
        setup
            .policy
            .strategist
            .first()
            .map(|s| decide::Answer::new(AnswerKind::Undeliverable, s.clone()))
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    let mut intake = Intake::simple(
        report,
        Outcome::Told {
            answers,
            destination: Destination::Stay,
            note: "a delivery report: registered addresses marked undeliverable, the organisation asked",
        },
    );
    intake.effects = effects;
    intake.vars = Some(minijinja::context! { dead => told });
    Ok(intake)
}

/// The strategist's `SKICKA BLANKETT`: a request for a form to each
/// organisation named (or each one missing, or all), except those already
/// asked and waiting, written with the message; she gets a receipt that
/// lists what was sent and what was not.
fn command(
    store: &Store,
    setup: &Setup,
    report: Report,
    targets: Targets,
    actor: &str,
) -> Result<Intake, DeskError> {
    let chosen = choose(store, setup, &targets)?;
    let mut effects = Effects::default();
    let mut sent = Vec::new();
    let mut skipped = Vec::new();
    for key in &chosen.keys {
        let name = setup
            .reader
            .organisations
            .get(key)
            .map_or_else(|| key.clone(), |o| o.name.clone());
        match setup.plan_request(store, Purpose::Form, key, None, &[])? {
            Planned::Request(request) => {
                sent.push(minijinja::context! {
                    organisation => request.organisation.clone(),
                    recipients => request.recipients.clone(),
                });
                effects.requests.push(request);
            }
            Planned::AlreadyAsked(open) => skipped.push(minijinja::context! {
                organisation => name,
                why => "asked",
                date => open.created_at.chars().take(10).collect::<String>(),
            }),
            Planned::NoAddress => skipped.push(minijinja::context! {
                organisation => name,
                why => "no_address",
            }),
        }
    }
    effects.audit.push((
        actor.to_string(),
        "forms requested".into(),
        format!(
            "SKICKA BLANKETT: {} sent, {} not sent, {} unknown",
            sent.len(),
            skipped.len(),
            chosen.unknown.len()
        ),
    ));
    let mut intake = Intake::simple(
        report,
        Outcome::Told {
            answers: vec![decide::Answer::new(
                AnswerKind::RequestsSent,
                actor.to_string(),
            )],
            destination: Destination::Processed,
            note: "the strategist's SKICKA BLANKETT: forms requested",
        },
    );
    intake.effects = effects;
    intake.vars = Some(minijinja::context! {
        sent => sent,
        skipped => skipped,
        unknown => chosen.unknown,
        nothing => matches!(&targets, Targets::Named(names) if names.is_empty()),
    });
    Ok(intake)
}

/// The organisations a request names: their keys, and the names that match none.
#[derive(Debug, Default)]
pub struct Chosen {
    pub keys: Vec<String>,
    pub unknown: Vec<String>,
}

/// Resolves `request`'s and `SKICKA BLANKETT`'s targets against the list:
/// names (or ids) as written, every organisation without a registration, or all.
pub fn choose(store: &Store, setup: &Setup, targets: &Targets) -> Result<Chosen, DeskError> {
    let orgs = &setup.reader.organisations;
    let mut chosen = Chosen::default();
    match targets {
        Targets::Named(names) => {
            for name in names {
                let id = orgs
                    .get(name.trim())
                    .map(|o| o.id.as_str())
                    .or_else(|| orgs.match_name(name));
                match id {
                    Some(id) if !chosen.keys.iter().any(|k| k == id) => {
                        chosen.keys.push(id.to_string());
                    }
                    Some(_) => {}
                    None => chosen.unknown.push(name.clone()),
                }
            }
        }
        Targets::Missing => {
            let registered: std::collections::BTreeSet<Option<String>> = store
                .registrations()?
                .into_iter()
                .map(|r| r.organisation_id)
                .collect();
            chosen.keys = orgs
                .all()
                .iter()
                .filter(|o| !registered.contains(&Some(o.id.clone())))
                .map(|o| o.id.clone())
                .collect();
        }
        Targets::All => chosen.keys = orgs.all().iter().map(|o| o.id.clone()).collect(),
    }
    Ok(chosen)
}

/// The open request a message answers: by the Message-ID of one of its
/// letters, or by its reference code.
fn requested(store: &Store, mail: &Mail, ids: &[String]) -> Result<Option<Request>, DeskError> {
    let mut found = store.request_by_answer(ids)?;
    if found.is_none() {
        let text = format!("{}\n{}", mail.subject, own_text(mail));
        if let Some(code) = REFERENCE.find(&text) {
            found = store.request_by_reference(code.as_str())?;
        }
    }
    Ok(found.filter(|r| r.state == "open"))
}

/// An answer to a request. For the yearly check, `STÄMMER` confirms the
/// registration as it stands. Otherwise the lines given (or a whole form)
/// complete what the request asked about, as a follow-up completes a
/// pending form: registered when complete, else pending. `None`: the answer
/// gives nothing to register (it is handled as any other mail).
#[allow(clippy::too_many_arguments)]
fn answer_request(
    store: &Store,
    setup: &Setup,
    request: &Request,
    report: &Report,
    follow_up: &Fields,
    own_text: &str,
    sender: Option<&str>,
    trusted: bool,
) -> Result<Option<Intake>, DeskError> {
    let complete = report.status == Status::Complete;
    let listed = setup.reader.organisations.get(&request.organisation_key);
    // Only someone the check was sent to, or someone of the organisation,
    // confirms it (as only the organisation's own domains register a form).
    let of_the_organisation = sender.is_some_and(|s| {
        let s = s.to_lowercase();
        let domain = s.rsplit('@').next().unwrap_or_default().to_string();
        trusted
            || request.recipients.contains(&s)
            || listed.is_some_and(|o| o.domains.iter().any(|d| d.eq_ignore_ascii_case(&domain)))
    });
    if request.purpose == Purpose::Confirm
        && !complete
        && follow_up.is_empty()
        && of_the_organisation
        && crate::upkeep::confirms(own_text)
    {
        let mut confirmed = judge(setup, request.fields.clone(), Vec::new(), "body");
        confirmed.organisation_id = setup
            .reader
            .organisations
            .get(&request.organisation_key)
            .map(|o| o.id.clone());
        let mut intake = Intake::simple(confirmed, Outcome::Confirmed);
        intake.effects.confirmed = Some(Confirmation {
            organisation_key: request.organisation_key.clone(),
            organisation: request.organisation.clone(),
            in_history: true,
        });
        intake.effects.close_requests.push(RequestClose {
            id: request.id,
            state: "confirmed",
        });
        intake.effects.audit.push((
            sender.unwrap_or_default().to_string(),
            "registration confirmed".into(),
            format!("{} (request {})", request.organisation_key, request.id),
        ));
        return Ok(Some(intake));
    }
    if !complete && follow_up.is_empty() {
        return Ok(None);
    }
    let values = if complete {
        raw_of(report)
    } else {
        follow_up.clone()
    };
    // An answer that names another organisation answers no request of
    // this one: it is a form like any other.
    if let Some(written) = values.get(&Key::Organisation) {
        let same = match listed {
            Some(o) => setup.reader.organisations.match_name(written) == Some(o.id.as_str()),
            None => normalise(written) == normalise(&request.organisation),
        };
        if !same {
            return Ok(None);
        }
    }
    let problems = Problems::default();
    let base = Base {
        id: None,
        fields: &request.fields,
        problems: &problems,
        organisation_id: listed.map(|o| o.id.as_str()),
    };
    let mut intake = merge_into(
        store,
        setup,
        &base,
        &values,
        report,
        sender,
        (trusted, false),
    )?;
    // A registration answers the organisation's requests by itself; a
    // pending form takes over (its own reminders); a form held for a person
    // leaves the request open until she decides.
    if matches!(intake.outcome, Outcome::Pending) {
        intake.effects.close_requests.push(RequestClose {
            id: request.id,
            state: "answered",
        });
    }
    Ok(Some(intake))
}

/// A message holding forms for several organisations (form-contract rule
/// 13): the first goes through `intake` like any message; each other form
/// is a new form of its own, judged by the same rules. When the first is
/// not a form's outcome (an answer to a review notice, say), the others are
/// not read as forms either.
pub fn intake_several(
    store: &Store,
    setup: &Setup,
    mail: &Mail,
    mut report: Report,
    now: DateTime<Utc>,
) -> Result<Vec<Intake>, DeskError> {
    let more = std::mem::take(&mut report.more_forms);
    let first = intake(store, setup, mail, report, now)?;
    let is_form = matches!(
        first.outcome,
        Outcome::Registered { .. } | Outcome::NoChange | Outcome::Pending | Outcome::Held(_)
    );
    let mut out = vec![first];
    if !is_form {
        return Ok(out);
    }
    let standing = identity::standing(mail, &setup.policy.strategist, &setup.trust);
    let sender = identity::sender(mail);
    for other in more {
        let mut intake = fresh(store, setup, mail, other, standing, sender.as_deref())?;
        audit_claim(&mut intake, standing, sender.as_deref().unwrap_or_default());
        out.push(with_current(store, intake)?);
    }
    Ok(out)
}

/// A message that continues nothing: a new form, or not a form at all.
fn fresh(
    store: &Store,
    setup: &Setup,
    mail: &Mail,
    report: Report,
    standing: Standing,
    sender: Option<&str>,
) -> Result<Intake, DeskError> {
    let trusted = standing.is_strategist();
    match report.status {
        Status::Automated | Status::NotAForm => Ok(Intake::simple(
            report,
            Outcome::Ignored("not a form: left untouched"),
        )),
        Status::Unreadable => Ok(held(report, ReviewReason::Unreadable, None)),
        // An incomplete form from a sender who fails authentication waits
        // for a person, not for follow-ups from whoever writes that address.
        Status::Incomplete if !trusted && unauthenticated(mail, setup, standing) => {
            Ok(held(report, ReviewReason::Unauthenticated, None))
        }
        Status::Incomplete => {
            let mut intake = Intake::simple(report.clone(), Outcome::Pending);
            intake.effects.submission = Some(new_submission(&report, "pending", None));
            Ok(intake)
        }
        Status::Complete if decide::low_confidence(&report, &setup.policy) => {
            Ok(held(report, ReviewReason::LowOcrConfidence, None))
        }
        Status::Complete if !trusted && unauthenticated(mail, setup, standing) => {
            Ok(held(report, ReviewReason::Unauthenticated, None))
        }
        Status::Complete => register(store, setup, report, sender, trust(trusted), None),
    }
}

/// An attempt to use the strategist's privileges, refused: nothing changes,
/// the attempt is audited. The strategist's own authenticated mail is told
/// at once how to answer; anyone else's goes into the daily report of
/// refused attempts (`daemon::alarm`), so a forger cannot flood her.
fn refused(report: Report, standing: Standing, actor: &str, attempt: &str, note: String) -> Intake {
    let strategist = standing.is_strategist();
    let mut intake = Intake::simple(report, Outcome::Refused { tell: strategist });
    let action = if strategist {
        "review answer not linked".to_string()
    } else {
        IMPERSONATION.to_string()
    };
    let note = format!("{note}{}", claim_note(standing));
    intake.effects.audit.push((
        actor.to_string(),
        action,
        alarm::detail(attempt, claim_code(standing), &note),
    ));
    intake
}

/// A form that names the strategist without proof is audited as an attempt
/// to act as her (it is handled as anyone's form).
fn audit_claim(intake: &mut Intake, standing: Standing, actor: &str) {
    if let Standing::Claims(claim) = standing {
        intake.effects.audit.push((
            actor.to_string(),
            IMPERSONATION.to_string(),
            alarm::detail(
                "form",
                claim.code(),
                &format!("a form with {}", claim.describe()),
            ),
        ));
    }
}

fn claim_code(standing: Standing) -> &'static str {
    match standing {
        Standing::Claims(claim) => claim.code(),
        _ => "none",
    }
}

fn claim_note(standing: Standing) -> String {
    match standing {
        Standing::Claims(claim) => format!(" ({})", claim.describe()),
        _ => String::new(),
    }
}

/// Finds the submission a message answers.
fn link(
    store: &Store,
    mail: &Mail,
    sender: Option<&str>,
    has_values: bool,
    now: DateTime<Utc>,
) -> Result<Option<Submission>, DeskError> {
    let ids: Vec<String> = mail
        .in_reply_to
        .iter()
        .chain(&mail.references)
        .cloned()
        .collect();
    if let Some(sub) = store.submission_by_answer(&ids)? {
        return Ok(Some(sub));
    }
    let text = format!("{}\n{}", mail.subject, own_text(mail));
    if let Some(code) = REFERENCE.find(&text) {
        if let Some(sub) = store.submission_by_reference(code.as_str())? {
            return Ok(Some(sub));
        }
    }
    if let (Some(sender), true) = (sender, has_values) {
        let since = (now - chrono::Duration::days(30)).to_rfc3339();
        return Ok(store.pending_from(sender, &since)?);
    }
    Ok(None)
}

/// What a follow-up is merged into: a pending submission, or what a
/// request asked about (no submission yet).
struct Base<'a> {
    id: Option<i64>,
    fields: &'a Fields,
    problems: &'a Problems,
    organisation_id: Option<&'a str>,
}

impl<'a> From<&'a Submission> for Base<'a> {
    fn from(sub: &'a Submission) -> Self {
        Base {
            id: Some(sub.id),
            fields: &sub.fields,
            problems: &sub.problems,
            organisation_id: sub.organisation_id.as_deref(),
        }
    }
}

/// A follow-up merged into a pending submission (or a request's values).
fn merge_into(
    store: &Store,
    setup: &Setup,
    sub: &Base<'_>,
    follow_up: &Fields,
    report: &Report,
    sender: Option<&str>,
    (trusted, unauthenticated): (bool, bool),
) -> Result<Intake, DeskError> {
    let checked = values::check(follow_up);
    let merged = roster::merge(sub.fields, &checked.fields);
    let mut invalid: Vec<InvalidField> = sub
        .problems
        .invalid
        .iter()
        .filter(|(k, _, _)| !checked.fields.contains_key(k))
        .map(|(k, v, code)| invalid_field(*k, v, code))
        .collect();
    invalid.extend(
        checked
            .invalid
            .values()
            .map(|i| invalid_field(i.key, &i.raw, i.reason.code())),
    );
    invalid.sort_by_key(|i| i.field);
    invalid.dedup_by_key(|i| i.field);
    let mut merged_report = judge(setup, merged, invalid, &report.source);
    if merged_report.organisation_id.is_none() {
        merged_report.organisation_id = sub.organisation_id.map(str::to_string);
    }
    merged_report.method = report.method;
    if merged_report.status == Status::Complete && unauthenticated {
        Ok(held(merged_report, ReviewReason::Unauthenticated, sub.id))
    } else if merged_report.status == Status::Complete {
        register(store, setup, merged_report, sender, trust(trusted), sub.id)
    } else {
        let mut intake = Intake::simple(merged_report.clone(), Outcome::Pending);
        intake.effects.submission = Some(match sub.id {
            Some(id) => update_submission(id, &merged_report, "pending", None),
            None => new_submission(&merged_report, "pending", None),
        });
        Ok(intake)
    }
}

/// A complete form: onto the roster, the same again, or held for a person.
fn register(
    store: &Store,
    setup: &Setup,
    report: Report,
    sender: Option<&str>,
    trust: Trust,
    existing: Option<i64>,
) -> Result<Intake, DeskError> {
    let orgs = &setup.reader.organisations;
    let org = report
        .organisation_id
        .as_deref()
        .and_then(|id| orgs.get(id));
    let key = report.organisation_id.clone();
    let org_name = org.map_or_else(
        || {
            report
                .fields
                .get(&Key::Organisation)
                .cloned()
                .unwrap_or_default()
        },
        |o| o.name.clone(),
    );
    // An organisation not on the list, accepted by a person, is kept under its name.
    let registration_key = key
        .clone()
        .unwrap_or_else(|| format!("name:{}", normalise(&org_name)));
    let current = store.registration(&registration_key)?.map(|r| r.fields);
    let plan = roster::plan(
        &report.fields,
        org,
        sender,
        trust,
        current.as_ref(),
        setup.notices,
    );
    let write = |state: &str, review: Option<ReviewReason>| match existing {
        Some(id) => update_submission(id, &report, state, review),
        None => new_submission(&report, state, review),
    };
    match plan {
        Plan::Hold(hold) => {
            let reason = match hold {
                Hold::UnknownOrganisation => ReviewReason::UnknownOrganisation,
                Hold::ForeignDomain => ReviewReason::ForeignDomain,
                Hold::PolicyReview => ReviewReason::PolicyReview,
            };
            let mut intake = held(report.clone(), reason, existing);
            intake.effects.submission = Some(write("review", Some(reason)));
            Ok(intake)
        }
        Plan::NoChange => {
            let mut intake = Intake::simple(report.clone(), Outcome::NoChange);
            intake.effects.submission = Some(write("no_change", None));
            intake.effects.vouched = named_addresses(&report.fields);
            // The same form again confirms the registration as it stands.
            intake.effects.confirmed = Some(Confirmation {
                organisation_key: registration_key,
                organisation: org_name,
                in_history: false,
            });
            Ok(intake)
        }
        Plan::Register {
            first,
            changes,
            notices,
        } => {
            let changes: Vec<(Key, Option<String>, Option<String>)> = if first {
                report
                    .fields
                    .iter()
                    .map(|(k, v)| (*k, None, Some(v.clone())))
                    .collect()
            } else {
                changes
                    .into_iter()
                    .map(|(k, b, a)| (k, b, Some(a)))
                    .collect()
            };
            let mut effects = Effects {
                submission: Some(write("registered", None)),
                registration: Some(RegistrationWrite {
                    organisation_key: registration_key,
                    organisation_id: key.clone(),
                    organisation: org_name,
                    fields: report.fields.clone(),
                    kind: if first {
                        "registered".into()
                    } else {
                        "changed".into()
                    },
                    changes: changes.clone(),
                }),
                vouched: named_addresses(&report.fields),
                ..Effects::default()
            };
            if let Some(id) = &key {
                effects.supersede = store.pending_for(id)?;
            }
            Ok(Intake {
                report,
                outcome: Outcome::Registered { notices },
                effects,
                original: None,
                changes,
                resolution: None,
                current: None,
                vars: None,
            })
        }
    }
}

/// The strategist's answer to a review (by mail, or from the command line).
pub(crate) fn resolve(
    store: &Store,
    setup: &Setup,
    sub: &Submission,
    review: i64,
    text: &str,
    lines: &Fields,
    by: Option<&str>,
) -> Result<Intake, DeskError> {
    let original = store
        .raw_message(sub.message)?
        .and_then(|raw| crate::mime::read(&raw, &setup.reader.limits));
    let by = by.unwrap_or_default().to_string();
    let base = judge(setup, sub.fields.clone(), Vec::new(), "body");
    let (state, mut intake) = if REJECT.is_match(text) {
        let mut intake = Intake::simple(
            base.clone(),
            Outcome::Resolved {
                confirm: None,
                notices: vec![],
            },
        );
        intake.effects.submission = Some(update_submission(sub.id, &base, "rejected", None));
        ("rejected", intake)
    } else {
        let edited = !lines.is_empty();
        let checked = values::check(lines);
        let fields = roster::merge(&sub.fields, &checked.fields);
        let mut report = judge(setup, fields, Vec::new(), "body");
        // GODKÄNN accepts; corrected lines that complete the form accept it
        // too. Anything else (a question, "Godkänn inte") changes nothing.
        let accept = accepts(text) || (edited && report.status == Status::Complete);
        if !accept || report.fields.is_empty() {
            let mut intake = Intake::simple(
                report.clone(),
                Outcome::Resolved {
                    confirm: None,
                    notices: vec![],
                },
            );
            intake.effects.submission = Some(update_submission(sub.id, &report, "review", None));
            intake.resolution = Some("incomplete");
            return Ok(intake);
        }
        // The strategist vouches for what she accepts: it is registered as it
        // stands, even with something missing.
        report.status = Status::Complete;
        let mut intake = register(
            store,
            setup,
            report,
            sub.sender.as_deref(),
            Trust::Accepted,
            Some(sub.id),
        )?;
        let notices = match &intake.outcome {
            Outcome::Registered { notices } => notices.clone(),
            _ => Vec::new(),
        };
        intake.outcome = Outcome::Resolved {
            confirm: sub.sender.clone(),
            notices,
        };
        (if edited { "edited" } else { "accepted" }, intake)
    };
    intake.effects.resolve_review = Some(ReviewResolution {
        id: review,
        state: if state == "rejected" {
            "rejected".into()
        } else {
            "accepted".into()
        },
        by: by.clone(),
        note: state.into(),
    });
    intake.effects.audit.push((
        by,
        format!("review {state}"),
        format!("review {review}, submission {}", sub.id),
    ));
    intake.original = original;
    intake.resolution = Some(state);
    Ok(intake)
}

/// The receiving server says the From domain is not who it claims to be
/// (or, when authentication is required, says nothing); or the mail comes
/// from the strategist's address without proof that it is hers.
fn unauthenticated(mail: &Mail, setup: &Setup, standing: Standing) -> bool {
    if standing == Standing::Claims(Claim::From) {
        return true;
    }
    match crate::authresults::verdict(mail, &setup.trust) {
        crate::authresults::Verdict::Pass => false,
        crate::authresults::Verdict::Fail => true,
        crate::authresults::Verdict::Unknown => setup.trust.require_authentication,
    }
}

fn trust(strategist: bool) -> Trust {
    if strategist {
        Trust::Strategist
    } else {
        Trust::Sender
    }
}

fn held(report: Report, reason: ReviewReason, existing: Option<i64>) -> Intake {
    let mut intake = Intake::simple(report.clone(), Outcome::Held(reason));
    intake.effects.submission = Some(match existing {
        Some(id) => update_submission(id, &report, "review", Some(reason)),
        None => new_submission(&report, "review", Some(reason)),
    });
    intake.effects.open_review = Some(reason.code().into());
    intake
}

/// A report for values read so far: which are missing, which invalid, which organisation.
fn judge(setup: &Setup, fields: Fields, invalid: Vec<InvalidField>, source: &str) -> Report {
    let missing: Vec<Key> = setup
        .reader
        .required
        .iter()
        .copied()
        .filter(|k| !fields.contains_key(k) && !invalid.iter().any(|i| i.field == *k))
        .collect();
    let status = if missing.is_empty() && invalid.is_empty() {
        Status::Complete
    } else {
        Status::Incomplete
    };
    let organisation_id = fields
        .get(&Key::Organisation)
        .and_then(|n| setup.reader.organisations.match_name(n))
        .map(str::to_string);
    let mut report = Report::without_fields(status, source, None);
    report.fields = fields;
    report.missing = missing;
    report.invalid = invalid;
    report.organisation_id = organisation_id;
    report
}

fn invalid_field(key: Key, value: &str, code: &str) -> InvalidField {
    let reason = crate::values::Reason::from_code(code);
    InvalidField {
        field: key,
        reason: reason
            .map_or("unusable value", |r| r.describe())
            .to_string(),
        value: value.to_string(),
        code: reason.map_or("invalid", |r| r.code()),
    }
}

fn raw_of(report: &Report) -> Fields {
    let mut fields = report.fields.clone();
    for i in &report.invalid {
        fields.insert(i.field, i.value.clone());
    }
    fields
}

fn problems(report: &Report) -> Problems {
    Problems {
        missing: report.missing.clone(),
        invalid: report
            .invalid
            .iter()
            .map(|i| (i.field, i.value.clone(), i.code.to_string()))
            .collect(),
    }
}

fn new_submission(report: &Report, state: &str, review: Option<ReviewReason>) -> SubmissionWrite {
    SubmissionWrite::New {
        organisation_id: report.organisation_id.clone(),
        organisation: report.fields.get(&Key::Organisation).cloned(),
        fields: report.fields.clone(),
        problems: problems(report),
        state: state.into(),
        review_reason: review.map(|r| r.code().to_string()),
    }
}

fn update_submission(
    id: i64,
    report: &Report,
    state: &str,
    review: Option<ReviewReason>,
) -> SubmissionWrite {
    SubmissionWrite::Update {
        id,
        organisation_id: report.organisation_id.clone(),
        organisation: report.fields.get(&Key::Organisation).cloned(),
        fields: report.fields.clone(),
        problems: problems(report),
        state: state.into(),
        review_reason: review.map(|r| r.code().to_string()),
    }
}

/// The sender's own words, without quoted lines: the plain body, or the
/// HTML body as text when there is no plain one.
fn own_text(mail: &Mail) -> String {
    use crate::mime::BodyKind;
    let plain: Vec<String> = mail
        .bodies
        .iter()
        .filter(|b| b.kind == BodyKind::Plain)
        .map(|b| b.text.clone())
        .collect();
    let texts = if plain.is_empty() {
        mail.bodies
            .iter()
            .map(|b| crate::attach::html::to_text(&b.text))
            .collect()
    } else {
        plain
    };
    texts
        .iter()
        .flat_map(|t| crate::text::lines(t, false))
        .filter(|l| l.zone == crate::text::Zone::Own)
        .map(|l| l.text)
        .collect::<Vec<_>>()
        .join("\n")
}
