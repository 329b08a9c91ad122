//! An OpenSSH server on 127.0.0.1 for the `ssh://` tests: its own host key
//! and config in the state dir, a client key made for this run and
//! authorized for root on this server only.
//!
//! The remote side of `ssh://` is the docker and podman CLIs' `system
//! dial-stdio`; `SetEnv DOCKER_HOST=…` in the server's config points the
//! `docker` CLI of every session at the test dockerd (podman is told its
//! socket in the URI).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::layout::write;
use super::{proc, Layout};

/// Where the server listens and the client files that reach it.
#[derive(Debug, Clone)]
pub(crate) struct SshFiles {
    /// `ssh://root@127.0.0.1:<port>`.
    pub(crate) uri: String,
    /// The client's private key.
    pub(crate) key: PathBuf,
    /// A known hosts file holding the server's host key.
    pub(crate) known_hosts: PathBuf,
}

pub(crate) fn start(layout: &Layout, port: u16) -> Result<SshFiles, String> {
    let dir = layout.state().join("ssh");
    // Keys of an earlier sshd would make ssh-keygen ask to overwrite them.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let host_key = dir.join("host_ed25519");
    let client_key = dir.join("client_ed25519");
    keygen(&host_key, "contajners test sshd")?;
    keygen(&client_key, "contajners test client")?;
    let public = |key: &Path| {
        let file = key.with_extension("pub");
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    };
    let authorized = dir.join("authorized_keys");
    write(&authorized, public(&client_key)?)?;
    let host_public = public(&host_key)?;
    let mut fields = host_public.split_whitespace();
    let (Some(kind), Some(blob)) = (fields.next(), fields.next()) else {
        return Err(format!("unexpected host key format: {host_public}"));
    };
    let known_hosts = dir.join("known_hosts");
    write(&known_hosts, format!("[127.0.0.1]:{port} {kind} {blob}\n"))?;
    let config = dir.join("sshd_config");
    write(
        &config,
        format!(
            "ListenAddress 127.0.0.1\n\
             Port {port}\n\
             HostKey {host_key}\n\
             AuthorizedKeysFile {authorized}\n\
             PidFile none\n\
             AllowUsers root\n\
             PermitRootLogin prohibit-password\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             UsePAM no\n\
             # The workspace may be group-writable; the key files are ours.\n\
             StrictModes no\n\
             PrintMotd no\n\
             X11Forwarding no\n\
             AllowTcpForwarding no\n\
             SetEnv DOCKER_HOST=unix://{docker}\n",
            host_key = host_key.display(),
            authorized = authorized.display(),
            docker = layout.docker_sock().display(),
        ),
    )?;
    // sshd insists on its privilege separation dir (Debian's is /run/sshd);
    // `down` removes it when `up` created it (see outside.rs).
    std::fs::create_dir_all("/run/sshd").map_err(|e| format!("cannot create /run/sshd: {e}"))?;
    proc::spawn(
        layout,
        "sshd",
        "/usr/sbin/sshd",
        &[
            "-D".to_string(),
            "-e".to_string(),
            "-f".to_string(),
            config.display().to_string(),
        ],
        &[],
    )?;
    Ok(SshFiles {
        uri: format!("ssh://root@127.0.0.1:{port}"),
        key: client_key,
        known_hosts,
    })
}

/// A new ed25519 key pair without passphrase at `path` (and `path.pub`).
fn keygen(path: &Path, comment: &str) -> Result<(), String> {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh-keygen (package openssh-client): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ssh-keygen failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Waits until the server accepts TCP connections (it answers the ssh
/// banner); called by the pings of `up`.
pub(crate) fn ping(uri: &str) -> Result<(), String> {
    use std::io::Read;
    let address = uri
        .rsplit_once('@')
        .map_or(uri, |(_, host)| host)
        .to_string();
    let mut stream = std::net::TcpStream::connect(&address)
        .map_err(|e| format!("cannot connect to sshd at {address}: {e}"))?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut banner = [0u8; 8];
    stream
        .read_exact(&mut banner)
        .map_err(|e| format!("sshd at {address} sent no banner: {e}"))?;
    if banner.starts_with(b"SSH-") {
        Ok(())
    } else {
        Err(format!("{address} is not an ssh server"))
    }
}

/// The variables of the ssh tests, in the env file's `export` form
/// (optional for the tests: env files of older runs lack them).
pub(crate) fn exports(files: &SshFiles) -> String {
    [
        ("CONTAJNERS_TEST_SSH_URI", files.uri.clone()),
        ("CONTAJNERS_TEST_SSH_KEY", files.key.display().to_string()),
        (
            "CONTAJNERS_TEST_SSH_KNOWN_HOSTS",
            files.known_hosts.display().to_string(),
        ),
    ]
    .iter()
    .map(|(name, value)| format!("export {name}='{}'\n", value.replace('\'', r"'\''")))
    .collect()
}

/// Adds [`exports`] to the env file written by `Vars::write`, replacing
/// the ssh lines of an earlier sshd.
pub(crate) fn append_env(env_file: &Path, files: &SshFiles) -> Result<(), String> {
    let text = std::fs::read_to_string(env_file)
        .map_err(|e| format!("cannot read {}: {e}", env_file.display()))?;
    let mut kept: String = text
        .lines()
        .filter(|line| !line.starts_with("export CONTAJNERS_TEST_SSH_"))
        .map(|line| format!("{line}\n"))
        .collect();
    kept.push_str(&exports(files));
    write(env_file, kept)
}

/// The ssh lines of the env file (for `engines env`), empty when absent.
pub(crate) fn env_lines(env_file: &Path) -> String {
    std::fs::read_to_string(env_file)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.starts_with("export CONTAJNERS_TEST_SSH_"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Pings the sshd named in the env file; an env file without one (an older
/// run) is not healthy, so `up` restarts everything with an sshd.
pub(crate) fn check(env_file: &Path) -> Result<(), String> {
    let lines = env_lines(env_file);
    let uri = lines
        .lines()
        .find_map(|line| line.strip_prefix("export CONTAJNERS_TEST_SSH_URI="))
        .map(|v| v.trim_matches('\'').to_string())
        .ok_or_else(|| "the env file names no sshd".to_string())?;
    ping(&uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_are_replaced_not_repeated() {
        let dir = std::env::temp_dir().join(format!("xtask-ssh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let env = dir.join("env");
        std::fs::write(&env, "export CONTAJNERS_TEST_IMAGE='busybox:musl'\n").unwrap();
        let files = |port: u16| SshFiles {
            uri: format!("ssh://root@127.0.0.1:{port}"),
            key: dir.join("key"),
            known_hosts: dir.join("known_hosts"),
        };
        append_env(&env, &files(1)).unwrap();
        append_env(&env, &files(2)).unwrap();
        let text = std::fs::read_to_string(&env).unwrap();
        assert!(text.starts_with("export CONTAJNERS_TEST_IMAGE="), "{text}");
        assert_eq!(text.matches("CONTAJNERS_TEST_SSH_URI").count(), 1, "{text}");
        assert!(text.contains("127.0.0.1:2'"), "{text}");
        assert_eq!(env_lines(&env).lines().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_server_that_is_not_ssh_is_told_apart() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            use std::io::Write;
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(b"HTTP/1.1 400 Bad\r\n\r\n").unwrap();
        });
        let err = ping(&format!("ssh://root@127.0.0.1:{port}")).unwrap_err();
        assert!(err.contains("not an ssh server"), "{err}");
        server.join().unwrap();
    }
}
