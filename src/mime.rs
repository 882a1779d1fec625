//! Turns message bytes into the parts blankett reads: the headers that
//! classify it, its text and HTML bodies, its attachments and attached
//! messages. Decoding (charsets, transfer encodings, RFC 2047/2231 names) is
//! mail-parser's; this module only picks and bounds. It reads no files.

use crate::limits::Limits;
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

/// A message as blankett needs it.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// Every header, name lower-cased, value as text (decoded where mail-parser
    /// understands it, raw otherwise).
    pub headers: Vec<(String, String)>,
    pub subject: String,
    /// The Date header, as seconds since 1970 (UTC).
    pub date: Option<i64>,
    pub from_address: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The root's content type, e.g. `multipart/report`.
    pub content_type: String,
    pub bodies: Vec<Body>,
    pub attachments: Vec<Attachment>,
    /// Messages attached as message/rfc822, with the part's file name.
    pub attached_messages: Vec<(String, Mail)>,
    /// The machine-readable parts of a delivery report: (content type,
    /// text) of message/delivery-status and text/rfc822-headers parts.
    pub reports: Vec<(String, String)>,
}

/// Which kind of body a text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Plain,
    Html,
}

/// One text body.
#[derive(Debug, Clone)]
pub struct Body {
    pub kind: BodyKind,
    pub text: String,
    /// format=flowed and its delsp parameter.
    pub flowed: bool,
    pub delsp: bool,
}

/// One attached file.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    /// Lower-case `type/subtype`.
    pub content_type: String,
    pub data: Vec<u8>,
    /// Shown inside the body (a signature logo, a phone's photo), not
    /// attached as a file.
    pub inline: bool,
    /// An HTML body of the message shows it by `cid:` (a logo in a
    /// signature, or a photo placed in the text).
    pub referenced: bool,
    /// The declared size was over `limits.max_attachment_bytes`; `data` is empty.
    pub too_large: bool,
    /// The part's Content-ID without angle brackets, lower case.
    pub content_id: Option<String>,
}

impl Mail {
    /// The first value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, by lower-case name, in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The sender's domain, lower-cased.
    pub fn from_domain(&self) -> Option<String> {
        let address = self.from_address.as_deref()?;
        address.rsplit_once('@').map(|(_, d)| d.to_lowercase())
    }
}

/// Reads a message. `None` when the bytes hold no message at all.
pub fn read(bytes: &[u8], limits: &Limits) -> Option<Mail> {
    let message = MessageParser::default().parse(bytes)?;
    if message.headers().is_empty() {
        return None;
    }
    Some(convert(&message, limits, 0))
}

fn convert(message: &Message<'_>, limits: &Limits, depth: usize) -> Mail {
    let mut mail = Mail {
        headers: message
            .headers_raw()
            .map(|(name, value)| (name.to_ascii_lowercase(), decode_header(value)))
            .collect(),
        subject: message.subject().unwrap_or_default().to_string(),
        date: message.date().map(|d| d.to_timestamp()),
        from_address: message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| a.to_lowercase()),
        message_id: message.message_id().map(str::to_string),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        content_type: message
            .root_part()
            .content_type()
            .map(full_type)
            .unwrap_or_else(|| "text/plain".to_string()),
        ..Mail::default()
    };
    for (index, part) in message.parts.iter().enumerate() {
        if index >= limits.max_mime_parts {
            break;
        }
        add_part(&mut mail, part, index == 0, limits, depth);
    }
    mark_referenced(&mut mail);
    mail
}

/// A delivery report's machine-readable part (RFC 3464, RFC 6533).
fn is_report_part(content_type: &str) -> bool {
    matches!(
        content_type,
        "message/delivery-status"
            | "message/global-delivery-status"
            | "text/rfc822-headers"
            | "message/global-headers"
    )
}

