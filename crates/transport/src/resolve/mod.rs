//! Where and how to connect, as the `docker` and `podman` command-line
//! tools decide it: explicit settings, then environment variables, then
//! Docker contexts, then each engine's default socket.
//!
//! Resolution is pure data in, data out: it reads the variables from an
//! [`Env`] (the process's, or one built by hand for tests), and files only
//! from the Docker config dir that `Env` points at. It connects to nothing
//! and knows no spec: the result is an endpoint URI, TLS and ssh settings,
//! a pinned API version when `DOCKER_API_VERSION` is set, and the list of
//! sources that were tried, each with why it did or did not apply.
//!
//! ```no_run
//! use contajners_transport::resolve::{self, Env};
//!
//! let found = resolve::docker(None, &Env::process())?;
//! println!("{} (from {})", found.uri, found.origin);
//! let transport = found.transport_builder().build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod docker;
mod podman;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::ssh::Ssh;
use crate::tls::Tls;
use crate::transport::{Transport, TransportBuilder};

pub use docker::docker;
pub use podman::podman;

/// The variables resolution reads, and whether the user is root.
///
/// [`Env::process`] takes them from the running process; tests build one by
/// hand so that they never change the process's environment.
///
/// ```
/// use contajners_transport::resolve::Env;
/// let env = Env::empty().var("DOCKER_HOST", "tcp://127.0.0.1:2375").root(false);
/// assert_eq!(env.get("DOCKER_HOST"), Some("tcp://127.0.0.1:2375"));
/// assert_eq!(env.get("DOCKER_CONTEXT"), None);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Env {
    vars: BTreeMap<String, String>,
    root: bool,
}

/// Every variable resolution reads; [`Env::process`] copies only these.
const NAMES: [&str; 11] = [
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "DOCKER_TLS_VERIFY",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
    "DOCKER_API_VERSION",
    "CONTAINER_HOST",
    "CONTAINER_SSHKEY",
    "XDG_RUNTIME_DIR",
    "HOME",
];

impl Env {
    /// No variables set, not root.
    ///
    /// ```
    /// let env = contajners_transport::resolve::Env::empty();
    /// assert_eq!(env.get("HOME"), None);
    /// ```
    pub fn empty() -> Env {
        Env::default()
    }

    /// The variables of the running process, and whether it runs as root
    /// (its effective uid, read from the owner of `/proc/self`).
    ///
    /// ```
    /// let env = contajners_transport::resolve::Env::process();
    /// ```
    pub fn process() -> Env {
        Env::from_lookup_and_root(|name| std::env::var(name).ok(), process_is_root())
    }

    fn from_lookup_and_root(lookup: impl Fn(&str) -> Option<String>, root: bool) -> Env {
        let vars = NAMES
            .iter()
            .filter_map(|name| lookup(name).map(|v| (name.to_string(), v)))
            .collect();
        Env { vars, root }
    }

    /// The variables from `lookup` (e.g. a command's own environment
    /// table), and whether the running process is root.
    ///
    /// ```
    /// use contajners_transport::resolve::Env;
    /// let env = Env::from_lookup(|name| (name == "DOCKER_HOST").then(|| "tcp://h:2375".to_string()));
    /// assert_eq!(env.get("DOCKER_HOST"), Some("tcp://h:2375"));
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Env {
        Env::from_lookup_and_root(lookup, process_is_root())
    }

    /// Sets a variable.
    ///
    /// ```
    /// let env = contajners_transport::resolve::Env::empty().var("HOME", "/home/me");
    /// ```
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Env {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Whether the user is root (Podman's default socket depends on it).
    ///
    /// ```
    /// let env = contajners_transport::resolve::Env::empty().root(true);
    /// assert!(env.is_root());
    /// ```
    pub fn root(mut self, root: bool) -> Env {
        self.root = root;
        self
    }

    /// A variable's value; an empty value counts as unset, as the CLIs do.
    ///
    /// ```
    /// let env = contajners_transport::resolve::Env::empty().var("DOCKER_HOST", "");
    /// assert_eq!(env.get("DOCKER_HOST"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Whether the user is root.
    ///
    /// ```
    /// assert!(!contajners_transport::resolve::Env::empty().is_root());
    /// ```
    pub fn is_root(&self) -> bool {
        self.root
    }
}

/// Whether this process runs as root: its effective uid owns `/proc/self`.
fn process_is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Which tool's conventions found the endpoint: a hint at the engine behind
/// it (an address alone never proves it; a ping does).
///
/// ```
/// use contajners_transport::resolve::Convention;
/// assert_eq!(Convention::Podman.to_string(), "podman");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Convention {
    /// The docker CLI's: `DOCKER_HOST`, contexts, `/var/run/docker.sock`.
    Docker,
    /// The podman CLI's: `CONTAINER_HOST`, `/run/podman/podman.sock`.
    Podman,
}

impl fmt::Display for Convention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Convention::Docker => "docker",
            Convention::Podman => "podman",
        })
    }
}

