//! OCR of scans and photos: runs Debian's `tesseract` (and `pdftoppm` for PDFs,
//! `heif-convert` for HEIC photos) as subprocesses with a time limit, in a temporary directory that is removed
//! afterwards, and turns the recognised lines into a form with each key's
//! confidence. It never repairs what OCR misread: values go to validation as
//! read, and a misread address is invalid, not guessed.

use super::ocr_run::{finish, heic_to_png, on_path, run, start, TempDir};
pub use super::ocr_words::{join_lines, tsv_words, Word};
use super::ocr_words::{keep_swedish_letters, mean};
use super::{Extracted, ImageKind, Ocr};
use crate::form::Key;
use crate::limits::Limits;
use crate::parse::read_text;
use crate::report::Method;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Render resolution of PDF pages; Tesseract reads 300 dpi best.
const DPI: &str = "300";
/// Largest page image made from a PDF, in pixels (A4 at 300 dpi fits), so a
/// page with a huge media box cannot make a huge image.
const MAX_PIXELS: (&str, &str) = ("3600", "5100");
/// Why a HEIC photo is unreadable where `heif-convert` is missing.
const NO_HEIF_CONVERT: &str = "HEIC photo: heif-convert is not installed";

/// Tesseract, pdftoppm and heif-convert, found on this machine.
#[derive(Debug, Clone)]
pub struct TesseractOcr {
    tesseract: PathBuf,
    pdftoppm: Option<PathBuf>,
    /// Tesseract cannot read HEIC (iPhone photos): this converts them to PNG.
    heif_convert: Option<PathBuf>,
    languages: String,
}

impl TesseractOcr {
    /// Looks for `tesseract` (with Swedish), `pdftoppm` and `heif-convert`
    /// (Debian's libheif-examples) on `PATH`.
    pub fn find() -> Option<Self> {
        let tesseract = on_path("tesseract")?;
        let dir = TempDir::new().ok()?;
        let out = dir.path().join("langs.txt");
        let mut cmd = Command::new(&tesseract);
        cmd.arg("--list-langs");
        run(&mut cmd, Some(&out), Duration::from_secs(10)).ok()?;
        let listed = std::fs::read_to_string(&out).ok()?;
        let has = |lang: &str| listed.lines().any(|l| l.trim() == lang);
        if !has("swe") {
            return None;
        }
        let languages = if has("eng") { "swe+eng" } else { "swe" };
        Some(
            Self::with_programs(tesseract, on_path("pdftoppm"), languages)
                .with_heif_convert(on_path("heif-convert")),
        )
    }

    /// Uses the given programs (tests use stand-ins).
    pub fn with_programs(tesseract: PathBuf, pdftoppm: Option<PathBuf>, languages: &str) -> Self {
        TesseractOcr {
            tesseract,
            pdftoppm,
            heif_convert: None,
            languages: languages.to_string(),
        }
    }

    /// Uses this program to convert HEIC photos (`None`: they are unreadable).
    pub fn with_heif_convert(mut self, heif_convert: Option<PathBuf>) -> Self {
        self.heif_convert = heif_convert;
        self
    }
}

/// Whether an image is HEIC (what iPhones take photos in): an ISO media file
/// whose `ftyp` box names a HEIF brand.
pub fn is_heic(data: &[u8]) -> bool {
    data.get(4..8) == Some(b"ftyp")
        && matches!(
            data.get(8..12),
            Some(b"heic" | b"heix" | b"heim" | b"heis" | b"mif1")
        )
}

/// Reads a photo or a scanned image into a form. A HEIC photo is unreadable
/// when the OCR cannot convert it, rather than an OCR failure.
pub fn read_image(ocr: &dyn Ocr, data: &[u8], limits: &Limits) -> Extracted {
    if is_heic(data) && !ocr.reads_heic() {
        return Extracted::Unreadable(NO_HEIF_CONVERT.to_string());
    }
    to_form(ocr.read(data, ImageKind::Image, limits), limits)
}

