//! The variables the tests read (see tests/src/lib.rs), and their env file.

use std::path::Path;

/// Where the running engines listen and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vars {
    pub(crate) docker_uri: String,
    pub(crate) docker_tls_uri: String,
    pub(crate) tls_ca: String,
    pub(crate) tls_cert: String,
    pub(crate) tls_key: String,
    pub(crate) podman_uri: String,
    pub(crate) podman_tcp_uri: String,
    pub(crate) registry: String,
    pub(crate) registry_user: String,
    pub(crate) registry_password: String,
    pub(crate) image: String,
}

impl Vars {
    /// `(name, value)` pairs, in the order of the env file.
    pub(crate) fn pairs(&self) -> [(&'static str, &str); 11] {
        [
            ("CONTAJNERS_TEST_DOCKER_URI", &self.docker_uri),
            ("CONTAJNERS_TEST_DOCKER_TLS_URI", &self.docker_tls_uri),
            ("CONTAJNERS_TEST_DOCKER_TLS_CA", &self.tls_ca),
            ("CONTAJNERS_TEST_DOCKER_TLS_CERT", &self.tls_cert),
            ("CONTAJNERS_TEST_DOCKER_TLS_KEY", &self.tls_key),
            ("CONTAJNERS_TEST_PODMAN_URI", &self.podman_uri),
            ("CONTAJNERS_TEST_PODMAN_TCP_URI", &self.podman_tcp_uri),
            ("CONTAJNERS_TEST_REGISTRY", &self.registry),
            ("CONTAJNERS_TEST_REGISTRY_USER", &self.registry_user),
            ("CONTAJNERS_TEST_REGISTRY_PASSWORD", &self.registry_password),
            ("CONTAJNERS_TEST_IMAGE", &self.image),
        ]
    }

    /// `export NAME='value'` lines, for `eval` in a shell.
    pub(crate) fn to_exports(&self) -> String {
        self.pairs()
            .iter()
            .map(|(name, value)| format!("export {name}={}\n", shell_quote(value)))
            .collect()
    }

    pub(crate) fn write(&self, path: &Path) -> Result<(), String> {
        super::layout::write(path, self.to_exports())
    }

    /// Reads the variables from the env file written by [`Vars::write`].
    pub(crate) fn read(path: &Path) -> Result<Vars, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Vars::parse(&text).map_err(|why| format!("{}: {why}", path.display()))
    }

    /// The variables from the process environment, when all are set.
    pub(crate) fn from_process_env() -> Option<Vars> {
        let text: String = NAMES
            .iter()
            .map(|name| std::env::var(name).map(|v| format!("export {name}={}\n", shell_quote(&v))))
            .collect::<Result<_, _>>()
            .ok()?;
        Vars::parse(&text).ok()
    }

    fn parse(text: &str) -> Result<Vars, String> {
        let mut values = std::collections::HashMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let line = line.trim().trim_start_matches("export ");
            let (name, value) = line
                .split_once('=')
                .ok_or_else(|| format!("line `{line}` is not NAME='value'"))?;
            values.insert(name.to_string(), shell_unquote(value));
        }
        let mut take = |name: &str| {
            values
                .remove(name)
                .ok_or_else(|| format!("{name} is missing"))
        };
        Ok(Vars {
            docker_uri: take(NAMES[0])?,
            docker_tls_uri: take(NAMES[1])?,
            tls_ca: take(NAMES[2])?,
            tls_cert: take(NAMES[3])?,
            tls_key: take(NAMES[4])?,
            podman_uri: take(NAMES[5])?,
            podman_tcp_uri: take(NAMES[6])?,
            registry: take(NAMES[7])?,
            registry_user: take(NAMES[8])?,
            registry_password: take(NAMES[9])?,
            image: take(NAMES[10])?,
        })
    }
}

const NAMES: [&str; 11] = [
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

/// Single-quotes for a POSIX shell; a `'` inside becomes `'\''`.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn shell_unquote(value: &str) -> String {
    let value = value.trim();
    match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(inner) => inner.replace(r"'\''", "'"),
        None => value.trim_matches('"').to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vars {
        Vars {
            docker_uri: "unix:///w/.engines/docker.sock".into(),
            docker_tls_uri: "https://127.0.0.1:1".into(),
            tls_ca: "/w/ca.pem".into(),
            tls_cert: "/w/cert.pem".into(),
            tls_key: "/w/key.pem".into(),
            podman_uri: "unix:///w/.engines/podman.sock".into(),
            podman_tcp_uri: "tcp://127.0.0.1:2".into(),
            registry: "127.0.0.1:3".into(),
            registry_user: "user".into(),
            registry_password: "it's".into(),
            image: "busybox:musl".into(),
        }
    }

    #[test]
    fn exports_round_trip_with_quotes() {
        let vars = sample();
        let text = vars.to_exports();
        assert!(text.contains("export CONTAJNERS_TEST_REGISTRY_PASSWORD='it'\\''s'\n"));
        assert_eq!(Vars::parse(&text).unwrap(), vars);
    }

    #[test]
    fn a_missing_variable_is_named() {
        let text: String = sample()
            .to_exports()
            .lines()
            .filter(|l| !l.contains("_IMAGE="))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = Vars::parse(&text).unwrap_err();
        assert!(err.contains("CONTAJNERS_TEST_IMAGE"), "{err}");
    }
}
