//! Who a message is from, as far as privileges go. Identity is the From
//! address, and only an authenticated From counts: Reply-To says where
//! answers may go, Sender and display names say nothing at all. The
//! strategist's privileges (a form applied without the domain rule, resolving
//! a review) need her From address *and* a proof that the mail is hers:
//!
//! - the receiving server's trusted `Authentication-Results` say DMARC passed
//!   (or an aligned DKIM signature verified) for her domain
//!   (`authresults::verdict`);
//! - with `trust_microsoft`, Exchange's own organisation headers say the mail
//!   was sent inside the organisation by an authenticated user
//!   (`X-MS-Exchange-Organization-AuthAs: Internal` with an
//!   `X-MS-Exchange-Organization-AuthSource`); Exchange removes these
//!   headers from every message that arrives from outside, so a sender
//!   cannot bring them along;
//! - or the receiving server's own topmost `Received` header says the mail
//!   came from one of `[trust] internal_relays` (the organisation's own
//!   submission server, which only takes mail from logged-in users).
//!
//! Anything that names her without such a proof is a claim, which the desk
//! refuses, audits and reports. Pure: headers in, a verdict out.

#[cfg(test)]
use crate::authresults::Relay;
use crate::authresults::{self, TrustConfig, Verdict};
use crate::mime::Mail;
use core::net::IpAddr;

/// How a mail proved to be the strategist's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Trusted `Authentication-Results`: DMARC pass or aligned DKIM.
    Dmarc,
    /// Exchange's internal-mail headers (`trust_microsoft`).
    Exchange,
    /// The receiving server took it from an internal relay.
    InternalRelay,
}

/// Which header named the strategist without proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Her address in From, but nothing proves the mail is hers.
    From,
    /// Her address in Reply-To, someone else's in From.
    ReplyTo,
    /// Her address in Sender, someone else's in From.
    Sender,
    /// Her address in the display name of someone else's From.
    DisplayName,
    /// Her address among several From headers or addresses.
    SeveralFrom,
}

impl Claim {
    /// A stable code for the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Claim::From => "from",
            Claim::ReplyTo => "reply_to",
            Claim::Sender => "sender",
            Claim::DisplayName => "display_name",
            Claim::SeveralFrom => "several_from",
        }
    }

    /// A short English note for the audit log.
    pub fn describe(self) -> &'static str {
        match self {
            Claim::From => "the strategist's address in From without authentication",
            Claim::ReplyTo => "the strategist's address in Reply-To of another sender's mail",
            Claim::Sender => "the strategist's address in Sender of another sender's mail",
            Claim::DisplayName => "the strategist's address as the display name of another address",
            Claim::SeveralFrom => "the strategist's address among several From addresses",
        }
    }
}

/// What a message is, as far as the strategist's privileges go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// From is one of her addresses and the mail proved to be hers.
    Strategist(Proof),
    /// The mail names her, but is not proved to be hers.
    Claims(Claim),
    /// Anyone else.
    Other,
}

impl Standing {
    pub fn is_strategist(self) -> bool {
        matches!(self, Standing::Strategist(_))
    }
}

