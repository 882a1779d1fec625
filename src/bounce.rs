//! Delivery failures: a bounce (RFC 3464 delivery status notification, as
//! Postfix, Exchange and Microsoft 365 send them) names the addresses that
//! could not be reached, whether for good (5.x.x) or only for now (4.x.x),
//! and the Message-ID of the mail that bounced. Pure: a read message in,
//! the failures out. The desk marks registered addresses undeliverable.

use crate::mime::Mail;
use regex::Regex;
use std::sync::LazyLock;

/// One address a delivery report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The address, lower case.
    pub address: String,
    /// A permanent failure (Action: failed, Status 5.x.x); a delay or a
    /// temporary failure (4.x.x) is not.
    pub permanent: bool,
    /// The server's words (Diagnostic-Code), or the status code.
    pub reason: String,
}

/// What a delivery report says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounce {
    pub failures: Vec<Failure>,
    /// The Message-ID of the mail that could not be delivered, if the report
    /// carries its headers.
    pub original_message_id: Option<String>,
}

impl Bounce {
    /// The addresses that failed for good.
    pub fn permanent(&self) -> impl Iterator<Item = &Failure> {
        self.failures.iter().filter(|f| f.permanent)
    }
}

/// Reads a delivery report; `None` when the message is not one. A report
/// is a `multipart/report` with a delivery-status part (RFC 3464), or, from
/// a mail system's own address (MAILER-DAEMON, postmaster) or marked
/// `Auto-Submitted`, a plain-text bounce as Postfix, Exim and Exchange
/// write them.
pub fn read(mail: &Mail) -> Option<Bounce> {
    let status: Vec<&str> = mail
        .reports
        .iter()
        .filter(|(ct, _)| ct.ends_with("delivery-status"))
        .map(|(_, text)| text.as_str())
        .collect();
    let mut bounce = Bounce::default();
    let mut body_original = None;
    if status.is_empty() {
        if !from_mail_system(mail) {
            return None;
        }
        let text = plain_text(mail);
        let (head, original) = split_original(&text);
        bounce.failures = plain_failures(head);
        if bounce.failures.is_empty() {
            return None;
        }
        body_original = original.and_then(|o| header(o, "message-id"));
    } else {
        for text in status {
            bounce.failures.extend(recipients(text));
        }
    }
    bounce.original_message_id = mail
        .reports
        .iter()
        .filter(|(ct, _)| ct.ends_with("headers"))
        .find_map(|(_, text)| header(text, "message-id"))
        .or_else(|| {
            mail.attached_messages
                .iter()
                .find_map(|(_, m)| m.message_id.clone())
        })
        .or(body_original)
        .or_else(|| mail.in_reply_to.first().cloned())
        .map(|id| id.trim().trim_matches(['<', '>']).to_string())
        .filter(|id| !id.is_empty());
    Some(bounce)
}

/// Mail from a mail system rather than a person: sent from MAILER-DAEMON
/// or postmaster, or marked `Auto-Submitted` (RFC 3834) with a bounce's
/// subject. A person writing about a bounce is none of these.
pub fn from_mail_system(mail: &Mail) -> bool {
    let local = mail
        .from_address
        .as_deref()
        .and_then(|a| a.split('@').next())
        .unwrap_or_default()
        .to_lowercase();
    if matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "mail-daemon"
    ) {
        return true;
    }
    let auto = mail.headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("auto-submitted") && !value.trim().eq_ignore_ascii_case("no")
    });
    auto && BOUNCE_SUBJECT.is_match(&mail.subject)
}

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:undeliverable|undelivered|delivery (?:status|has failed|failure|delayed)|mail delivery failed|returned mail|failure notice|delayed mail|det gick inte att leverera|ej levererbart|olevererbart|leveransen är försenad|kan inte levereras)")
        .expect("bounce subject pattern")
});

/// The bounce's own words: its plain bodies, or its HTML ones as text.
fn plain_text(mail: &Mail) -> String {
    use crate::mime::BodyKind;
    let plain: Vec<&str> = mail
        .bodies
        .iter()
        .filter(|b| b.kind == BodyKind::Plain)
        .map(|b| b.text.as_str())
        .collect();
    if plain.is_empty() {
        mail.bodies
            .iter()
            .map(|b| crate::attach::html::to_text(&b.text))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        plain.join("\n")
    }
}

static ORIGINAL_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^.*(?:headers of the undelivered message|this is a copy of the message|original message headers|ursprungliga meddelanderubriker|undelivered message follows|original message follows|rubriker för det ursprungliga meddelandet).*$")
        .expect("original start pattern")
});

/// The bounce's text, and the quoted original after it (if marked).
fn split_original(text: &str) -> (&str, Option<&str>) {
    match ORIGINAL_START.find(text) {
        Some(m) => (&text[..m.start()], Some(&text[m.end()..])),
        None => (text, None),
    }
}

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^<?([A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?:?(.*)$")
        .expect("address line pattern")
});

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([245])\.\d{1,3}\.\d{1,3}\b|\b([245])\d\d[ -]").expect("status pattern")
});

static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:returned|returnerade)\s*'([^']*)'").expect("quoted reply pattern")
});

