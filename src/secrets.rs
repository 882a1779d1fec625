//! Resolves a password from where the configuration says it is: a file, an
//! environment variable, or the configuration itself. Warns when a file that
//! holds a password can be read by others. Never logs the password.

use crate::config::Secret;
use std::path::Path;
use thiserror::Error;

/// A password that cannot be had.
#[derive(Debug, Error)]
pub enum SecretError {
    #[error("cannot read the password file {path}: {source}; check the path and its permissions")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the environment variable {0} is not set: set it or use password_file")]
    Env(String),
}

/// The password, or `None` when the configuration names none.
pub fn resolve(secret: &Secret) -> Result<Option<String>, SecretError> {
    if let Some(path) = &secret.password_file {
        warn_if_readable(path);
        let text = std::fs::read_to_string(path).map_err(|source| SecretError::File {
            path: path.display().to_string(),
            source,
        })?;
        return Ok(Some(text.trim_end_matches(['\r', '\n']).to_string()));
    }
    if let Some(var) = &secret.password_env {
        return std::env::var(var)
            .map(Some)
            .map_err(|_| SecretError::Env(var.clone()));
    }
    Ok(secret.password.clone())
}

/// Warns (once per file) when a file holding a password is readable by
/// other users.
pub fn warn_if_readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o044 != 0 {
                tracing::warn!(
                    file = %path.display(),
                    "a file holding a password is readable by other users: run chmod 600 on it"
                );
            }
        }
    }
}