/// Judges a message against the strategist's addresses (lower case).
pub fn standing(mail: &Mail, strategist: &[String], trust: &TrustConfig) -> Standing {
    let hers = |address: &str| strategist.iter().any(|s| s.eq_ignore_ascii_case(address));
    let froms: Vec<&str> = mail.header_all("from").collect();
    let single = match froms.as_slice() {
        [one] => single_mailbox(one),
        _ => None,
    };
    // mail-parser's reading must agree with the strict one, or the From is
    // ambiguous and proves nothing.
    let from = single.filter(|(address, _)| mail.from_address.as_deref() == Some(address));
    match &from {
        Some((address, _)) if hers(address) => {
            return match proof(mail, trust) {
                Some(p) => Standing::Strategist(p),
                None => Standing::Claims(Claim::From),
            };
        }
        _ if froms
            .iter()
            .any(|f| addresses_in(f).iter().any(|a| hers(a))) =>
        {
            // Her address is written somewhere in From, but not as its one
            // address: in the display name or a comment of someone else's
            // address, or as one of several.
            let shown_for_another = froms.len() == 1
                && angle_address(froms[0])
                    .or_else(|| from.as_ref().map(|(a, _)| a.clone()))
                    .is_some_and(|a| !hers(&a));
            return Standing::Claims(if shown_for_another {
                Claim::DisplayName
            } else {
                Claim::SeveralFrom
            });
        }
        _ => {}
    }
    let named_in = |header: &str| {
        mail.header_all(header)
            .any(|v| addresses_in(v).iter().any(|a| hers(a)))
    };
    if named_in("reply-to") {
        Standing::Claims(Claim::ReplyTo)
    } else if named_in("sender") {
        Standing::Claims(Claim::Sender)
    } else {
        Standing::Other
    }
}

/// Whether the mail answers one of these review notices: its In-Reply-To
/// or References holds the notice's Message-ID.
pub fn answers_notice(mail: &Mail, notice_ids: &[String]) -> bool {
    let bare = |id: &str| id.trim().trim_matches(['<', '>']).to_ascii_lowercase();
    let notices: Vec<String> = notice_ids.iter().map(|i| bare(i)).collect();
    mail.in_reply_to
        .iter()
        .chain(&mail.references)
        .any(|id| notices.contains(&bare(id)))
}

/// A review is resolved by mail only by the strategist's authenticated
/// answer to its notice.
pub fn may_resolve(standing: Standing, answers_notice: bool) -> bool {
    standing.is_strategist() && answers_notice
}

/// The sender's identity for the roster: the From address, lower case.
pub fn sender(mail: &Mail) -> Option<String> {
    mail.from_address.as_deref().map(str::to_lowercase)
}

/// Where an answer to the sender goes: Reply-To when it names one address
/// on the From address's own domain (or a subdomain of it, or the other way
/// round), else From. A Reply-To elsewhere cannot redirect what blankett
/// writes about a form to someone the organisation never chose.
pub fn answer_address(mail: &Mail) -> Option<String> {
    let from = sender(mail)?;
    let reply_to: Vec<String> = mail.header_all("reply-to").flat_map(addresses_in).collect();
    // The same organisational domain, as DMARC's relaxed alignment has it.
    let domain = |a: &str| a.rsplit_once('@').map(|(_, d)| d.to_string());
    let same_domain = |address: &str| match (domain(&from), domain(address)) {
        (Some(f), Some(r)) => authresults::aligned(&f, &r),
        _ => false,
    };
    match reply_to.as_slice() {
        [one] if same_domain(one) => Some(one.clone()),
        _ => Some(from),
    }
}

/// The proof, if any, that the mail was sent by an authenticated user of
/// the From address's domain.
pub fn proof(mail: &Mail, trust: &TrustConfig) -> Option<Proof> {
    if authresults::verdict(mail, trust) == Verdict::Pass {
        return Some(Proof::Dmarc);
    }
    if trust.trust_microsoft && exchange_internal(mail) {
        return Some(Proof::Exchange);
    }
    if !trust.internal_relays.is_empty() {
        if let Some(ip) = received_from(mail) {
            if trust.internal_relays.iter().any(|r| r.contains(ip)) {
                return Some(Proof::InternalRelay);
            }
        }
    }
    None
}

/// Exchange (on-premises and Microsoft 365) stamps every message with how it
/// authenticated the submitter, and its header firewall removes these
/// headers from mail arriving from outside the organisation. `Internal`
/// means a logged-in user of the organisation. Every stamp must say so: an
/// outsider's forged `Internal` next to Exchange's own `Anonymous` proves
/// nothing.
fn exchange_internal(mail: &Mail) -> bool {
    let auth_as: Vec<&str> = mail
        .header_all("x-ms-exchange-organization-authas")
        .map(str::trim)
        .collect();
    let has_source = mail
        .header_all("x-ms-exchange-organization-authsource")
        .any(|s| !s.trim().is_empty());
    !auth_as.is_empty() && auth_as.iter().all(|a| a.eq_ignore_ascii_case("internal")) && has_source
}

