//! Limits that keep one message from exhausting the daemon. Configuration
//! (`[limits]`) may change them; the defaults are safe.

use serde::Deserialize;

/// Size and depth limits applied while reading a message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// A larger message is not read at all.
    pub max_message_bytes: usize,
    /// A larger attachment is not opened; if it was the form, the status is `unreadable`.
    pub max_attachment_bytes: usize,
    /// What one archive (.docx, .odt) may inflate to, in all.
    pub max_inflated_bytes: u64,
    /// MIME parts read per message; the rest are ignored.
    pub max_mime_parts: usize,
    /// How deep attached messages inside attached messages are followed.
    pub max_message_depth: usize,
    /// Characters of one body that are read.
    pub max_body_chars: usize,
    /// Lines of one text that are read.
    pub max_lines: usize,
    /// Seconds an OCR run may take per page before it is stopped.
    pub ocr_seconds: u64,
    /// Pages of a scanned PDF that are read with OCR.
    pub ocr_pages: u32,
    /// Pixels (width × height) of an image that is read with OCR; a larger
    /// one (a decompression bomb, or a scan at an absurd resolution) is
    /// unreadable without being decoded.
    pub max_image_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 40 * 1024 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            max_inflated_bytes: 50 * 1024 * 1024,
            max_mime_parts: 500,
            max_message_depth: 3,
            max_body_chars: 1_000_000,
            max_lines: 20_000,
            ocr_seconds: 30,
            ocr_pages: 3,
            max_image_pixels: 50_000_000,
        }
    }
}
