//! Every example of the seed documents, live on the test dockerd (API
//! v1.41), through the `contajners` facade.
//!
//! Names carry the test run's pid so runs never collide, and everything a
//! test creates is removed whether it passes or not.
use bytes::Bytes;
use contajners::{http, Client, Engine, Error, Invocation, Request, Tls};
use contajners_tests::seed::{
    self, first_lines, folder_tar, registry_auth, unique, wrong_registry_auth, Container,
    TestResult, COUNTING, DOCKER,
};
use contajners_tests::Engines;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

const VERSION: &str = seed::DOCKER_VERSION;

fn client(e: &Engines, category: &str) -> Client {
    seed::client(e, Engine::Docker, category)
}

/// The container `name` (made unique to this run) of the test dockerd.
fn container(e: &Engines, name: &str) -> Container {
    Container::new(client(e, "containers"), DOCKER, unique(name))
}

/// The seed's counting container, network mode none.
fn counting(e: &Engines) -> Value {
    json!({
        "Image": e.image,
        "Cmd": ["sh", "-c", COUNTING],
        "HostConfig": {"NetworkMode": "none"}
    })
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
    let progress = seed::progress(pull)
        .await
        .unwrap_or_else(|err| panic!("pull: {err}"));
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
    let refused = images
        .invoke(
            Invocation::new("ImageCreate")
                .param("fromImage", format!("{}/busybox", e.registry))
                .param("tag", "musl")
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
    let Some(e) = contajners_tests::engines("seed_docker::logs") else {
        return;
    };
    container(&e, "conny")
        .run(|conny| async move {
            conny.create(counting(&e)).await?;
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
    container(&e, "conny-echo")
        .run(|echo| async move {
            echo.create(json!({
                "Image": e.image,
                "Cmd": ["sh", "-c", "read line; echo got $line; echo done >&2"],
                "OpenStdin": true,
                "StdinOnce": true,
                "AttachStdin": true,
                "AttachStdout": true,
                "AttachStderr": true,
                "HostConfig": {"NetworkMode": "none"}
            }))
            .await?;
            // Docker: attach first, then start, so no output is missed.
            let socket = echo.attach(&["stdin", "stdout", "stderr"]).await?;
            echo.start().await?;
            let (stdout, stderr) = seed::exchange(socket, b"hi\n").await?;
            assert_eq!((stdout.as_str(), stderr.as_str()), ("got hi\n", "done\n"));
            Ok(())
        })
        .await;
}

#[tokio::test]
async fn attach_and_send_to_stdin() {
    let Some(e) = contajners_tests::engines("seed_docker::attach") else {
        return;
    };
    container(&e, "conny-reader")
        .run(|reader| async move {
            reader
                .create(json!({
                    "Image": e.image,
                    "Cmd": ["sh", "-c", "cat - >/out"],
                    "OpenStdin": true,
                    "StdinOnce": true,
                    "AttachStdin": true,
                    "HostConfig": {"NetworkMode": "none"}
                }))
                .await?;
            let mut socket = reader.attach(&["stdin"]).await?;
            reader.start().await?;
            socket.write_all(b"hello").await?;
            // Half-close: the container's stdin ends, cat exits.
            socket.shutdown().await?;
            let wait = reader
                .client()
                .invoke(reader.invocation("ContainerWait").throw_exceptions(true))
                .await?
                .into_data()?;
            assert_eq!(
                wait.json().map(|v| v["StatusCode"].clone()),
                Some(json!(0)),
                "{wait:?}"
            );
            let out = reader.read_file("/out").await?;
            assert_eq!(String::from_utf8_lossy(&out), "hello");
            Ok(())
        })
        .await;
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

    container(&e, "conny-checkpoints")
        .run(|conny| async move {
            conny.create(counting(&e)).await?;
            let path = format!("/v1.41/containers/{}/checkpoints", conny.name());
            let answer = conny
                .client()
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
            Ok(())
        })
        .await;
}

#[tokio::test]
async fn copy_a_folder_with_a_streamed_tar() {
    let Some(e) = contajners_tests::engines("seed_docker::copy") else {
        return;
    };
    container(&e, "conny-copy")
        .run(|conny| async move {
            conny.create(counting(&e)).await?;
            let put = conny.put_archive("/root", folder_tar()?).await?;
            assert_eq!(put.status().as_u16(), 200);
            let copied = conny.read_file("/root/src/lib.rs").await?;
            assert_eq!(String::from_utf8_lossy(&copied), "pub fn conny() {}\n");
            Ok(())
        })
        .await;
}

#[tokio::test]
async fn archive_error_is_read_from_the_error() {
    let Some(e) = contajners_tests::engines("seed_docker::archive_error") else {
        return;
    };
    container(&e, "conny-archive")
        .run(|conny| async move {
            conny.create(counting(&e)).await?;
            let (err, body) = conny.archive_refused("/this-does-not-exist").await?;
            assert_eq!(err.status(), 404, "{err}");
            assert!(err.message().contains("this-does-not-exist"), "{err}");
            // The whole body is there to read, as in the seed.
            assert!(String::from_utf8_lossy(&body).contains("this-does-not-exist"));
            Ok(())
        })
        .await;
}
