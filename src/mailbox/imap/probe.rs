//! What `blankett doctor` asks of the IMAP server: its capabilities, its
//! folders (`LIST "" "*"`) and the inbox's size (`EXAMINE`, read-only). It
//! touches no mail: no SELECT, no FETCH, no flag, no move; and it logs out
//! afterwards so that the next call starts a fresh session.

use super::{wire, ImapMailbox};
use crate::mailbox::MailboxError;
use async_imap::types::{Capability, Name};
use futures_util::TryStreamExt;

/// What the server said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    /// Capabilities once logged in, e.g. `IMAP4rev1`, `IDLE`, `MOVE`, `AUTH=PLAIN`.
    pub capabilities: Vec<String>,
    /// Every folder, as people read its name (modified UTF-7 decoded).
    pub folders: Vec<String>,
    /// Messages in the watched folder, when it could be examined.
    pub inbox_messages: Option<u32>,
}

impl Probe {
    /// Whether the server announced a capability (case does not matter).
    pub fn has(&self, capability: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(capability))
    }

    /// Whether a folder exists; `INBOX` is matched in any case, as IMAP says.
    pub fn has_folder(&self, name: &str) -> bool {
        self.folders.iter().any(|f| {
            f == name || (f.eq_ignore_ascii_case("INBOX") && name.eq_ignore_ascii_case("INBOX"))
        })
    }
}

impl ImapMailbox {
    /// Connects and logs in (when not connected), then reads the capabilities,
    /// the folder list and the watched folder's size, and logs out.
    pub async fn probe(&mut self) -> Result<Probe, MailboxError> {
        self.connect().await?;
        let capabilities = self
            .call("capability", |s| Box::pin(s.capabilities()))
            .await?;
        let mut capabilities: Vec<String> = capabilities
            .iter()
            .map(|c| match c {
                Capability::Imap4rev1 => "IMAP4rev1".to_string(),
                Capability::Auth(a) => format!("AUTH={a}"),
                Capability::Atom(a) => a.clone(),
            })
            .collect();
        capabilities.sort();
        let mut folders: Vec<String> = self
            .call("list folders", |s| {
                Box::pin(async move {
                    let names: Vec<Name> = s.list(Some(""), Some("*")).await?.try_collect().await?;
                    Ok(names
                        .iter()
                        .map(|n| wire::decode_folder(n.name()))
                        .collect())
                })
            })
            .await?;
        folders.sort();
        let inbox = wire::encode_folder(&self.inbox);
        // EXAMINE opens the folder read-only: nothing about it changes.
        let inbox_messages = self
            .call("examine", |s| {
                Box::pin(async move { s.examine(&inbox).await })
            })
            .await
            .ok()
            .map(|m| m.exists);
        if let Some(mut session) = self.session.take() {
            let _ = tokio::time::timeout(super::CALL_LIMIT, session.logout()).await;
        }
        self.selected = false;
        Ok(Probe {
            capabilities,
            folders,
            inbox_messages,
        })
    }
}
