//! RTF to text: .rtf attachments and the RTF body that Outlook packs into a
//! winmail.dat. Paragraphs and table rows become lines, a row's cells are
//! separated by a tab, a field shows its result (never its instruction), and
//! HTML that Outlook encapsulated in RTF (`\fromhtml1`) is taken out and read
//! as HTML. Groups are kept on an explicit stack, so no nesting can overflow
//! the call stack. It must not look for labels or values: the text pipeline
//! (`parse::read_text`) does that.

use super::Extracted;
use crate::limits::Limits;
use crate::report::Method;
use encoding_rs::Encoding;

/// Groups nested deeper than this make the RTF unreadable; Word stays far
/// below it even with tables inside tables.
pub const MAX_DEPTH: usize = 1000;

/// Destinations whose text is not the document's body: tables of fonts,
/// colours, styles and lists, metadata, pictures and objects, headers,
/// footers, footnotes, comments, bookmarks, index entries and field
/// instructions (a field shows its `\fldrslt`).
const SKIPPED: &[&str] = &[
    "aftncn",
    "aftnsep",
    "aftnsepc",
    "annotation",
    "atnauthor",
    "atndate",
    "atnid",
    "atnref",
    "atrfend",
    "atrfstart",
    "bkmkend",
    "bkmkstart",
    "colorschememapping",
    "colortbl",
    "datastore",
    "defchp",
    "defpap",
    "docvar",
    "filetbl",
    "fldinst",
    "fonttbl",
    "footer",
    "footerf",
    "footerl",
    "footerr",
    "footnote",
    "ftncn",
    "ftnsep",
    "ftnsepc",
    "generator",
    "header",
    "headerf",
    "headerl",
    "headerr",
    "info",
    "latentstyles",
    "listoverridetable",
    "listpicture",
    "listtable",
    "mmathPr",
    "nonesttables",
    "nonshppict",
    "object",
    "pgdsctbl",
    "pict",
    "pn",
    "protusertbl",
    "revtbl",
    "rsidtbl",
    "stylesheet",
    "tc",
    "template",
    "themedata",
    "txe",
    "userprops",
    "xe",
    "xmlnstbl",
];

/// Reads an RTF document into text.
pub fn read(data: &[u8], limits: &Limits) -> Extracted {
    match to_text(data, limits) {
        Ok(text) => Extracted::Text {
            text,
            method: Method::Rtf,
        },
        Err(reason) => Extracted::Unreadable(reason),
    }
}

/// Whether the bytes are an RTF document: `{\rtf` after an optional UTF-8
/// byte order mark and whitespace.
pub fn is_rtf(data: &[u8]) -> bool {
    start(data).is_some()
}

/// The text of an RTF document. Text past `limits.max_body_chars` is left
/// out; a document larger than `limits.max_attachment_bytes`, one that is not
/// RTF, or one that nests groups deeper than `MAX_DEPTH` is an error.
pub fn to_text(data: &[u8], limits: &Limits) -> Result<String, String> {
    if data.len() > limits.max_attachment_bytes {
        return Err(format!(
            "the RTF is larger than {} bytes (limits.max_attachment_bytes)",
            limits.max_attachment_bytes
        ));
    }
    let at = start(data)
        .ok_or_else(|| "it is not an RTF document (it does not begin with {\\rtf)".to_string())?;
    let mut reader = Reader::new(limits.max_body_chars);
    reader.run(&data[at..])?;
    Ok(reader.finish())
}

fn start(data: &[u8]) -> Option<usize> {
    let bom = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let at = bom
        + data[bom..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    data[at..].starts_with(b"{\\rtf").then_some(at)
}

/// What a group sets; restored when the group closes.
#[derive(Debug, Clone, Copy)]
struct Group {
    /// A skipped destination: its text is not shown.
    skip: bool,
    /// Fallback characters that follow a `\uN` (`\ucN`).
    uc: u32,
    /// Inside `\htmlrtf`: RTF that was not part of the encapsulated HTML.
    htmlrtf: bool,
    /// Inside an `\htmltag` destination: markup of the encapsulated HTML.
    htmltag: bool,
    /// `\*` was just read: the next control word names an ignorable destination.
    starred: bool,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            skip: false,
            uc: 1,
            htmlrtf: false,
            htmltag: false,
            starred: false,
        }
    }
}

