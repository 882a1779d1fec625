//! The configuration file (TOML) as data: which organisations, which keys
//! are required, and the limits. Parsing is separate from reading the file so
//! that tests parse strings.

use crate::error::ConfigError;
use crate::form::{default_required, Key};
use crate::limits::Limits;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The parts of the configuration that reading forms needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub form: FormConfig,
    pub limits: Limits,
}

/// `[form]`: the organisation list and the required keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormConfig {
    /// Path of the organisation list, relative to the configuration file;
    /// `None` uses the list that ships with the binary.
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

impl Config {
    /// Parses configuration text; `base` is the folder relative paths start from.
    pub fn parse(text: &str, base: &Path) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Toml {
            what: "configuration",
            message: e.to_string(),
        })?;
        if let Some(path) = config.form.organisations.as_mut() {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        Ok(config)
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
}
