//! Turns a body's text into lines that know where they stand: the sender's own
//! text, a quoted original (`>` or under a reply header), a forwarded message,
//! or the header block of a quote. It reads no labels and decides nothing.

use regex::Regex;
use std::sync::LazyLock;

/// Where a line stands in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// Text the sender wrote (or, in a forward, the forwarded message).
    Own,
    /// A `>`-quoted line: the original's text, never the sender's values.
    Quoted,
    /// Text under a reply header without `>` (Outlook): the original, which the
    /// sender may have answered inline.
    UnderReply,
    /// The forwarder's own text above a forwarded message.
    Forwarder,
    /// A quote's header block or attribution line; never read.
    Header,
}

/// One line of a body, trimmed, with its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub zone: Zone,
    /// Index of the quote (reply or forward header) this line follows; lines of
    /// the same block share it, so a change tells a reader a new block began.
    pub block: u16,
}

static FORWARD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:-{2,}\s*(?:vidarebefordrat meddelande|forwarded message|videresendt melding|weitergeleitete nachricht)\s*-*|begin forwarded message:?|(?:inledning|början) (?:av|på) (?:det )?vidarebefordra(?:t|de|d)? (?:meddelande|brev)t?:?|vidarebefordrat (?:meddelande|brev):?)$",
    )
    .expect("forward marker pattern")
});

static ORIGINAL_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^-{2,}\s*(?:ursprungligt meddelande|original message|originalmeddelande|opprinnelig melding)\s*-{2,}$")
        .expect("original marker pattern")
});

static HEADER_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\*?(?:från|from|skickat|sent|datum|date|till|to|kopia|cc|bcc|ämne|subject|prioritet|importance|reply-to|svara till|svar till)\*?\s*:",
    )
    .expect("header field pattern")
});

static FROM_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\*?(?:från|from)\*?\s*:\s*\S").expect("from field pattern"));

static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:skrev|wrote|schrieb|a écrit)\b.{0,160}:$").expect("attribution pattern")
});

static UNDERSCORES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[_\-=]{10,}$").expect("rule pattern"));

/// Unwraps RFC 3676 format=flowed text: a line ending in a space continues on
/// the next line of the same quote depth.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut joining = false;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let depth = line.chars().take_while(|c| *c == '>').count();
        let mut body = &line[depth..];
        if let Some(stripped) = body.strip_prefix(' ') {
            body = stripped; // space-stuffing
        }
        if !joining {
            out.push_str(&">".repeat(depth));
            if depth > 0 {
                out.push(' ');
            }
        }
        let soft = body.ends_with(' ') && body != "-- ";
        if soft {
            let kept = if delsp { &body[..body.len() - 1] } else { body };
            out.push_str(kept);
            joining = true;
        } else {
            out.push_str(body);
            out.push('\n');
            joining = false;
        }
    }
    out
}

/// Normalises line ends and invisible spaces so that rules see plain text.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace(['\u{00A0}', '\u{2007}', '\u{202F}'], " ")
        .replace(
            ['\u{FEFF}', '\u{200B}', '\u{200E}', '\u{200F}', '\u{00AD}'],
            "",
        )
}

