//! The configuration file (TOML) as data: mailbox, mail sender, strategist,
//! database, form and limits. Parsing is separate from reading the file so
//! that tests parse strings; secrets are resolved at the edge (`Secret`).

use crate::digest::Section;
use crate::error::ConfigError;
use crate::form::{default_required, Key};
use crate::limits::Limits;
use crate::oauth2::{Auth, OAuth2Config};
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub imap: Option<ImapConfig>,
    pub smtp: Option<SmtpConfig>,
    /// The OAuth2 client for `auth = "oauth2"`.
    pub oauth2: Option<OAuth2Config>,
    pub strategist: StrategistConfig,
    pub database: DatabaseConfig,
    pub form: FormConfig,
    pub answers: AnswersConfig,
    pub limits: Limits,
    pub operations: crate::operations::OperationsConfig,
    pub trust: crate::authresults::TrustConfig,
    /// The roster digest by mail (`[digest]`).
    pub digest: DigestConfig,
    /// The group's name and convener, as the mail names them (`[group]`).
    pub group: crate::compose::GroupConfig,
    /// Keeping the roster true over time: the yearly check (`[upkeep]`).
    pub upkeep: crate::upkeep::UpkeepConfig,
}

/// How a connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain, then STARTTLS before anything else is said.
    Starttls,
    /// No TLS at all: only allowed to a loopback address.
    None,
}

/// Where a password comes from: the config itself, a file, or an
/// environment variable. Resolved at the edge; never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret {
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_env: Option<String>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("password_file", &self.password_file)
            .field("password_env", &self.password_env)
            .finish()
    }
}

impl ImapConfig {
    pub fn secret(&self) -> Secret {
        Secret {
            password: self.password.clone(),
            password_file: self.password_file.clone(),
            password_env: self.password_env.clone(),
        }
    }
}

impl SmtpConfig {
    pub fn secret(&self) -> Secret {
        Secret {
            password: self.password.clone(),
            password_file: self.password_file.clone(),
            password_env: self.password_env.clone(),
        }
    }
}

/// `[imap]`: the strategist's mailbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    #[serde(default = "default_imap_port")]
    pub port: u16,
    #[serde(default = "default_tls")]
    pub security: Security,
    pub username: String,
    /// `password` (the default) or `oauth2` (XOAUTH2 with a token from `[oauth2]`).
    #[serde(default)]
    pub auth: Auth,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_env: Option<String>,
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_inbox")]
    pub inbox: String,
    #[serde(default = "default_processed")]
    pub processed_folder: String,
    #[serde(default = "default_review")]
    pub review_folder: String,
    #[serde(default = "default_poll", deserialize_with = "duration")]
    pub poll_interval: Duration,
    /// The name the TLS certificate is checked against, when it differs from `host`.
    pub tls_name: Option<String>,
}

/// `[smtp]`: how answers are sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default = "default_starttls")]
    pub security: Security,
    pub username: Option<String>,
    #[serde(default)]
    pub auth: Auth,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_env: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// The From of every answer, e.g. `Länsgruppen MVK <strateg@lansstyrelsen.se>`.
    pub from: String,
    pub tls_name: Option<String>,
}

/// `[strategist]`: who gets notifications, review items and digests.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrategistConfig {
    pub address: String,
    /// Further addresses that may resolve reviews and get notices.
    pub also: Vec<String>,
}

/// `[database]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub path: PathBuf,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            path: PathBuf::from("blankett.sqlite"),
        }
    }
}

/// `[form]`: the organisation list and the required keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormConfig {
    /// Path of the organisation list; `None` uses the list built into the binary.
    pub organisations: Option<PathBuf>,
    pub required: Vec<Key>,
}

impl Default for FormConfig {
    fn default() -> Self {
        FormConfig {
            organisations: None,
            required: default_required(),
        }
    }
}

/// `[answers]`: how blankett answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswersConfig {
    /// Automatic answers to one recipient per day; past it the strategist is told instead.
    pub max_per_recipient_per_day: u32,
    /// The domain of the Message-IDs of answers; by default the From address's domain.
    pub message_id_domain: Option<String>,
    /// Folder of the answer templates; `None` uses the templates built into the binary.
    pub templates: Option<PathBuf>,
    /// Times a message may fail to be handled before it goes to review.
    pub max_attempts: u32,
    /// Tell a person newly named as representative or substitute.
    pub notify_registered: bool,
    /// Tell a representative or substitute who was replaced.
    pub notify_replaced: bool,
    /// When the strategist hears of roster changes: `immediately` or `digest`.
    pub strategist_changes: ChangeNotices,
    /// Days after an incomplete form came in that its sender is reminded, one
    /// reminder per entry; after the last, the digest tells the strategist.
    pub reminder_days: Vec<u32>,
}

