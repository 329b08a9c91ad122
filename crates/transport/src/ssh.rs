//! `ssh://` endpoints: the system `ssh` client runs a command on the remote
//! host that bridges its stdio to the engine's socket, and HTTP goes over
//! the process's stdin and stdout. Each pooled connection is one `ssh`
//! process, ended when the connection is dropped.
//!
//! The remote command is what the CLIs use: `docker system dial-stdio` for
//! `ssh://[user@]host[:port]` (as the docker CLI does), and
//! `podman --url unix://<path> system dial-stdio` for
//! `ssh://[user@]host[:port]/<path>` (Podman's URIs name the remote socket;
//! the podman CLI forwards it, which OpenSSH's client cannot do over stdio).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

use crate::error::{ConnectError, ConnectErrorKind, Error};

/// How much of ssh's stderr is kept to explain a failed connection.
const STDERR_LIMIT: usize = 4096;

/// Settings for `ssh://` endpoints: the client program, identity and known
/// hosts files, extra `-o` options, and the remote command.
///
/// By default `ssh` runs in batch mode (no password or host-key prompt:
/// either the key and known hosts are in place or the connection fails with
/// ssh's own message).
///
/// ```no_run
/// use contajners_transport::{Ssh, Transport};
///
/// let t = Transport::builder("ssh://root@127.0.0.1:2222")
///     .ssh(Ssh::new().identity_file("/keys/id_ed25519").known_hosts_file("/keys/known_hosts"))
///     .build()?;
/// # Ok::<(), contajners_transport::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Ssh {
    program: Option<PathBuf>,
    identity: Option<PathBuf>,
    known_hosts: Option<PathBuf>,
    options: Vec<String>,
    remote_command: Option<Vec<String>>,
}

impl Ssh {
    /// Defaults: `ssh` from `PATH`, the user's own keys and known hosts.
    ///
    /// ```
    /// let ssh = contajners_transport::Ssh::new();
    /// ```
    pub fn new() -> Ssh {
        Ssh::default()
    }

    /// The ssh client to run instead of `ssh` from `PATH`.
    ///
    /// ```
    /// let ssh = contajners_transport::Ssh::new().program("/usr/bin/ssh");
    /// ```
    pub fn program(mut self, path: impl AsRef<Path>) -> Ssh {
        self.program = Some(path.as_ref().to_path_buf());
        self
    }

    /// The private key to log in with (`ssh -i`).
    ///
    /// ```
    /// let ssh = contajners_transport::Ssh::new().identity_file("/home/me/.ssh/id_ed25519");
    /// ```
    pub fn identity_file(mut self, path: impl AsRef<Path>) -> Ssh {
        self.identity = Some(path.as_ref().to_path_buf());
        self
    }

    /// The known hosts file to check the host key against
    /// (`-o UserKnownHostsFile=…`, with strict checking).
    ///
    /// ```
    /// let ssh = contajners_transport::Ssh::new().known_hosts_file("/keys/known_hosts");
    /// ```
    pub fn known_hosts_file(mut self, path: impl AsRef<Path>) -> Ssh {
        self.known_hosts = Some(path.as_ref().to_path_buf());
        self
    }

    /// An extra `-o` option, e.g. `ConnectTimeout=5`.
    ///
    /// ```
    /// let ssh = contajners_transport::Ssh::new().option("ConnectTimeout=5");
    /// ```
    pub fn option(mut self, option: impl Into<String>) -> Ssh {
        self.options.push(option.into());
        self
    }

