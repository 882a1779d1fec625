//! `auth = "password" | "oauth2"` in `[imap]` and `[smtp]`, and the
//! `[oauth2]` section (client credentials: tenant or token URL, client id,
//! where the secret is, scope), checked at parse time with errors naming the
//! key. Data only: it reads no file, no environment and no network.

use crate::config::{Config, Secret};
use crate::error::ConfigError;
use serde::Deserialize;
use std::path::PathBuf;

/// How blankett logs in to a server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// A password (IMAP LOGIN or AUTHENTICATE PLAIN; SMTP AUTH PLAIN/LOGIN).
    #[default]
    Password,
    /// A bearer token from the `[oauth2]` token endpoint, sent as XOAUTH2.
    Oauth2,
}

/// The scope Microsoft 365 wants for IMAP and SMTP with an app's own rights.
pub const OFFICE365_SCOPE: &str = "https://outlook.office365.com/.default";

/// `[oauth2]`: the client credentials grant of an app registration.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Config {
    /// The Microsoft Entra tenant (its ID or a verified domain); gives `token_url`.
    pub tenant: Option<String>,
    /// The token endpoint, for other identity providers (or a test's).
    pub token_url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub client_secret_env: Option<String>,
    #[serde(default = "default_scope")]
    pub scope: String,
}

fn default_scope() -> String {
    OFFICE365_SCOPE.into()
}

impl std::fmt::Debug for OAuth2Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2Config")
            .field("tenant", &self.tenant)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("client_secret_file", &self.client_secret_file)
            .field("client_secret_env", &self.client_secret_env)
            .field("scope", &self.scope)
            .finish()
    }
}

impl OAuth2Config {
    /// The token endpoint: `token_url`, or Microsoft's for `tenant`.
    pub fn endpoint(&self) -> String {
        match (&self.token_url, &self.tenant) {
            (Some(url), _) => url.clone(),
            (None, Some(tenant)) => {
                format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")
            }
            (None, None) => String::new(),
        }
    }

    /// Where the client secret is, for `secrets::resolve`.
    pub fn secret(&self) -> Secret {
        Secret {
            password: self.client_secret.clone(),
            password_file: self.client_secret_file.clone(),
            password_env: self.client_secret_env.clone(),
        }
    }

    fn check(&self) -> Result<(), String> {
        match (&self.tenant, &self.token_url) {
            (Some(_), Some(_)) => {
                return Err("set oauth2.tenant or oauth2.token_url, not both".into())
            }
            (None, None) => {
                return Err(
                    "[oauth2] needs tenant (Microsoft 365: the Directory (tenant) ID) or token_url"
                        .into(),
                )
            }
            (Some(t), None) => {
                let fine = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
                if t.is_empty() || !t.chars().all(fine) {
                    return Err(format!(
                        "oauth2.tenant = \"{t}\" is not a tenant: write its Directory (tenant) ID, e.g. \"0f1e2d3c-…\", or its domain, e.g. \"lansstyrelsen.onmicrosoft.com\""
                    ));
                }
            }
            (None, Some(url)) => check_url(url)?,
        }
        if self.client_id.trim().is_empty() {
            return Err(
                "oauth2.client_id is empty: write the app registration's Application (client) ID"
                    .into(),
            );
        }
        let sources = [
            self.client_secret.is_some(),
            self.client_secret_file.is_some(),
            self.client_secret_env.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() != 1 {
            return Err("set exactly one of oauth2.client_secret_file, oauth2.client_secret_env or oauth2.client_secret".into());
        }
        if self.scope.trim().is_empty() {
            return Err(format!(
                "oauth2.scope is empty: for Microsoft 365 write \"{OFFICE365_SCOPE}\""
            ));
        }
        Ok(())
    }
}

/// A token URL must be https, or http to a loopback address (tests).
fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("oauth2.token_url = \"{url}\" is not a URL: {e}"))?;
    let loopback = matches!(parsed.host_str(), Some("localhost" | "[::1]" | "127.0.0.1"));
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "oauth2.token_url = \"{url}\" must start with https:// (http only to a loopback address)"
        )),
    }
}

