//! `ssh://` against the test sshd (`cargo xtask engines up` starts one on
//! 127.0.0.1): the system ssh client runs `docker system dial-stdio` or
//! `podman --url … system dial-stdio` on the "remote" side, which reaches
//! the test dockerd and podman.

use std::time::Duration;

use contajners_dispatch::{negotiate, Client, Invocation};
use contajners_spec::Engine;
use contajners_tests::{Engines, SshServer};
use contajners_transport::http::Method;
use contajners_transport::resolve::{self, Env};
use contajners_transport::{Request, Ssh, Transport};
use tokio::io::AsyncWriteExt;

/// The sshd, or `None` after a note (a failure under
/// CONTAJNERS_REQUIRE_ENGINES=1).
fn sshd(test: &str) -> Option<(Engines, SshServer)> {
    let e = contajners_tests::engines(test)?;
    match e.ssh.clone() {
        Some(ssh) => Some((e, ssh)),
        None if contajners_tests::engines_required() => {
            panic!("{test}: the engines run without an sshd; run `cargo xtask engines up`")
        }
        None => {
            eprintln!(
                "skipped {test}: the engines run without an sshd; run `cargo xtask engines up`"
            );
            None
        }
    }
}

fn settings(s: &SshServer) -> Ssh {
    Ssh::new()
        .identity_file(&s.key)
        .known_hosts_file(&s.known_hosts)
}

fn podman_uri(e: &Engines, s: &SshServer) -> String {
    format!("{}{}", s.uri, e.podman_uri.trim_start_matches("unix://"))
}

