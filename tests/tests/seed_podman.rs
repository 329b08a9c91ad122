//! Every example of the seed documents, live on the test Podman service
//! (API v4.3.1): through its libpod operations, and once through its
//! Docker-compatible ones.
//!
//! Names carry the test run's pid so runs never collide, and everything a
//! test creates is removed whether it passes or not.

use std::time::Duration;

use bytes::Bytes;
use contajners::codec::{payloads, reader_stream, Demux, Frame, Lines, StreamKind};
use contajners::{http, Client, Engine, Error, Invocation, RegistryAuth, Request};
use contajners_tests::Engines;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

const VERSION: &str = "v4.3.1";
const COUNTING: &str = "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done";

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

fn client(e: &Engines, category: &str) -> Client {
    Client::builder(Engine::Podman, VERSION)
        .category(category)
        .uri(e.podman_uri.clone())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|err| panic!("a podman client for {category}: {err}"))
}

/// A libpod SpecGenerator running `command`, network namespace none.
fn spec_generator(e: &Engines, name: &str, command: &str) -> Value {
    json!({
        "name": name,
        "image": e.image,
        "command": ["sh", "-c", command],
        "netns": {"nsmode": "none"}
    })
}

async fn create(containers: &Client, body: Value) -> Result<(), Error> {
    containers
        .invoke(
            Invocation::new("ContainerCreateLibpod")
                .data(body)
                .throw_exceptions(true),
        )
        .await
        .map(drop)
}

async fn start(containers: &Client, name: &str) -> Result<(), Error> {
    containers
        .invoke(
            Invocation::new("ContainerStartLibpod")
                .param("name", name)
                .throw_exceptions(true),
        )
        .await
        .map(drop)
}

/// Removes a container, whatever state it is in.
async fn remove(containers: &Client, name: &str) {
    let gone = containers
        .invoke(
            Invocation::new("ContainerDeleteLibpod")
                .param("name", name)
                .param("force", true)
                .param("timeout", 0),
        )
        .await;
    if let Err(err) = gone {
        eprintln!("cleanup: could not remove container {name}: {err}");
    }
}

/// Removes the container whatever happened to the test, then reports the
/// test's outcome, a panic included: a failed assertion never leaves a
/// container behind.
async fn finish(
    outcome: Result<TestResult, tokio::task::JoinError>,
    containers: &Client,
    name: &str,
) {
    remove(containers, name).await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(err)) => panic!("{err}"),
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(join) => panic!("{join}"),
    }
}

/// The first file of the tar that `ContainerArchiveLibpod` gives for `path`.
async fn read_file(containers: &Client, name: &str, path: &str) -> Result<Vec<u8>, Error> {
    let tar = containers
        .invoke(
            Invocation::new("ContainerArchiveLibpod")
                .param("name", name)
                .param("path", path)
                .throw_exceptions(true),
        )
        .await?
        .into_data()?;
    Ok(first_file(tar.body()).unwrap_or_default())
}

fn first_file(tar: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut archive = tar::Archive::new(tar);
    let mut entry = archive.entries().ok()?.next()?.ok()?;
    let mut content = Vec::new();
    entry.read_to_end(&mut content).ok()?;
    Some(content)
}

