//! Attachments: decides what each attached file is by its bytes (not its
//! declared type), unpacks the files in Outlook's winmail.dat, and turns the
//! ones that can hold a form into text or named fields. Each reader is
//! bounded by `Limits` and runs under `catch_unwind`, so a broken or hostile
//! file gives `Unreadable`, never a crash.

pub mod doc;
pub mod docx;
pub mod html;
pub mod image;
pub mod ocr;
mod ocr_run;
mod ocr_words;
pub mod odt;
mod office;
pub mod pdf;
pub mod pdf_form;
pub mod pdf_page;
pub mod rtf;
pub mod tnef;

use crate::form::Key;
use crate::limits::Limits;
use crate::mime::Attachment;
use crate::report::Method;
use crate::text::RawForm;
use std::collections::BTreeMap;

/// What an attachment yielded.
#[derive(Debug, Clone)]
pub enum Extracted {
    /// Text in reading order; a table row's cells are separated by a tab.
    Text { text: String, method: Method },
    /// Values already tied to keys (fillable PDF fields, OCR with confidence).
    Fields {
        form: RawForm,
        method: Method,
        confidence: BTreeMap<Key, f32>,
    },
    /// A document that may be the form but could not be read, and why.
    Unreadable(String),
    /// Not a document that can hold a form (a logo, a calendar entry).
    Ignored,
}

/// Reads images and scanned pages. The real one runs Tesseract; tests may
/// use their own.
pub trait Ocr {
    /// Text of an image (PNG, JPEG, TIFF, HEIC) or of an image-only PDF, with the
    /// mean confidence (0-100) of each line's words.
    fn read(
        &self,
        data: &[u8],
        kind: ImageKind,
        limits: &Limits,
    ) -> Result<Vec<(String, f32)>, String>;

    /// Whether `read` takes HEIC photos (Tesseract needs them converted).
    fn reads_heic(&self) -> bool {
        true
    }
}

/// What OCR is asked to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Pdf,
    Image,
}

/// What the bytes of an attachment are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Word 97-2003 (a compound file with a WordDocument stream).
    Doc,
    Docx,
    Odt,
    Pdf,
    Image,
    Html,
    Text,
    Rtf,
    /// Outlook's winmail.dat, which packs other files.
    Tnef,
    Other,
}

impl Kind {
    /// A document that opens or fails to open: one that fails may be the
    /// form, so a person must look (form-contract rule 14).
    pub fn is_document(self) -> bool {
        matches!(
            self,
            Kind::Doc | Kind::Docx | Kind::Odt | Kind::Pdf | Kind::Rtf
        )
    }
}

/// Tells the kind from the bytes first, then the name and declared type.
pub fn sniff(att: &Attachment) -> Kind {
    let data = &att.data;
    let name = att.name.to_lowercase();
    let ct = att.content_type.as_str();
    // Before the PDF test: a PDF packed in a winmail.dat starts near its top.
    if data.starts_with(&tnef::SIGNATURE) {
        return Kind::Tnef;
    }
    if doc::is_doc(data) {
        // .xls, .msg and other compound files are not Word documents.
        // A password-protected .docx is a compound file too.
        return if doc::is_word_document(data)
            || [".doc", ".docx", ".docm", ".dot", ".dotx"]
                .iter()
                .any(|ext| name.ends_with(ext))
            || ct == "application/msword"
            || ct.contains("wordprocessingml")
        {
            Kind::Doc
        } else {
            Kind::Other
        };
    }
    if rtf::is_rtf(data) {
        return Kind::Rtf;
    }
    if data.starts_with(b"%PDF-") || data.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Kind::Pdf;
    }
    if data.starts_with(b"PK\x03\x04") {
        if name.ends_with(".odt")
            || ct.contains("opendocument.text")
            || contains(data, b"application/vnd.oasis.opendocument.text")
        {
            return Kind::Odt;
        }
        if name.ends_with(".docx")
            || name.ends_with(".docm")
            || ct.contains("wordprocessingml")
            || contains(data, b"word/document.xml")
        {
            return Kind::Docx;
        }
        return Kind::Other;
    }
    if is_image(data) {
        return Kind::Image;
    }
    if name == "winmail.dat" || ct == "application/ms-tnef" {
        return Kind::Tnef;
    }
    if ct == "text/html" || name.ends_with(".html") || name.ends_with(".htm") {
        return Kind::Html;
    }
    if ct == "text/plain" || name.ends_with(".txt") {
        return Kind::Text;
    }
    Kind::Other
}

/// Whether the bytes begin like a photo or scan: PNG, JPEG, TIFF or HEIC.
/// Only the first bytes are looked at.
pub fn is_image(data: &[u8]) -> bool {
    data.starts_with(&[0x89, b'P', b'N', b'G'])
        || data.starts_with(&[0xFF, 0xD8, 0xFF])
        || data.starts_with(b"II*\0")
        || data.starts_with(b"MM\0*")
        || (data.len() > 12
            && &data[4..8] == b"ftyp"
            && (contains(&data[8..12], b"hei") || contains(&data[8..12], b"mif")))
}

