//! Where the real engines of `cargo xtask engines up` listen.

use std::path::{Path, PathBuf};

/// The Docker unix socket of the test engines: `CONTAJNERS_TEST_DOCKER_URI`,
/// else the env file `.engines/env` that `cargo xtask engines up` writes;
/// `None` (with a note on stderr) when neither names one.
///
/// ```no_run
/// if let Some(sock) = contajners_benches::docker_socket() {
///     println!("{}", sock.display());
/// }
/// ```
pub fn docker_socket() -> Option<PathBuf> {
    let uri = std::env::var("CONTAJNERS_TEST_DOCKER_URI")
        .ok()
        .or_else(|| from_env_file("CONTAJNERS_TEST_DOCKER_URI"));
    let Some(uri) = uri else {
        eprintln!(
            "note: no real engines (CONTAJNERS_TEST_DOCKER_URI unset, no {}): run `cargo xtask engines up`",
            env_file().display()
        );
        return None;
    };
    match uri.strip_prefix("unix://") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            eprintln!(
                "note: the Docker test URI {uri} is not unix://; real-engine benches skipped"
            );
            None
        }
    }
}

fn env_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(".engines")
        .join("env")
}

/// The value of `export NAME='value'` in the env file.
fn from_env_file(name: &str) -> Option<String> {
    let text = std::fs::read_to_string(env_file()).ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix("export ")?.strip_prefix(name)?;
        let value = rest.strip_prefix('=')?;
        Some(value.trim_matches('\'').to_string())
    })
}
