//! The bounded zip and XML plumbing that `docx.rs` and `odt.rs` share: inflates
//! one part of an archive within `limits.max_inflated_bytes`, walks its XML
//! without expanding a DTD's entities or nesting past `MAX_DEPTH`, and lays
//! paragraphs and tables out as lines. It must not know any document format's
//! elements (that is each format's `Walker`) nor look for labels or values.

use crate::limits::Limits;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::{Cursor, Read};

/// Elements nested deeper than this make a document unreadable; Word and
/// LibreOffice stay far below it even with tables inside tables.
pub(super) const MAX_DEPTH: usize = 256;

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
