//! The daemon's loop: it reacts to a closed set of events (new mail, poll
//! due, outbox due, reload, shutdown) and keeps going through outages, reconnecting
//! with exponential backoff and jitter. `once` is one pass of the same loop.

use super::desk::{Desk, Setup};
use super::{Clock, DeskError};
use crate::mailbox::{Mailbox, MailboxError, Woken};
use crate::sender::Sender;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;
use tracing::{error, info, warn};

/// What the loop reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The server said new mail may be there (IDLE).
    NewMail,
    /// The poll interval or an outbox retry came due.
    Due,
    /// SIGHUP: read the templates and the organisation list again.
    Reload,
    /// SIGTERM or SIGINT: finish the current message and stop.
    Shutdown,
}

/// What SIGHUP does: `apply` reads again what can change without a restart
/// and swaps it into the setup, saying what it loaded; on an error the setup
/// is left as it was.
pub struct Reload {
    pub signal: watch::Receiver<u64>,
    pub apply: Reloader,
}

/// Reads again and swaps into the setup; what it loaded, or why not.
pub type Reloader = Box<dyn FnMut(&mut Setup) -> Result<String, String> + Send>;

/// A counter that SIGHUP raises. The handler is in place when this returns,
/// so a SIGHUP after it no longer ends the process.
pub fn reload_signal() -> watch::Receiver<u64> {
    let (tx, rx) = watch::channel(0);
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut hup) => {
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tx.send_modify(|n| *n += 1);
                }
            });
        }
        Err(e) => warn!(error = %e, "cannot listen for SIGHUP: reloading needs a restart"),
    }
    rx
}

/// Resolves when a reload was asked for; never without a reload signal.
async fn reload_asked(reload: &mut Option<Reload>) {
    if let Some(r) = reload {
        if r.signal.changed().await.is_ok() {
            return;
        }
    }
    std::future::pending().await
}

/// Grows the pause after each failure: 1 s doubling to 5 min, with up to a
/// quarter of random jitter so that restarts do not synchronise.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    pub fn pause(&mut self) -> Duration {
        let base = (1u64 << self.failures.min(9)).min(300);
        self.failures += 1;
        let jitter = fastrand::u64(0..=base * 250);
        Duration::from_millis(base * 1000 + jitter)
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A shutdown signal that SIGTERM and SIGINT set.
pub fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let term = async {
            #[cfg(unix)]
            {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            }
            #[cfg(not(unix))]
            std::future::pending::<()>().await
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
        info!("shutdown requested: finishing the current message");
        let _ = tx.send(true);
    });
    rx
}

/// One pass: handle what is new, move, queue the reminders and the digest
/// that are due, send what is due. An error here is the command's error (`once` exits
/// non-zero).
pub async fn once<M: Mailbox, S: Sender, C: Clock>(
    desk: &mut Desk<M, S, C>,
) -> Result<(), DeskError> {
    let polled = desk.poll().await;
    desk.note_pass(polled.as_ref().err());
    // Reminders, outage notices and queued answers go out even when the
    // mailbox could not be read.
    let reminded = desk.remind()? + desk.upkeep()?;
    desk.report_impersonations()?;
    let digest = desk.digest_if_due()?;
    desk.care()?;
    let sent = desk.drain().await?;
    let pass = polled?;
    info!(
        handled = pass.handled,
        moved = pass.moved,
        reminded,
        digest,
        sent,
        "pass finished"
    );
    Ok(())
}

