//! The daemon: the desk that handles messages (`desk`), what reading needs
//! (`reader`), reminders for pending forms (`remind`), the scheduled digest
//! (`digest`), the daily report of refused attempts to act as the
//! strategist (`alarm`), and the loop that reacts to events (`run`). This is the edge where the clock, the network
//! and the database meet the pure core.

pub mod alarm;
pub mod care;
pub mod desk;
pub mod digest;
pub mod intake;
pub mod reader;
pub mod remind;
pub mod review;
pub mod run;
pub mod upkeep;

use crate::compose::TemplateError;
use crate::mailbox::MailboxError;
use crate::outgoing::BuildError;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use thiserror::Error;

/// What can stop a pass of the desk.
#[derive(Debug, Error)]
pub enum DeskError {
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Digest(#[from] crate::digest::DigestError),
    /// One message could not be handled; it is tried again later.
    #[error("{0}")]
    Message(String),
}

/// The time, read only at the edge.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved: for tests of what time decides
/// (reminders, retries). A poisoned lock still gives its time.
#[derive(Debug)]
pub struct FixedClock(pub Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(now))
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
