//! An interactive attach: stdin to the container, its output back.

use std::cell::RefCell;
use std::io::IsTerminal;

use contajners::codec::reader_stream;
use contajners::Upgraded;
use rustix::termios::{self, OptionalActions, Termios};
use tokio::io::AsyncWriteExt;

use crate::error::CliError;
use crate::output;

/// Bridges the upgraded connection and the terminal until the engine ends
/// the output. stdin's EOF half-closes the connection, so that the container
/// sees the end of its input (`cat` ends) while its output still comes back.
///
/// When stdin is a terminal and the container has a TTY (its output is not
/// multiplexed), the terminal is put in raw mode, as `docker attach` does,
/// so that keys reach the container's TTY as typed; it is restored at the end.
pub(crate) async fn bridge(socket: Upgraded) -> Result<(), CliError> {
    let (read, mut write) = tokio::io::split(socket);
    let input = tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let copied = tokio::io::copy(&mut stdin, &mut write).await;
        let _ = write.shutdown().await;
        copied
    });
    let raw_mode: RefCell<Option<RawMode>> = RefCell::new(None);
    let result = output::sniffed_then(reader_stream(read), |multiplexed| {
        if !multiplexed && std::io::stdin().is_terminal() {
            *raw_mode.borrow_mut() = RawMode::enter();
        }
    })
    .await;
    // The output is over: whatever stdin still holds has nowhere to go.
    input.abort();
    drop(raw_mode);
    result
}

/// The terminal in raw mode; the saved settings come back on drop.
struct RawMode {
    saved: Termios,
}

impl RawMode {
    /// Raw mode on stdin's terminal, or `None` when it cannot be set (the
    /// attach then goes on in the terminal's usual mode).
    fn enter() -> Option<RawMode> {
        let stdin = std::io::stdin();
        let saved = termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        termios::tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
    }
}
