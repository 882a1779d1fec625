//! Delivery failures: a bounce (RFC 3464 delivery status notification, as
//! Postfix, Exchange and Microsoft 365 send them) names the addresses that
//! could not be reached, whether for good (5.x.x) or only for now (4.x.x),
//! and the Message-ID of the mail that bounced. Pure: a read message in,
//! the failures out. The desk marks registered addresses undeliverable.

use crate::mime::Mail;

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

/// Reads a delivery report; `None` when the message is not one.
pub fn read(mail: &Mail) -> Option<Bounce> {
    let status: Vec<&str> = mail
        .reports
        .iter()
        .filter(|(ct, _)| ct.ends_with("delivery-status"))
        .map(|(_, text)| text.as_str())
        .collect();
    if status.is_empty() {
        return None;
    }
    let mut bounce = Bounce::default();
    for text in status {
        bounce.failures.extend(recipients(text));
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
        .map(|id| id.trim().trim_matches(['<', '>']).to_string());
    Some(bounce)
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
