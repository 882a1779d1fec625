//! The `blankett` binary: parses the command line and reports errors in one
//! line. Everything else lives in the library and in `cli`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("blankett: {err:#}");
            ExitCode::from(2)
        }
    }
}
