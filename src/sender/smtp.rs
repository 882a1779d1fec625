//! `SmtpSender`: sends finished answers through the configured SMTP server
//! with lettre (implicit TLS, required STARTTLS, or plain on loopback). It
//! sends the bytes it is given, as they are: it builds no message and adds
//! no header. Never logs or returns the password.

mod xoauth2;

use super::{SendError, Sender};
use crate::config::{Security, SmtpConfig};
use crate::error::ConfigError;
use crate::oauth2::TokenSource;
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransport, AsyncSmtpTransportBuilder};
use lettre::{AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP read or write may take.
const IO_LIMIT: Duration = Duration::from_secs(60);
/// How long a whole send may take, connecting included.
const SEND_LIMIT: Duration = Duration::from_secs(180);

/// Sends mail through one SMTP server; connections are pooled by lettre.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// With `auth = "oauth2"`: the transport without credentials (rebuilt
    /// with each new token) and the token's source.
    oauth2: Option<(AsyncSmtpTransportBuilder, xoauth2::OAuth2Login)>,
}

impl SmtpSender {
    /// Builds the transport; reads `ca_file` now so that a bad path shows at
    /// start. `password` is used when `username` is set.
    pub fn new(config: &SmtpConfig, password: Option<String>) -> Result<Self, ConfigError> {
        let mut builder = builder(config)?;
        if let Some(user) = &config.username {
            let password = password.ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "smtp.username is `{user}` but no password is configured: set smtp.password_file or smtp.password_env"
                ))
            })?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpSender {
            transport: builder.build(),
            oauth2: None,
        })
    }

    /// Like `new`, logging in as `smtp.username` with XOAUTH2 and tokens
    /// from `tokens` (`smtp.auth = "oauth2"`); the first send fetches one.
    pub fn oauth2(config: &SmtpConfig, tokens: TokenSource) -> Result<Self, ConfigError> {
        let user = config.username.clone().ok_or_else(|| {
            ConfigError::Invalid(
                "smtp.auth = \"oauth2\" needs smtp.username: the mailbox's address".into(),
            )
        })?;
        let builder = builder(config)?;
        let login = xoauth2::OAuth2Login {
            tokens,
            user,
            current: None,
        };
        Ok(SmtpSender {
            transport: builder.clone().build(),
            oauth2: Some((builder, login)),
        })
    }

    /// The current token with `auth = "oauth2"`, after building a new
    /// transport when it changed (the old pool goes with the old token).
    async fn renew(&mut self) -> Result<Option<crate::oauth2::Token>, SendError> {
        let Some((builder, login)) = self.oauth2.as_mut() else {
            return Ok(None);
        };
        let (token, changed) = login.renew().await?;
        if changed {
            self.transport = login.credentials(builder.clone(), &token).build();
        }
        Ok(Some(token))
    }

    /// Connects, protects the connection and logs in as configured, then
    /// says NOOP: sends nothing (`blankett doctor`). The error is lettre's,
    /// so that the caller can tell a refused login from a TLS problem.
    pub async fn verify(&self) -> Result<bool, lettre::transport::smtp::Error> {
        self.transport.test_connection().await
    }
}

/// The transport's host, port, time limit and TLS, without credentials.
fn builder(config: &SmtpConfig) -> Result<AsyncSmtpTransportBuilder, ConfigError> {
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port)
        .timeout(Some(IO_LIMIT));
    Ok(match config.security {
        Security::Tls => builder.tls(Tls::Wrapper(tls_parameters(config)?)),
        Security::Starttls => builder.tls(Tls::Required(tls_parameters(config)?)),
        Security::None => builder.tls(Tls::None),
    })
}

/// The certificate name and the roots: lettre's usual ones plus `ca_file`.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, ConfigError> {
    let name = config
        .tls_name
        .clone()
        .unwrap_or_else(|| config.host.clone());
    let mut params = TlsParameters::builder(name);
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            ConfigError::Invalid(format!(
                "smtp.ca_file {} holds no usable PEM certificate: {e}",
                path.display()
            ))
        })?;
        params = params.add_root_certificate(cert);
    }
    params
        .build()
        .map_err(|e| ConfigError::Invalid(format!("smtp TLS settings: {e}")))
}

/// An address for the envelope: a bare address, or the address inside
/// `Name <address>`.
fn address(text: &str, role: &str) -> Result<Address, SendError> {
    let text = text.trim();
    let bare = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    bare.parse::<Address>()
        .map_err(|e| SendError::Permanent(format!("the {role} address is not valid: {e}")))
}

/// 5xx replies are permanent, except those about our own login: a person
/// can fix the password, and the answer should go out then.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| c.to_string());
    let login = matches!(code.as_deref(), Some("530" | "534" | "535" | "538"));
    if login {
        SendError::Temporary(format!(
            "the SMTP server refused the login ({e}): check smtp.username and the password"
        ))
    } else if e.is_permanent() {
        SendError::Permanent(e.to_string())
    } else {
        SendError::Temporary(e.to_string())
    }
}

impl Sender for SmtpSender {
    async fn send(&mut self, from: &str, to: &str, bytes: &[u8]) -> Result<(), SendError> {
        let envelope = Envelope::new(
            Some(address(from, "sender")?),
            vec![address(to, "recipient")?],
        )
        .map_err(|e| SendError::Permanent(format!("envelope: {e}")))?;
        let token = self.renew().await?;
        match tokio::time::timeout(SEND_LIMIT, self.transport.send_raw(&envelope, bytes)).await {
            Ok(Ok(response)) => {
                tracing::debug!(code = %response.code(), "smtp: accepted");
                Ok(())
            }
            Ok(Err(e)) => {
                if let (Some(token), Some((_, login))) = (&token, self.oauth2.as_mut()) {
                    if let Some(refused) = login.refusal(token, &e).await {
                        return Err(refused);
                    }
                }
                Err(classify(e))
            }
            Err(_) => Err(SendError::Temporary(format!(
                "the SMTP server did not finish within {} s",
                SEND_LIMIT.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_addresses() {
        let ok = |text: &str, expected: &str| {
            assert_eq!(address(text, "x").expect(text).to_string(), expected);
        };
        ok("strateg@lansstyrelsen.se", "strateg@lansstyrelsen.se");
        ok(
            "Länsgruppen MVK <strateg@lansstyrelsen.se>",
            "strateg@lansstyrelsen.se",
        );
        assert!(matches!(
            address("nobody", "x"),
            Err(SendError::Permanent(_))
        ));
    }
}
