//! Word 97-2003 documents (.doc, MS-DOC) to text: the main document's text
//! through the piece table (never headers, footnotes or comments), a field's
//! result without its instruction, a table row's cells separated by a tab and
//! each row on a line of its own (row ends come from the paragraph
//! properties). Every offset and length read from the file is checked before
//! it is used, so a damaged file is unreadable, never a panic or a huge
//! allocation. It must not look for labels or values: the text pipeline
//! (`parse::read_text`) does that.

use super::Extracted;
use crate::limits::Limits;
use crate::report::Method;
/// The compound file, opened from bytes in memory (never from disk).
use cfb::CompoundFile as Compound;
use std::io::{Cursor, Read, Seek};

/// The first bytes of every compound file (OLE2): .doc, but also .xls, .ppt and .msg.
pub const CFB_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// FibBase: its size, the magic number, and the flags that matter here.
const FIB_BASE: usize = 32;
const W_IDENT: u16 = 0xA5EC;
const F_ENCRYPTED: u16 = 0x0100;
const F_WHICH_TBL_STM: u16 = 0x0200;
/// Word 6 and Word 95 files (nFib below this) have another header.
const NFIB_WORD97: u16 = 0x006A;
/// Pairs of FibRgFcLcb97: the paragraph properties' bin table and the Clx.
const PAIR_PLCF_BTE_PAPX: usize = 13;
const PAIR_CLX: usize = 33;
/// Bit 30 of a piece's fc: 8-bit (Windows-1252) text at fc / 2.
const FC_COMPRESSED: u32 = 0x4000_0000;
const FC_MASK: u32 = 0x3FFF_FFFF;
/// Formatted disk pages of paragraph properties.
const PAGE: usize = 512;
/// Paragraph property modifiers read to find a table row's end.
const SPRM_P_F_TTP: u16 = 0x2417;
const SPRM_T_DEF_TABLE: u16 = 0xD608;
const SPRM_P_CHG_TABS: u16 = 0xC615;

const DAMAGED: &str = "the Word document's piece table is damaged";

/// Whether the bytes begin like a compound file.
pub fn is_doc(data: &[u8]) -> bool {
    data.starts_with(&CFB_SIGNATURE)
}

/// Whether the bytes are a compound file holding a WordDocument stream (not
/// an Excel workbook or an Outlook message).
pub fn is_word_document(data: &[u8]) -> bool {
    is_doc(data)
        && crate::guard::catch(|| {
            Compound::open(Cursor::new(data)).is_ok_and(|file| file.is_stream("/WordDocument"))
        })
        .unwrap_or(false)
}

/// Reads a .doc file into text.
pub fn read(data: &[u8], limits: &Limits) -> Extracted {
    match to_text(data, limits) {
        Ok(text) => Extracted::Text {
            text,
            method: Method::Doc,
        },
        Err(reason) => Extracted::Unreadable(reason),
    }
}