/// Where the endpoint came from.
///
/// ```
/// use contajners_transport::resolve::Origin;
/// assert_eq!(Origin::DockerHost.to_string(), "DOCKER_HOST");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Given by the caller (a `--host` flag, a builder setting).
    Explicit,
    /// The `DOCKER_HOST` variable.
    DockerHost,
    /// The Docker context named by `DOCKER_CONTEXT`.
    DockerContext(String),
    /// The Docker context named by `currentContext` in this `config.json`.
    CurrentContext {
        /// The context's name.
        name: String,
        /// The config file that named it.
        config: PathBuf,
    },
    /// The `CONTAINER_HOST` variable.
    ContainerHost,
    /// The engine's default socket.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Explicit => f.write_str("the explicit host"),
            Origin::DockerHost => f.write_str("DOCKER_HOST"),
            Origin::DockerContext(name) => write!(f, "DOCKER_CONTEXT (context `{name}`)"),
            Origin::CurrentContext { name, config } => {
                write!(f, "currentContext `{name}` in {}", config.display())
            }
            Origin::ContainerHost => f.write_str("CONTAINER_HOST"),
            Origin::Default => f.write_str("the default socket"),
        }
    }
}

/// TLS material as files, and whether the engine's certificate is checked.
///
/// ```
/// use contajners_transport::resolve::{self, Env};
/// let env = Env::empty()
///     .var("DOCKER_HOST", "tcp://127.0.0.1:2376")
///     .var("DOCKER_TLS_VERIFY", "1")
///     .var("DOCKER_CERT_PATH", "/certs");
/// let found = resolve::docker(None, &env)?;
/// let tls = found.tls.expect("TLS is on");
/// assert!(tls.verify);
/// assert_eq!(tls.ca.as_deref(), Some(std::path::Path::new("/certs/ca.pem")));
/// # Ok::<(), contajners_transport::resolve::ResolveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsFiles {
    /// The CA to trust (only when verifying).
    pub ca: Option<PathBuf>,
    /// The client certificate.
    pub cert: Option<PathBuf>,
    /// The client key.
    pub key: Option<PathBuf>,
    /// Whether the engine's certificate is verified (`DOCKER_TLS_VERIFY`,
    /// or a context without `SkipTLSVerify`).
    pub verify: bool,
    /// Where the settings came from, e.g. `DOCKER_CERT_PATH=/certs`.
    pub source: String,
}

impl TlsFiles {
    /// The transport's TLS settings for these files.
    ///
    /// ```
    /// # use contajners_transport::resolve::{self, Env};
    /// # let env = Env::empty().var("DOCKER_HOST", "tcp://h:2376").var("DOCKER_TLS_VERIFY", "1").var("DOCKER_CERT_PATH", "/c");
    /// let tls = resolve::docker(None, &env)?.tls.expect("on").to_tls();
    /// # Ok::<(), contajners_transport::resolve::ResolveError>(())
    /// ```
    pub fn to_tls(&self) -> Tls {
        let mut tls = Tls::new().skip_verify(!self.verify);
        if let Some(ca) = &self.ca {
            tls = tls.ca_file(ca);
        }
        if let Some(cert) = &self.cert {
            tls = tls.client_cert_file(cert);
        }
        if let Some(key) = &self.key {
            tls = tls.client_key_file(key);
        }
        tls
    }
}

/// One source resolution looked at, and what it found there.
///
/// ```
/// # use contajners_transport::resolve::{self, Env};
/// let found = resolve::docker(None, &Env::empty())?;
/// assert!(found.tried.iter().any(|t| t.source == "DOCKER_HOST" && t.outcome == "not set"));
/// # Ok::<(), contajners_transport::resolve::ResolveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tried {
    /// The source, e.g. `DOCKER_CONTEXT`.
    pub source: String,
    /// What was found there: why it did not apply, or that it did.
    pub outcome: String,
}

impl fmt::Display for Tried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.outcome)
    }
}

/// The outcome of resolution: where to connect and how, and why.
///
/// ```no_run
/// use contajners_transport::resolve::{self, Env};
/// let found = resolve::podman(None, &Env::process())?;
/// let transport = found.transport()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The endpoint: `unix://`, `tcp://`, `http://`, `https://` or `ssh://`.
    pub uri: String,
    /// Where [`uri`](Self::uri) came from.
    pub origin: Origin,
    /// Whose conventions found it.
    pub convention: Convention,
    /// TLS settings, when TLS is on.
    pub tls: Option<TlsFiles>,
    /// The ssh identity file (`CONTAINER_SSHKEY`) for `ssh://` endpoints.
    pub ssh_identity: Option<PathBuf>,
    /// The API version pinned by `DOCKER_API_VERSION` (e.g. `1.41`): no
    /// negotiation should happen when set.
    pub api_version: Option<String>,
    /// Every source looked at, in order of precedence, up to the one used.
    pub tried: Vec<Tried>,
}

