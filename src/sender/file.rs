//! A sender that writes each answer as an `.eml` file into a folder: the
//! demo's outbox, and a test double that is real I/O.

use super::{SendError, Sender};
use std::path::PathBuf;

/// Writes answers to `dir/NNNN-recipient.eml`.
pub struct FileSender {
    dir: PathBuf,
    count: usize,
}

impl FileSender {
    /// Creates the folder if needed.
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let count = std::fs::read_dir(&dir)?.count();
        Ok(FileSender { dir, count })
    }

    /// The folder answers are written to.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Sender for FileSender {
    async fn send(&mut self, _from: &str, to: &str, bytes: &[u8]) -> Result<(), SendError> {
        self.count += 1;
        let safe: String = to
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{:04}-{safe}.eml", self.count));
        tokio::fs::write(&path, bytes)
            .await
            .map_err(|e| SendError::Temporary(format!("cannot write {}: {e}", path.display())))
    }
}