/// When the strategist is told of a roster change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeNotices {
    /// A notice for every change, as it happens.
    Immediately,
    /// Only in the digest.
    Digest,
}

impl Default for AnswersConfig {
    fn default() -> Self {
        AnswersConfig {
            max_per_recipient_per_day: 5,
            message_id_domain: None,
            templates: None,
            max_attempts: 3,
            notify_registered: true,
            notify_replaced: true,
            strategist_changes: ChangeNotices::Immediately,
            reminder_days: vec![7, 14],
        }
    }
}

/// `[digest]`: the roster digest the strategist gets by mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestConfig {
    /// `false` stops the scheduled digest; `digest --send` still works.
    pub enabled: bool,
    /// When, as a cron expression in `time_zone` (`0 8 * * MON`: Mondays at 08:00).
    #[serde(deserialize_with = "cron")]
    pub schedule: croner::Cron,
    /// The IANA time zone the schedule and the digest's times are in.
    #[serde(deserialize_with = "time_zone")]
    pub time_zone: chrono_tz::Tz,
    /// Recipients; empty means `[strategist] address`.
    pub to: Vec<String>,
    /// The sections to include, in any order; by default all.
    pub sections: Vec<Section>,
    /// A registration older than this many days is listed as a gap.
    pub max_age_days: u32,
}

/// The default schedule: Mondays at 08:00.
pub const DEFAULT_SCHEDULE: &str = "0 8 * * MON";

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            enabled: true,
            schedule: DEFAULT_SCHEDULE
                .parse()
                .expect("the default schedule is a valid cron expression"),
            time_zone: chrono_tz::Europe::Stockholm,
            to: Vec::new(),
            sections: Section::ALL.to_vec(),
            max_age_days: 730,
        }
    }
}

fn cron<'de, D: Deserializer<'de>>(d: D) -> Result<croner::Cron, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|e| {
        serde::de::Error::custom(format!(
            "digest.schedule = `{text}` is not a cron expression ({e}): write five fields, \
             minute hour day-of-month month weekday, e.g. \"0 8 * * MON\" for Mondays at 08:00"
        ))
    })
}

fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "digest.time_zone = `{text}` is not a known time zone: write an IANA name, \
             e.g. \"Europe/Stockholm\""
        ))
    })
}

