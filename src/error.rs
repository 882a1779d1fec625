//! The library's errors. Each message names the thing and says what to do;
//! none carries a password or a person's data.

use thiserror::Error;

/// A configuration or organisation list that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// TOML that does not parse or does not fit; the message carries line and column.
    #[error("the {what} is not valid TOML: {message}")]
    Toml { what: &'static str, message: String },
    /// TOML that parses but breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// A file that cannot be read.
    #[error("cannot read {path}: {source}; check that the file exists and is readable")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A message that cannot be read at all (as opposed to one that is not a form).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the input is empty: expected an RFC 5322 message (.eml)")]
    Empty,
    #[error("the input is not an e-mail message: no header lines were found")]
    NotAMessage,
    #[error("the message's MIME structure is broken beyond reading: a person must look at it in a mail client")]
    Malformed,
    #[error(
        "the message is {size} bytes, over the limit of {limit} bytes (limits.max_message_bytes)"
    )]
    TooLarge { size: usize, limit: usize },
}
