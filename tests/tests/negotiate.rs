//! Connecting like the docker and podman CLIs, against the real engines:
//! resolution from a hand-built environment (variables, a context store
//! with TLS), and version negotiation at the ping.

use std::path::Path;
use std::sync::Arc;

use contajners_dispatch::{negotiate, Client, Invocation};
use contajners_spec::Engine;
use contajners_transport::resolve::Env;
use contajners_transport::Transport;
use sha2::{Digest, Sha256};

/// An environment with nothing set but a HOME without Docker config, so
/// the user's own settings never leak into a test.
fn clean_env(home: &Path) -> Env {
    Env::empty().var("HOME", home.display().to_string())
}

#[tokio::test]
async fn docker_negotiates_v1_41() {
    let Some(e) = contajners_tests::engines("docker_negotiates_v1_41") else {
        return;
    };
    let n = negotiate(&Transport::new(&e.docker_uri).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(n.engine(), Engine::Docker);
    assert_eq!(n.spec().version(), "v1.41");
    assert_eq!(n.api_version(), Some("1.41"));
    assert_eq!(n.libpod_version(), None);
    assert!(n.compat().is_none());
}

#[tokio::test]
async fn podman_negotiates_v4_3_1_and_compat_v1_41() {
    let Some(e) = contajners_tests::engines("podman_negotiates_v4_3_1_and_compat_v1_41") else {
        return;
    };
    for uri in [&e.podman_uri, &e.podman_tcp_uri] {
        let n = negotiate(&Transport::new(uri).unwrap(), None)
            .await
            .unwrap();
        assert_eq!(n.engine(), Engine::Podman, "{uri}");
        assert_eq!(n.spec().version(), "v4.3.1", "{uri}");
        assert_eq!(n.compat().map(|s| s.version()), Some("v1.41"), "{uri}");
        assert_eq!(n.libpod_version(), Some("4.3.1"));
    }
    // Asked for Docker's spec, Podman's compat API is what is negotiated.
    let t = Transport::new(&e.podman_uri).unwrap();
    let n = negotiate(&t, Some(Engine::Docker)).await.unwrap();
    assert_eq!((n.engine(), n.spec().version()), (Engine::Docker, "v1.41"));
    // And Podman's spec is refused for Docker.
    let t = Transport::new(&e.docker_uri).unwrap();
    let err = negotiate(&t, Some(Engine::Podman)).await.unwrap_err();
    assert!(err.to_string().contains("not Podman"), "{err}");
}

#[tokio::test]
async fn from_env_finds_each_engine_and_shares_the_answer() {
    let Some(e) = contajners_tests::engines("from_env_finds_each_engine") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let docker = Client::from_env()
        .env(clean_env(home.path()).var("DOCKER_HOST", &e.docker_uri))
        .category("containers")
        .connect()
        .await
        .unwrap();
    assert_eq!(docker.spec().engine(), Engine::Docker);
    assert_eq!(docker.spec().version(), "v1.41");
    let listed = docker
        .invoke(Invocation::new("ContainerList").throw_exceptions(true))
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert!(listed.json().is_some_and(|v| v.is_array()));

    // Clients of other categories reuse the negotiation (no second ping).
    let images = docker.with_category("images").unwrap();
    let (a, b) = (docker.negotiated().unwrap(), images.negotiated().unwrap());
    assert!(std::ptr::eq(a, b), "the negotiation is shared");
    assert!(Arc::ptr_eq(images.spec(), docker.spec()));

    let podman = Client::from_env()
        .env(clean_env(home.path()).var("CONTAINER_HOST", &e.podman_uri))
        .category("libpod/containers")
        .connect()
        .await
        .unwrap();
    assert_eq!(podman.spec().engine(), Engine::Podman);
    assert_eq!(podman.spec().version(), "v4.3.1");
    let compat = podman.negotiated().and_then(|n| n.compat()).unwrap();
    assert_eq!(compat.version(), "v1.41");
    podman
        .invoke(Invocation::new("ContainerListLibpod").throw_exceptions(true))
        .await
        .unwrap();
}

#[tokio::test]
async fn docker_api_version_pins_without_a_ping() {
    let Some(e) = contajners_tests::engines("docker_api_version_pins") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let env = clean_env(home.path())
        .var("DOCKER_HOST", &e.docker_uri)
        .var("DOCKER_API_VERSION", "1.40");
    // A pinned version needs no round trip: `build` works.
    let client = Client::from_env().env(env).build().unwrap();
    assert_eq!(client.spec().version(), "v1.40");
    assert!(client.negotiated().is_none());
    client
        .invoke(Invocation::new("SystemPing").throw_exceptions(true))
        .await
        .unwrap();
    // Without a pin, `build` says to connect.
    let err = Client::from_env()
        .env(clean_env(home.path()).var("DOCKER_HOST", &e.docker_uri))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("connect().await"), "{err}");
}

