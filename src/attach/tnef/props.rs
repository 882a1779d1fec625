//! The MAPI properties of a winmail.dat's attachment (`attAttachment`): the
//! file's long name, MIME type and, when Outlook put them there instead of in
//! `attAttachData`, its bytes; and the 8-bit and UTF-16 strings TNEF writes.
//! It must not trust a count or length it has not checked against the bytes.

use super::{over_budget, spend, Cursor, Pending};
use crate::limits::Limits;

/// MAPI property ids of an attachment.
const PR_DISPLAY_NAME: u16 = 0x3001;
const PR_ATTACH_DATA_BIN: u16 = 0x3701;
const PR_ATTACH_FILENAME: u16 = 0x3704;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
const PR_ATTACH_MIME_TAG: u16 = 0x370E;
/// The message's body as compressed RTF (message-level properties).
const PR_RTF_COMPRESSED: u16 = 0x1009;
/// MAPI property types whose values have a length of their own.
const PT_STRING8: u16 = 0x001E;
const PT_UNICODE: u16 = 0x001F;
const PT_BINARY: u16 = 0x0102;
const PT_OBJECT: u16 = 0x000D;
const MULTI_VALUED: u16 = 0x1000;

/// Reads an attachment's MAPI properties into `file`. A property of a type
/// this reader does not know ends the reading without a problem: the
/// properties after it cannot be found, but what was read stands.
pub(super) fn properties(
    value: &[u8],
    file: &mut Pending,
    budget: &mut usize,
    limits: &Limits,
) -> Result<(), String> {
    let damaged = || "its attachment properties are cut off or damaged".to_string();
    let mut cur = Cursor { data: value, at: 0 };
    let count = cur.u32().ok_or_else(damaged)?;
    for _ in 0..count {
        if cur.done() {
            return Err(damaged());
        }
        let kind = cur.u16().ok_or_else(damaged)?;
        let id = cur.u16().ok_or_else(damaged)?;
        if id >= 0x8000 {
            // A named property: its GUID and its number or name.
            cur.take(16).ok_or_else(damaged)?;
            match cur.u32().ok_or_else(damaged)? {
                0 => cur.take(4).map(|_| ()),
                _ => cur.len().and_then(|n| cur.padded(n)).map(|_| ()),
            }
            .ok_or_else(damaged)?;
        }
        let base = kind & !MULTI_VALUED;
        let variable = matches!(base, PT_STRING8 | PT_UNICODE | PT_BINARY | PT_OBJECT);
        let Some(size) = fixed_size(base).or(variable.then_some(0)) else {
            return Ok(());
        };
        let values = if variable || kind & MULTI_VALUED != 0 {
            cur.u32().ok_or_else(damaged)?
        } else {
            1
        };
        for _ in 0..values {
            let bytes = if variable {
                cur.len().and_then(|n| cur.padded(n))
            } else {
                cur.take(size)
            }
            .ok_or_else(damaged)?;
            match (id, base) {
                (PR_ATTACH_DATA_BIN, PT_BINARY) if file.data.is_none() => {
                    if !spend(budget, bytes.len()) {
                        return Err(over_budget(limits));
                    }
                    file.data = Some(bytes.to_vec());
                }
                (PR_RTF_COMPRESSED, PT_BINARY) if file.rtf.is_none() => {
                    if !spend(budget, bytes.len()) {
                        return Err(over_budget(limits));
                    }
                    file.rtf = Some(bytes.to_vec());
                }
                (PR_ATTACH_LONG_FILENAME, _) => file.long_name = text(base, bytes),
                (PR_ATTACH_FILENAME, _) => file.short_name = text(base, bytes),
                (PR_DISPLAY_NAME, _) => file.display_name = text(base, bytes),
                (PR_ATTACH_MIME_TAG, _) => {
                    file.content_type = text(base, bytes).unwrap_or_default().to_lowercase();
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Bytes of one value of a fixed-size type, as TNEF pads them.
fn fixed_size(kind: u16) -> Option<usize> {
    match kind {
        // Short, long, float, error, boolean: a short and a boolean are padded.
        0x0002 | 0x0003 | 0x0004 | 0x000A | 0x000B => Some(4),
        // Double, currency, application time, 64-bit integer, system time.
        0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => Some(8),
        // A class id.
        0x0048 => Some(16),
        _ => None,
    }
}

fn text(kind: u16, bytes: &[u8]) -> Option<String> {
    match kind {
        PT_STRING8 => Some(string8(bytes)),
        PT_UNICODE => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|u| *u != 0)
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// An 8-bit string up to its NUL: UTF-8 when it is valid, else Windows-1252,
/// the code page of Swedish Outlook.
pub(super) fn string8(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let bytes = &bytes[..end];
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|b| cp1252(*b)).collect(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}
