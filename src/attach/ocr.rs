//! OCR of scans and photos: runs Debian's `tesseract` (and `pdftoppm` for PDFs)
//! as subprocesses with a time limit, in a temporary directory that is removed
//! afterwards, and turns the recognised lines into a form with each key's
//! confidence. It never repairs what OCR misread: values go to validation as
//! read, and a misread address is invalid, not guessed.

use super::ocr_run::{finish, on_path, run, start, TempDir};
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

/// Tesseract and pdftoppm, found on this machine.
#[derive(Debug, Clone)]
pub struct TesseractOcr {
    tesseract: PathBuf,
    pdftoppm: Option<PathBuf>,
    languages: String,
}

impl TesseractOcr {
    /// Looks for `tesseract` (with Swedish) and `pdftoppm` on `PATH`.
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
        Some(Self::with_programs(
            tesseract,
            on_path("pdftoppm"),
            languages,
        ))
    }

    /// Uses the given programs (tests use stand-ins).
    pub fn with_programs(tesseract: PathBuf, pdftoppm: Option<PathBuf>, languages: &str) -> Self {
        TesseractOcr {
            tesseract,
            pdftoppm,
            languages: languages.to_string(),
        }
    }
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
            let deadline = Instant::now() + per_page;
            // Swedish and English together read `@` that Swedish alone reads as
            // `Q`, but may lose å/ä/ö to English; Swedish alone keeps them. The
            // two readings run side by side.
            let mixed = dir.path().join(format!("a{n}"));
            let swedish = dir.path().join(format!("b{n}"));
            let first = start(&mut self.command(image, &mixed, &self.languages), None)?;
            let second = if self.languages == "swe" {
                None
            } else {
                Some(start(&mut self.command(image, &swedish, "swe"), None)?)
            };
            finish(first, deadline)?;
            let mut words = read_tsv(&mixed)?;
            if let Some(second) = second {
                finish(second, deadline)?;
                keep_swedish_letters(&mut words, &read_tsv(&swedish)?);
            }
            lines.extend(join_lines(&words));
        }
        Ok(lines)
    }
}

impl TesseractOcr {
    fn command(&self, image: &Path, base: &Path, languages: &str) -> Command {
        let mut cmd = Command::new(&self.tesseract);
        cmd.arg(image)
            .arg(base)
            .args(["-l", languages, "--psm", "6"])
            // Sauvola's local threshold copes with a copier's grey background.
            .args(["-c", "thresholding_method=2", "tsv"])
            .env("OMP_THREAD_LIMIT", "1");
        cmd
    }
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

/// One word that Tesseract read.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    text: String,
    line: (i64, i64, i64, i64),
    left: i64,
    top: i64,
    width: i64,
    height: i64,
    conf: f32,
}

/// The words of Tesseract's TSV output.
pub fn tsv_words(tsv: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" || cols[11].trim().is_empty() {
            continue;
        }
        let n = |i: usize| cols[i].trim().parse::<i64>().unwrap_or(0);
        out.push(Word {
            text: cols[11].trim().to_string(),
            line: (n(1), n(2), n(3), n(4)),
            left: n(6),
            top: n(7),
            width: n(8),
            height: n(9),
            conf: cols[10].trim().parse::<f32>().unwrap_or(0.0).max(0.0),
        });
    }
    out
}

/// Takes a word from the Swedish-only reading when it is the same word at the
/// same place but with Swedish letters that the mixed reading lost.
fn keep_swedish_letters(words: &mut [Word], swedish: &[Word]) {
    let fold = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'å' | 'ä' => 'a',
                'Å' | 'Ä' => 'A',
                'ö' => 'o',
                'Ö' => 'O',
                'é' => 'e',
                other => other,
            })
            .collect()
    };
    let swedish_letter = |c: char| "åäöÅÄÖé".contains(c);
    for w in words.iter_mut() {
        let same = swedish.iter().find(|s| {
            (s.left - w.left).abs() * 2 < w.height.max(1)
                && (s.top - w.top).abs() * 2 < w.height.max(1)
        });
        if let Some(s) = same {
            if s.text != w.text && fold(&s.text) == w.text && s.text.chars().any(swedish_letter) {
                w.text = s.text.clone();
                w.conf = s.conf;
            }
        }
    }
}

/// Joins words into lines with their mean confidence; words far apart on one
/// line (a label and its value in columns) are joined by a tab.
pub fn join_lines(words: &[Word]) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut current: Option<(String, &Word, Vec<f32>, i64)> = None;
    for w in words {
        match current.as_mut() {
            Some((text, first, confs, right)) if first.line == w.line => {
                text.push(if w.left - *right > 3 * w.height {
                    '\t'
                } else {
                    ' '
                });
                text.push_str(&w.text);
                confs.push(w.conf);
                *right = w.left + w.width;
            }
            _ => {
                out.extend(current.take().map(|(t, _, c, _)| (t, mean(&c))));
                current = Some((w.text.clone(), w, vec![w.conf], w.left + w.width));
            }
        }
    }
    out.extend(current.map(|(t, _, c, _)| (t, mean(&c))));
    out
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    std::fs::write(path, data).map_err(|e| format!("cannot write the scan to disk: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_lines_with_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            4\t1\t1\t1\t1\t0\t10\t10\t500\t30\t-1\t\n\
            5\t1\t1\t1\t1\t1\t10\t10\t100\t30\t90\tOrganisation:\n\
            5\t1\t1\t1\t1\t2\t400\t10\t80\t30\t80\tMora\n\
            5\t1\t1\t1\t1\t3\t490\t10\t80\t30\t70\tkommun\n\
            5\t1\t1\t1\t2\t1\t10\t50\t100\t30\t50\tTitel:\n";
        let lines = join_lines(&tsv_words(tsv));
        assert_eq!(lines[0], ("Organisation:\tMora kommun".to_string(), 80.0));
        assert_eq!(lines[1], ("Titel:".to_string(), 50.0));
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
            Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
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