fn to_text(data: &[u8], limits: &Limits) -> Result<String, String> {
    if data.len() > limits.max_attachment_bytes {
        return Err(format!(
            "the Word document is larger than {} bytes (limits.max_attachment_bytes)",
            limits.max_attachment_bytes
        ));
    }
    let mut file = Compound::open(Cursor::new(data))
        .map_err(|e| format!("the Word document is not a readable compound file ({e})"))?;
    // A password-protected .docx is a compound file holding the encrypted
    // package, not a zip.
    if file.is_stream("/EncryptedPackage") {
        return Err("the document is protected with a password".into());
    }
    let word = stream(&mut file, "/WordDocument", data.len())?;
    let fib = Fib::parse(&word)?;
    let table_name = if fib.table1 { "/1Table" } else { "/0Table" };
    let table = stream(&mut file, table_name, data.len())?;
    let pieces = pieces(&table, fib.clx).ok_or(DAMAGED)?;
    let rows = row_ends(&word, &table, fib.papx).map_or(RowEnds::Guess, RowEnds::Known);
    let mut text = Text {
        out: String::new(),
        fields: Vec::new(),
        hidden: 0,
        rows: &rows,
        after_cell: false,
        left: limits.max_body_chars,
    };
    for piece in &pieces {
        if piece.cp_start >= fib.ccp_text || text.left == 0 {
            break;
        }
        let count = (piece.cp_end.min(fib.ccp_text) - piece.cp_start) as usize;
        let width = if piece.compressed { 1 } else { 2 };
        let bytes = count
            .checked_mul(width)
            .and_then(|n| n.checked_add(piece.fc))
            .and_then(|end| word.get(piece.fc..end))
            .ok_or(DAMAGED)?;
        if piece.compressed {
            let (decoded, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            for (k, c) in decoded.chars().enumerate() {
                text.push(c, piece.fc + k);
            }
        } else {
            let units = bytes
                .chunks_exact(2)
                .map(|u| u16::from_le_bytes([u[0], u[1]]));
            let mut fc = piece.fc;
            for c in char::decode_utf16(units) {
                let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                text.push(c, fc);
                fc += 2 * c.len_utf16();
            }
        }
    }
    let out = super::rtf::drop_empty_fields(&text.out);
    Ok(out.trim_end().trim_start_matches('\n').to_string())
}

/// A whole stream, refused when it claims more bytes than the file has.
fn stream<F: Read + Seek>(
    file: &mut cfb::CompoundFile<F>,
    path: &str,
    cap: usize,
) -> Result<Vec<u8>, String> {
    let name = path.trim_start_matches('/');
    let stream = file
        .open_stream(path)
        .map_err(|e| format!("the Word document has no readable {name} stream ({e})"))?;
    let len = usize::try_from(stream.len()).unwrap_or(usize::MAX);
    if len > cap {
        return Err(format!(
            "the Word document's {name} stream claims more bytes than the file has"
        ));
    }
    let mut bytes = Vec::with_capacity(len);
    stream
        .take(len as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the Word document's {name} stream cannot be read ({e})"))?;
    Ok(bytes)
}

/// What the File Information Block says about where the text is.
#[derive(Debug, Clone, Copy)]
struct Fib {
    /// The table stream is 1Table (else 0Table).
    table1: bool,
    /// Characters of the main document; headers, footnotes and the rest follow.
    ccp_text: u32,
    /// Offset and size of the Clx (the piece table) in the table stream.
    clx: (u32, u32),
    /// Offset and size of the paragraph properties' bin table.
    papx: (u32, u32),
}

impl Fib {
    fn parse(word: &[u8]) -> Result<Fib, String> {
        let damaged = || "the Word document's header (FIB) is damaged".to_string();
        if u16_at(word, 0) != Some(W_IDENT) {
            return Err("the file has no Word document header (FIB)".into());
        }
        let nfib = u16_at(word, 2).ok_or_else(damaged)?;
        let flags = u16_at(word, 0x0A).ok_or_else(damaged)?;
        if flags & F_ENCRYPTED != 0 {
            return Err("the Word document is encrypted".into());
        }
        if nfib < NFIB_WORD97 {
            return Err(
                "the Word document is in the Word 6/95 format, which is not read: save it as .docx"
                    .into(),
            );
        }
        let csw = usize::from(u16_at(word, FIB_BASE).ok_or_else(damaged)?);
        let at = FIB_BASE + 2 + csw * 2;
        let cslw = usize::from(u16_at(word, at).ok_or_else(damaged)?);
        let rg_lw = at + 2;
        let at = rg_lw + cslw * 4;
        let pairs = usize::from(u16_at(word, at).ok_or_else(damaged)?);
        let rg_fc_lcb = at + 2;
        if cslw < 4 || pairs <= PAIR_CLX {
            return Err(damaged());
        }
        let pair = |i: usize| {
            let at = rg_fc_lcb + i * 8;
            Some((u32_at(word, at)?, u32_at(word, at + 4)?))
        };
        Ok(Fib {
            table1: flags & F_WHICH_TBL_STM != 0,
            ccp_text: u32_at(word, rg_lw + 12).ok_or_else(damaged)?,
            clx: pair(PAIR_CLX).ok_or_else(damaged)?,
            papx: pair(PAIR_PLCF_BTE_PAPX).ok_or_else(damaged)?,
        })
    }
}

/// One piece of text: its character positions and where its bytes are.
#[derive(Debug, Clone, Copy)]
struct Piece {
    cp_start: u32,
    cp_end: u32,
    /// Byte offset of the piece's first character in the WordDocument stream.
    fc: usize,
    compressed: bool,
}

/// The pieces of the Clx: property modifiers (Prc) are skipped, the piece
/// table (Pcdt) is read. `None` when any of it does not add up.
fn pieces(table: &[u8], (fc, lcb): (u32, u32)) -> Option<Vec<Piece>> {
    let clx = slice(table, fc, lcb)?;
    let mut at = 0usize;
    let plc = loop {
        match *clx.get(at)? {
            1 => {
                let cb = usize::try_from(u16_at(clx, at + 1)? as i16).ok()?;
                at = at.checked_add(3 + cb)?;
            }
            2 => break slice(clx, u32::try_from(at + 5).ok()?, u32_at(clx, at + 1)?)?,
            _ => return None,
        }
    };
    // (n + 1) character positions, then n piece descriptors of 8 bytes.
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return None;
    }
    let n = (plc.len() - 4) / 12;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let cp_start = u32_at(plc, i * 4)?;
        let cp_end = u32_at(plc, (i + 1) * 4)?;
        if cp_end < cp_start {
            return None;
        }
        let raw = u32_at(plc, (n + 1) * 4 + i * 8 + 2)?;
        let compressed = raw & FC_COMPRESSED != 0;
        let fc = raw & FC_MASK;
        out.push(Piece {
            cp_start,
            cp_end,
            fc: usize::try_from(if compressed { fc / 2 } else { fc }).ok()?,
            compressed,
        });
    }
    Some(out)
}

