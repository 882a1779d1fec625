//! `request ORG…|--missing|--all [--dry-run]`: sends organisations the form
//! (a Swedish letter and the form as a .docx) to the registered people, or
//! to the organisation's `contact` address. Requests are queued; the daemon
//! (or `once`) sends them, and answers are registered as they come.

use super::{desk, open_roster};
use anyhow::{bail, Result};
use blankett::daemon::intake::choose;
use blankett::daemon::upkeep::Planned;
use blankett::upkeep::{Purpose, Targets};
use clap::Args as ClapArgs;
use std::path::Path;
use std::process::ExitCode;

/// Which organisations get the form.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Organisations by name or id, as in `blankett organisations`.
    #[arg(required_unless_present_any = ["missing", "all"], conflicts_with_all = ["missing", "all"])]
    pub organisations: Vec<String>,
    /// Every organisation on the list that has no registration.
    #[arg(long, conflicts_with = "all")]
    pub missing: bool,
    /// Every organisation on the list.
    #[arg(long)]
    pub all: bool,
    /// List who would get the form; queue nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: &Args, config: Option<&Path>) -> Result<ExitCode> {
    let (loaded, mut store) = open_roster(config)?;
    let targets = if args.missing {
        Targets::Missing
    } else if args.all {
        Targets::All
    } else {
        Targets::Named(args.organisations.clone())
    };
    let from = loaded.config.smtp.as_ref().map_or_else(
        || loaded.config.strategist.address.clone(),
        |s| s.from.clone(),
    );
    let config = loaded.config.clone();
    let setup = desk::setup(&config, loaded.organisations, &from, &store, true)?;
    let chosen = choose(&store, &setup, &targets)?;
    if !chosen.unknown.is_empty() {
        bail!(
            "no organisation on the list is called {}: `blankett organisations` lists them by name and id",
            chosen
                .unknown
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if chosen.keys.is_empty() {
        println!("every organisation on the list has a registration: nothing to request");
        return Ok(ExitCode::SUCCESS);
    }
    let now = chrono::Utc::now().to_rfc3339();
    let (mut queued, mut waiting, mut unreachable) = (0, 0, 0);
    for key in &chosen.keys {
        let name = setup
            .reader
            .organisations
            .get(key)
            .map_or(key.as_str(), |o| o.name.as_str());
        match setup.plan_request(&store, Purpose::Form, key, None, &[])? {
            Planned::Request(request) => {
                let to = request.recipients.join(", ");
                if args.dry_run {
                    println!("{name}: would send the form to {to}");
                    queued += 1;
                } else if store.queue_request(&request, &now)?.is_some() {
                    println!(
                        "{name}: form queued to {to} (reference {})",
                        request.reference
                    );
                    queued += 1;
                } else {
                    waiting += 1;
                    println!("{name}: asked meanwhile by the daemon: not sent again");
                }
            }
            Planned::AlreadyAsked(open) => {
                waiting += 1;
                println!(
                    "{name}: already asked on {} (reference {}), no answer yet: not sent again",
                    open.created_at.chars().take(10).collect::<String>(),
                    open.reference
                );
            }
            Planned::NoAddress => {
                unreachable += 1;
                eprintln!(
                    "{name}: no address to send to: nobody is registered; add `contact = \"…\"` to the organisation in organisations.toml"
                );
            }
        }
    }
    if args.dry_run {
        println!("dry run: nothing was queued ({queued} would be sent)");
    } else if queued > 0 {
        println!(
            "{queued} queued: they are sent on the daemon's next pass (or run `blankett once`)"
        );
    }
    // Failing only when none of the organisations named can be reached.
    Ok(if queued == 0 && waiting == 0 && unreachable > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
