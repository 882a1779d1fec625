//! Builds the desk from the configuration: database, reader, templates,
//! policy, loop marker. Shared by `run`, `once`, `import` and `demo`.

use anyhow::{Context as _, Result};
use blankett::attach::{default_ocr, Ocr};
use blankett::compose::{Templates, BUILTIN};
use blankett::config::{ChangeNotices, Config, DigestConfig};
use blankett::daemon::desk::{envelope_address, Desk, Setup};
use blankett::daemon::reader::Reader;
use blankett::daemon::SystemClock;
use blankett::decide::Policy;
use blankett::mailbox::Mailbox;
use blankett::organisations::Organisations;
use blankett::roster::NoticeSettings;
use blankett::sender::Sender;
use blankett::store::Store;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// Reads the template folder named in the configuration, if any: each file
/// there replaces the built-in template of the same name.
pub fn templates(config: &Config) -> Result<Templates> {
    let dir = config.answers.templates.as_deref();
    let mut overrides = BTreeMap::new();
    if let Some(dir) = dir {
        for (name, _) in BUILTIN {
            let path = dir.join(name);
            if path.exists() {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the template {}", path.display()))?;
                overrides.insert(name.to_string(), text);
            }
        }
    }
    let mut templates = Templates::new(&overrides)?;
    templates.set_group(&config.group);
    templates.set_notices(
        config.answers.notify_registered,
        config.answers.notify_replaced,
    );
    Ok(templates)
}

/// The desk's setup. `from` is the answers' From; `send` is false for import.
pub fn setup(
    config: &Config,
    organisations: Organisations,
    from: &str,
    store: &Store,
    send: bool,
) -> Result<Setup> {
    let ocr = default_ocr().map(|o| Box::new(o) as Box<dyn Ocr + Send + Sync>);
    let own = envelope_address(from).to_lowercase();
    let domain = config
        .answers
        .message_id_domain
        .clone()
        .or_else(|| own.rsplit_once('@').map(|(_, d)| d.to_string()))
        .unwrap_or_else(|| "blankett.invalid".into());
    let marker = store.meta_or_insert("marker_token", || format!("{:016x}", fastrand::u64(..)))?;
    let digest = digest_config(config, &own);
    let mut strategist = config.strategist_addresses();
    if strategist.is_empty() {
        strategist.push(own.clone());
    }
    Ok(Setup {
        reader: Arc::new(Reader {
            organisations,
            required: config.form.required.clone(),
            limits: config.limits.clone(),
            ocr,
        }),
        templates: templates(config)?,
        policy: Policy {
            strategist,
            own_address: own,
            max_per_day: config.answers.max_per_recipient_per_day,
            min_ocr_confidence: 60.0,
            notify_changes: config.answers.strategist_changes == ChangeNotices::Immediately,
        },
        operations: config.operations.clone(),
        trust: config.trust.clone(),
        notices: NoticeSettings {
            tell_registered: config.answers.notify_registered,
            tell_replaced: config.answers.notify_replaced,
        },
        from: from.to_string(),
        message_id_domain: domain,
        marker,
        processed_folder: config
            .imap
            .as_ref()
            .map_or("Blankett/Behandlade".into(), |i| i.processed_folder.clone()),
        review_folder: config
            .imap
            .as_ref()
            .map_or("Blankett/Granska".into(), |i| i.review_folder.clone()),
        max_attempts: config.answers.max_attempts,
        time_limit: Duration::from_secs(120),
        send,
        reminder_days: config.answers.reminder_days.clone(),
        digest: Some(digest),
        upkeep: config.upkeep.clone(),
    })
}

/// The digest's configuration with its recipients resolved: `[digest] to`,
/// or else the strategist, or else blankett's own address.
pub fn digest_config(config: &Config, own: &str) -> DigestConfig {
    let mut digest = config.digest.clone();
    if digest.to.is_empty() {
        let strategist = config.strategist.address.trim();
        digest.to.push(if strategist.is_empty() {
            own.to_string()
        } else {
            strategist.to_string()
        });
    }
    digest
}

/// Opens the database named in the configuration.
pub fn store(path: &Path) -> Result<Store> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        }
    }
    Ok(Store::open(path, &chrono::Utc::now().to_rfc3339())?)
}

/// Puts a desk together.
pub fn desk<M: Mailbox, S: Sender>(
    store: Store,
    mailbox: M,
    sender: S,
    setup: Setup,
) -> Desk<M, S, SystemClock> {
    Desk {
        store,
        mailbox,
        sender,
        clock: SystemClock,
        setup,
        stop: Arc::new(AtomicBool::new(false)),
    }
}
