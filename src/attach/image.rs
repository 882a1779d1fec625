//! Whether an image can be a photo or scan of a page, judged by its bytes
//! (pixel size from the header), not by how the mail shows it: phones send
//! photos of the signed form inline, and signatures carry small logos that
//! must not cost an OCR run. Pure: reads the header only, decodes nothing.

use crate::limits::Limits;

/// The shortest side, in pixels, of an image that can be a page. A page
/// photographed or scanned at the lowest useful resolution (about 50 dpi on
/// A4) is wider than this; logos, icons and tracking pixels are smaller.
pub const MIN_PAGE_SIDE: u32 = 300;

/// An image a HTML body shows by `cid:` is the sender's own layout (a logo,
/// a banner) unless it is this large on its shortest side.
pub const MIN_REFERENCED_PAGE_SIDE: u32 = 800;

/// What an image is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Large enough to be a page: read it with OCR.
    Page { width: u32, height: u32 },
    /// Too small to be a page (a logo, an icon, a tracking pixel).
    NotAPage(&'static str),
    /// Cannot be read as an image, or breaks a limit; says why.
    Unreadable(String),
}

/// Judges an image's bytes. `referenced`: an HTML body shows it by `cid:`.
pub fn judge(data: &[u8], referenced: bool, limits: &Limits) -> Verdict {
    let size = match imagesize::blob_size(data) {
        Ok(size) => size,
        Err(e) => {
            return Verdict::Unreadable(format!(
                "the image cannot be read ({e}): it may be damaged or not an image at all"
            ))
        }
    };
    let (width, height) = (
        u32::try_from(size.width).unwrap_or(u32::MAX),
        u32::try_from(size.height).unwrap_or(u32::MAX),
    );
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_image_pixels {
        return Verdict::Unreadable(format!(
            "the image is {width} × {height} pixels, over the limit of {} pixels (limits.max_image_pixels)",
            limits.max_image_pixels
        ));
    }
    let short = width.min(height);
    if short < MIN_PAGE_SIDE {
        return Verdict::NotAPage("too small to be a page (a logo, an icon or a tracking pixel)");
    }
    if referenced && short < MIN_REFERENCED_PAGE_SIDE {
        return Verdict::NotAPage("a small picture in the HTML body (a logo or a banner)");
    }
    Verdict::Page { width, height }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG header (signature and IHDR) of the given size; the pixels are
    /// not needed to judge it.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        out.extend(width.to_be_bytes());
        out.extend(height.to_be_bytes());
        out.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
        out
    }

    #[test]
    fn pages_logos_pixels_and_bombs() {
        let l = Limits::default();
        assert_eq!(
            judge(&png(1500, 2000), false, &l),
            Verdict::Page {
                width: 1500,
                height: 2000
            }
        );
        assert_eq!(
            judge(&png(1500, 2000), true, &l),
            Verdict::Page {
                width: 1500,
                height: 2000
            }
        );
        assert!(
            matches!(judge(&png(200, 60), false, &l), Verdict::NotAPage(_)),
            "a logo"
        );
        assert!(
            matches!(judge(&png(1, 1), false, &l), Verdict::NotAPage(_)),
            "a tracking pixel"
        );
        assert!(
            matches!(judge(&png(500, 500), true, &l), Verdict::NotAPage(_)),
            "a square logo shown by cid"
        );
        assert!(matches!(
            judge(&png(500, 500), false, &l),
            Verdict::Page { .. }
        ));
        match judge(&png(20_000, 20_000), false, &l) {
            Verdict::Unreadable(why) => assert!(why.contains("20000 × 20000"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            judge(b"not an image at all", false, &l),
            Verdict::Unreadable(_)
        ));
    }
}
