//! Outlook's winmail.dat (TNEF, `application/ms-tnef`): unpacks the files
//! packed inside it, both from the attachment attributes (`attAttachTitle`,
//! `attAttachData`) and from the attachment's MAPI properties
//! (`PR_ATTACH_LONG_FILENAME`, `PR_ATTACH_DATA_BIN`). Every length is checked
//! before it is used, so a truncated or lying file ends the reading with a
//! problem, never a panic. It must not read the files it unpacks: `attach`
//! reads each one like any other attachment.

mod lzfu;
mod props;

use crate::limits::Limits;
use props::{properties, string8};

/// The first four bytes of every TNEF stream (0x223E9F78, little-endian).
pub const SIGNATURE: [u8; 4] = [0x78, 0x9F, 0x3E, 0x22];
/// A winmail.dat holding more files than this is read up to this many.
pub const MAX_FILES: usize = 64;

/// Attribute levels.
const LEVEL_MESSAGE: u8 = 1;
const LEVEL_ATTACHMENT: u8 = 2;
/// Attribute ids (the low word; the high word is the attribute's type).
const ATT_ATTACH_REND_DATA: u16 = 0x9002;
const ATT_ATTACH_TITLE: u16 = 0x8010;
const ATT_ATTACH_DATA: u16 = 0x800F;
const ATT_ATTACHMENT: u16 = 0x9005;
/// The message's MAPI properties, where Outlook keeps the RTF body.
const ATT_MSG_PROPS: u16 = 0x9003;
/// One file packed in a winmail.dat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerFile {
    pub name: String,
    /// The declared MIME type, lower case, or empty.
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What a winmail.dat held: the files read in full, and why reading stopped
/// early (a truncated or damaged file, or a limit), if it did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpacked {
    pub files: Vec<InnerFile>,
    pub problem: Option<String>,
}

/// A file being put together from its attributes; names in order of trust.
#[derive(Debug, Default)]
struct Pending {
    long_name: Option<String>,
    short_name: Option<String>,
    title: Option<String>,
    display_name: Option<String>,
    content_type: String,
    data: Option<Vec<u8>>,
    /// The message's compressed RTF body (`PR_RTF_COMPRESSED`), for the
    /// message-level properties.
    rtf: Option<Vec<u8>>,
}

/// Bytes read front to back, each read checked against what is left.
struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let bytes = self.data.get(self.at..end)?;
        self.at = end;
        Some(bytes)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A length from the file, as a number of bytes that are really there.
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u32()?).ok()?;
        (n <= self.data.len().saturating_sub(self.at)).then_some(n)
    }

    fn padded(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.take(n)?;
        self.take((4 - n % 4) % 4)?;
        Some(bytes)
    }

    fn done(&self) -> bool {
        self.at >= self.data.len()
    }
}

/// Unpacks the files of a TNEF stream, copying at most
/// `limits.max_attachment_bytes` and at most `MAX_FILES` files.
pub fn read(data: &[u8], limits: &Limits) -> Unpacked {
    let mut out = Unpacked::default();
    if !data.starts_with(&SIGNATURE) {
        out.problem = Some("it is not a TNEF file (no signature)".into());
        return out;
    }
    let mut cur = Cursor { data, at: 4 };
    if cur.u16().is_none() {
        out.problem = Some("it ends before its first attribute".into());
        return out;
    }
    let mut budget = limits.max_attachment_bytes;
    let mut pending: Option<Pending> = None;
    while !cur.done() {
        let start = cur.at;
        let Some((level, id, value)) = attribute(&mut cur) else {
            out.problem = Some(format!("it is cut off or damaged at byte {start}"));
            break;
        };
        if level != LEVEL_MESSAGE && level != LEVEL_ATTACHMENT {
            out.problem = Some(format!("it is damaged at byte {start} (level {level})"));
            break;
        }
        if level == LEVEL_MESSAGE && id == ATT_MSG_PROPS {
            // Outlook's "Rich Text" mail keeps its body here, not in the
            // MIME parts: it is read like an attached .rtf (named after the
            // winmail.dat by the caller).
            let mut message = Pending::default();
            if let Err(problem) = properties(value, &mut message, &mut budget, limits) {
                out.problem = Some(problem);
                break;
            }
            if let Some(compressed) = message.rtf {
                match lzfu::decompress(&compressed, budget) {
                    Ok(rtf) if spend(&mut budget, rtf.len()) => out.files.push(InnerFile {
                        name: String::new(),
                        content_type: "application/rtf".into(),
                        data: rtf,
                    }),
                    Ok(_) => {
                        out.problem = Some(over_budget(limits));
                        break;
                    }
                    Err(why) => {
                        out.problem = Some(format!("its RTF body cannot be unpacked: {why}"));
                        break;
                    }
                }
            }
            continue;
        }
        if level != LEVEL_ATTACHMENT {
            continue;
        }
        if id == ATT_ATTACH_REND_DATA {
            // Each attachment's attributes begin with its rendering data.
            finish(pending.take(), &mut out.files);
            if out.files.len() >= MAX_FILES {
                out.problem = Some(format!("it holds more than {MAX_FILES} files"));
                break;
            }
        }
        let file = pending.get_or_insert_with(Pending::default);
        match id {
            ATT_ATTACH_TITLE => file.title = Some(string8(value)),
            ATT_ATTACH_DATA => {
                if !spend(&mut budget, value.len()) {
                    out.problem = Some(over_budget(limits));
                    break;
                }
                file.data = Some(value.to_vec());
            }
            ATT_ATTACHMENT => {
                if let Err(problem) = properties(value, file, &mut budget, limits) {
                    out.problem = Some(problem);
                    break;
                }
            }
            _ => {}
        }
    }
    if out.files.len() < MAX_FILES {
        finish(pending, &mut out.files);
    }
    out
}

