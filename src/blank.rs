//! The form as a Word file (.docx) that blankett sends with a request: a
//! heading, one line of instructions and a two-column table, each row a
//! label (the wording `attach::docx` and the text reader take back as that
//! value) and a cell to write in, filled with what is registered. Pure:
//! values in, bytes out. Built with the `zip` crate blankett already reads
//! Word files with; the XML is small enough to write by hand, which keeps a
//! document library out of the build.

use crate::form::Key;
use crate::roster::Fields;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

/// What stands on the form besides the table.
#[derive(Debug, Clone, Copy)]
pub struct Heading<'a> {
    /// The first line, e.g. "Representant och ersättare".
    pub title: &'a str,
    /// One line under it: how to fill it in and send it back.
    pub instructions: &'a str,
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// The table's widths in twentieths of a point: about 6 cm and 10 cm.
const LABEL_WIDTH: u32 = 3400;
const VALUE_WIDTH: u32 = 5600;

/// XML text with the five special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A paragraph; `bold` for the label column and the heading, `size` in half points.
fn paragraph(text: &str, bold: bool, size: Option<u32>) -> String {
    let mut props = String::new();
    if bold {
        props.push_str("<w:b/>");
    }
    if let Some(size) = size {
        props.push_str(&format!("<w:sz w:val=\"{size}\"/>"));
    }
    let props = if props.is_empty() {
        String::new()
    } else {
        format!("<w:rPr>{props}</w:rPr>")
    };
    if text.is_empty() {
        return "<w:p/>".into();
    }
    // A value's lines stay lines in its cell.
    let runs: Vec<String> = text
        .lines()
        .map(|line| format!("<w:t xml:space=\"preserve\">{}</w:t>", escape(line)))
        .collect();
    format!("<w:p><w:r>{props}{}</w:r></w:p>", runs.join("<w:br/>"))
}

fn cell(width: u32, content: &str) -> String {
    format!("<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>{content}</w:tc>")
}

/// `word/document.xml` for the form.
fn document(heading: &Heading<'_>, fields: &Fields) -> String {
    let border = |side: &str| {
        format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"808080\"/>")
    };
    let borders: String = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|s| border(s))
        .collect();
    let rows: String = Key::ALL
        .iter()
        .map(|key| {
            let value = fields.get(key).map_or("", String::as_str);
            format!(
                "<w:tr>{}{}</w:tr>",
                cell(LABEL_WIDTH, &paragraph(key.reply_label(), true, None)),
                cell(VALUE_WIDTH, &paragraph(value, false, None))
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}{}<w:tbl><w:tblPr><w:tblW w:w="{}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid><w:gridCol w:w="{LABEL_WIDTH}"/><w:gridCol w:w="{VALUE_WIDTH}"/></w:tblGrid>{rows}</w:tbl><w:p/><w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#,
        paragraph(heading.title, true, Some(32)),
        paragraph(heading.instructions, false, None),
        LABEL_WIDTH + VALUE_WIDTH,
    )
}

/// The MIME type of a .docx file.
pub const DOCX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The form as the bytes of a .docx file, filled with `fields`.
pub fn docx(heading: &Heading<'_>, fields: &Fields) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", RELS.to_string()),
        ("word/document.xml", document(heading, fields)),
    ] {
        zip.start_file(name, options)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::Rendered;
    use crate::limits::Limits;
    use crate::outgoing::{self, File, Origin, Outgoing, Thread};
    use crate::parse::{self, Context};
    use crate::report::{Report, Status};

    const HEADING: Heading<'static> = Heading {
        title: "Länsgruppen – blankett för Mora kommun",
        instructions:
            "Fyll i den högra kolumnen, spara och skicka tillbaka filen som svar på mejlet.",
    };

    /// The form as an organisation sends it back: attached to a mail whose
    /// text says nothing of the values.
    fn sent_back(form: &[u8]) -> Report {
        let rendered = Rendered {
            subject: "Blankett".into(),
            text: "Hej! Här kommer blanketten.".into(),
            html: "<p>Hej! Här kommer blanketten.</p>".into(),
        };
        let bytes = outgoing::build_with(
            &Outgoing {
                from: "kerstin.ahl@mora.test",
                to: "strateg@lansstyrelsen.test",
                rendered: &rendered,
                message_id: "<b1@mora.test>",
                thread: &Thread::default(),
                marker: "x",
                original: None,
            },
            Origin::Reply,
            &[File {
                name: "Blankett.docx",
                content_type: DOCX_TYPE,
                bytes: form,
            }],
        )
        .expect("builds");
        // A person's mail, not blankett's: no Auto-Submitted, no loop marker.
        let text = String::from_utf8(bytes).expect("ASCII headers");
        let bytes: String = text
            .split_inclusive("\r\n")
            .filter(|l| {
                !l.starts_with("Auto-Submitted")
                    && !l.starts_with("X-Auto-Response")
                    && !l.starts_with("X-Blankett")
            })
            .collect();
        let bytes = bytes.into_bytes();
        let organisations = crate::organisations::Organisations::builtin();
        let required = crate::form::default_required();
        let ctx = Context {
            organisations: &organisations,
            required: &required,
            limits: &Limits::default(),
            ocr: None,
        };
        parse::parse(&bytes, &ctx).expect("parses")
    }

    #[test]
    fn an_empty_form_has_every_label_and_is_no_form_yet() {
        let bytes = docx(&HEADING, &Fields::new()).expect("builds");
        assert!(bytes.starts_with(b"PK"));
        let crate::attach::Extracted::Text { text, .. } =
            crate::attach::docx::read(&bytes, &Limits::default())
        else {
            panic!("the form does not open");
        };
        for key in Key::ALL {
            assert!(
                text.contains(key.reply_label()),
                "{} in {text}",
                key.reply_label()
            );
        }
        let report = sent_back(&bytes);
        assert!(
            report.fields.is_empty(),
            "an empty form holds no values: {:?}",
            report.fields
        );
        assert_eq!(report.status, Status::NotAForm);
    }

    #[test]
    fn a_filled_form_reads_back_exactly() {
        let fields: Fields = [
            (Key::Organisation, "Mora kommun"),
            (Key::RepresentativeName, "Kerstin Åhl"),
            (Key::RepresentativeEmail, "kerstin.ahl@mora.test"),
            (Key::SubstituteName, "Jonas Berg"),
            (Key::SubstituteEmail, "jonas.berg@mora.test"),
            (
                Key::InternalChannels,
                "Socialtjänsten & kvinnofridssamordnare\nIntranätet <Mora>",
            ),
            (Key::ManagerName, "Lena Ek"),
            (Key::ManagerTitle, "Socialchef"),
            (Key::ManagerContact, "lena.ek@mora.test"),
            (Key::SignedDate, "2026-12-03"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
        let report = sent_back(&docx(&HEADING, &fields).expect("builds"));
        assert_eq!(report.status, Status::Complete, "{report:?}");
        assert_eq!(report.fields, fields);
    }
}
