//! Maintainer tasks, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Each task lives in its own module with its own clap arguments; this file
//! only routes to them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod cargo;
mod demo;
mod engines;
mod spec_size;
mod test;
mod update_specs;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "contajners maintainer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// The benches, contajners side by side with its peers; writes benches/RESULTS.md.
    Bench(bench::Args),
    /// The main job: the seed walkthrough with the `contajners` command.
    Demo(demo::Args),
    /// Start, stop or describe the real engines that the tests run against.
    Engines(engines::Args),
    /// What the bundled specs add to a release binary (budget 1.5 MB).
    SpecSize(spec_size::Args),
    /// Engines up, the whole test suite against them, engines down.
    Test(test::Args),
    /// Regenerate `specs/` from the upstream Swagger files.
    UpdateSpecs(update_specs::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Bench(args) => bench::run(args),
        Task::Demo(args) => demo::run(args),
        Task::Engines(args) => engines::run(args),
        Task::SpecSize(args) => spec_size::run(args),
        Task::Test(args) => test::run(args),
        Task::UpdateSpecs(args) => update_specs::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask always runs from its own manifest's parent.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}