    /// The command run on the remote host, which must bridge its stdio to
    /// the engine (default: see the module docs).
    ///
    /// ```
    /// let ssh = contajners_transport::Ssh::new().remote_command(["podman", "system", "dial-stdio"]);
    /// ```
    pub fn remote_command<I, S>(mut self, command: I) -> Ssh
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.remote_command = Some(command.into_iter().map(Into::into).collect());
        self
    }

    /// The `ssh` arguments for this target.
    pub(crate) fn args(
        &self,
        target: &SshTarget,
        connect_timeout: Option<std::time::Duration>,
    ) -> Vec<String> {
        let mut args = vec!["-T".to_string(), "-o".into(), "BatchMode=yes".into()];
        if let Some(limit) = connect_timeout {
            // ssh counts whole seconds; 0 would mean its default.
            let secs = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
            args.extend(["-o".into(), format!("ConnectTimeout={}", secs.max(1))]);
        }
        if let Some(user) = &target.user {
            args.extend(["-l".into(), user.clone()]);
        }
        if let Some(port) = target.port {
            args.extend(["-p".into(), port.to_string()]);
        }
        if let Some(identity) = &self.identity {
            args.extend(["-i".into(), identity.display().to_string()]);
            // Only this key: an agent's other keys could lock the account
            // out after too many attempts.
            args.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        if let Some(known) = &self.known_hosts {
            args.extend([
                "-o".into(),
                format!("UserKnownHostsFile={}", known.display()),
                "-o".into(),
                "StrictHostKeyChecking=yes".into(),
            ]);
        }
        for option in &self.options {
            args.extend(["-o".into(), option.clone()]);
        }
        args.push("--".into());
        args.push(target.host.clone());
        match (&self.remote_command, &target.path) {
            (Some(command), _) => args.extend(command.iter().cloned()),
            (None, Some(path)) => args.extend([
                "podman".into(),
                "--url".into(),
                format!("unix://{path}"),
                "system".into(),
                "dial-stdio".into(),
            ]),
            (None, None) => args.extend(["docker".into(), "system".into(), "dial-stdio".into()]),
        }
        args
    }
}

/// The parts of an `ssh://[user@]host[:port][/path]` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// The remote engine socket (Podman's URIs), absolute.
    pub(crate) path: Option<String>,
}

impl SshTarget {
    /// Parses what follows `ssh://`.
    pub(crate) fn parse(rest: &str) -> Result<SshTarget, String> {
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], Some(&rest[at..])),
            None => (rest, None),
        };
        if rest.contains('?') || rest.contains('#') {
            return Err("an ssh endpoint takes no query or fragment".into());
        }
        let path = path.filter(|p| *p != "/").map(str::to_string);
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((user, hostport)) if !user.is_empty() => (Some(user.to_string()), hostport),
            Some(_) => return Err("the user before `@` is empty".into()),
            None => (None, authority),
        };
        if user.as_deref().is_some_and(|u| u.contains(':')) {
            return Err("a password in the URI is not supported; use a key".into());
        }
        let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
            let Some((host, after)) = bracketed.split_once(']') else {
                return Err("the IPv6 literal has no closing `]`".into());
            };
            (host.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.split_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("the host is empty; expected ssh://[user@]host[:port]".into());
        }
        if host.starts_with('-') {
            return Err("a host cannot start with `-`".into());
        }
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| format!("`{p}` is not a port number (0-65535)"))
            })
            .transpose()?;
        Ok(SshTarget {
            user,
            host,
            port,
            path,
        })
    }
}

impl std::fmt::Display for SshTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ssh://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(path) = &self.path {
            f.write_str(path)?;
        }
        Ok(())
    }
}

/// Starts `ssh` for `target`; must run inside a tokio runtime with IO.
///
/// Starting the process is immediate; the ssh handshake happens while the
/// first request waits, so the connect timeout is handed to ssh itself.
pub(crate) fn dial(
    settings: &Ssh,
    target: &SshTarget,
    connect_timeout: Option<std::time::Duration>,
) -> Result<SshStream, Error> {
    let program = settings
        .program
        .clone()
        .unwrap_or_else(|| PathBuf::from("ssh"));
    let mut child = Command::new(&program)
        .args(settings.args(target, connect_timeout))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            Error::Connect(ConnectError::new(
                target,
                ConnectErrorKind::Other,
                io::Error::new(
                    e.kind(),
                    format!("cannot run the ssh client `{}`: {e}", program.display()),
                ),
            ))
        })?;
    let missing = || {
        Error::Connect(ConnectError::new(
            target,
            ConnectErrorKind::Other,
            "the ssh process has no stdio pipes",
        ))
    };
    let stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    let stderr = child.stderr.take();
    Ok(SshStream {
        _child: child,
        stdin: Some(stdin),
        stdout,
        stderr,
        said: Vec::new(),
        received: false,
    })
}

