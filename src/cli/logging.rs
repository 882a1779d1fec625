//! Logs to stderr: readable lines by default, one JSON object per line with
//! `--log-format json`; `RUST_LOG` sets the level. Set up once, in `main`.
//! What is logged is decided where it happens (ids, never names or
//! addresses at info); this file only decides the shape.

use super::LogFormat;
use std::io::IsTerminal as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// A subscriber writing `format` to `writer`, filtered by `RUST_LOG` or,
/// without it, by `default_level`; colours only when `colour` (a terminal).
pub fn subscriber<W>(
    format: LogFormat,
    default_level: &str,
    writer: W,
    colour: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // lettre logs every SMTP line at debug level, AUTH included (a password
    // or token in base64): never let it below info, whatever RUST_LOG says.
    let filter = match "lettre=info".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(colour);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        // Fields at the top level, as log collectors (journald's JSON, Loki) expect.
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .finish(),
        ),
    }
}

/// Installs the subscriber for the whole process, writing to stderr.
pub fn init(format: LogFormat, default_level: &str) {
    // The journal and log files get no colour codes.
    let colour = format == LogFormat::Text && std::io::stderr().is_terminal();
    // Only fails when one is installed already, which `main` does not do.
    let _ = tracing::subscriber::set_global_default(subscriber(
        format,
        default_level,
        std::io::stderr,
        colour,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat) -> String {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = subscriber(format, "info", move || sink.clone(), false);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(imap = "imap.example.se:993", handled = 2, "starting");
            tracing::debug!("not at info");
        });
        let bytes = buffer.0.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn json_lines_parse_as_json() {
        let text = logged(LogFormat::Json);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let line = lines
            .iter()
            .find(|l| l["message"] == "starting")
            .unwrap_or_else(|| panic!("no starting line in {text}"));
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["message"], "starting", "{line}");
        assert_eq!(line["imap"], "imap.example.se:993", "{line}");
        assert_eq!(line["handled"], 2, "{line}");
    }

    #[test]
    fn text_is_for_people() {
        let text = logged(LogFormat::Text);
        assert!(text.contains("INFO"), "{text}");
        assert!(
            text.contains("starting imap=\"imap.example.se:993\""),
            "{text}"
        );
        assert!(serde_json::from_str::<serde_json::Value>(text.trim()).is_err());
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn smtp_lines_never_reach_the_log_even_at_debug() {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = subscriber(LogFormat::Text, "debug", move || sink.clone(), false);
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "lettre::transport::smtp::client", "Wrote: AUTH PLAIN c2VjcmV0");
            tracing::debug!(target: "blankett::daemon", "our own debug line");
        });
        let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
        assert!(!text.contains("AUTH PLAIN"), "{text}");
        assert!(text.contains("our own debug line"), "{text}");
    }
}
