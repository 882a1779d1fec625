//! Running as a service: the systemd unit keeps its hardening (checked
//! always; `systemd-analyze verify` runs on it too where systemd is
//! installed), and the daemon logs JSON lines with `--log-format json`, a
//! start line naming hosts but no address, and reloads its templates and
//! organisation list on SIGHUP, keeping the old ones when the new are broken.
//! No mail server: the daemon's IMAP port is closed, which it survives.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn unit() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/blankett.service");
    std::fs::read_to_string(path).expect("dist/blankett.service")
}

#[test]
fn the_unit_is_hardened() {
    let unit = unit();
    let mut missing = Vec::new();
    for line in [
        "User=blankett",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/blankett",
        "CapabilityBoundingSet=",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "ExecStart=/usr/bin/blankett --config /etc/blankett/blankett.toml run",
    ] {
        if !unit.lines().any(|l| l.trim() == line) {
            missing.push(line);
        }
    }
    assert!(missing.is_empty(), "the unit lacks {missing:?}");
    // Where systemd is installed, it checks every key too. It needs the
    // program to exist, so the verified copy runs one that does.
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok()
    {
        let dir = std::env::temp_dir().join(format!("blankett-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let copy = dir.join("blankett.service");
        let program = env!("CARGO_BIN_EXE_blankett");
        std::fs::write(&copy, unit.replace("/usr/bin/blankett", program)).expect("copy");
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&copy)
            .output()
            .expect("systemd-analyze runs");
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        let _ = std::fs::remove_dir_all(&dir);
        // Unknown keys are only warned about, with the file's name.
        assert!(
            out.status.success() && !said.contains("blankett.service"),
            "systemd-analyze verify: {said}"
        );
    }
}

/// The daemon's stderr, line by line, as it comes.
struct Daemon {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Daemon {
    /// Waits (bounded) for a JSON line whose message is `message`.
    fn wait_for(&mut self, message: &str) -> serde_json::Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| {
                    panic!("no `{message}` within 30 s; saw:\n{}", self.seen.join("\n"))
                });
            self.seen.push(line.clone());
            let json: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            if json["message"] == message {
                return json;
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

#[test]
fn json_logs_a_start_line_and_sighup_reloads() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("blankett-service-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let init = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("init")
        .arg(&dir)
        .output()
        .expect("init runs");
    assert!(init.status.success());
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let user = "strateg.person@lansstyrelsen.test";
    let config = format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {closed}\nsecurity = \"none\"\nusername = \"{user}\"\npassword = \"x\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {closed}\nsecurity = \"none\"\nfrom = \"{user}\"\n\
         [database]\npath = \"blankett.sqlite\"\n[form]\norganisations = \"organisations.toml\"\n\
         [answers]\ntemplates = \"templates\"\n"
    );
    std::fs::write(dir.join("blankett.toml"), config).expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("--log-format")
        .arg("json")
        .arg("--config")
        .arg(dir.join("blankett.toml"))
        .arg("run")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("the daemon starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut daemon = Daemon {
        child,
        lines,
        seen: Vec::new(),
    };

    let start = daemon.wait_for("starting");
    assert_eq!(start["level"], "INFO");
    assert_eq!(start["imap"], format!("127.0.0.1:{closed}"), "{start}");
    assert_eq!(start["smtp"], format!("127.0.0.1:{closed}"), "{start}");
    assert!(start["database"]
        .as_str()
        .is_some_and(|d| d.ends_with("blankett.sqlite")));
    assert!(
        !start.to_string().contains(user),
        "the start line names a person: {start}"
    );

    daemon.signal("HUP");
    let reloaded = daemon.wait_for("reloaded");
    assert!(
        reloaded["loaded"]
            .as_str()
            .is_some_and(|l| l.contains("27 organisations")),
        "{reloaded}"
    );

    // A template that does not compile: the old ones stay, and the log says why.
    std::fs::write(dir.join("templates/confirmation.txt"), "{% if %}").expect("break");
    daemon.signal("HUP");
    let failed =
        daemon.wait_for("reload failed: the templates and organisation list in use are kept");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains("confirmation.txt")),
        "{failed}"
    );

    daemon.signal("TERM");
    daemon.wait_for("stopped");
    let status = daemon.child.wait().expect("exits");
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}
