//! Running cargo from a task: which cargo, and building the command.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo that runs this task (`$CARGO`), else `cargo` from the PATH.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Builds the `contajners` command (`--release` when asked) and returns the
/// path of its binary.
pub(crate) fn build_cli(root: &Path, release: bool) -> Result<PathBuf, String> {
    let cargo = cargo();
    let mut args = vec!["build", "--quiet", "-p", "contajners-cli"];
    if release {
        args.push("--release");
    }
    eprintln!("building the command: cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(&args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!("cargo {} failed ({status})", args.join(" ")));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let profile = if release { "release" } else { "debug" };
    let bin = target.join(profile).join("contajners");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("the build left no {}", bin.display()))
    }
}
