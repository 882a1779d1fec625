//! Who sent it: reads the receiving server's `Authentication-Results`
//! headers (RFC 8601) and says whether the From domain passed DMARC or an
//! aligned DKIM signature. Only the topmost headers of the configured
//! `authserv_id`s count (a sender can write any header lower down), and
//! Microsoft 365's header without an id when configured to trust it. Pure.

use crate::mime::Mail;
use core::net::IpAddr;
use serde::Deserialize;

/// `[trust]` in the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustConfig {
    /// The `authserv-id`s of the receiving servers whose results count,
    /// e.g. `mx.lansstyrelsen.se`. Empty: no header is trusted.
    pub authserv_ids: Vec<String>,
    /// Trust Microsoft 365's `Authentication-Results` without an id (as
    /// Exchange Online writes it) when it is the topmost one.
    pub trust_microsoft: bool,
    /// Treat mail without trusted results as failing (hold it for review).
    pub require_authentication: bool,
    /// Addresses or networks of the organisation's own mail servers: mail
    /// that the receiving server took from one of them (by its own topmost
    /// `Received` header) was sent by a logged-in user (`identity`).
    pub internal_relays: Vec<Relay>,
}

/// One address range of `[trust] internal_relays`: an address or a CIDR
/// network, e.g. `10.20.0.0/16` or `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relay {
    network: IpAddr,
    prefix: u8,
}

impl Relay {
    /// Parses `ADDRESS` or `ADDRESS/PREFIX`.
    pub fn parse(text: &str) -> Result<Relay, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| {
            format!("[trust] internal_relays: \"{text}\" is not an IP address or network; write e.g. \"10.20.0.5\" or \"10.20.0.0/16\"")
        })?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                format!("[trust] internal_relays: \"{text}\" has a prefix length that is not 0 to {max}")
            })?,
        };
        Ok(Relay { network, prefix })
    }

    /// Whether the address lies in this range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl<'de> serde::Deserialize<'de> for Relay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Relay::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What the trusted results say about the From domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// DMARC passed, or a DKIM signature of the From domain verified.
    Pass,
    /// DMARC failed, or no DKIM signature aligned with the From domain passed.
    Fail,
    /// No trusted results to judge by.
    Unknown,
}

