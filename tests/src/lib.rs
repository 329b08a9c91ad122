//! Helpers for tests that run against the real engines started by
//! `cargo xtask engines up`.
//!
//! A test asks for the engines with [`engines`]. When they are not running,
//! the test says on stderr that it skipped and why, and returns; with
//! `CONTAJNERS_REQUIRE_ENGINES=1` (set by `cargo xtask test` and CI) a missing
//! engine is a failure instead, so CI can never pass by skipping.

pub mod seed;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the real test engines listen, and how to reach them.
///
/// Read from the `CONTAJNERS_TEST_*` variables, or from the env file that
/// `cargo xtask engines up` writes when the variables are not set.
#[derive(Debug, Clone)]
pub struct Engines {
    /// `unix://…` socket of the test dockerd.
    pub docker_uri: String,
    /// `https://127.0.0.1:<port>` of the test dockerd (mutual TLS).
    pub docker_tls_uri: String,
    /// CA certificate (PEM file) that signed the dockerd and client certificates.
    pub tls_ca: PathBuf,
    /// Client certificate (PEM file) for mutual TLS.
    pub tls_cert: PathBuf,
    /// Client key (PEM file) for mutual TLS.
    pub tls_key: PathBuf,
    /// `unix://…` socket of the test podman service.
    pub podman_uri: String,
    /// `tcp://127.0.0.1:<port>` of the test podman service.
    pub podman_tcp_uri: String,
    /// `127.0.0.1:<port>` of the local registry (basic auth).
    pub registry: String,
    /// Registry user name.
    pub registry_user: String,
    /// Registry password.
    pub registry_password: String,
    /// The test image present in both engines, e.g. `busybox:musl`.
    pub image: String,
    /// The test sshd, when the engines were started with one (env files of
    /// older runs have none).
    pub ssh: Option<SshServer>,
}

/// The OpenSSH server of the test engines: `ssh://` reaches the test
/// dockerd (`docker system dial-stdio`) and podman through it.
#[derive(Debug, Clone)]
pub struct SshServer {
    /// `ssh://root@127.0.0.1:<port>`.
    pub uri: String,
    /// The client's private key, authorized for root on that server.
    pub key: PathBuf,
    /// A known hosts file holding the server's host key.
    pub known_hosts: PathBuf,
}

/// Optional variables: read when present, never required.
const SSH_VARS: [&str; 3] = [
    "CONTAJNERS_TEST_SSH_URI",
    "CONTAJNERS_TEST_SSH_KEY",
    "CONTAJNERS_TEST_SSH_KNOWN_HOSTS",
];

const VARS: [&str; 11] = [
    "CONTAJNERS_TEST_DOCKER_URI",
    "CONTAJNERS_TEST_DOCKER_TLS_URI",
    "CONTAJNERS_TEST_DOCKER_TLS_CA",
    "CONTAJNERS_TEST_DOCKER_TLS_CERT",
    "CONTAJNERS_TEST_DOCKER_TLS_KEY",
    "CONTAJNERS_TEST_PODMAN_URI",
    "CONTAJNERS_TEST_PODMAN_TCP_URI",
    "CONTAJNERS_TEST_REGISTRY",
    "CONTAJNERS_TEST_REGISTRY_USER",
    "CONTAJNERS_TEST_REGISTRY_PASSWORD",
    "CONTAJNERS_TEST_IMAGE",
];

/// The env file written by `cargo xtask engines up`.
pub fn env_file() -> PathBuf {
    workspace_root().join(".engines").join("env")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// True when `CONTAJNERS_REQUIRE_ENGINES=1`: a missing engine fails the test.
pub fn engines_required() -> bool {
    std::env::var("CONTAJNERS_REQUIRE_ENGINES").is_ok_and(|v| v == "1")
}

/// The running test engines, or `None` (after a note on stderr) when they are
/// not running and not required.
///
/// # Panics
/// When `CONTAJNERS_REQUIRE_ENGINES=1` and the engines are not configured:
/// in CI a missing engine is a failure, never a skip.
pub fn engines(test: &str) -> Option<Engines> {
    match read_engines() {
        Ok(engines) => Some(engines),
        Err(why) if engines_required() => {
            panic!("{test}: the test engines are required (CONTAJNERS_REQUIRE_ENGINES=1) but {why}")
        }
        Err(why) => {
            eprintln!("skipped {test}: {why}; run `cargo xtask engines up` or `cargo xtask test`");
            None
        }
    }
}

fn read_engines() -> Result<Engines, String> {
    let mut values: HashMap<String, String> = VARS
        .iter()
        .chain(SSH_VARS.iter())
        .filter_map(|name| std::env::var(name).ok().map(|v| (name.to_string(), v)))
        .collect();
    if values.len() < VARS.len() + SSH_VARS.len() {
        let file = env_file();
        if let Ok(text) = std::fs::read_to_string(&file) {
            for line in text.lines() {
                let line = line.trim().trim_start_matches("export ");
                if let Some((name, value)) = line.split_once('=') {
                    let value = value.trim_matches(|c| c == '\'' || c == '"');
                    values
                        .entry(name.to_string())
                        .or_insert_with(|| value.to_string());
                }
            }
        }
    }
    let missing: Vec<&str> = VARS
        .iter()
        .copied()
        .filter(|name| !values.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} not set (nor in {})",
            missing.join(", "),
            env_file().display()
        ));
    }
    let ssh = match SSH_VARS.map(|name| values.remove(name)) {
        [Some(uri), Some(key), Some(known_hosts)] => Some(SshServer {
            uri,
            key: key.into(),
            known_hosts: known_hosts.into(),
        }),
        _ => None,
    };
    let mut take = |name: &str| values.remove(name).unwrap_or_default();
    Ok(Engines {
        ssh,
        docker_uri: take("CONTAJNERS_TEST_DOCKER_URI"),
        docker_tls_uri: take("CONTAJNERS_TEST_DOCKER_TLS_URI"),
        tls_ca: take("CONTAJNERS_TEST_DOCKER_TLS_CA").into(),
        tls_cert: take("CONTAJNERS_TEST_DOCKER_TLS_CERT").into(),
        tls_key: take("CONTAJNERS_TEST_DOCKER_TLS_KEY").into(),
        podman_uri: take("CONTAJNERS_TEST_PODMAN_URI"),
        podman_tcp_uri: take("CONTAJNERS_TEST_PODMAN_TCP_URI"),
        registry: take("CONTAJNERS_TEST_REGISTRY"),
        registry_user: take("CONTAJNERS_TEST_REGISTRY_USER"),
        registry_password: take("CONTAJNERS_TEST_REGISTRY_PASSWORD"),
        image: take("CONTAJNERS_TEST_IMAGE"),
    })
}
