//! Word (.docx) attachments to text in reading order: reads `word/document.xml`
//! only (never headers, footers, footnotes or comments), accepts tracked
//! changes, leaves out content-control placeholder text and field codes. The
//! zip and XML plumbing is shared with `odt.rs` in `office.rs`. It must not
//! look for labels or values: the text pipeline (`parse::read_text`) does that.

use super::office::{attribute, entry, walk, Layout, Walker};
use super::Extracted;
use crate::limits::Limits;
use crate::report::Method;
use quick_xml::events::BytesStart;

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
    use super::super::office::MAX_DEPTH;
    use super::*;
    use std::io::{Cursor, Write};

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
