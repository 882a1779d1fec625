//! How `run`, `once` and `import` log in: the passwords named in `[imap]`
//! and `[smtp]`, or with `auth = "oauth2"` one token source (one cache) for
//! both from `[oauth2]`. Builds the mailbox and the sender; connects nothing.

use anyhow::{Context as _, Result};
use blankett::config::{Config, ImapConfig, SmtpConfig};
use blankett::mailbox::imap::ImapMailbox;
use blankett::oauth2::{Auth, TokenSource};
use blankett::secrets;
use blankett::sender::smtp::SmtpSender;

/// The mailbox and the sender, each logging in as configured.
pub fn connections(
    config: &Config,
    imap: ImapConfig,
    smtp: &SmtpConfig,
) -> Result<(ImapMailbox, SmtpSender)> {
    let tokens = if imap.auth == Auth::Oauth2 || smtp.auth == Auth::Oauth2 {
        Some(token_source(config)?)
    } else {
        None
    };
    let mailbox = match (&tokens, imap.auth) {
        (Some(tokens), Auth::Oauth2) => ImapMailbox::oauth2(imap, tokens.clone())?,
        _ => {
            let password = secrets::resolve(&imap.secret())?.context(
                "[imap] names no password: set password_file, password_env or password (or auth = \"oauth2\")",
            )?;
            ImapMailbox::new(imap, password)?
        }
    };
    let sender = match (tokens, smtp.auth) {
        (Some(tokens), Auth::Oauth2) => SmtpSender::oauth2(smtp, tokens)?,
        _ => SmtpSender::new(smtp, secrets::resolve(&smtp.secret())?)?,
    };
    Ok((mailbox, sender))
}

/// The token source of `[oauth2]`, with its client secret read now so that
/// a missing file shows at start.
fn token_source(config: &Config) -> Result<TokenSource> {
    let oauth2 = config
        .oauth2
        .as_ref()
        .context("auth = \"oauth2\" needs an [oauth2] section (see README, Microsoft 365)")?;
    let secret = secrets::resolve(&oauth2.secret())
        .context(
            "cannot read the OAuth2 client secret (oauth2.client_secret_file or client_secret_env)",
        )?
        .context("[oauth2] names no client secret: set client_secret_file or client_secret_env")?;
    Ok(TokenSource::new(oauth2, secret)?)
}
