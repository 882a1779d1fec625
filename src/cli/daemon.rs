//! `run` (the daemon) and `once` (one pass): the strategist's IMAP inbox and
//! SMTP, from the configuration.

use super::{desk, Loaded};
use anyhow::{bail, Context as _, Result};
use blankett::attach::{default_ocr, Ocr};
use blankett::config::{Config, Security};
use blankett::daemon::desk::{Desk, Setup};
use blankett::daemon::reader::Reader;
use blankett::daemon::{run, SystemClock};
use blankett::mailbox::imap::ImapMailbox;
use blankett::sender::smtp::SmtpSender;
use std::process::ExitCode;
use std::sync::Arc;
use tracing::info;

/// The IMAP/SMTP desk from the configuration.
fn imap_desk(
    loaded: Loaded,
    send: bool,
) -> Result<(
    Desk<ImapMailbox, SmtpSender, SystemClock>,
    std::time::Duration,
)> {
    let config = &loaded.config;
    let Some(imap) = config.imap.clone() else {
        bail!("the configuration has no [imap] section: add one (see README, Configuration)");
    };
    let Some(smtp) = config.smtp.clone() else {
        bail!("the configuration has no [smtp] section: add one (see README, Configuration)");
    };
    let (mailbox, sender) = super::login::connections(config, imap.clone(), &smtp)?;
    let store = desk::store(&config.database.path)?;
    let setup = desk::setup(config, loaded.organisations, &smtp.from, &store, send)?;
    let poll = imap.poll_interval;
    // Host names only: the user name is a person's address.
    info!(
        imap = %format!("{}:{}", imap.host, imap.port),
        imap_security = security(imap.security),
        inbox = %imap.inbox,
        smtp = %format!("{}:{}", smtp.host, smtp.port),
        smtp_security = security(smtp.security),
        database = %config.database.path.display(),
        version = env!("CARGO_PKG_VERSION"),
        "starting"
    );
    Ok((desk::desk(store, mailbox, sender, setup), poll))
}

/// A connection's protection as the configuration writes it.
fn security(security: Security) -> &'static str {
    match security {
        Security::Tls => "tls",
        Security::Starttls => "starttls",
        Security::None => "none",
    }
}

/// `run`: until SIGTERM or SIGINT; SIGHUP reloads.
pub async fn run(loaded: Loaded) -> Result<ExitCode> {
    // Before anything is logged, so that a SIGHUP sent after the start line
    // no longer ends the process.
    let signal = run::reload_signal();
    let reload = run::Reload {
        signal,
        apply: reloader(&loaded.config),
    };
    let (mut desk, poll) = imap_desk(loaded, true)?;
    let shutdown = run::shutdown_signal();
    run::run(&mut desk, poll, shutdown, Some(reload)).await?;
    Ok(ExitCode::SUCCESS)
}

/// What SIGHUP reads again: the template folder and the organisation list
/// (the paths the configuration named at start), and looks for OCR again.
/// Either both are swapped in, or neither.
fn reloader(config: &Config) -> run::Reloader {
    let templates = config.answers.templates.clone();
    let organisations = config.form.organisations.clone();
    let config = config.clone();
    Box::new(move |setup: &mut Setup| {
        let fresh = desk::templates(&config).map_err(|e| format!("{e:#}"))?;
        let list =
            super::load_organisations(organisations.as_deref()).map_err(|e| format!("{e:#}"))?;
        let loaded = format!(
            "{} organisations, templates from {}",
            list.all().len(),
            templates
                .as_ref()
                .map_or("the binary".to_string(), |p| p.display().to_string())
        );
        setup.templates = fresh;
        setup.reader = Arc::new(Reader {
            organisations: list,
            required: setup.reader.required.clone(),
            limits: setup.reader.limits.clone(),
            ocr: default_ocr().map(|o| Box::new(o) as Box<dyn Ocr + Send + Sync>),
        });
        Ok(loaded)
    })
}

/// `import --since DATE`: older forms into the database; nothing is sent.
pub async fn import(loaded: Loaded, since: &str) -> Result<ExitCode> {
    let day = chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d")
        .with_context(|| format!("`{since}` is not a date: write it as YYYY-MM-DD"))?;
    let since = day
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp());
    let (mut desk, _) = imap_desk(loaded, false)?;
    let pass = desk.import(since).await?;
    println!(
        "imported {} messages dated {day} or later; nothing was sent or moved",
        pass.handled
    );
    Ok(ExitCode::SUCCESS)
}

/// `once`: handle what is new, send what is queued, exit.
pub async fn once(loaded: Loaded) -> Result<ExitCode> {
    let (mut desk, _) = imap_desk(loaded, true)?;
    run::once(&mut desk).await?;
    let counts = desk.store.counts()?;
    println!(
        "handled {} messages in all; outbox: {} sent, {} queued, {} failed",
        counts.handled, counts.sent, counts.queued, counts.failed
    );
    Ok(ExitCode::SUCCESS)
}