/// Where table rows end, by the byte offset (fc) of their end mark.
#[derive(Debug)]
enum RowEnds {
    /// Byte ranges of the paragraphs that end a row (TTP), sorted.
    Known(Vec<(usize, usize)>),
    /// The paragraph properties could not be read: a cell mark right after
    /// another one is taken as the row's end (an empty cell then ends it too).
    Guess,
}

impl RowEnds {
    fn is_row_end(&self, fc: usize, after_cell: bool) -> bool {
        match self {
            RowEnds::Known(ranges) => {
                let i = ranges.partition_point(|r| r.1 <= fc);
                ranges.get(i).is_some_and(|r| r.0 <= fc)
            }
            RowEnds::Guess => after_cell,
        }
    }
}

/// The row-end paragraphs from the paragraph properties: the bin table
/// (PlcBtePapx) names pages (PapxFkp) whose runs carry property modifiers.
fn row_ends(word: &[u8], table: &[u8], (fc, lcb): (u32, u32)) -> Option<Vec<(usize, usize)>> {
    let plc = slice(table, fc, lcb)?;
    if plc.len() < 4 || (plc.len() - 4) % 8 != 0 {
        return None;
    }
    let n = (plc.len() - 4) / 8;
    let mut pages = Vec::with_capacity(n);
    for i in 0..n {
        pages.push(u32_at(plc, (n + 1) * 4 + i * 4)? & 0x003F_FFFF);
    }
    // A page named twice is read once, so the ranges stay bounded by the stream.
    pages.sort_unstable();
    pages.dedup();
    let mut ranges = Vec::new();
    for pn in pages {
        let start = usize::try_from(pn).ok()?.checked_mul(PAGE)?;
        let fkp = word.get(start..start.checked_add(PAGE)?)?;
        page_row_ends(fkp, &mut ranges)?;
    }
    ranges.sort_unstable();
    Some(ranges)
}

