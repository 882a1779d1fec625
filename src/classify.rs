//! Tells automated mail (auto-replies, out-of-office, bounces, read receipts,
//! list traffic) from mail a person sent, by its headers alone. Such mail is
//! never answered. Knows nothing of forms.

use crate::mime::Mail;
use regex::Regex;
use std::sync::LazyLock;

static OUT_OF_OFFICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:automatiskt\s+svar|autosvar|auto(?:matic)?[\s-]*reply|autoreply|frånvaro(?:meddelande)?|out\s+of\s+(?:the\s+)?office|abwesenheitsnotiz|fraværsmelding|poissa)\b",
    )
    .expect("out-of-office pattern")
});

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:undeliverable|undelivered mail|delivery status notification|mail delivery failed|returned mail|olevererbart|det gick inte att leverera|kan inte levereras|read:|läst:|read receipt|läskvitto)",
    )
    .expect("bounce subject pattern")
});

/// Why a message counts as automated, or `None` when a person sent it.
pub fn automated(mail: &Mail) -> Option<&'static str> {
    if let Some(v) = mail.header("auto-submitted") {
        if !v.trim().eq_ignore_ascii_case("no") && !v.trim().is_empty() {
            return Some("Auto-Submitted");
        }
    }
    if mail.header("x-autoreply").is_some()
        || mail.header("x-autorespond").is_some()
        || mail.header("x-autoresponder").is_some()
    {
        return Some("X-Autoreply");
    }
    if let Some(v) = mail.header("precedence") {
        let v = v.trim().to_ascii_lowercase();
        if ["bulk", "list", "junk", "auto_reply"].contains(&v.as_str()) {
            return Some("Precedence");
        }
    }
    if mail.header("list-id").is_some() || mail.header("list-post").is_some() {
        return Some("List-Id");
    }
    if mail.content_type == "multipart/report" {
        return Some("multipart/report");
    }
    if let Some(v) = mail
        .header("x-ms-exchange-inbox-rules-loop")
        .or(mail.header("x-ms-exchange-generated-message-source"))
    {
        if !v.is_empty() {
            return Some("Exchange-generated");
        }
    }
    if mail.header("return-path").map(str::trim) == Some("<>") {
        return Some("null sender");
    }
    if let Some(from) = &mail.from_address {
        let local = from.split('@').next().unwrap_or("");
        // Only the mail system's own senders: a copier's scan-to-email often
        // comes from `noreply@` and is a person's form.
        if ["mailer-daemon", "postmaster"]
            .iter()
            .any(|l| local.eq_ignore_ascii_case(l))
        {
            return Some("system sender");
        }
    } else if mail
        .header("from")
        .is_none_or(|f| f.trim().is_empty() || f.trim() == "<>")
    {
        return Some("no sender");
    }
    if OUT_OF_OFFICE.is_match(&mail.subject) {
        return Some("out-of-office subject");
    }
    if BOUNCE_SUBJECT.is_match(&mail.subject) {
        return Some("delivery report subject");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &[(&str, &str)], subject: &str) -> Mail {
        Mail {
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            subject: subject.into(),
            from_address: Some("anna@falun.se".into()),
            content_type: "text/plain".into(),
            ..Mail::default()
        }
    }

    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, bool);

    #[test]
    fn automated_mail_is_recognised() {
        let cases: &[Case<'_>] = &[
            (&[("auto-submitted", "auto-replied")], "x", true),
            (&[("auto-submitted", "no")], "x", false),
            (&[("precedence", "bulk")], "x", true),
            (&[("list-id", "<a.b>")], "x", true),
            (&[("x-autoreply", "yes")], "x", true),
            (&[], "Automatiskt svar: Blankett", true),
            (&[], "Autosvar: Blankett", true),
            (&[], "Frånvaro: tjänstledig", true),
            (&[], "Out of Office: Blankett", true),
            (&[], "SV: Blankett", false),
            (
                &[("x-mailer", "KONICA MINOLTA bizhub C300i")],
                "Underskriven blankett",
                false,
            ),
            (&[], "Blankett från Ledighetsgruppen", false),
        ];
        for (headers, subject, want) in cases {
            assert_eq!(
                automated(&mail(headers, subject)).is_some(),
                *want,
                "{headers:?} {subject}"
            );
        }
    }

    #[test]
    fn a_copier_sending_from_noreply_is_a_person_s_form() {
        let mut m = mail(&[], "Skannat dokument");
        m.from_address = Some("noreply@falun.se".into());
        assert_eq!(automated(&m), None);
        m.from_address = Some("MAILER-DAEMON@mx.falun.se".into());
        assert!(automated(&m).is_some());
    }
}
