//! Builds the bytes of a mail blankett sends: threading headers, its own
//! Message-ID, the headers that stop auto-reply loops, a text and an HTML
//! part, the original attached for review notices, and files attached to
//! the digest. Uses lettre's builder; sends nothing.

use crate::compose::Rendered;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use thiserror::Error;

/// The header blankett puts on everything it sends; mail carrying it (with
/// this installation's token) is blankett's own and is never answered.
pub const MARKER_HEADER: &str = "X-Blankett-Loop";

/// A mail that cannot be built.
#[derive(Debug, Error)]
pub enum BuildError {
    #[error("invalid address `{address}`: {message}")]
    Address { address: String, message: String },
    #[error("cannot build the mail: {0}")]
    Build(#[from] lettre::error::Error),
}

/// What threads an answer to the message it answers.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    pub message_id: Option<String>,
    pub references: Vec<String>,
}

/// Everything needed to build one mail.
pub struct Outgoing<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub rendered: &'a Rendered,
    pub message_id: &'a str,
    pub thread: &'a Thread,
    pub marker: &'a str,
    /// The original message, attached as `message/rfc822`.
    pub original: Option<&'a [u8]>,
}

/// A file attached to a mail (the digest's workbook and CSV).
#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    pub name: &'a str,
    /// The MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// What a mail is, for `Auto-Submitted` (RFC 3834).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An answer to a message: `auto-replied`.
    Reply,
    /// Sent on blankett's own account, such as the digest: `auto-generated`.
    Generated,
}

fn mailbox(address: &str) -> Result<Mailbox, BuildError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| BuildError::Address {
            address: address.to_string(),
            message: e.to_string(),
        })
}

fn angle(id: &str) -> String {
    let id = id.trim();
    if id.starts_with('<') {
        id.to_string()
    } else {
        format!("<{id}>")
    }
}

/// Builds the mail's bytes, ready for SMTP.
pub fn build(out: &Outgoing<'_>) -> Result<Vec<u8>, BuildError> {
    build_with(out, Origin::Reply, &[])
}

