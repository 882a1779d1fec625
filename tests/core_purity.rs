//! The core does no I/O: no files, network, clock, environment, async runtime
//! or database. Only the edges listed in `EDGES` may.

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "std::fs",
    "File::open",
    "std::net",
    "tokio",
    "rusqlite",
    "lettre",
    "async_imap",
    "SystemTime::now",
    "Instant::now",
    "Utc::now",
    "Local::now",
    "std::env::var",
    "std::process::Command",
];

/// The edges: the binary, OCR's programs, the database, the mailbox, the
/// sender, secrets, OAuth2 tokens, the daemon's loop, the doctor's checks,
/// and lettre's message builder.
const EDGES: &[&str] = &[
    "main.rs",
    "cli",
    "attach/ocr.rs",
    "attach/ocr_run.rs",
    "store",
    "mailbox",
    "sender",
    "secrets.rs",
    "oauth2.rs",
    "daemon",
    "doctor",
    "outgoing.rs",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_does_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut found = Vec::new();
    for path in all {
        let relative = path
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if EDGES
            .iter()
            .any(|e| relative == *e || relative.starts_with(&format!("{e}/")))
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable source");
        // Tests may read fixtures; only the code above `#[cfg(test)]` counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for word in FORBIDDEN {
            if code.contains(word) {
                found.push(format!("{relative} uses {word}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the core must stay free of I/O:\n{}",
        found.join("\n")
    );
}
