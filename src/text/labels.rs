//! Recognises a form label at the start of a line and splits off what follows
//! it. The labels themselves are data in `form::LABELS`; this module only turns
//! them into one pattern and applies it.

use crate::form::{LabelKind, LABELS};
use regex::Regex;
use std::sync::LazyLock;

/// A label found at the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled<'a> {
    pub kind: LabelKind,
    /// Words between the label and its colon (`Mejladress till ersättaren:`),
    /// which may say whose value it is.
    pub qualifier: &'a str,
    /// What stands after the label and its separator, untrimmed of blanks.
    pub rest: &'a str,
}

struct Matcher {
    regex: Regex,
    /// The same labels followed by a few words and a colon.
    qualified: Regex,
    kinds: Vec<LabelKind>,
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(build);

fn build() -> Matcher {
    let mut alternatives = Vec::new();
    let mut kinds = Vec::new();
    for (kind, patterns) in LABELS {
        for pattern in *patterns {
            alternatives.push(format!("({})", widen(pattern)));
            kinds.push(*kind);
        }
    }
    // A label may be wrapped in bold markers or follow a list marker, may carry
    // a parenthesis ("Datum (ÅÅÅÅ-MM-DD)"), and must end in a separator: a
    // colon, a tab, a dotted blank, two spaces, or the end of the line.
    let lead = r"(?i)^[\*•·\-\s]*(?:\d{1,2}[.)]\s*)?";
    let labels = alternatives.join("|");
    let source = format!(
        r"{lead}(?:{labels})\*?\s*(?:\([^)]*\)\s*)?\*?(?P<sep>:|\t|\.{{2,}}|…|_{{2,}}|\s{{2,}}|\s[-–]\s|$)"
    );
    let regex = Regex::new(&source).expect("label patterns form a valid regex");
    let qualified = format!(
        r"{lead}(?:{labels})(?P<extra>(?:[ \t]+[\p{{L}}\p{{N}}()/.,'’-]+){{1,4}}?)\s*\*?\s*(?P<sep>:)"
    );
    let qualified = Regex::new(&qualified).expect("qualified label patterns form a valid regex");
    Matcher {
        regex,
        qualified,
        kinds,
    }
}

/// Makes a label pattern tolerant: Swedish letters also match their ASCII
/// look-alikes, spaces match any white space, hyphens and apostrophes are
/// optional, and a slash may have spaces around it.
fn widen(pattern: &str) -> String {
    let mut out = String::new();
    for c in pattern.chars() {
        match c {
            'å' | 'ä' => out.push_str("[åäa]"),
            'ö' => out.push_str("[öo]"),
            'é' => out.push_str("[ée]"),
            ' ' => out.push_str(r"\s+"),
            '-' => out.push_str(r"[-‐‑–]?"),
            '\'' => out.push_str("['’]?"),
            '/' => out.push_str(r"\s*/\s*"),
            _ => out.push(c),
        }
    }
    out
}

/// The label at the start of `line`, if there is one.
pub fn label(line: &str) -> Option<Labelled<'_>> {
    let m = &*MATCHER;
    let (caps, qualifier) = match m.regex.captures(line) {
        Some(caps) => (caps, ""),
        None => {
            let caps = m.qualified.captures(line)?;
            let extra = caps.name("extra").map_or("", |e| e.as_str().trim());
            (caps, extra)
        }
    };
    // Group i + 1 is the i-th label pattern; exactly one of them matched.
    let index = (0..m.kinds.len()).find(|i| caps.get(i + 1).is_some())?;
    let kind = m.kinds[index];
    if !qualifier.is_empty() && kind == LabelKind::Field(crate::form::Key::SignedDate) {
        // "Datum för nästa möte: ..." is a sentence, not the form's date.
        return None;
    }
    let sep = caps.name("sep")?;
    let mut rest = line[sep.end()..].trim_start_matches('*');
    // A dotted blank that served as separator may go on: "Datum:.....".
    if sep.as_str() != ":" {
        rest = rest.strip_prefix(':').unwrap_or(rest);
    }
    Some(Labelled {
        kind,
        qualifier,
        rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Key;

    fn kind(line: &str) -> Option<LabelKind> {
        label(line).map(|l| l.kind)
    }

    #[test]
    fn labels_and_their_values() {
        let cases: &[(&str, Option<LabelKind>, &str)] = &[
            (
                "Organisation: Falu kommun",
                Some(LabelKind::Field(Key::Organisation)),
                " Falu kommun",
            ),
            (
                "Organisation:.....Falu kommun.....",
                Some(LabelKind::Field(Key::Organisation)),
                ".....Falu kommun.....",
            ),
            (
                "Mejl/telefon: 023-1",
                Some(LabelKind::Field(Key::ManagerContact)),
                " 023-1",
            ),
            (
                "E-post / telefon: x",
                Some(LabelKind::Field(Key::ManagerContact)),
                " x",
            ),
            ("Mejladress:\tx@y.se", Some(LabelKind::Address), "\tx@y.se"),
            ("Epost: x@y.se", Some(LabelKind::Address), " x@y.se"),
            (
                "**Ersättare:** Erik",
                Some(LabelKind::Field(Key::SubstituteName)),
                " Erik",
            ),
            (
                "Ersattare: Erik",
                Some(LabelKind::Field(Key::SubstituteName)),
                " Erik",
            ),
            (
                "Namn på ansvarig chef: Åsa",
                Some(LabelKind::Field(Key::ManagerName)),
                " Åsa",
            ),
            ("Namn: Åsa", Some(LabelKind::Name), " Åsa"),
            (
                "Interna kontaktvägar där representanten kan delge och inhämta information:",
                Some(LabelKind::Field(Key::InternalChannels)),
                "",
            ),
            (
                "Interna kontaktvägar: IFO:s ledningsgrupp",
                Some(LabelKind::Field(Key::InternalChannels)),
                " IFO:s ledningsgrupp",
            ),
            (
                "Underskrift av ansvarig chef/er för representanter",
                Some(LabelKind::ManagerHeading),
                "",
            ),
            ("Datum", Some(LabelKind::Field(Key::SignedDate)), ""),
            (
                "Datum (ÅÅÅÅ-MM-DD): 2026-01-02",
                Some(LabelKind::Field(Key::SignedDate)),
                " 2026-01-02",
            ),
            (
                "Organisation  Mora kommun",
                Some(LabelKind::Field(Key::Organisation)),
                "Mora kommun",
            ),
        ];
        for (line, want, rest) in cases {
            let got = label(line);
            assert_eq!(got.as_ref().map(|l| l.kind), *want, "{line}");
            assert_eq!(got.map(|l| l.rest).unwrap_or(""), *rest, "{line}");
        }
    }

    #[test]
    fn sentences_are_not_labels() {
        for line in [
            "Datum för nästa möte är inte bestämt",
            "Mejlen kom fram",
            "Representanten är sjuk",
            "Organisationen har bytt namn",
            "Telefon: 023-12",
            "Datum för nästa möte: 3 maj",
        ] {
            assert_eq!(kind(line), None, "{line}");
        }
    }
}
