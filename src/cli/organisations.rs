//! `blankett organisations`: loads the organisation list, the registrations
//! and the pending submissions, and prints the overview that
//! `blankett::export` makes of them. It must not format anything itself.

use anyhow::Result;
use blankett::export;
use std::path::Path;
use std::process::ExitCode;

/// Pending submissions are those still waiting for a missing value.
const PENDING: &str = "pending";

/// Runs `organisations`.
pub fn run(config: Option<&Path>) -> Result<ExitCode> {
    let (loaded, store) = super::open_roster(config)?;
    let registrations = store.registrations()?;
    let pending = store.submissions_in(PENDING)?;
    let text = export::organisations(&loaded.organisations, &registrations, &pending);
    super::emit(text.as_bytes(), None)?;
    Ok(ExitCode::SUCCESS)
}
