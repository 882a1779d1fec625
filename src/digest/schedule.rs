//! When a digest is due: the slots of a cron schedule in a time zone, and
//! whether the most recent one has been served. One digest answers any number
//! of missed slots. Pure: the times come in as values; it reads no clock and
//! stores nothing.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// The most recent slot at or before `now`, or `None` when the schedule has
/// none.
pub fn last_slot(schedule: &Cron, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule
        .find_previous_occurrence(&now.with_timezone(&tz), true)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The first slot strictly after `after`, or `None` when there is none.
pub fn next_after(schedule: &Cron, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule
        .find_next_occurrence(&after.with_timezone(&tz), false)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether a digest is due at `now`: the most recent slot is later than the
/// last digest (`last_sent`), or, when there has been none, later than the
/// database's creation, so that a first start sends nothing at once. A digest
/// made at `now` serves every slot up to `now`, however many were missed.
pub fn due(
    schedule: &Cron,
    tz: Tz,
    last_sent: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    let served = last_sent.unwrap_or(created);
    last_slot(schedule, tz, now).is_some_and(|slot| slot > served)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a time")
            .with_timezone(&Utc)
    }

    fn cron(text: &str) -> Cron {
        text.parse().expect("a schedule")
    }

    /// (after, the next slot) pairs, checked in Stockholm.
    fn check_next(schedule: &str, cases: &[(&str, &str)]) {
        let c = cron(schedule);
        for (after, want) in cases {
            let got = next_after(&c, Stockholm, at(after));
            assert_eq!(got, Some(at(want)), "{schedule}: next after {after}");
        }
    }

    #[test]
    fn monday_eight_oclock_follows_daylight_saving_time() {
        // Summer time starts Sunday 2026-03-29 and ends Sunday 2026-10-25:
        // 08:00 in Stockholm is 07:00 UTC in winter (UTC+1) and 06:00 UTC in
        // summer (UTC+2).
        check_next(
            "0 8 * * MON",
            &[
                ("2026-03-23T06:59:59Z", "2026-03-23T07:00:00Z"),
                ("2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z"),
                ("2026-03-28T12:00:00Z", "2026-03-30T06:00:00Z"),
                ("2026-10-19T06:00:00Z", "2026-10-26T07:00:00Z"),
                ("2026-10-25T12:00:00Z", "2026-10-26T07:00:00Z"),
            ],
        );
    }

    #[test]
    fn the_last_slot_is_inclusive() {
        let c = cron("0 8 * * MON");
        let slot = at("2026-03-30T06:00:00Z");
        assert_eq!(last_slot(&c, Stockholm, slot), Some(slot));
        assert_eq!(
            last_slot(&c, Stockholm, at("2026-03-30T05:59:59Z")),
            Some(at("2026-03-23T07:00:00Z"))
        );
    }

    #[test]
    fn one_digest_for_any_number_of_missed_slots() {
        let c = cron("0 8 * * MON");
        let created = at("2026-03-01T10:00:00Z");
        // A first start sends nothing until the first slot has come.
        assert!(!due(
            &c,
            Stockholm,
            None,
            created,
            at("2026-03-01T12:00:00Z")
        ));
        assert!(due(
            &c,
            Stockholm,
            None,
            created,
            at("2026-03-02T07:00:00Z")
        ));
        // Down for three weeks: due once, and not again after it was sent.
        let back = at("2026-03-25T09:00:00Z");
        assert!(due(&c, Stockholm, None, created, back));
        assert!(!due(&c, Stockholm, Some(back), created, back));
        assert!(!due(
            &c,
            Stockholm,
            Some(back),
            created,
            at("2026-03-30T05:59:00Z")
        ));
        assert!(due(
            &c,
            Stockholm,
            Some(back),
            created,
            at("2026-03-30T06:00:00Z")
        ));
    }

    #[test]
    fn a_repeated_or_skipped_hour_gives_one_slot_a_day() {
        // 02:30 does not exist on 2026-03-29 and happens twice on 2026-10-25.
        let c = cron("30 2 * * *");
        let mut slots = Vec::new();
        let mut t = at("2026-10-23T12:00:00Z");
        loop {
            t = next_after(&c, Stockholm, t).expect("a slot");
            if t >= at("2026-10-27T12:00:00Z") {
                break;
            }
            slots.push(t);
        }
        // The first 02:30 (summer time, UTC+2) counts; the repeat does not.
        assert_eq!(slots[1], at("2026-10-25T00:30:00Z"));
        let days: Vec<String> = slots
            .iter()
            .map(|s| s.with_timezone(&Stockholm).format("%m-%d").to_string())
            .collect();
        assert_eq!(days, ["10-24", "10-25", "10-26", "10-27"], "{slots:?}");
        let spring = next_after(&c, Stockholm, at("2026-03-28T12:00:00Z")).expect("a slot");
        assert!(spring > at("2026-03-28T12:00:00Z") && spring < at("2026-03-30T01:00:00Z"));
    }
}
