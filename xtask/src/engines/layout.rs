//! Where the engines keep their state, sockets, logs and pid records.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The longest unix socket path we create below the sockets dir is dockerd's
/// libnetwork socket: `<sockets>/dx/libnetwork/<64 hex>.sock`. `sun_path`
/// holds 108 bytes including the NUL; this is the room left for `<sockets>`.
const MAX_SOCKETS_DIR_LEN: usize = 107 - "/dx/libnetwork/".len() - 64 - ".sock".len();

/// Paths of one workspace's engines.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    state: PathBuf,
    sockets: PathBuf,
}

impl Layout {
    /// The layout for the workspace at `root`: state in `<root>/.engines`;
    /// sockets there too unless that path is too long for a unix socket, then
    /// in a short dir under /tmp named after a hash of the state path.
    pub(crate) fn new(root: &Path) -> Result<Layout, String> {
        let root = std::fs::canonicalize(root)
            .map_err(|e| format!("cannot resolve the workspace {}: {e}", root.display()))?;
        let state = root.join(".engines");
        let sockets = if state.as_os_str().len() <= MAX_SOCKETS_DIR_LEN {
            state.clone()
        } else {
            let hash = Sha256::digest(state.as_os_str().as_encoded_bytes());
            let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
            PathBuf::from(format!("/tmp/cj-{hex}"))
        };
        Ok(Layout { state, sockets })
    }

    pub(crate) fn state(&self) -> &Path {
        &self.state
    }

    /// The dir of the sockets and of the engines' exec roots (often the
    /// state dir itself).
    pub(crate) fn sockets(&self) -> &Path {
        &self.sockets
    }

    /// Short hash naming things that live outside the state (cgroups).
    pub(crate) fn tag(&self) -> String {
        let hash = Sha256::digest(self.state.as_os_str().as_encoded_bytes());
        let hex: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("contajners-test-{hex}")
    }

    pub(crate) fn env_file(&self) -> PathBuf {
        self.state.join("env")
    }
    pub(crate) fn logs(&self) -> PathBuf {
        self.state.join("logs")
    }
    pub(crate) fn pids(&self) -> PathBuf {
        self.state.join("pids")
    }
    pub(crate) fn tls(&self) -> PathBuf {
        self.state.join("tls")
    }
    pub(crate) fn docker_sock(&self) -> PathBuf {
        self.sockets.join("docker.sock")
    }
    pub(crate) fn docker_exec_root(&self) -> PathBuf {
        self.sockets.join("dx")
    }
    pub(crate) fn containerd_sock(&self) -> PathBuf {
        self.sockets.join("ctd.sock")
    }
    pub(crate) fn podman_sock(&self) -> PathBuf {
        self.sockets.join("podman.sock")
    }

    pub(crate) fn create_dirs(&self) -> Result<(), String> {
        for dir in [
            self.state.clone(),
            self.sockets.clone(),
            self.logs(),
            self.pids(),
            self.state.join("tmp"),
        ] {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(())
    }
}

/// `N` distinct free TCP ports on 127.0.0.1 (bound together, then released:
/// a tiny race with other programs, which the pings after start would catch).
pub(crate) fn free_ports<const N: usize>() -> Result<[u16; N], String> {
    let mut listeners = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?;
        *port = listener
            .local_addr()
            .map_err(|e| format!("cannot read a bound port: {e}"))?
            .port();
        listeners.push(listener);
    }
    Ok(ports)
}

/// Writes `text` to `path`, naming the path on failure.
pub(crate) fn write(path: &Path, text: impl AsRef<[u8]>) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A random lowercase hex string of `bytes` random bytes (from the kernel).
pub(crate) fn random_hex(bytes: usize) -> Result<String, String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_workspace_keeps_sockets_in_state() {
        let layout = Layout {
            state: PathBuf::from("/w/.engines"),
            sockets: PathBuf::from("/w/.engines"),
        };
        assert!(layout.docker_sock().starts_with("/w/.engines"));
    }

    #[test]
    fn long_workspace_moves_sockets_to_tmp() {
        let dir = tempfile_dir();
        let long = dir.join("a".repeat(60)).join("b".repeat(60));
        std::fs::create_dir_all(&long).unwrap();
        let layout = Layout::new(&long).unwrap();
        assert!(
            layout.sockets().to_string_lossy().starts_with("/tmp/cj-"),
            "{layout:?}"
        );
        assert!(layout.state().starts_with(&long));
        let longest = layout
            .docker_exec_root()
            .join("libnetwork")
            .join(format!("{}.sock", "f".repeat(64)));
        assert!(longest.as_os_str().len() <= 107, "{}", longest.display());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
