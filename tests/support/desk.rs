//! Shared by the desk tests: a folder as inbox, a folder as outbox, and a
//! desk over them with the built-in organisations and templates.
#![allow(dead_code)]

use blankett::compose::Templates;
use blankett::daemon::desk::{Desk, Setup};
use blankett::daemon::reader::Reader;
use blankett::daemon::{Clock, SystemClock};
use blankett::decide::Policy;
use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::mailbox::dir::DirMailbox;
use blankett::organisations::Organisations;
use blankett::sender::file::FileSender;
use blankett::store::Store;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

pub const FORM: &[u8] = include_bytes!("../fixtures/p01-body-outlook-complete.eml");
pub const ANNA: &str = "anna.berg@falun.test";
pub const QUESTION: &[u8] = include_bytes!("../fixtures/p19-question-next-meeting.eml");

pub struct Folders {
    pub root: PathBuf,
}

impl Folders {
    pub fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("blankett-desk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("inbox")).expect("inbox");
        Folders { root }
    }
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }
    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox")
    }
    pub fn put(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.inbox().join(name), bytes).expect("write mail");
    }
    /// Answers written to one recipient (the outbox names files after them).
    pub fn sent_to(&self, to: &str) -> usize {
        std::fs::read_dir(self.outbox())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .ends_with(&format!("-{to}.eml"))
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    pub fn sent(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.outbox())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read(p).expect("read answer"))
            .collect()
    }
}

impl Drop for Folders {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

pub fn desk(folders: &Folders, time_limit: Duration) -> Desk<DirMailbox, FileSender, SystemClock> {
    desk_sending(folders, time_limit, true)
}

/// The same desk on a clock the test controls.
pub fn desk_with_clock<C: Clock>(folders: &Folders, clock: C) -> Desk<DirMailbox, FileSender, C> {
    let d = desk(folders, Duration::from_secs(60));
    Desk {
        store: d.store,
        mailbox: d.mailbox,
        sender: d.sender,
        clock,
        setup: d.setup,
        stop: d.stop,
    }
}

pub fn desk_sending(
    folders: &Folders,
    time_limit: Duration,
    send: bool,
) -> Desk<DirMailbox, FileSender, SystemClock> {
    let store =
        Store::open(&folders.root.join("db.sqlite"), "2026-11-30T08:00:00Z").expect("database");
    let marker = store
        .meta_or_insert("marker_token", || "test-token".into())
        .expect("marker");
    let setup = Setup {
        reader: Arc::new(Reader {
            organisations: Organisations::builtin(),
            required: default_required(),
            limits: Limits::default(),
            ocr: None,
        }),
        templates: Templates::builtin(),
        policy: Policy {
            strategist: vec!["strateg@lansstyrelsen.test".into()],
            own_address: "strateg@lansstyrelsen.test".into(),
            max_per_day: 5,
            min_ocr_confidence: 60.0,
            notify_changes: false,
        },
        notices: blankett::roster::NoticeSettings::default(),
        operations: blankett::operations::OperationsConfig::default(),
        trust: blankett::authresults::TrustConfig {
            authserv_ids: vec!["mx.lansstyrelsen.test".into()],
            ..Default::default()
        },
        from: "Länsgruppen MVK <strateg@lansstyrelsen.test>".into(),
        message_id_domain: "lansstyrelsen.test".into(),
        marker,
        processed_folder: "Blankett/Behandlade".into(),
        review_folder: "Blankett/Granska".into(),
        max_attempts: 3,
        time_limit,
        send,
        reminder_days: vec![7, 14],
        digest: None,
        upkeep: blankett::upkeep::UpkeepConfig::default(),
    };
    Desk {
        store,
        mailbox: DirMailbox::new(folders.inbox()),
        sender: FileSender::new(folders.outbox()).expect("outbox"),
        clock: SystemClock,
        setup,
        stop: Arc::new(AtomicBool::new(false)),
    }
}

pub fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

/// Runs the binary with a configuration; returns success and all it printed.
pub fn blankett(config: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
