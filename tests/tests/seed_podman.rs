//! Every example of the seed documents, live on the test Podman service
//! (API v4.3.1): through its libpod operations, and once through its
//! Docker-compatible ones.
//!
//! Names carry the test run's pid so runs never collide, and everything a
//! test creates is removed whether it passes or not.

use std::time::Duration;

use bytes::Bytes;
use contajners::{http, Client, Engine, Error, Invocation, Request};
use contajners_tests::seed::{
    self, first_lines, folder_tar, registry_auth, unique, wrong_registry_auth, Container,
    TestResult, COUNTING, LIBPOD, PODMAN_COMPAT,
};
use contajners_tests::Engines;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

const VERSION: &str = seed::PODMAN_VERSION;

fn client(e: &Engines, category: &str) -> Client {
    seed::client(e, Engine::Podman, category)
}

/// The container `name` (made unique to this run), through libpod.
fn container(e: &Engines, name: &str) -> Container {
    Container::new(client(e, "libpod/containers"), LIBPOD, unique(name))
}

/// A libpod SpecGenerator for `container` running `command`, network
/// namespace none.
fn spec_generator(e: &Engines, container: &Container, command: &str) -> Value {
    json!({
        "name": container.name(),
        "image": e.image,
        "command": ["sh", "-c", command],
        "netns": {"nsmode": "none"}
    })
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
    let pull = images
        .invoke(
            Invocation::new("ImagePullLibpod")
                .param("reference", reference.as_str())
                .param("tlsVerify", false)
                .param("X-Registry-Auth", registry_auth(&e))
                .as_stream()
                .throw_exceptions(true),
        )
        .await;
    let report = seed::progress(pull)
        .await
        .unwrap_or_else(|err| panic!("pull: {err}"));
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

    let refused = images
        .invoke(
            Invocation::new("ImagePullLibpod")
                .param("reference", reference.as_str())
                .param("tlsVerify", false)
                .param("policy", "always")
                .param("X-Registry-Auth", wrong_registry_auth(&e))
                .as_stream()
                .throw_exceptions(true),
        )
        .await;
    let refused = seed::progress(refused).await;
    assert!(matches!(refused, Err(Error::Engine(_))), "{refused:?}");
}

#[tokio::test]
async fn create_start_and_follow_the_logs() {
    let Some(e) = contajners_tests::engines("seed_podman::logs") else {
        return;
    };
    container(&e, "conny")
        .run(|conny| async move {
            conny.create(spec_generator(&e, &conny, COUNTING)).await?;
            conny.start().await?;
            let lines = first_lines(conny.follow_logs().await?, 3).await?;
            assert_eq!(
                lines,
                vec![Bytes::from("1"), Bytes::from("2"), Bytes::from("3")]
            );
            Ok(())
        })
        .await;
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
    container(&e, "conny-echo")
        .run(|echo| async move {
            let mut body = spec_generator(&e, &echo, "read line; echo got $line; echo done >&2");
            body["stdin"] = json!(true);
            echo.create(body).await?;
            // Podman: start first, then attach.
            echo.start().await?;
            let socket = echo.attach(&["stdin", "stdout", "stderr"]).await?;
            let (stdout, stderr) = seed::exchange(socket, b"hi\n").await?;
            assert_eq!((stdout.as_str(), stderr.as_str()), ("got hi\n", "done\n"));
            Ok(())
        })
        .await;
}

#[tokio::test]
async fn attach_and_send_to_stdin() {
    let Some(e) = contajners_tests::engines("seed_podman::attach") else {
        return;
    };
    container(&e, "conny-reader")
        .run(|reader| async move {
            let mut body = spec_generator(&e, &reader, "cat - >/out");
            body["stdin"] = json!(true);
            reader.create(body).await?;
            reader.start().await?;
            let mut socket = reader.attach(&["stdin"]).await?;
            socket.write_all(b"hello").await?;
            socket.flush().await?;
            socket.shutdown().await?;
            // cat writes as it reads: wait for /out to hold what was sent. The
            // half-close ends cat, and while the container stops Podman may
            // refuse the copy for a moment ("open /proc/<pid>/ns/pid"): retry.
            let mut out = Err(String::from("never read"));
            for _ in 0..50 {
                out = reader.read_file("/out").await.map_err(|e| e.to_string());
                if out.as_deref() == Ok(&b"hello"[..]) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let out = out.map(|o| String::from_utf8_lossy(&o).into_owned());
            assert_eq!(out, Ok("hello".to_string()));
            Ok(())
        })
        .await;
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
    container(&e, "conny-checkpoints")
        .run(|conny| async move {
            conny.create(spec_generator(&e, &conny, COUNTING)).await?;
            let path = format!("/v4.3.1/containers/{}/checkpoints", conny.name());
            let answer = conny
                .client()
                .fetch(Request::new(http::Method::GET, path))
                .await?;
            assert_eq!(answer.status().as_u16(), 404, "{:?}", answer.body());
            Ok(())
        })
        .await;
}

#[tokio::test]
async fn copy_a_folder_and_read_an_archive_error() {
    let Some(e) = contajners_tests::engines("seed_podman::copy") else {
        return;
    };
    container(&e, "conny-copy")
        .run(|conny| async move {
            conny.create(spec_generator(&e, &conny, COUNTING)).await?;
            conny.put_archive("/root", folder_tar()?).await?;
            let copied = conny.read_file("/root/src/lib.rs").await?;
            assert_eq!(String::from_utf8_lossy(&copied), "pub fn conny() {}\n");

            let (err, body) = conny.archive_refused("/this-does-not-exist").await?;
            assert_eq!(err.status(), 404, "{err}");
            // Podman's message does not name the path (the engine wins):
            // the body is its JSON error with that message.
            let body: Value = serde_json::from_slice(&body)?;
            assert_eq!(body["message"].as_str(), Some(err.message()), "{body}");
            assert!(err.message().contains("no such file"), "{err}");
            Ok(())
        })
        .await;
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
    // The container is Podman's whichever API made it: libpod removes it.
    container(&e, "conny-compat")
        .run(|conny| async move {
            let pull = images
                .invoke(
                    Invocation::new("ImageCreate")
                        .param("fromImage", format!("{}/busybox", e.registry))
                        .param("tag", "musl")
                        .param("X-Registry-Auth", registry_auth(&e))
                        .as_stream()
                        .throw_exceptions(true),
                )
                .await;
            let progress = seed::progress(pull).await?;
            assert!(!progress.is_empty());
            // Docker's ops, but Podman's compat spec names the path param
            // `name`, not `id`.
            let compat = Container::new(containers, PODMAN_COMPAT, conny.name());
            compat
                .create(json!({
                    "Image": e.image,
                    "Cmd": ["sh", "-c", COUNTING],
                    "HostConfig": {"NetworkMode": "none"}
                }))
                .await?;
            compat.start().await?;
            let lines = first_lines(compat.follow_logs().await?, 2).await?;
            assert_eq!(lines, vec![Bytes::from("1"), Bytes::from("2")]);
            Ok(())
        })
        .await;
}
