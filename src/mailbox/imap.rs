//! `ImapMailbox`: the strategist's real inbox over IMAP (async-imap on
//! tokio). It reads with `BODY.PEEK` and never sets or clears a flag, never
//! deletes or expunges, and moves a message only when told to. The inbox is
//! shared with a person, so this file must stay that polite.
//!
//! Every server call has a time limit. After a connection problem the
//! session is dropped and the next call reconnects (login and SELECT again);
//! the caller decides how long to wait before that.

mod connect;
mod probe;
mod wire;
mod xoauth2;

pub use probe::Probe;

use super::{FolderInfo, Mailbox, MailboxError, Woken};
use crate::config::ImapConfig;
use crate::oauth2::TokenSource;
use async_imap::error::Error as ImapError;
use async_imap::extensions::idle::IdleResponse;
use async_imap::types::{Fetch, UnsolicitedResponse};
use connect::{Connector, Login, Session};
use futures_util::future::BoxFuture;
use futures_util::TryStreamExt;
use std::collections::HashSet;
use std::time::Duration;
use tokio::time::timeout;

/// The longest any one server call may take.
const CALL_LIMIT: Duration = Duration::from_secs(60);
/// IDLE is re-issued at least this often (servers may drop it after 30 minutes).
const IDLE_LIMIT: Duration = Duration::from_secs(25 * 60);

/// A mailbox on an IMAP server.
pub struct ImapMailbox {
    connector: Connector,
    inbox: String,
    session: Option<Session>,
    /// Whether the live session has the inbox selected.
    selected: bool,
    can_move: bool,
    can_idle: bool,
    /// The UIDVALIDITY the caller last saw through `select`.
    known_validity: Option<u32>,
    /// The server announced new mail since the last `uids_after`.
    changed: bool,
    /// Folders created or found during this run.
    folders: HashSet<String>,
}

impl ImapMailbox {
    /// Reads the configured CA now (so a bad path is reported at start);
    /// connects on first use.
    pub fn new(config: ImapConfig, password: String) -> Result<Self, MailboxError> {
        Self::with_login(config, Login::Password(password))
    }

    /// Like `new`, logging in with XOAUTH2 and tokens from `tokens`
    /// (`imap.auth = "oauth2"`).
    pub fn oauth2(config: ImapConfig, tokens: TokenSource) -> Result<Self, MailboxError> {
        Self::with_login(config, Login::OAuth2(tokens))
    }

    fn with_login(config: ImapConfig, login: Login) -> Result<Self, MailboxError> {
        let inbox = config.inbox.clone();
        Ok(ImapMailbox {
            connector: Connector::new(config, login)?,
            inbox,
            session: None,
            selected: false,
            can_move: false,
            can_idle: false,
            known_validity: None,
            changed: false,
            folders: HashSet::new(),
        })
    }

    /// Connects and logs in when there is no session.
    async fn connect(&mut self) -> Result<(), MailboxError> {
        if self.session.is_some() {
            return Ok(());
        }
        self.selected = false;
        let session = timeout(CALL_LIMIT, self.connector.open())
            .await
            .map_err(|_| too_slow("connect and log in"))??;
        self.session = Some(session);
        // Servers such as Dovecot list MOVE only once logged in, so ask now.
        let caps = self
            .call("capability", |s| Box::pin(s.capabilities()))
            .await?;
        self.can_move = caps.has_str("MOVE");
        self.can_idle = caps.has_str("IDLE");
        tracing::debug!(
            can_move = self.can_move,
            can_idle = self.can_idle,
            "imap: logged in"
        );
        Ok(())
    }

    /// SELECTs the inbox on the live session.
    async fn select_now(&mut self) -> Result<FolderInfo, MailboxError> {
        let folder = wire::encode_folder(&self.inbox);
        let mailbox = match self
            .call("select", |s| {
                Box::pin(async move { s.select(&folder).await })
            })
            .await
        {
            Err(MailboxError::Other(m)) => {
                return Err(MailboxError::Config(format!(
                    "cannot open the folder `{}`: {m}; check imap.inbox",
                    self.inbox
                )))
            }
            other => other?,
        };
        let missing = |what: &str| {
            MailboxError::Other(format!("the server gave no {what} for `{}`", self.inbox))
        };
        let info = FolderInfo {
            uidvalidity: mailbox.uid_validity.ok_or_else(|| missing("UIDVALIDITY"))?,
            uid_next: mailbox.uid_next.ok_or_else(|| missing("UIDNEXT"))?,
        };
        self.selected = true;
        Ok(info)
    }

