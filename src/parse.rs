//! Reads one message into a `Report`: classifies it, reads every candidate
//! (bodies, attachments, attached messages), keeps the most complete form,
//! validates it and matches the organisation. Pure: bytes in, report out; OCR,
//! the one outside program, comes in behind the `Ocr` trait.

use crate::attach::{self, Extracted, Ocr};
use crate::classify;
use crate::error::ParseError;
use crate::form::Key;
use crate::limits::Limits;
use crate::mime::{self, BodyKind, Mail};
use crate::organisations::Organisations;
use crate::report::{InvalidField, Method, Report, Status};
use crate::text::{self, Pass, RawForm};
use crate::values;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What reading needs besides the message.
pub struct Context<'a> {
    pub organisations: &'a Organisations,
    pub required: &'a [Key],
    pub limits: &'a Limits,
    /// `None` when no OCR is installed: scans are then `unreadable`.
    pub ocr: Option<&'a dyn Ocr>,
}

/// One place a form may stand.
#[derive(Debug, Clone)]
struct Candidate {
    source: String,
    method: Method,
    form: RawForm,
    is_attachment: bool,
    confidence: BTreeMap<Key, f32>,
}

/// An attachment that looks like the form but could not be read.
#[derive(Debug, Clone)]
struct Unreadable {
    source: String,
    reason: String,
    /// A document that did not open (rule 14): a person must look, whatever
    /// the subject says.
    document: bool,
}

static FORWARD_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:(?:sv|re|aw|vs)\s*:\s*)*(?:fwd?|vb|vs|wg|tr|fw)\s*:")
        .expect("forward subject pattern")
});

static FORM_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)blankett|formulär|\bform\b|länsgrupp|representant|ersättare|underskri|signerad|scan|skann|inskannad|\bskm_|\bimg|\bdoc\d")
        .expect("form hint pattern")
});

/// Reads a message and reports what it holds.
pub fn parse(bytes: &[u8], ctx: &Context<'_>) -> Result<Report, ParseError> {
    parse_mail(bytes, ctx).map(|(_, report)| report)
}

/// Reads a message and returns it with the report.
pub fn parse_mail(bytes: &[u8], ctx: &Context<'_>) -> Result<(Mail, Report), ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    if bytes.len() > ctx.limits.max_message_bytes {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: ctx.limits.max_message_bytes,
        });
    }
    // mail-parser can panic on a broken MIME structure (a debug assertion).
    let mail = crate::guard::catch(|| mime::read(bytes, ctx.limits))
        .ok_or(ParseError::Malformed)?
        .ok_or(ParseError::NotAMessage)?;
    let report = report(&mail, ctx);
    Ok((mail, report))
}

/// Reports on a message already read.
pub fn report(mail: &Mail, ctx: &Context<'_>) -> Report {
    if let Some(why) = classify::automated(mail) {
        return Report::without_fields(
            Status::Automated,
            "body",
            Some(format!("automated: {why}")),
        );
    }
    let mut candidates = Vec::new();
    let mut unreadable = Vec::new();
    collect(mail, None, ctx, &mut candidates, &mut unreadable);
    let forms: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| c.form.is_form())
        .collect();
    let mut reports = group(forms, ctx)
        .into_iter()
        .filter_map(|group| {
            group.into_iter().max_by_key(|c| {
                (
                    c.form.values.len(),
                    c.is_attachment,
                    c.method == Method::Text,
                )
            })
        })
        .map(|c| judge(c, mail, ctx));
    match reports.next() {
        Some(mut first) => {
            first.more_forms = reports.collect();
            first
        }
        None => {
            if let Some(u) = unreadable.iter().find(|u| u.document) {
                return Report::without_fields(
                    Status::Unreadable,
                    &u.source,
                    Some(u.reason.clone()),
                );
            }
            match unreadable.into_iter().next() {
                Some(u)
                    if FORM_HINT.is_match(&format!(
                        "{} {} {}",
                        mail.subject,
                        u.source,
                        body_text(mail)
                    )) =>
                {
                    Report::without_fields(Status::Unreadable, &u.source, Some(u.reason))
                }
                _ => Report::without_fields(Status::NotAForm, "body", None),
            }
        }
    }
}