impl Ocr for TesseractOcr {
    fn read(
        &self,
        data: &[u8],
        kind: ImageKind,
        limits: &Limits,
    ) -> Result<Vec<(String, f32)>, String> {
        let dir = TempDir::new().map_err(|e| format!("no temporary directory: {e}"))?;
        let per_page = Duration::from_secs(limits.ocr_seconds.max(1));
        let pages = limits.ocr_pages.max(1);
        let images = match kind {
            ImageKind::Image if is_heic(data) => {
                let heif_convert = self.heif_convert.as_ref().ok_or(NO_HEIF_CONVERT)?;
                let input = dir.path().join("photo.heic");
                write(&input, data)?;
                vec![heic_to_png(heif_convert, &input, dir.path(), per_page)?]
            }
            // A phone photo stored sideways with an EXIF orientation is
            // turned upright first: Tesseract does not read EXIF.
            ImageKind::Image if super::image::exif_orientation(data).is_some_and(|o| o != 1) => {
                let upright = dir.path().join("upright.png");
                upright_png(data, &upright)?;
                vec![upright]
            }
            ImageKind::Image => {
                let input = dir.path().join("image");
                write(&input, data)?;
                vec![input]
            }
            ImageKind::Pdf => {
                let pdftoppm = self.pdftoppm.as_ref().ok_or("pdftoppm is not installed")?;
                let input = dir.path().join("scan.pdf");
                write(&input, data)?;
                let mut cmd = Command::new(pdftoppm);
                cmd.args(["-r", DPI, "-gray", "-png", "-f", "1", "-l"])
                    .arg(pages.to_string())
                    .args(["-x", "0", "-y", "0", "-W", MAX_PIXELS.0, "-H", MAX_PIXELS.1])
                    .arg(&input)
                    .arg(dir.path().join("page"));
                run(&mut cmd, None, per_page * pages)?;
                let mut images: Vec<PathBuf> = std::fs::read_dir(dir.path())
                    .map_err(|e| format!("cannot list the page images: {e}"))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "png"))
                    .collect();
                images.sort();
                images
            }
        };
        if images.is_empty() {
            return Err("the scan has no pages".into());
        }
        let mut lines = Vec::new();
        for (n, image) in images.iter().take(pages as usize).enumerate() {
            let mut page = self.read_page(image, dir.path(), n, "6", per_page)?;
            // A page turned sideways or upside down (a scan fed in the wrong
            // way) reads as noise as a single block: Tesseract's automatic
            // layout with orientation detection turns it first.
            if labels(&page) < 2 {
                for turned in self.turned(image, dir.path(), n, per_page) {
                    if labels(&turned) > labels(&page) {
                        page = turned;
                    }
                }
            }
            lines.extend(page);
        }
        Ok(lines)
    }

    fn reads_heic(&self) -> bool {
        self.heif_convert.is_some()
    }
}

impl TesseractOcr {
    /// Readings of a page that may be turned: Tesseract's orientation
    /// detection says how far; the page is turned upright and read as one
    /// block again. When the page cannot be turned here (not PNG or JPEG)
    /// or detection says nothing, Tesseract's automatic layout with
    /// orientation detection reads it instead. Failures only mean fewer
    /// readings: the first reading stands.
    fn turned(
        &self,
        image: &Path,
        dir: &Path,
        n: usize,
        per_page: Duration,
    ) -> Vec<Vec<(String, f32)>> {
        let mut out = Vec::new();
        let osd = dir.join(format!("osd{n}.txt"));
        let mut cmd = Command::new(&self.tesseract);
        cmd.arg(image)
            .arg("stdout")
            .args(["--psm", "0"])
            .env("OMP_THREAD_LIMIT", "1");
        let rotate = run(&mut cmd, Some(&osd), per_page)
            .ok()
            .and_then(|()| std::fs::read_to_string(&osd).ok())
            .and_then(|text| rotation(&text));
        if let Some(degrees) = rotate {
            let upright = dir.join(format!("upright{n}.png"));
            if turn(image, degrees, &upright).is_ok() {
                if let Ok(page) = self.read_page(&upright, dir, n, "6", per_page) {
                    out.push(page);
                }
            }
        }
        if out.is_empty() {
            if let Ok(page) = self.read_page(image, dir, n, "1", per_page) {
                out.push(page);
            }
        }
        out
    }

    /// Reads one page image with a page segmentation mode (`6`: one block
    /// of text, as a form is; `1`: automatic, with orientation detection).
    fn read_page(
        &self,
        image: &Path,
        dir: &Path,
        n: usize,
        psm: &str,
        per_page: Duration,
    ) -> Result<Vec<(String, f32)>, String> {
        let deadline = Instant::now() + per_page;
        // Swedish and English together read `@` that Swedish alone reads as
        // `Q`, but may lose å/ä/ö to English; Swedish alone keeps them. The
        // two readings run side by side.
        let mixed = dir.join(format!("a{n}-{psm}"));
        let swedish = dir.join(format!("b{n}-{psm}"));
        let first = start(&mut self.command(image, &mixed, &self.languages, psm), None)?;
        let second = if self.languages == "swe" {
            None
        } else {
            Some(start(&mut self.command(image, &swedish, "swe", psm), None)?)
        };
        finish(first, deadline)?;
        let mut words = read_tsv(&mixed)?;
        if let Some(second) = second {
            finish(second, deadline)?;
            keep_swedish_letters(&mut words, &read_tsv(&swedish)?);
        }
        Ok(join_lines(&words))
    }