/// Named or typed as a photo or scan.
fn declared_image(att: &Attachment) -> bool {
    let name = att.name.to_lowercase();
    [
        "image/jpeg",
        "image/jpg",
        "image/png",
        "image/tiff",
        "image/heic",
        "image/heif",
    ]
    .contains(&att.content_type.as_str())
        || [".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Reads one attachment into one result per file, each with its file name:
/// the attachment itself or, for Outlook's winmail.dat, each file packed in
/// it (and, when the winmail.dat is damaged, the winmail.dat as `Unreadable`).
pub fn read_files(
    att: &Attachment,
    limits: &Limits,
    ocr: Option<&dyn Ocr>,
) -> Vec<(String, Kind, Extracted)> {
    let kind = sniff(att);
    if att.inline || att.too_large || kind != Kind::Tnef {
        return vec![(att.name.clone(), kind, read(att, limits, ocr))];
    }
    let unpacked =
        crate::guard::catch(|| tnef::read(&att.data, limits)).unwrap_or_else(|| tnef::Unpacked {
            files: Vec::new(),
            problem: Some("the reader failed on this file".into()),
        });
    let mut out: Vec<(String, Kind, Extracted)> = unpacked
        .files
        .into_iter()
        .map(|file| {
            let inner = Attachment {
                name: file.name,
                content_type: file.content_type,
                data: file.data,
                inline: false,
                referenced: false,
                too_large: false,
                content_id: None,
            };
            let kind = sniff(&inner);
            // The message's own RTF body has no name: the caller reads it
            // as the body.
            (inner.name.clone(), kind, read(&inner, limits, ocr))
        })
        .collect();
    if let Some(problem) = unpacked.problem {
        let why = format!("Outlook's winmail.dat cannot be unpacked: {problem}");
        // A damaged winmail.dat may hold the form: a person must look.
        out.push((att.name.clone(), Kind::Docx, Extracted::Unreadable(why)));
    }
    out
}

/// Reads one attachment. A winmail.dat is `Ignored` here: `read_files`
/// unpacks it, and one packed inside another is not followed.
///
/// Inline parts are read like attached ones when they can hold a form:
/// documents (Apple Mail sends attachments inline) and images large enough
/// to be a page (phones send photos inline). Small images, such as a
/// signature's logo, are never read.
pub fn read(att: &Attachment, limits: &Limits, ocr: Option<&dyn Ocr>) -> Extracted {
    if att.too_large {
        return Extracted::Unreadable(format!(
            "the attachment is larger than {} bytes (limits.max_attachment_bytes)",
            limits.max_attachment_bytes
        ));
    }
    let kind = sniff(att);
    if att.inline && !(kind.is_document() || kind == Kind::Image) {
        return Extracted::Ignored;
    }
    match kind {
        Kind::Text => Extracted::Text {
            text: String::from_utf8_lossy(&att.data).into_owned(),
            method: Method::Text,
        },
        Kind::Html => Extracted::Text {
            text: html::to_text(&String::from_utf8_lossy(&att.data)),
            method: Method::Html,
        },
        // Word and LibreOffice documents (docx.rs, odt.rs).
        Kind::Docx => guarded("Word", || docx::read(&att.data, limits)),
        Kind::Odt => guarded("LibreOffice", || odt::read(&att.data, limits)),
        // Word 97-2003 and RTF (doc.rs, rtf.rs).
        Kind::Doc => guarded("Word 97-2003", || doc::read(&att.data, limits)),
        Kind::Rtf => guarded("RTF", || rtf::read(&att.data, limits)),
        // PDF, fillable PDF and scans (pdf.rs, ocr.rs).
        Kind::Pdf => guarded("PDF", || pdf::read(&att.data, limits, ocr)),
        Kind::Image => match image::judge(&att.data, att.referenced, limits) {
            image::Verdict::NotAPage(_) => Extracted::Ignored,
            // Not every HEIC header is one the size reader knows; the
            // converter judges those (and the OCR step bounds the result).
            image::Verdict::Unreadable(why) if !ocr::is_heic(&att.data) => {
                Extracted::Unreadable(why)
            }
            image::Verdict::Unreadable(_) | image::Verdict::Page { .. } => match ocr {
                Some(ocr) => guarded("OCR", || ocr::read_image(ocr, &att.data, limits)),
                None => Extracted::Unreadable("scanned image: OCR is not installed".to_string()),
            },
        },
        Kind::Other if declared_image(att) => match imagesize::blob_size(&att.data) {
            // A real picture of a kind scans do not come in (GIF, SVG, WebP).
            Ok(_) => Extracted::Ignored,
            Err(_) => Extracted::Unreadable(
                "the attachment is named or typed as an image, but its bytes are not an image"
                    .to_string(),
            ),
        },
        Kind::Tnef | Kind::Other => Extracted::Ignored,
    }
}

/// Runs a reader so that a panic inside it (or inside a third-party parser it
/// calls) becomes `Unreadable` instead of taking the process down.
pub fn guarded(what: &str, reader: impl FnOnce() -> Extracted) -> Extracted {
    crate::guard::catch(reader)
        .unwrap_or_else(|| Extracted::Unreadable(format!("the {what} reader failed on this file")))
}

/// The OCR that is installed on this machine, if any: Tesseract with Swedish
/// and, for scanned PDFs, pdftoppm, looked for on `PATH`.
pub fn default_ocr() -> Option<ocr::TesseractOcr> {
    ocr::TesseractOcr::find()
}
