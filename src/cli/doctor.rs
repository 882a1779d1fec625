//! `blankett doctor`: runs the checks of `blankett::doctor` and prints one
//! line per check with what to do, and a last line that sums them up. Exit
//! status 0 when nothing failed (warnings allowed), 1 when something did.
//! Touches no mail; all the checking is in the library.

use anyhow::Result;
use blankett::doctor::{self, Check, Verdict};
use std::path::Path;
use std::process::ExitCode;

/// Runs the checks on the configuration at `config`.
pub async fn run(config: &Path) -> Result<ExitCode> {
    let checks = doctor::run(config).await;
    super::emit(render(&checks).as_bytes(), None)?;
    Ok(if doctor::passed(&checks) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The checks as lines for a terminal, and a last line that sums them up.
fn render(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!(
            "{:<4}  {:<width$}  {}\n",
            c.verdict.to_string(),
            c.name,
            c.advice
        ));
    }
    let count = |v: Verdict| checks.iter().filter(|c| c.verdict == v).count();
    let (failed, warned) = (count(Verdict::Fail), count(Verdict::Warn));
    out.push_str(&match (failed, warned) {
        (0, 0) => "every check passed\n".to_string(),
        (0, w) => format!("every check passed, with {w} warning(s) above\n"),
        (f, _) => format!(
            "{f} check(s) failed: fix the FAIL lines above and run `blankett doctor` again\n"
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_sums_up() {
        let checks = vec![
            Check::ok("configuration", "/etc/blankett/blankett.toml"),
            Check::warn("ocr", "install tesseract-ocr-swe"),
        ];
        let text = render(&checks);
        assert!(text.starts_with("ok    configuration  /etc/"), "{text}");
        assert!(text.ends_with("with 1 warning(s) above\n"), "{text}");
        assert!(doctor::passed(&checks));
        let failed = [Check::fail("imap", "x")];
        assert!(!doctor::passed(&failed));
        assert!(render(&failed).contains("1 check(s) failed"));
    }
}