#[tokio::test]
async fn docker_over_ssh_pings_negotiates_and_reuses_connections() {
    let Some((_e, s)) = sshd("docker_over_ssh") else {
        return;
    };
    // The ssh client through a wrapper that counts its starts: one ssh
    // process serves every request of a pooled connection.
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    let wrapper = dir.path().join("ssh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho start >> '{}'\nexec ssh \"$@\"\n",
            starts.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = Transport::builder(&s.uri)
        .ssh(settings(&s).program(&wrapper))
        .build()
        .unwrap();
    assert_eq!(t.endpoint(), s.uri);
    for _ in 0..3 {
        let pong = t
            .fetch(Request::new(Method::GET, "/_ping").throw_exceptions(true))
            .await
            .unwrap();
        assert_eq!(pong.text().unwrap(), "OK");
        assert!(pong.headers().get("Libpod-API-Version").is_none());
    }
    let started = std::fs::read_to_string(&starts).unwrap();
    assert_eq!(
        started.lines().count(),
        1,
        "one ssh process for three requests"
    );
    let n = negotiate(&t, None).await.unwrap();
    assert_eq!((n.engine(), n.spec().version()), (Engine::Docker, "v1.41"));
    let containers = Client::builder(Engine::Docker, "auto")
        .transport(t)
        .category("containers")
        .connect()
        .await
        .unwrap();
    let list = containers
        .invoke(Invocation::new("ContainerList").throw_exceptions(true))
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert!(list.json().is_some_and(|v| v.is_array()));
}

#[tokio::test]
async fn podman_over_ssh_forwards_its_socket() {
    let Some((e, s)) = sshd("podman_over_ssh") else {
        return;
    };
    let t = Transport::builder(podman_uri(&e, &s))
        .ssh(settings(&s))
        .build()
        .unwrap();
    let n = negotiate(&t, None).await.unwrap();
    assert_eq!((n.engine(), n.spec().version()), (Engine::Podman, "v4.3.1"));
    assert_eq!(n.compat().map(|c| c.version()), Some("v1.41"));
    let libpod = Client::builder(Engine::Podman, "v4.3.1")
        .transport(t)
        .category("libpod/images")
        .build()
        .unwrap();
    let images = libpod
        .invoke(Invocation::new("ImageListLibpod").throw_exceptions(true))
        .await
        .unwrap()
        .into_data()
        .unwrap();
    let text = images.json().map(|v| v.to_string()).unwrap_or_default();
    assert!(text.contains("busybox"), "{text}");
}

#[tokio::test]
async fn container_host_and_sshkey_resolve_to_the_ssh_endpoint() {
    let Some((e, s)) = sshd("container_host_over_ssh") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let env = Env::empty()
        .var("HOME", home.path().display().to_string())
        .var("CONTAINER_HOST", podman_uri(&e, &s))
        .var("CONTAINER_SSHKEY", s.key.display().to_string());
    let found = resolve::any(None, &env).unwrap();
    assert_eq!(found.ssh_identity.as_deref(), Some(s.key.as_path()));
    // The identity comes from CONTAINER_SSHKEY; the known hosts file is the
    // test's own (the user's would not know the test sshd).
    let identity = found.ssh_identity.clone().unwrap();
    let t = found
        .transport_builder()
        .ssh(
            Ssh::new()
                .identity_file(identity)
                .known_hosts_file(&s.known_hosts),
        )
        .build()
        .unwrap();
    let n = negotiate(&t, None).await.unwrap();
    assert_eq!(n.engine(), Engine::Podman);
}

#[tokio::test]
async fn attach_over_ssh_sends_stdin_and_half_closes() {
    let Some((e, s)) = sshd("attach_over_ssh") else {
        return;
    };
    let t = Transport::builder(&s.uri)
        .ssh(settings(&s))
        .build()
        .unwrap();
    let create = Request::new(Method::POST, "/v1.41/containers/create")
        .body(
            contajners_transport::Body::json(&serde_json::json!({
                "Image": e.image,
                "Cmd": ["sh", "-c", "test \"$(cat -)\" = hello"],
                "OpenStdin": true,
                "StdinOnce": true,
                "AttachStdin": true,
                "HostConfig": {"NetworkMode": "none"},
            }))
            .unwrap(),
        )
        .throw_exceptions(true);
    let created: serde_json::Value = t.fetch(create).await.unwrap().json().unwrap();
    let id = created["Id"].as_str().unwrap().to_string();
    let path = |tail: &str| format!("/v1.41/containers/{id}{tail}");
    let outcome = async {
        let attach = Request::new(Method::POST, path("/attach"))
            .query("stream", "1")
            .query("stdin", "1");
        let mut io = t.fetch_socket(attach).await?;
        t.fetch(Request::new(Method::POST, path("/start")).throw_exceptions(true))
            .await?;
        io.write_all(b"hello").await.map_err(io_error)?;
        io.shutdown().await.map_err(io_error)?;
        let wait = Request::new(Method::POST, path("/wait")).throw_exceptions(true);
        let waited = tokio::time::timeout(Duration::from_secs(60), t.fetch(wait))
            .await
            .map_err(|_| io_error("the container did not exit: stdin was not closed"))??;
        waited.json::<serde_json::Value>()
    }
    .await;
    let remove = Request::new(Method::DELETE, path("")).query("force", "1");
    let _ = t.fetch(remove).await;
    let exit = outcome.unwrap();
    assert_eq!(
        exit["StatusCode"], 0,
        "stdin did not arrive as `hello`: {exit}"
    );
}

fn io_error(e: impl std::fmt::Display) -> contajners_transport::Error {
    contajners_transport::Error::Io {
        during: "the attach test",
        source: e.to_string().into(),
    }
}

#[tokio::test]
async fn a_key_the_server_does_not_know_fails_with_ssh_s_reason() {
    let Some((_e, s)) = sshd("ssh_unknown_key") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("stranger");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let t = Transport::builder(&s.uri)
        .ssh(
            Ssh::new()
                .identity_file(&key)
                .known_hosts_file(&s.known_hosts),
        )
        .build()
        .unwrap();
    let err = t
        .fetch(Request::new(Method::GET, "/_ping"))
        .await
        .unwrap_err();
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.contains("Permission denied"), "{chain}");
}
