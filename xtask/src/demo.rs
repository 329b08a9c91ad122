//! `cargo xtask demo`: the main job on real engines. Starts the engines
//! (unless the `CONTAJNERS_TEST_*` variables already point at running ones)
//! and runs the facade's `demo` example against them. The engines stay up
//! for more runs; `cargo xtask engines down` stops them.

use std::process::{Command, ExitCode};

use crate::engines::{self, Layout, Vars};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

const EXAMPLE: &str = "crates/contajners/examples/demo.rs";

pub(crate) fn run(_args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    if !root.join(EXAMPLE).exists() {
        return Err(format!(
            "{EXAMPLE} does not exist yet, so there is no demo to run; \
             `cargo xtask test` runs the tests against the engines meanwhile"
        ));
    }
    let vars = match Vars::from_process_env().filter(engines::answering) {
        Some(vars) => {
            eprintln!("using the engines named by the CONTAJNERS_TEST_* variables");
            vars
        }
        None => {
            let layout = Layout::new(&root)?;
            let _lock = engines::lock::acquire(&layout, &|| false)?;
            engines::up(&layout)?
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let args = ["run", "--quiet", "-p", "contajners", "--example", "demo"];
    eprintln!("running: cargo {}", args.join(" "));
    let mut cmd = Command::new(&cargo);
    cmd.args(args).current_dir(&root);
    for (name, value) in vars.pairs() {
        cmd.env(name, value);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    eprintln!("engines left running; `cargo xtask engines down` stops them");
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
