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

/// The EXIF orientation (1-8) of a JPEG, if it has one: how a viewer must
/// turn the stored pixels to show the photo upright (6: a quarter turn
/// clockwise, as a phone held upright stores its photos).
pub fn exif_orientation(data: &[u8]) -> Option<u16> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    // Segments until the image data starts; each length is checked.
    for _ in 0..64 {
        let marker = *data.get(at + 1)?;
        if data[at] != 0xFF || marker == 0xD9 || marker == 0xDA {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*data.get(at + 2)?, *data.get(at + 3)?]));
        let segment = data.get(at + 4..at + 2 + len.max(2))?;
        if marker == 0xE1 && segment.starts_with(b"Exif\0\0") {
            return tiff_orientation(&segment[6..]);
        }
        at += 2 + len;
    }
    None
}

/// The Orientation tag (0x0112) of the first IFD of a TIFF header.
fn tiff_orientation(tiff: &[u8]) -> Option<u16> {
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        tiff.get(at..at + 2).map(|b| {
            if little {
                u16::from_le_bytes([b[0], b[1]])
            } else {
                u16::from_be_bytes([b[0], b[1]])
            }
        })
    };
    let u32_at = |at: usize| {
        tiff.get(at..at + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if little {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(256))
        .map(|n| ifd + 2 + n * 12)
        .find(|entry| u16_at(*entry) == Some(0x0112))
        .and_then(|entry| u16_at(entry + 8))
        .filter(|v| (1..=8).contains(v))
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

    /// A JPEG start with an EXIF segment holding one Orientation entry.
    fn jpeg_with_orientation(value: u16, little: bool) -> Vec<u8> {
        let mut tiff = Vec::new();
        let w16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        tiff.extend(if little { b"II" } else { b"MM" });
        tiff.extend(w16(42));
        tiff.extend(w32(8));
        tiff.extend(w16(1));
        tiff.extend(w16(0x0112));
        tiff.extend(w16(3));
        tiff.extend(w32(1));
        tiff.extend(w16(value));
        tiff.extend([0, 0]);
        tiff.extend(w32(0));
        let mut segment = b"Exif\0\0".to_vec();
        segment.extend(tiff);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(
            u16::try_from(segment.len() + 2)
                .expect("small")
                .to_be_bytes(),
        );
        out.extend(segment);
        out.extend([0xFF, 0xDA, 0, 2]);
        out
    }

    #[test]
    fn exif_orientation_of_a_phone_photo() {
        for value in [1, 3, 6, 8] {
            assert_eq!(
                exif_orientation(&jpeg_with_orientation(value, true)),
                Some(value)
            );
            assert_eq!(
                exif_orientation(&jpeg_with_orientation(value, false)),
                Some(value)
            );
        }
        assert_eq!(exif_orientation(&jpeg_with_orientation(9, true)), None);
        assert_eq!(exif_orientation(b"\xFF\xD8\xFF\xDA"), None);
        assert_eq!(exif_orientation(b"not a jpeg"), None);
        let mut cut = jpeg_with_orientation(6, true);
        cut.truncate(20);
        assert_eq!(exif_orientation(&cut), None);
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
