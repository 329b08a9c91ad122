//! The test engines themselves, reached through the transport: every
//! endpoint that `cargo xtask engines up` starts answers, TLS is mutual, the
//! registry demands its credentials, each engine pulls from it with them, and
//! both engines run the test image with network mode `none`.

use base64::Engine as _;
use contajners_tests::{engines, Engines};
use contajners_transport::http::{Method, StatusCode};
use contajners_transport::{Body, Request, Response, Tls, Transport};

const DOCKER_API: &str = "/v1.41";
const PODMAN_API: &str = "/v4.3.1";

fn transport(uri: &str) -> Transport {
    Transport::new(uri).unwrap_or_else(|e| panic!("a transport for {uri}: {e}"))
}

fn docker_tls(e: &Engines, client_cert: bool) -> Transport {
    let mut tls = Tls::new().ca_file(&e.tls_ca);
    if client_cert {
        tls = tls
            .client_cert_file(&e.tls_cert)
            .client_key_file(&e.tls_key);
    }
    Transport::builder(e.docker_tls_uri.as_str())
        .tls(tls)
        .build()
        .unwrap_or_else(|err| panic!("a TLS transport for {}: {err}", e.docker_tls_uri))
}

async fn get(t: &Transport, path: &str) -> Response {
    t.fetch(Request::new(Method::GET, path))
        .await
        .unwrap_or_else(|e| panic!("GET {path} on {}: {e}", t.endpoint()))
}

/// `GET /_ping` answers 200 `OK`; returns the answer for header checks.
async fn ping(t: &Transport) -> Response {
    let pong = get(t, "/_ping").await;
    assert_eq!(pong.status(), StatusCode::OK, "{}", t.endpoint());
    assert_eq!(pong.text().ok(), Some("OK"), "{}", t.endpoint());
    pong
}

fn registry_auth(e: &Engines, password: &str) -> String {
    let json = serde_json::json!({
        "username": e.registry_user,
        "password": password,
        "serveraddress": e.registry,
    });
    base64::engine::general_purpose::URL_SAFE.encode(json.to_string())
}

/// The first error in a JSON progress stream, if any.
fn progress_error(body: &[u8]) -> Option<String> {
    for value in serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>() {
        let value = match value {
            Ok(value) => value,
            Err(e) => {
                return Some(format!(
                    "not a JSON stream ({e}): {}",
                    String::from_utf8_lossy(body)
                ))
            }
        };
        let message = value
            .pointer("/errorDetail/message")
            .or_else(|| value.get("error"))
            .and_then(|m| m.as_str())
            .filter(|m| !m.is_empty());
        if let Some(message) = message {
            return Some(message.to_string());
        }
    }
    None
}

#[tokio::test]
async fn docker_over_unix_answers_ping() {
    let Some(e) = engines("docker_over_unix_answers_ping") else {
        return;
    };
    let pong = ping(&transport(&e.docker_uri)).await;
    assert!(pong.headers().contains_key("api-version"));
    assert!(
        !pong.headers().contains_key("libpod-api-version"),
        "dockerd is not podman"
    );
}

#[tokio::test]
async fn docker_over_https_with_mutual_tls_answers_ping() {
    let Some(e) = engines("docker_over_https_with_mutual_tls_answers_ping") else {
        return;
    };
    assert!(
        e.docker_tls_uri.starts_with("https://127.0.0.1:"),
        "{}",
        e.docker_tls_uri
    );
    ping(&docker_tls(&e, true)).await;
}

#[tokio::test]
async fn docker_over_https_refuses_a_client_without_certificate() {
    let Some(e) = engines("docker_over_https_refuses_a_client_without_certificate") else {
        return;
    };
    let answer = docker_tls(&e, false)
        .fetch(Request::new(Method::GET, "/_ping"))
        .await;
    assert!(
        answer.is_err(),
        "dockerd (--tlsverify) answered a client without a certificate"
    );
}