fn page_row_ends(fkp: &[u8], ranges: &mut Vec<(usize, usize)>) -> Option<()> {
    let runs = usize::from(*fkp.get(PAGE - 1)?);
    let bx = (runs + 1) * 4;
    if bx + runs * 13 > PAGE - 1 {
        return None;
    }
    for i in 0..runs {
        let start = usize::try_from(u32_at(fkp, i * 4)?).ok()?;
        let end = usize::try_from(u32_at(fkp, (i + 1) * 4)?).ok()?;
        let offset = usize::from(*fkp.get(bx + i * 13)?) * 2;
        if offset == 0 || end <= start {
            // No properties of its own: not a row's end.
            continue;
        }
        if is_ttp(grpprl(fkp.get(offset..PAGE - 1)?)?) {
            ranges.push((start, end));
        }
    }
    Some(())
}

/// The property modifiers of a PapxInFkp, after its style index.
fn grpprl(papx: &[u8]) -> Option<&[u8]> {
    let cb = usize::from(*papx.first()?);
    let (from, len) = if cb == 0 {
        (2, usize::from(*papx.get(1)?) * 2)
    } else {
        (1, cb * 2 - 1)
    };
    papx.get(from..from + len)?.get(2..)
}

/// Whether the modifiers mark the paragraph as a table row's end (sprmPFTtp).
fn is_ttp(mut grpprl: &[u8]) -> bool {
    while let Some(sprm) = u16_at(grpprl, 0) {
        let operand = &grpprl[2..];
        if sprm == SPRM_P_F_TTP {
            return operand.first() == Some(&1);
        }
        match operand_size(sprm, operand).and_then(|n| operand.get(n..)) {
            Some(rest) => grpprl = rest,
            None => return false,
        }
    }
    false
}

/// Bytes of a modifier's operand, by its spra bits (13-15).
fn operand_size(sprm: u16, operand: &[u8]) -> Option<usize> {
    Some(match sprm >> 13 {
        0 | 1 => 1,
        2 | 4 | 5 => 2,
        3 => 4,
        7 => 3,
        _ => match sprm {
            // A two-byte size that counts itself as one.
            SPRM_T_DEF_TABLE => 2 + usize::from(u16_at(operand, 0)?).saturating_sub(1),
            SPRM_P_CHG_TABS if *operand.first()? == 255 => {
                let deleted = usize::from(*operand.get(1)?);
                let added = usize::from(*operand.get(2 + deleted * 4)?);
                1 + (1 + deleted * 4) + (1 + added * 3)
            }
            _ => 1 + usize::from(*operand.first()?),
        },
    })
}

/// The text as it is built, character by character across pieces.
struct Text<'a> {
    out: String,
    /// Per open field: whether its result has begun.
    fields: Vec<bool>,
    /// Open fields whose result has not begun (their text is not shown).
    hidden: usize,
    rows: &'a RowEnds,
    /// The previous character was a cell mark.
    after_cell: bool,
    /// Characters still to be read (limits.max_body_chars).
    left: usize,
}

