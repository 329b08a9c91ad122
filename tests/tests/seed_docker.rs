//! Every example of the seed documents, live on the test dockerd (API
//! v1.41), through the `contajners` facade.
//!
//! Names carry the test run's pid so runs never collide, and everything a
//! test creates is removed whether it passes or not.

use std::time::Duration;

use bytes::Bytes;
use contajners::codec::{payloads, reader_stream, Demux, Frame, Lines, StreamKind};
use contajners::{http, Client, Engine, Error, Invocation, RegistryAuth, Request, Tls};
use contajners_tests::Engines;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

const VERSION: &str = "v1.41";
const COUNTING: &str = "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done";

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

fn client(e: &Engines, category: &str) -> Client {
    Client::builder(Engine::Docker, VERSION)
        .category(category)
        .uri(e.docker_uri.clone())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|err| panic!("a docker client for {category}: {err}"))
}

/// Creates a container from the test image, network mode none.
async fn create(containers: &Client, name: &str, body: Value) -> Result<(), Error> {
    containers
        .invoke(
            Invocation::new("ContainerCreate")
                .param("name", name)
                .data(body)
                .throw_exceptions(true),
        )
        .await
        .map(drop)
}

fn counting(e: &Engines) -> Value {
    json!({
        "Image": e.image,
        "Cmd": ["sh", "-c", COUNTING],
        "HostConfig": {"NetworkMode": "none"}
    })
}

async fn start(containers: &Client, name: &str) -> Result<(), Error> {
    containers
        .invoke(
            Invocation::new("ContainerStart")
                .param("id", name)
                .throw_exceptions(true),
        )
        .await
        .map(drop)
}