#[tokio::test]
async fn podman_over_unix_answers_ping() {
    let Some(e) = engines("podman_over_unix_answers_ping") else {
        return;
    };
    let pong = ping(&transport(&e.podman_uri)).await;
    assert!(
        pong.headers().contains_key("libpod-api-version"),
        "{:?}",
        pong.headers()
    );
}

#[tokio::test]
async fn podman_over_tcp_answers_ping() {
    let Some(e) = engines("podman_over_tcp_answers_ping") else {
        return;
    };
    assert!(
        e.podman_tcp_uri.starts_with("tcp://127.0.0.1:"),
        "{}",
        e.podman_tcp_uri
    );
    let pong = ping(&transport(&e.podman_tcp_uri)).await;
    assert!(
        pong.headers().contains_key("libpod-api-version"),
        "{:?}",
        pong.headers()
    );
}

#[tokio::test]
async fn registry_demands_basic_auth() {
    let Some(e) = engines("registry_demands_basic_auth") else {
        return;
    };
    let registry = transport(&format!("http://{}", e.registry));
    let anonymous = get(&registry, "/v2/").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let challenge = anonymous
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "challenge: {challenge:?}");

    let basic = |password: &str| {
        let pair = format!("{}:{password}", e.registry_user);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    let wrong = registry
        .fetch(Request::new(Method::GET, "/v2/").header("Authorization", basic("wrong")))
        .await
        .expect("GET /v2/ with a wrong password");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = registry
        .fetch(
            Request::new(Method::GET, "/v2/").header("Authorization", basic(&e.registry_password)),
        )
        .await
        .expect("GET /v2/ with the password");
    assert_eq!(right.status(), StatusCode::OK);
}

#[tokio::test]
async fn docker_pulls_from_the_registry_with_auth() {
    let Some(e) = engines("docker_pulls_from_the_registry_with_auth") else {
        return;
    };
    let docker = transport(&e.docker_uri);
    let pull = |password: String| {
        let docker = docker.clone();
        let from = format!("{}/busybox", e.registry);
        let auth = registry_auth(&e, &password);
        async move {
            docker
                .fetch(
                    Request::new(Method::POST, format!("{DOCKER_API}/images/create"))
                        .query("fromImage", from)
                        .query("tag", "musl")
                        .header("X-Registry-Auth", auth),
                )
                .await
                .expect("POST /images/create")
        }
    };
    let ok = pull(e.registry_password.clone()).await;
    assert_eq!(ok.status(), StatusCode::OK, "{:?}", ok.text());
    assert_eq!(progress_error(ok.body()), None);

    // The same pull with a wrong password must fail: the registry, not a
    // local cache, answered the one above.
    let denied = pull("wrong".to_string()).await;
    let failed = !denied.status().is_success() || progress_error(denied.body()).is_some();
    assert!(
        failed,
        "a pull with a wrong password succeeded: {:?}",
        denied.text()
    );
}

#[tokio::test]
async fn podman_pulls_from_the_registry_with_auth() {
    let Some(e) = engines("podman_pulls_from_the_registry_with_auth") else {
        return;
    };
    let podman = transport(&e.podman_uri);
    let reference = format!("{}/busybox:musl", e.registry);
    let pull = |password: String| {
        let podman = podman.clone();
        let reference = reference.clone();
        let auth = registry_auth(&e, &password);
        async move {
            podman
                .fetch(
                    Request::new(Method::POST, format!("{PODMAN_API}/libpod/images/pull"))
                        .query("reference", reference)
                        .query("tlsVerify", "false")
                        .header("X-Registry-Auth", auth),
                )
                .await
                .expect("POST /libpod/images/pull")
        }
    };
    let ok = pull(e.registry_password.clone()).await;
    assert_eq!(ok.status(), StatusCode::OK, "{:?}", ok.text());
    assert_eq!(progress_error(ok.body()), None);

    let denied = pull("wrong".to_string()).await;
    let failed = !denied.status().is_success() || progress_error(denied.body()).is_some();
    assert!(
        failed,
        "a pull with a wrong password succeeded: {:?}",
        denied.text()
    );
}

