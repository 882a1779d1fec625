//! Cleans and validates raw values: blanks and artefacts removed, names split
//! from addresses, addresses checked and lower-cased, dates made ISO, channel
//! lines tidied. Values that cannot be used come back as `Invalid`, never
//! repaired.

use crate::dates::parse_date;
use crate::form::{Key, PLACEHOLDERS};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Why a value that was written cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `(at)` or `[at]` instead of `@`.
    AtSpelledOut,
    /// No `@`, or more than one, or characters an address cannot have.
    NotAnAddress,
    /// Spaces or commas: more than an address, or a broken one.
    SpaceOrComma,
    /// The domain has no top-level part (`anna@falun`).
    NoTopLevelDomain,
    /// Not a date in any accepted form.
    NotADate,
    /// A well-formed date that does not exist (`31/13 2026`).
    NoSuchDate,
}

impl Reason {
    /// A short English explanation for logs and `parse` output; what people
    /// read is in the templates, keyed by the reason's code.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::AtSpelledOut => "the address has (at) instead of @",
            Reason::NotAnAddress => "not an e-mail address",
            Reason::SpaceOrComma => "the address contains spaces or commas",
            Reason::NoTopLevelDomain => "the address has no top-level domain",
            Reason::NotADate => "not a date in a recognised format",
            Reason::NoSuchDate => "the date does not exist",
        }
    }

    /// The reason with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Reason::AtSpelledOut,
            Reason::NotAnAddress,
            Reason::SpaceOrComma,
            Reason::NoTopLevelDomain,
            Reason::NotADate,
            Reason::NoSuchDate,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }

    /// The reason's stable code, as templates know it.
    pub fn code(self) -> &'static str {
        match self {
            Reason::AtSpelledOut => "at_spelled_out",
            Reason::NotAnAddress => "not_an_address",
            Reason::SpaceOrComma => "space_or_comma",
            Reason::NoTopLevelDomain => "no_top_level_domain",
            Reason::NotADate => "not_a_date",
            Reason::NoSuchDate => "no_such_date",
        }
    }
}

/// A value written but unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub key: Key,
    pub raw: String,
    pub reason: Reason,
}

/// Validated values: the usable ones and the unusable ones, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub fields: BTreeMap<Key, String>,
    pub invalid: BTreeMap<Key, Invalid>,
}

static LINK_ARTEFACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*(?:<\s*(?:mailto:|https?://)[^>]*>|\[\s*(?:mailto:|https?://)[^\]]*\])")
        .expect("link artefact pattern")
});
static MAILTO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bmailto:").expect("mailto pattern"));
static ADDRESS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<?[\p{L}\p{N}._%+'\-]+@[\p{L}\p{N}.\-]+\.\p{L}{2,}>?").expect("address pattern")
});
static ANGLE_ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([^<>\s]+@[^<>\s]+)>").expect("angle address pattern"));
static VALID_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~\-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~\-]+)*@[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?)+$",
    )
    .expect("valid address pattern")
});
static LIST_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[•·\-\*–—▪►○●◦]\s*|\d{1,2}[.)]\s+|[a-z]\)\s+)").expect("list marker pattern")
});

