//! Keeping the roster true over time, as rules: whom to ask for a form
//! (`recipients`), which registrations are due for the yearly check
//! (`due_for_confirmation`), the strategist's `SKICKA BLANKETT` command by
//! mail (`command`) and an organisation's `STÄMMER` (`confirms`). Pure:
//! values in, values out; `daemon::upkeep` and `daemon::intake` act on them.

use crate::form::Key;
use crate::roster::Fields;
use chrono::{DateTime, Months, Utc};
use regex::Regex;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Why blankett asks an organisation for something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// A form: none is registered, or the strategist asked for a new one.
    Form,
    /// A registered address no longer takes mail: a new form, or the address.
    Address,
    /// The yearly check: do the registered values still hold?
    Confirm,
}

impl Purpose {
    /// The word stored in the database and seen by the templates.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Form => "form",
            Purpose::Address => "address",
            Purpose::Confirm => "confirm",
        }
    }

    /// The purpose a stored word names.
    pub fn parse(text: &str) -> Option<Purpose> {
        match text {
            "form" => Some(Purpose::Form),
            "address" => Some(Purpose::Address),
            "confirm" => Some(Purpose::Confirm),
            _ => None,
        }
    }
}

/// `[upkeep]`: the yearly check.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpkeepConfig {
    /// A registration not confirmed for this long is asked to confirm
    /// (`"12 months"`); absent: no yearly check.
    #[serde(deserialize_with = "period")]
    pub confirm_after: Option<Period>,
    /// At most this many yearly checks go out per day, so that the
    /// organisations are not all asked the same morning.
    pub per_day: u32,
}

impl Default for UpkeepConfig {
    fn default() -> Self {
        UpkeepConfig {
            confirm_after: None,
            per_day: 10,
        }
    }
}

/// A calendar period: days, weeks, months or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Months(u32),
}

impl Period {
    /// Reads `"12 months"`, `"1 year"`, `"90 days"`, `"6 weeks"` (also
    /// `12 månader`, `1 år`, `90 dagar`, `6 veckor`).
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim().to_lowercase();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: u32 = number.parse().map_err(|_| {
            format!("`{text}` is not a period: write e.g. \"12 months\", \"1 year\" or \"90 days\"")
        })?;
        if n == 0 {
            return Err(format!(
                "`{text}` is no time at all: write e.g. \"12 months\""
            ));
        }
        if n > 36_500 {
            return Err(format!(
                "`{text}` is longer than anyone stays in the group: write e.g. \"12 months\""
            ));
        }
        match unit.trim() {
            "d" | "day" | "days" | "dag" | "dagar" => Ok(Period::Days(n)),
            "w" | "week" | "weeks" | "vecka" | "veckor" => Ok(Period::Days(n.saturating_mul(7))),
            "month" | "months" | "månad" | "månader" => Ok(Period::Months(n)),
            "y" | "year" | "years" | "år" => Ok(Period::Months(n.saturating_mul(12))),
            other => Err(format!(
                "unknown unit `{other}` in `{text}`: use days, weeks, months or years"
            )),
        }
    }

    /// `at` moved forward by the period (the last day of a shorter month
    /// when the day does not exist).
    pub fn after(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let later = match self {
            Period::Days(n) => at.checked_add_signed(chrono::Duration::days(i64::from(n))),
            Period::Months(n) => at.checked_add_months(Months::new(n)),
        };
        // Past the calendar's end is never.
        later.unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

fn period<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Period>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    text.map(|t| Period::parse(&t).map_err(serde::de::Error::custom))
        .transpose()
}

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("address pattern")
});

/// The mail addresses written in a value ("anna@x.se, 070-123 45 67"), lower case.
pub fn addresses_in(value: &str) -> Vec<String> {
    ADDRESS
        .find_iter(value)
        .map(|m| m.as_str().to_lowercase())
        .collect()
}

