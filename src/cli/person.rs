//! `blankett export-person ADDRESS` and `blankett forget ADDRESS`: what is
//! held about one person, and removing it (the GDPR rights of access and
//! erasure). The mailbox itself is never touched.

use super::open_roster;
use anyhow::{Context as _, Result};
use clap::Args as ClapArgs;
use std::path::Path;
use std::process::ExitCode;

/// One person's e-mail address.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The person's e-mail address.
    pub address: String,
    /// With `forget`: do it (without it, only show what would be removed).
    #[arg(long)]
    pub yes: bool,
}

/// Print everything held about the address, as JSON.
pub fn export(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    let (_, store) = open_roster(config)?;
    let data = store.person(&args.address)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&data).context("cannot write JSON")?
    );
    Ok(ExitCode::SUCCESS)
}

/// Remove the address (and the name beside it) from the database.
pub fn forget(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    let (_, mut store) = open_roster(config)?;
    let data = store.person(&args.address)?;
    let found = data.registrations.len()
        + data.history.len()
        + data.submissions.len()
        + data.messages.len();
    if !args.yes {
        println!(
            "the database holds {} registrations, {} history entries, {} submissions, {} messages and {} answers for this address",
            data.registrations.len(),
            data.history.len(),
            data.submissions.len(),
            data.messages.len(),
            data.answers.len()
        );
        println!(
            "run again with --yes to remove them (an audit entry without the address is kept)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let changed = store.forget(&args.address, &chrono::Utc::now().to_rfc3339())?;
    println!(
        "removed the address from {changed} rows ({found} items found); the mailbox is not touched"
    );
    Ok(ExitCode::SUCCESS)
}
