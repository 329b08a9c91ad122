//! The docker CLI's rules, in order: an explicit host, `DOCKER_HOST`,
//! `DOCKER_CONTEXT`, `currentContext` in `config.json`, then
//! `unix:///var/run/docker.sock`; TLS from `DOCKER_TLS_VERIFY`, `DOCKER_TLS`
//! and `DOCKER_CERT_PATH`, or from the context store. (docker/cli:
//! cli/command/cli.go, cli/context/store, cli/flags/options.go)

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Convention, Env, Origin, ResolveError, Resolved, TlsFiles, Tried};

/// Where the Docker daemon listens unless told otherwise.
pub(crate) const DEFAULT_URI: &str = "unix:///var/run/docker.sock";

/// The Docker endpoint, as the docker CLI would find it. `explicit` is a
/// `--host`-like setting that wins over everything.
///
/// # Errors
/// A context named by `DOCKER_CONTEXT` or `currentContext` that is not in
/// the store, or whose metadata is unusable; the error lists every source
/// tried.
///
/// ```
/// use contajners_transport::resolve::{self, Env, Origin};
/// let env = Env::empty().var("DOCKER_HOST", "tcp://127.0.0.1:2375");
/// let found = resolve::docker(None, &env)?;
/// assert_eq!(found.uri, "tcp://127.0.0.1:2375");
/// assert_eq!(found.origin, Origin::DockerHost);
/// let found = resolve::docker(Some("unix:///x.sock"), &env)?;
/// assert_eq!(found.origin, Origin::Explicit);
/// # Ok::<(), contajners_transport::resolve::ResolveError>(())
/// ```
pub fn docker(explicit: Option<&str>, env: &Env) -> Result<Resolved, ResolveError> {
    let mut tried = Vec::new();
    if let Some(found) = configured(explicit, env, &mut tried)? {
        return Ok(found);
    }
    let mut found = default(env);
    tried.push(Tried::new(
        "the default socket",
        format!("used: {DEFAULT_URI}"),
    ));
    found.tried = tried;
    Ok(found)
}

/// The sources before the default, in order. `Ok(None)` when none is set.
pub(crate) fn configured(
    explicit: Option<&str>,
    env: &Env,
    tried: &mut Vec<Tried>,
) -> Result<Option<Resolved>, ResolveError> {
    let fail = |tried: &mut Vec<Tried>| ResolveError {
        what: "the Docker endpoint",
        tried: std::mem::take(tried),
    };
    match explicit.filter(|h| !h.trim().is_empty()) {
        Some(host) => {
            let found = resolved(host.to_string(), Origin::Explicit, env_tls(env), env);
            return Ok(Some(finish(found, tried, "the explicit host", host)));
        }
        None => tried.push(Tried::new("the explicit host", "not given")),
    }
    match env.get("DOCKER_HOST") {
        Some(host) => {
            let found = resolved(host.to_string(), Origin::DockerHost, env_tls(env), env);
            return Ok(Some(finish(found, tried, "DOCKER_HOST", host)));
        }
        None => tried.push(Tried::new("DOCKER_HOST", "not set")),
    }
    let dir = config_dir(env);
    match env.get("DOCKER_CONTEXT") {
        Some(name) => {
            return match context(name, dir.as_deref()) {
                Ok(Some((uri, tls))) => {
                    let origin = Origin::DockerContext(name.to_string());
                    let found = resolved(uri.clone(), origin, tls, env);
                    Ok(Some(finish(found, tried, "DOCKER_CONTEXT", &uri)))
                }
                // The `default` context is whatever the default is.
                Ok(None) => {
                    tried.push(Tried::new(
                        "DOCKER_CONTEXT",
                        "names the `default` context: the default socket",
                    ));
                    Ok(None)
                }
                Err(why) => {
                    tried.push(Tried::new("DOCKER_CONTEXT", why));
                    Err(fail(tried))
                }
            };
        }
        None => tried.push(Tried::new("DOCKER_CONTEXT", "not set")),
    }
    let Some(dir) = dir else {
        tried.push(Tried::new(
            "currentContext in config.json",
            "neither DOCKER_CONFIG nor HOME is set, so there is no config dir",
        ));
        return Ok(None);
    };
    let config = dir.join("config.json");
    let source = format!("currentContext in {}", config.display());
    let name = match read_current_context(&config) {
        Ok(Some(name)) => name,
        Ok(None) => {
            tried.push(Tried::new(source, "not set"));
            return Ok(None);
        }
        Err(why) => {
            // The docker CLI warns and goes on with the default; so do we,
            // and the reason stays in the list.
            tried.push(Tried::new(source, why));
            return Ok(None);
        }
    };
    match context(&name, Some(&dir)) {
        Ok(Some((uri, tls))) => {
            let origin = Origin::CurrentContext {
                name: name.clone(),
                config: config.clone(),
            };
            let found = resolved(uri.clone(), origin, tls, env);
            Ok(Some(finish(found, tried, &source, &uri)))
        }
        Ok(None) => {
            tried.push(Tried::new(
                source,
                "names the `default` context: the default socket",
            ));
            Ok(None)
        }
        Err(why) => {
            tried.push(Tried::new(source, why));
            Err(fail(tried))
        }
    }
}