/// Whom a request goes to, each address once, none that mail no longer
/// reaches (`dead`):
/// - `Address` (a registered address bounced): the other registered person
///   and the manager's address;
/// - `Confirm` (the yearly check): the representative and the manager;
/// - `Form`: the registered representative and substitute;
///
/// and when that leaves nobody, the organisation's `contact` address.
pub fn recipients(
    purpose: Purpose,
    current: Option<&Fields>,
    contact: Option<&str>,
    dead: &BTreeSet<String>,
) -> Vec<String> {
    let value = |k: Key| current.and_then(|f| f.get(&k)).map(String::as_str);
    let keys: &[Key] = match purpose {
        Purpose::Address => &[
            Key::RepresentativeEmail,
            Key::SubstituteEmail,
            Key::ManagerContact,
        ],
        Purpose::Confirm => &[Key::RepresentativeEmail, Key::ManagerContact],
        Purpose::Form => &[Key::RepresentativeEmail, Key::SubstituteEmail],
    };
    let usable = |address: &String| !dead.contains(address);
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        // The manager's contact may be a phone number: only an address counts.
        if let Some(first) = value(*key).and_then(|v| addresses_in(v).into_iter().next()) {
            if usable(&first) && !out.contains(&first) {
                out.push(first);
            }
        }
    }
    if out.is_empty() {
        if let Some(first) = contact.and_then(|c| addresses_in(c).into_iter().next()) {
            if usable(&first) {
                out.push(first);
            }
        }
    }
    out
}

/// One registration as the yearly check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub organisation_key: String,
    /// When it was last registered or confirmed.
    pub last_confirmed: DateTime<Utc>,
    /// A yearly check was already sent since then.
    pub asked: bool,
}

/// How many yearly checks may go out now: `per_day` less those sent in the
/// last 24 hours.
pub fn room(per_day: u32, sent_last_day: u32) -> usize {
    per_day.saturating_sub(sent_last_day) as usize
}

/// The registrations due for the yearly check, oldest confirmation first:
/// last confirmed at least `period` ago and not yet asked this period. The
/// caller asks them in this order until `room` letters went out, so one
/// that cannot be asked (no address) does not hold back the others.
pub fn due_for_confirmation(
    standings: &[Standing],
    period: Period,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut due: Vec<&Standing> = standings
        .iter()
        .filter(|s| !s.asked && period.after(s.last_confirmed) <= now)
        .collect();
    due.sort_by(|a, b| {
        a.last_confirmed
            .cmp(&b.last_confirmed)
            .then_with(|| a.organisation_key.cmp(&b.organisation_key))
    });
    due.into_iter()
        .map(|s| s.organisation_key.clone())
        .collect()
}

/// Which organisations a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// By name (or id), as written.
    Named(Vec<String>),
    /// Every organisation on the list with no registration.
    Missing,
    /// Every organisation on the list.
    All,
}

static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*skicka\s+blankett(?:en)?\s*[:\-–]?\s*(.*)$").expect("command pattern")
});

/// The strategist's command in a subject: `SKICKA BLANKETT: Mora kommun`,
/// several names separated by `,` or `;`, or `SKICKA BLANKETT: alla som
/// saknas` / `alla`. `None` when the subject is not a command (a reply's
/// `Re:`/`SV:` subject never is).
pub fn command(subject: &str) -> Option<Targets> {
    let caps = COMMAND.captures(subject)?;
    let rest = caps.get(1).map_or("", |m| m.as_str()).trim();
    let words = rest.to_lowercase();
    let words = words.trim_end_matches(['.', '!']).trim();
    if words.is_empty() {
        return Some(Targets::Named(Vec::new()));
    }
    if matches!(
        words,
        "alla som saknas" | "saknade" | "de som saknas" | "alla som inte har skickat"
    ) {
        return Some(Targets::Missing);
    }
    if matches!(words, "alla" | "till alla") {
        return Some(Targets::All);
    }
    Some(Targets::Named(
        rest.split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    ))
}

