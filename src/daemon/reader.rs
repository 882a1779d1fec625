//! Reading messages inside the daemon: the organisation list, the required
//! keys, the limits and OCR, shared between the blocking threads that read.

use crate::attach::Ocr;
use crate::form::Key;
use crate::limits::Limits;
use crate::mime::Mail;
use crate::organisations::Organisations;
use crate::parse::{parse_mail, Context};
use crate::report::{Report, Status};

/// Everything reading one message needs.
pub struct Reader {
    pub organisations: Organisations,
    pub required: Vec<Key>,
    pub limits: Limits,
    pub ocr: Option<Box<dyn Ocr + Send + Sync>>,
}

impl Reader {
    /// Reads a message. Bytes that are no message at all are `not_a_form`
    /// with the reason, so they are left alone.
    pub fn read(&self, bytes: &[u8]) -> (Mail, Report) {
        let ctx = Context {
            organisations: &self.organisations,
            required: &self.required,
            limits: &self.limits,
            ocr: self.ocr.as_deref().map(|o| o as &dyn Ocr),
        };
        match parse_mail(bytes, &ctx) {
            Ok(read) => read,
            Err(e) => (
                Mail::default(),
                Report::without_fields(Status::NotAForm, "body", Some(e.to_string())),
            ),
        }
    }
}