/// Splits a text into lines with zones. `is_forward` says the subject marks the
/// mail as a forward, so an Outlook header block starts a forwarded message
/// rather than a quoted original.
pub fn lines(text: &str, is_forward: bool) -> Vec<Line> {
    let raw: Vec<(usize, String)> = normalise(text)
        .split('\n')
        .map(|l| {
            let (depth, rest) = strip_quote(l);
            (depth, clean(rest))
        })
        .collect();
    let mut out = Vec::with_capacity(raw.len());
    let mut base = Zone::Own;
    let mut block: u16 = 0;
    // Only the first header block of a forwarded mail starts the forwarded
    // message; later ones quote inside it.
    let mut forwarded = false;
    let mut i = 0;
    while i < raw.len() {
        let (depth, ref text) = raw[i];
        if FORWARD_MARKER.is_match(text) {
            forwarded = true;
            let own_before = base == Zone::Own;
            if own_before {
                for line in out.iter_mut() {
                    let line: &mut Line = line;
                    if line.zone == Zone::Own {
                        line.zone = Zone::Forwarder;
                    }
                }
            }
            block = block.saturating_add(1);
            out.push(header(text, block));
            i += 1;
            i = skip_header_block(&raw, i, &mut out, block);
            base = if own_before { Zone::Own } else { base };
            continue;
        }
        let header_end = header_block_end(&raw, i);
        if depth == 0 && (ORIGINAL_MARKER.is_match(text) || header_end.is_some()) {
            block = block.saturating_add(1);
            if is_forward && base == Zone::Own && !forwarded {
                forwarded = true;
                for line in out.iter_mut() {
                    let line: &mut Line = line;
                    if line.zone == Zone::Own {
                        line.zone = Zone::Forwarder;
                    }
                }
            } else {
                base = Zone::UnderReply;
            }
            if ORIGINAL_MARKER.is_match(text) {
                out.push(header(text, block));
                i += 1;
            }
            i = skip_header_block(&raw, i, &mut out, block);
            continue;
        }
        if ATTRIBUTION.is_match(text) || is_split_attribution(&raw, i) {
            block = block.saturating_add(1);
            out.push(header(text, block));
            i += 1;
            continue;
        }
        let zone = if depth > 0 { Zone::Quoted } else { base };
        out.push(Line {
            text: text.clone(),
            zone,
            block,
        });
        i += 1;
    }
    out
}

fn header(text: &str, block: u16) -> Line {
    Line {
        text: text.to_string(),
        zone: Zone::Header,
        block,
    }
}

/// The index after an Outlook-style header block (`Från:` ... `Ämne:`) that
/// starts at `i`, if one does. Horizontal rules just above belong to it.
fn header_block_end(raw: &[(usize, String)], i: usize) -> Option<usize> {
    let start = if UNDERSCORES.is_match(&raw[i].1) {
        i + 1
    } else {
        i
    };
    let first = raw.get(start)?;
    if first.0 != raw[i].0 || !FROM_FIELD.is_match(&first.1) {
        return None;
    }
    let mut j = start + 1;
    let mut fields = 1;
    while let Some((_, t)) = raw.get(j) {
        if HEADER_FIELD.is_match(t) {
            fields += 1;
        } else if !continues_header(t) {
            break;
        }
        j += 1;
    }
    (fields >= 3).then_some(j)
}

