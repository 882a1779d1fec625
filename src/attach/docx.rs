//! Word (.docx) attachments to text in reading order: reads `word/document.xml`
//! only (never headers, footers, footnotes or comments), accepts tracked
//! changes, leaves out content-control placeholder text and field codes.
//! Also owns the bounded zip and XML plumbing that `odt.rs` shares. It must not
//! look for labels or values: the text pipeline (`parse::read_text`) does that.

use super::Extracted;
use crate::limits::Limits;
use crate::report::Method;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::{Cursor, Read};

/// Elements nested deeper than this make a document unreadable; Word and
/// LibreOffice stay far below it even with tables inside tables.
pub(super) const MAX_DEPTH: usize = 256;

/// Reads a .docx file into text.
pub fn read(data: &[u8], limits: &Limits) -> Extracted {
    let part = "word/document.xml";
    let result = entry(data, part, limits).and_then(|xml| {
        let mut walker = Docx::default();
        walk(&xml, part, limits, &mut walker)?;
        Ok(walker.layout.finish())
    });
    match result {
        Ok(text) => Extracted::Text {
            text,
            method: Method::Docx,
        },
        Err(reason) => Extracted::Unreadable(reason),
    }
}

/// Inflates one part of a zip archive, refusing to inflate more than
/// `limits.max_inflated_bytes` whatever the archive declares.
pub(super) fn entry(data: &[u8], name: &str, limits: &Limits) -> Result<String, String> {
    let budget = limits.max_inflated_bytes;
    let mut archive = zip::ZipArchive::new(Cursor::new(data))
        .map_err(|e| format!("the document is not a readable zip archive ({e})"))?;
    let file = archive
        .by_name(name)
        .map_err(|e| format!("the document has no readable {name} ({e})"))?;
    let declared = file.size();
    if declared > budget {
        return Err(too_large(name, budget));
    }
    let capacity = usize::try_from(declared).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    // The declared size may lie (a zip bomb): the `take` is what bounds memory.
    file.take(budget.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name} cannot be inflated ({e})"))?;
    if bytes.len() as u64 > budget {
        return Err(too_large(name, budget));
    }
    Ok(decode(bytes))
}

fn too_large(name: &str, budget: u64) -> String {
    format!("{name} inflates to more than {budget} bytes (limits.max_inflated_bytes): possibly a zip bomb")
}

/// Word and LibreOffice write their XML parts in UTF-8 (a BOM is allowed).
fn decode(bytes: Vec<u8>) -> String {
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    match text.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// What a document format does with the elements the shared loop meets.
pub(super) trait Walker {
    fn open(&mut self, name: &str, element: &BytesStart<'_>, empty: bool);
    fn close(&mut self, name: &str);
    fn text(&mut self, text: &str);
    fn layout(&self) -> &Layout;
}

/// Runs an XML part through a walker. Only the five predefined entities and
/// character references are resolved: a DTD's own entities (billion laughs)
/// are never expanded, their references are dropped.
pub(super) fn walk(
    xml: &str,
    part: &str,
    limits: &Limits,
    walker: &mut impl Walker,
) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    let mut depth = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("{part} is not well-formed XML ({e})"))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("{part} nests elements deeper than {MAX_DEPTH}"));
                }
                walker.open(e.local_name().into_inner(), &e, false);
            }
            Event::Empty(e) => walker.open(e.local_name().into_inner(), &e, true),
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                walker.close(e.local_name().into_inner());
            }
            Event::Text(e) => walker.text(&e.xml10_content()),
            Event::CData(e) => walker.text(&e.xml10_content()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => predefined(&r),
                    Err(_) => None,
                };
                if let Some(c) = c {
                    walker.text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        if walker.layout().len() > limits.max_body_chars {
            // Enough text for any form: keep what was read.
            return Ok(());
        }
    }
}

