//! `cargo xtask test [--keep] [-- <cargo test args>]`: engines up, the whole
//! test suite against them with `CONTAJNERS_REQUIRE_ENGINES=1`, engines down
//! (also when the tests fail or are interrupted), the tests' exit code.
//! Engines that were already up before the run (a developer's `cargo xtask
//! engines up`) are left up.

use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::engines::{self, Layout, Vars};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Leave the engines running afterwards (`cargo xtask engines down`
    /// stops them).
    #[arg(long)]
    keep: bool,
    /// Extra arguments for `cargo test`, after `--`.
    #[arg(last = true)]
    cargo_args: Vec<String>,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let interrupted = Interrupted::register()?;
    let layout = Layout::new(&crate::workspace_root())?;
    // Held until the engines are down again: another `cargo xtask test` on
    // this workspace waits rather than stopping our engines mid-run.
    let _lock = engines::lock::acquire(&layout, &|| interrupted.is_set())?;
    let (vars, up) = engines::up_reporting(&layout)?;
    let outcome = if interrupted.is_set() {
        Err("interrupted before the tests started".to_string())
    } else {
        run_tests(&vars, &args.cargo_args, &interrupted)
    };
    if args.keep {
        eprintln!("engines left running (--keep); `cargo xtask engines down` stops them");
    } else if up == engines::Up::AlreadyRunning {
        // Someone started them before this run (`cargo xtask engines up`)
        // and may still be using them: not ours to stop.
        eprintln!(
            "engines were up before this run: left running; `cargo xtask engines down` stops them"
        );
    } else if let Err(why) = engines::down(&layout) {
        eprintln!("error: engines down failed: {why}");
        return Ok(ExitCode::FAILURE);
    }
    let code = outcome?;
    Ok(ExitCode::from(code))
}

fn run_tests(vars: &Vars, extra: &[String], interrupted: &Interrupted) -> Result<u8, String> {
    let cargo = crate::cargo::cargo();
    // --workspace: default-members leave out xtask and benches.
    // --no-fail-fast: one failing test binary must not hide the others.
    let mut cmd = Command::new(&cargo);
    cmd.args(["test", "--workspace", "--no-fail-fast"])
        .args(extra)
        .current_dir(crate::workspace_root())
        .env("CONTAJNERS_REQUIRE_ENGINES", "1");
    for (name, value) in vars.pairs() {
        cmd.env(name, value);
    }
    eprintln!(
        "running: CONTAJNERS_REQUIRE_ENGINES=1 cargo test --workspace --no-fail-fast {}",
        extra.join(" ")
    );
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {cargo} test: {e}"))?;
    wait(child, interrupted)
}

/// Waits for the tests; on SIGTERM (CI cancelling) passes it on. A Ctrl-C
/// reaches the tests by itself (same process group).
fn wait(mut child: Child, interrupted: &Interrupted) -> Result<u8, String> {
    let mut forwarded = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                use std::os::unix::process::ExitStatusExt;
                return Ok(match (status.code(), status.signal()) {
                    (Some(code), _) => u8::try_from(code).unwrap_or(1),
                    // Killed by a signal: the shell convention 128 + signal.
                    (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(1),
                    (None, None) => 1,
                });
            }
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for cargo test: {e}")),
        }
        if interrupted.is_set() && !forwarded {
            forwarded = true;
            if let Some(pid) = i32::try_from(child.id())
                .ok()
                .and_then(rustix::process::Pid::from_raw)
            {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Set by SIGINT or SIGTERM, which then no longer end xtask at once: it
/// stops the engines first.
struct Interrupted(Arc<AtomicBool>);

impl Interrupted {
    fn register() -> Result<Interrupted, String> {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(&flag))
                .map_err(|e| format!("cannot handle signal {signal}: {e}"))?;
        }
        Ok(Interrupted(flag))
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
