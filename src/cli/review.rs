//! `review list|show|accept|reject|edit`: what is waiting for a person, and
//! resolving it from the terminal as the strategist would by mail. Answers
//! are queued; the daemon (or `once`) sends them.

use super::{desk, open_roster};
use anyhow::{anyhow, Context as _, Result};
use blankett::daemon::review::{resolve_review, Action};
use blankett::store::roster::Review;
use blankett::store::Store;
use clap::{Args as ClapArgs, Subcommand};
use std::path::Path;
use std::process::ExitCode;

/// Messages waiting for a person, and resolving them.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    pub action: ReviewCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// List the open reviews.
    List,
    /// Show one review: why, from whom, and what was read.
    Show { id: i64 },
    /// Register the form as it was read.
    Accept { id: i64 },
    /// Drop the form: nothing is registered and the sender is not told.
    Reject { id: i64 },
    /// Correct or add values (`--set "Organisation: Falu kommun"`), then
    /// register the form when it is complete.
    Edit {
        id: i64,
        /// A line as the form writes it, e.g. "Ersättare: Karin Nyström"; repeat for more.
        #[arg(long = "set", required = true)]
        set: Vec<String>,
    },
}

fn find(store: &Store, id: i64) -> Result<Review> {
    store.review(id)?.ok_or_else(|| {
        anyhow!("there is no review {id}: `blankett review list` shows the open ones")
    })
}

pub fn run(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    let (loaded, mut store) = open_roster(config)?;
    let (id, action) = match &args.action {
        ReviewCommand::List => return list(&store),
        ReviewCommand::Show { id } => return show(&store, *id),
        ReviewCommand::Accept { id } => (*id, Action::Accept),
        ReviewCommand::Reject { id } => (*id, Action::Reject),
        ReviewCommand::Edit { id, set } => (*id, Action::Edit(lines(set)?)),
    };
    let review = find(&store, id)?;
    let from = loaded.config.smtp.as_ref().map_or_else(
        || loaded.config.strategist.address.clone(),
        |s| s.from.clone(),
    );
    let by = format!("cli:{}", loaded.config.strategist.address);
    let config = loaded.config.clone();
    let setup = desk::setup(&config, loaded.organisations, &from, &store, true)?;
    let done = resolve_review(&mut store, &setup, chrono::Utc::now(), &review, action, &by)?;
    println!("review {id}: {}", done.resolution);
    for (kind, to) in done.answers {
        println!("  queued: {kind} to {to}");
    }
    println!("answers are sent on the daemon's next pass (or run `blankett once`)");
    Ok(ExitCode::SUCCESS)
}

fn list(store: &Store) -> Result<ExitCode> {
    let open = store.reviews("open")?;
    if open.is_empty() {
        println!("no open reviews");
    }
    for r in open {
        let sub = store.submission(r.submission)?;
        let who = sub
            .as_ref()
            .and_then(|s| s.sender.clone())
            .unwrap_or_default();
        let org = sub
            .as_ref()
            .and_then(|s| s.organisation.clone())
            .unwrap_or_default();
        let day = r.created_at.get(..10).unwrap_or(&r.created_at);
        println!("{:>4}  {day}  {:<22} {:<34} {org}", r.id, r.reason, who);
    }
    Ok(ExitCode::SUCCESS)
}

fn show(store: &Store, id: i64) -> Result<ExitCode> {
    let r = find(store, id)?;
    let sub = store
        .submission(r.submission)?
        .context("the review's submission is missing")?;
    println!(
        "review {} ({}), opened {}: {}",
        r.id, r.state, r.created_at, r.reason
    );
    println!("from: {}", sub.sender.unwrap_or_default());
    println!("reference: {}", sub.reference);
    for (key, value) in &sub.fields {
        println!("  {}: {}", key.form_label(), value.replace('\n', "\n    "));
    }
    for key in &sub.problems.missing {
        println!("  {}: (missing)", key.form_label());
    }
    for (key, value, code) in &sub.problems.invalid {
        println!("  {}: {value:?} (invalid: {code})", key.form_label());
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `Label: value` lines into values, as a reply by mail would be read.
fn lines(set: &[String]) -> Result<blankett::roster::Fields> {
    let text = set.join("\n");
    let raw = blankett::text::extract(
        &blankett::text::lines(&text, false),
        blankett::text::Pass::Own,
    );
    if raw.values.is_empty() {
        return Err(anyhow!(
            "no form line in {set:?}: write each as the form does, e.g. --set \"Organisation: Falu kommun\""
        ));
    }
    let checked = blankett::values::check(&raw.values);
    if let Some(bad) = checked.invalid.values().next() {
        return Err(anyhow!(
            "{}: {:?} cannot be used: {}",
            bad.key.form_label(),
            bad.raw,
            bad.reason.describe()
        ));
    }
    Ok(checked.fields)
}
