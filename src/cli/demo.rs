//! `blankett demo`: the whole pipeline on bundled sample mail, with a
//! temporary database, a folder as inbox and a folder as outbox. No server.

use super::desk;
use anyhow::{Context as _, Result};
use blankett::config::Config;
use blankett::daemon::run;
use blankett::mailbox::dir::DirMailbox;
use blankett::sender::file::FileSender;
use clap::Args as ClapArgs;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the intake desk on bundled sample mail and show what it did.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Folder for the demo's inbox, outbox and database (default: a new
    /// folder under the system's temporary folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Also write each answer's HTML and text parts, and the digest, as
    /// files in this folder, to open in a browser.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
}

/// The sample mail: what organisations send, and what they do not.
const SAMPLES: &[(&str, &[u8])] = &[
    (
        "01-form-in-body.eml",
        include_bytes!("../../tests/fixtures/p01-body-outlook-complete.eml"),
    ),
    (
        "02-reply-above-quote.eml",
        include_bytes!("../../tests/fixtures/p03-reply-outlook-above-quote.eml"),
    ),
    (
        "03-outlook-html-table.eml",
        include_bytes!("../../tests/fixtures/p07-html-table-inline-logo.eml"),
    ),
    (
        "04-word-attachment.eml",
        include_bytes!("../../tests/fixtures/p08-docx-table.eml"),
    ),
    (
        "05-fillable-pdf.eml",
        include_bytes!("../../tests/fixtures/p12-pdf-fillable.eml"),
    ),
    (
        "06-scanned-form.eml",
        include_bytes!("../../tests/fixtures/p13-scan-image-pdf.eml"),
    ),
    (
        "07-substitute-missing.eml",
        include_bytes!("../../tests/fixtures/p14-incomplete-no-substitute.eml"),
    ),
    (
        "08-invalid-address-and-date.eml",
        include_bytes!("../../tests/fixtures/p16-invalid-email-and-date.eml"),
    ),
    (
        "09-unknown-organisation.eml",
        include_bytes!("../../tests/fixtures/p18-unknown-organisation.eml"),
    ),
    (
        "10-question-not-a-form.eml",
        include_bytes!("../../tests/fixtures/p19-question-next-meeting.eml"),
    ),
    (
        "11-out-of-office.eml",
        include_bytes!("../../tests/fixtures/p21-auto-reply-outlook-ooo.eml"),
    ),
    (
        "12-forwarded-form.eml",
        include_bytes!("../../tests/fixtures/p24-forward-inline.eml"),
    ),
    (
        "13-two-forms-one-mail.eml",
        include_bytes!("../../tests/fixtures/g16-two-forms-in-body.eml"),
    ),
    (
        "14-bounce-for-a-substitute.eml",
        include_bytes!("../../tests/fixtures/bounces/b01-postfix-dsn.eml"),
    ),
];

