//! Builds the bytes of a mail blankett sends: threading headers, its own
//! Message-ID, the headers that stop auto-reply loops, a text and an HTML
//! part, and the original attached for review notices. Uses lettre's builder;
//! sends nothing.

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
        ("Auto-Submitted", "auto-replied"),
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
    let message = match out.original {
        Some(original) => {
            let rfc822 = ContentType::parse("message/rfc822").map_err(|_| BuildError::Address {
                address: "message/rfc822".into(),
                message: "content type".into(),
            })?;
            let attachment: SinglePart =
                Attachment::new("original.eml".to_string()).body(original.to_vec(), rfc822);
            builder.multipart(MultiPart::mixed().multipart(body).singlepart(attachment))?
        }
        None => builder.multipart(body)?,
    };
    Ok(message.formatted())
}

/// A new Message-ID in `domain`, unique from the random part.
pub fn new_message_id(domain: &str) -> String {
    format!(
        "<blankett.{:016x}{:08x}@{domain}>",
        fastrand::u64(..),
        fastrand::u32(..)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime;

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
}
