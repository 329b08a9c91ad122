//! The timeout flags reach the transport: against a socket that takes the
//! request and never answers, each one fires and the error names it.

mod common;

use std::io::Read;
use std::os::unix::net::UnixListener;
use std::time::Duration;

use common::{contajners, fails_with};

/// How long the silent engine holds a connection before closing it: a
/// command whose timeout did not fire ends then, with another error.
const HOLD: Duration = Duration::from_secs(10);

/// A unix socket that reads what it is sent and never answers; the
/// directory keeps it alive.
fn silent_engine() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("silent.sock");
    let listener = UnixListener::bind(&path).expect("bind the socket");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                std::thread::sleep(HOLD);
            });
        }
    });
    let uri = format!("unix://{}", path.display());
    (dir, uri)
}

#[test]
fn each_timeout_flag_fires_and_is_named() {
    let (_dir, uri) = silent_engine();
    for (flag, kind) in [("--read-timeout", "read"), ("--call-timeout", "call")] {
        let err = fails_with(
            contajners(&["--host", &uri, flag, "300ms", "fetch", "GET", "/_ping"]),
            3,
        );
        assert!(
            err.contains(&format!("the {kind} timeout fired")),
            "{flag}: {err}"
        );
    }
}
