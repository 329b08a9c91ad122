//! Which engine to talk to, how, and in which API version.
//!
//! [`resolve_host`] is the one place that decides the URI when `--host` is
//! not given; it is meant to be replaced by the library's own resolution
//! (the Docker/Podman CLI rules) once the library has one.

use std::path::Path;
use std::sync::Arc;

use contajners::http::Method;
use contajners::spec::{self, Engine, Spec};
use contajners::{Request, Tls, Transport};

use crate::args::Global;
use crate::error::CliError;

/// Where the engine is, and what the address says about which engine it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) uri: String,
    pub(crate) engine_hint: Option<Engine>,
}

/// `--host`, else `DOCKER_HOST`, else `CONTAINER_HOST` (Podman's), else the
/// engine's default socket (Podman's rootless socket for a non-root user
/// when it exists).
pub(crate) fn resolve_host(
    flag: Option<&str>,
    engine: Option<Engine>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Target {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(uri) = flag {
        return Target {
            uri: uri.to_string(),
            engine_hint: None,
        };
    }
    if let Some(uri) = set("DOCKER_HOST") {
        // Docker's own rule: DOCKER_TLS_VERIFY makes tcp:// a TLS address.
        let uri = match (set("DOCKER_TLS_VERIFY"), uri.strip_prefix("tcp://")) {
            (Some(_), Some(rest)) => format!("https://{rest}"),
            _ => uri,
        };
        return Target {
            uri,
            engine_hint: None,
        };
    }
    if let Some(uri) = set("CONTAINER_HOST") {
        return Target {
            uri,
            engine_hint: Some(Engine::Podman),
        };
    }
    let rootless = set("XDG_RUNTIME_DIR")
        .map(|dir| format!("{dir}/podman/podman.sock"))
        .filter(|path| Path::new(path).exists());
    let podman = rootless.unwrap_or_else(|| "/run/podman/podman.sock".to_string());
    let docker = "/var/run/docker.sock";
    let path = match engine {
        Some(Engine::Podman) => podman,
        Some(_) => docker.to_string(),
        None if !Path::new(docker).exists() && Path::new(&podman).exists() => podman,
        None => docker.to_string(),
    };
    Target {
        uri: format!("unix://{path}"),
        engine_hint: engine,
    }
}

/// The transport to the engine, with TLS and timeouts from the flags (TLS
/// material from `DOCKER_CERT_PATH` when no TLS flag is given and the URI is
/// `https://`).
pub(crate) fn transport(global: &Global, target: &Target) -> Result<Transport, CliError> {
    let mut builder = Transport::builder(target.uri.clone());
    if let Some(tls) = tls(global, &target.uri) {
        builder = builder.tls(tls);
    }
    if let Some(t) = global.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = global.read_timeout {
        builder = builder.read_timeout(t);
    }
    if let Some(t) = global.write_timeout {
        builder = builder.write_timeout(t);
    }
    if let Some(t) = global.call_timeout {
        builder = builder.call_timeout(t);
    }
    builder
        .build()
        .map_err(|err| CliError::from(contajners::Error::from(err)))
}

fn tls(global: &Global, uri: &str) -> Option<Tls> {
    let given = global.tls_ca.is_some() || global.tls_cert.is_some() || global.tls_key.is_some();
    if given {
        let mut tls = Tls::new();
        if let Some(ca) = &global.tls_ca {
            tls = tls.ca_file(ca);
        }
        if let Some(cert) = &global.tls_cert {
            tls = tls.client_cert_file(cert);
        }
        if let Some(key) = &global.tls_key {
            tls = tls.client_key_file(key);
        }
        return Some(tls);
    }
    let dir = std::env::var_os("DOCKER_CERT_PATH").filter(|d| !d.is_empty())?;
    if !uri.starts_with("https://") {
        return None;
    }
    let dir = Path::new(&dir);
    Some(
        Tls::new()
            .ca_file(dir.join("ca.pem"))
            .client_cert_file(dir.join("cert.pem"))
            .client_key_file(dir.join("key.pem")),
    )
}

/// The spec to speak: `--engine` and `--api-version` when both are given
/// (no round trip); otherwise the engine and its version from `/_ping`
/// (Podman answers with `Libpod-API-Version`), matched to the best bundled.
pub(crate) async fn negotiate(
    global: &Global,
    target: &Target,
    transport: &Transport,
) -> Result<Arc<Spec>, CliError> {
    let flag_engine: Option<Engine> = global.engine.map(Into::into);
    if let (Some(engine), Some(version)) = (flag_engine, &global.api_version) {
        return spec::load(engine, version).map_err(|err| CliError::usage(err.to_string()));
    }
    let ping = transport
        .fetch(Request::new(Method::GET, "/_ping").throw_exceptions(true))
        .await
        .map_err(|err| CliError::from(contajners::Error::from(err)))?;
    let header = |name: &str| {
        ping.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let libpod = header("Libpod-API-Version");
    let engine = flag_engine
        .or(target.engine_hint)
        .unwrap_or(if libpod.is_some() {
            Engine::Podman
        } else {
            Engine::Docker
        });
    if let Some(version) = &global.api_version {
        return spec::load(engine, version).map_err(|err| CliError::usage(err.to_string()));
    }
    let server = match engine {
        Engine::Podman => libpod,
        _ => header("API-Version"),
    };
    match server {
        Some(version) => spec::best_match(engine, &version)
            .map_err(|err| CliError::usage(format!("{err}; choose one with --api-version"))),
        None => {
            let newest = spec::versions(engine).last().map(|v| (*v).to_string());
            let newest = newest.ok_or_else(|| {
                CliError::usage(format!("no {engine} spec is bundled in this build"))
            })?;
            spec::load(engine, &newest).map_err(|err| CliError::usage(err.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_then_docker_host_then_container_host() {
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2375"),
            ("CONTAINER_HOST", "unix:///run/p.sock"),
        ]);
        assert_eq!(
            resolve_host(Some("unix:///x.sock"), None, &env).uri,
            "unix:///x.sock"
        );
        assert_eq!(resolve_host(None, None, &env).uri, "tcp://127.0.0.1:2375");
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
        ]);
        assert_eq!(resolve_host(None, None, &env).uri, "https://127.0.0.1:2376");
        let env = env_of(&[
            ("DOCKER_HOST", ""),
            ("CONTAINER_HOST", "unix:///run/p.sock"),
        ]);
        let target = resolve_host(None, None, &env);
        assert_eq!(target.uri, "unix:///run/p.sock");
        assert_eq!(target.engine_hint, Some(Engine::Podman));
    }

    #[test]
    fn the_default_socket_follows_the_engine() {
        let env = env_of(&[]);
        assert_eq!(
            resolve_host(None, Some(Engine::Podman), &env).uri,
            "unix:///run/podman/podman.sock"
        );
        assert_eq!(
            resolve_host(None, Some(Engine::Docker), &env).uri,
            "unix:///var/run/docker.sock"
        );
    }
}
