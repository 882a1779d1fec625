//! `blankett roster`: loads the current registrations and prints or writes
//! them in the chosen format. The formats themselves live in
//! `blankett::export`; this file must not format anything.

use anyhow::{bail, Result};
use blankett::export;
use clap::ValueEnum;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Print the current roster: one line per organisation with a registration.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output (needed for xlsx).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The roster's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for the terminal.
    Table,
    /// CSV for Excel: UTF-8 with a byte order mark, `;` between fields, Swedish headings.
    Csv,
    /// JSON as in the running contract: an array, one object per organisation.
    Json,
    /// An Excel workbook with Swedish headings (needs --output).
    Xlsx,
}

/// Runs `roster`.
pub fn run(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    if args.format == Format::Xlsx && args.output.is_none() {
        bail!("an xlsx workbook is a binary file and is not written to the terminal: name a file with --output FILE.xlsx");
    }
    let (_, store) = super::open_roster(config)?;
    let registrations = store.registrations()?;
    let bytes = match args.format {
        Format::Table => export::table_with(&registrations, &store.undeliverable()?).into_bytes(),
        Format::Csv => export::csv_with(&registrations, &store.undeliverable()?)?,
        Format::Json => export::json_with(&registrations, &store.undeliverable()?).into_bytes(),
        Format::Xlsx => export::xlsx_with(&registrations, &store.undeliverable()?)?,
    };
    super::emit(&bytes, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