struct Reader {
    /// The groups that enclose the current one.
    stack: Vec<Group>,
    group: Group,
    /// The document's code page (`\ansicpgN`), for 8-bit text and `\'hh`.
    encoding: &'static Encoding,
    /// The document encapsulates HTML (`\fromhtml1`): `out` is that HTML.
    html: bool,
    out: String,
    /// 8-bit text waiting to be decoded: a multibyte code page writes one
    /// character as several `\'hh`, which must be decoded together.
    bytes: Vec<u8>,
    /// Fallback characters of the last `\uN` still to be skipped.
    fallback: u32,
    /// A `\uN` high surrogate waiting for its low half.
    high: Option<u16>,
    max_len: usize,
}

impl Reader {
    fn new(max_len: usize) -> Self {
        Reader {
            stack: Vec::new(),
            group: Group::default(),
            encoding: encoding_rs::WINDOWS_1252,
            html: false,
            out: String::new(),
            bytes: Vec::new(),
            fallback: 0,
            high: None,
            max_len,
        }
    }

    fn run(&mut self, rtf: &[u8]) -> Result<(), String> {
        let mut at = 0;
        while let Some(&b) = rtf.get(at) {
            at += 1;
            match b {
                b'{' => {
                    self.flush();
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(format!(
                            "the RTF nests groups deeper than {MAX_DEPTH} levels"
                        ));
                    }
                    self.stack.push(self.group);
                    self.group.starred = false;
                    self.fallback = 0;
                }
                b'}' => {
                    self.flush();
                    self.fallback = 0;
                    match self.stack.pop() {
                        Some(outer) => self.group = outer,
                        None => break,
                    }
                    if self.stack.is_empty() {
                        // The document's own group has closed.
                        break;
                    }
                }
                b'\\' => at = self.control(rtf, at),
                // Line breaks in the source are not text in RTF.
                b'\r' | b'\n' => {}
                _ => self.byte(b),
            }
            if self.out.len() + self.bytes.len() > self.max_len {
                // Enough text for any form: keep what was read.
                break;
            }
        }
        self.flush();
        Ok(())
    }

    /// Reads the control word or symbol after a backslash at `at`; returns
    /// where the next token begins.
    fn control(&mut self, rtf: &[u8], at: usize) -> usize {
        let Some(&c) = rtf.get(at) else {
            return at;
        };
        if c.is_ascii_alphabetic() {
            let end = at
                + rtf[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .count();
            let word = std::str::from_utf8(&rtf[at..end]).unwrap_or_default();
            let (param, mut next) = parameter(rtf, end);
            if rtf.get(next) == Some(&b' ') {
                next += 1;
            }
            if word == "bin" {
                // Raw binary data, skipped whatever it holds (braces included).
                self.flush();
                let n = usize::try_from(param.unwrap_or(0)).unwrap_or(0);
                return next.saturating_add(n).min(rtf.len());
            }
            self.word(word, param);
            return next;
        }
        match c {
            b'\'' => {
                let byte = match (rtf.get(at + 1), rtf.get(at + 2)) {
                    (Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| (h << 4) | l),
                    _ => None,
                };
                match byte {
                    Some(b) => {
                        self.byte(b);
                        at + 3
                    }
                    None => at + 1,
                }
            }
            b'\\' | b'{' | b'}' => {
                self.byte(c);
                at + 1
            }
            b'~' => {
                self.text("\u{A0}");
                at + 1
            }
            b'_' => {
                self.text("-");
                at + 1
            }
            b'*' => {
                self.group.starred = true;
                at + 1
            }
            // A backslash before a line break is a paragraph mark.
            b'\r' | b'\n' => {
                self.text("\n");
                at + 1
            }
            // `\-` (an optional hyphen), `\:`, `\|` and unknown symbols show nothing.
            _ => at + 1,
        }
    }

    fn word(&mut self, word: &str, param: Option<i64>) {
        self.flush();
        if word != "u" {
            self.fallback = 0;
        }
        if std::mem::take(&mut self.group.starred) {
            match word {
                "htmltag" if self.html => self.group.htmltag = true,
                // Holds the `\nestrow` that ends a row of a nested table.
                "nesttableprops" => {}
                _ => self.group.skip = true,
            }
            return;
        }
        if SKIPPED.contains(&word) {
            self.group.skip = true;
            return;
        }
        match word {
            "par" | "line" | "sect" | "page" | "column" => self.text("\n"),
            "tab" | "cell" | "nestcell" => self.text("\t"),
            "row" | "nestrow" => self.end_row(),
            "u" => self.unicode(param.unwrap_or(0)),
            "uc" => {
                self.group.uc = u32::try_from(param.unwrap_or(1).clamp(0, 255)).unwrap_or(1);
            }
            "ansicpg" => {
                if let Some(encoding) = param.and_then(codepage) {
                    self.encoding = encoding;
                }
            }
            "mac" => self.encoding = encoding_rs::MACINTOSH,
            "fromhtml" => self.html = true,
            "htmlrtf" => self.group.htmlrtf = param != Some(0),
            "emdash" => self.text("\u{2014}"),
            "endash" => self.text("\u{2013}"),
            "lquote" => self.text("\u{2018}"),
            "rquote" => self.text("\u{2019}"),
            "ldblquote" => self.text("\u{201C}"),
            "rdblquote" => self.text("\u{201D}"),
            "bullet" => self.text("\u{2022}"),
            "emspace" => self.text("\u{2003}"),
            "enspace" => self.text("\u{2002}"),
            "qmspace" => self.text("\u{2005}"),
            _ => {}
        }
    }

    /// A `\uN`: a signed 16-bit UTF-16 unit, then `\ucN` fallback characters
    /// for readers without Unicode, which are skipped.
    fn unicode(&mut self, n: i64) {
        let unit = u16::try_from(n.rem_euclid(0x1_0000)).unwrap_or(0xFFFD);
        let c = match unit {
            0xD800..=0xDBFF => {
                self.high = Some(unit);
                None
            }
            0xDC00..=0xDFFF => self.high.take().and_then(|high| {
                let pair =
                    0x1_0000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                char::from_u32(pair)
            }),
            _ => {
                self.high = None;
                char::from_u32(u32::from(unit))
            }
        };
        if let Some(c) = c {
            if self.visible() {
                self.out.push(c);
            }
        }
        self.fallback = self.group.uc;
    }

    /// One byte of 8-bit text (a literal byte, `\'hh` or an escaped brace).
    fn byte(&mut self, b: u8) {
        self.group.starred = false;
        if self.fallback > 0 {
            self.fallback -= 1;
            return;
        }
        self.high = None;
        if self.visible() {
            self.bytes.push(b);
        }
    }

    /// A character that a control word or symbol stands for.
    fn text(&mut self, s: &str) {
        if self.fallback > 0 {
            self.fallback -= 1;
            return;
        }
        self.flush();
        self.high = None;
        if self.visible() {
            self.out.push_str(s);
        }
    }

    /// The end of a table row: the row's last cell mark gives no tab.
    fn end_row(&mut self) {
        if !self.visible() {
            return;
        }
        if self.out.ends_with('\t') {
            self.out.pop();
        }
        self.out.push('\n');
    }

    fn visible(&self) -> bool {
        let g = &self.group;
        !g.skip && (!self.html || g.htmltag || !g.htmlrtf)
    }

    fn flush(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let (text, _) = self.encoding.decode_without_bom_handling(&self.bytes);
        self.out.push_str(&text);
        self.bytes.clear();
    }

    fn finish(mut self) -> String {
        self.flush();
        let text = if self.html {
            super::html::to_text(&self.out)
        } else {
            self.out
        };
        let kept: String = text
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n'))
            .collect();
        drop_empty_fields(&kept)
            .trim_end()
            .trim_start_matches('\n')
            .to_string()
    }
}