/// Marks the attachments an HTML body shows by `cid:`.
fn mark_referenced(mail: &mut Mail) {
    let html: Vec<String> = mail
        .bodies
        .iter()
        .filter(|b| b.kind == BodyKind::Html)
        .map(|b| b.text.to_ascii_lowercase())
        .collect();
    if html.is_empty() {
        return;
    }
    for att in &mut mail.attachments {
        if let Some(id) = &att.content_id {
            let needle = format!("cid:{id}");
            att.referenced = html.iter().any(|h| h.contains(&needle));
        }
    }
}

fn add_part(mail: &mut Mail, part: &MessagePart<'_>, is_root: bool, limits: &Limits, depth: usize) {
    let content_type = part
        .content_type()
        .map(full_type)
        .unwrap_or_else(|| "text/plain".into());
    let disposition_attachment = part
        .content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
    let name = part.attachment_name().map(str::to_string);
    if is_report_part(&content_type) {
        let text = String::from_utf8_lossy(part.contents()).into_owned();
        mail.reports
            .push((content_type, bounded(&text, limits.max_body_chars)));
        return;
    }
    match &part.body {
        PartType::Multipart(_) => {}
        PartType::Text(text)
            if !disposition_attachment && name.is_none()
                || is_root && content_type == "text/plain" =>
        {
            if content_type == "text/plain" {
                let ct = part.content_type();
                let flowed = ct
                    .and_then(|c| c.attribute("format"))
                    .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
                let delsp = ct
                    .and_then(|c| c.attribute("delsp"))
                    .is_some_and(|f| f.eq_ignore_ascii_case("yes"));
                mail.bodies.push(Body {
                    kind: BodyKind::Plain,
                    text: bounded(text, limits.max_body_chars),
                    flowed,
                    delsp,
                });
            }
        }
        PartType::Html(html) if !disposition_attachment && name.is_none() || is_root => {
            mail.bodies.push(Body {
                kind: BodyKind::Html,
                text: bounded(html, limits.max_body_chars),
                flowed: false,
                delsp: false,
            });
        }
        PartType::Message(inner) => {
            let name = name.unwrap_or_else(|| {
                inner
                    .subject()
                    .map_or("message.eml".into(), |s| format!("{s}.eml"))
            });
            if depth < limits.max_message_depth {
                mail.attached_messages
                    .push((name, convert(inner, limits, depth + 1)));
            }
        }
        PartType::Text(_) | PartType::Html(_) | PartType::Binary(_) | PartType::InlineBinary(_) => {
            let data = part.contents();
            let too_large = data.len() > limits.max_attachment_bytes;
            let inline = matches!(part.body, PartType::InlineBinary(_))
                || (part.content_id().is_some() && !disposition_attachment);
            let content_id = part
                .content_id()
                .map(|id| id.trim().trim_matches(['<', '>']).to_ascii_lowercase());
            mail.attachments.push(Attachment {
                name: name.unwrap_or_default(),
                content_type,
                data: if too_large { Vec::new() } else { data.to_vec() },
                inline,
                referenced: false,
                too_large,
                content_id,
            });
        }
    }
}

fn full_type(ct: &mail_parser::ContentType<'_>) -> String {
    match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
        None => ct.ctype().to_ascii_lowercase(),
    }
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Decodes RFC 2047 words in a raw header value and unfolds it. Raw 8-bit
/// bytes have already been read as UTF-8 or Latin-1 by mail-parser.
fn decode_header(raw: &str) -> String {
    let unfolded: String = raw
        .split(['\r', '\n'])
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join(" ");
    let unfolded = unfolded.trim();
    if !unfolded.contains("=?") {
        return unfolded.to_string();
    }
    let wrapped = format!("X: {unfolded}\r\n\r\n");
    MessageParser::new()
        .parse_headers(wrapped.as_bytes())
        .and_then(|m| {
            m.headers()
                .first()
                .and_then(|h| h.value().as_text().map(str::to_string))
        })
        .unwrap_or_else(|| unfolded.to_string())
}

fn bounded(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text.to_string(),
    }
}