/// Checks `auth` in `[imap]` and `[smtp]` against `[oauth2]`.
pub(crate) fn check(config: &Config) -> Result<(), ConfigError> {
    let invalid = |m: String| Err(ConfigError::Invalid(m));
    let mut wanted = false;
    if let Some(imap) = &config.imap {
        if imap.auth == Auth::Oauth2 {
            wanted = true;
            if imap.password.is_some()
                || imap.password_file.is_some()
                || imap.password_env.is_some()
            {
                return invalid("imap.auth = \"oauth2\" uses no password: remove imap.password, password_file and password_env".into());
            }
        }
    }
    if let Some(smtp) = &config.smtp {
        if smtp.auth == Auth::Oauth2 {
            wanted = true;
            if smtp.username.is_none() {
                return invalid("smtp.auth = \"oauth2\" needs smtp.username: the shared mailbox's address, e.g. \"strateg@lansstyrelsen.se\"".into());
            }
            if smtp.password.is_some()
                || smtp.password_file.is_some()
                || smtp.password_env.is_some()
            {
                return invalid("smtp.auth = \"oauth2\" uses no password: remove smtp.password, password_file and password_env".into());
            }
        }
    }
    match &config.oauth2 {
        Some(oauth2) => oauth2.check().map_err(ConfigError::Invalid),
        None if wanted => invalid(
            "auth = \"oauth2\" needs an [oauth2] section with tenant, client_id and client_secret_file (see README, Microsoft 365)".into(),
        ),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const BASE: &str = "[imap]\nhost = \"outlook.office365.com\"\nusername = \"strateg@lansstyrelsen.se\"\nauth = \"oauth2\"\n";

    fn check(extra: &str) -> Result<Config, String> {
        Config::parse(&format!("{BASE}{extra}"), Path::new("/etc/blankett"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_microsoft_tenant_gives_its_token_url_and_the_default_scope() {
        let c = check("[oauth2]\ntenant = \"contoso.onmicrosoft.com\"\nclient_id = \"abc\"\nclient_secret_file = \"secret\"\n").expect("valid");
        let o = c.oauth2.expect("oauth2");
        assert_eq!(
            o.endpoint(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(o.scope, OFFICE365_SCOPE);
        assert_eq!(
            o.client_secret_file,
            Some(PathBuf::from("/etc/blankett/secret"))
        );
        assert_eq!(c.imap.expect("imap").auth, Auth::Oauth2);
    }

    #[test]
    fn misconfigurations_name_the_key() {
        let cases = [
            ("", "[oauth2]"),
            ("[oauth2]\nclient_id = \"a\"\nclient_secret = \"s\"\n", "token_url"),
            ("[oauth2]\ntenant = \"t\"\ntoken_url = \"https://x/\"\nclient_id = \"a\"\nclient_secret = \"s\"\n", "not both"),
            ("[oauth2]\ntenant = \"t/../x\"\nclient_id = \"a\"\nclient_secret = \"s\"\n", "oauth2.tenant"),
            ("[oauth2]\ntoken_url = \"http://idp.example.se/token\"\nclient_id = \"a\"\nclient_secret = \"s\"\n", "https://"),
            ("[oauth2]\ntenant = \"t\"\nclient_id = \"\"\nclient_secret = \"s\"\n", "oauth2.client_id"),
            ("[oauth2]\ntenant = \"t\"\nclient_id = \"a\"\n", "client_secret_file"),
            ("[oauth2]\ntenant = \"t\"\nclient_id = \"a\"\nclient_secret = \"s\"\nclient_secret_env = \"S\"\n", "exactly one"),
            ("[oauth2]\ntenant = \"t\"\nclient_secret = \"s\"\n", "client_id"),
        ];
        for (extra, expected) in cases {
            let err = check(extra).expect_err(extra);
            assert!(err.contains(expected), "{extra:?}: {err}");
        }
    }

    #[test]
    fn smtp_with_oauth2_needs_the_mailbox_and_no_password() {
        let oauth = "[oauth2]\ntenant = \"t\"\nclient_id = \"a\"\nclient_secret_env = \"S\"\n";
        let smtp = "[smtp]\nhost = \"smtp.office365.com\"\nfrom = \"x@y.se\"\nauth = \"oauth2\"\n";
        let err = check(&format!("{smtp}{oauth}")).expect_err("no username");
        assert!(err.contains("smtp.username"), "{err}");
        let err = check(&format!(
            "{smtp}username = \"x@y.se\"\npassword = \"p\"\n{oauth}"
        ))
        .expect_err("password too");
        assert!(err.contains("smtp.password"), "{err}");
        assert!(check(&format!("{smtp}username = \"x@y.se\"\n{oauth}")).is_ok());
        let typo = BASE.replace("\"oauth2\"", "\"oauth\"");
        let err = Config::parse(&typo, Path::new("/"))
            .expect_err("typo")
            .to_string();
        assert!(err.contains("oauth2") && err.contains("line 4"), "{err}");
    }

    #[test]
    fn loopback_http_is_allowed_for_tests() {
        assert!(check_url("http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("https://login.example/token").is_ok());
        assert!(check_url("ftp://127.0.0.1/token").is_err());
    }
}
