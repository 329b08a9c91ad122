//! Which engine to talk to, how, and in which API version.
//!
//! [`resolve_host`] decides where and how to connect with the library's
//! resolution, the docker and podman CLIs' rules (`--host`, `DOCKER_HOST`,
//! `DOCKER_CONTEXT`, the current Docker context, `CONTAINER_HOST`, the
//! default sockets), so the command and the library always agree.

use std::sync::Arc;

use contajners::resolve::{self, Convention, Env, ResolveError, Resolved};
use contajners::spec::{self, Engine, Spec};
use contajners::transport::Timeouts;
use contajners::{Tls, Transport};

use crate::args::Global;
use crate::error::CliError;

/// Where the engine is and how to reach it (or why that could not be
/// decided), and what the address says about which engine it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) found: Result<Resolved, ResolveError>,
    pub(crate) engine_hint: Option<Engine>,
}

/// The library's resolution for `--host` and `--engine`, with the
/// variables read through `env`: Docker's rules for `--engine docker`,
/// Podman's for `--engine podman`, both (Docker's first) otherwise.
pub(crate) fn resolve_host(
    flag: Option<&str>,
    engine: Option<Engine>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Target {
    resolve_in(flag, engine, &Env::from_lookup(env))
}

fn resolve_in(flag: Option<&str>, engine: Option<Engine>, env: &Env) -> Target {
    let found = match engine {
        Some(Engine::Podman) => resolve::podman(flag, env),
        Some(_) => resolve::docker(flag, env),
        None => resolve::any(flag, env),
    };
    // A `--host` says nothing about the engine; CONTAINER_HOST and Podman's
    // socket do.
    let engine_hint = engine.or(match &found {
        Ok(found) if found.origin != resolve::Origin::Explicit => match found.convention {
            Convention::Podman => Some(Engine::Podman),
            _ => None,
        },
        _ => None,
    });
    Target { found, engine_hint }
}

/// The transport to the engine: TLS from the flags when any is given,
/// otherwise from the resolution (`DOCKER_TLS_VERIFY` and
/// `DOCKER_CERT_PATH`, or the context's); timeouts from the flags.
pub(crate) fn transport(global: &Global, target: &Target) -> Result<Transport, CliError> {
    let found = target
        .found
        .as_ref()
        .map_err(|err| CliError::usage(format!("{err}\nGive the engine's address with --host.")))?;
    let mut builder = found.transport_builder();
    if let Some(tls) = tls_flags(global) {
        builder = builder.tls(tls);
    }
    let timeouts = Timeouts::new()
        .connect(global.connect_timeout)
        .read(global.read_timeout)
        .write(global.write_timeout)
        .call(global.call_timeout);
    builder
        .timeouts(timeouts)
        .build()
        .map_err(|err| CliError::from(contajners::Error::from(err)))
}

fn tls_flags(global: &Global) -> Option<Tls> {
    let given = global.tls_ca.is_some() || global.tls_cert.is_some() || global.tls_key.is_some();
    if !given {
        return None;
    }
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
    Some(tls)
}

/// The spec to speak: `--engine` and `--api-version` when both are given
/// (no round trip), or `DOCKER_API_VERSION` for Docker; otherwise the
/// library's negotiation at `/_ping` (Podman answers with
/// `Libpod-API-Version`), the best bundled version not above the engine's.
pub(crate) async fn negotiate(
    global: &Global,
    target: &Target,
    transport: &Transport,
) -> Result<Arc<Spec>, CliError> {
    let flag_engine: Option<Engine> = global.engine.map(Into::into);
    let load = |engine: Engine, version: &str| {
        spec::load(engine, version).map_err(|err| CliError::usage(err.to_string()))
    };
    if let (Some(engine), Some(version)) = (flag_engine, &global.api_version) {
        return load(engine, version);
    }
    let engine = flag_engine.or(target.engine_hint);
    let pinned = target.found.as_ref().ok().and_then(|f| match f.convention {
        Convention::Docker => f.api_version.as_deref(),
        _ => None,
    });
    if let (None, Some(version), None | Some(Engine::Docker)) =
        (&global.api_version, pinned, engine)
    {
        return load(Engine::Docker, version);
    }
    let negotiated = contajners::negotiate(transport, engine).await?;
    match &global.api_version {
        Some(version) => load(negotiated.engine(), version),
        None => Ok(negotiated.spec().clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(target: &Target) -> &str {
        target.found.as_ref().map_or("", |found| found.uri.as_str())
    }

    #[test]
    fn the_flag_then_docker_host_then_container_host() {
        let env = Env::empty()
            .var("DOCKER_HOST", "tcp://127.0.0.1:2375")
            .var("CONTAINER_HOST", "unix:///run/p.sock");
        assert_eq!(
            uri(&resolve_in(Some("unix:///x.sock"), None, &env)),
            "unix:///x.sock"
        );
        assert_eq!(uri(&resolve_in(None, None, &env)), "tcp://127.0.0.1:2375");
        let env = Env::empty()
            .var("DOCKER_HOST", "")
            .var("CONTAINER_HOST", "unix:///run/p.sock");
        let target = resolve_in(None, None, &env);
        assert_eq!(uri(&target), "unix:///run/p.sock");
        assert_eq!(target.engine_hint, Some(Engine::Podman));
    }

    #[test]
    fn docker_tls_verify_turns_tls_on() {
        let env = Env::empty()
            .var("DOCKER_HOST", "tcp://127.0.0.1:2376")
            .var("DOCKER_TLS_VERIFY", "1")
            .var("DOCKER_CERT_PATH", "/certs");
        let target = resolve_host(None, None, &|name| env.get(name).map(str::to_string));
        let tls = target.found.ok().and_then(|f| f.tls);
        assert!(tls.is_some_and(|t| t.verify && t.ca.is_some()));
    }

    #[test]
    fn the_default_socket_follows_the_engine() {
        let env = Env::empty().root(true);
        assert_eq!(
            uri(&resolve_in(None, Some(Engine::Podman), &env)),
            "unix:///run/podman/podman.sock"
        );
        assert_eq!(
            uri(&resolve_in(None, Some(Engine::Docker), &env)),
            "unix:///var/run/docker.sock"
        );
    }

    #[test]
    fn a_missing_context_is_an_error_naming_the_sources() {
        let home = std::env::temp_dir().join("contajners-cli-no-home");
        let env = Env::empty()
            .var("HOME", home.display().to_string())
            .var("DOCKER_CONTEXT", "nowhere");
        let target = resolve_in(None, Some(Engine::Docker), &env);
        let err = target
            .found
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("DOCKER_HOST: not set") && err.contains("`nowhere`"),
            "{err}"
        );
    }
}