fn predefined(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// The value of an attribute by its local name (prefixes vary between writers).
pub(super) fn attribute(element: &BytesStart<'_>, local: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == local)
        .map(|a| a.value.into_owned())
}

/// Lays paragraphs and tables out as lines: one line per paragraph, a table
/// row's cells separated by a tab, a cell's later paragraphs on lines of their
/// own. Text outside any paragraph is dropped.
#[derive(Debug, Default)]
pub(super) struct Layout {
    out: String,
    /// Open paragraphs; a text box nests one paragraph inside another.
    paragraphs: Vec<String>,
    /// Per open table: cells begun in the current row, paragraphs in the current cell.
    tables: Vec<(usize, usize)>,
    /// Text of paragraphs whose mark was deleted (they join the next one).
    carry: String,
}

impl Layout {
    pub(super) fn len(&self) -> usize {
        self.out.len()
    }

    pub(super) fn start_paragraph(&mut self) {
        let carried = std::mem::take(&mut self.carry);
        self.paragraphs.push(carried);
    }

    pub(super) fn text(&mut self, text: &str) {
        if let Some(p) = self.paragraphs.last_mut() {
            p.push_str(text);
        }
    }

    /// The text of the open paragraph, if any.
    pub(super) fn current(&self) -> Option<&str> {
        self.paragraphs.last().map(String::as_str)
    }

    /// Ends a paragraph; `joined` when its mark was deleted in a tracked change.
    pub(super) fn end_paragraph(&mut self, joined: bool) {
        let Some(text) = self.paragraphs.pop() else {
            return;
        };
        if joined && self.paragraphs.is_empty() {
            self.carry = text;
            return;
        }
        let separator = match self.tables.last_mut() {
            Some((cells, paragraphs)) => {
                *paragraphs += 1;
                if *paragraphs == 1 && *cells > 1 {
                    '\t'
                } else {
                    '\n'
                }
            }
            None => '\n',
        };
        self.out.push(separator);
        self.out.push_str(&text);
    }

    pub(super) fn start_table(&mut self) {
        // Later paragraphs of the cell holding this table go on their own lines.
        if let Some((_, paragraphs)) = self.tables.last_mut() {
            *paragraphs += 1;
        }
        self.tables.push((0, 0));
    }

    pub(super) fn end_table(&mut self) {
        self.tables.pop();
    }

    pub(super) fn start_row(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            *t = (0, 0);
        }
    }

    pub(super) fn start_cell(&mut self) {
        if let Some((cells, paragraphs)) = self.tables.last_mut() {
            *cells += 1;
            *paragraphs = 0;
        }
    }

    pub(super) fn finish(mut self) -> String {
        if !self.carry.is_empty() {
            let carried = std::mem::take(&mut self.carry);
            self.paragraphs.push(carried);
            self.end_paragraph(false);
        }
        let mut out = self.out;
        if out.starts_with('\n') {
            out.remove(0);
        }
        out
    }
}

/// The elements of WordprocessingML that matter for the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    R,
    T,
    Tbl,
    Tr {
        deleted: bool,
    },
    Tc,
    Sdt,
    SdtPr,
    PPr,
    RPr,
    TrPr,
    /// Removed text: a tracked deletion, moved-away text, or a duplicate
    /// rendering (`mc:Fallback`).
    Skipped,
    Other,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "p" => Tag::P,
            "r" => Tag::R,
            "t" => Tag::T,
            "tbl" => Tag::Tbl,
            "tr" => Tag::Tr { deleted: false },
            "tc" => Tag::Tc,
            "sdt" => Tag::Sdt,
            "sdtPr" => Tag::SdtPr,
            "pPr" => Tag::PPr,
            "rPr" => Tag::RPr,
            "trPr" => Tag::TrPr,
            "del" | "moveFrom" | "Fallback" => Tag::Skipped,
            _ => Tag::Other,
        }
    }
}

#[derive(Debug, Default)]
struct Docx {
    layout: Layout,
    stack: Vec<Tag>,
    /// Open skipped elements (and deleted rows).
    skipped: usize,
    /// Per open content control: whether it shows its placeholder.
    controls: Vec<bool>,
    /// Per open complex field: whether its result part has begun.
    fields: Vec<bool>,
    /// Per open paragraph: whether its mark was deleted.
    joined: Vec<bool>,
}

impl Docx {
    fn visible(&self) -> bool {
        self.skipped == 0 && !self.controls.iter().any(|p| *p) && self.fields.iter().all(|r| *r)
    }

    fn parent(&self, n: usize) -> Option<Tag> {
        self.stack.iter().rev().nth(n).copied()
    }
}