/// A control word's numeric parameter, if it has one, and where it ends.
fn parameter(rtf: &[u8], at: usize) -> (Option<i64>, usize) {
    let negative = rtf.get(at) == Some(&b'-');
    let from = at + usize::from(negative);
    let digits = rtf
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (None, at);
    }
    let value = rtf[from..from + digits].iter().fold(0i64, |v, d| {
        (v * 10 + i64::from(d - b'0')).min(i64::from(u32::MAX))
    });
    (Some(if negative { -value } else { value }), from + digits)
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The encoding of a Windows code page number (`\ansicpgN`), where
/// encoding_rs has it.
fn codepage(n: i64) -> Option<&'static Encoding> {
    let label = match n {
        65001 => return Some(encoding_rs::UTF_8),
        874 => "windows-874".to_string(),
        932 => "shift_jis".to_string(),
        936 => "gbk".to_string(),
        949 => "euc-kr".to_string(),
        950 => "big5".to_string(),
        866 => "ibm866".to_string(),
        1250..=1258 => format!("windows-{n}"),
        10000 => "macintosh".to_string(),
        20866 => "koi8-r".to_string(),
        21866 => "koi8-u".to_string(),
        28591..=28606 => format!("iso-8859-{}", n - 28590),
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

/// Word shows an empty legacy text field (FORMTEXT) as five EN SPACEs
/// (U+2002). A run of them next to whitespace or a line's end is dropped,
/// so a label followed by an empty field reads as having no value; a run
/// between two words becomes one space. Shared with `doc.rs`.
pub(super) fn drop_empty_fields(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{2002}' {
            out.push(c);
            continue;
        }
        while chars.peek() == Some(&'\u{2002}') {
            chars.next();
        }
        let before = out.chars().next_back().is_none_or(char::is_whitespace);
        let after = chars.peek().is_none_or(|c| c.is_whitespace());
        if !before && !after {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cases: &[(&str, &str)]) {
        for (rtf, want) in cases {
            let got = to_text(rtf.as_bytes(), &Limits::default());
            assert_eq!(got.as_deref(), Ok(*want), "{rtf}");
        }
    }

    #[test]
    fn paragraphs_tables_and_fields() {
        check(&[
            (
                concat!(
                    r#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl ;\red255\green0\blue0;}"#,
                    r#"{\*\generator Riched20 10.0.19041}\viewkind4\uc1\pard\f0\fs22 Organisation: Mora kommun\par"#,
                    "\r\n",
                    r#"Representant: Anna\par"#,
                    "\r\n}\r\n\0",
                ),
                "Organisation: Mora kommun\nRepresentant: Anna",
            ),
            (
                concat!(
                    r#"{\rtf1\ansi\trowd\cellx2000\cellx5000\pard\intbl Organisation\cell Mora kommun\cell\row"#,
                    r#"\trowd\cellx2000\cellx5000\pard\intbl Datum:\cell\cell\row\pard Efter\par}"#,
                ),
                "Organisation\tMora kommun\nDatum:\t\nEfter",
            ),
            (
                concat!(
                    r#"{\rtf1\ansi Namn: {\field{\*\fldinst {\lang1053  FORMTEXT }{\*\datafield 80010000}}"#,
                    r#"{\fldrslt {\lang1053 Karin Ek}}}\par Telefon: {\field{\*\fldinst  FORMTEXT {\*\datafield 00}}"#,
                    r#"{\fldrslt \u8194\'20\u8194\'20\u8194\'20\u8194\'20\u8194\'20}}\par "#,
                    r#"Webb: {\field{\*\fldinst HYPERLINK "https://mora.se"}{\fldrslt mora.se}}\par}"#,
                ),
                "Namn: Karin Ek\nTelefon: \nWebb: mora.se",
            ),
            (
                // A nested table: `\nestrow` sits in an ignorable destination,
                // `\nonesttables` is for readers without nested tables.
                concat!(
                    r#"{\rtf1 \pard\intbl\itap2 A\nestcell B\nestcell{\*\nesttableprops\trowd\cellx100\cellx200\nestrow}"#,
                    r#"{\nonesttables\par}\pard\intbl\itap1 \cell\row}"#,
                ),
                "A\tB",
            ),
            (
                r#"{\rtf1\ansi\fromtext \fbidis \deff0{\fonttbl{\f0\fmodern Courier New;}}\pard\plain Hej\par Organisation: Mora\par}"#,
                "Hej\nOrganisation: Mora",
            ),
        ]);
    }

    #[test]
    fn characters() {
        check(&[
            (
                r#"{\rtf1\ansi\ansicpg1252 \'e5\'e4\'f6\'c5\'c4\'d6}"#,
                "åäöÅÄÖ",
            ),
            (r#"{\rtf1 \u229?r}"#, "år"),
            (r#"{\rtf1 \uc2\u246 oo!}"#, "ö!"),
            (r#"{\rtf1 \u-10179?\u-8694?}"#, "\u{1F60A}"),
            (r#"{\rtf1 a\~b\-c\_d \{\}\\}"#, "a\u{A0}bc-d {}\\"),
            (
                r#"{\rtf1 \ldblquote A\rdblquote\emdash B\endash\bullet}"#,
                "\u{201C}A\u{201D}\u{2014}B\u{2013}\u{2022}",
            ),
            (r#"{\rtf1\ansi\ansicpg932 \'82\'a0}"#, "\u{3042}"),
            ("\u{FEFF} \r\n{\\rtf1 x}", "x"),
        ]);
    }

    #[test]
    fn groups_destinations_and_binary_data() {
        let nested = format!(r"{{\rtf1 {}x{}}}", "{".repeat(900), "}".repeat(900));
        check(&[
            (
                r#"{\rtf1 a{b{\b c}d}e{\*\unknown hidden}{\info{\title T}}{\header H}f{\pict\bin3 {}}}g}"#,
                "abcdefg",
            ),
            (nested.as_str(), "x"),
        ]);
        let deep = format!(r"{{\rtf1 {}x{}}}", "{".repeat(100_000), "}".repeat(100_000));
        let got = to_text(deep.as_bytes(), &Limits::default());
        assert!(got.as_ref().is_err_and(|e| e.contains("deeper")), "{got:?}");
    }

    #[test]
    fn encapsulated_html_is_read_as_html() {
        let rtf = concat!(
            r#"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}"#,
            "\r\n",
            r#"{\*\htmltag19 <html>}{\*\htmltag50 <body>}"#,
            r#"{\*\htmltag84 <p>}Organisation: Mora kommun\htmlrtf {\b only in RTF}\par\htmlrtf0{\*\htmltag72 </p>}"#,
            "\r\n",
            r#"{\*\htmltag84 <p>}Representant: Anna \'c5berg{\*\htmltag244 <o:p>}{\*\htmltag252 </o:p>}"#,
            r#"\htmlrtf\par\htmlrtf0{\*\htmltag72 </p>}{\*\htmltag58 </body>}{\*\htmltag27 </html>}}"#,
        );
        let text = to_text(rtf.as_bytes(), &Limits::default()).expect("readable");
        assert!(text.contains("Organisation: Mora kommun"), "{text}");
        assert!(text.contains("Representant: Anna Åberg"), "{text}");
        for absent in ["only in RTF", "<p>", "Arial"] {
            assert!(!text.contains(absent), "{text}");
        }
    }

    #[test]
    fn limits_and_other_files() {
        let small = Limits {
            max_attachment_bytes: 10,
            ..Limits::default()
        };
        let cases: [(&[u8], &Limits, &str); 3] = [
            (b"PK\x03\x04 a zip", &Limits::default(), "not an RTF"),
            (b"hello {\\rtf1 x}", &Limits::default(), "not an RTF"),
            (b"{\\rtf1 long enough}", &small, "max_attachment_bytes"),
        ];
        for (data, limits, reason) in cases {
            match read(data, limits) {
                Extracted::Unreadable(why) => assert!(why.contains(reason), "{why}"),
                other => panic!("{reason}: {other:?}"),
            }
        }
        let short = Limits {
            max_body_chars: 5,
            ..Limits::default()
        };
        let text = to_text(b"{\\rtf1 abcdefghijklmnop}", &short).expect("readable");
        assert!(text.starts_with("abcde") && text.len() < 10, "{text}");
        assert!(matches!(
            read(b"{\\rtf1 x}", &Limits::default()),
            Extracted::Text {
                method: Method::Rtf,
                ..
            }
        ));
    }

    #[test]
    fn en_space_runs() {
        assert_eq!(
            drop_empty_fields("Namn:\t\u{2002}\u{2002}\nA\u{2002}B"),
            "Namn:\t\nA B"
        );
    }
}
