//! `blankett export`: loads the registrations and prints an export of them
//! (so far the mailing list). The lists are made by `blankett::export`; this
//! file must not format anything itself.

use anyhow::Result;
use blankett::export;
use clap::ArgGroup;
use std::path::Path;
use std::process::ExitCode;

/// Print something made from the current roster, ready to paste elsewhere.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("what").required(true).args(["mailing_list"])))]
pub struct Args {
    /// Every current representative's and substitute's address, each once,
    /// separated by `; ` for Outlook's To field.
    #[arg(long)]
    pub mailing_list: bool,
}

/// Runs `export`.
pub fn run(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    let (_, store) = super::open_roster(config)?;
    let registrations = store.registrations()?;
    if args.mailing_list {
        super::emit(export::mailing_list(&registrations).as_bytes(), None)?;
    }
    Ok(ExitCode::SUCCESS)
}
