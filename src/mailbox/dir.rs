//! A mailbox that is a folder of `.eml` files: the demo's inbox and a test
//! double with real files. Each file gets a UID the first time it is seen,
//! kept in `.blankett-uids` in the folder, so UIDs stay stable across runs.
//! "Moving" puts the file into a subfolder named after the target folder.

use super::{FolderInfo, Mailbox, MailboxError, Woken};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const INDEX: &str = ".blankett-uids";

/// A folder of `.eml` files.
pub struct DirMailbox {
    dir: PathBuf,
    /// File name to UID.
    uids: BTreeMap<String, u32>,
}

impl DirMailbox {
    pub fn new(dir: PathBuf) -> Self {
        DirMailbox {
            dir,
            uids: BTreeMap::new(),
        }
    }

    fn io(e: std::io::Error, what: &Path) -> MailboxError {
        MailboxError::Other(format!("{}: {e}", what.display()))
    }

    /// Reads the index and gives new files the next UIDs, in name order.
    async fn scan(&mut self) -> Result<(), MailboxError> {
        let index = self.dir.join(INDEX);
        let text = tokio::fs::read_to_string(&index).await.unwrap_or_default();
        self.uids = text
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter_map(|(uid, name)| Some((name.to_string(), uid.parse().ok()?)))
            .collect();
        let mut names = Vec::new();
        let mut entries = tokio::fs::read_dir(&self.dir)
            .await
            .map_err(|e| Self::io(e, &self.dir))?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| Self::io(e, &self.dir))?
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry
                .file_type()
                .await
                .map(|t| t.is_file())
                .unwrap_or(false);
            if is_file && name.ends_with(".eml") && !self.uids.contains_key(&name) {
                names.push(name);
            }
        }
        names.sort();
        if names.is_empty() {
            return Ok(());
        }
        let first = self.uids.values().max().copied().unwrap_or(0) + 1;
        let mut append = String::new();
        for (uid, name) in (first..).zip(names) {
            append.push_str(&format!("{uid}\t{name}\n"));
            self.uids.insert(name, uid);
        }
        let mut all = text;
        all.push_str(&append);
        tokio::fs::write(&index, all)
            .await
            .map_err(|e| Self::io(e, &index))
    }

    fn name_of(&self, uid: u32) -> Option<&str> {
        self.uids
            .iter()
            .find(|(_, u)| **u == uid)
            .map(|(n, _)| n.as_str())
    }
}

impl Mailbox for DirMailbox {
    fn folder(&self) -> &str {
        "INBOX"
    }

    async fn select(&mut self) -> Result<FolderInfo, MailboxError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| Self::io(e, &self.dir))?;
        self.scan().await?;
        Ok(FolderInfo {
            uidvalidity: 1,
            uid_next: self.uids.values().max().copied().unwrap_or(0) + 1,
        })
    }

    async fn uids_after(&mut self, uid: u32) -> Result<Vec<u32>, MailboxError> {
        self.scan().await?;
        let mut found = Vec::new();
        for (name, &u) in &self.uids {
            if u > uid
                && tokio::fs::try_exists(self.dir.join(name))
                    .await
                    .unwrap_or(false)
            {
                found.push(u);
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, MailboxError> {
        let Some(name) = self.name_of(uid) else {
            return Ok(None);
        };
        match tokio::fs::read(self.dir.join(name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io(e, &self.dir.join(name))),
        }
    }

    async fn message_ids(&mut self) -> Result<Vec<(u32, Option<String>)>, MailboxError> {
        let uids = self.uids_after(0).await?;
        let mut out = Vec::new();
        for uid in uids {
            let id = self.fetch(uid).await?.and_then(|bytes| {
                mail_parser::MessageParser::new()
                    .parse_headers(&bytes)
                    .and_then(|m| m.message_id().map(str::to_string))
            });
            out.push((uid, id));
        }
        Ok(out)
    }

    async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), MailboxError> {
        let Some(name) = self.name_of(uid).map(str::to_string) else {
            return Ok(());
        };
        let target_dir = folder
            .split('/')
            .fold(self.dir.clone(), |p, part| p.join(part));
        tokio::fs::create_dir_all(&target_dir)
            .await
            .map_err(|e| Self::io(e, &target_dir))?;
        let from = self.dir.join(&name);
        match tokio::fs::rename(&from, target_dir.join(&name)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Self::io(e, &from)),
        }
    }

    async fn wait(&mut self, max: Duration) -> Result<Woken, MailboxError> {
        tokio::time::sleep(max).await;
        Ok(Woken::Timeout)
    }
}
