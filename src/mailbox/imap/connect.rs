//! Opening an IMAP session: TCP, TLS (implicit or STARTTLS, rustls with the
//! ring provider), the greeting and the login. Knows nothing of folders or
//! messages; never logs, stores in an error, or prints the password.

use crate::config::{ImapConfig, Security};
use crate::mailbox::MailboxError;
use crate::oauth2::TokenSource;
use async_imap::imap_proto::{Capability, Response, ResponseCode, Status};
use async_imap::{Authenticator, Client};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// A byte stream an IMAP session runs over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// A logged-in session, whatever the transport.
pub type Session = async_imap::Session<Box<dyn Io>>;

/// How the session logs in.
pub enum Login {
    Password(String),
    /// XOAUTH2 with a token from the source (see `xoauth2.rs`).
    OAuth2(TokenSource),
}

/// Everything needed to open a session again after a connection is lost.
pub struct Connector {
    config: ImapConfig,
    login: Login,
    tls: TlsConnector,
    name: ServerName<'static>,
    /// `name` as text, for messages.
    wanted: String,
}

impl Connector {
    /// Reads the extra CA (if any) and checks the certificate name.
    pub fn new(config: ImapConfig, login: Login) -> Result<Self, MailboxError> {
        let tls = TlsConnector::from(tls_config(config.ca_file.as_deref())?);
        let wanted = config
            .tls_name
            .clone()
            .unwrap_or_else(|| config.host.clone());
        let name = ServerName::try_from(wanted.clone()).map_err(|_| {
            MailboxError::Config(format!(
                "`{wanted}` is not a host name a TLS certificate can be checked against: set imap.tls_name"
            ))
        })?;
        Ok(Connector {
            config,
            login,
            tls,
            name,
            wanted,
        })
    }

    /// Connects, protects the connection as configured, and logs in.
    pub async fn open(&self) -> Result<Session, MailboxError> {
        let c = &self.config;
        let tcp = TcpStream::connect((c.host.as_str(), c.port))
            .await
            .map_err(|e| lost(&format!("cannot connect to {}:{}", c.host, c.port), e))?;
        let (client, login_disabled) = match c.security {
            Security::Tls => {
                let tls = self.handshake(tcp).await?;
                let mut client = Client::new(Box::new(tls) as Box<dyn Io>);
                let disabled = greeting(&mut client).await?;
                (client, disabled)
            }
            Security::None => {
                let mut client = Client::new(Box::new(tcp) as Box<dyn Io>);
                let disabled = greeting(&mut client).await?;
                (client, disabled)
            }
            Security::Starttls => {
                let mut plain = Client::new(tcp);
                greeting(&mut plain).await?;
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| {
                        MailboxError::Connection(format!("the server refused STARTTLS: {e}"))
                    })?;
                let tls = self.handshake(plain.into_inner()).await?;
                // No greeting follows STARTTLS; LOGINDISABLED is meant for plain text.
                (Client::new(Box::new(tls) as Box<dyn Io>), false)
            }
        };
        let user = c.username.as_str();
        let password = match &self.login {
            Login::Password(password) => password,
            Login::OAuth2(tokens) => return super::xoauth2::login(client, user, tokens).await,
        };
        let result = if login_disabled {
            let plain = PlainAuth { user, password };
            client.authenticate("PLAIN", plain).await
        } else {
            client.login(user, password).await
        };
        result.map_err(|(e, _client)| login_error(user, e))
    }

    async fn handshake(
        &self,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, MailboxError> {
        self.tls.connect(self.name.clone(), tcp).await.map_err(|e| {
            let rejected = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
            if rejected {
                MailboxError::Config(format!(
                    "the IMAP server's TLS certificate was not accepted for `{}`: {e}; set imap.ca_file to the CA that signed it, or imap.tls_name to the name in it",
                    self.wanted
                ))
            } else {
                lost("TLS handshake failed", e)
            }
        })
    }
}

/// The TLS settings: the usual public roots plus the configured CA.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, MailboxError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let bad = |what: String| {
            MailboxError::Config(format!(
                "imap.ca_file {}: {what}; it must hold PEM certificates",
                path.display()
            ))
        };
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
            let cert = cert.map_err(|e| bad(e.to_string()))?;
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad("no certificate found".into()));
        }
    }
    // The provider is named explicitly: with more than one in the build, rustls
    // would panic choosing a default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MailboxError::Config(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Reads and checks the greeting; true when the server says LOGIN is disabled.
async fn greeting<T: Io>(client: &mut Client<T>) -> Result<bool, MailboxError> {
    let response = client
        .read_response()
        .await
        .map_err(|e| lost("reading the greeting", e))?
        .ok_or_else(|| MailboxError::Connection("the server closed before its greeting".into()))?;
    check_greeting(response.parsed())
}

fn check_greeting(response: &Response<'_>) -> Result<bool, MailboxError> {
    match response {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            outcome,
        } => Ok(match &outcome.code {
            Some(ResponseCode::Capabilities(caps)) => caps.iter().any(
                |c| matches!(c, Capability::Atom(a) if a.eq_ignore_ascii_case("LOGINDISABLED")),
            ),
            _ => false,
        }),
        other => Err(MailboxError::Connection(format!(
            "unexpected greeting: {other:?}"
        ))),
    }
}

/// A refused login needs a person; anything else is a connection problem.
fn login_error(user: &str, e: async_imap::error::Error) -> MailboxError {
    use async_imap::error::Error;
    match e {
        Error::No(m) | Error::Bad(m) => MailboxError::Config(format!(
            "the IMAP server refused the login of `{user}` ({m}): check imap.username and the password"
        )),
        // The crate's message would quote the offending character of the password.
        Error::Validate(_) => MailboxError::Config(
            "the IMAP user name or password contains a line break: remove it".into(),
        ),
        other => MailboxError::Connection(format!("login: {other}")),
    }
}

fn lost(what: &str, e: std::io::Error) -> MailboxError {
    MailboxError::Connection(format!("{what}: {e}"))
}

/// SASL PLAIN, for servers that disable LOGIN.
struct PlainAuth<'a> {
    user: &'a str,
    password: &'a str,
}

impl Authenticator for PlainAuth<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        format!("\0{}\0{}", self.user, self.password).into_bytes()
    }
}
