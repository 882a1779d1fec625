//! `blankett init DIR`: writes a commented configuration, the organisation
//! list and copies of the answer templates into a folder, ready to edit. It
//! never overwrites a file unless told to (`--force`), and writes no secret.

use anyhow::{bail, Context as _, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The commented configuration that `init` writes.
const CONFIG: &str = include_str!("../../config/blankett.example.toml");
/// Who receives which template, next to the copies.
const TEMPLATES_README: &str = include_str!("../../templates/README.md");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write into (created when missing), e.g. /etc/blankett.
    pub dir: PathBuf,
    /// Overwrite files that are already there.
    #[arg(long)]
    pub force: bool,
    /// The database path to write into the configuration (default
    /// `blankett.sqlite` next to it); the service uses
    /// /var/lib/blankett/blankett.sqlite.
    #[arg(long)]
    pub database: Option<String>,
}

/// The files `init` writes, relative to the folder, with their contents.
pub fn files(database: Option<&str>) -> Vec<(PathBuf, String)> {
    let config = match database {
        Some(path) => CONFIG.replace(
            "path = \"blankett.sqlite\"",
            &format!("path = {}", toml_string(path)),
        ),
        None => CONFIG.to_string(),
    };
    let mut out = vec![
        (PathBuf::from("blankett.toml"), config),
        (
            PathBuf::from("organisations.toml"),
            blankett::organisations::BUILTIN.to_string(),
        ),
        (
            PathBuf::from("templates/README.md"),
            TEMPLATES_README.to_string(),
        ),
    ];
    for (name, text) in blankett::compose::BUILTIN {
        out.push((Path::new("templates").join(name), text.to_string()));
    }
    out
}

/// A TOML basic string: quotes and backslashes escaped.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Runs `init`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let files = files(args.database.as_deref());
    if !args.force {
        let existing: Vec<String> = files
            .iter()
            .map(|(rel, _)| args.dir.join(rel))
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            bail!(
                "{} already there ({}): nothing was written; pass --force to overwrite them",
                if existing.len() == 1 {
                    "a file is"
                } else {
                    "files are"
                },
                existing.join(", ")
            );
        }
    }
    for (rel, text) in &files {
        let path = args.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let config = args.dir.join("blankett.toml");
    println!(
        "wrote {} files into {}.\nNext: edit the lines marked EDIT in {}, put the password in {} \
         (chmod 600), then run `blankett --config {} doctor`.",
        files.len(),
        args.dir.display(),
        config.display(),
        args.dir.join("imap-password").display(),
        config.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use blankett::config::Config;

    fn written(database: Option<&str>) -> Config {
        let files = files(database);
        let (_, text) = files
            .iter()
            .find(|(p, _)| p == Path::new("blankett.toml"))
            .expect("a configuration");
        Config::parse(text, Path::new("/etc/blankett")).expect("the written configuration parses")
    }

    #[test]
    fn the_configuration_parses_and_points_at_the_written_files() {
        let config = written(None);
        let names: Vec<PathBuf> = files(None).into_iter().map(|(p, _)| p).collect();
        let organisations = config.form.organisations.expect("an organisation list");
        assert_eq!(organisations, Path::new("/etc/blankett/organisations.toml"));
        assert!(names.contains(&PathBuf::from("organisations.toml")));
        let templates = config.answers.templates.expect("a template folder");
        assert_eq!(templates, Path::new("/etc/blankett/templates"));
        assert!(names.contains(&PathBuf::from("templates/confirmation.txt")));
        let imap = config.imap.expect("[imap]");
        assert_eq!(
            imap.password_file.as_deref(),
            Some(Path::new("/etc/blankett/imap-password"))
        );
        assert!(config.smtp.is_some());
        assert_eq!(
            config.database.path,
            Path::new("/etc/blankett/blankett.sqlite")
        );
        let service = written(Some("/var/lib/blankett/blankett.sqlite"));
        assert_eq!(
            service.database.path,
            Path::new("/var/lib/blankett/blankett.sqlite")
        );
    }

    #[test]
    fn commented_keys_are_real_keys() {
        // Uncommenting every `# key = value` line must still give a valid
        // configuration: the comments show keys that exist.
        let key = regex::Regex::new(r"^# ([a-z_]+ = .*|\[[a-z0-9_]+\])$").expect("pattern");
        let text: String = CONFIG
            .lines()
            .map(|l| key.replace(l, "$1").into_owned() + "\n")
            .collect();
        assert_ne!(text, CONFIG);
        let config = Config::parse(&text, Path::new("/etc/blankett"))
            .unwrap_or_else(|e| panic!("uncommented: {e}\n{text}"));
        assert_eq!(config.strategist.also.len(), 1);
        assert_eq!(config.limits, blankett::limits::Limits::default());
    }

    #[test]
    fn existing_files_are_kept_without_force() {
        let dir = std::env::temp_dir().join(format!("blankett-init-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let args = |force| Args {
            dir: dir.clone(),
            force,
            database: None,
        };
        run(&args(false)).expect("first init");
        let config = dir.join("blankett.toml");
        std::fs::write(&config, "# mine\n").expect("edit");
        let err = run(&args(false)).expect_err("refuses to overwrite");
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&config).expect("read"), "# mine\n");
        run(&args(true)).expect("forced");
        assert!(std::fs::read_to_string(&config)
            .expect("read")
            .contains("[imap]"));
        assert!(dir.join("templates/macros.j2").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