/// One attribute: level, id (low word), data; the checksum is read but not
/// held against the file, as other TNEF readers do not either.
fn attribute<'a>(cur: &mut Cursor<'a>) -> Option<(u8, u16, &'a [u8])> {
    let level = cur.u8()?;
    let id = cur.u32()?;
    let n = cur.len()?;
    let value = cur.take(n)?;
    cur.u16()?;
    Some((level, (id & 0xFFFF) as u16, value))
}

fn spend(budget: &mut usize, n: usize) -> bool {
    match budget.checked_sub(n) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}

fn over_budget(limits: &Limits) -> String {
    format!(
        "its files hold more than {} bytes (limits.max_attachment_bytes)",
        limits.max_attachment_bytes
    )
}

fn finish(pending: Option<Pending>, files: &mut Vec<InnerFile>) {
    let Some(p) = pending else { return };
    let Some(data) = p.data else { return };
    let name = [p.long_name, p.short_name, p.title, p.display_name]
        .into_iter()
        .flatten()
        .map(|n| clean_name(&n))
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| format!("winmail-{}", files.len() + 1));
    files.push(InnerFile {
        name,
        content_type: p.content_type,
        data,
    });
}

/// A file name fit to show in a report: no control characters, no folders.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(level: u8, id: u32, data: &[u8]) -> Vec<u8> {
        let sum = data.iter().map(|b| u32::from(*b)).sum::<u32>() as u16;
        let len = data.len() as u32;
        let mut out = vec![level];
        for part in [
            &id.to_le_bytes()[..],
            &len.to_le_bytes(),
            data,
            &sum.to_le_bytes(),
        ] {
            out.extend_from_slice(part);
        }
        out
    }

    fn stream(attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&[1, 0]);
        attrs.iter().for_each(|a| out.extend_from_slice(a));
        out
    }

    /// MAPI properties: (type, id, the value as written, padding included).
    fn props(list: &[(u16, u16, Vec<u8>)]) -> Vec<u8> {
        let mut out = (list.len() as u32).to_le_bytes().to_vec();
        for (kind, id, value) in list {
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(value);
        }
        out
    }

    /// One value of a variable-size type: count 1, length, bytes, padding.
    fn var(bytes: &[u8]) -> Vec<u8> {
        let mut out = 1u32.to_le_bytes().to_vec();
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
        out.resize(out.len() + (4 - bytes.len() % 4) % 4, 0);
        out
    }

    fn two_files() -> Vec<u8> {
        let long: Vec<u8> = "Blankett Mora.docx\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        // A named property (GUID, kind 1, a UTF-16 name) before the ones read.
        let mut named = vec![0xAB; 16];
        named.extend_from_slice(&[1, 0, 0, 0, 4, 0, 0, 0, b'x', 0, 0, 0]);
        named.extend_from_slice(&7u32.to_le_bytes());
        stream(&[
            attr(1, 0x0008_9006, &[0, 0, 1, 0]),
            attr(
                2,
                0x0006_9002,
                &[1, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0],
            ),
            attr(2, 0x0001_8010, b"BLANKE~1.DOC\0"),
            attr(2, 0x0006_800F, b"PK\x03\x04docx"),
            attr(
                2,
                0x0006_9005,
                &props(&[
                    (0x0003, 0x8005, named),
                    (0x001F, 0x3707, var(&long)),
                    (0x001E, 0x370E, var(b"Application/DOCX\0")),
                ]),
            ),
            attr(2, 0x0006_9002, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            attr(
                2,
                0x0006_9005,
                &props(&[
                    (0x0003, 0x3705, 1u32.to_le_bytes().to_vec()),
                    (0x001E, 0x3707, var(b"F\xf6ljebrev.txt\0")),
                    (0x0102, 0x3701, var(b"Hej")),
                ]),
            ),
        ])
    }

    #[test]
    fn files_come_from_attributes_and_properties() {
        let got = read(&two_files(), &Limits::default());
        assert_eq!(got.problem, None);
        let names: Vec<&str> = got.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Blankett Mora.docx", "Följebrev.txt"]);
        assert_eq!(got.files[0].data, b"PK\x03\x04docx");
        assert_eq!(got.files[0].content_type, "application/docx");
        assert_eq!(got.files[1].data, b"Hej");
    }

    #[test]
    fn a_truncated_file_is_never_half_read() {
        let full = two_files();
        let whole = read(&full, &Limits::default()).files;
        // Signature and key, attTnefVersion, attAttachRendData, attAttachTitle.
        let first_data = 6 + 15 + 25 + 24;
        for cut in 0..full.len() {
            let got = read(&full[..cut], &Limits::default());
            for file in &got.files {
                assert!(whole.iter().any(|w| w.data == file.data), "cut at {cut}");
            }
            if cut < first_data + 11 + 8 {
                assert!(got.files.is_empty(), "cut at {cut}: {got:?}");
                // TNEF has no end mark: a cut between attributes goes unseen.
                let between = [6, 21, 46, first_data].contains(&cut);
                assert!(got.problem.is_some() || between, "cut at {cut}");
            }
        }
    }

    #[test]
    fn any_changed_byte_gives_a_result_not_a_panic() {
        let full = two_files();
        for at in 0..full.len() {
            for value in [0x00, 0x7F, 0xFF] {
                let mut data = full.clone();
                data[at] = value;
                assert!(read(&data, &Limits::default()).files.len() <= 2);
            }
        }
    }

    #[test]
    fn lying_lengths_and_counts_are_problems() {
        let mut long_attr = attr(2, 0x0006_800F, b"data");
        long_attr[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut one_more = attr(2, 0x0006_800F, b"data");
        one_more[5..9].copy_from_slice(&7u32.to_le_bytes());
        let mut huge_value = var(b"name");
        huge_value[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut huge_name = vec![0; 16];
        huge_name.extend_from_slice(&[1, 0, 0, 0, 255, 255, 255, 255]);
        let cases = [
            stream(&[long_attr]),
            stream(&[one_more]),
            stream(&[attr(2, 0x0006_9005, &u32::MAX.to_le_bytes())]),
            stream(&[attr(
                2,
                0x0006_9005,
                &props(&[(0x001E, 0x3707, huge_value)]),
            )]),
            stream(&[attr(2, 0x0006_9005, &props(&[(0x0003, 0x8000, huge_name)]))]),
            stream(&[attr(7, 0x0006_800F, b"data")]),
            b"not tnef".to_vec(),
        ];
        for data in cases {
            let got = read(&data, &Limits::default());
            assert!(got.files.is_empty(), "{got:?}");
            assert!(got.problem.is_some(), "{data:?}");
        }
    }

    #[test]
    fn limits_bound_files_and_bytes() {
        let file = |n: u8| {
            [
                attr(2, 0x0006_9002, &[0; 14]),
                attr(2, 0x0001_8010, &[b'f', b'0' + n % 10, 0]),
                attr(2, 0x0006_800F, &[n; 20]),
            ]
        };
        let many: Vec<Vec<u8>> = (0..=MAX_FILES as u8).flat_map(file).collect();
        let got = read(&stream(&many), &Limits::default());
        assert_eq!(got.files.len(), MAX_FILES);
        assert!(got.problem.is_some_and(|p| p.contains("64")));
        let small = Limits {
            max_attachment_bytes: 50,
            ..Limits::default()
        };
        let got = read(&stream(&many), &small);
        assert_eq!(got.files.len(), 2);
        assert!(got
            .problem
            .is_some_and(|p| p.contains("max_attachment_bytes")));
    }
}
