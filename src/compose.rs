//! Writes blankett's mail: renders the Swedish templates (`templates/`) for
//! an answer into a subject, a text part and an HTML part. Template sources
//! come in as strings (the edge reads the folder, or the copies built into
//! the binary are used), so rendering is pure.

use crate::decide::{AnswerKind, ReviewReason};
use crate::form::Key;
use crate::mime::Mail;
use crate::organisations::Organisations;
use crate::report::{Method, Report};
use minijinja::value::Serde;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

/// The templates built into the binary, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("macros.j2", include_str!("../templates/macros.j2")),
    (
        "confirmation.subject",
        include_str!("../templates/confirmation.subject"),
    ),
    (
        "confirmation.txt",
        include_str!("../templates/confirmation.txt"),
    ),
    (
        "confirmation.html",
        include_str!("../templates/confirmation.html"),
    ),
    (
        "incomplete.subject",
        include_str!("../templates/incomplete.subject"),
    ),
    (
        "incomplete.txt",
        include_str!("../templates/incomplete.txt"),
    ),
    (
        "incomplete.html",
        include_str!("../templates/incomplete.html"),
    ),
    (
        "receipt.subject",
        include_str!("../templates/receipt.subject"),
    ),
    ("receipt.txt", include_str!("../templates/receipt.txt")),
    ("receipt.html", include_str!("../templates/receipt.html")),
    (
        "review_notice.subject",
        include_str!("../templates/review_notice.subject"),
    ),
    (
        "review_notice.txt",
        include_str!("../templates/review_notice.txt"),
    ),
    (
        "review_notice.html",
        include_str!("../templates/review_notice.html"),
    ),
    (
        "rate_limited.subject",
        include_str!("../templates/rate_limited.subject"),
    ),
    (
        "rate_limited.txt",
        include_str!("../templates/rate_limited.txt"),
    ),
    (
        "rate_limited.html",
        include_str!("../templates/rate_limited.html"),
    ),
    (
        "no_change.subject",
        include_str!("../templates/no_change.subject"),
    ),
    ("no_change.txt", include_str!("../templates/no_change.txt")),
    (
        "no_change.html",
        include_str!("../templates/no_change.html"),
    ),
    (
        "person_registered.subject",
        include_str!("../templates/person_registered.subject"),
    ),
    (
        "person_registered.txt",
        include_str!("../templates/person_registered.txt"),
    ),
    (
        "person_registered.html",
        include_str!("../templates/person_registered.html"),
    ),
    (
        "person_replaced.subject",
        include_str!("../templates/person_replaced.subject"),
    ),
    (
        "person_replaced.txt",
        include_str!("../templates/person_replaced.txt"),
    ),
    (
        "person_replaced.html",
        include_str!("../templates/person_replaced.html"),
    ),
    (
        "change_notice.subject",
        include_str!("../templates/change_notice.subject"),
    ),
    (
        "change_notice.txt",
        include_str!("../templates/change_notice.txt"),
    ),
    (
        "change_notice.html",
        include_str!("../templates/change_notice.html"),
    ),
    (
        "review_done.subject",
        include_str!("../templates/review_done.subject"),
    ),
    (
        "review_done.txt",
        include_str!("../templates/review_done.txt"),
    ),
    (
        "review_done.html",
        include_str!("../templates/review_done.html"),
    ),
    (
        "refused.subject",
        include_str!("../templates/refused.subject"),
    ),
    ("refused.txt", include_str!("../templates/refused.txt")),
    ("refused.html", include_str!("../templates/refused.html")),
    (
        "reminder.subject",
        include_str!("../templates/reminder.subject"),
    ),
    ("reminder.txt", include_str!("../templates/reminder.txt")),
    ("reminder.html", include_str!("../templates/reminder.html")),
    (
        "digest.subject",
        include_str!("../templates/digest.subject"),
    ),
    ("digest.txt", include_str!("../templates/digest.txt")),
    ("digest.html", include_str!("../templates/digest.html")),
    (
        "outage.subject",
        include_str!("../templates/outage.subject"),
    ),
    ("outage.txt", include_str!("../templates/outage.txt")),
    ("outage.html", include_str!("../templates/outage.html")),
    (
        "several.subject",
        include_str!("../templates/several.subject"),
    ),
    ("several.txt", include_str!("../templates/several.txt")),
    ("several.html", include_str!("../templates/several.html")),
    (
        "request.subject",
        include_str!("../templates/request.subject"),
    ),
    ("request.txt", include_str!("../templates/request.txt")),
    ("request.html", include_str!("../templates/request.html")),
    (
        "confirmed.subject",
        include_str!("../templates/confirmed.subject"),
    ),
    ("confirmed.txt", include_str!("../templates/confirmed.txt")),
    (
        "confirmed.html",
        include_str!("../templates/confirmed.html"),
    ),
    (
        "undeliverable.subject",
        include_str!("../templates/undeliverable.subject"),
    ),
    (
        "undeliverable.txt",
        include_str!("../templates/undeliverable.txt"),
    ),
    (
        "undeliverable.html",
        include_str!("../templates/undeliverable.html"),
    ),
    (
        "requests_sent.subject",
        include_str!("../templates/requests_sent.subject"),
    ),
    (
        "requests_sent.txt",
        include_str!("../templates/requests_sent.txt"),
    ),
    (
        "requests_sent.html",
        include_str!("../templates/requests_sent.html"),
    ),
    (
        "form_heading.txt",
        include_str!("../templates/form_heading.txt"),
    ),
    (
        "impersonation.subject",
        include_str!("../templates/impersonation.subject"),
    ),
    (
        "impersonation.txt",
        include_str!("../templates/impersonation.txt"),
    ),
    (
        "impersonation.html",
        include_str!("../templates/impersonation.html"),
    ),
];