/// The address the receiving server took the message from: its own topmost
/// `Received` header, after the hand-over hops inside the receiving host
/// (LMTP, local delivery), which the delivery agent writes above it. Only
/// the address the server itself saw counts, never the name a client gave
/// in HELO: `from helo (name [192.0.2.1])` (Postfix, Sendmail, Exim with a
/// host name) or `from host (192.0.2.1)` (Exchange).
pub fn received_from(mail: &Mail) -> Option<IpAddr> {
    for value in mail.header_all("received") {
        let value: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
        // The protocol is the server's last `with` (the client's HELO name
        // comes first and may say anything, `x with lmtp` included); the
        // comments, which may quote the envelope sender, are left out.
        let bare = strip_comments(&value).to_ascii_lowercase();
        let before_date = bare
            .rsplit_once(';')
            .map_or(bare.as_str(), |(head, _)| head);
        let protocol = before_date
            .rsplit(" with ")
            .next()
            .filter(|_| before_date.contains(" with "))
            .and_then(|w| w.split_whitespace().next())
            .unwrap_or("");
        if matches!(protocol, "lmtp" | "lmtps" | "lmtpa" | "lmtpsa" | "local") {
            continue;
        }
        return seen_address(&value);
    }
    None
}

/// The TCP peer in a `Received` header's from-clause.
fn seen_address(value: &str) -> Option<IpAddr> {
    let rest = value.trim().strip_prefix("from ")?;
    let clause = rest.split(" by ").next().unwrap_or(rest);
    // The first comment after the HELO name is the server's own words.
    let open = clause.find('(')?;
    let close = clause[open..].find(')')? + open;
    let comment = clause[open + 1..close].trim();
    if let Some(start) = comment.rfind('[') {
        let end = comment[start..].find(']')? + start;
        let inner = &comment[start + 1..end];
        let inner = inner.strip_prefix("IPv6:").unwrap_or(inner);
        return inner.parse().ok();
    }
    comment.parse().ok()
}

/// A From value that names exactly one mailbox, strictly read: one address
/// in angle brackets after a display name without `@`, or a bare address
/// (either with an optional comment). Returns the address (lower case) and
/// the display name. Anything else (several addresses, groups, an address in
/// the display name) is `None`: it may be a mail client's oddity, but it
/// never proves anything.
fn single_mailbox(value: &str) -> Option<(String, String)> {
    let outside = outside_quotes(value);
    if strip_comments(&outside).contains([',', ';', ':']) {
        return None;
    }
    let opens = outside.matches('<').count();
    let closes = outside.matches('>').count();
    match (opens, closes) {
        (0, 0) => {
            let bare = strip_comments(value);
            let address = bare.trim();
            (is_address(address) && !value.contains('"'))
                .then(|| (address.to_lowercase(), String::new()))
        }
        (1, 1) => {
            let start = outside.find('<')?;
            let end = outside.find('>')?;
            if end < start || !strip_comments(&value[end + 1..]).trim().is_empty() {
                return None;
            }
            let address = value[start + 1..end].trim();
            let name = strip_comments(&value[..start])
                .trim()
                .trim_matches('"')
                .trim()
                .to_string();
            (is_address(address) && !value[..start].contains('@'))
                .then(|| (address.to_lowercase(), name))
        }
        _ => None,
    }
}

/// The address in a From value's angle brackets (outside quoted strings),
/// when there is exactly one such pair.
fn angle_address(value: &str) -> Option<String> {
    let outside = outside_quotes(value);
    if outside.matches('<').count() != 1 || outside.matches('>').count() != 1 {
        return None;
    }
    let (start, end) = (outside.find('<')?, outside.find('>')?);
    (start < end)
        .then(|| value[start + 1..end].trim().to_lowercase())
        .filter(|a| is_address(a))
}

