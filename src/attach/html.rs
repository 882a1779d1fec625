//! HTML bodies and HTML attachments to plain text that keeps a table row on
//! one line (label cell, then value cell), paragraphs on their own lines and
//! quotes (`<blockquote>`) marked with `> ` as a plain-text reply would.

use html2text::render::TextDecorator;
use regex::Regex;
use std::sync::LazyLock;

/// Lines longer than this are wrapped by the converter; forms have none.
const WIDTH: usize = 2000;

/// Converts HTML to text. HTML that cannot be converted gives an empty text
/// (the message is then judged on its other parts).
pub fn to_text(html: &str) -> String {
    // Mark where each table cell after the first begins, so that a label cell
    // and its value cell stay apart even when the label has no colon.
    let marked = NEXT_CELL.replace_all(html, "$1$2\u{E000}");
    let text = html2text::config::with_decorator(MailDecorator)
        .no_table_borders()
        .allow_width_overflow()
        .link_footnotes(false)
        .string_from_read(marked.as_bytes(), WIDTH)
        .unwrap_or_default();
    CELL_MARK.replace_all(&text, "\t").into_owned()
}

static NEXT_CELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?is)(</t[dh]>\s*<t[dh]\b[^>]*>)((?:\s*<(?:p|div|span|font|b|strong|i|em|o:p)\b[^>]*>)*)",
    )
    .expect("table cell pattern")
});
static CELL_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("[ \t]*\u{E000}[ \t]*").expect("cell mark pattern"));

/// Text as a mail client shows it: no link brackets or emphasis marks, image
/// titles dropped, quotes prefixed with `> `, list items with a marker that
/// the channel reader removes.
#[derive(Debug, Clone, Copy)]
struct MailDecorator;

impl TextDecorator for MailDecorator {
    type Annotation = ();

    fn decorate_link_start(&mut self, _url: &str) -> (String, Self::Annotation) {
        (String::new(), ())
    }
    fn decorate_link_end(&mut self) -> String {
        String::new()
    }
    fn decorate_em_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }
    fn decorate_em_end(&self) -> String {
        String::new()
    }
    fn decorate_strong_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }
    fn decorate_strong_end(&self) -> String {
        String::new()
    }
    fn decorate_strikeout_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }
    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }
    fn decorate_code_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }
    fn decorate_code_end(&self) -> String {
        String::new()
    }
    fn decorate_preformat_first(&self) -> Self::Annotation {}
    fn decorate_preformat_cont(&self) -> Self::Annotation {}
    fn decorate_image(&mut self, _src: &str, _title: &str) -> (String, Self::Annotation) {
        (String::new(), ())
    }
    fn header_prefix(&self, _level: usize) -> String {
        String::new()
    }
    fn quote_prefix(&self) -> String {
        "> ".to_string()
    }
    fn unordered_item_prefix(&self) -> String {
        "- ".to_string()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }
    fn make_subblock_decorator(&self) -> Self {
        MailDecorator
    }
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn links_tables_and_quotes() {
        let text = to_text(
            "<p><b>Mejladress:</b> <a href=\"mailto:a@b.se\">a@b.se</a></p>\
             <table><tr><td>Organisation</td><td>Mora kommun</td></tr></table>\
             <blockquote><p>Titel:</p></blockquote>",
        );
        assert!(text.contains("Mejladress: a@b.se\n"), "{text}");
        assert!(text.contains("Organisation\tMora kommun"), "{text}");
        assert!(text.contains("> Titel:"), "{text}");
    }
}
