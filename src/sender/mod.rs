//! Where answers go: the `Sender` trait, with an SMTP implementation and a
//! file implementation (one `.eml` per answer, for the demo and tests).

pub mod file;
pub mod smtp;

use thiserror::Error;

/// A sending problem: `Temporary` ones are retried later, `Permanent` ones
/// (the server refused the recipient) are not.
#[derive(Debug, Error)]
pub enum SendError {
    #[error("temporary sending failure: {0}")]
    Temporary(String),
    #[error("permanent sending failure: {0}")]
    Permanent(String),
}

/// Sends one finished mail.
#[allow(async_fn_in_trait)]
pub trait Sender {
    /// Sends `bytes` from `from` (the envelope sender) to `to`.
    async fn send(&mut self, from: &str, to: &str, bytes: &[u8]) -> Result<(), SendError>;
}
