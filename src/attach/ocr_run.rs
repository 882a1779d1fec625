//! Running OCR's programs: finds them on `PATH`, runs them with a deadline
//! (killing them when it passes) and gives each run a temporary directory that
//! is removed afterwards. It knows nothing of forms or of what the programs
//! read.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Runs a program, killing it when it takes longer than `limit`.
pub fn run(cmd: &mut Command, stdout: Option<&Path>, limit: Duration) -> Result<(), String> {
    finish(start(cmd, stdout)?, Instant::now() + limit)
}

/// A program started; dropping it kills the program if it still runs.
pub struct Running {
    child: Child,
    name: String,
    started: Instant,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(cmd: &mut Command, stdout: Option<&Path>) -> Result<Running, String> {
    let name = Path::new(cmd.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = match stdout {
        Some(path) => Stdio::from(
            std::fs::File::create(path).map_err(|e| format!("cannot capture {name}: {e}"))?,
        ),
        None => Stdio::null(),
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    Ok(Running {
        child,
        name,
        started: Instant::now(),
    })
}

/// Waits for a program until `deadline`, then stops it.
pub fn finish(mut running: Running, deadline: Instant) -> Result<(), String> {
    let name = running.name.clone();
    loop {
        match running.child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("{name} failed ({status})")),
            Ok(None) if Instant::now() >= deadline => {
                return Err(format!(
                    "{name} did not finish within {} s (limits.ocr_seconds)",
                    running.started.elapsed().as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for {name}: {e}")),
        }
    }
}

/// Converts a HEIC photo to PNG with `heif-convert` (Tesseract reads no
/// HEIC), writing into `dir`. A file holding several images (a burst, a depth
/// map) gives the first one written.
pub fn heic_to_png(
    heif_convert: &Path,
    input: &Path,
    dir: &Path,
    limit: Duration,
) -> Result<PathBuf, String> {
    let out = dir.join("photo.png");
    let mut cmd = Command::new(heif_convert);
    cmd.arg(input).arg(&out);
    run(&mut cmd, None, limit)?;
    if out.is_file() {
        return Ok(out);
    }
    let mut written: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list the converted photo: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("photo-") && n.ends_with(".png"))
        })
        .collect();
    written.sort();
    written
        .into_iter()
        .next()
        .ok_or_else(|| "heif-convert wrote no image".to_string())
}

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "blankett-ocr-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