impl Text<'_> {
    fn push(&mut self, c: char, fc: usize) {
        if self.left == 0 {
            return;
        }
        self.left -= 1;
        let after_cell = std::mem::replace(&mut self.after_cell, c == '\u{7}');
        match c {
            // Field begin, separator (the result follows) and end.
            '\u{13}' => {
                self.fields.push(false);
                self.hidden += 1;
            }
            '\u{14}' => {
                if let Some(result) = self.fields.last_mut() {
                    if !*result {
                        *result = true;
                        self.hidden -= 1;
                    }
                }
            }
            '\u{15}' => {
                if self.fields.pop() == Some(false) {
                    self.hidden -= 1;
                }
            }
            _ if self.hidden > 0 => {}
            // Paragraph mark, line break, page or section break.
            '\r' | '\u{0B}' | '\u{0C}' => self.out.push('\n'),
            // A cell mark, or the mark that ends a row.
            '\u{7}' => {
                if self.rows.is_row_end(fc, after_cell) {
                    if self.out.ends_with('\t') {
                        self.out.pop();
                    }
                    self.out.push('\n');
                } else {
                    self.out.push('\t');
                }
            }
            // A non-breaking hyphen.
            '\u{1E}' => self.out.push('-'),
            '\t' => self.out.push('\t'),
            // Object and picture anchors, optional hyphens and other marks.
            c if c.is_control() => {}
            c => self.out.push(c),
        }
    }
}

