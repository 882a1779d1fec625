//! Page content of a PDF: interprets the content stream (and form XObjects)
//! far enough to know where each piece of text stands and how wide it is, and
//! counts images. It decodes text with the fonts' encodings; it does not join
//! pieces into lines (`pdf::lines`) nor read labels.

use super::pdf::{inflate_limit, Page, Run};
use crate::limits::Limits;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, Object, ObjectId};
use std::collections::BTreeMap;

/// Content operations interpreted per page, form XObjects included.
const MAX_OPS: usize = 200_000;
/// How deep form XObjects inside form XObjects are followed.
const MAX_DEPTH: usize = 4;

/// A font as far as placing text needs it.
struct Font<'a> {
    encoding: Option<Encoding<'a>>,
    two_byte: bool,
    first: i64,
    widths: Vec<f32>,
    cid_widths: BTreeMap<i64, f32>,
    default: f32,
}

impl<'a> Font<'a> {
    fn new(doc: &'a Document, dict: &'a Dictionary, limits: &Limits) -> Self {
        let two_byte = dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0");
        let num = |o: &Object| {
            o.as_float()
                .ok()
                .or_else(|| o.as_i64().ok().map(|i| i as f32))
        };
        let widths = deref(doc, dict.get(b"Widths").ok())
            .and_then(|o| o.as_array().ok())
            .map(|a| a.iter().map(|w| num(w).unwrap_or(500.0)).collect())
            .unwrap_or_default();
        let mut cid_widths = BTreeMap::new();
        let mut default = if two_byte { 1000.0 } else { 500.0 };
        let descendant = deref(doc, dict.get(b"DescendantFonts").ok())
            .and_then(|o| o.as_array().ok())
            .and_then(|a| deref(doc, a.first()))
            .and_then(|o| o.as_dict().ok());
        if let Some(cid) = descendant {
            if let Some(dw) = cid.get(b"DW").ok().and_then(num) {
                default = dw;
            }
            let w = deref(doc, cid.get(b"W").ok()).and_then(|o| o.as_array().ok());
            cid_widths = cid_width_table(w.map(Vec::as_slice).unwrap_or_default());
        }
        Font {
            encoding: dict
                .get_font_encoding_with_limit(doc, inflate_limit(limits))
                .ok(),
            two_byte,
            first: dict.get(b"FirstChar").and_then(Object::as_i64).unwrap_or(0),
            widths,
            cid_widths,
            default,
        }
    }

    /// Decoded text and advance widths (in 1/1000 em) with space flags.
    fn show(&self, bytes: &[u8]) -> (String, Vec<(f32, bool)>) {
        let text = match &self.encoding {
            Some(enc) => Document::decode_text(enc, bytes).unwrap_or_default(),
            None => bytes.iter().map(|b| char::from(*b)).collect(),
        };
        let glyphs = if self.two_byte {
            bytes
                .chunks(2)
                .map(|c| {
                    let code = c.iter().fold(0i64, |acc, b| acc * 256 + i64::from(*b));
                    let w = self.cid_widths.get(&code).copied();
                    (w.unwrap_or(self.default), false)
                })
                .collect()
        } else {
            bytes
                .iter()
                .map(|b| {
                    let i = usize::try_from(i64::from(*b) - self.first).ok();
                    let w = i.and_then(|i| self.widths.get(i)).copied();
                    (w.unwrap_or(self.default), *b == b' ')
                })
                .collect()
        };
        (text.replace('\0', ""), glyphs)
    }
}

