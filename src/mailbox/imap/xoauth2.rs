//! IMAP login with an OAuth2 bearer token: `AUTHENTICATE XOAUTH2` (the SASL
//! mechanism Microsoft 365 and Gmail use) with a token from the
//! `TokenSource`. A refused token is dropped from the cache so that the next
//! connection fetches a fresh one. Never logs or returns the token.

use super::connect::{Io, Session};
use crate::mailbox::MailboxError;
use crate::oauth2::{TokenError, TokenSource};
use async_imap::{Authenticator, Client};

/// Logs in as `user` with a token from `tokens`.
pub async fn login(
    client: Client<Box<dyn Io>>,
    user: &str,
    tokens: &TokenSource,
) -> Result<Session, MailboxError> {
    let token = tokens.token().await.map_err(|e| match e {
        TokenError::Config(m) => MailboxError::Config(format!("OAuth2 token for IMAP: {m}")),
        TokenError::Temporary(m) => MailboxError::Connection(format!("OAuth2 token for IMAP: {m}")),
    })?;
    let auth = XOAuth2 {
        response: initial_response(user, token.secret()),
        sent: false,
    };
    match client.authenticate("XOAUTH2", auth).await {
        Ok(session) => Ok(session),
        Err((e, _client)) => {
            use async_imap::error::Error;
            match e {
                Error::No(m) | Error::Bad(m) => {
                    tokens.forget(&token).await;
                    Err(refused(user, &m))
                }
                Error::Validate(_) => Err(MailboxError::Config(
                    "imap.username contains a line break: remove it".into(),
                )),
                other => Err(MailboxError::Connection(format!("XOAUTH2 login: {other}"))),
            }
        }
    }
}

/// What a person must check when the server refuses a token it was given.
fn refused(user: &str, said: &str) -> MailboxError {
    MailboxError::Config(format!(
        "the IMAP server refused the OAuth2 token for `{user}` ({said}): check that the app registration has IMAP.AccessAsApp with admin consent, \
         that its service principal is registered in Exchange Online (New-ServicePrincipal) with FullAccess to this mailbox (Add-MailboxPermission), \
         and that imap.username is that mailbox's address; the next connection fetches a new token"
    ))
}

/// `user=USER ^A auth=Bearer TOKEN ^A ^A`, the XOAUTH2 client response.
fn initial_response(user: &str, token: &str) -> Vec<u8> {
    format!("user={user}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// Sends the token once; on failure the server sends an error challenge
/// (JSON), which is answered with an empty line so that it says NO.
struct XOAuth2 {
    response: Vec<u8>,
    sent: bool,
}

impl Authenticator for XOAuth2 {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        if std::mem::replace(&mut self.sent, true) {
            Vec::new()
        } else {
            std::mem::take(&mut self.response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_once_then_an_empty_answer() {
        let mut auth = XOAuth2 {
            response: initial_response("strateg@lansstyrelsen.se", "tok"),
            sent: false,
        };
        assert_eq!(
            auth.process(b""),
            b"user=strateg@lansstyrelsen.se\x01auth=Bearer tok\x01\x01".to_vec()
        );
        assert_eq!(auth.process(b"{\"status\":\"401\"}"), Vec::<u8>::new());
    }

    #[test]
    fn a_refusal_names_the_mailbox_and_the_permissions() {
        let text = refused("strateg@lansstyrelsen.se", "AUTHENTICATE failed.").to_string();
        assert!(text.contains("strateg@lansstyrelsen.se"), "{text}");
        assert!(text.contains("IMAP.AccessAsApp"), "{text}");
        assert!(text.contains("Add-MailboxPermission"), "{text}");
        assert!(matches!(refused("u", "x"), MailboxError::Config(_)));
    }
}