/// The value with quoted strings blanked byte for byte (`\u{1}`), so that
/// structure characters inside a display name do not count and byte
/// positions stay those of the value.
fn outside_quotes(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        let inside = if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            true
        } else if c == '"' {
            quoted = true;
            true
        } else {
            false
        };
        if inside {
            out.extend(std::iter::repeat_n('\u{1}', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

fn strip_comments(value: &str) -> String {
    let mut depth = 0u32;
    value
        .chars()
        .filter(|c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !text.contains(|c: char| c.is_whitespace() || "<>()[],;:\"".contains(c))
}

/// Every address-like word in a header value, display names included
/// (lower case).
fn addresses_in(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c))
        .filter(|w| is_address(w))
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HER: &str = "strateg@lst.se";
    const ID: &str = "mx.lst.se";

    fn trust() -> TrustConfig {
        TrustConfig {
            authserv_ids: vec![ID.into()],
            ..TrustConfig::default()
        }
    }

    /// A message from raw headers, read the way the desk reads it.
    fn mail(headers: &str) -> Mail {
        let raw = format!("{headers}Subject: x\r\n\r\nGODKÄNN\r\n");
        crate::mime::read(raw.as_bytes(), &crate::limits::Limits::default()).expect("a message")
    }

    const PASS: &str = "Authentication-Results: mx.lst.se; dkim=pass header.d=lst.se; dmarc=pass header.from=lst.se\r\n";
    const FAIL: &str =
        "Authentication-Results: mx.lst.se; spf=fail; dmarc=fail (p=none) header.from=lst.se\r\n";
    const NOTICE: &str = "<blankett.0123456789abcdef0123456789abcdef@lst.se>";

    /// The decision table: From, Reply-To, Sender, authentication and
    /// In-Reply-To → standing, and whether the mail may resolve a review.
    #[test]
    fn who_may_act_as_the_strategist() {
        type Row = (
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
            Option<&'static str>,
            Standing,
            bool,
        );
        let rows: Vec<Row> = vec![
            // Her authenticated answer to the notice: the one that resolves.
            (
                "Anna Strateg <strateg@lst.se>",
                None,
                None,
                PASS,
                Some(NOTICE),
                Standing::Strategist(Proof::Dmarc),
                true,
            ),
            // Authenticated, but not an answer to the notice (the reference code alone).
            (
                "strateg@lst.se",
                None,
                None,
                PASS,
                None,
                Standing::Strategist(Proof::Dmarc),
                false,
            ),
            // Authenticated, answering some other mail.
            (
                "strateg@lst.se",
                None,
                None,
                PASS,
                Some("<other@x.se>"),
                Standing::Strategist(Proof::Dmarc),
                false,
            ),
            // From forged as hers, DMARC fails.
            (
                "strateg@lst.se",
                None,
                None,
                FAIL,
                Some(NOTICE),
                Standing::Claims(Claim::From),
                false,
            ),
            // From forged as hers, no results at all.
            (
                "Strategen <strateg@lst.se>",
                None,
                None,
                "",
                Some(NOTICE),
                Standing::Claims(Claim::From),
                false,
            ),
            // An outsider with Reply-To set to her.
            (
                "mallory@evil.example",
                Some("strateg@lst.se"),
                None,
                "",
                Some(NOTICE),
                Standing::Claims(Claim::ReplyTo),
                false,
            ),
            // An outsider with Sender set to her, even with a pass for the outsider's own domain.
            (
                "mallory@evil.example",
                None,
                Some("strateg@lst.se"),
                "Authentication-Results: mx.lst.se; dmarc=pass header.from=evil.example\r\n",
                Some(NOTICE),
                Standing::Claims(Claim::Sender),
                false,
            ),
            // Her address as the display name of another address.
            (
                "\"Strategen <strateg@lst.se>\" <mallory@evil.example>",
                None,
                None,
                "",
                Some(NOTICE),
                Standing::Claims(Claim::DisplayName),
                false,
            ),
            (
                "strateg@lst.se <mallory@evil.example>",
                None,
                None,
                "",
                Some(NOTICE),
                Standing::Claims(Claim::DisplayName),
                false,
            ),
            // Two addresses in From, hers first: nothing is proved, even with a pass.
            (
                "strateg@lst.se, mallory@evil.example",
                None,
                None,
                PASS,
                Some(NOTICE),
                Standing::Claims(Claim::SeveralFrom),
                false,
            ),
            // Her own mail with Sender set to her assistant and a pass: hers.
            (
                "strateg@lst.se",
                None,
                Some("assistent@lst.se"),
                PASS,
                Some(NOTICE),
                Standing::Strategist(Proof::Dmarc),
                true,
            ),
            // Someone else entirely.
            (
                "anna@falun.se",
                Some("kansli@falun.se"),
                None,
                PASS,
                Some(NOTICE),
                Standing::Other,
                false,
            ),
        ];
        for (from, reply_to, sender, auth, in_reply_to, want, resolves) in rows {
            let mut headers = format!("{auth}From: {from}\r\nTo: {HER}\r\n");
            if let Some(r) = reply_to {
                headers.push_str(&format!("Reply-To: {r}\r\n"));
            }
            if let Some(s) = sender {
                headers.push_str(&format!("Sender: {s}\r\n"));
            }
            if let Some(id) = in_reply_to {
                headers.push_str(&format!("In-Reply-To: {id}\r\nReferences: {id}\r\n"));
            }
            let m = mail(&headers);
            let got = standing(&m, &[HER.to_string()], &trust());
            assert_eq!(
                got, want,
                "From: {from}, Reply-To: {reply_to:?}, Sender: {sender:?}, auth: {auth}"
            );
            assert_eq!(
                may_resolve(got, answers_notice(&m, &[NOTICE.into()])),
                resolves,
                "From: {from}, In-Reply-To: {in_reply_to:?}"
            );
        }
    }

    #[test]
    fn two_from_headers_prove_nothing() {
        let m = mail(&format!(
            "{PASS}From: mallory@evil.example\r\nFrom: strateg@lst.se\r\n"
        ));
        assert_eq!(
            standing(&m, &[HER.into()], &trust()),
            Standing::Claims(Claim::SeveralFrom)
        );
    }

    #[test]
    fn a_pass_for_another_from_does_not_count() {
        // The server judged a different From than the one we read.
        let m = mail("Authentication-Results: mx.lst.se; dmarc=pass header.from=evil.example\r\nFrom: strateg@lst.se\r\n");
        assert_eq!(
            standing(&m, &[HER.into()], &trust()),
            Standing::Claims(Claim::From)
        );
    }

    #[test]
    fn exchange_internal_headers_when_trusted() {
        let internal = "X-MS-Exchange-Organization-AuthAs: Internal\r\nX-MS-Exchange-Organization-AuthSource: EX01.lst.se\r\nFrom: strateg@lst.se\r\n";
        let ms = TrustConfig {
            trust_microsoft: true,
            ..TrustConfig::default()
        };
        assert_eq!(
            standing(&mail(internal), &[HER.into()], &ms),
            Standing::Strategist(Proof::Exchange)
        );
        // Not trusted unless configured.
        assert_eq!(
            standing(&mail(internal), &[HER.into()], &TrustConfig::default()),
            Standing::Claims(Claim::From)
        );
        // An outsider's forged Internal next to Exchange's own Anonymous.
        let mixed = "X-MS-Exchange-Organization-AuthAs: Anonymous\r\nX-MS-Exchange-Organization-AuthAs: Internal\r\nX-MS-Exchange-Organization-AuthSource: EX01.lst.se\r\nFrom: strateg@lst.se\r\n";
        assert_eq!(
            standing(&mail(mixed), &[HER.into()], &ms),
            Standing::Claims(Claim::From)
        );
        // Without the AuthSource, nothing.
        let bare = "X-MS-Exchange-Organization-AuthAs: Internal\r\nFrom: strateg@lst.se\r\n";
        assert_eq!(
            standing(&mail(bare), &[HER.into()], &ms),
            Standing::Claims(Claim::From)
        );
    }

    #[test]
    fn internal_relays_by_the_receiving_servers_own_received_header() {
        let relays = TrustConfig {
            internal_relays: vec![Relay::parse("10.20.0.0/16").expect("relay")],
            ..TrustConfig::default()
        };
        let postfix = |from_clause: &str| {
            format!(
                "Received: from mx.lst.se by mx.lst.se with LMTP id abc; Thu, 3 Dec 2026 10:00:00 +0100\r\n\
                 Received: {from_clause} by mx.lst.se (Postfix) with ESMTPS id 4F; Thu, 3 Dec 2026 10:00:00 +0100\r\n\
                 Received: from [10.20.1.5] (evil [10.20.1.5]) by evil with ESMTP; Thu, 3 Dec 2026 09:00:00 +0100\r\n\
                 From: strateg@lst.se\r\n"
            )
        };
        let internal = postfix("from submit.lst.se (submit.lst.se [10.20.3.4])");
        assert_eq!(
            standing(&mail(&internal), &[HER.into()], &relays),
            Standing::Strategist(Proof::InternalRelay)
        );
        // The HELO name is the client's to choose; only the bracketed peer counts.
        let outside = postfix("from [10.20.3.4] (unknown [203.0.113.9])");
        assert_eq!(
            standing(&mail(&outside), &[HER.into()], &relays),
            Standing::Claims(Claim::From)
        );
        // Exchange writes the peer without brackets.
        let exchange = "Received: from EX02.lst.se (10.20.0.7) by EX01.lst.se (10.20.0.6) with Microsoft SMTP Server id 15.1.2507.6; Thu, 3 Dec 2026 10:00:00 +0100\r\nFrom: strateg@lst.se\r\n";
        assert_eq!(
            standing(&mail(exchange), &[HER.into()], &relays),
            Standing::Strategist(Proof::InternalRelay)
        );
    }

    #[test]
    fn relay_ranges() {
        let r = Relay::parse("192.0.2.0/24").expect("range");
        assert!(r.contains("192.0.2.200".parse().expect("ip")));
        assert!(!r.contains("192.0.3.1".parse().expect("ip")));
        assert!(r.contains("::ffff:192.0.2.7".parse().expect("ip")));
        let one = Relay::parse("127.0.0.1").expect("one");
        assert!(one.contains("127.0.0.1".parse().expect("ip")));
        assert!(!one.contains("127.0.0.2".parse().expect("ip")));
        let v6 = Relay::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains("2001:db8:1::5".parse().expect("ip")));
        assert!(Relay::parse("0.0.0.0/0")
            .expect("all")
            .contains("8.8.8.8".parse().expect("ip")));
        assert!(Relay::parse("mx.lst.se").is_err());
        assert!(Relay::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn answers_go_to_reply_to_only_on_the_senders_domain() {
        let m = mail("From: anna@falun.se\r\nReply-To: Kansliet <kansli@falun.se>\r\n");
        assert_eq!(answer_address(&m).as_deref(), Some("kansli@falun.se"));
        let m = mail("From: anna@ifo.falun.se\r\nReply-To: kansli@falun.se\r\n");
        assert_eq!(answer_address(&m).as_deref(), Some("kansli@falun.se"));
        let m = mail("From: anna@falun.se\r\nReply-To: mallory@evil.example\r\n");
        assert_eq!(answer_address(&m).as_deref(), Some("anna@falun.se"));
        let m = mail("From: anna@falun.se\r\nReply-To: a@falun.se, b@falun.se\r\n");
        assert_eq!(answer_address(&m).as_deref(), Some("anna@falun.se"));
        let m = mail("From: Anna <Anna@Falun.se>\r\n");
        assert_eq!(answer_address(&m).as_deref(), Some("anna@falun.se"));
    }
}