/// Removes what mail clients add around a value and what counts as blank:
/// link artefacts, dotted or underscored blanks, Word placeholder text.
pub fn clean(raw: &str) -> String {
    let without_links = LINK_ARTEFACT.replace_all(raw, "");
    let mut value = without_links.trim_matches(is_space).to_string();
    loop {
        let trimmed = trim_blanks(&value);
        if trimmed.len() == value.len() {
            break;
        }
        value = trimmed;
    }
    let lower = value.to_lowercase();
    let bare = lower.trim_end_matches('.');
    if PLACEHOLDERS.contains(&bare) {
        return String::new();
    }
    value
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

/// Strips one layer of dotted or underscored blank from both ends: a run of
/// two or more dots, any ellipsis or underscores.
fn trim_blanks(s: &str) -> String {
    let s = s.trim_matches(is_space);
    let start = blank_run(s.chars());
    let s = &s[start..];
    let end = blank_run(s.chars().rev());
    s[..s.len() - end].trim_matches(is_space).to_string()
}

fn blank_run(chars: impl Iterator<Item = char>) -> usize {
    let mut bytes = 0;
    let mut dots = 0;
    let mut other = 0;
    for c in chars {
        match c {
            '.' => dots += 1,
            '…' | '_' => other += 1,
            _ => break,
        }
        bytes += c.len_utf8();
    }
    if dots >= 2 || other > 0 {
        bytes
    } else {
        0
    }
}

/// Validates every raw value of a form. A name written with an address
/// (`Anna Berg, anna@falun.se`) also gives the address when none was written
/// on its own line.
pub fn check(raw: &BTreeMap<Key, String>) -> Checked {
    let mut out = Checked::default();
    let mut split_addresses = BTreeMap::new();
    for (&key, value) in raw {
        let value = match key {
            Key::InternalChannels => channels(value),
            _ => clean(value),
        };
        if value.is_empty() {
            continue;
        }
        match key {
            Key::RepresentativeName | Key::SubstituteName | Key::ManagerName => {
                let (name, address) = split_name(&value);
                if let Some(address) = address {
                    let target = match key {
                        Key::RepresentativeName => Key::RepresentativeEmail,
                        Key::SubstituteName => Key::SubstituteEmail,
                        _ => Key::ManagerContact,
                    };
                    split_addresses.insert(target, address);
                }
                if !name.is_empty() {
                    out.fields.insert(key, name);
                }
            }
            Key::RepresentativeEmail | Key::SubstituteEmail => {
                put(&mut out, key, &value, address(&value))
            }
            Key::SignedDate => put(&mut out, key, &value, parse_date(&value)),
            Key::ManagerContact => {
                out.fields
                    .insert(key, MAILTO.replace_all(&value, "").into_owned());
            }
            Key::Organisation | Key::InternalChannels | Key::ManagerTitle => {
                out.fields.insert(key, value);
            }
        }
    }
    for (key, value) in split_addresses {
        if out.fields.contains_key(&key) || out.invalid.contains_key(&key) {
            continue;
        }
        if key == Key::ManagerContact {
            out.fields.insert(key, value);
        } else {
            put(&mut out, key, &value, address(&value));
        }
    }
    out
}

fn put(out: &mut Checked, key: Key, raw: &str, result: Result<String, Reason>) {
    match result {
        Ok(v) => {
            out.fields.insert(key, v);
        }
        Err(reason) => {
            out.invalid.insert(
                key,
                Invalid {
                    key,
                    raw: raw.to_string(),
                    reason,
                },
            );
        }
    }
}

/// Splits `Anna Berg, anna@falun.se` or `Anna Berg <anna@falun.se>` into the
/// name and the address.
pub fn split_name(value: &str) -> (String, Option<String>) {
    let Some(m) = ADDRESS_IN_TEXT.find(value) else {
        return (value.to_string(), None);
    };
    let address = m.as_str().trim_matches(['<', '>']).to_string();
    let before =
        value[..m.start()].trim_end_matches(|c: char| is_space(c) || ",;:–-(<|/".contains(c));
    let after = value[m.end()..].trim_matches(|c: char| is_space(c) || ",;:–-)>|/.".contains(c));
    let name = if before.is_empty() { after } else { before };
    (name.trim_matches(is_space).to_string(), Some(address))
}

/// Validates one address: `Name <addr>` gives `addr`; nothing is repaired.
pub fn address(value: &str) -> Result<String, Reason> {
    let value = value.trim_matches(is_space);
    let candidate = match ANGLE_ADDRESS.captures(value) {
        Some(c) => c.get(1).map_or(value, |m| m.as_str()),
        None => value,
    };
    let candidate = MAILTO.replace(candidate, "");
    let candidate = candidate.trim_matches(is_space);
    let lower = candidate.to_lowercase();
    if lower.contains("(at)")
        || lower.contains("[at]")
        || lower.contains(" at ")
        || lower.contains("{at}")
    {
        return Err(Reason::AtSpelledOut);
    }
    if candidate.contains([' ', ',', ';', '\t']) {
        return Err(Reason::SpaceOrComma);
    }
    if candidate.matches('@').count() != 1 {
        return Err(Reason::NotAnAddress);
    }
    let domain = candidate.rsplit('@').next().unwrap_or("");
    if !domain.contains('.') {
        return Err(Reason::NoTopLevelDomain);
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if tld.chars().count() < 2 || !tld.chars().all(char::is_alphabetic) {
        return Err(Reason::NoTopLevelDomain);
    }
    if !VALID_ADDRESS.is_match(candidate) {
        return Err(Reason::NotAnAddress);
    }
    Ok(lower)
}

/// Tidies the internal channels: one line per channel, trimmed, blanks and
/// list markers dropped.
pub fn channels(value: &str) -> String {
    value
        .lines()
        .map(|line| {
            let line = clean(line);
            let without_marker = LIST_MARKER.replace(&line, "");
            clean(&without_marker)
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_and_artefacts_are_removed() {
        for (raw, want) in [
            (".....Falu kommun.....", "Falu kommun"),
            ("\u{a0}Falu kommun\u{feff}", "Falu kommun"),
            ("___", ""),
            ("…", ""),
            ("Klicka eller tryck här för att ange text.", ""),
            ("a@b.se<mailto:a@b.se>", "a@b.se"),
            (".....sara@b.se<mailto:.....sara@b.se>.....", "sara@b.se"),
            ("Frivårdsinspektör, tf. chef", "Frivårdsinspektör, tf. chef"),
        ] {
            assert_eq!(clean(raw), want, "{raw}");
        }
    }

    #[test]
    fn addresses_are_checked_not_repaired() {
        assert_eq!(
            address("Anna <Anna.Berg@Falun.se>"),
            Ok("anna.berg@falun.se".into())
        );
        assert_eq!(address("anna.berg(at)falun.se"), Err(Reason::AtSpelledOut));
        assert_eq!(address("jonas.falk@falun"), Err(Reason::NoTopLevelDomain));
        assert_eq!(address("anna berg@falun.se"), Err(Reason::SpaceOrComma));
        assert_eq!(address("a@falun.se, b@falun.se"), Err(Reason::SpaceOrComma));
        assert_eq!(address("annafalun.se"), Err(Reason::NotAnAddress));
        assert_eq!(address("anna..berg@falun.se"), Err(Reason::NotAnAddress));
    }

    #[test]
    fn names_and_addresses_on_one_line() {
        assert_eq!(
            split_name("Ingrid Mattsson, ingrid@mora.se"),
            ("Ingrid Mattsson".into(), Some("ingrid@mora.se".into()))
        );
        assert_eq!(
            split_name("Petra Olausson <Petra.O@mora.se>"),
            ("Petra Olausson".into(), Some("Petra.O@mora.se".into()))
        );
        assert_eq!(
            split_name("Petra Olausson"),
            ("Petra Olausson".into(), None)
        );
    }

    #[test]
    fn channels_lose_markers_and_blanks() {
        assert_eq!(
            channels("• APT\n\n.....\n1. Intranät\n- IFO:s grupp"),
            "APT\nIntranät\nIFO:s grupp"
        );
    }
}
