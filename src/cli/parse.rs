//! `blankett parse FILE.eml`: one message in, one JSON object out.

use anyhow::{Context as _, Result};
use blankett::parse::{parse, Context};
use clap::Args as ClapArgs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Read one message and print its form as JSON.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The message, as saved from a mail client (RFC 5322 .eml); `-` reads stdin.
    pub file: PathBuf,
}

pub fn run(args: &Args, config: Option<&std::path::Path>) -> Result<ExitCode> {
    let loaded = super::load(config)?;
    let bytes = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("cannot read standard input")?;
        buf
    } else {
        std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?
    };
    let ocr = blankett::attach::default_ocr();
    let ctx = Context {
        organisations: &loaded.organisations,
        required: &loaded.config.form.required,
        limits: &loaded.config.limits,
        ocr: ocr.as_ref().map(|o| o as &dyn blankett::attach::Ocr),
    };
    let report = parse(&bytes, &ctx)
        .with_context(|| format!("cannot read {} as a message", args.file.display()))?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{}", report.to_json()) {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => {
            other.context("cannot write to standard output")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