/// Groups the forms of a message by the organisation they name, in message
/// order: parts naming different organisations are different forms, parts
/// for the same one are one form. A part that names none belongs to the
/// first form (it is the sender's own).
fn group(forms: Vec<Candidate>, ctx: &Context<'_>) -> Vec<Vec<Candidate>> {
    let mut groups: Vec<(Option<String>, Vec<Candidate>)> = Vec::new();
    let mut unnamed = Vec::new();
    for c in forms {
        let Some(key) = organisation_key(&c, ctx) else {
            unnamed.push(c);
            continue;
        };
        match groups.iter_mut().find(|(k, _)| k.as_ref() == Some(&key)) {
            Some((_, members)) => members.push(c),
            None => groups.push((Some(key), vec![c])),
        }
    }
    match groups.first_mut() {
        Some((_, first)) => first.extend(unnamed),
        None if !unnamed.is_empty() => groups.push((None, unnamed)),
        None => {}
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// The organisation a form names: its id, or the name as written.
fn organisation_key(c: &Candidate, ctx: &Context<'_>) -> Option<String> {
    let written = c.form.values.get(&Key::Organisation)?;
    let cleaned = values::check(&BTreeMap::from([(Key::Organisation, written.clone())]));
    let name = cleaned.fields.get(&Key::Organisation)?;
    Some(ctx.organisations.match_name(name).map_or_else(
        || format!("name:{}", crate::organisations::normalise(name)),
        str::to_string,
    ))
}

fn collect(
    mail: &Mail,
    source: Option<&str>,
    ctx: &Context<'_>,
    candidates: &mut Vec<Candidate>,
    unreadable: &mut Vec<Unreadable>,
) {
    let is_forward = FORWARD_SUBJECT.is_match(&mail.subject);
    for body in &mail.bodies {
        let (text, method) = match body.kind {
            BodyKind::Plain if body.flowed => {
                (text::lines::unflow(&body.text, body.delsp), Method::Text)
            }
            BodyKind::Plain => (body.text.clone(), Method::Text),
            BodyKind::Html => (attach::html::to_text(&body.text), Method::Html),
        };
        for form in read_forms(&text, is_forward, ctx.limits) {
            candidates.push(Candidate {
                source: source.map_or_else(|| "body".to_string(), str::to_string),
                method,
                form,
                is_attachment: source.is_some(),
                confidence: BTreeMap::new(),
            });
        }
    }
    for (name, inner) in &mail.attached_messages {
        let inner_source = format!("attachment:{name}");
        collect(
            inner,
            Some(source.unwrap_or(&inner_source)),
            ctx,
            candidates,
            unreadable,
        );
    }
    let mut seen_images = std::collections::HashSet::new();
    for att in &mail.attachments {
        // The same picture twice (a logo in a reply chain, a photo pasted
        // again) is read once.
        if attach::is_image(&att.data) && !seen_images.insert(fingerprint(&att.data)) {
            continue;
        }
        // A winmail.dat gives one result per file packed in it.
        for (name, kind, extracted) in attach::read_files(att, ctx.limits, ctx.ocr) {
            // Outlook's "Rich Text" mail: the RTF body packed in winmail.dat
            // (the only file without a name) is the message's body.
            let is_body = name.is_empty() && source.is_none();
            let att_source = match source {
                Some(s) => s.to_string(),
                None if is_body => "body".to_string(),
                None => format!("attachment:{name}"),
            };
            match extracted {
                Extracted::Text { text, method } => {
                    for form in read_forms(&text, false, ctx.limits) {
                        candidates.push(Candidate {
                            source: att_source.clone(),
                            method,
                            form,
                            is_attachment: !is_body,
                            confidence: BTreeMap::new(),
                        });
                    }
                }
                Extracted::Fields {
                    form,
                    method,
                    confidence,
                } => candidates.push(Candidate {
                    source: att_source,
                    method,
                    form,
                    is_attachment: true,
                    confidence,
                }),
                Extracted::Unreadable(reason) => unreadable.push(Unreadable {
                    source: att_source,
                    // OCR that found nothing opened the document: only a
                    // document that did not open must be looked at.
                    document: kind.is_document() && !reason.starts_with("scanned image"),
                    reason,
                }),
                Extracted::Ignored => {}
            }
        }
    }
}

/// The values a reply writes on its own lines (`Ersättare: Karin Nyström`),
/// however few: a follow-up to blankett's notice needs no whole form. Only
/// the sender's own text counts, never the quoted notice.
pub fn follow_up_values(mail: &Mail, limits: &Limits) -> RawForm {
    let is_forward = FORWARD_SUBJECT.is_match(&mail.subject);
    mail.bodies
        .iter()
        .map(|body| {
            let text = match body.kind {
                BodyKind::Plain if body.flowed => text::lines::unflow(&body.text, body.delsp),
                BodyKind::Plain => body.text.clone(),
                BodyKind::Html => attach::html::to_text(&body.text),
            };
            let mut lines = text::lines(&text, is_forward);
            lines.truncate(limits.max_lines);
            text::extract(&lines, Pass::Own)
        })
        .max_by_key(|form| form.values.len())
        .unwrap_or_default()
}

/// Reads a text that may hold several forms one after another (a
/// coordinator's mail for three municipalities): split before each
/// `Organisation` label of the sender's own text after the first, and kept
/// split only when every part is a form and they name different
/// organisations. Otherwise the whole text is one form, as `read_text`
/// reads it.
pub fn read_forms(text: &str, is_forward: bool, limits: &Limits) -> Vec<RawForm> {
    let whole = read_text(text, is_forward, limits);
    let mut lines = text::lines(text, is_forward);
    lines.truncate(limits.max_lines);
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.zone == text::Zone::Own)
        .filter(|(_, l)| {
            text::labels::label(&l.text)
                .is_some_and(|lab| lab.kind == crate::form::LabelKind::Field(Key::Organisation))
        })
        .map(|(i, _)| i)
        .collect();
    if starts.len() < 2 {
        return vec![whole];
    }
    let mut bounds = starts.clone();
    bounds[0] = 0;
    bounds.push(lines.len());
    let parts: Vec<RawForm> = bounds
        .windows(2)
        .map(|w| text::extract(&lines[w[0]..w[1]], Pass::Own))
        .collect();
    let names: std::collections::BTreeSet<String> = parts
        .iter()
        .filter_map(|p| p.values.get(&Key::Organisation))
        .map(|n| crate::organisations::normalise(n))
        .collect();
    if parts.iter().all(RawForm::is_form) && names.len() == parts.len() {
        parts
    } else {
        vec![whole]
    }
}

/// Reads a text in passes: the sender's own text first, then inline answers
/// under a reply header, then a forwarder's own text.
pub fn read_text(text: &str, is_forward: bool, limits: &Limits) -> RawForm {
    let mut lines = text::lines(text, is_forward);
    lines.truncate(limits.max_lines);
    let own = text::extract(&lines, Pass::Own);
    if own.is_form() {
        return own;
    }
    for pass in [Pass::UnderReply, Pass::Forwarder] {
        let form = text::extract(&lines, pass);
        if form.is_form() {
            return form;
        }
    }
    own
}

fn judge(c: Candidate, mail: &Mail, ctx: &Context<'_>) -> Report {
    let checked = values::check(&c.form.values);
    let organisation_id = match checked.fields.get(&Key::Organisation) {
        Some(name) => ctx.organisations.match_name(name).map(str::to_string),
        None if !FORWARD_SUBJECT.is_match(&mail.subject) && !c.is_attachment_message() => mail
            .from_domain()
            .and_then(|d| ctx.organisations.by_domain(&d))
            .map(str::to_string),
        None => None,
    };
    let missing: Vec<Key> = ctx
        .required
        .iter()
        .copied()
        .filter(|k| !checked.fields.contains_key(k) && !checked.invalid.contains_key(k))
        .collect();
    let invalid: Vec<InvalidField> = checked
        .invalid
        .values()
        .map(|i| InvalidField {
            field: i.key,
            reason: i.reason.describe().to_string(),
            value: i.raw.clone(),
            code: i.reason.code(),
        })
        .collect();
    let status = if missing.is_empty() && invalid.is_empty() {
        Status::Complete
    } else {
        Status::Incomplete
    };
    let confidence = c
        .confidence
        .iter()
        .filter(|(k, _)| checked.fields.contains_key(k) || checked.invalid.contains_key(k))
        .map(|(k, v)| (*k, *v))
        .collect();
    Report {
        status,
        source: c.source,
        method: Some(c.method),
        fields: checked.fields,
        organisation_id,
        missing,
        invalid,
        reason: None,
        ocr_confidence: confidence,
        more_forms: Vec::new(),
    }
}

impl Candidate {
    /// A form read from an attached message was sent by that message's
    /// author, whose domain we do not see here.
    fn is_attachment_message(&self) -> bool {
        self.is_attachment && matches!(self.method, Method::Text | Method::Html)
    }
}

/// A fingerprint of a picture's bytes, to tell one sent twice: its length
/// and a hash of 64-byte samples spread over it (cheap even for a large
/// photo; two different pictures of the same length differ in the samples).
fn fingerprint(data: &[u8]) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let step = (data.len() / 32).max(64);
    for start in (0..data.len()).step_by(step) {
        data[start..data.len().min(start + 64)].hash(&mut hasher);
    }
    (data.len(), hasher.finish())
}

fn body_text(mail: &Mail) -> String {
    mail.bodies
        .iter()
        .filter(|b| b.kind == BodyKind::Plain)
        .map(|b| b.text.chars().take(4000).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}