    /// A live session with the inbox selected, reconnecting when needed.
    async fn ready(&mut self) -> Result<(), MailboxError> {
        self.connect().await?;
        if !self.selected {
            let info = self.select_now().await?;
            if let Some(known) = self.known_validity.replace(info.uidvalidity) {
                if known != info.uidvalidity {
                    // The caller's UIDs mean nothing now: make it start over with `select`.
                    return Err(MailboxError::Connection(format!(
                        "UIDVALIDITY of `{}` changed from {known} to {} while reconnecting",
                        self.inbox, info.uidvalidity
                    )));
                }
            }
        }
        Ok(())
    }

    /// Runs one call on the session, with a time limit. The session is out
    /// of `self` while the call runs, so a call that fails, times out or is
    /// cancelled halfway leaves no half-read connection behind.
    async fn call<R>(
        &mut self,
        what: &str,
        op: impl for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, Result<R, ImapError>>,
    ) -> Result<R, MailboxError> {
        let mut session = self
            .session
            .take()
            .ok_or_else(|| MailboxError::Connection(format!("{what}: not connected")))?;
        let result = timeout(CALL_LIMIT, op(&mut session)).await;
        match result {
            Ok(Ok(value)) => {
                self.keep(session);
                Ok(value)
            }
            Ok(Err(ImapError::No(m) | ImapError::Bad(m))) => {
                self.keep(session);
                Err(MailboxError::Other(format!(
                    "{what}: the server refused: {m}"
                )))
            }
            Ok(Err(e)) => Err(MailboxError::Connection(format!("{what}: {e}"))),
            Err(_) => Err(too_slow(what)),
        }
    }

    /// Puts the session back, first reading what the server said unasked.
    fn keep(&mut self, session: Session) {
        while let Ok(note) = session.unsolicited_responses.try_recv() {
            if matches!(
                note,
                UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
            ) {
                self.changed = true;
            }
        }
        self.session = Some(session);
    }

    /// `UID SEARCH query`. The crate ends a response stream quietly when the
    /// connection closes, so a NOOP confirms the answer was whole.
    async fn search(&mut self, query: String) -> Result<HashSet<u32>, MailboxError> {
        self.call("search", |s| {
            Box::pin(async move {
                let found = s.uid_search(&query).await?;
                // `noop()` ends quietly on a closed stream; this does not.
                s.run_command_and_check_ok("NOOP").await?;
                Ok(found)
            })
        })
        .await
    }

    /// `UID FETCH set items`, confirmed by a NOOP like `search`.
    async fn fetch_all(
        &mut self,
        set: String,
        items: &'static str,
    ) -> Result<Vec<Fetch>, MailboxError> {
        self.call("fetch", |s| {
            Box::pin(async move {
                let fetches = s
                    .uid_fetch(&set, items)
                    .await?
                    .try_collect::<Vec<Fetch>>()
                    .await?;
                // `noop()` ends quietly on a closed stream; this does not.
                s.run_command_and_check_ok("NOOP").await?;
                Ok(fetches)
            })
        })
        .await
    }

    /// IDLE until the server reports a change or `max` has passed.
    async fn idle(&mut self, max: Duration) -> Result<Woken, MailboxError> {
        let session = self
            .session
            .take()
            .ok_or_else(|| MailboxError::Connection("idle: not connected".into()))?;
        let mut handle = session.idle();
        timeout(CALL_LIMIT, handle.init())
            .await
            .map_err(|_| too_slow("idle"))?
            .map_err(|e| MailboxError::Connection(format!("idle: {e}")))?;
        let heard = {
            // The crate's own limit is restarted by every keepalive; ours is not.
            let (listen, _stop) = handle.wait_with_timeout(max);
            timeout(max, listen).await
        };
        let woken = match heard {
            Ok(Ok(IdleResponse::NewData(_))) => Woken::Changed,
            Ok(Ok(IdleResponse::Timeout | IdleResponse::ManualInterrupt)) | Err(_) => {
                Woken::Timeout
            }
            Ok(Err(e)) => return Err(MailboxError::Connection(format!("idle: {e}"))),
        };
        let session = timeout(CALL_LIMIT, handle.done())
            .await
            .map_err(|_| too_slow("ending idle"))?
            .map_err(|e| MailboxError::Connection(format!("ending idle: {e}")))?;
        self.keep(session);
        Ok(woken)
    }
}

