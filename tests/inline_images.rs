//! Pictures in mail, judged by their pixels: a phone's inline photo of the
//! form is read with OCR; a signature's logo, a tracking pixel and a picture
//! sent twice cost no OCR run; a decompression bomb is refused before it is
//! decoded.

use blankett::attach::{ImageKind, Ocr};
use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use blankett::report::{Method, Status};
use std::cell::Cell;

/// OCR that counts its runs and reads a fixed form.
struct Counting(Cell<usize>);

impl Ocr for Counting {
    fn read(&self, _: &[u8], _: ImageKind, _: &Limits) -> Result<Vec<(String, f32)>, String> {
        self.0.set(self.0.get() + 1);
        Ok("Organisation: Orsa kommun\nRepresentant: Linnea Ström\nMejladress: linnea.strom@orsa.test\n\
            Ersättare: Erik Jansson\nMejladress: erik.jansson@orsa.test\nInterna kontaktvägar: Intranätet\n\
            Ansvarig chef: Ulla Persson\nTitel: Socialchef\nMejl/telefon: ulla.persson@orsa.test\nDatum: 2026-12-05"
            .lines()
            .map(|l| (l.to_string(), 90.0))
            .collect())
    }
}

/// A PNG signature and header of the given size, base64; the pixels are not
/// needed to judge it (the counting OCR reads nothing of it).
fn png(width: u32, height: u32, pad: usize) -> String {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\x0d".to_vec();
    out.extend(&ihdr);
    out.extend([0, 0, 0, 0]);
    out.extend(std::iter::repeat_n(0u8, pad));
    base64(&out)
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (n, chunk) in data.chunks(3).enumerate() {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if n % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

fn read(eml: &str) -> (blankett::report::Report, usize) {
    let ocr = Counting(Cell::new(0));
    let organisations = Organisations::builtin();
    let required = default_required();
    let limits = Limits::default();
    let ctx = Context {
        organisations: &organisations,
        required: &required,
        limits: &limits,
        ocr: Some(&ocr),
    };
    let report = parse(eml.as_bytes(), &ctx).expect("a message");
    (report, ocr.0.get())
}

const FORM_TEXT: &str = "Organisation: Orsa kommun\r\nRepresentant: Linnea Ström\r\nMejladress: linnea.strom@orsa.test\r\n\
    Ersättare: Erik Jansson\r\nMejladress: erik.jansson@orsa.test\r\nInterna kontaktvägar: Intranätet\r\n\
    Ansvarig chef: Ulla Persson\r\nTitel: Socialchef\r\nMejl/telefon: ulla.persson@orsa.test\r\nDatum: 2026-12-05\r\n";

/// A typed form with an HTML signature showing a logo by cid.
fn with_logo(width: u32, height: u32) -> String {
    format!(
        "From: a@orsa.test\r\nTo: s@l.test\r\nSubject: Blankett\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
         --a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{FORM_TEXT}\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>{}</p><p><img src=\"cid:logo001@01DB\"></p>\r\n--a--\r\n--r\r\nContent-Type: image/png; name=image001.png\r\n\
         Content-ID: <logo001@01DB>\r\nContent-Disposition: inline; filename=image001.png\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--r--\r\n",
        FORM_TEXT.replace("\r\n", "<br>"),
        png(width, height, 60_000)
    )
}

#[test]
fn a_signature_logo_costs_no_ocr_run() {
    let (report, runs) = read(&with_logo(200, 60));
    assert_eq!(runs, 0, "a logo is not read");
    assert_eq!(report.status, Status::Complete);
    assert_eq!(report.source, "body");
    // Even a larger square logo shown by cid is the sender's layout.
    assert_eq!(read(&with_logo(500, 500)).1, 0);
}

fn inline_photo(parts: &[(u32, u32)], content_id: bool) -> String {
    let mut eml = String::from(
        "From: a@orsa.test\r\nTo: s@l.test\r\nSubject: Blankett\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej! Här är blanketten.\r\n",
    );
    for (n, (w, h)) in parts.iter().enumerate() {
        let cid = if content_id {
            format!("Content-ID: <p{n}@x>\r\n")
        } else {
            String::new()
        };
        eml.push_str(&format!(
            "--m\r\nContent-Type: image/png; name=IMG_{n}.png\r\n{cid}Content-Disposition: inline; filename=IMG_{n}.png\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            png(*w, *h, 0)
        ));
    }
    eml.push_str("--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSkickat från min iPhone\r\n--m--\r\n");
    eml
}

#[test]
fn a_phones_inline_photo_is_read() {
    let (report, runs) = read(&inline_photo(&[(1536, 2048)], false));
    assert_eq!(runs, 1);
    assert_eq!(report.status, Status::Complete);
    assert_eq!(report.method, Some(Method::Ocr));
    assert_eq!(report.source, "attachment:IMG_0.png");
    // With a Content-ID too (not shown by any HTML body).
    assert_eq!(read(&inline_photo(&[(1536, 2048)], true)).1, 1);
}

#[test]
fn tracking_pixels_repeats_and_bombs_cost_nothing() {
    // A tracking pixel beside the photo, and the photo twice: one run.
    let eml = inline_photo(&[(1, 1), (1536, 2048), (1536, 2048)], false);
    let (report, runs) = read(&eml);
    assert_eq!(runs, 1, "the pixel is skipped and the repeat is read once");
    assert_eq!(report.status, Status::Complete);
    // 20,000 × 20,000 pixels: refused from its header, never decoded.
    let (report, runs) = read(&inline_photo(&[(20_000, 20_000)], false));
    assert_eq!(runs, 0);
    assert_eq!(report.status, Status::Unreadable);
    assert!(
        report
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("20000 × 20000")),
        "{:?}",
        report.reason
    );
}