impl Walker for Docx {
    fn open(&mut self, name: &str, element: &BytesStart<'_>, empty: bool) {
        let mut tag = Tag::of(name);
        let structural = self.skipped == 0;
        match tag {
            Tag::P if structural => {
                self.layout.start_paragraph();
                self.joined.push(false);
            }
            Tag::Tbl if structural => self.layout.start_table(),
            Tag::Tr { .. } if structural => self.layout.start_row(),
            Tag::Tc if structural => self.layout.start_cell(),
            Tag::Sdt => self.controls.push(false),
            Tag::Skipped if name == "del" && self.parent(0) == Some(Tag::RPr) => {
                // A deleted paragraph mark: the paragraph joins the next one.
                tag = Tag::Other;
                if self.parent(1) == Some(Tag::PPr) {
                    if let Some(j) = self.joined.last_mut() {
                        *j = true;
                    }
                }
            }
            Tag::Skipped if name == "del" && self.parent(0) == Some(Tag::TrPr) => {
                // A deleted table row: skip it up to its end.
                tag = Tag::Other;
                if let Some(Tag::Tr { deleted }) = self.stack.iter_mut().rev().nth(1) {
                    if !*deleted {
                        *deleted = true;
                        self.skipped += 1;
                    }
                }
            }
            Tag::Skipped if !empty => self.skipped += 1,
            Tag::Other => match name {
                "showingPlcHdr" if self.parent(0) == Some(Tag::SdtPr) => {
                    if let Some(p) = self.controls.last_mut() {
                        *p = true;
                    }
                }
                "fldChar" => match attribute(element, "fldCharType").as_deref() {
                    Some("begin") => self.fields.push(false),
                    Some("separate") => {
                        if let Some(r) = self.fields.last_mut() {
                            *r = true;
                        }
                    }
                    Some("end") => {
                        self.fields.pop();
                    }
                    _ => {}
                },
                "tab" | "ptab" if self.parent(0) == Some(Tag::R) && self.visible() => {
                    self.layout.text("\t");
                }
                "br" | "cr" if self.parent(0) == Some(Tag::R) && self.visible() => {
                    self.layout.text("\n");
                }
                "noBreakHyphen" if self.parent(0) == Some(Tag::R) && self.visible() => {
                    self.layout.text("-");
                }
                _ => {}
            },
            _ => {}
        }
        if empty {
            // An element without content closes where it opens.
            match tag {
                Tag::P if structural => {
                    self.joined.pop();
                    self.layout.end_paragraph(false);
                }
                Tag::Tbl if structural => self.layout.end_table(),
                Tag::Sdt => {
                    self.controls.pop();
                }
                _ => {}
            }
        } else {
            self.stack.push(tag);
        }
    }

