//! What a refused or unreadable token request means, in words a person can
//! act on: the OAuth2 error codes (RFC 6749 §5.2) and Microsoft Entra's
//! AADSTS numbers in the description, mapped to the key to fix. Pure: text
//! in, a `TokenError` out.

use super::{TokenError, OFFICE365_SCOPE};

/// The endpoint answered with an OAuth2 error (`error`, `error_description`).
pub(super) fn refused(code: &str, description: &str, scope: &str) -> TokenError {
    let said = summary(code, description);
    let aadsts = |n: &str| description.contains(&format!("AADSTS{n}"));
    let advice = if aadsts("7000222") {
        "the client secret has expired: create a new one in the app registration (Entra ID, Certificates & secrets) and update client_secret_file".to_string()
    } else if aadsts("7000215") {
        "the client secret is wrong: copy the secret's Value (not its Secret ID) into client_secret_file, or create a new one in the app registration".to_string()
    } else if aadsts("700016") {
        "no application with this client_id exists in the tenant: check oauth2.client_id (Application (client) ID) and oauth2.tenant".to_string()
    } else if aadsts("90002") || aadsts("90013") {
        "the tenant was not found: check oauth2.tenant (Directory (tenant) ID)".to_string()
    } else {
        match code {
            "invalid_client" => "the client secret is wrong or expired, or client_id is wrong: create a new secret in the app registration and update client_secret_file".to_string(),
            "unauthorized_client" => "this client may not use the client credentials grant: check oauth2.client_id and oauth2.tenant, and that the app registration is enabled".to_string(),
            "invalid_scope" => format!("the scope `{scope}` was refused: for Microsoft 365 IMAP and SMTP set oauth2.scope = \"{OFFICE365_SCOPE}\""),
            "unsupported_grant_type" => "the endpoint does not offer the client credentials grant: check oauth2.token_url".to_string(),
            _ => "check oauth2.tenant or token_url, client_id and the client secret".to_string(),
        }
    };
    TokenError::Config(format!("the token endpoint refused ({said}): {advice}"))
}

/// The endpoint answered with something that is neither a token nor an
/// OAuth2 error; `status` is the HTTP status when one came.
pub(super) fn unreadable(status: Option<u16>, endpoint: &str) -> TokenError {
    match status {
        Some(s @ (429 | 500..=599)) => TokenError::Temporary(format!(
            "the token endpoint {endpoint} is busy or failing (HTTP {s}); will try again"
        )),
        Some(s @ (401 | 403)) => TokenError::Config(format!(
            "the token endpoint {endpoint} refused the client (HTTP {s}): the client secret is wrong or expired: create a new one in the app registration and update client_secret_file"
        )),
        Some(s @ (301..=308)) => TokenError::Config(format!(
            "the token endpoint {endpoint} redirects (HTTP {s}), which blankett does not follow: set oauth2.token_url to the final address"
        )),
        Some(404) => TokenError::Config(format!(
            "there is no token endpoint at {endpoint} (HTTP 404): check oauth2.tenant or oauth2.token_url"
        )),
        Some(s) => TokenError::Config(format!(
            "the token endpoint {endpoint} answered HTTP {s} without a token: check oauth2.tenant or oauth2.token_url"
        )),
        None => TokenError::Config(format!(
            "the token endpoint {endpoint} sent no usable answer: check oauth2.tenant or oauth2.token_url"
        )),
    }
}

/// `code: first line of the description`, bounded (Microsoft's carries
/// trace and correlation ids on later lines).
fn summary(code: &str, description: &str) -> String {
    let first: String = description
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(240)
        .collect();
    if first.trim().is_empty() {
        code.to_string()
    } else {
        format!("{code}: {}", first.trim())
    }
}

/// An error with its causes, which name what actually failed (connection
/// refused, DNS, TLS).
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(code: &str, description: &str, expected: &str) {
        let TokenError::Config(text) = refused(code, description, OFFICE365_SCOPE) else {
            panic!("{code} should need a person");
        };
        assert!(text.contains(expected), "{code}/{description}: {text}");
    }

    #[test]
    fn common_refusals_say_what_to_fix() {
        check("invalid_client", "AADSTS7000222: The provided client secret keys for app 'x' are expired.\r\nTrace ID: 1", "expired: create a new one");
        check(
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
            "secret's Value",
        );
        check(
            "unauthorized_client",
            "AADSTS700016: Application with identifier 'x' was not found",
            "oauth2.client_id",
        );
        check(
            "invalid_request",
            "AADSTS90002: Tenant 'x' not found.",
            "oauth2.tenant",
        );
        check("invalid_client", "", "client secret is wrong or expired");
        check(
            "invalid_scope",
            "AADSTS70011: The provided value for scope is not valid.",
            OFFICE365_SCOPE,
        );
        check("unauthorized_client", "", "client credentials grant");
    }

    #[test]
    fn only_the_first_line_of_a_description_is_kept() {
        let text = refused("invalid_client", "first line\r\nTrace ID: abc", "s").to_string();
        assert!(text.contains("invalid_client: first line"), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");
    }

    #[test]
    fn http_statuses() {
        assert!(matches!(
            unreadable(Some(503), "u"),
            TokenError::Temporary(_)
        ));
        assert!(matches!(
            unreadable(Some(429), "u"),
            TokenError::Temporary(_)
        ));
        let text = unreadable(Some(401), "u").to_string();
        assert!(text.contains("client secret"), "{text}");
        let text = unreadable(Some(404), "u").to_string();
        assert!(text.contains("oauth2.tenant"), "{text}");
        let text = unreadable(Some(302), "u").to_string();
        assert!(text.contains("redirect"), "{text}");
    }
}