/// Reads a CIDFont `/W` array: `c [w1 w2 ...]` or `c_first c_last w`.
fn cid_width_table(w: &[Object]) -> BTreeMap<i64, f32> {
    let mut table = BTreeMap::new();
    let mut i = 0;
    while i + 1 < w.len() && table.len() < 65_536 {
        let Ok(start) = w[i].as_i64() else { break };
        if let Ok(list) = w[i + 1].as_array() {
            for (k, v) in list.iter().enumerate() {
                table.insert(start + k as i64, v.as_float().unwrap_or(1000.0));
            }
            i += 2;
        } else if i + 2 < w.len() {
            let end = w[i + 1].as_i64().unwrap_or(start).min(start + 65_536);
            let width = w[i + 2].as_float().unwrap_or(1000.0);
            for c in start..=end {
                table.insert(c, width);
            }
            i += 3;
        } else {
            break;
        }
    }
    table
}

fn deref<'a>(doc: &'a Document, obj: Option<&'a Object>) -> Option<&'a Object> {
    doc.dereference(obj?).ok().map(|(_, o)| o)
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// The runs and images of one page.
pub fn page(doc: &Document, id: ObjectId, limits: &Limits) -> Page {
    let mut out = Page::default();
    let Ok(data) = doc.get_page_content_with_limit(id, inflate_limit(limits)) else {
        return out;
    };
    let mut resources: Vec<&Dictionary> = Vec::new();
    if let Ok((own, inherited)) = doc.get_page_resources(id) {
        resources.extend(own);
        resources.extend(inherited.iter().filter_map(|r| doc.get_dictionary(*r).ok()));
    }
    let mut budget = MAX_OPS;
    interpret(
        doc,
        &data,
        &resources,
        IDENTITY,
        0,
        limits,
        &mut budget,
        &mut out,
    );
    out
}

/// The graphics and text state that placing text needs.
#[derive(Clone, Copy)]
struct State {
    ctm: Matrix,
    leading: f32,
    char_space: f32,
    word_space: f32,
    scale: f32,
}

#[allow(clippy::too_many_arguments)]
fn interpret(
    doc: &Document,
    data: &[u8],
    resources: &[&Dictionary],
    ctm: Matrix,
    depth: usize,
    limits: &Limits,
    budget: &mut usize,
    out: &mut Page,
) {
    let lookup = |kind: &[u8], name: &[u8]| -> Option<&Dictionary> {
        resources.iter().find_map(|r| {
            let dict = deref(doc, r.get(kind).ok())?.as_dict().ok()?;
            deref(doc, dict.get(name).ok())?.as_dict().ok()
        })
    };
    let mut fonts: BTreeMap<Vec<u8>, Font> = BTreeMap::new();
    let mut font: Option<Vec<u8>> = None;
    let mut size = 0.0f32;
    let mut st = State {
        ctm,
        leading: 0.0,
        char_space: 0.0,
        word_space: 0.0,
        scale: 1.0,
    };
    let mut stack: Vec<State> = Vec::new();
    let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
    // Operations are decoded one at a time, so a huge stream is never held
    // as a whole and the budget stops it early.
    for op in Content::decode_iter(data) {
        let Ok(op) = op else { return };
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let nums: Vec<f32> = op
            .operands
            .iter()
            .filter_map(|o| o.as_float().ok())
            .collect();
        let arg = |i: usize| nums.get(i).copied().unwrap_or(0.0);
        match op.operator.as_str() {
            "q" if stack.len() < 64 => stack.push(st),
            "Q" => st = stack.pop().unwrap_or(st),
            "cm" if nums.len() == 6 => {
                st.ctm = mul(&[arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)], &st.ctm)
            }
            "BT" => (tm, tlm) = (IDENTITY, IDENTITY),
            "Tf" => {
                let name = op.operands.first().and_then(|o| o.as_name().ok());
                if let Some(name) = name {
                    if !fonts.contains_key(name) {
                        if let Some(dict) = lookup(b"Font", name) {
                            fonts.insert(name.to_vec(), Font::new(doc, dict, limits));
                        }
                    }
                    font = Some(name.to_vec());
                }
                size = op
                    .operands
                    .get(1)
                    .and_then(|o| o.as_float().ok())
                    .unwrap_or(0.0);
            }
            "TL" => st.leading = arg(0),
            "Tc" => st.char_space = arg(0),
            "Tw" => st.word_space = arg(0),
            "Tz" => st.scale = arg(0) / 100.0,
            "Td" | "TD" => {
                if op.operator == "TD" {
                    st.leading = -arg(1);
                }
                tlm = mul(&[1.0, 0.0, 0.0, 1.0, arg(0), arg(1)], &tlm);
                tm = tlm;
            }
            "Tm" if nums.len() == 6 => {
                tlm = [arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)];
                tm = tlm;
            }
            "T*" | "'" | "\"" | "Tj" | "TJ" => {
                if op.operator != "Tj" && op.operator != "TJ" {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], &tlm);
                    tm = tlm;
                }
                let Some(f) = font.as_ref().and_then(|n| fonts.get(n)) else {
                    continue;
                };
                let start = mul(&tm, &st.ctm);
                let mut text = String::new();
                for operand in &op.operands {
                    let items = operand.as_array().map(Vec::as_slice);
                    for item in items.unwrap_or(std::slice::from_ref(operand)) {
                        if let Ok(bytes) = item.as_str() {
                            let (piece, glyphs) = f.show(bytes);
                            text.push_str(&piece);
                            for (w, space) in glyphs {
                                let extra = if space { st.word_space } else { 0.0 };
                                let tx = (w / 1000.0 * size + st.char_space + extra) * st.scale;
                                tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                            }
                        } else if let Ok(adjust) = item.as_float() {
                            if adjust < -200.0 && !text.ends_with(' ') && !text.is_empty() {
                                text.push(' ');
                            }
                            let tx = -adjust / 1000.0 * size * st.scale;
                            tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                        }
                    }
                }
                let end = mul(&tm, &st.ctm);
                let em = (start[2].powi(2) + start[3].powi(2)).sqrt() * size;
                if !text.trim().is_empty() && out.runs.len() < 50_000 {
                    out.runs.push(Run {
                        x: start[4],
                        y: start[5],
                        end: end[4],
                        size: em.abs().max(1.0),
                        text,
                    });
                }
            }
            "BI" => out.images += 1,
            "Do" => {
                let name = op.operands.first().and_then(|o| o.as_name().ok());
                let Some(xobject) = name.and_then(|n| {
                    resources.iter().find_map(|r| {
                        let dict = deref(doc, r.get(b"XObject").ok())?.as_dict().ok()?;
                        deref(doc, dict.get(n).ok())?.as_stream().ok()
                    })
                }) else {
                    continue;
                };
                let subtype = xobject.dict.get(b"Subtype").and_then(Object::as_name).ok();
                if subtype == Some(b"Image") {
                    out.images += 1;
                } else if subtype == Some(b"Form") && depth < MAX_DEPTH {
                    let Ok(inner) = xobject.decompressed_content_with_limit(inflate_limit(limits))
                    else {
                        continue;
                    };
                    let matrix = xobject
                        .dict
                        .get(b"Matrix")
                        .and_then(Object::as_array)
                        .ok()
                        .map(|a| {
                            a.iter()
                                .filter_map(|o| o.as_float().ok())
                                .collect::<Vec<_>>()
                        })
                        .filter(|m| m.len() == 6)
                        .map_or(IDENTITY, |m| [m[0], m[1], m[2], m[3], m[4], m[5]]);
                    let mut inner_res: Vec<&Dictionary> = Vec::new();
                    if let Some(own) = deref(doc, xobject.dict.get(b"Resources").ok())
                        .and_then(|o| o.as_dict().ok())
                    {
                        inner_res.push(own);
                    }
                    inner_res.extend_from_slice(resources);
                    let ctm = mul(&matrix, &st.ctm);
                    interpret(doc, &inner, &inner_res, ctm, depth + 1, limits, budget, out);
                }
            }
            _ => {}
        }
    }
}
