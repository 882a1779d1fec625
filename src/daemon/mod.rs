//! The daemon: the desk that handles messages (`desk`), what reading needs
//! (`reader`), and the loop that reacts to events (`run`). This is the edge
//! where the clock, the network and the database meet the pure core.

pub mod desk;
pub mod intake;
pub mod reader;
pub mod run;

use crate::compose::TemplateError;
use crate::mailbox::MailboxError;
use crate::outgoing::BuildError;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
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
