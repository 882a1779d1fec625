//! `blankett history`: loads the roster's history, picks the organisation
//! asked for, and prints it. The lines are made by `blankett::export`; this
//! file must not format or match names itself.

use anyhow::{anyhow, Result};
use blankett::export;
use std::path::Path;
use std::process::ExitCode;

/// Print what changed on the roster, oldest first: the date, the
/// organisation, and each value before → after.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One organisation, by its id or its name (as `blankett organisations`
    /// lists them); all organisations when left out.
    #[arg(value_name = "ORG")]
    pub organisation: Option<String>,
}

/// Runs `history`.
pub fn run(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    let (loaded, store) = super::open_roster(config)?;
    let mut entries = store.history(None)?;
    if let Some(wanted) = &args.organisation {
        entries = export::history_for(&entries, &loaded.organisations, wanted).ok_or_else(|| {
            anyhow!(
                "no organisation matches `{wanted}`: give an id or a name that `blankett organisations` lists"
            )
        })?;
    }
    super::emit(export::history(&entries).as_bytes(), None)?;
    Ok(ExitCode::SUCCESS)
}
