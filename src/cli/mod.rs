//! The command line: one file per subcommand. The doc comments on these types
//! are the `--help` text.

pub mod daemon;
pub mod demo;
pub mod desk;
pub mod parse;

use anyhow::{Context as _, Result};
use blankett::config::Config;
use blankett::organisations::Organisations;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// blankett: turns the county strategist's inbox into an intake desk for the
/// county group's representative forms.
#[derive(Debug, Parser)]
#[command(name = "blankett", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). `parse` works without one.
    #[arg(long, global = true, env = "BLANKETT_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read one message (.eml) and print what it holds as JSON; touches nothing.
    Parse(parse::Args),
    /// Run the whole pipeline on bundled sample mail, with no server.
    Demo(demo::Args),
    /// Watch the inbox and answer forms until SIGTERM/SIGINT (needs --config).
    Run,
    /// Handle every message not yet handled, send queued mail, exit (needs --config).
    Once,
    /// Read forms that were in the inbox before blankett started into the
    /// database, dated DATE or later; sends nothing (needs --config).
    Import {
        /// The oldest date to read, as YYYY-MM-DD.
        #[arg(long)]
        since: String,
    },
}

/// The configuration and the organisation list it names.
pub struct Loaded {
    pub config: Config,
    pub organisations: Organisations,
}

/// Loads the configuration, or the built-in defaults when none is given.
pub fn load(path: Option<&Path>) -> Result<Loaded> {
    let config = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read the configuration file {}", path.display())
            })?;
            let base = path.parent().unwrap_or(Path::new("."));
            Config::parse(&text, base).with_context(|| format!("in {}", path.display()))?
        }
        None => Config::default(),
    };
    let organisations = match &config.form.organisations {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the organisation list {}", path.display()))?;
            Organisations::parse(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => Organisations::builtin(),
    };
    Ok(Loaded {
        config,
        organisations,
    })
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<std::process::ExitCode> {
    match cli.command {
        Command::Parse(args) => parse::run(&args, cli.config.as_deref()),
        Command::Demo(args) => runtime()?.block_on(demo::run(&args)),
        Command::Run => {
            let loaded = load(Some(required(cli.config.as_deref())?))?;
            runtime()?.block_on(daemon::run(loaded))
        }
        Command::Import { since } => {
            let loaded = load(Some(required(cli.config.as_deref())?))?;
            runtime()?.block_on(daemon::import(loaded, &since))
        }
        Command::Once => {
            let loaded = load(Some(required(cli.config.as_deref())?))?;
            runtime()?.block_on(daemon::once(loaded))
        }
    }
}

fn required(path: Option<&Path>) -> Result<&Path> {
    path.ok_or_else(|| {
        anyhow::anyhow!(
            "this command needs a configuration: pass --config FILE or set BLANKETT_CONFIG"
        )
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
