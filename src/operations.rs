//! Running unattended, as data and rules: `[operations]` in the
//! configuration (how long raw messages are kept, when an outage is
//! reported and to whom) and the pure decisions on them. The daemon's loop
//! applies them; nothing here reads the clock or sends mail.

use crate::config::parse_duration;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// `[operations]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperationsConfig {
    /// Days a handled message's raw bytes stay in the database (the mailbox
    /// keeps the message itself). 0 keeps them forever.
    pub keep_raw_days: u32,
    /// How long the mailbox or the mail server may fail before the
    /// strategist (and `admin`) are told.
    #[serde(deserialize_with = "duration")]
    pub alert_after: Duration,
    /// Also told of outages, e.g. the IT department.
    pub admin: Option<String>,
}

impl Default for OperationsConfig {
    fn default() -> Self {
        OperationsConfig {
            keep_raw_days: 90,
            alert_after: Duration::from_secs(30 * 60),
            admin: None,
        }
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

/// Whether to tell people of an outage now: it has lasted `after`, and
/// nobody was told of this one yet.
pub fn outage_due(
    failing_since: Option<&str>,
    notified: Option<&str>,
    now: DateTime<Utc>,
    after: Duration,
) -> bool {
    let Some(since) = failing_since.and_then(|s| DateTime::parse_from_rfc3339(s).ok()) else {
        return false;
    };
    let lasted = (now - since.with_timezone(&Utc))
        .to_std()
        .unwrap_or_default();
    notified.is_none() && lasted >= after
}

/// The time before which raw messages are dropped, or `None` to keep them.
pub fn purge_before(now: DateTime<Utc>, keep_days: u32) -> Option<DateTime<Utc>> {
    (keep_days > 0).then(|| now - chrono::Duration::days(i64::from(keep_days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn an_outage_is_reported_once_after_its_time() {
        let after = Duration::from_secs(1800);
        let since = Some("2026-11-30T08:00:00Z");
        assert!(!outage_due(since, None, at("2026-11-30T08:29:00Z"), after));
        assert!(outage_due(since, None, at("2026-11-30T08:30:00Z"), after));
        assert!(!outage_due(
            since,
            Some("2026-11-30T08:30:00Z"),
            at("2026-11-30T09:00:00Z"),
            after
        ));
        assert!(!outage_due(None, None, at("2026-11-30T09:00:00Z"), after));
    }

    #[test]
    fn retention() {
        assert_eq!(
            purge_before(at("2026-11-30T00:00:00Z"), 90),
            Some(at("2026-09-01T00:00:00Z"))
        );
        assert_eq!(purge_before(at("2026-11-30T00:00:00Z"), 0), None);
    }

    #[test]
    fn configuration() {
        let c: OperationsConfig =
            toml::from_str("alert_after = \"45m\"\nadmin = \"it@lst.se\"\n").expect("valid");
        assert_eq!(c.alert_after, Duration::from_secs(2700));
        assert_eq!(c.keep_raw_days, 90);
    }
}