/// Builds the mail's bytes with `files` attached after the text and HTML.
pub fn build_with(
    out: &Outgoing<'_>,
    origin: Origin,
    files: &[File<'_>],
) -> Result<Vec<u8>, BuildError> {
    let auto_submitted = match origin {
        Origin::Reply => "auto-replied",
        Origin::Generated => "auto-generated",
    };
    let mut builder = Message::builder()
        .from(mailbox(out.from)?)
        .to(mailbox(out.to)?)
        .subject(out.rendered.subject.clone())
        .message_id(Some(angle(out.message_id)));
    if let Some(parent) = &out.thread.message_id {
        builder = builder.in_reply_to(angle(parent));
        let mut refs: Vec<String> = out.thread.references.iter().map(|r| angle(r)).collect();
        refs.push(angle(parent));
        refs.dedup();
        builder = builder.references(refs.join(" "));
    }
    for (name, value) in [
        ("Auto-Submitted", auto_submitted),
        ("X-Auto-Response-Suppress", "All"),
        (MARKER_HEADER, out.marker),
    ] {
        let name =
            HeaderName::new_from_ascii(name.to_string()).map_err(|_| BuildError::Address {
                address: name.to_string(),
                message: "not a header name".into(),
            })?;
        builder = builder.raw_header(HeaderValue::new(name, value.to_string()));
    }
    let body =
        MultiPart::alternative_plain_html(out.rendered.text.clone(), out.rendered.html.clone());
    let mut parts: Vec<SinglePart> = Vec::new();
    if let Some(original) = out.original {
        parts.push(original_part(original)?);
    }
    for file in files {
        parts.push(
            Attachment::new(file.name.to_string())
                .body(file.bytes.to_vec(), content_type(file.content_type)?),
        );
    }
    let message = if parts.is_empty() {
        builder.multipart(body)?
    } else {
        let mixed = parts
            .into_iter()
            .fold(MultiPart::mixed().multipart(body), |m, p| m.singlepart(p));
        builder.multipart(mixed)?
    };
    Ok(message.formatted())
}

/// The original message, attached so that any mail client opens it. RFC
/// 2046 allows a message/rfc822 part only in 7bit or 8bit (or binary), never
/// quoted-printable or base64: when its lines fit (at most 998 bytes), it is
/// attached as message/rfc822 in 7bit or 8bit; otherwise as a file,
/// `original.eml` in base64, which mail clients still open as a message.
fn original_part(original: &[u8]) -> Result<SinglePart, BuildError> {
    use lettre::message::header::{ContentDisposition, ContentTransferEncoding};
    use lettre::message::Body;
    let mut bytes = original.to_vec();
    if !bytes.ends_with(b"\n") {
        bytes.extend_from_slice(b"\r\n");
    }
    // 8bit (RFC 2045): lines of at most 998 bytes ending in CRLF, no NUL.
    let fits = bytes
        .split(|b| *b == b'\n')
        .all(|line| line.len() <= 999 && !line.contains(&0))
        && bytes.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r')
        && bytes.first() != Some(&b'\n');
    Ok(if fits {
        let encoding = if bytes.is_ascii() {
            ContentTransferEncoding::SevenBit
        } else {
            ContentTransferEncoding::EightBit
        };
        SinglePart::builder()
            .header(content_type("message/rfc822")?)
            .header(ContentDisposition::attachment("original.eml"))
            .body(Body::dangerous_pre_encoded(bytes, encoding))
    } else {
        Attachment::new("original.eml".to_string())
            .body(Body::new(bytes), content_type("application/octet-stream")?)
    })
}

fn content_type(text: &str) -> Result<ContentType, BuildError> {
    ContentType::parse(text).map_err(|_| BuildError::Address {
        address: text.to_string(),
        message: "not a content type".into(),
    })
}

/// A new Message-ID in `domain`, unique from the random part.
///
/// The Message-ID carries 128 bits from the operating system's random
/// source: a review notice's Message-ID is what an answer must name to
/// resolve the review, so nobody may guess it from the IDs of the answers
/// they received.
pub fn new_message_id(domain: &str) -> String {
    let mut token = [0u8; 16];
    // The OS source does not fail on the systems blankett runs on; should
    // it, the answer still gets an ID (and cannot resolve anything alone,
    // since resolving also needs the strategist's authentication).
    if getrandom::getrandom(&mut token).is_err() {
        token[..8].copy_from_slice(&fastrand::u64(..).to_le_bytes());
        token[8..].copy_from_slice(&fastrand::u64(..).to_le_bytes());
    }
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    format!("<blankett.{hex}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime;

    fn with_original(original: &[u8]) -> Vec<u8> {
        let rendered = Rendered {
            subject: "Granska".into(),
            text: "Hej".into(),
            html: "<p>Hej</p>".into(),
        };
        build(&Outgoing {
            from: "Länsgruppen <strateg@lst.se>",
            to: "strateg@lst.se",
            rendered: &rendered,
            message_id: "<x@lst.se>",
            thread: &Thread::default(),
            marker: "token",
            original: Some(original),
        })
        .expect("builds")
    }

    #[test]
    fn the_original_reads_back_as_a_message() {
        let original = "From: Anna <anna@falun.se>\r\nTo: s@lst.se\r\nSubject: Blankett länsgrupp\r\n\
            MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
            Organisation: Falu kommun\r\nErsättare: Åsa Öberg\r\n";
        let bytes = with_original(original.as_bytes());
        let text = String::from_utf8_lossy(&bytes);
        let part = &text[text
            .find("Content-Type: message/rfc822")
            .unwrap_or_else(|| panic!("{text}"))..];
        let headers = &part[..part.find("\r\n\r\n").expect("headers end")];
        assert!(
            !headers.contains("quoted-printable") && !headers.contains("base64"),
            "{headers}"
        );
        // A standard parser finds the attached message's subject and body.
        let mail = mime::read(&bytes, &crate::limits::Limits::default()).expect("parses");
        let (_, inner) = &mail.attached_messages[0];
        assert_eq!(inner.subject, "Blankett länsgrupp");
        assert!(inner.bodies[0].text.contains("Ersättare: Åsa Öberg"));
    }

    #[test]
    fn an_original_with_overlong_lines_is_attached_as_a_file() {
        let long = "x".repeat(2000);
        let original = format!("From: a@b.se\r\nSubject: Lång\r\n\r\n{long}\r\n");
        let bytes = with_original(original.as_bytes());
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("message/rfc822"),
            "not a message part in base64"
        );
        let mail = mime::read(&bytes, &crate::limits::Limits::default()).expect("parses");
        let file = mail
            .attachments
            .iter()
            .find(|a| a.name == "original.eml")
            .expect("the file");
        assert!(String::from_utf8_lossy(&file.data).contains(&long));
    }

    #[test]
    fn answers_thread_and_carry_the_loop_headers() {
        let rendered = Rendered {
            subject: "Re: Blankett länsgrupp".into(),
            text: "Hej!\nTack.".into(),
            html: "<p>Hej!</p>".into(),
        };
        let thread = Thread {
            message_id: Some("<orig@falun.se>".into()),
            references: vec!["<first@lst.se>".into()],
        };
        let bytes = build(&Outgoing {
            from: "Länsgruppen MVK <strateg@lst.se>",
            to: "anna@falun.se",
            rendered: &rendered,
            message_id: "<a1@lst.se>",
            thread: &thread,
            marker: "token",
            original: Some(b"From: a@b\r\nSubject: x\r\n\r\nhej\r\n"),
        })
        .expect("builds");
        let mail = mime::read(&bytes, &crate::limits::Limits::default()).expect("parses");
        assert_eq!(mail.header("auto-submitted"), Some("auto-replied"));
        assert_eq!(mail.header("x-auto-response-suppress"), Some("All"));
        assert_eq!(mail.header("x-blankett-loop"), Some("token"));
        assert_eq!(mail.message_id.as_deref(), Some("a1@lst.se"));
        assert_eq!(mail.in_reply_to, vec!["orig@falun.se".to_string()]);
        assert_eq!(
            mail.references,
            vec!["first@lst.se".to_string(), "orig@falun.se".to_string()]
        );
        assert_eq!(mail.subject, "Re: Blankett länsgrupp");
        assert_eq!(mail.attached_messages.len(), 1);
    }

    #[test]
    fn files_are_attached_to_generated_mail() {
        let rendered = Rendered {
            subject: "Sammanställning".into(),
            text: "Hej!".into(),
            html: "<p>Hej!</p>".into(),
        };
        let bytes = build_with(
            &Outgoing {
                from: "strateg@lst.se",
                to: "strateg@lst.se",
                rendered: &rendered,
                message_id: "<d1@lst.se>",
                thread: &Thread::default(),
                marker: "token",
                original: None,
            },
            Origin::Generated,
            &[File {
                name: "lista.csv",
                content_type: "text/csv; charset=utf-8",
                bytes: "Organisation;Ersättare\r\n".as_bytes(),
            }],
        )
        .expect("builds");
        let mail = mime::read(&bytes, &crate::limits::Limits::default()).expect("parses");
        assert_eq!(mail.header("auto-submitted"), Some("auto-generated"));
        assert_eq!(mail.in_reply_to, Vec::<String>::new());
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].name, "lista.csv");
        assert_eq!(
            mail.attachments[0].data,
            "Organisation;Ersättare\r\n".as_bytes()
        );
    }
}