impl Mailbox for ImapMailbox {
    fn folder(&self) -> &str {
        &self.inbox
    }

    async fn select(&mut self) -> Result<FolderInfo, MailboxError> {
        self.connect().await?;
        let info = self.select_now().await?;
        self.known_validity = Some(info.uidvalidity);
        Ok(info)
    }

    async fn uids_after(&mut self, uid: u32) -> Result<Vec<u32>, MailboxError> {
        let Some(first) = uid.checked_add(1) else {
            return Ok(Vec::new());
        };
        self.ready().await?;
        self.changed = false;
        let found = self.search(format!("UID {first}:*")).await?;
        // `n:*` always matches the last message, even when it is older than n.
        let mut uids: Vec<u32> = found.into_iter().filter(|&u| u > uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, MailboxError> {
        self.ready().await?;
        let fetches = self.fetch_all(uid.to_string(), "BODY.PEEK[]").await?;
        if let Some(body) = fetches
            .iter()
            .find(|f| f.uid == Some(uid))
            .and_then(Fetch::body)
        {
            return Ok(Some(body.to_vec()));
        }
        // The crate does not report a refused FETCH: `None` must mean gone.
        if self.search(format!("UID {uid}")).await?.contains(&uid) {
            return Err(MailboxError::Other(format!(
                "the server sent no body for UID {uid}, which exists"
            )));
        }
        Ok(None)
    }

    async fn message_ids(&mut self) -> Result<Vec<(u32, Option<String>)>, MailboxError> {
        self.ready().await?;
        let all = self.search("ALL".into()).await?;
        let fetches = self
            .fetch_all("1:*".into(), "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]")
            .await?;
        let mut ids: Vec<(u32, Option<String>)> = fetches
            .iter()
            .filter_map(|f| Some((f.uid?, f.header().and_then(wire::message_id))))
            .collect();
        ids.sort_unstable_by_key(|(uid, _)| *uid);
        ids.dedup_by_key(|(uid, _)| *uid);
        // A partial list would make the caller answer known mail again.
        if let Some(missing) = all
            .iter()
            .find(|u| ids.binary_search_by_key(*u, |(id, _)| *id).is_err())
        {
            return Err(MailboxError::Other(format!(
                "the server listed UID {missing} but sent no header for it: try again"
            )));
        }
        Ok(ids)
    }

    async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), MailboxError> {
        self.ready().await?;
        let target = wire::encode_folder(folder);
        if !self.folders.contains(folder) {
            let name = target.clone();
            self.call("create folder", |s| {
                Box::pin(async move {
                    match s.create(&name).await {
                        Err(ImapError::No(m)) if m.to_ascii_lowercase().contains("exists") => {
                            Ok(())
                        }
                        other => other,
                    }
                })
            })
            .await?;
            self.folders.insert(folder.to_string());
        }
        let can_move = self.can_move;
        let result = self
            .call("move", |s| {
                Box::pin(async move {
                    if can_move {
                        s.uid_mv(uid.to_string(), &target).await
                    } else {
                        // Without MOVE the original stays: expunging would also
                        // remove what the person sharing the inbox marked deleted.
                        s.uid_copy(uid.to_string(), &target).await
                    }
                })
            })
            .await;
        if result.is_err() {
            // Perhaps someone removed the folder: create it again next time.
            self.folders.remove(folder);
        }
        result
    }

    async fn wait(&mut self, max: Duration) -> Result<Woken, MailboxError> {
        let max = max.min(IDLE_LIMIT);
        self.ready().await?;
        if std::mem::take(&mut self.changed) {
            return Ok(Woken::Changed);
        }
        if !self.can_idle || max.is_zero() {
            tokio::time::sleep(max).await;
            return Ok(Woken::Timeout);
        }
        self.idle(max).await
    }
}

fn too_slow(what: &str) -> MailboxError {
    MailboxError::Connection(format!(
        "{what}: no answer within {} s",
        CALL_LIMIT.as_secs()
    ))
}
