//! What the engines create outside the state whatever their configuration,
//! and how `down` removes exactly that.
//!
//! - podman 4.3 (as root) keeps its blob-info cache in
//!   `/var/lib/containers/cache/` whatever `--root` says, and makes
//!   netavark's run dir `/run/containers/networks` at start;
//! - dockerd creates `/run/docker/plugins` whatever `--exec-root` says;
//! - containerd's runc shims listen on `/run/containerd/s/<sha256 of
//!   "<containerd address>/<namespace>/<container id>">`, removed by the
//!   shim when it exits normally, left behind when it is killed.
//!
//! `up` records which of the fixed paths did not exist before it started;
//! `down` removes those (a dir only when empty: something else may have
//! started using it since) and the sockets of our containers' shims.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Layout;

/// Parents before children.
const FIXED: [&str; 10] = [
    "/var/lib/containers",
    "/var/lib/containers/cache",
    "/var/lib/containers/cache/blob-info-cache-v1.boltdb",
    "/run/containers",
    "/run/containers/networks",
    "/run/docker",
    "/run/docker/plugins",
    "/run/containerd",
    "/run/containerd/s",
    // sshd's privilege separation dir, made by `up` for the test sshd.
    "/run/sshd",
];

/// dockerd's namespace in containerd (its default, which we keep).
const CONTAINERD_NAMESPACE: &str = "moby";

fn record_file(layout: &Layout) -> PathBuf {
    layout.state().join("created-outside")
}

/// Records which fixed paths do not exist yet; call before any engine starts.
pub(crate) fn record_absent(layout: &Layout) -> Result<(), String> {
    let absent: String = FIXED
        .iter()
        .filter(|p| !Path::new(p).exists())
        .map(|p| format!("{p}\n"))
        .collect();
    super::layout::write(&record_file(layout), absent)
}

/// Removes what `up` recorded as created by our engines, and our shims'
/// sockets. Call before the state is removed.
pub(crate) fn remove_created(layout: &Layout) {
    for socket in shim_sockets(layout) {
        remove(&socket);
    }
    let recorded = std::fs::read_to_string(record_file(layout)).unwrap_or_default();
    let mut paths: Vec<&str> = recorded
        .lines()
        .filter(|line| FIXED.contains(line))
        .collect();
    // Children before parents.
    paths.reverse();
    for path in paths {
        remove(Path::new(path));
    }
}

fn remove(path: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let result = if meta.is_dir() {
        std::fs::remove_dir(path)
    } else {
        std::fs::remove_file(path)
    };
    if let Err(e) = result {
        // A non-empty dir is in use by something else now: leave it.
        if e.kind() != std::io::ErrorKind::DirectoryNotEmpty {
            eprintln!("could not remove {}: {e}", path.display());
        }
    }
}

/// The shim sockets of the containers in our dockerd's data root.
fn shim_sockets(layout: &Layout) -> Vec<PathBuf> {
    let containers = layout.state().join("docker/data/containers");
    let Ok(entries) = std::fs::read_dir(containers) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .map(|id| shim_socket(&layout.containerd_sock(), &id))
        .collect()
}

/// containerd 1.6 `shim.SocketAddress`: `/run/containerd/s/` + hex
/// sha256 of `<address>/<namespace>/<id>`.
fn shim_socket(containerd_sock: &Path, id: &str) -> PathBuf {
    let key = format!("{}/{CONTAINERD_NAMESPACE}/{id}", containerd_sock.display());
    let hash: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Path::new("/run/containerd/s").join(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_socket_is_where_containerd_put_it() {
        // Observed with containerd 1.6.20: this container's shim, under the
        // containerd at this address, listened on this socket.
        let socket = shim_socket(
            Path::new("/work/main/.engines/ctd.sock"),
            "f630511bb62e52b81d75a09c8393621ca93057d530edfacc811e990345d02a96",
        );
        assert_eq!(
            socket,
            Path::new(
                "/run/containerd/s/4e5c25c0d83f6abc43d47b8c98cf54ff59dd51b8cd3729c07d70939505ee3ff1"
            )
        );
    }
}