async fn first_lines(
    logs: contajners::Streamed,
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

#[test]
fn categories_ops_and_doc() -> TestResult {
    let names = contajners::categories(Engine::Podman, VERSION)?;
    for expected in ["libpod/containers", "libpod/images", "containers", "images"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let images = Client::builder(Engine::Podman, VERSION)
        .category("libpod/images")
        .uri("unix:///nonexistent.sock")
        .build()?;
    let ops = images.ops();
    assert!(
        ops.contains(&"ImagePullLibpod") && ops.contains(&"ImageListLibpod"),
        "{ops:?}"
    );
    let doc = images.doc("ImagePullLibpod")?;
    assert!(
        doc.doc_url().contains("ImagePullLibpod"),
        "{}",
        doc.doc_url()
    );
    assert!(doc.params().iter().any(|p| p.name() == "reference"));
    Ok(())
}

#[tokio::test]
async fn pull_from_the_local_registry_with_auth() {
    let Some(e) = contajners_tests::engines("seed_podman::pull") else {
        return;
    };
    let images = client(&e, "libpod/images");
    let reference = format!("{}/busybox:musl", e.registry);
    let auth = RegistryAuth::new(&e.registry_user, &e.registry_password, &e.registry);
    let pull = images
        .invoke(
            Invocation::new("ImagePullLibpod")
                .param("reference", reference.as_str())
                .param("tlsVerify", false)
                .param("X-Registry-Auth", auth)
                .as_stream()
                .throw_exceptions(true),
        )
        .await
        .and_then(|out| out.into_stream());
    let report: Vec<Value> = match pull {
        Ok(stream) => stream.json().try_collect().await.expect("the pull report"),
        Err(err) => panic!("pull: {err}"),
    };
    assert!(
        report
            .iter()
            .any(|v| v["id"].as_str().is_some_and(|id| id.len() == 64)),
        "{report:?}"
    );

    // The image is found by its name with a registry host and port: the
    // `/` goes as %2F in the path, and Podman routes it.
    let exists = images
        .invoke(Invocation::new("ImageExistsLibpod").param("name", reference.as_str()))
        .await
        .and_then(|out| out.into_data());
    let exists = exists.unwrap_or_else(|err| panic!("exists {reference}: {err}"));
    assert_eq!(exists.status().as_u16(), 204, "{exists:?}");
    let missing = format!("{}/no-such-image:musl", e.registry);
    let missing = images
        .invoke(Invocation::new("ImageExistsLibpod").param("name", missing.as_str()))
        .await
        .and_then(|out| out.into_data());
    assert_eq!(missing.map(|r| r.status().as_u16()).ok(), Some(404));

    let wrong = RegistryAuth::new(&e.registry_user, "not-the-password", &e.registry);
    let refused = images
        .invoke(
            Invocation::new("ImagePullLibpod")
                .param("reference", reference.as_str())
                .param("tlsVerify", false)
                .param("policy", "always")
                .param("X-Registry-Auth", wrong)
                .as_stream()
                .throw_exceptions(true),
        )
        .await;
    let refused = match refused.and_then(|out| out.into_stream()) {
        Ok(stream) => stream.json().try_collect::<Vec<Value>>().await.err(),
        Err(err) => Some(err),
    };
    assert!(matches!(refused, Some(Error::Engine(_))), "{refused:?}");
}

#[tokio::test]
async fn create_start_and_follow_the_logs() {
    let Some(e) = contajners_tests::engines("seed_podman::logs") else {
        return;
    };
    let containers = client(&e, "libpod/containers");
    let name = unique("conny");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, spec_generator(&e, &name, COUNTING)).await?;
            start(&containers, &name).await?;
            let logs = containers
                .invoke(
                    Invocation::new("ContainerLogsLibpod")
                        .param("name", name.as_str())
                        .param("follow", true)
                        .param("stdout", true)
                        .as_stream()
                        // libpod frames its logs even for a TTY.
                        .multiplexed(true),
                )
                .await?
                .into_stream()?;
            let lines = first_lines(logs, 3).await?;
            assert_eq!(
                lines,
                vec![Bytes::from("1"), Bytes::from("2"), Bytes::from("3")]
            );
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

#[tokio::test]
async fn create_a_network() {
    let Some(e) = contajners_tests::engines("seed_podman::network") else {
        return;
    };
    let networks = client(&e, "libpod/networks");
    let name = unique("conny-network");
    let created = networks
        .invoke(
            Invocation::new("NetworkCreateLibpod")
                .data(json!({"name": name, "internal": true}))
                .throw_exceptions(true),
        )
        .await
        .and_then(|out| out.into_data());
    let removed = networks
        .invoke(
            Invocation::new("NetworkDeleteLibpod")
                .param("name", name.as_str())
                .throw_exceptions(true),
        )
        .await;
    let created = created.expect("network create");
    assert_eq!(
        created.json().and_then(|v| v["name"].as_str()),
        Some(name.as_str()),
        "{created:?}"
    );
    assert!(removed.is_ok(), "{removed:?}");
}

#[tokio::test]
async fn attach_reads_demultiplexed_output_on_the_read_half() {
    let Some(e) = contajners_tests::engines("seed_podman::attach_output") else {
        return;
    };
    let containers = client(&e, "libpod/containers");
    let name = unique("conny-echo");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, {
                let mut body =
                    spec_generator(&e, &name, "read line; echo got $line; echo done >&2");
                body["stdin"] = json!(true);
                body
            })
            .await?;
            start(&containers, &name).await?;
            let socket = containers
                .invoke(
                    Invocation::new("ContainerAttachLibpod")
                        .param("name", name.as_str())
                        .param("stream", true)
                        .param("stdin", true)
                        .param("stdout", true)
                        .param("stderr", true)
                        .as_socket(),
                )
                .await?
                .into_socket()?;

            let (read, mut write) = tokio::io::split(socket);
            write.write_all(b"hi\n").await?;
            write.shutdown().await?;
            let frames = Demux::new(reader_stream(read));
            let frames: Vec<Frame> =
                tokio::time::timeout(Duration::from_secs(20), frames.try_collect())
                    .await
                    .map_err(|_| "the attached output did not end within 20 s")??;
            let text = |kind: StreamKind| -> String {
                frames
                    .iter()
                    .filter(|f| f.stream == kind)
                    .map(|f| String::from_utf8_lossy(&f.data).into_owned())
                    .collect()
            };
            assert_eq!(text(StreamKind::Stdout), "got hi\n", "{frames:?}");
            assert_eq!(text(StreamKind::Stderr), "done\n", "{frames:?}");
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

#[tokio::test]
async fn attach_and_send_to_stdin() {
    let Some(e) = contajners_tests::engines("seed_podman::attach") else {
        return;
    };
    let containers = client(&e, "libpod/containers");
    let name = unique("conny-reader");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            let mut body = spec_generator(&e, &name, "cat - >/out");
            body["stdin"] = json!(true);
            create(&containers, body).await?;
            start(&containers, &name).await?;
            let mut socket = containers
                .invoke(
                    Invocation::new("ContainerAttachLibpod")
                        .param("name", name.as_str())
                        .param("stream", true)
                        .param("stdin", true)
                        .as_socket(),
                )
                .await?
                .into_socket()?;
            socket.write_all(b"hello").await?;
            socket.flush().await?;
            socket.shutdown().await?;
            // cat writes as it reads: wait for /out to hold what was sent. The
            // half-close ends cat, and while the container stops Podman may
            // refuse the copy for a moment ("open /proc/<pid>/ns/pid"): retry.
            let mut out = Err(String::from("never read"));
            for _ in 0..50 {
                out = read_file(&containers, &name, "/out")
                    .await
                    .map_err(|e| e.to_string());
                if out.as_deref() == Ok(&b"hello"[..]) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let out = out.map(|o| String::from_utf8_lossy(&o).into_owned());
            assert_eq!(out, Ok("hello".to_string()));
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

#[tokio::test]
async fn ping_over_tcp_and_raw_fetch() {
    let Some(e) = contajners_tests::engines("seed_podman::ping") else {
        return;
    };
    let ping = Client::builder(Engine::Podman, VERSION)
        .category("libpod/_ping")
        .uri(e.podman_tcp_uri.clone())
        .build()
        .expect("a tcp client");
    let pong = ping
        .invoke(Invocation::new("SystemPing"))
        .await
        .and_then(|out| out.into_data());
    let pong = pong.unwrap_or_else(|err| panic!("ping over tcp: {err}"));
    assert_eq!(pong.text(), Some("OK"));
    assert!(
        pong.headers().contains_key("Libpod-API-Version"),
        "{:?}",
        pong.headers()
    );

    let containers = client(&e, "libpod/containers");
    for path in ["/_ping", "/v4.3.1/libpod/_ping"] {
        let raw = containers
            .fetch(Request::new(http::Method::GET, path))
            .await;
        let raw = raw.unwrap_or_else(|err| panic!("raw {path}: {err}"));
        assert_eq!(
            (raw.status().as_u16(), &raw.body()[..]),
            (200, &b"OK"[..]),
            "{path}"
        );
    }

    // Docker's undocumented checkpoints list: Podman has no such route, and
    // says so (the engine wins).
    let name = unique("conny-checkpoints");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, spec_generator(&e, &name, COUNTING)).await?;
            let path = format!("/v4.3.1/containers/{name}/checkpoints");
            let answer = containers
                .fetch(Request::new(http::Method::GET, path))
                .await?;
            assert_eq!(answer.status().as_u16(), 404, "{:?}", answer.body());
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

/// A tar of a folder `src` with two files, in chunks of 512 bytes.
fn folder_tar() -> Result<Vec<Bytes>, std::io::Error> {
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

#[tokio::test]
async fn copy_a_folder_and_read_an_archive_error() {
    let Some(e) = contajners_tests::engines("seed_podman::copy") else {
        return;
    };
    let containers = client(&e, "libpod/containers");
    let name = unique("conny-copy");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, spec_generator(&e, &name, COUNTING)).await?;
            let chunks = folder_tar()?;
            let stream =
                futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
            containers
                .invoke(
                    Invocation::new("PutContainerArchiveLibpod")
                        .param("name", name.as_str())
                        .param("path", "/root")
                        .data(contajners::Data::stream(stream))
                        .throw_exceptions(true),
                )
                .await?;
            let copied = read_file(&containers, &name, "/root/src/lib.rs").await?;
            assert_eq!(String::from_utf8_lossy(&copied), "pub fn conny() {}\n");

            let answer = containers
                .invoke(
                    Invocation::new("ContainerArchiveLibpod")
                        .param("name", name.as_str())
                        .param("path", "/this-does-not-exist")
                        .as_stream()
                        .throw_exceptions(true)
                        .throw_entire_message(true),
                )
                .await;
            match answer {
                Err(Error::Engine(mut err)) => {
                    assert_eq!(err.status(), 404, "{err}");
                    let body = match err.take_stream() {
                        Some(stream) => stream.try_collect::<Vec<Bytes>>().await?.concat(),
                        None => err.body().map(|b| b.to_vec()).unwrap_or_default(),
                    };
                    // Podman's message does not name the path (the engine wins):
                    // the body is its JSON error with that message.
                    let body: Value = serde_json::from_slice(&body)?;
                    assert_eq!(body["message"].as_str(), Some(err.message()), "{body}");
                    assert!(err.message().contains("no such file"), "{err}");
                }
                other => panic!("expected the engine's 404, got {other:?}"),
            }
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

#[tokio::test]
async fn the_same_flow_through_the_compat_api() {
    let Some(e) = contajners_tests::engines("seed_podman::compat") else {
        return;
    };
    let images = client(&e, "images");
    let containers = images
        .with_category("containers")
        .expect("compat containers");
    let name = unique("conny-compat");
    let task = {
        let (images, containers, name, e) =
            (images.clone(), containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            let auth = RegistryAuth::new(&e.registry_user, &e.registry_password, &e.registry);
            let pull = images
                .invoke(
                    Invocation::new("ImageCreate")
                        .param("fromImage", format!("{}/busybox", e.registry))
                        .param("tag", "musl")
                        .param("X-Registry-Auth", auth)
                        .as_stream()
                        .throw_exceptions(true),
                )
                .await?
                .into_stream()?;
            let progress: Vec<Value> = pull.json().try_collect().await?;
            assert!(!progress.is_empty());
            containers
                .invoke(
                    Invocation::new("ContainerCreate")
                        .param("name", name.as_str())
                        .data(json!({
                            "Image": e.image,
                            "Cmd": ["sh", "-c", COUNTING],
                            "HostConfig": {"NetworkMode": "none"}
                        }))
                        .throw_exceptions(true),
                )
                .await?;
            containers
                // Podman's compat spec names the path param `name`, not `id`.
                .invoke(
                    Invocation::new("ContainerStart")
                        .param("name", name.as_str())
                        .throw_exceptions(true),
                )
                .await?;
            let logs = containers
                .invoke(
                    Invocation::new("ContainerLogs")
                        .param("name", name.as_str())
                        .param("follow", true)
                        .param("stdout", true)
                        .as_stream()
                        .multiplexed(true),
                )
                .await?
                .into_stream()?;
            let lines = first_lines(logs, 2).await?;
            assert_eq!(lines, vec![Bytes::from("1"), Bytes::from("2")]);
            TestResult::Ok(())
        })
    };
    // The container is Podman's whichever API made it: libpod removes it.
    finish(task.await, &client(&e, "libpod/containers"), &name).await;
}
