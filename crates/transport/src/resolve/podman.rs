//! The podman CLI's rules: explicit host > `CONTAINER_HOST` (with
//! `CONTAINER_SSHKEY` for ssh) > the default socket, rootful or rootless.
//! (containers/podman: pkg/domain/entities, cmd/podman/root.go)

use std::path::PathBuf;

use super::{Convention, Env, Origin, ResolveError, Resolved, Tried};

/// The rootful service's socket.
const ROOTFUL_URI: &str = "unix:///run/podman/podman.sock";

/// The Podman endpoint, as the podman CLI would find it.
///
/// # Errors
/// Not root and `XDG_RUNTIME_DIR` unset, with nothing else given: there is
/// no default socket to use. The error lists every source tried.
///
/// ```
/// use contajners_transport::resolve::{self, Env, Origin};
/// let found = resolve::podman(None, &Env::empty().root(true))?;
/// assert_eq!(found.uri, "unix:///run/podman/podman.sock");
/// let rootless = Env::empty().var("XDG_RUNTIME_DIR", "/run/user/1000");
/// assert_eq!(resolve::podman(None, &rootless)?.uri, "unix:///run/user/1000/podman/podman.sock");
/// # Ok::<(), contajners_transport::resolve::ResolveError>(())
/// ```
pub fn podman(explicit: Option<&str>, env: &Env) -> Result<Resolved, ResolveError> {
    let mut tried = Vec::new();
    match explicit.filter(|h| !h.trim().is_empty()) {
        Some(host) => {
            let mut found = resolved(host.to_string(), Origin::Explicit, env);
            tried.push(Tried::new("the explicit host", format!("used: {host}")));
            found.tried = tried;
            return Ok(found);
        }
        None => tried.push(Tried::new("the explicit host", "not given")),
    }
    if let Some(found) = configured(env, &mut tried) {
        return Ok(found);
    }
    match default(env, &mut tried) {
        Some(mut found) => {
            tried.push(Tried::new(
                "the default socket",
                format!("used: {}", found.uri),
            ));
            found.tried = tried;
            Ok(found)
        }
        None => Err(ResolveError {
            what: "the Podman endpoint",
            tried,
        }),
    }
}

/// `CONTAINER_HOST`, when set.
pub(crate) fn configured(env: &Env, tried: &mut Vec<Tried>) -> Option<Resolved> {
    match env.get("CONTAINER_HOST") {
        Some(host) => {
            let mut found = resolved(host.to_string(), Origin::ContainerHost, env);
            tried.push(Tried::new("CONTAINER_HOST", format!("used: {host}")));
            found.tried = std::mem::take(tried);
            Some(found)
        }
        None => {
            tried.push(Tried::new("CONTAINER_HOST", "not set"));
            None
        }
    }
}

/// The rootful socket for root, the rootless one under `XDG_RUNTIME_DIR`
/// otherwise; `None` (and why, in `tried`) when there is none.
pub(crate) fn default(env: &Env, tried: &mut Vec<Tried>) -> Option<Resolved> {
    if env.is_root() {
        return Some(resolved(ROOTFUL_URI.to_string(), Origin::Default, env));
    }
    match env.get("XDG_RUNTIME_DIR") {
        Some(dir) => {
            let path = PathBuf::from(dir).join("podman").join("podman.sock");
            let uri = format!("unix://{}", path.display());
            Some(resolved(uri, Origin::Default, env))
        }
        None => {
            tried.push(Tried::new(
                "the podman default socket",
                "not root, and XDG_RUNTIME_DIR (where the rootless socket lives) is not set",
            ));
            None
        }
    }
}

fn resolved(uri: String, origin: Origin, env: &Env) -> Resolved {
    Resolved {
        uri,
        origin,
        convention: Convention::Podman,
        tls: None,
        ssh_identity: env.get("CONTAINER_SSHKEY").map(PathBuf::from),
        api_version: None,
        tried: Vec::new(),
    }
}
