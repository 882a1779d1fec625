//! LibreOffice (.odt) attachments to text in reading order: reads `content.xml`
//! only (headers and footers live in styles.xml and are never read), keeps
//! inserted text and leaves out tracked deletions, comments, notes and
//! placeholder fields. It must not look for labels or values: the text
//! pipeline does that. The zip and XML plumbing is shared with `docx.rs` in
//! `office.rs`.

use super::office::{attribute, entry, walk, Layout, Walker};
use super::Extracted;
use crate::limits::Limits;
use crate::report::Method;
use quick_xml::events::BytesStart;

/// `<text:s text:c="N"/>` may ask for this many spaces at most.
const MAX_SPACES: usize = 100;

/// Reads an .odt file into text.
pub fn read(data: &[u8], limits: &Limits) -> Extracted {
    let part = "content.xml";
    let result = entry(data, part, limits).and_then(|xml| {
        let mut walker = Odt::default();
        walk(&xml, part, limits, &mut walker)?;
        Ok(walker.layout.finish())
    });
    match result {
        Ok(text) => Extracted::Text {
            text,
            method: Method::Odt,
        },
        Err(reason) => Extracted::Unreadable(reason),
    }
}

/// The elements of ODF text documents that matter for the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    Table,
    Row,
    Cell,
    /// Not part of the visible text as accepted: the record of tracked
    /// changes (deleted text), comments, footnotes, placeholder fields and
    /// image descriptions.
    Skipped,
    Other,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "p" | "h" => Tag::P,
            "table" => Tag::Table,
            "table-row" => Tag::Row,
            "table-cell" => Tag::Cell,
            "tracked-changes" | "annotation" | "note" | "placeholder" | "desc" | "title" => {
                Tag::Skipped
            }
            _ => Tag::Other,
        }
    }
}

#[derive(Debug, Default)]
struct Odt {
    layout: Layout,
    stack: Vec<Tag>,
    skipped: usize,
    /// Whether the last character written was collapsible white space.
    space: bool,
}

impl Odt {
    fn write(&mut self, text: &str) {
        if self.skipped == 0 {
            self.layout.text(text);
            self.space = false;
        }
    }
}

impl Walker for Odt {
    fn open(&mut self, name: &str, element: &BytesStart<'_>, empty: bool) {
        let tag = Tag::of(name);
        if self.skipped == 0 {
            match tag {
                Tag::P => {
                    self.layout.start_paragraph();
                    self.space = true;
                }
                Tag::Table => self.layout.start_table(),
                Tag::Row => self.layout.start_row(),
                Tag::Cell => self.layout.start_cell(),
                Tag::Other => match name {
                    "s" => {
                        let count = attribute(element, "c")
                            .and_then(|c| c.trim().parse::<usize>().ok())
                            .unwrap_or(1)
                            .min(MAX_SPACES);
                        self.write(&" ".repeat(count));
                    }
                    "tab" => self.write("\t"),
                    "line-break" => self.write("\n"),
                    _ => {}
                },
                Tag::Skipped => {}
            }
        }
        if empty {
            // An empty paragraph or cell still takes its place.
            match tag {
                Tag::P if self.skipped == 0 => self.layout.end_paragraph(false),
                _ => {}
            }
            return;
        }
        if tag == Tag::Skipped {
            self.skipped += 1;
        }
        self.stack.push(tag);
    }

    fn close(&mut self, _name: &str) {
        let Some(tag) = self.stack.pop() else {
            return;
        };
        if tag == Tag::Skipped {
            self.skipped = self.skipped.saturating_sub(1);
            return;
        }
        if self.skipped > 0 {
            return;
        }
        match tag {
            Tag::P => self.layout.end_paragraph(false),
            Tag::Table => self.layout.end_table(),
            _ => {}
        }
    }

    /// ODF collapses white space in paragraphs (`text:s` spells out the rest).
    fn text(&mut self, text: &str) {
        if self.skipped > 0 || self.layout.current().is_none() {
            return;
        }
        let mut collapsed = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                if !self.space {
                    collapsed.push(' ');
                    self.space = true;
                }
            } else {
                collapsed.push(c);
                self.space = false;
            }
        }
        self.layout.text(&collapsed);
    }

    fn layout(&self) -> &Layout {
        &self.layout
    }
}

#[cfg(test)]
mod tests {
    use super::super::office::walk;
    use super::*;

    fn text(body: &str) -> String {
        let xml = format!(
            "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\" xmlns:table=\"x\"><office:body><office:text>{body}</office:text></office:body></office:document-content>"
        );
        let mut walker = Odt::default();
        walk(&xml, "test", &Limits::default(), &mut walker).expect("well-formed");
        walker.layout.finish()
    }

    #[test]
    fn paragraphs_spans_spaces_and_breaks() {
        let cases = [
            (
                "<text:h>Rubrik</text:h>\n<text:p>Organisation: <text:span>Ludvika</text:span> <text:span>kommun</text:span></text:p>",
                "Rubrik\nOrganisation: Ludvika kommun",
            ),
            (
                "<text:p>Titel:<text:tab/>Chef<text:s text:c=\"3\"/>A &amp; B&#8211;C</text:p><text:p/>",
                "Titel:\tChef   A & B\u{2013}C\n",
            ),
            (
                "<text:p>APT<text:line-break/>Intranät\n   och   mer</text:p><text:p><text:s text:c=\"999999999\"/>x</text:p>",
                &format!("APT\nIntranät och mer\n{}x", " ".repeat(MAX_SPACES)),
            ),
            (
                "<text:tracked-changes><text:changed-region><text:deletion><text:p>Gammal</text:p></text:deletion></text:changed-region></text:tracked-changes><text:p>Namn: <text:change-start text:change-id=\"c1\"/>Ny<text:change-end text:change-id=\"c1\"/><office:annotation><text:p>kommentar</text:p></office:annotation></text:p>",
                "Namn: Ny",
            ),
            (
                "<text:p>Namn: <text:placeholder text:placeholder-type=\"text\">&lt;Namn&gt;</text:placeholder></text:p>",
                "Namn: ",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(text(body), want, "{body}");
        }
    }

    #[test]
    fn tables_put_a_row_on_one_line() {
        let body = "<table:table><table:table-column/><table:table-row><table:table-cell><text:p>Organisation</text:p></table:table-cell><table:table-cell><text:p>Ludvika kommun</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell><text:p>Interna kontaktvägar:</text:p></table:table-cell><table:table-cell><text:p>APT</text:p><text:p>Intranät</text:p></table:table-cell></table:table-row></table:table>";
        assert_eq!(
            text(body),
            "Organisation\tLudvika kommun\nInterna kontaktvägar:\tAPT\nIntranät"
        );
    }

    #[test]
    fn a_document_without_content_is_unreadable() {
        assert!(matches!(
            read(b"PK\x03\x04", &Limits::default()),
            Extracted::Unreadable(_)
        ));
    }
}