fn skip_header_block(
    raw: &[(usize, String)],
    mut i: usize,
    out: &mut Vec<Line>,
    block: u16,
) -> usize {
    if i < raw.len() && UNDERSCORES.is_match(&raw[i].1) {
        out.push(header(&raw[i].1, block));
        i += 1;
    }
    let mut seen = 0;
    while i < raw.len() {
        let t = &raw[i].1;
        if HEADER_FIELD.is_match(t)
            || (seen > 0 && seen < 8 && !t.is_empty() && continues_header(t))
        {
            out.push(header(t, block));
            seen += 1;
            i += 1;
        } else if t.is_empty() && seen == 0 {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// A header value folded onto the next line (long recipient lists).
fn continues_header(t: &str) -> bool {
    t.contains('@') && !t.contains(':') && t.split_whitespace().count() <= 6
}

fn is_split_attribution(raw: &[(usize, String)], i: usize) -> bool {
    let t = &raw[i].1;
    let starts = t.starts_with("Den ")
        || t.starts_with("On ")
        || t.starts_with("den ")
        || t.starts_with("Am ");
    starts
        && raw.get(i + 1).is_some_and(|(d, next)| {
            *d == raw[i].0 && ATTRIBUTION.is_match(next) && next.len() < 80
        })
        && (t.contains("skrev") || t.contains("wrote") || t.contains(" kl ") || t.contains(" at "))
}

/// Splits off `>` quote markers, returning the depth and the rest.
fn strip_quote(line: &str) -> (usize, &str) {
    let mut depth = 0;
    let mut rest = line;
    loop {
        let t = rest.trim_start_matches([' ', '\t']);
        if let Some(after) = t.strip_prefix('>') {
            depth += 1;
            rest = after;
        } else {
            return (depth, if depth == 0 { line } else { t });
        }
    }
}

/// Trims white space, keeping inner tabs (they separate a label from its value).
fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace()).to_string()
}

/// Whether a zone's text counts as typed by the sender.
pub fn counts(zone: Zone) -> bool {
    zone == Zone::Own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_lines_are_joined() {
        assert_eq!(
            unflow("Lång rad \r\nfortsätter\r\nny", false),
            "Lång rad fortsätter\nny\n"
        );
        assert_eq!(unflow("> a \r\n> b\r\n", false), "> a b\n\n");
        assert_eq!(unflow("Ord-\r\ndel", true), "Ord-\ndel\n");
        assert_eq!(unflow("Ordd \r\nel", true), "Orddel\n");
    }

    #[test]
    fn zones_of_a_gmail_reply() {
        let text = "Svar\n\nDen mån 16 nov. 2026 kl 09:30 skrev A <a@b.se>:\n\n> Organisation:.....\nFalu kommun\n";
        let zones: Vec<Zone> = lines(text, false).iter().map(|l| l.zone).collect();
        assert_eq!(
            zones,
            vec![
                Zone::Own,
                Zone::Own,
                Zone::Header,
                Zone::Own,
                Zone::Quoted,
                Zone::Own,
                Zone::Own
            ]
        );
    }

    #[test]
    fn zones_of_an_outlook_reply_and_forward() {
        let text =
            "Se nedan\nFrån: A <a@b.se>\nSkickat: den 1\nTill: B\nÄmne: X\n\nOrganisation: Y\n";
        let l = lines(text, false);
        assert_eq!(l[0].zone, Zone::Own);
        assert!(l[1..5].iter().all(|l| l.zone == Zone::Header));
        assert_eq!(l.last().map(|l| l.zone), Some(Zone::UnderReply));
        let l = lines(text, true);
        assert_eq!(l[0].zone, Zone::Forwarder);
        assert_eq!(l.last().map(|l| l.zone), Some(Zone::Own));
    }

    #[test]
    fn a_forwarded_reply_keeps_its_form_and_quotes_the_rest() {
        let header = "Från: A <a@b.se>\nSkickat: den 1\nTill: B\nÄmne: X\n";
        let text = format!("FYI\n{header}\nOrganisation: Y\n{header}\nOrganisation:.....\n");
        let l = lines(&text, true);
        let zones: Vec<(Zone, &str)> = l
            .iter()
            .filter(|l| l.text.starts_with("Org"))
            .map(|l| (l.zone, l.text.as_str()))
            .collect();
        assert_eq!(
            zones,
            vec![
                (Zone::Own, "Organisation: Y"),
                (Zone::UnderReply, "Organisation:.....")
            ]
        );
    }
}

#[cfg(test)]
mod forward_tests {
    use super::*;

    #[test]
    fn forward_markers_of_common_clients() {
        for marker in [
            "---------- Vidarebefordrat meddelande ---------",
            "---------- Forwarded message ---------",
            "Begin forwarded message:",
            "Vidarebefordrat brev:",
            "Början på vidarebefordrat brev:",
            "Inledning av vidarebefordrat meddelande:",
        ] {
            let text = format!("FYI\n\n{marker}\nFrån: A <a@b.se>\nDatum: 1 dec\nÄmne: X\n\nOrganisation: Mora kommun\n");
            let l = lines(&text, false);
            assert_eq!(l[0].zone, Zone::Forwarder, "{marker}");
            assert_eq!(l.last().map(|l| l.zone), Some(Zone::Own), "{marker}");
        }
    }
}
