//! The daemon's loop: it reacts to a closed set of events (new mail, poll
//! due, outbox due, shutdown) and keeps going through outages, reconnecting
//! with exponential backoff and jitter. `once` is one pass of the same loop.

use super::desk::Desk;
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
    /// SIGTERM or SIGINT: finish the current message and stop.
    Shutdown,
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

/// One pass: handle what is new, move, queue the reminders that are due,
/// send what is due. An error here is the command's error (`once` exits
/// non-zero).
pub async fn once<M: Mailbox, S: Sender, C: Clock>(
    desk: &mut Desk<M, S, C>,
) -> Result<(), DeskError> {
    let pass = desk.poll().await?;
    let reminded = desk.remind()?;
    let sent = desk.drain().await?;
    info!(
        handled = pass.handled,
        moved = pass.moved,
        reminded,
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
) -> Result<(), DeskError> {
    let mut backoff = Backoff::default();
    let mut event = Event::Due;
    loop {
        if *shutdown.borrow() || event == Event::Shutdown {
            desk.stop.store(true, Ordering::SeqCst);
            info!("stopped");
            return Ok(());
        }
        let mut pause = poll_interval;
        match desk.poll().await {
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
                    }
                }
            },
            _ = shutdown.changed() => Event::Shutdown,
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