/// Removes a container, whatever state it is in.
async fn remove(containers: &Client, name: &str) {
    let gone = containers
        .invoke(
            Invocation::new("ContainerDelete")
                .param("id", name)
                .param("force", true),
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

/// The file at `path` in a container, read from a `ContainerArchive` tar.
async fn read_file(containers: &Client, name: &str, path: &str) -> Result<Vec<u8>, Error> {
    let tar = containers
        .invoke(
            Invocation::new("ContainerArchive")
                .param("id", name)
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

#[test]
fn categories_ops_and_doc() -> TestResult {
    // No engine needed: these come from the bundled spec.
    let names = contajners::categories(Engine::Docker, VERSION)?;
    for expected in [
        "containers",
        "images",
        "networks",
        "_ping",
        "exec",
        "system",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let images = Client::builder(Engine::Docker, VERSION)
        .category("images")
        .uri("unix:///nonexistent.sock")
        .build()?;
    let ops = images.ops();
    assert!(
        ops.contains(&"ImageList") && ops.contains(&"ImageCreate"),
        "{ops:?}"
    );
    assert!(!ops.contains(&"ContainerList"), "{ops:?}");
    let doc = images.doc("ImageList")?;
    assert!(
        doc.summary().starts_with("List Images"),
        "{}",
        doc.summary()
    );
    assert!(
        doc.doc_url().contains("v1.41") && doc.doc_url().contains("ImageList"),
        "{}",
        doc.doc_url()
    );
    assert!(doc.params().iter().any(|p| p.name() == "filters"));
    Ok(())
}

#[tokio::test]
async fn pull_from_the_local_registry_with_auth() {
    let Some(e) = contajners_tests::engines("seed_docker::pull") else {
        return;
    };
    let images = client(&e, "images");
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
        .await
        .and_then(|out| out.into_stream());
    let progress: Vec<Value> = match pull {
        Ok(stream) => stream
            .json()
            .try_collect()
            .await
            .expect("the pull progress"),
        Err(err) => panic!("pull: {err}"),
    };
    let last = progress
        .last()
        .and_then(|v| v["status"].as_str())
        .unwrap_or_default();
    assert!(last.contains("busybox:musl"), "last progress: {progress:?}");

    // The image is there, found by its name with a registry host and port.
    let name = format!("{}/busybox:musl", e.registry);
    let inspect = images
        .invoke(
            Invocation::new("ImageInspect")
                .param("name", name.as_str())
                .throw_exceptions(true),
        )
        .await
        .and_then(|out| out.into_data());
    let inspect = inspect.unwrap_or_else(|err| panic!("inspect {name}: {err}"));
    assert!(inspect
        .json()
        .is_some_and(|v| v["RepoTags"].to_string().contains(&name)));

    // Wrong credentials: the engine says no.
    let wrong = RegistryAuth::new(&e.registry_user, "not-the-password", &e.registry);
    let refused = images
        .invoke(
            Invocation::new("ImageCreate")
                .param("fromImage", format!("{}/busybox", e.registry))
                .param("tag", "musl")
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
    let Some(e) = contajners_tests::engines("seed_docker::logs") else {
        return;
    };
    let containers = client(&e, "containers");
    let name = unique("conny");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, &name, counting(&e)).await?;
            start(&containers, &name).await?;
            let logs = containers
                .invoke(
                    Invocation::new("ContainerLogs")
                        .param("id", name.as_str())
                        .param("follow", true)
                        .param("stdout", true)
                        .as_stream()
                        .multiplexed(true),
                )
                .await?
                .into_stream()?;
            let stdout = payloads(logs.output(), |kind| kind == StreamKind::Stdout);
            let lines: Vec<Bytes> = tokio::time::timeout(
                Duration::from_secs(20),
                Lines::new(stdout).take(3).try_collect(),
            )
            .await
            .map_err(|_| "no 3 log lines within 20 s")??;
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
    let Some(e) = contajners_tests::engines("seed_docker::network") else {
        return;
    };
    let networks = client(&e, "networks");
    let name = unique("conny-network");
    let created = networks
        .invoke(
            Invocation::new("NetworkCreate")
                .data(json!({"Name": name, "Internal": true}))
                .throw_exceptions(true),
        )
        .await
        .and_then(|out| out.into_data());
    let id = created
        .as_ref()
        .ok()
        .and_then(|r| r.json())
        .and_then(|v| v["Id"].as_str())
        .map(str::to_string);
    let inspect = networks
        .invoke(Invocation::new("NetworkInspect").param("id", name.as_str()))
        .await;
    let removed = networks
        .invoke(
            Invocation::new("NetworkDelete")
                .param("id", name.as_str())
                .throw_exceptions(true),
        )
        .await;
    assert!(id.is_some_and(|id| id.len() == 64), "{created:?}");
    let inspect = inspect.and_then(|out| out.into_data()).expect("inspect");
    assert_eq!(
        inspect.json().and_then(|v| v["Name"].as_str()),
        Some(name.as_str())
    );
    assert!(removed.is_ok(), "{removed:?}");
}

#[tokio::test]
async fn attach_reads_demultiplexed_output_on_the_read_half() {
    let Some(e) = contajners_tests::engines("seed_docker::attach_output") else {
        return;
    };
    let containers = client(&e, "containers");
    let name = unique("conny-echo");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(
                &containers,
                &name,
                json!({
                    "Image": e.image,
                    "Cmd": ["sh", "-c", "read line; echo got $line; echo done >&2"],
                    "OpenStdin": true,
                    "StdinOnce": true,
                    "AttachStdin": true,
                    "AttachStdout": true,
                    "AttachStderr": true,
                    "HostConfig": {"NetworkMode": "none"}
                }),
            )
            .await?;

            let socket = containers
                .invoke(
                    Invocation::new("ContainerAttach")
                        .param("id", name.as_str())
                        .param("stream", true)
                        .param("stdin", true)
                        .param("stdout", true)
                        .param("stderr", true)
                        .as_socket(),
                )
                .await?
                .into_socket()?;
            start(&containers, &name).await?;
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
    let Some(e) = contajners_tests::engines("seed_docker::attach") else {
        return;
    };
    let containers = client(&e, "containers");
    let name = unique("conny-reader");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            let body = json!({
                "Image": e.image,
                "Cmd": ["sh", "-c", "cat - >/out"],
                "OpenStdin": true,
                "StdinOnce": true,
                "AttachStdin": true,
                "HostConfig": {"NetworkMode": "none"}
            });
            create(&containers, &name, body).await?;
            let mut socket = containers
                .invoke(
                    Invocation::new("ContainerAttach")
                        .param("id", name.as_str())
                        .param("stream", true)
                        .param("stdin", true)
                        .as_socket(),
                )
                .await?
                .into_socket()?;
            start(&containers, &name).await?;
            socket.write_all(b"hello").await?;
            // Half-close: the container's stdin ends, cat exits.
            socket.shutdown().await?;
            let wait = containers
                .invoke(
                    Invocation::new("ContainerWait")
                        .param("id", name.as_str())
                        .throw_exceptions(true),
                )
                .await?
                .into_data()?;
            assert_eq!(
                wait.json().map(|v| v["StatusCode"].clone()),
                Some(json!(0)),
                "{wait:?}"
            );
            let out = read_file(&containers, &name, "/out").await?;
            assert_eq!(String::from_utf8_lossy(&out), "hello");
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

#[tokio::test]
async fn ping_over_https_with_mutual_tls() {
    let Some(e) = contajners_tests::engines("seed_docker::mtls") else {
        return;
    };
    let ping = Client::builder(Engine::Docker, VERSION)
        .category("_ping")
        .uri(e.docker_tls_uri.clone())
        .tls(
            Tls::new()
                .ca_file(&e.tls_ca)
                .client_cert_file(&e.tls_cert)
                .client_key_file(&e.tls_key),
        )
        .build()
        .expect("an mTLS client");
    let pong = ping
        .invoke(Invocation::new("SystemPing"))
        .await
        .and_then(|out| out.into_data());
    let pong = pong.unwrap_or_else(|err| panic!("ping over mTLS: {err}"));
    assert_eq!(pong.text(), Some("OK"));

    // Without a client certificate the engine refuses the handshake.
    let anonymous = Client::builder(Engine::Docker, VERSION)
        .category("_ping")
        .uri(e.docker_tls_uri.clone())
        .tls(Tls::new().ca_file(&e.tls_ca))
        .build()
        .expect("a client without certificate");
    let refused = anonymous.invoke(Invocation::new("SystemPing")).await;
    assert!(matches!(refused, Err(Error::Transport(_))), "{refused:?}");
}

#[tokio::test]
async fn raw_fetch_of_ping_and_checkpoints() {
    let Some(e) = contajners_tests::engines("seed_docker::fetch") else {
        return;
    };
    let containers = client(&e, "containers");
    let ping = containers
        .fetch(Request::new(http::Method::GET, "/v1.41/_ping"))
        .await;
    let ping = ping.unwrap_or_else(|err| panic!("raw ping: {err}"));
    assert_eq!(
        (ping.status().as_u16(), &ping.body()[..]),
        (200, &b"OK"[..])
    );

    let name = unique("conny-checkpoints");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, &name, counting(&e)).await?;
            let path = format!("/v1.41/containers/{name}/checkpoints");
            let answer = containers
                .fetch(Request::new(http::Method::GET, path))
                .await?;
            // Checkpoints need an experimental daemon with CRIU: either the list
            // or the daemon's reason, never a transport failure.
            let body = String::from_utf8_lossy(answer.body()).into_owned();
            if answer.status().is_success() {
                assert!(serde_json::from_str::<Vec<Value>>(&body).is_ok(), "{body}");
            } else {
                assert!(
                    body.to_lowercase().contains("experimental") || body.contains("checkpoint"),
                    "{}: {body}",
                    answer.status()
                );
            }
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

/// A tar of a folder `src` with two files, in chunks of 512 bytes: sent as
/// a stream, never whole.
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
async fn copy_a_folder_with_a_streamed_tar() {
    let Some(e) = contajners_tests::engines("seed_docker::copy") else {
        return;
    };
    let containers = client(&e, "containers");
    let name = unique("conny-copy");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, &name, counting(&e)).await?;
            let chunks = folder_tar()?;
            let stream =
                futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
            let put = containers
                .invoke(
                    Invocation::new("PutContainerArchive")
                        .param("id", name.as_str())
                        .param("path", "/root")
                        .data(contajners::Data::stream(stream))
                        .throw_exceptions(true),
                )
                .await?
                .into_data()?;
            assert_eq!(put.status().as_u16(), 200);
            let copied = read_file(&containers, &name, "/root/src/lib.rs").await?;
            assert_eq!(String::from_utf8_lossy(&copied), "pub fn conny() {}\n");
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}

#[tokio::test]
async fn archive_error_is_read_from_the_error() {
    let Some(e) = contajners_tests::engines("seed_docker::archive_error") else {
        return;
    };
    let containers = client(&e, "containers");
    let name = unique("conny-archive");
    let task = {
        let (containers, name, e) = (containers.clone(), name.clone(), e.clone());
        tokio::spawn(async move {
            create(&containers, &name, counting(&e)).await?;
            let answer = containers
                .invoke(
                    Invocation::new("ContainerArchive")
                        .param("id", name.as_str())
                        .param("path", "/this-does-not-exist")
                        .as_stream()
                        .throw_exceptions(true)
                        .throw_entire_message(true),
                )
                .await;
            match answer {
                Err(Error::Engine(mut err)) => {
                    assert_eq!(err.status(), 404, "{err}");
                    assert!(err.message().contains("this-does-not-exist"), "{err}");
                    // The whole body is there to read, as in the seed.
                    let body = match err.take_stream() {
                        Some(stream) => stream.try_collect::<Vec<Bytes>>().await?.concat(),
                        None => err.body().map(|b| b.to_vec()).unwrap_or_default(),
                    };
                    assert!(String::from_utf8_lossy(&body).contains("this-does-not-exist"));
                }
                other => panic!("expected the engine's 404, got {other:?}"),
            }
            TestResult::Ok(())
        })
    };
    finish(task.await, &containers, &name).await;
}