fn slice(bytes: &[u8], at: u32, len: u32) -> Option<&[u8]> {
    let at = usize::try_from(at).ok()?;
    let end = at.checked_add(usize::try_from(len).ok()?)?;
    bytes.get(at..end)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Where the test documents' text begins in the WordDocument stream.
    const TEXT_AT: usize = 1024;
    /// Where the FIB keeps ccpText and the fc/lcb pairs (csw 14, cslw 22).
    const CCP_TEXT_AT: usize = 76;
    const RG_FC_LCB_AT: usize = 154;
    /// Where the test tables' PlcPcd begins: after a Prc of 5 bytes, the
    /// Pcdt's type byte and its size.
    const PLC_AT: usize = 10;

    fn put16(b: &mut [u8], at: usize, v: u16) {
        b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn put32(b: &mut [u8], at: usize, v: u32) {
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// A WordDocument and a 1Table stream holding `pieces` (compressed or
    /// UTF-16) and, when `paragraphs` is not empty, one page of paragraph
    /// properties: each paragraph is its end (an fc) and whether it ends a row.
    fn streams(pieces: &[(bool, &str)], paragraphs: &[(usize, bool)]) -> (Vec<u8>, Vec<u8>) {
        let mut word = vec![0u8; TEXT_AT];
        put16(&mut word, 0, W_IDENT);
        put16(&mut word, 2, 0x00C1);
        put16(&mut word, 0x0A, F_WHICH_TBL_STM);
        put16(&mut word, 32, 0x0E);
        put16(&mut word, 62, 0x16);
        put16(&mut word, 152, 0x5D);
        let mut cps = vec![0u32];
        let mut fcs = Vec::new();
        for (compressed, text) in pieces {
            let fc = word.len() as u32;
            let chars = if *compressed {
                let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
                word.extend_from_slice(&bytes);
                fcs.push((fc * 2) | FC_COMPRESSED);
                bytes.len()
            } else {
                let units: Vec<u16> = text.encode_utf16().collect();
                units
                    .iter()
                    .for_each(|u| word.extend_from_slice(&u.to_le_bytes()));
                fcs.push(fc);
                units.len()
            };
            cps.push(cps[cps.len() - 1] + chars as u32);
        }
        put32(&mut word, CCP_TEXT_AT, cps[cps.len() - 1]);
        let mut table = vec![0x01, 0x02, 0x00, 0xAA, 0xBB, 0x02];
        table.extend_from_slice(&((cps.len() * 4 + fcs.len() * 8) as u32).to_le_bytes());
        cps.iter()
            .for_each(|cp| table.extend_from_slice(&cp.to_le_bytes()));
        for fc in fcs {
            table.extend_from_slice(&[0, 0]);
            table.extend_from_slice(&fc.to_le_bytes());
            table.extend_from_slice(&[0, 0]);
        }
        put32(
            &mut word,
            RG_FC_LCB_AT + PAIR_CLX * 8 + 4,
            table.len() as u32,
        );
        if !paragraphs.is_empty() {
            let page = word.len().div_ceil(PAGE);
            word.resize((page + 1) * PAGE, 0);
            let fkp = &mut word[page * PAGE..];
            let runs = paragraphs.len();
            put32(fkp, 0, TEXT_AT as u32);
            for (i, (end, ttp)) in paragraphs.iter().enumerate() {
                put32(fkp, (i + 1) * 4, *end as u32);
                fkp[(runs + 1) * 4 + i * 13] = if *ttp { 210 } else { 200 };
            }
            // A cell's paragraph: cb 3, istd, sprmPFInTable.
            fkp[400..406].copy_from_slice(&[3, 0, 0, 0x16, 0x24, 1]);
            // A row's end: cb 0 and cb' 7, istd, sprmPFInTable,
            // sprmTDefTable (a two-byte size), sprmPFTtp.
            fkp[420..436].copy_from_slice(&[
                0, 7, 0, 0, 0x16, 0x24, 1, 0x08, 0xD6, 3, 0, 0xAA, 0xBB, 0x17, 0x24, 1,
            ]);
            fkp[PAGE - 1] = runs as u8;
            let plcf = table.len();
            for v in [TEXT_AT as u32, paragraphs[runs - 1].0 as u32, page as u32] {
                table.extend_from_slice(&v.to_le_bytes());
            }
            put32(
                &mut word,
                RG_FC_LCB_AT + PAIR_PLCF_BTE_PAPX * 8,
                plcf as u32,
            );
            put32(&mut word, RG_FC_LCB_AT + PAIR_PLCF_BTE_PAPX * 8 + 4, 12);
        }
        (word, table)
    }

    fn pack(word: &[u8], table: &[u8]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
        for (path, bytes) in [("/WordDocument", word), ("/1Table", table)] {
            let mut stream = file.create_stream(path).expect("stream");
            stream.write_all(bytes).expect("write");
            stream.flush().expect("flush stream");
        }
        file.flush().expect("flush");
        file.into_inner().into_inner()
    }

    fn text(data: &[u8]) -> String {
        match read(data, &Limits::default()) {
            Extracted::Text { text, method } => {
                assert_eq!(method, Method::Doc);
                text
            }
            other => panic!("{other:?}"),
        }
    }

    fn unreadable(data: &[u8], reason: &str) {
        match read(data, &Limits::default()) {
            Extracted::Unreadable(why) => assert!(why.contains(reason), "{why}"),
            other => panic!("{reason}: {other:?}"),
        }
    }

    const FORM: [(bool, &str); 2] = [
        (
            true,
            "Organisation: Mora kommun \u{2013} \u{c5}sen\rNamn: \u{13} FORMTEXT \u{14}Karin Ek\u{15}\r",
        ),
        (
            false,
            "Telefon: \u{13} FORMTEXT \u{1}\u{14}\u{2002}\u{2002}\u{2002}\u{2002}\u{2002}\u{15}\r\
             Ort: \u{13} IF \u{13} PAGE \u{14}1\u{15} = 1 \u{14}\u{d6}rebro\u{15}\u{13} PAGE \u{15}\r",
        ),
    ];

    #[test]
    fn pieces_fields_and_form_fields() {
        let (word, table) = streams(&FORM, &[]);
        let data = pack(&word, &table);
        assert!(is_doc(&data) && is_word_document(&data));
        assert_eq!(
            text(&data),
            "Organisation: Mora kommun \u{2013} \u{c5}sen\nNamn: Karin Ek\nTelefon: \nOrt: \u{d6}rebro"
        );
        // Text after ccpText (headers, footnotes) is not the document's.
        let (mut word, table) = streams(&[(true, "Kropp\rSidhuvud\r")], &[]);
        put32(&mut word, CCP_TEXT_AT, 6);
        assert_eq!(text(&pack(&word, &table)), "Kropp");
    }

    #[test]
    fn table_rows_end_where_the_paragraph_properties_say() {
        let row = "Namn:\u{7}Anna\u{7}\u{7}Telefon:\u{7}\u{7}\u{7}Slut\r";
        let ends: Vec<(usize, bool)> = row
            .char_indices()
            .filter(|(_, c)| matches!(c, '\u{7}' | '\r'))
            .map(|(i, _)| (TEXT_AT + i + 1, i == 11 || i == 22))
            .collect();
        let (word, table) = streams(&[(true, row)], &ends);
        assert_eq!(text(&pack(&word, &table)), "Namn:\tAnna\nTelefon:\t\nSlut");
        // Without paragraph properties a second cell mark ends the row.
        let (word, table) = streams(&[(true, row)], &[]);
        assert_eq!(text(&pack(&word, &table)), "Namn:\tAnna\nTelefon:\n\nSlut");
    }

    #[test]
    fn a_password_protected_docx_is_unreadable_not_ignored() {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
        file.create_stream("/EncryptionInfo")
            .expect("stream")
            .write_all(&[4, 0, 4, 0])
            .expect("write");
        file.create_stream("/EncryptedPackage")
            .expect("stream")
            .write_all(&[0u8; 600])
            .expect("write");
        file.flush().expect("flush");
        let data = file.into_inner().into_inner();
        let att = crate::mime::Attachment {
            name: "Blankett Mora.docx".into(),
            content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                .into(),
            data,
            inline: false,
            referenced: false,
            too_large: false,
            content_id: None,
        };
        assert_eq!(crate::attach::sniff(&att), crate::attach::Kind::Doc);
        match crate::attach::read(&att, &Limits::default(), None) {
            Extracted::Unreadable(why) => assert!(why.contains("password"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn damaged_documents_are_unreadable() {
        let (word, table) = streams(&FORM, &[]);
        let whole = pack(&word, &table);
        unreadable(&pack(&word[..TEXT_AT + 10], &table), DAMAGED);
        unreadable(&whole[..whole.len() / 2], "");
        unreadable(
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not really",
            "compound file",
        );
        let mut past_end = table.clone();
        put32(&mut past_end, PLC_AT + 3 * 4 + 2, 0x0FFF_FFFF);
        unreadable(&pack(&word, &past_end), DAMAGED);
        let mut huge = table.clone();
        put32(&mut huge, PLC_AT - 4, u32::MAX);
        unreadable(&pack(&word, &huge), DAMAGED);
        let mut encrypted = word.clone();
        put16(&mut encrypted, 0x0A, F_WHICH_TBL_STM | F_ENCRYPTED);
        unreadable(&pack(&encrypted, &table), "encrypted");
        let mut not_word = word.clone();
        put16(&mut not_word, 0, 0x1234);
        unreadable(&pack(&not_word, &table), "header");
        let small = Limits {
            max_attachment_bytes: 100,
            ..Limits::default()
        };
        assert!(matches!(read(&whole, &small), Extracted::Unreadable(_)));
        assert!(!is_word_document(b"not a compound file"));
    }

    #[test]
    fn any_changed_byte_of_the_tables_gives_a_result_not_a_panic() {
        let row = "A\u{7}B\u{7}\u{7}\r";
        let ends = [
            (TEXT_AT + 2, false),
            (TEXT_AT + 4, false),
            (TEXT_AT + 5, true),
            (TEXT_AT + 6, false),
        ];
        let (word, table) = streams(&[(true, row), (false, "C\r")], &ends);
        for at in 0..table.len() {
            for value in [0x00, 0x7F, 0xFF] {
                let mut changed = table.clone();
                changed[at] = value;
                let _ = read(&pack(&word, &changed), &Limits::default());
            }
        }
        let fkp = word.len() - PAGE;
        for at in (0..RG_FC_LCB_AT + 34 * 8).chain(fkp..word.len()) {
            let mut changed = word.clone();
            changed[at] = 0xFF;
            let _ = read(&pack(&changed, &table), &Limits::default());
        }
    }
}