fn store_context(config: &Path, name: &str, host: &str, skip: bool, tls: &[(&str, &Path)]) {
    let id: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta = config.join("contexts/meta").join(&id);
    std::fs::create_dir_all(&meta).unwrap();
    let json = serde_json::json!({
        "Name": name, "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}},
    });
    std::fs::write(meta.join("meta.json"), json.to_string()).unwrap();
    let dir = config.join("contexts/tls").join(&id).join("docker");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, from) in tls {
        std::fs::copy(from, dir.join(file)).unwrap();
    }
}

#[tokio::test]
async fn a_tls_context_reaches_the_tls_dockerd() {
    let Some(e) = contajners_tests::engines("a_tls_context_reaches_the_tls_dockerd") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".docker");
    // The test dockerd's endpoint is https://127.0.0.1:<port>; contexts
    // store tcp:// with TLS files, as `docker context create` does.
    let host = e.docker_tls_uri.replace("https://", "tcp://");
    store_context(
        &config,
        "tls",
        &host,
        false,
        &[
            ("ca.pem", &e.tls_ca),
            ("cert.pem", &e.tls_cert),
            ("key.pem", &e.tls_key),
        ],
    );
    // No CA, verification skipped: the engine's certificate is not checked
    // but the client certificate is still presented.
    store_context(
        &config,
        "lax",
        &host,
        true,
        &[("cert.pem", &e.tls_cert), ("key.pem", &e.tls_key)],
    );
    std::fs::write(config.join("config.json"), r#"{"currentContext": "tls"}"#).unwrap();
    for (env, what) in [
        (clean_env(home.path()), "currentContext"),
        (
            clean_env(home.path()).var("DOCKER_CONTEXT", "lax"),
            "DOCKER_CONTEXT with SkipTLSVerify",
        ),
    ] {
        let client = Client::from_env()
            .env(env)
            .category("_ping")
            .connect()
            .await
            .unwrap_or_else(|err| panic!("{what}: {err}"));
        assert_eq!(client.spec().version(), "v1.41", "{what}");
        let pong = client
            .invoke(Invocation::new("SystemPing").throw_exceptions(true))
            .await
            .unwrap()
            .into_data()
            .unwrap();
        assert_eq!(pong.text(), Some("OK"), "{what}");
    }
    // Verification on, but the CA missing from the context: the platform
    // roots do not know the test CA, so the handshake fails.
    store_context(
        &config,
        "noca",
        &host,
        false,
        &[("cert.pem", &e.tls_cert), ("key.pem", &e.tls_key)],
    );
    let err = Client::from_env()
        .env(clean_env(home.path()).var("DOCKER_CONTEXT", "noca"))
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(err, contajners_dispatch::Error::Transport(_)),
        "{err}"
    );
}

#[tokio::test]
async fn an_unresolvable_environment_names_every_source() {
    let home = tempfile::tempdir().unwrap();
    let err = Client::from_env()
        .env(clean_env(home.path()).var("DOCKER_CONTEXT", "missing"))
        .connect()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("DOCKER_HOST: not set"), "{err}");
    assert!(
        err.contains("context `missing` is not in the store"),
        "{err}"
    );
}