impl Resolved {
    /// A transport builder for the endpoint with its TLS and ssh settings,
    /// for timeouts and pool settings to be added.
    ///
    /// ```no_run
    /// # use contajners_transport::resolve::{self, Env};
    /// let t = resolve::docker(None, &Env::process())?
    ///     .transport_builder()
    ///     .connect_timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transport_builder(&self) -> TransportBuilder {
        let mut builder = Transport::builder(self.uri.clone());
        let scheme = self
            .uri
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .unwrap_or_default();
        // Only TCP takes TLS: Docker ignores DOCKER_TLS_VERIFY for unix
        // sockets and ssh.
        if let Some(tls) = self
            .tls
            .as_ref()
            .filter(|_| scheme == "tcp" || scheme == "https")
        {
            builder = builder.tls(tls.to_tls());
        }
        if scheme == "ssh" {
            let mut ssh = Ssh::new();
            if let Some(identity) = &self.ssh_identity {
                ssh = ssh.identity_file(identity);
            }
            // Podman's URI without a socket path: the remote podman's own
            // default connection.
            let has_path = self.uri["ssh://".len()..].contains('/');
            if self.convention == Convention::Podman && !has_path {
                ssh = ssh.remote_command(["podman", "system", "dial-stdio"]);
            }
            builder = builder.ssh(ssh);
        }
        builder
    }

    /// The transport, with default timeouts and pool settings.
    ///
    /// ```no_run
    /// # use contajners_transport::resolve::{self, Env};
    /// let t = resolve::docker(None, &Env::process())?.transport()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transport(&self) -> Result<Transport, crate::Error> {
        self.transport_builder().build()
    }
}

/// Resolution failed: every source tried, and why none gave an endpoint.
///
/// ```
/// use contajners_transport::resolve::{self, Env};
/// let env = Env::empty().var("HOME", "/nonexistent").var("DOCKER_CONTEXT", "prod");
/// let err = resolve::docker(None, &env).unwrap_err();
/// assert!(err.to_string().contains("DOCKER_HOST: not set"), "{err}");
/// assert!(err.to_string().contains("`prod`"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// What resolution was for, e.g. "the Docker endpoint".
    pub(crate) what: &'static str,
    pub(crate) tried: Vec<Tried>,
}

impl ResolveError {
    /// Every source tried, in order, with why it did not apply.
    ///
    /// ```
    /// # use contajners_transport::resolve::{self, Env};
    /// # let err = resolve::docker(None, &Env::empty().var("DOCKER_CONTEXT", "x").var("HOME", "/nonexistent")).unwrap_err();
    /// for tried in err.tried() {
    ///     eprintln!("{tried}");
    /// }
    /// ```
    pub fn tried(&self) -> &[Tried] {
        &self.tried
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}; tried, in order:", self.what)?;
        for tried in &self.tried {
            write!(f, "\n  - {tried}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ResolveError {}

/// Either engine, as a tool that speaks to both would look: the Docker
/// sources (`DOCKER_HOST`, `DOCKER_CONTEXT`, `currentContext`), then
/// `CONTAINER_HOST`, then whichever default socket exists (Docker's first).
/// Fails, listing every source, when none applies.
///
/// ```no_run
/// use contajners_transport::resolve::{self, Env};
/// let found = resolve::any(None, &Env::process())?;
/// println!("{} by {} conventions", found.uri, found.convention);
/// # Ok::<(), contajners_transport::resolve::ResolveError>(())
/// ```
pub fn any(explicit: Option<&str>, env: &Env) -> Result<Resolved, ResolveError> {
    let mut tried = Vec::new();
    if let Some(found) = docker::configured(explicit, env, &mut tried)? {
        return Ok(found);
    }
    if let Some(found) = podman::configured(env, &mut tried) {
        return Ok(found);
    }
    for (found, convention) in [
        (Some(docker::default(env)), Convention::Docker),
        (podman::default(env, &mut tried), Convention::Podman),
    ] {
        let Some(mut found) = found else { continue };
        let path = found.uri.trim_start_matches("unix://").to_string();
        if std::path::Path::new(&path).exists() {
            found.tried = tried;
            return Ok(found);
        }
        tried.push(Tried::new(
            format!("the {convention} default socket"),
            format!("{path} does not exist"),
        ));
    }
    Err(ResolveError {
        what: "a Docker or Podman endpoint",
        tried,
    })
}

impl Tried {
    pub(crate) fn new(source: impl Into<String>, outcome: impl Into<String>) -> Tried {
        Tried {
            source: source.into(),
            outcome: outcome.into(),
        }
    }
}