fn default_imap_port() -> u16 {
    993
}
fn default_smtp_port() -> u16 {
    587
}
fn default_tls() -> Security {
    Security::Tls
}
fn default_starttls() -> Security {
    Security::Starttls
}
fn default_inbox() -> String {
    "INBOX".into()
}
fn default_processed() -> String {
    "Blankett/Behandlade".into()
}
fn default_review() -> String {
    "Blankett/Granska".into()
}
fn default_poll() -> Duration {
    Duration::from_secs(60)
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

/// Reads `90s`, `5m`, `2h`, `1d` or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write e.g. \"60s\", \"5m\" or \"1h\""))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use s, m, h or d"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

impl Config {
    /// Parses configuration text; `base` is the folder relative paths start from.
    pub fn parse(text: &str, base: &Path) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Toml {
            what: "configuration",
            message: e.to_string(),
        })?;
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(p) = config.form.organisations.as_mut() {
            rebase(p);
        }
        if let Some(p) = config.answers.templates.as_mut() {
            rebase(p);
        }
        rebase(&mut config.database.path);
        if let Some(p) = config
            .oauth2
            .as_mut()
            .and_then(|o| o.client_secret_file.as_mut())
        {
            rebase(p);
        }
        if let Some(imap) = config.imap.as_mut() {
            for p in [imap.password_file.as_mut(), imap.ca_file.as_mut()]
                .into_iter()
                .flatten()
            {
                rebase(p);
            }
        }
        if let Some(smtp) = config.smtp.as_mut() {
            for p in [smtp.password_file.as_mut(), smtp.ca_file.as_mut()]
                .into_iter()
                .flatten()
            {
                rebase(p);
            }
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let loopback = |host: &str| matches!(host, "localhost" | "::1") || host.starts_with("127.");
        if let Some(imap) = &self.imap {
            if imap.security == Security::None && !loopback(&imap.host) {
                return Err(ConfigError::Invalid(format!(
                    "imap.security = \"none\" is only allowed to a loopback address, not `{}`: use \"tls\" or \"starttls\"",
                    imap.host
                )));
            }
        }
        if let Some(smtp) = &self.smtp {
            if smtp.security == Security::None && !loopback(&smtp.host) {
                return Err(ConfigError::Invalid(format!(
                    "smtp.security = \"none\" is only allowed to a loopback address, not `{}`: use \"tls\" or \"starttls\"",
                    smtp.host
                )));
            }
        }
        crate::oauth2::check_config(self)?;
        let days = &self.answers.reminder_days;
        if days.first() == Some(&0) || days.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ConfigError::Invalid(format!(
                "answers.reminder_days = {days:?} must be days after the form came in, rising, e.g. [7, 14]"
            )));
        }
        Ok(())
    }

    /// Every address that counts as the strategist's.
    pub fn strategist_addresses(&self) -> Vec<String> {
        std::iter::once(&self.strategist.address)
            .chain(&self.strategist.also)
            .filter(|a| !a.is_empty())
            .map(|a| a.to_lowercase())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_keys_and_relative_paths() {
        let c = Config::parse(
            "[form]\norganisations = \"orgs.toml\"\nrequired = [\"organisation\", \"signed_date\"]\n",
            Path::new("/etc/blankett"),
        )
        .expect("valid");
        assert_eq!(c.form.required, vec![Key::Organisation, Key::SignedDate]);
        assert_eq!(
            c.form.organisations,
            Some(PathBuf::from("/etc/blankett/orgs.toml"))
        );
        assert_eq!(
            c.database.path,
            PathBuf::from("/etc/blankett/blankett.sqlite")
        );
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let err = Config::parse(
            "[form]\nrequired = [\"organisation\", \"shoe_size\"]\n",
            Path::new("."),
        )
        .expect_err("unknown key");
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("shoe_size"), "{text}");
    }

    #[test]
    fn the_full_example_loads() {
        let text = r#"
[imap]
host = "imap.example.se"
port = 993
security = "tls"
username = "strateg@lansstyrelsen.se"
password_file = "/etc/blankett/imap-password"
inbox = "INBOX"
processed_folder = "Blankett/Behandlade"
review_folder = "Blankett/Granska"
poll_interval = "60s"

[smtp]
host = "smtp.example.se"
port = 587
security = "starttls"
username = "strateg@lansstyrelsen.se"
password_env = "SMTP_PASSWORD"
from = "Länsgruppen MVK <strateg@lansstyrelsen.se>"

[strategist]
address = "strateg@lansstyrelsen.se"

[database]
path = "/var/lib/blankett/blankett.sqlite"

[digest]
schedule = "0 8 * * MON"
time_zone = "Europe/Stockholm"
to = ["strateg@lansstyrelsen.se"]
"#;
        let c = Config::parse(text, Path::new("/etc/blankett")).expect("valid");
        let imap = c.imap.expect("imap");
        assert_eq!(imap.poll_interval, Duration::from_secs(60));
        assert_eq!(
            imap.password_file,
            Some(PathBuf::from("/etc/blankett/imap-password"))
        );
        assert_eq!(
            c.smtp.expect("smtp").password_env.as_deref(),
            Some("SMTP_PASSWORD")
        );
    }

    #[test]
    fn plain_connections_only_on_loopback() {
        let text = "[imap]\nhost = \"imap.example.se\"\nsecurity = \"none\"\nusername = \"a\"\n";
        assert!(Config::parse(text, Path::new(".")).is_err());
        let text = "[imap]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nusername = \"a\"\n";
        assert!(Config::parse(text, Path::new(".")).is_ok());
    }

    #[test]
    fn the_digest_defaults_and_its_errors() {
        let c = Config::parse("", Path::new(".")).expect("valid");
        assert!(c.digest.enabled);
        assert_eq!(c.digest.schedule.as_str(), "0 8 * * 1");
        assert_eq!(c.digest.time_zone, chrono_tz::Europe::Stockholm);
        assert_eq!(c.digest.sections, Section::ALL.to_vec());
        assert_eq!(c.digest.max_age_days, 730);
        let c = Config::parse(
            "[digest]\nschedule = \"30 7 * * 1-5\"\ntime_zone = \"Europe/Helsinki\"\n\
             sections = [\"roster\", \"gaps\"]\nmax_age_days = 365\n",
            Path::new("."),
        )
        .expect("valid");
        assert_eq!(c.digest.time_zone, chrono_tz::Europe::Helsinki);
        assert_eq!(c.digest.sections, vec![Section::Roster, Section::Gaps]);
        for (text, want) in [
            ("[digest]\nschedule = \"every monday\"\n", "digest.schedule"),
            (
                "[digest]\nschedule = \"0 25 * * *\"\n",
                "e.g. \"0 8 * * MON\"",
            ),
            (
                "[digest]\ntime_zone = \"Europe/Falun\"\n",
                "digest.time_zone",
            ),
            ("[digest]\nsections = [\"weather\"]\n", "mailing_list"),
        ] {
            let err = Config::parse(text, Path::new("."))
                .expect_err(text)
                .to_string();
            assert!(
                err.contains(want) && err.contains("line 2"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("soon").is_err());
    }
}
