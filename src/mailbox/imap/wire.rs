//! Text as IMAP puts it on the wire: folder names in modified UTF-7
//! (RFC 3501 5.1.3), both ways, and the Message-ID out of a fetched header block.
//! Pure functions; no I/O.

/// A folder name as IMAP wants it: printable ASCII as is, `&` as `&-`, and
/// anything else (e.g. `ä`) as UTF-16 in a modified base64 between `&` and `-`.
pub fn encode_folder(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn flush(units: &mut Vec<u16>, out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    if units.is_empty() {
        return;
    }
    let bytes: Vec<u8> = units.drain(..).flat_map(u16::to_be_bytes).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        // Three bytes make four characters; a shorter tail makes one more than its bytes.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out.push('-');
}

/// A folder name as people read it: the inverse of `encode_folder`. A name
/// that is not valid modified UTF-7 is returned as the server sent it.
pub fn decode_folder(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('-') else {
            return wire.to_string();
        };
        let encoded = &after[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            match decode_utf16(encoded) {
                Some(text) => out.push_str(&text),
                None => return wire.to_string(),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn decode_utf16(encoded: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in encoded.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b',' => 63,
            _ => return None,
        };
        bits = bits << 6 | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count & 0xff) as u8);
        }
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// The Message-ID in a header block (`Message-ID: <a@b>`), without the
/// angle brackets, as the MIME reader gives it.
pub fn message_id(header: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(header);
    let mut value: Option<String> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((name, rest)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("message-id") {
                value = Some(rest.trim().to_string());
            }
        }
    }
    let value = value?;
    let id = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names() {
        for (name, wire) in [
            ("Blankett/Behandlade", "Blankett/Behandlade"),
            ("Färdiga", "F&AOQ-rdiga"),
            ("Smör & bröd", "Sm&APY-r &- br&APY-d"),
            ("日本語", "&ZeVnLIqe-"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ] {
            assert_eq!(encode_folder(name), wire, "{name}");
            assert_eq!(decode_folder(wire), name, "{wire}");
        }
    }

    #[test]
    fn message_ids() {
        let check = |header: &str, expected: Option<&str>| {
            assert_eq!(
                message_id(header.as_bytes()).as_deref(),
                expected,
                "{header:?}"
            );
        };
        check(
            "Message-ID: <abc@example.se>\r\n\r\n",
            Some("abc@example.se"),
        );
        check(
            "message-id:\r\n <folded@example.se>\r\n\r\n",
            Some("folded@example.se"),
        );
        check("\r\n", None);
        check("Message-ID: <>\r\n", None);
    }
}
