//! The `blankett` binary: parses the command line and reports errors in one
//! line. Everything else lives in the library and in `cli`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // The daemon logs its work; the one-shot commands only warnings.
    let level = match cli.command {
        cli::Command::Run | cli::Command::Once | cli::Command::Import { .. } => "info",
        _ => "warn",
    };
    cli::logging::init(cli.log_format, level);
    // A panic caught inside a guarded parser is reported as `unreadable`;
    // only the others are worth a message.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !blankett::guard::is_guarded() {
            default_hook(info);
        }
    }));
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("blankett: {err:#}");
            ExitCode::from(2)
        }
    }
}
