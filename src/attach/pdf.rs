//! PDF attachments: loads the file with lopdf (bounded), places every piece of
//! page text by position and joins pieces on one baseline into one line, hands
//! fillable forms to `pdf_form` and image-only pages to OCR. It does not find
//! labels or values itself (`parse::read_text` does) and runs no program.

use super::{ocr, pdf_form, pdf_page, Extracted, ImageKind, Ocr};
use crate::limits::Limits;
use crate::report::Method;
use lopdf::{Document, LoadOptions, ObjectId};

/// Pages read from a text PDF; the form has one or two.
const MAX_PAGES: usize = 10;
/// Fewer letters than this on every page means the pages are pictures.
const MIN_TEXT_CHARS: usize = 20;

/// A piece of text on a page, in page space (points, y grows upwards).
#[derive(Debug, Clone)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    /// Where the text ends (estimated from glyph widths).
    pub end: f32,
    pub size: f32,
    pub text: String,
}

/// What one page holds.
#[derive(Debug, Default)]
pub struct Page {
    pub runs: Vec<Run>,
    pub images: usize,
}

/// Reads a PDF attachment.
pub fn read(data: &[u8], limits: &Limits, ocr: Option<&dyn Ocr>) -> Extracted {
    let doc = match load(data, limits) {
        Ok(doc) => doc,
        Err(why) => return Extracted::Unreadable(why),
    };
    let page_ids: Vec<ObjectId> = doc.get_pages().into_values().take(MAX_PAGES).collect();
    if page_ids.is_empty() {
        return Extracted::Unreadable("the PDF has no pages (damaged or truncated)".into());
    }
    let pages: Vec<Page> = page_ids
        .iter()
        .map(|id| pdf_page::page(&doc, *id, limits))
        .collect();
    if let Some(found) = pdf_form::read(&doc, &page_ids, &pages, limits) {
        return found;
    }
    let text = pages
        .iter()
        .map(|p| lines(&p.runs))
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_TEXT_CHARS {
        return Extracted::Text {
            text,
            method: Method::PdfText,
        };
    }
    if pages.iter().any(|p| p.images > 0) {
        return match ocr {
            Some(ocr) => ocr::to_form(ocr.read(data, ImageKind::Pdf, limits), limits),
            None => Extracted::Unreadable("scanned image: OCR is not installed".into()),
        };
    }
    Extracted::Unreadable("the PDF has neither text nor images".into())
}

/// Loads a PDF; an encrypted one opens only with the empty user password.
fn load(data: &[u8], limits: &Limits) -> Result<Document, String> {
    let options = LoadOptions {
        max_decompressed_size: Some(inflate_limit(limits)),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(data, options)
        .map_err(|e| format!("the PDF cannot be read: {e}"))?;
    if doc.is_encrypted() && !doc.was_encrypted() {
        return Err("the PDF is encrypted with a password".into());
    }
    Ok(doc)
}

pub(super) fn inflate_limit(limits: &Limits) -> usize {
    usize::try_from(limits.max_inflated_bytes).unwrap_or(usize::MAX)
}

/// Joins runs into lines, top to bottom: runs on one baseline left to right,
/// a wide gap (a column) as a tab, a wide vertical gap as an empty line.
pub fn lines(runs: &[Run]) -> String {
    let mut sorted: Vec<&Run> = runs.iter().filter(|r| !r.text.trim().is_empty()).collect();
    sorted.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut rows: Vec<(f32, f32, Vec<&Run>)> = Vec::new();
    for run in sorted {
        match rows.last_mut() {
            Some((y, size, row)) if (*y - run.y).abs() < 0.5 * size.max(run.size) => {
                row.push(run);
                *size = size.max(run.size);
            }
            _ => rows.push((run.y, run.size, vec![run])),
        }
    }
    let mut out = String::new();
    let mut last: Option<(f32, f32)> = None;
    for (y, size, mut row) in rows {
        if let Some((last_y, last_size)) = last {
            if last_y - y > 2.2 * size.max(last_size) {
                out.push('\n');
            }
        }
        last = Some((y, size));
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut line = String::new();
        let mut end: Option<f32> = None;
        for run in row {
            if let Some(end) = end {
                let gap = run.x - end;
                let spaced = line.ends_with(char::is_whitespace) || run.text.starts_with(' ');
                if gap > 1.2 * run.size {
                    line.push('\t');
                } else if gap > 0.15 * run.size && !spaced {
                    line.push(' ');
                }
            }
            line.push_str(&run.text);
            end = Some(end.map_or(run.end, |e: f32| e.max(run.end)));
        }
        out.push_str(line.trim());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Object, Stream};

    fn run(x: f32, y: f32, text: &str) -> Run {
        let end = x + 5.0 * text.chars().count() as f32;
        Run {
            x,
            y,
            end,
            size: 10.0,
            text: text.into(),
        }
    }

    #[test]
    fn runs_on_one_baseline_make_one_line() {
        let runs = [
            run(200.0, 700.5, "Anna"),
            run(70.0, 700.0, "Representant:"),
            run(225.0, 700.0, " Berg"),
            run(70.0, 680.0, "Titel"),
            run(200.0, 681.0, "Socialchef"),
        ];
        assert_eq!(
            lines(&runs),
            "Representant:\tAnna Berg\nTitel\tSocialchef\n"
        );
    }

    /// A PDF whose one page holds `content`.
    fn pdf(content: Vec<u8>) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        let pages = dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 };
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    #[test]
    fn a_15_mb_pdf_is_read_quickly_and_gives_up() {
        let content = b"1 0 0 1 10 10 cm q Q ".repeat(15 * 1024 * 1024 / 21);
        let data = pdf(content);
        assert!(data.len() > 15_000_000);
        let start = std::time::Instant::now();
        let got = read(&data, &Limits::default(), None);
        assert!(matches!(got, Extracted::Unreadable(_)), "{got:?}");
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn broken_bytes_are_unreadable() {
        for data in [&b"%PDF-1.7\n"[..], b"%PDF-1.4\n1 0 obj << /Type /Catalog"] {
            assert!(matches!(
                read(data, &Limits::default(), None),
                Extracted::Unreadable(_)
            ));
        }
    }
}