/// Words after "stämmer" that take it back.
const NOT_QUITE: [&str; 6] = ["inte", "ej", "icke", "delvis", "nästan", "men"];

/// Whether the organisation's own words say the values hold: a short line
/// with "stämmer" ("STÄMMER", "Ja, stämmer!", "Allt stämmer", "Hej, det
/// stämmer"), and no line that takes it back ("stämmer inte", "stämmer
/// delvis", "Stämmer, men Anna har slutat") or asks ("Stämmer det att …?").
pub fn confirms(own_text: &str) -> bool {
    let mut yes = false;
    for line in own_text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let lower = line.to_lowercase();
        let found: Vec<(usize, &str)> = lower
            .match_indices("stämmer")
            .chain(lower.match_indices("stammer"))
            .collect();
        for (i, word) in found {
            let after = lower[i + word.len()..].split_whitespace().take(2);
            let before = lower[..i].split_whitespace().rev().take(2);
            let taken_back = after
                .chain(before)
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .any(|w| NOT_QUITE.contains(&w));
            if taken_back || lower.contains('?') {
                return false;
            }
            // A long sentence that mentions the word is not an answer.
            if line.chars().count() <= 60 {
                yes = true;
            }
        }
    }
    yes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 8, 0, 0)
            .single()
            .expect("a date")
    }

    fn fields(pairs: &[(Key, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn periods_read_as_people_write_them() {
        assert_eq!(Period::parse("12 months"), Ok(Period::Months(12)));
        assert_eq!(Period::parse("1 year"), Ok(Period::Months(12)));
        assert_eq!(Period::parse("12 månader"), Ok(Period::Months(12)));
        assert_eq!(Period::parse("90 days"), Ok(Period::Days(90)));
        assert_eq!(Period::parse("2 weeks"), Ok(Period::Days(14)));
        assert!(Period::parse("0 months").is_err());
        assert!(Period::parse("soon").is_err());
        let err = Period::parse("12 fortnights").expect_err("unknown unit");
        assert!(err.contains("days, weeks, months or years"), "{err}");
        assert_eq!(Period::Months(12).after(at(2025, 2, 28)), at(2026, 2, 28));
        assert_eq!(
            Period::Months(1).after(at(2026, 1, 31)).date_naive(),
            at(2026, 2, 28).date_naive()
        );
    }

    #[test]
    fn a_bounce_asks_the_other_person_and_the_manager() {
        let current = fields(&[
            (Key::RepresentativeEmail, "Anna.Berg@falun.test"),
            (Key::SubstituteEmail, "erik.lind@falun.test"),
            (
                Key::ManagerContact,
                "Karin Chef, karin.chef@falun.test, 023-123 45",
            ),
        ]);
        let dead: BTreeSet<String> = ["erik.lind@falun.test".to_string()].into();
        assert_eq!(
            recipients(
                Purpose::Address,
                Some(&current),
                Some("registrator@falun.test"),
                &dead
            ),
            vec!["anna.berg@falun.test", "karin.chef@falun.test"]
        );
        // The yearly check goes to the representative and the manager.
        assert_eq!(
            recipients(Purpose::Confirm, Some(&current), None, &BTreeSet::new()),
            vec!["anna.berg@falun.test", "karin.chef@falun.test"]
        );
        // A form request to the registered people.
        assert_eq!(
            recipients(Purpose::Form, Some(&current), None, &BTreeSet::new()),
            vec!["anna.berg@falun.test", "erik.lind@falun.test"]
        );
    }

    #[test]
    fn with_nobody_left_the_contact_address_is_used() {
        let phone = fields(&[(Key::ManagerContact, "023-123 45")]);
        assert_eq!(
            recipients(
                Purpose::Form,
                None,
                Some("registrator@mora.test"),
                &BTreeSet::new()
            ),
            vec!["registrator@mora.test"]
        );
        assert_eq!(
            recipients(
                Purpose::Address,
                Some(&phone),
                Some("Mora kommun <kommun@mora.test>"),
                &BTreeSet::new()
            ),
            vec!["kommun@mora.test"]
        );
        assert!(recipients(Purpose::Form, None, None, &BTreeSet::new()).is_empty());
        assert!(recipients(
            Purpose::Form,
            None,
            Some("ring 0250-260 00"),
            &BTreeSet::new()
        )
        .is_empty());
    }

    #[test]
    fn the_yearly_check_is_spread_and_asked_once() {
        let s = |key: &str, last: DateTime<Utc>, asked: bool| Standing {
            organisation_key: key.into(),
            last_confirmed: last,
            asked,
        };
        let standings = vec![
            s("mora", at(2025, 6, 1), false),
            s("falun", at(2025, 1, 1), false),
            s("leksand", at(2025, 3, 1), true),
            s("rattvik", at(2026, 6, 1), false),
            s("borlange", at(2025, 2, 1), false),
        ];
        let now = at(2026, 12, 3);
        let year = Period::Months(12);
        assert_eq!(
            due_for_confirmation(&standings, year, now),
            vec!["falun", "borlange", "mora"],
            "due, oldest first; asked and recent ones wait"
        );
        assert_eq!(room(10, 0), 10);
        assert_eq!(room(2, 1), 1);
        assert_eq!(room(2, 2), 0);
        assert_eq!(room(2, 5), 0);
        // A period past the calendar's end never comes, and never panics.
        assert!(Period::Months(36_500).after(at(2025, 1, 1)) > now);
        assert_eq!(
            Period::Days(36_500).after(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
        assert!(Period::parse("1000000 weeks").is_err());
    }

    #[test]
    fn commands_in_the_subject() {
        assert_eq!(
            command("SKICKA BLANKETT: Mora kommun"),
            Some(Targets::Named(vec!["Mora kommun".into()]))
        );
        assert_eq!(
            command("skicka blankett: Mora kommun, Falu kommun; Polisen"),
            Some(Targets::Named(vec![
                "Mora kommun".into(),
                "Falu kommun".into(),
                "Polisen".into()
            ]))
        );
        assert_eq!(
            command("SKICKA BLANKETT: alla som saknas"),
            Some(Targets::Missing)
        );
        assert_eq!(
            command("Skicka blanketten: Alla som saknas."),
            Some(Targets::Missing)
        );
        assert_eq!(command("SKICKA BLANKETT: alla"), Some(Targets::All));
        assert_eq!(command("SKICKA BLANKETT"), Some(Targets::Named(vec![])));
        assert_eq!(command("Re: SKICKA BLANKETT: Mora kommun"), None);
        assert_eq!(command("Blankett till länsgruppen"), None);
        assert_eq!(command("Kan ni skicka blankett till mig?"), None);
    }

    #[test]
    fn stammer_confirms_and_stammer_inte_does_not() {
        for yes in [
            "STÄMMER",
            "stämmer",
            "Ja, stämmer!",
            "ja stämmer",
            "Det stämmer.",
            "Stammer\n\nHälsningar",
            "Hej!\n\nStämmer, hälsningar Anna",
            "Allt stämmer",
            "Uppgifterna stämmer",
            "Hej, det stämmer",
        ] {
            assert!(confirms(yes), "{yes}");
        }
        for no in [
            "Stämmer inte",
            "STÄMMER EJ",
            "Nej",
            "",
            "Stämmer.\nFast adressen stämmer inte",
            "Uppgifterna stämmer inte",
            "Stämmer det att ni behöver en ny blankett?",
            "Stämmer delvis",
            "Stämmer, men Anna har slutat",
            "Vi undrar hur vi gör när uppgifterna i listan inte längre stämmer med verkligheten",
            "Det inte stämmer längre",
        ] {
            assert!(!confirms(no), "{no}");
        }
    }
}