/// The default socket (always available for Docker).
pub(crate) fn default(env: &Env) -> Resolved {
    resolved(DEFAULT_URI.to_string(), Origin::Default, env_tls(env), env)
}

fn resolved(uri: String, origin: Origin, tls: Option<TlsFiles>, env: &Env) -> Resolved {
    Resolved {
        uri,
        origin,
        convention: Convention::Docker,
        tls,
        ssh_identity: None,
        api_version: env.get("DOCKER_API_VERSION").map(str::to_string),
        tried: Vec::new(),
    }
}

fn finish(mut found: Resolved, tried: &mut Vec<Tried>, source: &str, uri: &str) -> Resolved {
    tried.push(Tried::new(source, format!("used: {uri}")));
    found.tried = std::mem::take(tried);
    found
}

/// `$DOCKER_CONFIG`, else `$HOME/.docker`.
fn config_dir(env: &Env) -> Option<PathBuf> {
    env.get("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|home| Path::new(home).join(".docker")))
}

/// TLS from the environment, as the docker CLI's `--tls`/`--tlsverify`
/// flags default: on when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is non-empty;
/// files from `DOCKER_CERT_PATH` (else the config dir); the CA only when
/// verifying; the client pair only when the files exist.
fn env_tls(env: &Env) -> Option<TlsFiles> {
    let verify = env.get("DOCKER_TLS_VERIFY").is_some();
    if !verify && env.get("DOCKER_TLS").is_none() {
        return None;
    }
    let (dir, source) = match env.get("DOCKER_CERT_PATH") {
        Some(dir) => (PathBuf::from(dir), format!("DOCKER_CERT_PATH={dir}")),
        None => {
            let dir = config_dir(env).unwrap_or_else(|| PathBuf::from(".docker"));
            let source = format!("the config dir {}", dir.display());
            (dir, source)
        }
    };
    let existing = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
    let variable = if verify {
        "DOCKER_TLS_VERIFY"
    } else {
        "DOCKER_TLS"
    };
    Some(TlsFiles {
        ca: verify.then(|| dir.join("ca.pem")),
        cert: existing("cert.pem"),
        key: existing("key.pem"),
        verify,
        source: format!("{variable}, files from {source}"),
    })
}

#[derive(Deserialize)]
struct Config {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

fn read_current_context(config: &Path) -> Result<Option<String>, String> {
    let text = match std::fs::read_to_string(config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("the file does not exist".to_string())
        }
        Err(e) => return Err(format!("cannot read it: {e}")),
    };
    let config: Config =
        serde_json::from_str(&text).map_err(|e| format!("it is not valid JSON: {e}"))?;
    Ok(config.current_context.filter(|n| !n.trim().is_empty()))
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "Endpoints", default)]
    endpoints: std::collections::HashMap<String, Endpoint>,
}

#[derive(Deserialize)]
struct Endpoint {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// The context's endpoint and TLS, `Ok(None)` for the `default` context, or
/// why it cannot be used.
fn context(name: &str, dir: Option<&Path>) -> Result<Option<(String, Option<TlsFiles>)>, String> {
    if name == "default" {
        return Ok(None);
    }
    let Some(dir) = dir else {
        return Err(format!(
            "context `{name}`: neither DOCKER_CONFIG nor HOME is set, so there is no context store"
        ));
    };
    let id = hex(&Sha256::digest(name.as_bytes()));
    let meta_file = dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = match std::fs::read_to_string(&meta_file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "context `{name}` is not in the store: no {}",
                meta_file.display()
            ))
        }
        Err(e) => {
            return Err(format!(
                "context `{name}`: cannot read {}: {e}",
                meta_file.display()
            ))
        }
    };
    let meta: Meta = serde_json::from_str(&text).map_err(|e| {
        format!(
            "context `{name}`: {} is not valid context metadata: {e}",
            meta_file.display()
        )
    })?;
    let Some(endpoint) = meta.endpoints.get("docker") else {
        return Err(format!(
            "context `{name}` has no docker endpoint in {}",
            meta_file.display()
        ));
    };
    let host = match endpoint.host.as_deref().filter(|h| !h.trim().is_empty()) {
        Some(host) => host.to_string(),
        // A context without a host means the default socket, as in the CLI.
        None => super::docker::DEFAULT_URI.to_string(),
    };
    let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
    let existing = |file: &str| Some(tls_dir.join(file)).filter(|p| p.exists());
    let (ca, cert, key) = (
        existing("ca.pem"),
        existing("cert.pem"),
        existing("key.pem"),
    );
    let has_files = ca.is_some() || cert.is_some() || key.is_some();
    let tls = (has_files || endpoint.skip_tls_verify).then(|| TlsFiles {
        ca: ca.filter(|_| !endpoint.skip_tls_verify),
        cert,
        key,
        verify: !endpoint.skip_tls_verify,
        source: format!("context `{name}` ({})", tls_dir.display()),
    });
    Ok(Some((host, tls)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
