//! SMTP AUTH XOAUTH2 for `SmtpSender` (`smtp.auth = "oauth2"`): which token
//! the transport logs in with, a new transport when the token renews, and
//! what a refusal means. Never logs or returns the token.

use super::super::SendError;
use crate::oauth2::{Token, TokenError, TokenSource};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;

/// The OAuth2 side of a sender: the source, the mailbox to log in as, and
/// the token the current transport carries.
pub struct OAuth2Login {
    pub tokens: TokenSource,
    pub user: String,
    pub current: Option<Token>,
}

impl OAuth2Login {
    /// A valid token, and whether it differs from the transport's (then the
    /// caller builds a new transport with `credentials`).
    pub async fn renew(&mut self) -> Result<(Token, bool), SendError> {
        let token = self.tokens.token().await.map_err(|e| match e {
            TokenError::Config(m) | TokenError::Temporary(m) => {
                // A person may fix the app registration; the answer waits in the outbox.
                SendError::Temporary(format!("OAuth2 token for SMTP: {m}"))
            }
        })?;
        let changed = self.current.as_ref() != Some(&token);
        self.current = Some(token.clone());
        Ok((token, changed))
    }

    /// Logs in with XOAUTH2 only, as `user` with `token`.
    pub fn credentials(
        &self,
        builder: AsyncSmtpTransportBuilder,
        token: &Token,
    ) -> AsyncSmtpTransportBuilder {
        builder
            .credentials(Credentials::new(
                self.user.clone(),
                token.secret().to_string(),
            ))
            .authentication(vec![Mechanism::Xoauth2])
    }

    /// When `e` says the server refused the token or offers no XOAUTH2, the
    /// advice (and the token is forgotten so that the next send fetches a
    /// new one); `None` for other errors.
    pub async fn refusal(
        &mut self,
        token: &Token,
        e: &lettre::transport::smtp::Error,
    ) -> Option<SendError> {
        let advice = advice(&self.user, e)?;
        self.tokens.forget(token).await;
        self.current = None;
        Some(SendError::Temporary(advice))
    }
}

/// lettre answers a refused XOAUTH2 (the server's error challenge, 334)
/// with a client error; a server without XOAUTH2 gives another.
fn advice(user: &str, e: &lettre::transport::smtp::Error) -> Option<String> {
    let text = e.to_string();
    let code = e.status().map(|c| c.to_string());
    let refused = matches!(code.as_deref(), Some("530" | "534" | "535" | "538"))
        || (e.is_client() && text.contains("challenge"));
    if refused {
        return Some(format!(
            "the SMTP server refused the OAuth2 token for `{user}` ({text}): check that the app registration has SMTP.SendAsApp with admin consent, \
             that its service principal has FullAccess (and SendAs) on this mailbox, and that smtp.username is that mailbox's address"
        ));
    }
    if e.is_client() && text.contains("mechanism") {
        return Some(format!(
            "the SMTP server offers no XOAUTH2 login ({text}): SMTP AUTH may be off for the mailbox or the tenant \
             (Exchange Online: Set-CASMailbox {user} -SmtpClientAuthenticationDisabled $false), or smtp.host/port is not the submission service"
        ));
    }
    None
}
