//! Outlook's compressed RTF (MS-OXRTFCP): the message body that a
//! winmail.dat carries as `PidTagRtfCompressed` (property 0x1009, binary).
//! Decompresses into at most the declared size and at most the caller's
//! limit; a cut-off stream is an error, never a panic. It must not read the
//! RTF: `attach::rtf` does that.

/// `compType` of a compressed stream ("LZFu") and of an uncompressed one ("MELA").
const LZFU: u32 = 0x7546_5A4C;
const MELA: u32 = 0x414C_454D;
/// compSize, rawSize, compType and crc, four bytes each.
const HEADER: usize = 16;
/// The part of the header that compSize counts (all but compSize itself).
const COUNTED_HEADER: usize = 12;
const DICTIONARY: usize = 4096;
/// What the dictionary holds before the first byte is read (MS-OXRTFCP 2.1.2.1).
const PREFIX: &[u8; 207] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// Decompresses an RTF body, writing at most `min(rawSize, max_out)` bytes:
/// past `max_out` the RTF is cut (its text comes before its pictures).
pub fn decompress(data: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
    let cut = || "the compressed RTF is cut off".to_string();
    let header = data.get(..HEADER).ok_or_else(cut)?;
    let field =
        |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let comp_size = usize::try_from(field(0)).map_err(|_| cut())?;
    let raw_size = usize::try_from(field(4)).map_err(|_| cut())?;
    let limit = raw_size.min(max_out);
    match field(8) {
        MELA => {
            let body = data.get(HEADER..).ok_or_else(cut)?;
            if body.len() < limit {
                return Err(cut());
            }
            Ok(body[..limit].to_vec())
        }
        LZFU => {
            let end = comp_size
                .checked_sub(COUNTED_HEADER)
                .and_then(|n| n.checked_add(HEADER))
                .ok_or_else(cut)?;
            let body = data.get(HEADER..end).ok_or_else(cut)?;
            inflate(body, limit)
        }
        other => Err(format!(
            "the compressed RTF has an unknown compression type (0x{other:08X})"
        )),
    }
}

/// The LZ77 stream: each control byte, read from its lowest bit, says
/// whether the next token is a literal byte or a reference (12-bit offset
/// into the dictionary, 4-bit length less 2, big-endian). A reference to
/// the write position itself ends the stream.
fn inflate(body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let cut = || "the compressed RTF is cut off".to_string();
    let mut dictionary = [0u8; DICTIONARY];
    dictionary[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut write = PREFIX.len();
    // A token of at most 2 bytes gives at most 17 bytes: the input bounds
    // what is worth reserving whatever the header claims.
    let mut out = Vec::with_capacity(limit.min(body.len().saturating_mul(9)));
    let mut at = 0;
    while out.len() < limit {
        let control = *body.get(at).ok_or_else(cut)?;
        at += 1;
        for bit in 0..8 {
            if out.len() >= limit {
                break;
            }
            if control & (1 << bit) == 0 {
                let b = *body.get(at).ok_or_else(cut)?;
                at += 1;
                out.push(b);
                dictionary[write] = b;
                write = (write + 1) % DICTIONARY;
                continue;
            }
            let pair = body.get(at..at + 2).ok_or_else(cut)?;
            at += 2;
            let reference = u16::from_be_bytes([pair[0], pair[1]]);
            let offset = usize::from(reference >> 4);
            let length = usize::from(reference & 0x0F) + 2;
            if offset == write {
                return Ok(out);
            }
            for k in 0..length {
                if out.len() >= limit {
                    break;
                }
                // Byte by byte: a reference may overlap what it writes.
                let b = dictionary[(offset + k) % DICTIONARY];
                out.push(b);
                dictionary[write] = b;
                write = (write + 1) % DICTIONARY;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    /// MS-OXRTFCP 3.1.1: simple compressed RTF.
    const EXAMPLE: [u8; 49] = [
        0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7,
        0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
        0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d,
        0x0a, 0x80, 0x0f, 0xa0,
    ];
    const PLAIN: &[u8] = b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";

    fn mela(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [body.len() as u32 + 12, body.len() as u32, MELA, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn the_specification_example_and_uncompressed_rtf() {
        assert_eq!(decompress(&EXAMPLE, usize::MAX).as_deref(), Ok(PLAIN));
        assert_eq!(decompress(&mela(PLAIN), usize::MAX).as_deref(), Ok(PLAIN));
        // The limit cuts the output, not the reading.
        assert_eq!(decompress(&EXAMPLE, 10).as_deref(), Ok(&PLAIN[..10]));
        assert_eq!(decompress(&mela(PLAIN), 10).as_deref(), Ok(&PLAIN[..10]));
        let rtf = decompress(&EXAMPLE, usize::MAX).expect("decompresses");
        let text = crate::attach::rtf::to_text(&rtf, &Limits::default());
        assert_eq!(text.as_deref(), Ok("hello world"));
    }

    #[test]
    fn cut_off_and_unknown_streams_are_errors() {
        for cut in 0..EXAMPLE.len() {
            let got = decompress(&EXAMPLE[..cut], usize::MAX);
            assert!(got.is_err(), "cut at {cut}: {got:?}");
        }
        let full = mela(PLAIN);
        assert!(decompress(&full[..full.len() - 1], usize::MAX).is_err());
        let mut unknown = EXAMPLE;
        unknown[8] = b'X';
        let got = decompress(&unknown, usize::MAX);
        assert!(got.is_err_and(|e| e.contains("compression type")));
        // A size that says the stream is shorter than its own header.
        let mut short = EXAMPLE;
        short[0] = 4;
        assert!(decompress(&short, usize::MAX).is_err());
    }

    #[test]
    fn any_changed_byte_gives_a_result_not_a_panic() {
        for at in 0..EXAMPLE.len() {
            for value in [0x00, 0x0F, 0x7F, 0xF0, 0xFF] {
                let mut data = EXAMPLE;
                data[at] = value;
                if let Ok(out) = decompress(&data, 1 << 16) {
                    assert!(out.len() <= 1 << 16);
                }
            }
        }
    }
}
