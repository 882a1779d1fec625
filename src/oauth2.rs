//! OAuth2 bearer tokens for IMAP and SMTP (edge): the client credentials
//! grant against the configured token endpoint (the `oauth2` crate over
//! reqwest with rustls, client id and secret in the request body as
//! Microsoft wants, no redirects), a cache renewed before expiry, and clear
//! errors for the usual misconfigurations. It never logs, prints or puts a
//! secret or a token into an error.

mod advice;
mod settings;

pub(crate) use settings::check as check_config;
pub use settings::{Auth, OAuth2Config, OFFICE365_SCOPE};

// `::oauth2` is the crate; this module shares its name.
use ::oauth2::basic::BasicClient;
use ::oauth2::{
    AsyncHttpClient, AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, HttpRequest,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::Mutex;

/// A token is renewed when less than this remains of it.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);
/// The lifetime assumed when the endpoint names none.
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long one token request may take.
const HTTP_LIMIT: Duration = Duration::from_secs(30);

/// Where "now" comes from; an input so that renewal can be tested.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// An access token. Its text is only handed to the server's login.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token itself, for the XOAUTH2 login.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Why no token could be had. `Config` needs a person; `Temporary` is
/// retried (the endpoint is unreachable or busy).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Temporary(String),
}

type Client =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

struct Cached {
    token: Token,
    renew_at: Instant,
}

/// Hands out a valid token, fetching a new one when the cached one is
/// near its end or was refused. Clones share one cache.
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    http: reqwest::Client,
    endpoint: String,
    scope: String,
    /// Held while a token is fetched, so that callers wait for one request.
    cache: Mutex<Option<Cached>>,
    clock: Clock,
    fetched: AtomicU32,
}

impl TokenSource {
    /// A source for `config`, with the system clock.
    pub fn new(config: &OAuth2Config, client_secret: String) -> Result<Self, TokenError> {
        Self::with_clock(config, client_secret, Arc::new(Instant::now))
    }

    /// A source whose notion of now is `clock`.
    pub fn with_clock(
        config: &OAuth2Config,
        client_secret: String,
        clock: Clock,
    ) -> Result<Self, TokenError> {
        let endpoint = config.endpoint();
        let url = TokenUrl::new(endpoint.clone()).map_err(|e| {
            TokenError::Config(format!(
                "the token endpoint `{endpoint}` is not a URL ({e}): check oauth2.tenant or oauth2.token_url"
            ))
        })?;
        let client = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(client_secret))
            // Microsoft wants client_id and client_secret in the form, not as HTTP Basic.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(url);
        let http = reqwest::Client::builder()
            // A redirect could carry the client secret to another host.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_LIMIT)
            .build()
            .map_err(|e| TokenError::Config(format!("HTTP client setup: {e}")))?;
        Ok(TokenSource {
            inner: Arc::new(Inner {
                client,
                http,
                endpoint,
                scope: config.scope.clone(),
                cache: Mutex::new(None),
                clock,
                fetched: AtomicU32::new(0),
            }),
        })
    }

    /// A token with more than the renewal margin left: the cached one, or
    /// a new one from the endpoint.
    pub async fn token(&self) -> Result<Token, TokenError> {
        let mut cache = self.inner.cache.lock().await;
        let now = (self.inner.clock)();
        if let Some(cached) = cache.as_ref() {
            if now < cached.renew_at {
                return Ok(cached.token.clone());
            }
        }
        let (token, lifetime) = self.fetch().await?;
        // Renew 5 minutes before the end, or halfway through a shorter life.
        let margin = RENEW_BEFORE.min(lifetime / 2);
        *cache = Some(Cached {
            token: token.clone(),
            renew_at: now + lifetime - margin,
        });
        tracing::debug!(lifetime = lifetime.as_secs(), "oauth2: new access token");
        Ok(token)
    }

    /// Drops `token` from the cache (a server refused it), so that the next
    /// `token` fetches a new one.
    pub async fn forget(&self, token: &Token) {
        let mut cache = self.inner.cache.lock().await;
        if cache.as_ref().is_some_and(|c| &c.token == token) {
            *cache = None;
        }
    }

    /// How many tokens were fetched from the endpoint so far.
    pub fn fetched(&self) -> u32 {
        self.inner.fetched.load(Ordering::Relaxed)
    }

    /// One client credentials request.
    async fn fetch(&self) -> Result<(Token, Duration), TokenError> {
        let inner = &*self.inner;
        // The crate keeps the HTTP status of a refusal to itself; note it here.
        let status = Arc::new(SyncMutex::new(None::<u16>));
        let seen = status.clone();
        let http = inner.http.clone();
        let client = move |request: HttpRequest| {
            let (http, seen) = (http.clone(), seen.clone());
            async move {
                let response = http.call(request).await?;
                if let Ok(mut s) = seen.lock() {
                    *s = Some(response.status().as_u16());
                }
                Ok::<_, ::oauth2::HttpClientError<reqwest::Error>>(response)
            }
        };
        let result = inner
            .client
            .exchange_client_credentials()
            .add_scope(Scope::new(inner.scope.clone()))
            .request_async(&client)
            .await;
        inner.fetched.fetch_add(1, Ordering::Relaxed);
        let status = status.lock().ok().and_then(|s| *s);
        match result {
            Ok(response) => {
                let lifetime = response.expires_in().unwrap_or(UNKNOWN_LIFETIME);
                let token = Token(response.access_token().secret().clone());
                if token.0.is_empty() {
                    return Err(TokenError::Config(format!(
                        "the token endpoint {} sent an empty access token: check oauth2.token_url",
                        inner.endpoint
                    )));
                }
                Ok((token, lifetime))
            }
            Err(RequestTokenError::ServerResponse(e)) => Err(advice::refused(
                e.error().as_ref(),
                e.error_description().map_or("", String::as_str),
                &inner.scope,
            )),
            Err(RequestTokenError::Request(e)) => Err(TokenError::Temporary(format!(
                "cannot reach the token endpoint {}: {}",
                inner.endpoint,
                advice::chain(&e)
            ))),
            Err(RequestTokenError::Parse(..) | RequestTokenError::Other(_)) => {
                Err(advice::unreadable(status, &inner.endpoint))
            }
        }
    }
}
