//! Where mail comes from: the `Mailbox` trait, with an IMAP implementation
//! (the strategist's real inbox) and a directory implementation (`.eml`
//! files, for the demo and for tests). A mailbox never sets a flag, never
//! deletes and only moves a message when told to.

pub mod dir;
pub mod imap;

use std::time::Duration;
use thiserror::Error;

/// A mailbox problem. `Connection` problems are retried with backoff;
/// `Config` problems need a person.
#[derive(Debug, Error)]
pub enum MailboxError {
    #[error("mailbox connection: {0}")]
    Connection(String),
    #[error("mailbox configuration: {0}")]
    Config(String),
    #[error("mailbox: {0}")]
    Other(String),
}

/// The state of the watched folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderInfo {
    pub uidvalidity: u32,
    /// The UID the next message will get.
    pub uid_next: u32,
}

/// What a wait for new mail ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woken {
    /// The server said something changed (IDLE).
    Changed,
    /// The wait ran its time.
    Timeout,
}

/// A folder of mail that blankett reads.
#[allow(async_fn_in_trait)]
pub trait Mailbox {
    /// The watched folder's name.
    fn folder(&self) -> &str;

    /// Opens (or re-opens) the watched folder.
    async fn select(&mut self) -> Result<FolderInfo, MailboxError>;

    /// UIDs of the messages after `uid`, oldest first.
    async fn uids_after(&mut self, uid: u32) -> Result<Vec<u32>, MailboxError>;

    /// The message's bytes, without marking it seen.
    async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, MailboxError>;

    /// UID and Message-ID of every message, to match them again after a
    /// UIDVALIDITY change.
    async fn message_ids(&mut self) -> Result<Vec<(u32, Option<String>)>, MailboxError>;

    /// Moves a message to `folder` (created if missing). Where the server
    /// cannot move, the message is copied and the original left in place.
    async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), MailboxError>;

    /// Waits until new mail may have arrived, at most `max`.
    async fn wait(&mut self, max: Duration) -> Result<Woken, MailboxError>;
}
