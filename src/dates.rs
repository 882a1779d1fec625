//! Dates as Swedish forms write them, made ISO: `2026-11-28`, `28/11 2026`,
//! `28/11/2026`, `28.11.2026`, `28-11-2026`, `28 november 2026`,
//! `28 nov. 2026`, with an optional place in front (`Falun den 28 november
//! 2026`). A date that does not exist is refused, never guessed.

use crate::values::Reason;
use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

static ISO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})$").expect("iso date pattern"));
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{1,2})\s*(?:/\s*(\d{1,2})\s*(?:/\s*|\s+)|\.\s*(\d{1,2})\s*\.\s*|-(\d{1,2})-)(\d{4})$",
    )
    .expect("numeric date pattern")
});
static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(\d{1,2})(?::e|:a)?\.?\s+(\p{L}+)\.?,?\s+(\d{4})$")
        .expect("worded date pattern")
});
const MONTHS: [(&str, u32); 24] = [
    ("januari", 1),
    ("februari", 2),
    ("mars", 3),
    ("april", 4),
    ("maj", 5),
    ("juni", 6),
    ("juli", 7),
    ("augusti", 8),
    ("september", 9),
    ("oktober", 10),
    ("november", 11),
    ("december", 12),
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("october", 10),
    ("okt", 10),
    ("sept", 9),
    ("febr", 2),
    ("aug", 8),
];

/// The month a Swedish or English month name or abbreviation stands for.
fn month(name: &str) -> Option<u32> {
    let name = name.to_lowercase();
    if let Some((_, m)) = MONTHS.iter().find(|(n, _)| *n == name) {
        return Some(*m);
    }
    // Three-letter abbreviations: jan, feb, mar, apr, maj/may, jun, jul, aug,
    // sep, okt/oct, nov, dec.
    let short: String = name.chars().take(3).collect();
    if name.chars().count() > 4 && !MONTHS.iter().any(|(n, _)| n.starts_with(&name)) {
        return None;
    }
    match short.as_str() {
        "jan" => Some(1),
        "feb" => Some(2),
        "mar" => Some(3),
        "apr" => Some(4),
        "maj" | "may" => Some(5),
        "jun" => Some(6),
        "jul" => Some(7),
        "aug" => Some(8),
        "sep" => Some(9),
        "okt" | "oct" => Some(10),
        "nov" => Some(11),
        "dec" => Some(12),
        _ => None,
    }
}

/// Reads a date as written and returns it as ISO `YYYY-MM-DD`.
pub fn parse_date(value: &str) -> Result<String, Reason> {
    let value = value.trim().trim_end_matches(['.', ',']).trim();
    if let Some(found) = try_forms(value) {
        return found;
    }
    // "Falun den 28 november 2026", "Mora, 2026-11-28": drop leading words
    // (letters only) one at a time.
    let mut rest = value;
    while let Some((word, after)) = rest.split_once(char::is_whitespace) {
        if !word
            .trim_end_matches([',', '.'])
            .chars()
            .all(char::is_alphabetic)
        {
            break;
        }
        rest = after.trim_start();
        if let Some(found) = try_forms(rest) {
            return found;
        }
    }
    Err(Reason::NotADate)
}

fn try_forms(value: &str) -> Option<Result<String, Reason>> {
    let num = |s: Option<regex::Match<'_>>| s.and_then(|m| m.as_str().parse::<u32>().ok());
    if let Some(c) = ISO.captures(value) {
        return Some(ymd(num(c.get(1))?, num(c.get(2))?, num(c.get(3))?));
    }
    if let Some(c) = NUMERIC.captures(value) {
        let month = num(c.get(2)).or(num(c.get(3))).or(num(c.get(4)))?;
        return Some(ymd(num(c.get(5))?, month, num(c.get(1))?));
    }
    if let Some(c) = WORDS.captures(value) {
        let m = month(c.get(2)?.as_str())?;
        return Some(ymd(num(c.get(3))?, m, num(c.get(1))?));
    }
    None
}

fn ymd(year: u32, month: u32, day: u32) -> Result<String, Reason> {
    let year = i32::try_from(year).map_err(|_| Reason::NoSuchDate)?;
    NaiveDate::from_ymd_opt(year, month, day)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or(Reason::NoSuchDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for (raw, want) in [
            ("2026-11-28", "2026-11-28"),
            ("28/11 2026", "2026-11-28"),
            ("28/11/2026", "2026-11-28"),
            ("28.11.2026", "2026-11-28"),
            ("28-11-2026", "2026-11-28"),
            ("28 november 2026", "2026-11-28"),
            ("28 nov. 2026", "2026-11-28"),
            ("28 Nov 2026", "2026-11-28"),
            ("Falun den 28 november 2026", "2026-11-28"),
            ("Falun 2026-11-28", "2026-11-28"),
            ("Mora, 28/11 2026", "2026-11-28"),
            ("Borlänge den 3 maj 2026", "2026-05-03"),
            ("1 mars 2027", "2027-03-01"),
            ("2026-1-5", "2026-01-05"),
        ] {
            assert_eq!(parse_date(raw), Ok(want.to_string()), "{raw}");
        }
    }

    #[test]
    fn refused_dates() {
        assert_eq!(parse_date("31/13 2026"), Err(Reason::NoSuchDate));
        assert_eq!(parse_date("30.02.2026"), Err(Reason::NoSuchDate));
        assert_eq!(parse_date("i morgon"), Err(Reason::NotADate));
        assert_eq!(parse_date("november 2026"), Err(Reason::NotADate));
        assert_eq!(parse_date("28 novembr 2026"), Err(Reason::NotADate));
    }
}