    fn close(&mut self, _name: &str) {
        let Some(tag) = self.stack.pop() else {
            return;
        };
        match tag {
            Tag::Skipped => self.skipped = self.skipped.saturating_sub(1),
            Tag::Tr { deleted: true } => self.skipped = self.skipped.saturating_sub(1),
            Tag::Sdt => {
                self.controls.pop();
            }
            _ => {}
        }
        if self.skipped > 0 {
            return;
        }
        match tag {
            Tag::P => {
                let joined = self.joined.pop().unwrap_or(false);
                self.layout.end_paragraph(joined);
            }
            Tag::Tbl => self.layout.end_table(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.parent(0) == Some(Tag::T) && self.visible() {
            self.layout.text(text);
        }
    }

    fn layout(&self) -> &Layout {
        &self.layout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn text(body: &str) -> String {
        let xml = format!("<w:document {W}><w:body>{body}</w:body></w:document>");
        let mut walker = Docx::default();
        walk(&xml, "test", &Limits::default(), &mut walker).expect("well-formed");
        walker.layout.finish()
    }

    fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            let options = zip::write::SimpleFileOptions::default();
            zip.start_file(*name, options).expect("entry");
            zip.write_all(data).expect("write");
        }
        zip.finish().expect("finish").into_inner()
    }

    fn check(cases: &[(&str, &str)]) {
        for (body, want) in cases {
            assert_eq!(text(body), *want, "{body}");
        }
    }

    #[test]
    fn runs_references_tabs_and_breaks() {
        check(&[
            (
                "<w:p><w:r><w:t xml:space=\"preserve\">Mora </w:t></w:r><w:proofErr/><w:r><w:t>kom</w:t></w:r><w:bookmarkStart w:id=\"0\"/><w:r><w:t>mun &amp; AT&#8211;X</w:t></w:r></w:p>",
                "Mora kommun & AT\u{2013}X",
            ),
            (
                "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"2000\"/></w:tabs></w:pPr><w:r><w:t>Titel:</w:t><w:tab/><w:t>Chef</w:t><w:br/><w:t>Rad</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>Sist</w:t></w:r></w:p>",
                "Titel:\tChef\nRad\n\nSist",
            ),
            (
                "<w:p><w:r><mc:AlternateContent><mc:Choice><w:t>A</w:t></mc:Choice><mc:Fallback><w:t>A</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>",
                "A",
            ),
        ]);
    }

    #[test]
    fn tables_put_a_row_on_one_line() {
        let cell = |t: &str| format!("<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>");
        let row = format!(
            "<w:tr>{}{}</w:tr><w:tr>{}<w:tc><w:p><w:r><w:t>APT</w:t></w:r></w:p><w:p><w:r><w:t>Intranät</w:t></w:r></w:p></w:tc></w:tr><w:tr>{}<w:tc><w:p/></w:tc></w:tr>",
            cell("Organisation"),
            cell("Mora kommun"),
            cell("Interna kontaktvägar:"),
            cell("Datum:"),
        );
        check(&[(
            &format!("<w:p><w:r><w:t>Före</w:t></w:r></w:p><w:tbl>{row}</w:tbl><w:p><w:r><w:t>Efter</w:t></w:r></w:p>"),
            "Före\nOrganisation\tMora kommun\nInterna kontaktvägar:\tAPT\nIntranät\nDatum:\t\nEfter",
        )]);
    }

    #[test]
    fn placeholders_and_form_fields_are_empty() {
        check(&[
            (
                "<w:p><w:r><w:t>Organisation: </w:t></w:r><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>Klicka eller tryck här för att ange text.</w:t></w:r></w:sdtContent></w:sdt></w:p>",
                "Organisation: ",
            ),
            (
                "<w:p><w:r><w:t>Namn: </w:t></w:r><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:name w:val=\"Text1\"/><w:textInput/></w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMTEXT </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>Karin</w:t></w:r><w:r><w:t xml:space=\"preserve\"> Ek</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>",
                "Namn: Karin Ek",
            ),
            (
                // A field nested in another's instruction shows nothing.
                "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>inner</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>outer</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>",
                "outer",
            ),
        ]);
    }

    #[test]
    fn tracked_changes_are_accepted() {
        check(&[
            (
                "<w:p><w:r><w:t>Representant: </w:t></w:r><w:del w:id=\"1\"><w:r><w:delText>Gammal</w:delText></w:r></w:del><w:ins w:id=\"2\"><w:r><w:t>Ny</w:t></w:r></w:ins><w:moveFrom><w:r><w:t>Bort</w:t></w:r></w:moveFrom></w:p>",
                "Representant: Ny",
            ),
            (
                "<w:p><w:pPr><w:rPr><w:del w:id=\"3\"/></w:rPr></w:pPr><w:r><w:t>Ersättare:</w:t></w:r></w:p><w:p><w:r><w:t> Erik</w:t></w:r></w:p>",
                "Ersättare: Erik",
            ),
            (
                "<w:tbl><w:tr><w:trPr><w:del w:id=\"4\"/></w:trPr><w:tc><w:p><w:r><w:t>Bort</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>Kvar</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
                "Kvar",
            ),
        ]);
    }

    #[test]
    fn dtd_entities_are_never_expanded() {
        let mut dtd = String::from("<!DOCTYPE w:document [<!ENTITY lol \"lol\">");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            dtd.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&{prev};").repeat(10)
            ));
        }
        dtd.push_str("]>");
        let xml = format!("{dtd}<w:document {W}><w:body><w:p><w:r><w:t>A&lol9;B</w:t></w:r></w:p></w:body></w:document>");
        let data = zipped(&[("word/document.xml", xml.as_bytes())]);
        let started = std::time::Instant::now();
        match read(&data, &Limits::default()) {
            Extracted::Text { text, .. } => assert_eq!(text, "AB"),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn broken_and_hostile_archives_are_unreadable() {
        let limits = Limits {
            max_inflated_bytes: 4000,
            ..Limits::default()
        };
        let big = vec![b' '; 5000];
        let good = zipped(&[("word/document.xml", b"<w:document/>")]);
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (zipped(&[("word/document.xml", &big)]), "max_inflated_bytes"),
            (good[..good.len() / 2].to_vec(), "zip"),
            (b"PK\x03\x04 not really".to_vec(), "zip"),
            (zipped(&[("content.xml", b"<x/>")]), "word/document.xml"),
            (
                zipped(&[("word/document.xml", b"<w:p><w:t>a</w:p>")]),
                "well-formed",
            ),
            (zipped(&[("word/document.xml", deep.as_bytes())]), "deeper"),
        ];
        for (data, reason) in cases {
            match read(&data, &limits) {
                Extracted::Unreadable(why) => assert!(why.contains(reason), "{why}"),
                other => panic!("{reason}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_label_cell_without_colon_reads_as_a_label() {
        let body = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Organisation</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Mora kommun</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>Representant</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Ingrid Mattsson</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
        let form = crate::parse::read_text(&text(body), false, &Limits::default());
        let org = form.values.get(&crate::form::Key::Organisation);
        assert_eq!(org.map(String::as_str), Some("Mora kommun"));
    }
}
