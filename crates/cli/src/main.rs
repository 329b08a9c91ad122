//! The `contajners` command: every operation of every bundled Docker Engine
//! and Podman API version, from the shell.
//!
//! `engines`, `versions`, `categories`, `ops` and `doc` read the bundled
//! specs and need no engine; `invoke` sends any operation with params typed
//! by the spec; `fetch` sends a raw request; `completions` prints shell
//! completions. Everything below is the `contajners` facade: this crate only
//! parses arguments and prints answers the way a person expects (pretty JSON
//! on a terminal, compact JSON through a pipe, demultiplexed container
//! output, progress bars for pulls).

mod args;
mod catalog;
mod connect;
mod error;
mod fetch;
mod invoke;
mod json;
mod output;
mod progress;
mod socket;
mod value;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.global.color.stderr_enabled();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => err.report(color),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let global = cli.global;
    match cli.command {
        Command::Engines => catalog::engines(),
        Command::Versions { engine } => catalog::versions(engine.into()),
        Command::Categories => catalog::categories(&global),
        Command::Ops { category } => catalog::ops(&global, category.as_deref()),
        Command::Doc { op } => catalog::doc(&global, &op),
        Command::Invoke(args) => on_runtime(invoke::run(&global, args)),
        Command::Fetch(args) => on_runtime(fetch::run(&global, args)),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "contajners", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// Runs an engine command on a small runtime, built only for the commands
/// that talk to an engine so that the offline ones start fast.
fn on_runtime(
    future: impl std::future::Future<Output = Result<(), CliError>>,
) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::io("cannot start the async runtime", &err))?;
    let result = runtime.block_on(future);
    // A read of the terminal's stdin may still be blocked on a thread of the
    // runtime (after an attach): do not wait for it.
    runtime.shutdown_background();
    result
}
