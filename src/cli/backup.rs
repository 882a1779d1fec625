//! `blankett backup FILE`: a consistent copy of the database, safe while the
//! daemon runs (SQLite's `VACUUM INTO`).

use super::open_roster;
use anyhow::{bail, Context as _, Result};
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Copy the database consistently, even while the daemon runs.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Where the copy goes; it must not exist yet.
    pub file: PathBuf,
}

pub fn run(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    if args.file.exists() {
        bail!(
            "{} exists already: choose a new file name",
            args.file.display()
        );
    }
    let (_, store) = open_roster(config)?;
    store
        .backup(&args.file)
        .with_context(|| format!("cannot write the backup {}", args.file.display()))?;
    println!("backup written to {}", args.file.display());
    Ok(ExitCode::SUCCESS)
}