/// One `ssh` process as a byte stream: its stdout to read, its stdin to
/// write. Dropping it kills the process.
#[derive(Debug)]
pub(crate) struct SshStream {
    _child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    /// Read as it comes (a full pipe would stall ssh); `None` at its end.
    stderr: Option<ChildStderr>,
    /// The first [`STDERR_LIMIT`] bytes ssh wrote to stderr.
    said: Vec<u8>,
    received: bool,
}

impl SshStream {
    /// Reads what ssh wrote to stderr so far; `Ready` once stderr ended.
    fn drain_stderr(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(stderr) = self.stderr.as_mut() else {
            return Poll::Ready(());
        };
        loop {
            let mut chunk = [0u8; 1024];
            let mut buf = ReadBuf::new(&mut chunk);
            match Pin::new(&mut *stderr).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                    let room = STDERR_LIMIT.saturating_sub(self.said.len());
                    let filled = buf.filled();
                    self.said
                        .extend_from_slice(&filled[..filled.len().min(room)]);
                }
                Poll::Ready(_) => {
                    self.stderr = None;
                    return Poll::Ready(());
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncRead for SshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // Keep the stderr pipe flowing; what it holds matters only below.
        let _ = this.drain_stderr(cx);
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.stdout).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            if buf.filled().len() > before {
                this.received = true;
            } else if !this.received {
                // ssh ended before the engine said anything: its stderr,
                // complete once ssh has exited, says why (authentication,
                // host key, the remote command missing).
                if this.drain_stderr(cx).is_pending() {
                    return Poll::Pending;
                }
                let said = String::from_utf8_lossy(&this.said).trim().to_string();
                if !said.is_empty() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        format!("ssh ended before the engine answered: {said}"),
                    )));
                }
            }
        }
        poll
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_write(cx, buf),
            None => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the write side was shut down",
            ))),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Closes ssh's stdin: the remote side sees EOF on the engine socket's
    /// write half (dial-stdio half-closes), reading goes on.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(stdin) = self.stdin.as_mut() {
            match Pin::new(stdin).poll_shutdown(cx) {
                Poll::Ready(_) => self.stdin = None,
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_host_port_and_path() {
        let t = SshTarget::parse("me@example.test:2222").ok();
        assert_eq!(
            t,
            Some(SshTarget {
                user: Some("me".into()),
                host: "example.test".into(),
                port: Some(2222),
                path: None
            })
        );
        let t = SshTarget::parse("[::1]:22/run/podman/podman.sock").ok();
        assert_eq!(t.as_ref().map(|t| t.host.as_str()), Some("::1"));
        assert_eq!(
            t.as_ref().and_then(|t| t.path.as_deref()),
            Some("/run/podman/podman.sock")
        );
        assert_eq!(
            t.map(|t| t.to_string()).as_deref(),
            Some("ssh://[::1]:22/run/podman/podman.sock")
        );
    }

    #[test]
    fn rejects_with_reasons() {
        for (rest, needle) in [
            ("", "host is empty"),
            ("u:pw@h", "password"),
            ("h:port", "not a port"),
            ("-oProxyCommand=x", "cannot start with `-`"),
            ("@h", "user before"),
        ] {
            let err = SshTarget::parse(rest).err().unwrap_or_default();
            assert!(err.contains(needle), "{rest}: {err}");
        }
    }

    #[test]
    fn arguments_follow_the_clis() {
        let target = SshTarget::parse("root@127.0.0.1:2222").unwrap_or_else(|e| panic!("{e}"));
        let args = Ssh::new()
            .identity_file("/k/id")
            .known_hosts_file("/k/known")
            .args(&target, None)
            .join(" ");
        assert_eq!(
            args,
            "-T -o BatchMode=yes -l root -p 2222 -i /k/id -o IdentitiesOnly=yes \
             -o UserKnownHostsFile=/k/known -o StrictHostKeyChecking=yes \
             -- 127.0.0.1 docker system dial-stdio"
        );
        let podman = SshTarget::parse("h/run/p.sock").unwrap_or_else(|e| panic!("{e}"));
        let timed = Ssh::new().args(&podman, Some(std::time::Duration::from_millis(1500)));
        assert!(timed.join(" ").contains("-o ConnectTimeout=2"), "{timed:?}");
        assert!(Ssh::new()
            .args(&podman, None)
            .join(" ")
            .ends_with("-- h podman --url unix:///run/p.sock system dial-stdio"));
    }
}
