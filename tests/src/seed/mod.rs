//! What the seed walkthroughs (`tests/tests/seed_docker.rs`,
//! `tests/tests/seed_podman.rs`) share, so that each test file reads as the
//! seed's own steps: clients for the test engines, unique names, registry
//! auth, a container that is always removed ([`Container`]), the first log
//! lines of a stream, and a folder as a chunked tar.

mod container;

use std::time::Duration;

use bytes::Bytes;
use contajners::codec::{payloads, reader_stream, Demux, Frame, Lines, StreamKind};
use contajners::{Client, Engine, Error, Output, RegistryAuth, Streamed, Upgraded};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::Engines;

pub use container::{Container, ContainerOps, DOCKER, LIBPOD, PODMAN_COMPAT};

/// The result of a seed test body: any error fails the test with its text.
pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The API version the seed tests speak to the test dockerd.
pub const DOCKER_VERSION: &str = "v1.41";
/// The API version the seed tests speak to the test Podman service.
pub const PODMAN_VERSION: &str = "v4.3.1";

/// The seed's counting loop: prints 1, 2, 3, … one a second, forever.
pub const COUNTING: &str = "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done";

/// `name` with the test run's pid, so that runs never collide.
///
/// ```
/// let name = contajners_tests::seed::unique("conny");
/// assert_eq!(name, format!("conny-{}", std::process::id()));
/// ```
pub fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

/// A client of `engine` for `category`, on the test engine's unix socket,
/// at the seed tests' API version.
///
/// # Panics
/// When the client cannot be built (a broken test setup, not a finding).
pub fn client(e: &Engines, engine: Engine, category: &str) -> Client {
    let (version, uri) = match engine {
        Engine::Podman => (PODMAN_VERSION, &e.podman_uri),
        _ => (DOCKER_VERSION, &e.docker_uri),
    };
    Client::builder(engine, version)
        .category(category)
        .uri(uri.clone())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|err| panic!("a {engine} client for {category}: {err}"))
}

/// The local registry's credentials, for `X-Registry-Auth`.
pub fn registry_auth(e: &Engines) -> RegistryAuth {
    RegistryAuth::new(&e.registry_user, &e.registry_password, &e.registry)
}

/// The registry's user with a wrong password: the engine must refuse it.
pub fn wrong_registry_auth(e: &Engines) -> RegistryAuth {
    RegistryAuth::new(&e.registry_user, "not-the-password", &e.registry)
}

/// Every value of a progress stream (a pull), or the error that refused it
/// before it began or ended it in-band.
///
/// # Errors
/// The engine's refusal (before the stream, or in it), or no answer.
pub async fn progress(answer: Result<Output, Error>) -> Result<Vec<Value>, Error> {
    answer?.into_stream()?.json().try_collect().await
}

/// Writes `input` to an attached container's stdin, half-closes it, and
/// reads the demultiplexed output to its end (20 seconds at most): what
/// came on stdout and what came on stderr, as text.
///
/// # Errors
/// A write, a read or a frame that failed, or the timeout.
pub async fn exchange(
    socket: Upgraded,
    input: &[u8],
) -> Result<(String, String), Box<dyn std::error::Error + Send + Sync>> {
    let (read, mut write) = tokio::io::split(socket);
    write.write_all(input).await?;
    write.shutdown().await?;
    let frames = Demux::new(reader_stream(read));
    let frames: Vec<Frame> = tokio::time::timeout(Duration::from_secs(20), frames.try_collect())
        .await
        .map_err(|_| "the attached output did not end within 20 s")??;
    let text = |kind: StreamKind| -> String {
        frames
            .iter()
            .filter(|f| f.stream == kind)
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .collect()
    };
    Ok((text(StreamKind::Stdout), text(StreamKind::Stderr)))
}

/// The first `n` lines of a container's stdout from a logs stream, or an
/// error when they do not come within 20 seconds.
///
/// # Errors
/// The stream's error, or the timeout.
pub async fn first_lines(
    logs: Streamed,
    n: usize,
) -> Result<Vec<Bytes>, Box<dyn std::error::Error + Send + Sync>> {
    let stdout = payloads(logs.output(), |kind| kind == StreamKind::Stdout);
    let lines = tokio::time::timeout(
        Duration::from_secs(20),
        Lines::new(stdout).take(n).try_collect(),
    )
    .await
    .map_err(|_| format!("no {n} log lines within 20 s"))??;
    Ok(lines)
}

/// A tar of a folder `src` holding `main.rs` and `lib.rs`
/// (`pub fn conny() {}\n`), in chunks of 512 bytes: sent as a stream,
/// never whole.
///
/// # Errors
/// When the temporary folder or the tar cannot be written.
///
/// ```
/// let chunks = contajners_tests::seed::folder_tar()?;
/// assert!(chunks.len() > 1 && chunks.iter().all(|c| c.len() <= 512));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn folder_tar() -> Result<Vec<Bytes>, std::io::Error> {
    let dir = tempfile::tempdir()?;
    let src = dir.path().join("src");
    std::fs::create_dir(&src)?;
    std::fs::write(src.join("main.rs"), "fn main() {}\n")?;
    std::fs::write(src.join("lib.rs"), "pub fn conny() {}\n")?;
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all("src", &src)?;
    let tar = builder.into_inner()?;
    Ok(tar.chunks(512).map(Bytes::copy_from_slice).collect())
}

/// The content of the first file in `tar`, or `None` when it holds none.
///
/// ```
/// let mut builder = tar::Builder::new(Vec::new());
/// let mut header = tar::Header::new_gnu();
/// header.set_size(5);
/// header.set_cksum();
/// builder.append_data(&mut header, "out", &b"hello"[..])?;
/// let tar = builder.into_inner()?;
/// assert_eq!(contajners_tests::seed::first_file(&tar), Some(b"hello".to_vec()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn first_file(tar: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut archive = tar::Archive::new(tar);
    let mut entry = archive.entries().ok()?.next()?.ok()?;
    let mut content = Vec::new();
    entry.read_to_end(&mut content).ok()?;
    Some(content)
}
