//! One engines command at a time per workspace: `up`, `down` and a whole
//! `cargo xtask test` hold an exclusive lock, so a second `cargo xtask test`
//! on the same workspace waits instead of stopping the engines under the
//! first one's tests.

use std::fs::File;
use std::time::Duration;

use rustix::fs::{flock, FlockOperation};

use super::Layout;

/// Held while alive; the kernel releases it when the process ends, however
/// it ends.
#[derive(Debug)]
pub(crate) struct EnginesLock {
    _file: File,
}

/// Takes the lock, waiting (and saying so) while another command holds it;
/// `give_up` is polled while waiting (e.g. "was Ctrl-C pressed").
pub(crate) fn acquire(layout: &Layout, give_up: &dyn Fn() -> bool) -> Result<EnginesLock, String> {
    // Outside the state dir, which `down` removes.
    let path = std::env::temp_dir().join(format!("{}.lock", layout.tag()));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
    let mut said = false;
    loop {
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(EnginesLock { _file: file }),
            Err(rustix::io::Errno::WOULDBLOCK) => {
                if give_up() {
                    return Err("interrupted while waiting for the engines lock".into());
                }
                if !said {
                    eprintln!(
                        "waiting for another engines command on this workspace to finish (lock {})",
                        path.display()
                    );
                    said = true;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(format!("cannot lock {}: {e}", path.display())),
        }
    }
}
