//! `blankett status`: is the daemon well? Last successful poll, last answer
//! sent, queue sizes, open reviews and pending forms, and the last error.

use super::open_roster;
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

/// Print the daemon's health from its database; exit 1 while it is failing.
pub fn run(config: Option<&Path>) -> Result<ExitCode> {
    let (_, store) = open_roster(config)?;
    let health = store.health()?;
    let counts = store.counts()?;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "never".into());
    println!("last successful poll: {}", show(&health.last_poll_ok));
    println!("last answer sent:     {}", show(&health.last_sent));
    println!(
        "outbox:               {} queued, {} sent, {} refused by the server",
        counts.queued, counts.sent, counts.failed
    );
    println!("handled messages:     {}", counts.handled);
    println!("open reviews:         {}", store.reviews("open")?.len());
    println!(
        "pending forms:        {}",
        store.submissions_in("pending")?.len()
    );
    match health.failing_since() {
        Some(since) => {
            println!("FAILING since {since}");
            println!("last error: {}", show(&health.last_error));
            if let Some(told) = &health.outage_notified {
                println!("the strategist was told at {told}");
            }
            Ok(ExitCode::from(1))
        }
        None => {
            if let Some(e) = &health.last_error {
                println!("last error (since recovered): {e}");
            }
            println!("OK");
            Ok(ExitCode::SUCCESS)
        }
    }
}
