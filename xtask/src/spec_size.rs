//! `cargo xtask spec-size`: what the bundled specs add to a release binary.
//!
//! Builds the `one_category` example of contajners-spec in release twice,
//! with the default features (every version of both engines bundled) and
//! with `--no-default-features` (none bundled), and prints both sizes and
//! the difference. Fails when the difference is over the budget of 1.5 MB.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The most the bundled specs may add to a binary (1.5 MB).
const BUDGET: u64 = 1_500_000;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let with = build(&root, &[])?;
    let without = build(&root, &["--no-default-features"])?;
    let added = with.saturating_sub(without);
    println!("one_category, release, default features (docker + podman bundled): {with:>10} bytes");
    println!(
        "one_category, release, --no-default-features (nothing bundled):    {without:>10} bytes"
    );
    println!("added by the bundled specs:                                       {added:>10} bytes ({:.2} MB; budget {:.1} MB)", mb(added), mb(BUDGET));
    if added > BUDGET {
        eprintln!(
            "error: the bundled specs add more than the budget; make the compact form smaller"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Builds the example with extra cargo args and returns its size in bytes.
fn build(root: &Path, extra: &[&str]) -> Result<u64, String> {
    let cargo = crate::cargo::cargo();
    let status = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "contajners-spec",
            "--example",
            "one_category",
        ])
        .args(extra)
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build of the one_category example {extra:?} failed ({status})"
        ));
    }
    let binary = target_dir(root)
        .join("release/examples")
        .join(format!("one_category{}", std::env::consts::EXE_SUFFIX));
    std::fs::metadata(&binary)
        .map(|m| m.len())
        .map_err(|e| format!("cannot stat {}: {e}", binary.display()))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}