/// Runs until shutdown.
pub async fn run<M: Mailbox, S: Sender, C: Clock>(
    desk: &mut Desk<M, S, C>,
    poll_interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut reload: Option<Reload>,
) -> Result<(), DeskError> {
    let mut backoff = Backoff::default();
    let mut event = Event::Due;
    loop {
        if *shutdown.borrow() || event == Event::Shutdown {
            desk.stop.store(true, Ordering::SeqCst);
            info!("stopped");
            return Ok(());
        }
        if let (Event::Reload, Some(r)) = (event, reload.as_mut()) {
            match (r.apply)(&mut desk.setup) {
                Ok(loaded) => info!(loaded = %loaded, "reloaded"),
                Err(e) => {
                    warn!(error = %e, "reload failed: the templates and organisation list in use are kept")
                }
            }
        }
        let mut pause = poll_interval;
        let polled = desk.poll().await;
        desk.note_pass(polled.as_ref().err());
        match polled {
            Ok(pass) => {
                backoff.reset();
                if pass.handled > 0 {
                    info!(handled = pass.handled, moved = pass.moved, "mail handled");
                }
            }
            Err(DeskError::Mailbox(MailboxError::Config(e))) => {
                error!(error = %e, "the mailbox refuses the configuration: fix it; retrying");
                pause = backoff.pause().max(Duration::from_secs(60));
            }
            Err(DeskError::Mailbox(e)) => {
                pause = backoff.pause();
                warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "mailbox unavailable: will retry");
            }
            Err(DeskError::Message(e)) => {
                warn!(error = %e, "a message could not be handled: it is tried again");
                pause = Duration::from_secs(1);
            }
            Err(e) => {
                pause = backoff.pause();
                error!(error = %e, retry_in_ms = pause.as_millis() as u64, "pass failed: will retry");
            }
        }
        // Reminders depend on the database and the clock only, so they are
        // queued even while the mailbox is unavailable.
        match desk.remind() {
            Ok(0) => {}
            Ok(reminded) => info!(reminded, "reminders queued"),
            Err(e) => warn!(error = %e, "queueing reminders failed: will retry"),
        }
        if let Err(e) = desk.report_impersonations() {
            warn!(error = %e, "queueing the report of refused attempts failed: will retry");
        }
        // The digest depends on the database and the clock only, like reminders.
        if let Err(e) = desk.digest_if_due() {
            warn!(error = %e, "queueing the digest failed: will retry");
        }
        if let Err(e) = desk.care() {
            warn!(error = %e, "retention or outage check failed: will retry");
        }
        if let Err(e) = desk.drain().await {
            warn!(error = %e, "sending from the outbox failed: will retry");
        }
        if let Ok(Some(next)) = desk.store.next_due() {
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&next) {
                let until = (at.with_timezone(&chrono::Utc) - desk.clock.now())
                    .to_std()
                    .unwrap_or_default();
                pause = pause.min(until.max(Duration::from_secs(1)));
            }
        }
        // Wake for the next digest slot, so that it goes out on time.
        if let Some(at) = desk.next_digest() {
            let until = (at - desk.clock.now()).to_std().unwrap_or_default();
            pause = pause.min(until.max(Duration::from_secs(1)));
        }
        event = tokio::select! {
            woken = desk.mailbox.wait(pause) => match woken {
                Ok(Woken::Changed) => Event::NewMail,
                Ok(Woken::Timeout) => Event::Due,
                Err(e) => {
                    let p = backoff.pause();
                    warn!(error = %e, "waiting for mail failed: will reconnect");
                    tokio::select! {
                        _ = tokio::time::sleep(p) => Event::Due,
                        _ = shutdown.changed() => Event::Shutdown,
                        _ = reload_asked(&mut reload) => Event::Reload,
                    }
                }
            },
            _ = shutdown.changed() => Event::Shutdown,
            _ = reload_asked(&mut reload) => Event::Reload,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut b = Backoff::default();
        let first = b.pause();
        assert!(first >= Duration::from_secs(1) && first <= Duration::from_millis(1250));
        for _ in 0..20 {
            b.pause();
        }
        let late = b.pause();
        assert!(late >= Duration::from_secs(300) && late <= Duration::from_secs(375));
        b.reset();
        assert!(b.pause() <= Duration::from_millis(1250));
    }
}