/// Failures in a plain-text bounce: each line that is an address alone (as
/// Exim and Exchange list them) or `<address>: the server's words` (as
/// Postfix writes it), with the server's reply on that line or within the
/// next few lines. The class of its status decides: 5 is permanent, 4 (a
/// delay) is not; an address with no status in reach is no failure.
fn plain_failures(text: &str) -> Vec<Failure> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Failure> = Vec::new();
    let indent = |line: &str| line.len() - line.trim_start().len();
    for (i, line) in lines.iter().enumerate() {
        let Some(caps) = ADDRESS.captures(line.trim()) else {
            continue;
        };
        let depth = indent(line);
        let address = caps[1].to_lowercase();
        let rest = caps.get(2).map_or("", |m| m.as_str()).trim();
        // The reply: the rest of the line and what follows, up to a blank
        // line or the next address, joined as one text.
        let mut reply = rest.to_string();
        for next in lines.iter().skip(i + 1).take(8) {
            if next.trim().is_empty() && !reply.is_empty() {
                break;
            }
            // A line indented deeper continues the reply (Postfix and Exim
            // indent it), even when it names the address again.
            if indent(next) <= depth && ADDRESS.is_match(next.trim()) {
                break;
            }
            reply.push(' ');
            reply.push_str(next.trim());
        }
        let reply = reply.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some(status) = STATUS.captures(&reply) else {
            continue;
        };
        let class = status
            .get(1)
            .or_else(|| status.get(2))
            .map_or("", |m| m.as_str());
        let reason = QUOTED
            .captures(&reply)
            .map_or_else(|| reply.clone(), |q| q[1].to_string());
        if out.iter().any(|f| f.address == address) {
            continue;
        }
        out.push(Failure {
            address,
            permanent: class == "5",
            reason: reason.chars().take(300).collect(),
        });
    }
    out
}

/// The per-recipient fields of a delivery-status part: groups of header
/// lines separated by blank lines, the first group being the message's.
fn recipients(text: &str) -> Vec<Failure> {
    let unfolded = unfold(text);
    let mut out = Vec::new();
    for group in unfolded.split("\n\n") {
        let field = |name: &str| header(group, name);
        let Some(recipient) = field("final-recipient").or_else(|| field("original-recipient"))
        else {
            continue;
        };
        let address = recipient
            .split_once(';')
            .map_or(recipient.as_str(), |(_, a)| a)
            .trim()
            .trim_matches(['<', '>'])
            .to_lowercase();
        if !address.contains('@') {
            continue;
        }
        let action = field("action").unwrap_or_default().to_lowercase();
        let status = field("status").unwrap_or_default();
        let permanent = action.trim() == "failed" && !status.trim().starts_with('4');
        let reason = field("diagnostic-code")
            .map(|d| {
                d.split_once(';')
                    .map_or(d.clone(), |(_, r)| r.trim().to_string())
            })
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| format!("status {}", status.trim()));
        out.push(Failure {
            address,
            permanent,
            reason: reason.chars().take(300).collect(),
        });
    }
    out
}

/// Header lines joined with their continuation lines, CRLF as LF.
fn unfold(text: &str) -> String {
    let mut out = String::new();
    for line in text.replace("\r\n", "\n").lines() {
        if line.starts_with([' ', '\t']) && !out.is_empty() && !out.ends_with("\n\n") {
            out.push(' ');
            out.push_str(line.trim());
        } else {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line.trim_end());
        }
    }
    out
}

/// The value of the first header `name` (lower case) in a block of lines.
fn header(block: &str, name: &str) -> Option<String> {
    unfold(block).lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn mail(bytes: &[u8]) -> Mail {
        crate::mime::read(bytes, &Limits::default()).expect("a message")
    }

    #[test]
    fn a_postfix_report_names_the_address_and_the_bounced_mail() {
        let m = mail(include_bytes!("../tests/fixtures/p22-bounce-dsn.eml"));
        let b = read(&m).expect("a delivery report");
        assert_eq!(b.failures.len(), 1);
        let f = &b.failures[0];
        assert_eq!(f.address, "kerstin.ahl@mora.test");
        assert!(f.permanent);
        assert!(f.reason.contains("User unknown"), "{}", f.reason);
        assert_eq!(
            b.original_message_id.as_deref(),
            Some("AM0PR09MB44113C2D9E0F4A1B8C7D6E5F4A3B2C1D0E9FAM0PR09MB4411@AM0PR09MB4411.eurprd09.prod.outlook.com")
        );
    }

    fn report(action: &str, status: &str) -> Vec<u8> {
        format!(
            "From: MAILER-DAEMON@mx.lst.se\r\nTo: strateg@lst.se\r\nSubject: Undeliverable\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nDelivery has failed to these recipients or groups:\r\n\
             --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;EX01.lst.se\r\n\r\n\
             Final-Recipient: rfc822;Erik.Lind@Falun.se\r\nAction: {action}\r\nStatus: {status}\r\n\
             Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found\r\n\
             \r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: strateg@lst.se\r\nTo: erik.lind@falun.se\r\n\
             Message-ID: <blankett.abc@lst.se>\r\nSubject: Hej\r\n\r\nHej\r\n--b--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn an_exchange_report_and_a_delay() {
        let b = read(&mail(&report("failed", "5.1.10"))).expect("a report");
        assert_eq!(b.failures[0].address, "erik.lind@falun.se");
        assert!(b.failures[0].permanent);
        assert!(b.failures[0].reason.contains("Recipient not found"));
        assert_eq!(
            b.original_message_id.as_deref(),
            Some("blankett.abc@lst.se")
        );
        let delayed = read(&mail(&report("delayed", "4.4.7"))).expect("a report");
        assert!(!delayed.failures[0].permanent, "a delay marks nothing");
        assert_eq!(delayed.permanent().count(), 0);
        let odd = read(&mail(&report("failed", "4.4.7"))).expect("a report");
        assert!(
            !odd.failures[0].permanent,
            "a 4.x.x status is never permanent"
        );
    }

    #[test]
    fn ordinary_mail_is_no_report() {
        let m = mail(b"From: a@b.se\r\nTo: c@d.se\r\nSubject: Hej\r\n\r\nHej\r\n");
        assert_eq!(read(&m), None);
    }
}