/// Judges a message by its trusted `Authentication-Results`.
pub fn verdict(mail: &Mail, trust: &TrustConfig) -> Verdict {
    let Some(from) = mail.from_domain() else {
        return Verdict::Unknown;
    };
    let mut results = Vec::new();
    let mut in_run = false;
    // Headers come top first; the topmost run of trusted ones counts. A
    // header above it was written after the trusted server (a later hop);
    // a sender's own headers can only stand below it.
    for value in mail.header_all("authentication-results") {
        let (id, methods) = split_id(value);
        let trusted = match &id {
            Some(id) => trust
                .authserv_ids
                .iter()
                .any(|t| t.eq_ignore_ascii_case(id)),
            None => trust.trust_microsoft,
        };
        if !trusted {
            if in_run {
                break;
            }
            continue;
        }
        in_run = true;
        results.extend(methods);
    }
    if results.is_empty() {
        return Verdict::Unknown;
    }
    let dmarc: Vec<&MethodResult> = results.iter().filter(|r| r.method == "dmarc").collect();
    if !dmarc.is_empty() {
        // Every DMARC result must pass, and be about the From read here (a
        // result about another From, with two From headers, say, or with
        // none named, proves nothing about this one).
        let pass = dmarc.iter().all(|r| {
            r.result == "pass"
                && r.property("header.from")
                    .is_some_and(|d| d.eq_ignore_ascii_case(&from))
        });
        return if pass { Verdict::Pass } else { Verdict::Fail };
    }
    let aligned_dkim = results.iter().any(|r| {
        r.method == "dkim"
            && r.result == "pass"
            && r.property("header.d").is_some_and(|d| aligned(&from, &d))
    });
    if aligned_dkim {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

/// Relaxed alignment: the same organisational domain, approximated as one
/// being the other or a subdomain of it.
pub(crate) fn aligned(from: &str, signer: &str) -> bool {
    let (from, signer) = (from.to_ascii_lowercase(), signer.to_ascii_lowercase());
    from == signer || from.ends_with(&format!(".{signer}")) || signer.ends_with(&format!(".{from}"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MethodResult {
    method: String,
    result: String,
    properties: Vec<(String, String)>,
}

impl MethodResult {
    fn property(&self, name: &str) -> Option<String> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Splits a header into its authserv-id (if it has one) and its results.
fn split_id(value: &str) -> (Option<String>, Vec<MethodResult>) {
    let segments = segments(value);
    let mut parts = segments.iter().map(|s| s.trim()).filter(|p| !p.is_empty());
    let first = parts.next().unwrap_or("");
    let first_word = first.split_whitespace().next().unwrap_or("");
    let (id, rest): (Option<String>, Vec<&str>) = if first_word.contains('=') {
        // Microsoft 365: results from the first part on, no id.
        (None, std::iter::once(first).chain(parts).collect())
    } else {
        (Some(first_word.to_string()), parts.collect())
    };
    let methods = rest.into_iter().filter_map(method).collect();
    (id, methods)
}

fn method(part: &str) -> Option<MethodResult> {
    let mut words = part.split_whitespace();
    let (method, result) = words.next()?.split_once('=')?;
    let properties = words
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim_matches('"').to_string()))
        .collect();
    Some(MethodResult {
        method: method.to_ascii_lowercase(),
        result: result.to_ascii_lowercase(),
        properties,
    })
}

/// Splits a header value at the `;` between results, with RFC 5322
/// comments (`(sender IP is ...)`, nested or not) removed. Quoted strings
/// are kept whole: a `;` or `(` inside one (an envelope sender such as
/// `"a;b(c"@example.org`) neither ends a result nor opens a comment.
fn segments(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0u32;
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        let current = out.last_mut().expect("never empty");
        if escaped {
            escaped = false;
            if depth == 0 {
                current.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => escaped = true,
            '"' if depth == 0 => {
                quoted = !quoted;
                current.push(c);
            }
            _ if quoted => current.push(c),
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            ';' => out.push(String::new()),
            _ => current.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(from: &str, headers: &[&str]) -> Mail {
        Mail {
            from_address: Some(from.into()),
            headers: headers
                .iter()
                .map(|h| ("authentication-results".to_string(), h.to_string()))
                .collect(),
            ..Mail::default()
        }
    }

    fn ours() -> TrustConfig {
        TrustConfig {
            authserv_ids: vec!["mx.lst.se".into()],
            ..TrustConfig::default()
        }
    }

    #[test]
    fn results_of_the_trusted_server() {
        let cases = [
            ("mx.lst.se; dkim=pass header.d=falun.se; dmarc=pass header.from=falun.se", Verdict::Pass),
            ("mx.lst.se; spf=pass smtp.mailfrom=falun.se; dmarc=fail (p=reject) header.from=falun.se", Verdict::Fail),
            ("mx.lst.se; dkim=pass header.d=ifo.falun.se", Verdict::Pass),
            ("mx.lst.se; dkim=pass header.d=evil.example", Verdict::Fail),
            ("mx.lst.se; dkim=fail header.d=falun.se; spf=pass", Verdict::Fail),
            ("mx.other.se; dmarc=pass header.from=falun.se", Verdict::Unknown),
        ];
        for (header, want) in cases {
            assert_eq!(
                verdict(&mail("anna@falun.se", &[header]), &ours()),
                want,
                "{header}"
            );
        }
    }

    #[test]
    fn a_forged_header_below_ours_does_not_count() {
        let m = mail(
            "anna@falun.se",
            &[
                "mx.lst.se; dmarc=fail header.from=falun.se",
                "mx.lst.se; dmarc=pass header.from=falun.se",
            ],
        );
        assert_eq!(verdict(&m, &ours()), Verdict::Fail);
        // A sender's own header with our id, under a foreign server's header,
        // is not in the topmost run.
        let m = mail(
            "anna@falun.se",
            &[
                "relay.example; none",
                "mx.lst.se; dmarc=pass header.from=falun.se",
            ],
        );
        assert_eq!(
            verdict(&m, &ours()),
            Verdict::Pass,
            "a foreign header above is skipped"
        );
    }

    #[test]
    fn a_forged_header_cannot_join_or_outlast_the_servers_run() {
        // The server's own header holds no DMARC result (a milter was down);
        // the sender's forged pass right below it with the same id counts
        // only together with it, and any DMARC result must name this From.
        let forged = mail(
            "strateg@lst.se",
            &[
                "mx.lst.se; spf=pass smtp.mailfrom=lst.se",
                "mx.lst.se; dmarc=pass",
            ],
        );
        assert_eq!(
            verdict(&forged, &ours()),
            Verdict::Fail,
            "dmarc without header.from"
        );
        // A trusted header with nothing in it, then a foreign one, then a
        // forged one: the run ended at the foreign one.
        let m = mail(
            "anna@falun.se",
            &[
                "mx.lst.se; none",
                "relay.example; none",
                "mx.lst.se; dmarc=pass header.from=falun.se",
            ],
        );
        assert_eq!(verdict(&m, &ours()), Verdict::Unknown);
        // A fail anywhere in the run wins over a pass.
        let m = mail(
            "anna@falun.se",
            &["mx.lst.se; dmarc=pass header.from=falun.se; dmarc=fail header.from=falun.se"],
        );
        assert_eq!(verdict(&m, &ours()), Verdict::Fail);
        // Quoted strings do not hide the server's fail or forge a result.
        let m = mail(
            "anna@falun.se",
            &["mx.lst.se; spf=pass smtp.mailfrom=\"x(y\"@evil.example; dmarc=fail header.from=falun.se"],
        );
        assert_eq!(verdict(&m, &ours()), Verdict::Fail);
        let m = mail(
            "anna@falun.se",
            &["mx.lst.se; spf=fail smtp.mailfrom=\"a;dmarc=pass header.from=falun.se\"@evil.example"],
        );
        assert_eq!(verdict(&m, &ours()), Verdict::Fail);
    }

    #[test]
    fn microsoft_365_without_an_id() {
        let header = "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=falun.se; dkim=pass (signature was verified) \
                      header.d=falun.se;dmarc=pass action=none header.from=falun.se;compauth=pass reason=100";
        assert_eq!(
            verdict(&mail("anna@falun.se", &[header]), &ours()),
            Verdict::Unknown
        );
        let trust = TrustConfig {
            trust_microsoft: true,
            ..ours()
        };
        assert_eq!(
            verdict(&mail("anna@falun.se", &[header]), &trust),
            Verdict::Pass
        );
    }
}
