//! `blankett review` from the terminal: list and show what waits for a
//! person, accept one (registered, the sender's confirmation queued), edit
//! one into shape, reject one; a review can be resolved only once.

#[path = "support/desk.rs"]
mod support;

use blankett::daemon::run;
use std::time::Duration;
use support::*;

const UNKNOWN_ORG: &[u8] = include_bytes!("fixtures/p18-unknown-organisation.eml");

#[tokio::test]
async fn reviews_are_listed_shown_and_resolved() {
    let f = Folders::new("review-cli");
    let mut d = desk(&f, Duration::from_secs(60));
    run::once(&mut d).await.expect("first start");
    f.put("1.eml", UNKNOWN_ORG);
    // A form for Falu kommun from another organisation's domain: held too.
    let foreign = String::from_utf8_lossy(FORM)
        .replace(
            "From: Anna Berg <anna.berg@falun.test>",
            "From: X <x@mora.test>",
        )
        .replace("Message-ID: <AS8", "Message-ID: <foreign-AS8");
    assert!(foreign.contains("x@mora.test"));
    f.put("2.eml", foreign.as_bytes());
    run::once(&mut d).await.expect("held");
    drop(d);
    let config = f.root.join("blankett.toml");
    std::fs::write(
        &config,
        format!(
            "[strategist]\naddress = \"strateg@lansstyrelsen.test\"\n[database]\npath = \"{}\"\n",
            f.root.join("db.sqlite").display()
        ),
    )
    .expect("config");

    let (ok, list) = blankett(&config, &["review", "list"]);
    assert!(ok, "{list}");
    assert!(
        list.contains("unknown_organisation") && list.contains("yvonne.carlsson@tryggahem.test"),
        "{list}"
    );
    let (ok, shown) = blankett(&config, &["review", "show", "1"]);
    assert!(
        ok && shown.contains("Föreningen Trygga Hem Dalarna"),
        "{shown}"
    );

    let (ok, accepted) = blankett(&config, &["review", "accept", "1"]);
    assert!(ok, "{accepted}");
    assert!(
        accepted.contains("queued: confirmation to yvonne.carlsson@tryggahem.test"),
        "{accepted}"
    );
    let (ok, again) = blankett(&config, &["review", "accept", "1"]);
    assert!(
        !ok && again.contains("already"),
        "a review is resolved once: {again}"
    );

    let (ok, edited) = blankett(
        &config,
        &["review", "edit", "2", "--set", "Organisation: Falu kommun"],
    );
    assert!(ok, "{edited}");
    let (ok, rejected) = blankett(&config, &["review", "reject", "2"]);
    assert!(
        !ok && rejected.contains("already"),
        "edited and registered, so resolved: {rejected}"
    );

    let (ok, roster) = blankett(&config, &["roster", "--format", "json"]);
    assert!(ok, "{roster}");
    let json: serde_json::Value = serde_json::from_str(&roster).expect("json");
    let names: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["organisation"].as_str())
        .collect();
    assert!(
        names.contains(&"Föreningen Trygga Hem Dalarna"),
        "{names:?}"
    );
    assert!(names.contains(&"Falu kommun"), "{names:?}");
}
