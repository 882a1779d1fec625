//! The fixed roster of the digest's tests: five organisations on the list,
//! four registrations (one old, one without a substitute, one not on the
//! list), their history around the last digest of Monday 23 March 2026,
//! two incomplete forms (one reminded out) and an open review. Data only.
#![allow(dead_code)]

use blankett::form::Key;
use blankett::store::roster::{HistoryEntry, Problems, Registration, Review, Submission};
use chrono::{DateTime, Utc};

pub const ORGANISATIONS: &str = r#"
[[organisation]]
id = "falu-kommun"
name = "Falu kommun"
[[organisation]]
id = "borlange-kommun"
name = "Borlänge kommun"
[[organisation]]
id = "ludvika-kommun"
name = "Ludvika kommun"
[[organisation]]
id = "mora-kommun"
name = "Mora kommun"
[[organisation]]
id = "region-dalarna"
name = "Region Dalarna"
"#;

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a time")
        .with_timezone(&Utc)
}

pub fn registration(id: Option<&str>, name: &str, at: &str, pairs: &[(Key, &str)]) -> Registration {
    Registration {
        organisation_key: id.map_or_else(|| format!("name:{}", name.to_lowercase()), Into::into),
        organisation_id: id.map(Into::into),
        organisation: name.into(),
        fields: pairs.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        registered_at: at.into(),
        source_message_id: None,
        confirmed_at: None,
    }
}

pub fn people(rep: (&str, &str), sub: (&str, &str)) -> Vec<(Key, String)> {
    [
        (Key::RepresentativeName, rep.0),
        (Key::RepresentativeEmail, rep.1),
        (Key::SubstituteName, sub.0),
        (Key::SubstituteEmail, sub.1),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

pub fn roster() -> Vec<Registration> {
    let reg = |id, name, at, rep, sub| {
        let pairs = people(rep, sub);
        let borrowed: Vec<(Key, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        registration(id, name, at, &borrowed)
    };
    vec![
        reg(
            Some("borlange-kommun"),
            "Borlänge kommun",
            "2023-05-02T09:00:00+00:00",
            ("Jenny Holmgren", "jenny.holmgren@borlange.test"),
            ("Mats Öberg", "mats.oberg@borlange.test"),
        ),
        reg(
            Some("falu-kommun"),
            "Falu kommun",
            "2026-03-25T09:15:00+00:00",
            ("Anna Berg", "anna.berg@falun.test"),
            ("Karin Nyström", "karin.nystrom@falun.test"),
        ),
        reg(
            None,
            "Föreningen Trygga Hem Dalarna",
            "2026-03-27T13:40:00+00:00",
            ("Yvonne Carlsson", "yvonne@tryggahem.test"),
            ("", ""),
        ),
        reg(
            Some("ludvika-kommun"),
            "Ludvika kommun",
            "2026-03-26T07:05:00+00:00",
            ("Linnea Sjödin", "linnea.sjodin@ludvika.test"),
            ("Per Ek", "per.ek@ludvika.test"),
        ),
    ]
}

pub fn history() -> Vec<HistoryEntry> {
    let entry = |key: &str,
                 org: &str,
                 at: &str,
                 kind: &str,
                 changes: &[(Key, Option<&str>, Option<&str>)]| {
        HistoryEntry {
            organisation_key: key.into(),
            organisation: org.into(),
            at: at.into(),
            kind: kind.into(),
            changes: changes
                .iter()
                .map(|(k, b, a)| (*k, b.map(Into::into), a.map(Into::into)))
                .collect(),
            source_message_id: None,
        }
    };
    vec![
        // Before the last digest: not a change of this one.
        entry(
            "falu-kommun",
            "Falu kommun",
            "2026-03-02T10:00:00+00:00",
            "registered",
            &[],
        ),
        entry(
            "falu-kommun",
            "Falu kommun",
            "2026-03-25T09:15:00+00:00",
            "changed",
            &[
                (
                    Key::SubstituteName,
                    Some("Erik Lind"),
                    Some("Karin Nyström"),
                ),
                (
                    Key::SubstituteEmail,
                    Some("erik.lind@falun.test"),
                    Some("karin.nystrom@falun.test"),
                ),
                (
                    Key::ManagerTitle,
                    Some("Socialchef"),
                    Some("Förvaltningschef"),
                ),
            ],
        ),
        entry(
            "ludvika-kommun",
            "Ludvika kommun",
            "2026-03-26T07:05:00+00:00",
            "registered",
            &[],
        ),
        entry(
            "name:föreningen trygga hem dalarna",
            "Föreningen Trygga Hem Dalarna",
            "2026-03-27T13:40:00+00:00",
            "registered",
            &[],
        ),
    ]
}

pub fn submission(
    id: i64,
    org: Option<&str>,
    sender: &str,
    created: &str,
    reminders: u32,
    problems: Problems,
) -> Submission {
    Submission {
        id,
        message: id,
        reference: format!("BL-TEST{id:02}"),
        sender: Some(sender.into()),
        organisation_id: org.map(Into::into),
        organisation: None,
        fields: Default::default(),
        problems,
        state: "pending".into(),
        review_reason: None,
        created_at: created.into(),
        last_contact_at: created.into(),
        reminders,
    }
}

pub fn pending() -> Vec<Submission> {
    vec![
        submission(
            7,
            Some("mora-kommun"),
            "sara.lund@mora.test",
            "2026-03-09T08:30:00+00:00",
            2,
            Problems {
                missing: vec![Key::SubstituteName, Key::SubstituteEmail],
                invalid: vec![],
            },
        ),
        submission(
            9,
            Some("region-dalarna"),
            "hanna@regiondalarna.test",
            "2026-03-27T15:00:00+00:00",
            0,
            Problems {
                missing: vec![Key::ManagerName],
                invalid: vec![(Key::SignedDate, "31/13".into(), "no_such_date".into())],
            },
        ),
    ]
}

pub fn reviews() -> Vec<(Review, Option<Submission>)> {
    let mut held = submission(
        11,
        None,
        "info@tjejjouren.test",
        "2026-03-28T11:00:00+00:00",
        0,
        Problems::default(),
    );
    held.state = "review".into();
    held.organisation = Some("Tjejjouren Dalarna".into());
    vec![(
        Review {
            id: 3,
            submission: 11,
            reason: "unknown_organisation".into(),
            state: "open".into(),
            created_at: "2026-03-28T11:00:00+00:00".into(),
        },
        Some(held),
    )]
}