/// A template that does not compile or render.
#[derive(Debug, Error)]
#[error("template {name}: {message}; fix the file in the templates folder (templates/README.md lists the variables)")]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

/// `[group]`: who the mail speaks for, so that another county's group runs
/// blankett by changing the configuration, not the templates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupConfig {
    /// The group's name, as people know it.
    pub name: String,
    /// Who convenes it.
    pub convener: String,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            name: "Länsgrupp Mäns våld mot kvinnor och våld i nära relationer".into(),
            convener: "Länsstyrelsen Dalarna".into(),
        }
    }
}

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

/// One rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A value as the templates see it.
#[derive(Debug, Clone, Serialize)]
struct Item {
    key: &'static str,
    label: &'static str,
    form_label: &'static str,
    value: String,
    /// The value's lines, for HTML (`<br>` between them).
    lines: Vec<String>,
    code: &'static str,
}

impl Templates {
    /// Compiles templates; `overrides` (file name to source) replace the
    /// built-in ones of the same name.
    pub fn new(overrides: &BTreeMap<String, String>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        for (name, builtin) in BUILTIN {
            let source = overrides
                .get(*name)
                .cloned()
                .unwrap_or_else(|| builtin.to_string());
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| TemplateError {
                    name: name.to_string(),
                    message: e.to_string(),
                })?;
        }
        let mut templates = Templates { env };
        templates.set_group(&GroupConfig::default());
        templates.set_notices(true, true);
        Ok(templates)
    }

    /// Whether newly named and replaced people are told
    /// (`[answers] notify_registered`, `notify_replaced`), which templates
    /// see as `tell_registered` and `tell_replaced`.
    pub fn set_notices(&mut self, registered: bool, replaced: bool) {
        self.env.add_global("tell_registered", registered);
        self.env.add_global("tell_replaced", replaced);
    }

    /// The group's name and convener, which every template sees as
    /// `group_name` and `convener`.
    pub fn set_group(&mut self, group: &GroupConfig) {
        self.env.add_global("group_name", group.name.clone());
        self.env.add_global("convener", group.convener.clone());
    }

    /// The built-in templates.
    pub fn builtin() -> Self {
        Self::new(&BTreeMap::new()).expect("the built-in templates compile")
    }

    /// Renders one kind of mail with its variables.
    pub fn render(&self, kind: AnswerKind, vars: &Value) -> Result<Rendered, TemplateError> {
        self.render_named(kind.template(), vars)
    }

    /// Renders one template file (`form_heading.txt`).
    pub fn render_file(&self, name: &str, vars: &Value) -> Result<String, TemplateError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(vars))
            .map_err(|e| TemplateError {
                name: name.to_string(),
                message: format!("{e:#}"),
            })
    }

    /// Renders the three templates `STEM.subject`, `STEM.txt` and `STEM.html`
    /// (the digest's, say) with its variables.
    pub fn render_named(&self, stem: &str, vars: &Value) -> Result<Rendered, TemplateError> {
        let render = |ext: &str| {
            let name = format!("{stem}.{ext}");
            self.env
                .get_template(&name)
                .and_then(|t| t.render(vars))
                .map_err(|e| TemplateError {
                    name: name.clone(),
                    message: format!("{e:#}"),
                })
        };
        let subject = render("subject")?
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject: subject.trim().to_string(),
            text: render("txt")?,
            html: render("html")?,
        })
    }
}