/// Creates, starts, waits for and removes a container; returns its logs.
async fn run_in_docker(docker: &Transport, image: &str, name: &str) -> Vec<u8> {
    let _ = remove(docker, &format!("{DOCKER_API}/containers/{name}")).await;
    let create = docker
        .fetch(
            Request::new(Method::POST, format!("{DOCKER_API}/containers/create"))
                .query("name", name)
                .body(
                    Body::json(&serde_json::json!({
                        "Image": image,
                        "Cmd": ["sh", "-c", "echo hello from $(hostname)"],
                        "HostConfig": {"NetworkMode": "none"},
                    }))
                    .expect("a JSON body"),
                ),
        )
        .await
        .expect("POST /containers/create");
    assert_eq!(create.status(), StatusCode::CREATED, "{:?}", create.text());
    let logs = start_wait_logs(docker, &format!("{DOCKER_API}/containers/{name}")).await;
    remove(docker, &format!("{DOCKER_API}/containers/{name}")).await;
    logs
}

async fn start_wait_logs(t: &Transport, container: &str) -> Vec<u8> {
    let start = t
        .fetch(Request::new(Method::POST, format!("{container}/start")))
        .await
        .expect("POST start");
    assert_eq!(start.status(), StatusCode::NO_CONTENT, "{:?}", start.text());
    let wait = t
        .fetch(Request::new(Method::POST, format!("{container}/wait")))
        .await
        .expect("POST wait");
    assert_eq!(wait.status(), StatusCode::OK, "{:?}", wait.text());
    let logs = t
        .fetch(Request::new(Method::GET, format!("{container}/logs")).query("stdout", "true"))
        .await
        .expect("GET logs");
    assert_eq!(logs.status(), StatusCode::OK, "{:?}", logs.text());
    logs.into_body().to_vec()
}

async fn remove(t: &Transport, container: &str) -> StatusCode {
    t.fetch(Request::new(Method::DELETE, container.to_string()).query("force", "true"))
        .await
        .map(|r| r.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn docker_runs_the_test_image_without_network() {
    let Some(e) = engines("docker_runs_the_test_image_without_network") else {
        return;
    };
    let name = format!("contajners-harness-{}", std::process::id());
    let logs = run_in_docker(&transport(&e.docker_uri), &e.image, &name).await;
    assert!(
        contains(&logs, "hello from"),
        "logs: {}",
        String::from_utf8_lossy(&logs)
    );
}

#[tokio::test]
async fn podman_runs_the_test_image_without_network() {
    let Some(e) = engines("podman_runs_the_test_image_without_network") else {
        return;
    };
    let podman = transport(&e.podman_uri);
    let name = format!("contajners-harness-{}", std::process::id());
    let container = format!("{PODMAN_API}/libpod/containers/{name}");
    let _ = remove(&podman, &container).await;
    let create = podman
        .fetch(
            Request::new(
                Method::POST,
                format!("{PODMAN_API}/libpod/containers/create"),
            )
            .body(
                Body::json(&serde_json::json!({
                    "name": name,
                    "image": e.image,
                    "command": ["sh", "-c", "echo hello from podman"],
                    "netns": {"nsmode": "none"},
                }))
                .expect("a JSON body"),
            ),
        )
        .await
        .expect("POST /libpod/containers/create");
    assert_eq!(create.status(), StatusCode::CREATED, "{:?}", create.text());
    let logs = start_wait_logs(&podman, &container).await;
    remove(&podman, &container).await;
    assert!(
        contains(&logs, "hello from podman"),
        "logs: {}",
        String::from_utf8_lossy(&logs)
    );
}

#[tokio::test]
async fn podman_compat_api_resolves_the_short_image_name() {
    let Some(e) = engines("podman_compat_api_resolves_the_short_image_name") else {
        return;
    };
    // Docker-shaped calls normalise `busybox:musl` to
    // `docker.io/library/busybox:musl`; `engines up` tags it so.
    let name = format!("contajners-harness-compat-{}", std::process::id());
    let logs = run_in_docker(&transport(&e.podman_uri), &e.image, &name).await;
    assert!(
        contains(&logs, "hello from"),
        "logs: {}",
        String::from_utf8_lossy(&logs)
    );
}
