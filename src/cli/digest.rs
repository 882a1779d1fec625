//! `blankett digest --print | --send | --html FILE`: the roster digest now,
//! whatever the schedule. `--print` and `--html` change nothing; `--send`
//! queues the digest with its time (as the daemon would) and sends the outbox
//! through SMTP. The digest itself is made by `blankett::digest`; this file
//! formats nothing.

use super::{desk, open_roster};
use anyhow::{bail, Context as _, Result};
use blankett::daemon::desk::Desk;
use blankett::daemon::digest::{gather, make, queue_now};
use blankett::daemon::SystemClock;
use blankett::mailbox::dir::DirMailbox;
use blankett::secrets;
use blankett::sender::smtp::SmtpSender;
use clap::ArgGroup;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The roster digest now: what changed since the last one, the roster, its
/// gaps, what waits, and a mailing list.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("what").required(true).multiple(true).args(["print", "send", "html"])))]
pub struct Args {
    /// Print the digest's subject and text to standard output; changes nothing.
    #[arg(long)]
    pub print: bool,
    /// Send the digest to `[digest] to` now (with the .xlsx and .csv), and
    /// count it as the last digest.
    #[arg(long)]
    pub send: bool,
    /// Write the digest's HTML part to FILE; changes nothing.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Runs `digest`.
pub fn run(args: &Args, config: Option<&std::path::Path>) -> Result<ExitCode> {
    let (loaded, mut store) = open_roster(config)?;
    let from = loaded.config.smtp.as_ref().map_or_else(
        || loaded.config.strategist.address.clone(),
        |s| s.from.clone(),
    );
    let config = loaded.config.clone();
    let setup = desk::setup(&config, loaded.organisations, &from, &store, true)?;
    let digest_config = desk::digest_config(&config, &setup.policy.own_address);
    let now = chrono::Utc::now();
    if args.print || args.html.is_some() {
        let digest = make(&setup, &digest_config, &gather(&store)?, now)?;
        if let Some(path) = &args.html {
            super::emit(digest.rendered.html.as_bytes(), Some(path))?;
        }
        if args.print {
            let mut out = format!(
                "Subject: {}\nTo: {}\n",
                digest.rendered.subject,
                digest_config.to.join(", ")
            );
            for file in &digest.attachments {
                out.push_str(&format!("Attachment: {}\n", file.name));
            }
            out.push('\n');
            out.push_str(&digest.rendered.text);
            super::emit(out.as_bytes(), None)?;
        }
    }
    if args.send {
        let Some(smtp) = config.smtp.clone() else {
            bail!("the configuration has no [smtp] section: add one to send the digest (see README, Configuration)");
        };
        let password = secrets::resolve(&smtp.secret())?;
        let queued = queue_now(&mut store, &setup, &digest_config, now)?;
        if queued == 0 {
            bail!(
                "another blankett made a digest at the same moment: nothing was queued; try again"
            );
        }
        // A desk to drain the outbox with; the digest reads no mail, so its
        // mailbox is never opened. The SMTP pool must live and die inside
        // the runtime.
        let dir = config
            .database
            .path
            .parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let (sent, still) = runtime()?.block_on(async move {
            let mut desk = Desk {
                store,
                mailbox: DirMailbox::new(dir),
                sender: SmtpSender::new(&smtp, password)?,
                clock: SystemClock,
                setup,
                stop: Arc::new(AtomicBool::new(false)),
            };
            let sent = desk.drain().await?;
            anyhow::Ok((sent, desk.store.counts()?.queued))
        })?;
        println!("digest queued to {queued} recipient(s); sent {sent} from the outbox, {still} still queued");
    }
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