/// What some templates need besides the message and its report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra<'a> {
    /// For notices to people: `representative` or `substitute`.
    pub role: Option<&'static str>,
    /// What changed on the roster: (key, before, after).
    pub changes: &'a [(Key, Option<String>, Option<String>)],
    /// How a review was resolved.
    pub resolution: Option<&'static str>,
    /// The organisation's registration as it stands (for a review notice:
    /// what accepting would replace).
    pub current: Option<&'a BTreeMap<Key, String>>,
}

/// A change as the templates see it.
#[derive(Debug, Clone, Serialize)]
struct Change {
    key: &'static str,
    label: &'static str,
    before: Option<String>,
    after: Option<String>,
}

/// The variables every template receives (templates/README.md lists them).
pub fn variables(
    mail: &Mail,
    report: &Report,
    organisations: &Organisations,
    reference: &str,
    review: Option<ReviewReason>,
    limit: u32,
    extra: &Extra<'_>,
) -> Value {
    let changes: Vec<Change> = extra
        .changes
        .iter()
        .map(|(k, before, after)| Change {
            key: k.as_str(),
            label: k.form_label(),
            before: before.clone(),
            after: after.clone(),
        })
        .collect();
    let listed = report
        .organisation_id
        .as_deref()
        .and_then(|id| organisations.get(id))
        .map(|o| o.name.clone());
    // The organisation by the list's name; the written one is
    // `organisation_written`, for where it helps.
    let fields: Vec<Item> = report
        .fields
        .iter()
        .map(|(k, v)| match (k, &listed) {
            (Key::Organisation, Some(name)) => item(*k, name.clone(), ""),
            _ => item(*k, v.clone(), ""),
        })
        .collect();
    let missing: Vec<Item> = report
        .missing
        .iter()
        .map(|k| item(*k, String::new(), ""))
        .collect();
    let invalid: Vec<Item> = report
        .invalid
        .iter()
        .map(|i| item(i.field, i.value.clone(), i.code))
        .collect();
    let organisation = report
        .organisation_id
        .as_deref()
        .and_then(|id| organisations.get(id))
        .map(|o| o.name.clone())
        .or_else(|| report.fields.get(&Key::Organisation).cloned())
        .unwrap_or_default();
    let subject = strip_reply_prefix(&mail.subject);
    let sender = mail.from_address.clone().unwrap_or_default();
    // The name as the sender wrote it, where it differs from the list's.
    let written = report
        .fields
        .get(&Key::Organisation)
        .filter(|w| {
            crate::organisations::normalise(w) != crate::organisations::normalise(&organisation)
        })
        .cloned();
    let current: Vec<Item> = extra
        .current
        .map(|fields| {
            fields
                .iter()
                .map(|(k, v)| item(*k, v.clone(), ""))
                .collect()
        })
        .unwrap_or_default();
    let first_registration =
        !extra.changes.is_empty() && extra.changes.iter().all(|(_, before, _)| before.is_none());
    context! {
        subject => subject,
        sender => sender.clone(),
        recipient => sender,
        organisation => organisation,
        organisation_id => report.organisation_id.clone(),
        status => report.status.as_str(),
        source => report.source.clone(),
        fields => Value::from(Serde(fields)),
        missing => Value::from(Serde(missing)),
        invalid => Value::from(Serde(invalid)),
        reference => reference,
        reason => review.map(ReviewReason::code),
        limit => limit,
        role => extra.role,
        changes => Value::from(Serde(changes)),
        first_registration => first_registration,
        resolution => extra.resolution,
        source_text => source_text(&report.source, report.method),
        organisation_written => written,
        current => Value::from(Serde(current)),
    }
}

