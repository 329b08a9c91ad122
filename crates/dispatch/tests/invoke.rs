//! `invoke` against an in-process HTTP server that records what it gets:
//! bad input never reaches it, good input arrives as the spec says.

mod support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use contajners_dispatch::{Client, Error, Invocation, Payload, RegistryAuth};
use contajners_spec::Engine;
use futures_util::TryStreamExt;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// A canned answer: status line, content type, body.
type Answer = (&'static str, &'static str, Vec<u8>);

/// A loopback server answering every request with `answer`; keeps the
/// request heads (request line and headers) it received.
struct Recorder {
    uri: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    async fn start(answer: Answer) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let uri = format!("http://{}", listener.local_addr().expect("local addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let log = log.clone();
                let (status, content_type, body) = answer.clone();
                tokio::spawn(async move {
                    let Some(head) = support::read_head(&mut conn).await else {
                        return;
                    };
                    log.lock()
                        .expect("log")
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let reply = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = conn.write_all(reply.as_bytes()).await;
                    let _ = conn.write_all(&body).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Recorder { uri, seen }
    }

    fn client(&self, category: &str) -> Client {
        self.client_of(category, "v1.41")
    }

    fn client_of(&self, category: &str, version: &str) -> Client {
        Client::builder(Engine::Docker, version)
            .category(category)
            .uri(self.uri.clone())
            .build()
            .expect("client")
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().expect("log").clone()
    }
}

fn ok_json(body: &str) -> Answer {
    ("200 OK", "application/json", body.as_bytes().to_vec())
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let server = Recorder::start(ok_json("{}")).await;
    let containers = server.client("containers");
    let images = server.client("images");
    let cases: Vec<(&str, &Client, Invocation, &str)> = vec![
        (
            "unknown op",
            &containers,
            Invocation::new("ContainerLsit"),
            "did you mean ContainerList",
        ),
        (
            "op of another category",
            &containers,
            Invocation::new("ImageList"),
            "category `images`",
        ),
        (
            "unknown param",
            &containers,
            Invocation::new("ContainerList").param("al", true),
            "valid params: all (query)",
        ),
        (
            "id where no single path param is `name`",
            &containers,
            Invocation::new("ContainerList").param("id", "conny"),
            "unknown param `id`",
        ),
        (
            "missing path param",
            &containers,
            Invocation::new("ContainerInspect"),
            "`id`",
        ),
        (
            "wrong type",
            &containers,
            Invocation::new("ContainerList").param("all", "yes"),
            "must be a boolean",
        ),
        (
            "CR/LF in a header",
            &images,
            Invocation::new("ImageCreate").param("X-Registry-Auth", "x\r\nX-Evil: 1"),
            "CR, LF",
        ),
        (
            "../ in an id",
            &containers,
            Invocation::new("ContainerInspect").param("id", "../../info"),
            "another route",
        ),
    ];
    for (what, client, invocation, expected) in cases {
        match client.invoke(invocation).await {
            Err(Error::Request(err)) => {
                assert!(err.to_string().contains(expected), "{what}: {err}");
                assert!(
                    err.to_string().contains("nothing was sent"),
                    "{what}: {err}"
                );
            }
            other => panic!("{what}: expected a request error, got {other:?}"),
        }
    }
    assert!(
        server.requests().is_empty(),
        "sent: {:?}",
        server.requests()
    );
}

#[test]
fn an_unknown_category_names_the_closest_and_all() {
    let built = Client::builder(Engine::Docker, "v1.41")
        .category("contaners")
        .uri("unix:///nonexistent.sock")
        .build();
    match built {
        Err(Error::Request(err)) => {
            let text = err.to_string();
            assert!(text.contains("did you mean containers?"), "{text}");
            assert!(text.contains("the categories are: "), "{text}");
        }
        other => panic!("expected a request error, got {other:?}"),
    }
}

#[tokio::test]
async fn params_arrive_where_the_spec_puts_them() {
    let server = Recorder::start(ok_json(r#"[{"Id":"abc"}]"#)).await;
    let containers = server.client("containers");
    let answer = containers
        .invoke(
            Invocation::new("ContainerList")
                .param("all", true)
                .param("filters", json!({"name": ["conny"]})),
        )
        .await
        .and_then(|out| out.into_data())
        .expect("answer");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json().and_then(|v| v[0]["Id"].as_str()), Some("abc"));

    let images = containers.with_category("images").expect("images");
    let auth = RegistryAuth::new("conny", "pass", "127.0.0.1:5000");
    images
        .invoke(
            Invocation::new("ImageCreate")
                .param("fromImage", "127.0.0.1:5000/busybox")
                .param("tag", "musl")
                .param("X-Registry-Auth", auth),
        )
        .await
        .expect("pull answer");
    images
        .invoke(Invocation::new("ImageInspect").param("name", "127.0.0.1:5000/busybox:musl"))
        .await
        .expect("inspect answer");
    // `id` stands for the single path param `name`.
    images
        .invoke(Invocation::new("ImageInspect").param("id", "busybox"))
        .await
        .expect("inspect answer");

    let seen = server.requests();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(
        seen[0].starts_with("GET /v1.41/containers/json?all=true&filters=%7B%22name%22%3A%5B%22conny%22%5D%7D HTTP/1.1"),
        "{}",
        seen[0]
    );
    assert!(
        seen[1].starts_with(
            "POST /v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fbusybox&tag=musl "
        ),
        "{}",
        seen[1]
    );
    let auth_line = seen[1]
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("x-registry-auth:"))
        .unwrap_or_default()
        .to_string();
    assert!(
        !auth_line.is_empty() && !auth_line.contains('+') && !auth_line.contains('/'),
        "{auth_line}"
    );
    assert!(
        seen[2].starts_with("GET /v1.41/images/127.0.0.1:5000%2Fbusybox:musl/json "),
        "{}",
        seen[2]
    );
    assert!(
        seen[3].starts_with("GET /v1.41/images/busybox/json "),
        "{}",
        seen[3]
    );
}

#[tokio::test]
async fn answers_decode_as_json_text_or_nothing() {
    let text = Recorder::start(("200 OK", "text/plain", b"OK".to_vec())).await;
    let ping = text
        .client("_ping")
        .invoke(Invocation::new("SystemPing"))
        .await;
    let ping = ping.and_then(|o| o.into_data()).expect("ping");
    assert_eq!(ping.data(), &Payload::Text("OK".into()));

    let empty = Recorder::start(("204 No Content", "text/plain", Vec::new())).await;
    let start = empty
        .client("containers")
        .invoke(Invocation::new("ContainerStart").param("id", "conny"))
        .await
        .and_then(|o| o.into_data())
        .expect("start");
    assert_eq!(
        (start.status().as_u16(), start.data()),
        (204, &Payload::Empty)
    );
}

#[tokio::test]
async fn engine_errors_carry_the_message_with_throw_exceptions() {
    let server = Recorder::start((
        "404 Not Found",
        "application/json",
        br#"{"message":"No such container: nope"}"#.to_vec(),
    ))
    .await;
    let containers = server.client("containers");
    let answer = containers
        .invoke(Invocation::new("ContainerInspect").param("id", "nope"))
        .await
        .and_then(|o| o.into_data())
        .expect("an answer, not an error, without throw_exceptions");
    assert_eq!(answer.status(), 404);

    let thrown = containers
        .invoke(
            Invocation::new("ContainerInspect")
                .param("id", "nope")
                .throw_exceptions(true),
        )
        .await;
    match thrown {
        Err(Error::Engine(err)) => {
            assert_eq!(
                (err.status(), err.message()),
                (404, "No such container: nope")
            );
            assert!(err.to_string().starts_with("ContainerInspect: "), "{err}");
        }
        other => panic!("expected the engine's error, got {other:?}"),
    }
}

#[tokio::test]
async fn streams_are_demultiplexed_when_the_engine_says_so() {
    let mut body = Vec::new();
    for (kind, text) in [(1u8, "1\n"), (2, "oops\n"), (1, "2\n")] {
        body.extend_from_slice(&[kind, 0, 0, 0]);
        body.extend_from_slice(&(text.len() as u32).to_be_bytes());
        body.extend_from_slice(text.as_bytes());
    }
    let server =
        Recorder::start(("200 OK", "application/vnd.docker.multiplexed-stream", body)).await;
    let logs = server
        .client("containers")
        .invoke(
            Invocation::new("ContainerLogs")
                .param("id", "conny")
                .param("stdout", true)
                .as_stream(),
        )
        .await
        .and_then(|o| o.into_stream())
        .expect("stream");
    assert!(logs.is_multiplexed());
    let frames: Vec<(String, Bytes)> = logs
        .output()
        .map_ok(|f| (f.stream.to_string(), f.data))
        .try_collect()
        .await
        .expect("frames");
    let frames: Vec<(&str, &[u8])> = frames.iter().map(|(k, d)| (k.as_str(), &d[..])).collect();
    assert_eq!(
        frames,
        vec![
            ("stdout", &b"1\n"[..]),
            ("stderr", b"oops\n"),
            ("stdout", b"2\n")
        ]
    );
}

#[tokio::test]
async fn raw_label_is_trusted_only_from_api_1_42() {
    let server = Recorder::start((
        "200 OK",
        "application/vnd.docker.raw-stream",
        b"plain\n".to_vec(),
    ))
    .await;
    let logs = |version: &str, multiplexed: Option<bool>| {
        let client = server.client_of("containers", version);
        let mut invocation = Invocation::new("ContainerLogs")
            .param("id", "conny")
            .as_stream();
        if let Some(on) = multiplexed {
            invocation = invocation.multiplexed(on);
        }
        async move {
            client
                .invoke(invocation)
                .await
                .and_then(|o| o.into_stream())
        }
    };
    // API 1.41 labels every stream raw: the caller's word decides.
    let old = logs("v1.41", Some(true)).await.expect("stream");
    assert!(old.is_multiplexed());
    let unsaid = logs("v1.41", None).await.expect("stream");
    assert!(!unsaid.is_multiplexed());
    let frames: Vec<_> = unsaid.output().try_collect().await.expect("raw output");
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (frames[0].stream.as_str(), &frames[0].data[..]),
        ("stdout", &b"plain\n"[..])
    );
    // From 1.42 a raw label means a TTY: not multiplexed, whatever was said.
    let new = logs("v1.43", Some(true)).await.expect("stream");
    assert!(!new.is_multiplexed());
}

#[tokio::test]
async fn the_builders_timeouts_reach_the_transport() {
    use contajners_transport::{TimeoutKind, Timeouts};
    use std::time::Duration;

    const SHORT: Duration = Duration::from_millis(200);
    /// Far longer than SHORT: a call hanging this long has failed.
    const GUARD: Duration = Duration::from_secs(10);

    // A loopback server that accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let uri = format!("http://{}", listener.local_addr().expect("local addr"));
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            open.push(conn);
        }
    });
    let uri = uri.as_str();
    let fired = |builder: contajners_dispatch::ClientBuilder| async move {
        let client = builder.uri(uri).build().expect("client");
        let err = tokio::time::timeout(GUARD, client.invoke(Invocation::new("SystemPing")))
            .await
            .expect("a timeout fired before the guard")
            .expect_err("the server never answers");
        match &err {
            Error::Transport(t) => t.transport().and_then(|t| t.timeout()),
            _ => panic!("expected a transport error, got {err:?}"),
        }
    };
    let builder = || Client::builder(Engine::Docker, "v1.41").category("");
    assert_eq!(
        fired(builder().read_timeout(SHORT).call_timeout(GUARD)).await,
        Some(TimeoutKind::Read)
    );
    assert_eq!(
        fired(builder().call_timeout(SHORT).read_timeout(GUARD)).await,
        Some(TimeoutKind::Call)
    );
    // The same limits as one value; a per-limit setter before it stays
    // where the value leaves its limit unset.
    let limits = Timeouts::new().call(SHORT).connect(GUARD);
    assert_eq!(
        fired(builder().read_timeout(GUARD).timeouts(limits)).await,
        Some(TimeoutKind::Call)
    );
    assert_eq!(
        fired(
            builder()
                .read_timeout(SHORT)
                .timeouts(Timeouts::new().connect(GUARD))
        )
        .await,
        Some(TimeoutKind::Read)
    );
}