pub async fn run(args: &Args) -> Result<ExitCode> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!(
            "blankett-demo-{}",
            chrono::Utc::now().format("%Y%m%d-%H%M%S")
        )),
    };
    if dir.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        anyhow::bail!(
            "{} is not empty: give --dir a new or empty folder",
            dir.display()
        );
    }
    let inbox = dir.join("inbox");
    let outbox = dir.join("outbox");
    std::fs::create_dir_all(&inbox)
        .with_context(|| format!("cannot create {}", inbox.display()))?;
    let mut config = Config::default();
    config.strategist.address = "strateg@lansstyrelsen.test".into();
    let from = "Länsgruppen MVK <strateg@lansstyrelsen.test>";
    let store = desk::store(&dir.join("blankett.sqlite"))?;
    let setup = desk::setup(
        &config,
        blankett::organisations::Organisations::builtin(),
        from,
        &store,
        true,
    )?;
    let sender = FileSender::new(outbox.clone())
        .with_context(|| format!("cannot create {}", outbox.display()))?;
    let mut desk = desk::desk(store, DirMailbox::new(inbox.clone()), sender, setup);
    // The first pass sees an empty inbox: mail that was there before the
    // database existed would be left alone.
    run::once(&mut desk).await?;
    for (name, bytes) in SAMPLES {
        std::fs::write(inbox.join(name), bytes)
            .with_context(|| format!("cannot write the sample {name}"))?;
    }
    run::once(&mut desk).await?;

    println!(
        "blankett demo: {} sample messages handled in {}\n",
        SAMPLES.len(),
        dir.display()
    );
    println!(
        "{:<34} {:<12} {:<10} answers",
        "message", "status", "moved to"
    );
    for summary in desk.store.summaries()? {
        let name = SAMPLES
            .get(summary.uid.saturating_sub(1) as usize)
            .map_or("?", |(n, _)| *n);
        let answers: Vec<String> = summary
            .answers
            .iter()
            .map(|(kind, to)| format!("{kind} to {to}"))
            .collect();
        let moved = match summary.destination.as_str() {
            "processed" => "Behandlade",
            "review" => "Granska",
            _ => "(stays)",
        };
        println!(
            "{:<34} {:<12} {:<10} {}",
            name,
            summary.status,
            moved,
            if answers.is_empty() {
                "none".to_string()
            } else {
                answers.join(", ")
            }
        );
    }
    println!(
        "\nThe roster now:\n{}",
        blankett::export::table(&desk.store.registrations()?)
    );
    println!(
        "{} open review(s): `blankett review` resolves them, or the strategist answers the review notice by mail.",
        desk.store.reviews("open")?.len()
    );
    println!(
        "\nThe answers (Swedish, as the senders receive them) are in {}",
        outbox.display()
    );
    println!("Handled mail was moved into {}/Blankett/", inbox.display());
    if let Some(html) = &args.html {
        let written = write_pages(&desk, &outbox, html)?;
        println!(
            "\n{written} pages (each answer's HTML and text, and the digest) are in {}: open the .html files in a browser",
            html.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes each answer in the outbox as NN-KIND-RECIPIENT.html and .txt, and
/// the digest as digest.html and digest.txt; returns how many files.
fn write_pages<M, S, C>(
    desk: &blankett::daemon::desk::Desk<M, S, C>,
    outbox: &std::path::Path,
    to: &std::path::Path,
) -> Result<usize> {
    use blankett::mime::BodyKind;
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(outbox)
        .with_context(|| format!("cannot read {}", outbox.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    let limits = blankett::limits::Limits::default();
    let mut written = 0;
    for path in files {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let Some(mail) = blankett::mime::read(&bytes, &limits) else {
            continue;
        };
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for body in &mail.bodies {
            let ext = match body.kind {
                BodyKind::Html => "html",
                BodyKind::Plain => "txt",
            };
            let text = match body.kind {
                BodyKind::Plain => format!("Ämne: {}\n\n{}", mail.subject, body.text),
                BodyKind::Html => body.text.clone(),
            };
            let file = to.join(format!("{stem}.{ext}"));
            std::fs::write(&file, text)
                .with_context(|| format!("cannot write {}", file.display()))?;
            written += 1;
        }
    }
    let digest_config = desk::digest_config(&Config::default(), &desk.setup.policy.own_address);
    let digest = blankett::daemon::digest::make(
        &desk.setup,
        &digest_config,
        &blankett::daemon::digest::gather(&desk.store)?,
        chrono::Utc::now(),
    )?;
    std::fs::write(to.join("digest.html"), &digest.rendered.html)
        .with_context(|| format!("cannot write {}", to.join("digest.html").display()))?;
    std::fs::write(
        to.join("digest.txt"),
        format!(
            "Ämne: {}\n\n{}",
            digest.rendered.subject, digest.rendered.text
        ),
    )
    .with_context(|| format!("cannot write {}", to.join("digest.txt").display()))?;
    Ok(written + 2)
}
