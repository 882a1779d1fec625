//! The command line: one file per subcommand. The doc comments on these types
//! are the `--help` text.

pub mod backup;
pub mod daemon;
pub mod demo;
pub mod desk;
pub mod digest;
pub mod doctor;
pub mod export;
pub mod history;
pub mod init;
pub mod logging;
pub mod login;
pub mod organisations;
pub mod parse;
pub mod person;
pub mod request;
pub mod review;
pub mod roster;
pub mod status;

use anyhow::{Context as _, Result};
use blankett::config::Config;
use blankett::organisations::Organisations;
use blankett::store::Store;
use clap::{Parser, Subcommand};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// blankett: turns the county strategist's inbox into an intake desk for the
/// county group's representative forms.
#[derive(Debug, Parser)]
#[command(name = "blankett", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). `parse` works without one.
    #[arg(long, global = true, env = "BLANKETT_CONFIG")]
    pub config: Option<PathBuf>,

    /// How logs are written to stderr: `text` for people, `json` (one
    /// object per line) for a log collector. `RUST_LOG` sets the level.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
    /// Print the current roster as a table, CSV, JSON or an Excel workbook
    /// (needs --config).
    Roster(roster::Args),
    /// Print the roster's changes, of all organisations or one (needs --config).
    History(history::Args),
    /// List the known organisations: represented, with a substitute, with a
    /// form waiting for more (needs --config).
    Organisations,
    /// Print the mailing list of the current representatives and substitutes
    /// (needs --config).
    Export(export::Args),
    /// Messages waiting for a person: list, show, accept, reject, edit (needs --config).
    Review(review::Args),
    /// Send organisations the form (a letter and a .docx to fill in), to the
    /// registered people or the organisation's `contact` address (needs --config).
    Request(request::Args),
    /// The roster digest now: print it, write its HTML, or send it by mail
    /// (needs --config).
    Digest(digest::Args),
    /// Check the configuration, the files it names, OCR, and the IMAP and SMTP
    /// servers (login, capabilities, folders); say what to fix. Touches no
    /// mail (needs --config).
    Doctor,
    /// Write a commented configuration, the organisation list and the
    /// templates into a folder, ready to edit.
    Init(init::Args),
    /// The daemon's health: last poll, last answer sent, queues, last error (needs --config).
    Status,
    /// A consistent copy of the database while the daemon runs (needs --config).
    Backup(backup::Args),
    /// Everything held about one person, as JSON (needs --config).
    ExportPerson(person::Args),
    /// Remove one person from the roster's history, pending forms and messages (needs --config).
    Forget(person::Args),
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
            let config =
                Config::parse(&text, base).with_context(|| format!("in {}", path.display()))?;
            let inline = |p: &Option<String>| p.is_some();
            let holds_secret = config.imap.as_ref().is_some_and(|i| inline(&i.password))
                || config.smtp.as_ref().is_some_and(|s| inline(&s.password));
            if holds_secret {
                blankett::secrets::warn_if_readable(path);
            }
            config
        }
        None => Config::default(),
    };
    let organisations = load_organisations(config.form.organisations.as_deref())?;
    Ok(Loaded {
        config,
        organisations,
    })
}

/// Reads the organisation list at `path`, or the built-in one.
pub fn load_organisations(path: Option<&Path>) -> Result<Organisations> {
    Ok(match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the organisation list {}", path.display()))?;
            Organisations::parse(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => Organisations::builtin(),
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
        Command::Roster(args) => roster::run(&args, cli.config.as_deref()),
        Command::History(args) => history::run(&args, cli.config.as_deref()),
        Command::Organisations => organisations::run(cli.config.as_deref()),
        Command::Export(args) => export::run(&args, cli.config.as_deref()),
        Command::Review(args) => review::run(&args, cli.config.as_deref()),
        Command::Request(args) => request::run(&args, cli.config.as_deref()),
        Command::Digest(args) => digest::run(&args, cli.config.as_deref()),
        Command::Doctor => runtime()?.block_on(doctor::run(required(cli.config.as_deref())?)),
        Command::Init(args) => init::run(&args),
        Command::Status => status::run(cli.config.as_deref()),
        Command::Backup(args) => backup::run(&args, cli.config.as_deref()),
        Command::ExportPerson(args) => person::export(&args, cli.config.as_deref()),
        Command::Forget(args) => person::forget(&args, cli.config.as_deref()),
    }
}

/// Loads the configuration and opens the database it names, for the roster
/// commands. A database that is not there yet is an error rather than a new,
/// empty roster: the path is more likely wrong than the roster empty.
pub fn open_roster(config: Option<&Path>) -> Result<(Loaded, Store)> {
    let loaded = load(Some(required(config)?))?;
    let path = &loaded.config.database.path;
    if !path.exists() {
        anyhow::bail!(
            "there is no database at {}: check [database] path, or let `blankett once` handle mail first",
            path.display()
        );
    }
    let store = Store::open(path, &chrono::Utc::now().to_rfc3339())?;
    Ok((loaded, store))
}

/// Writes a command's output to `file`, or to standard output. A reader that
/// stops early (`| head`) is not an error.
pub fn emit(bytes: &[u8], file: Option<&Path>) -> Result<()> {
    match file {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
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
