//! The roster as an .xlsx workbook, built in memory with rust_xlsxwriter:
//! bold frozen headings, an autofilter and columns wide enough to read.
//! Returns bytes; writing them to a file is the caller's business.

use super::{cells, ExportError, Marks, HEADINGS};
use crate::store::roster::Registration;
use rust_xlsxwriter::{Format, FormatAlign, Workbook};

/// The sheet's name, as the strategist would call it.
const SHEET: &str = "Representanter";

/// Columns are at least this wide and at most this wide, in characters; a
/// longer value wraps instead of making the column unwieldy.
const MIN_WIDTH: usize = 10;
const MAX_WIDTH: usize = 45;

/// The roster as the bytes of an .xlsx file. Every value is written as text
/// (never a formula or a number), so a phone number keeps its `+46` and a
/// value starting with `=` is not evaluated.
pub fn xlsx(regs: &[Registration]) -> Result<Vec<u8>, ExportError> {
    xlsx_with(regs, &Marks::new())
}

/// The workbook, with the addresses mail no longer reaches.
pub fn xlsx_with(regs: &[Registration], marks: &Marks) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_align(FormatAlign::Top);
    let wrapped = Format::new().set_align(FormatAlign::Top).set_text_wrap();

    let mut widths: Vec<usize> = HEADINGS.iter().map(|h| h.chars().count()).collect();
    for (col, heading) in (0u16..).zip(HEADINGS) {
        sheet.write_string_with_format(0, col, heading, &bold)?;
    }
    for (row, reg) in (1u32..).zip(regs) {
        for ((col, cell), width) in (0u16..).zip(cells(reg, marks)).zip(widths.iter_mut()) {
            let longest = cell.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            *width = (*width).max(longest);
            if cell.is_empty() {
                continue;
            }
            let format = if cell.contains('\n') || longest > MAX_WIDTH {
                &wrapped
            } else {
                &text
            };
            sheet.write_string_with_format(row, col, cell, format)?;
        }
    }
    for (col, width) in (0u16..).zip(&widths) {
        // A little room for the autofilter's button beside the heading.
        let width = (*width).clamp(MIN_WIDTH, MAX_WIDTH) + 2;
        sheet.set_column_width(col, u16::try_from(width).unwrap_or(u16::MAX))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(regs.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(HEADINGS.len() - 1).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::fixture;
    use std::io::{Cursor, Read};

    fn part(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip file");
        let mut file = archive.by_name(name).expect("the part is there");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8 XML");
        text
    }

    #[test]
    fn the_workbook_holds_headings_and_values() {
        let bytes = xlsx(&fixture()).expect("builds");
        assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip file");
        let strings = part(&bytes, "xl/sharedStrings.xml");
        for want in HEADINGS.iter().chain(&[
            "Falu kommun",
            "Anna Berg",
            "anna.berg@falun.test",
            "+46 23 12 34 56",
            "Ledningsgruppen\nIntranätet",
            "2026-11-30",
            "Trygga hem",
        ]) {
            assert!(strings.contains(want), "{want} not in:\n{strings}");
        }
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        // Headings frozen, filter over the table, columns sized, every value text.
        assert!(
            sheet.contains(r#"<pane ySplit="1" topLeftCell="A2""#),
            "{sheet}"
        );
        assert!(sheet.contains(r#"<autoFilter ref="A1:L3"/>"#), "{sheet}");
        assert!(sheet.contains("<cols>"), "{sheet}");
        assert!(!sheet.contains("<f>"), "no formulas: {sheet}");
        assert!(sheet.contains(r#"t="s""#), "{sheet}");
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(workbook.contains(r#"name="Representanter""#), "{workbook}");
        let styles = part(&bytes, "xl/styles.xml");
        assert!(
            styles.contains("<b/>"),
            "a bold font for the headings: {styles}"
        );
    }

    #[test]
    fn an_empty_roster_still_has_its_headings() {
        let bytes = xlsx(&[]).expect("builds");
        let strings = part(&bytes, "xl/sharedStrings.xml");
        assert!(strings.contains("Ersättarens mejladress"), "{strings}");
    }
}