/// What a request letter says, besides the group's name.
#[derive(Debug, Clone, Copy)]
pub struct Letter<'a> {
    pub purpose: crate::upkeep::Purpose,
    /// The organisation by the list's name.
    pub organisation: &'a str,
    /// What the roster holds (for a request: what the reply completes).
    pub fields: &'a BTreeMap<Key, String>,
    /// For an address that bounced: which one.
    pub about: Option<About<'a>>,
    /// Everyone the letter goes to.
    pub recipients: &'a [String],
    pub reference: &'a str,
    /// 0 for the letter itself, then the reminder's number.
    pub reminder: u32,
    /// For the yearly check: when the values were last registered or confirmed.
    pub since: Option<&'a str>,
}

/// An address that mail no longer reaches, as a letter names it.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub address: &'a str,
    /// The server's words.
    pub reason: &'a str,
    /// `representative` or `substitute`.
    pub role: &'static str,
    /// Who holds the seat.
    pub name: Option<&'a str>,
}

/// The variables of a request letter (`request.*`) and of the form's
/// heading (`form_heading.txt`).
pub fn letter_variables(letter: &Letter<'_>) -> Value {
    let fields: Vec<Item> = Key::ALL
        .iter()
        .filter_map(|k| letter.fields.get(k).map(|v| item(*k, v.clone(), "")))
        .collect();
    let blank: Vec<Item> = Key::ALL
        .iter()
        .map(|k| item(*k, letter.fields.get(k).cloned().unwrap_or_default(), ""))
        .collect();
    context! {
        purpose => letter.purpose.as_str(),
        organisation => letter.organisation,
        fields => Value::from(Serde(fields)),
        blank => Value::from(Serde(blank)),
        about => letter.about.map(|a| a.address),
        about_reason => letter.about.map(|a| a.reason),
        about_role => letter.about.map(|a| a.role),
        about_name => letter.about.and_then(|a| a.name),
        recipients => letter.recipients.to_vec(),
        others => letter.recipients.len() > 1,
        reference => letter.reference,
        reminder => letter.reminder,
        since => letter.since,
        registered => letter.fields.keys().any(|k| *k != Key::Organisation),
    }
}

/// Where and how a form was read, in plain Swedish: "i meddelandetexten",
/// "i den bifogade filen Blankett.docx", "i den bifogade bilden IMG_1.jpg,
/// en inskannad bild som lästes med textigenkänning".
pub fn source_text(source: &str, method: Option<Method>) -> String {
    match (source.strip_prefix("attachment:"), method) {
        (Some(name), Some(Method::Ocr)) => {
            format!("i den bifogade filen {name}, en inskannad bild som lästes med textigenkänning")
        }
        (Some(name), _) => format!("i den bifogade filen {name}"),
        (None, Some(Method::Ocr)) => {
            "i en inskannad bild som lästes med textigenkänning".to_string()
        }
        (None, _) => "i meddelandetexten".to_string(),
    }
}

fn item(key: Key, value: String, code: &'static str) -> Item {
    Item {
        key: key.as_str(),
        label: key.form_label(),
        form_label: key.reply_label(),
        lines: value.lines().map(str::to_string).collect(),
        value,
        code,
    }
}

