//! `run` (the daemon) and `once` (one pass): the strategist's IMAP inbox and
//! SMTP, from the configuration.

use super::{desk, Loaded};
use anyhow::{bail, Context as _, Result};
use blankett::daemon::desk::Desk;
use blankett::daemon::{run, SystemClock};
use blankett::mailbox::imap::ImapMailbox;
use blankett::secrets;
use blankett::sender::smtp::SmtpSender;
use std::process::ExitCode;
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
    let imap_password = secrets::resolve(&imap.secret())?
        .context("[imap] names no password: set password_file, password_env or password")?;
    let smtp_password = secrets::resolve(&smtp.secret())?;
    let store = desk::store(&config.database.path)?;
    let setup = desk::setup(config, loaded.organisations, &smtp.from, &store, send)?;
    let poll = imap.poll_interval;
    info!(
        imap = %format!("{}:{}", imap.host, imap.port),
        smtp = %format!("{}:{}", smtp.host, smtp.port),
        database = %config.database.path.display(),
        "starting"
    );
    let mailbox = ImapMailbox::new(imap, imap_password)?;
    let sender = SmtpSender::new(&smtp, smtp_password)?;
    Ok((desk::desk(store, mailbox, sender, setup), poll))
}

/// `run`: until SIGTERM or SIGINT.
pub async fn run(loaded: Loaded) -> Result<ExitCode> {
    let (mut desk, poll) = imap_desk(loaded, true)?;
    let shutdown = run::shutdown_signal();
    run::run(&mut desk, poll, shutdown).await?;
    Ok(ExitCode::SUCCESS)
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