    fn command(&self, image: &Path, base: &Path, languages: &str, psm: &str) -> Command {
        let mut cmd = Command::new(&self.tesseract);
        cmd.arg(image)
            .arg(base)
            .args(["-l", languages, "--psm", psm])
            // Sauvola's local threshold copes with a copier's grey background.
            .args(["-c", "thresholding_method=2", "tsv"])
            .env("OMP_THREAD_LIMIT", "1");
        cmd
    }
}

/// The clockwise turn (90, 180 or 270 degrees) that Tesseract's orientation
/// detection (`--psm 0`) says makes the page upright.
fn rotation(osd: &str) -> Option<u32> {
    osd.lines()
        .find_map(|l| l.strip_prefix("Rotate:"))
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|d| matches!(d, 90 | 180 | 270))
}

/// Turns a PNG or JPEG page clockwise by `degrees` and writes it as PNG.
fn turn(image: &Path, degrees: u32, out: &Path) -> Result<(), String> {
    // The format from the bytes: the scan's file has no extension.
    let picture = image::ImageReader::open(image)
        .and_then(image::ImageReader::with_guessed_format)
        .map_err(|e| format!("the page cannot be read to turn it: {e}"))?
        .decode()
        .map_err(|e| format!("the page cannot be turned: {e}"))?;
    let turned = match degrees {
        90 => picture.rotate90(),
        180 => picture.rotate180(),
        _ => picture.rotate270(),
    };
    turned
        .save_with_format(out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot write the turned page: {e}"))
}

/// How many of the lines begin with a form label.
fn labels(lines: &[(String, f32)]) -> usize {
    lines
        .iter()
        .filter(|(text, _)| crate::text::labels::label(text.trim()).is_some())
        .count()
}

/// Decodes a JPEG, turns it as its EXIF orientation says, and writes it as
/// PNG. The image's size was checked against `limits.max_image_pixels`
/// before OCR was asked.
fn upright_png(data: &[u8], out: &Path) -> Result<(), String> {
    use image::ImageDecoder;
    let fail = |e: image::ImageError| format!("the photo cannot be decoded: {e}");
    let mut decoder =
        image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(data)).map_err(fail)?;
    let orientation = decoder.orientation().map_err(fail)?;
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(fail)?;
    picture.apply_orientation(orientation);
    picture
        .save_with_format(out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot write the upright photo: {e}"))
}

fn read_tsv(base: &Path) -> Result<Vec<Word>, String> {
    std::fs::read_to_string(base.with_extension("tsv"))
        .map(|tsv| tsv_words(&tsv))
        .map_err(|e| format!("tesseract wrote no text: {e}"))
}

/// Reads a form out of OCR's lines; each key's confidence is the mean
/// confidence of the line(s) its value came from.
pub fn to_form(read: Result<Vec<(String, f32)>, String>, limits: &Limits) -> Extracted {
    let lines = match read {
        Ok(lines) => lines,
        Err(why) => return Extracted::Unreadable(format!("scanned image: OCR failed: {why}")),
    };
    let text = lines
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let form = read_text(&text, false, limits);
    if !form.is_form() {
        return Extracted::Unreadable("scanned image: OCR found no form in it".into());
    }
    let confidence: BTreeMap<Key, f32> = form
        .values
        .iter()
        .map(|(key, value)| (*key, confidence_of(value, &lines)))
        .collect();
    Extracted::Fields {
        form,
        method: Method::Ocr,
        confidence,
    }
}

fn confidence_of(value: &str, lines: &[(String, f32)]) -> f32 {
    let found: Vec<f32> = value
        .lines()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .filter_map(|part| lines.iter().find(|(t, _)| t.contains(part)).map(|l| l.1))
        .collect();
    let all: Vec<f32> = lines.iter().map(|l| l.1).collect();
    let c = if found.is_empty() {
        mean(&all)
    } else {
        mean(&found)
    };
    (c * 10.0).round() / 10.0
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    std::fs::write(path, data).map_err(|e| format!("cannot write the scan to disk: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(brand: &[u8]) -> Vec<u8> {
        [&[0, 0, 0, 24][..], b"ftyp", brand, &[0; 12]].concat()
    }

    #[test]
    fn orientation_detection_says_how_far_to_turn() {
        let osd = "Page number: 0\nOrientation in degrees: 270\nRotate: 90\nOrientation confidence: 6.77\n";
        assert_eq!(rotation(osd), Some(90));
        assert_eq!(rotation("Rotate: 0\n"), None);
        assert_eq!(rotation("Rotate: 45\n"), None);
        assert_eq!(rotation("nothing"), None);
    }

    #[test]
    fn heic_is_told_by_its_brand() {
        for brand in [b"heic", b"heix", b"mif1"] {
            assert!(is_heic(&ftyp(brand)), "{brand:?}");
        }
        for brand in [b"isom", b"avif", b"qt  "] {
            assert!(!is_heic(&ftyp(brand)), "{brand:?}");
        }
        assert!(!is_heic(b"\0\0\0\x18ftyphe"));
        assert!(!is_heic(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
    }

    #[test]
    fn a_heic_photo_without_heif_convert_is_unreadable() {
        let ocr = TesseractOcr::with_programs(PathBuf::from("/nonexistent/tesseract"), None, "swe");
        let photo = crate::mime::Attachment {
            name: "IMG_0412.HEIC".into(),
            content_type: "image/heic".into(),
            data: ftyp(b"heic"),
            inline: false,
            referenced: false,
            too_large: false,
            content_id: None,
        };
        match super::super::read(&photo, &Limits::default(), Some(&ocr)) {
            Extracted::Unreadable(why) => assert_eq!(why, NO_HEIF_CONVERT),
            other => panic!("{other:?}"),
        }
        let got = ocr.read(&photo.data, ImageKind::Image, &Limits::default());
        assert_eq!(got, Err(NO_HEIF_CONVERT.to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn an_ocr_run_that_does_not_finish_is_stopped() {
        let dir = TempDir::new().expect("temp dir");
        let fake = dir.path().join("tesseract");
        std::fs::write(&fake, "#!/bin/sh\nsleep 30\n").expect("write script");
        let mut cmd = Command::new("chmod");
        cmd.arg("+x").arg(&fake);
        run(&mut cmd, None, Duration::from_secs(5)).expect("chmod");
        let ocr = TesseractOcr::with_programs(fake, None, "swe");
        let limits = Limits {
            ocr_seconds: 1,
            ..Limits::default()
        };
        let start = Instant::now();
        let got = ocr.read(b"\x89PNG", ImageKind::Image, &limits);
        assert!(got.is_err_and(|e| e.contains("did not finish")));
        // The fake would sleep 30 s: finishing well before proves it was stopped.
        assert!(start.elapsed() < Duration::from_secs(25));
    }

    /// OCR that reads what it is told to.
    struct Fake(&'static str);

    impl Ocr for Fake {
        fn read(&self, _: &[u8], _: ImageKind, _: &Limits) -> Result<Vec<(String, f32)>, String> {
            Ok(self.0.lines().map(|l| (l.to_string(), 90.0)).collect())
        }
    }

    #[test]
    fn a_misread_address_is_invalid_not_repaired() {
        use crate::organisations::Organisations;
        use crate::parse::{parse, Context};
        let eml = "From: a@orsa.test\r\nTo: s@l.test\r\nSubject: Blankett\r\n\
            MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nBifogad\r\n\
            --b\r\nContent-Type: image/png; name=IMG_1.png\r\n\
            Content-Disposition: attachment; filename=IMG_1.png\r\n\
            Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUgAABdwAAAfQCAAAAAD9A8Lq\r\n--b--\r\n";
        let ocr =
            Fake("Organisation: Orsa kommun\nRepresentant: Anna\nMejladress: annaQorsa.test\n");
        let organisations = Organisations::builtin();
        let required = crate::form::default_required();
        let ctx = Context {
            organisations: &organisations,
            required: &required,
            limits: &Limits::default(),
            ocr: Some(&ocr),
        };
        let report = parse(eml.as_bytes(), &ctx).expect("a message");
        assert_eq!(report.method, Some(Method::Ocr));
        assert_eq!(report.invalid[0].value, "annaQorsa.test");
        assert!(!report.fields.contains_key(&Key::RepresentativeEmail));
        assert_eq!(report.ocr_confidence[&Key::RepresentativeEmail], 90.0);
    }
}