/// The subject without the `Re:`/`SV:` prefixes answers would stack up.
pub fn strip_reply_prefix(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let cut = ["re:", "sv:", "aw:", "vs:", "ang:", "antw:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => return s.to_string(),
        }
    }
}

/// A short code that people can quote: `BL-` and six letters or digits,
/// derived from the message's identity.
pub fn reference(identity: &str) -> String {
    // FNV-1a: stable across versions and machines, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in identity.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let code: String = (0..6)
        .map(|i| ALPHABET[((hash >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("BL-{code}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    fn report() -> Report {
        let mut r = Report::without_fields(Status::Incomplete, "body", None);
        r.fields.insert(Key::Organisation, "Falun kommun".into());
        r.fields
            .insert(Key::InternalChannels, "APT\nIntranät <b>".into());
        r.organisation_id = Some("falu-kommun".into());
        r.missing = vec![Key::SubstituteName, Key::SubstituteEmail];
        r
    }

    #[test]
    fn every_kind_renders_in_swedish() {
        let t = Templates::builtin();
        let mail = Mail {
            subject: "SV: Blankett".into(),
            from_address: Some("anna@falun.se".into()),
            ..Mail::default()
        };
        let orgs = Organisations::builtin();
        let changes = vec![(
            Key::SubstituteName,
            Some("Erik".to_string()),
            Some("Karin".to_string()),
        )];
        let extra = Extra {
            current: None,
            role: Some("substitute"),
            changes: &changes,
            resolution: Some("accepted"),
        };
        let vars = variables(
            &mail,
            &report(),
            &orgs,
            "BL-ABC234",
            Some(ReviewReason::Unreadable),
            5,
            &extra,
        );
        for kind in [
            AnswerKind::Confirmation,
            AnswerKind::Incomplete,
            AnswerKind::Receipt,
            AnswerKind::ReviewNotice,
            AnswerKind::RateLimited,
            AnswerKind::NoChange,
            AnswerKind::PersonRegistered,
            AnswerKind::PersonReplaced,
            AnswerKind::ChangeNotice,
            AnswerKind::ReviewDone,
            AnswerKind::Refused,
            AnswerKind::Reminder,
        ] {
            let r = t.render(kind, &vars).expect("renders");
            assert!(
                !r.subject.is_empty() && !r.subject.contains('\n'),
                "{kind:?}"
            );
            assert!(r.text.contains("BL-ABC234"), "{kind:?}: {}", r.text);
            assert!(r.html.contains("BL-ABC234"), "{kind:?}");
        }
        let r = t.render(AnswerKind::Incomplete, &vars).expect("renders");
        assert_eq!(r.subject, "Re: Blankett [BL-ABC234]");
        assert!(r.text.contains("- Ersättare\n"), "{}", r.text);
        assert!(r.text.contains("Ersättarens mejladress: ..."), "{}", r.text);
        let r = t.render(AnswerKind::Confirmation, &vars).expect("renders");
        assert!(r.text.contains("Falu kommun"), "{}", r.text);
        assert!(r.html.contains("APT<br>Intranät &lt;b&gt;"), "{}", r.html);
        let r = t.render(AnswerKind::ChangeNotice, &vars).expect("renders");
        assert!(r.text.contains("Ersättare: Erik -> Karin"), "{}", r.text);
        let r = t
            .render(AnswerKind::PersonReplaced, &vars)
            .expect("renders");
        assert!(r.subject.contains("ersättare"), "{}", r.subject);
    }

    #[test]
    fn a_broken_override_names_the_file() {
        let overrides = BTreeMap::from([("receipt.txt".to_string(), "{% if %}".to_string())]);
        let err = Templates::new(&overrides).err().expect("does not compile");
        assert!(err.to_string().contains("receipt.txt"));
    }

    #[test]
    fn references_are_stable_and_short() {
        assert_eq!(reference("<a@b>"), reference("<a@b>"));
        assert_ne!(reference("<a@b>"), reference("<a@c>"));
        assert_eq!(reference("x").len(), 9);
        assert_eq!(strip_reply_prefix("SV: Re: Blankett"), "Blankett");
    }
}
