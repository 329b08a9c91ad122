//! Data mode against in-process servers: request shape, errors, throw modes.

mod support;

use bytes::Bytes;
use contajners_transport::{Body, ConnectErrorKind, Error, Request, Transport};
use http::Method;
use support::{reply, Seen};

async fn echo(seen: Seen) -> support::Reply {
    let json = serde_json::json!({
        "method": seen.method.as_str(),
        "uri": seen.uri.to_string(),
        "host": seen.headers.get("host").map(|h| h.to_str().unwrap_or("")),
        "content_type": seen.headers.get("content-type").map(|h| h.to_str().unwrap_or("")),
        "chunked": seen.headers.get("transfer-encoding").map(|h| h.to_str().unwrap_or("")),
        "x_custom": seen.headers.get_all("x-custom").iter().map(|h| h.to_str().unwrap_or("")).collect::<Vec<_>>(),
        "body_len": seen.body.len(),
        "body_hash": fnv1a(&seen.body),
        "body": String::from_utf8_lossy(&seen.body),
    });
    reply(200, json.to_string())
}

/// A 64-bit FNV-1a hash: tells whether a body arrived byte for byte.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[tokio::test]
async fn ping_over_unix_and_tcp() {
    for server in [
        support::unix(|_| async { reply(200, "OK") }).await,
        support::tcp(|_| async { reply(200, "OK") }).await,
    ] {
        let t = Transport::new(&server.uri).unwrap();
        let res = t
            .fetch(Request::new(Method::GET, "/v1.41/_ping"))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().unwrap(), "OK");
    }
}

#[tokio::test]
async fn query_headers_and_json_body_arrive_as_sent() {
    let server = support::unix(echo).await;
    let t = Transport::new(&server.uri).unwrap();
    let req = Request::new(Method::POST, "/v1.41/containers/create")
        .query("name", "a b&c=d/é")
        .query("filters", r#"{"label":["x=y"]}"#)
        .header("X-Custom", "one")
        .header("X-Custom", "two")
        .body(Body::json(&serde_json::json!({"Image": "busybox"})).unwrap());
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(
        seen["uri"],
        "/v1.41/containers/create?name=a%20b%26c%3Dd%2F%C3%A9&filters=%7B%22label%22%3A%5B%22x%3Dy%22%5D%7D"
    );
    assert_eq!(seen["host"], "localhost");
    assert_eq!(seen["content_type"], "application/json");
    assert_eq!(seen["x_custom"], serde_json::json!(["one", "two"]));
    assert_eq!(seen["body"], r#"{"Image":"busybox"}"#);
}

#[tokio::test]
async fn a_query_written_into_the_path_stays_a_query() {
    let server = support::unix(echo).await;
    let t = Transport::new(&server.uri).unwrap();
    let req = Request::new(Method::GET, "/v1.41/containers/json?all=1").query("size", "true");
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["uri"], "/v1.41/containers/json?all=1&size=true");
    // What may not stand raw in a URI is still encoded, in the path and in
    // the query written into it.
    let req = Request::new(Method::GET, "/a b?q=x y#z");
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["uri"], "/a%20b?q=x%20y%23z");
}

#[tokio::test]
async fn json_body_keeps_an_explicit_content_type() {
    let server = support::unix(echo).await;
    let t = Transport::new(&server.uri).unwrap();
    let req = Request::new(Method::POST, "/x")
        .header("Content-Type", "application/vnd.custom+json")
        .body(Body::json(&1).unwrap());
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["content_type"], "application/vnd.custom+json");
}

#[tokio::test]
async fn streamed_body_is_sent_chunked_and_whole() {
    let server = support::unix(echo).await;
    let t = Transport::new(&server.uri).unwrap();
    let chunks = (0..200).map(|i| Ok(Bytes::from(vec![(i % 251) as u8; 10_000])));
    let req = Request::new(Method::PUT, "/archive")
        .body(Body::stream(futures_util::stream::iter(chunks)));
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["chunked"], "chunked");
    assert_eq!(seen["body_len"], 2_000_000);

    // Chunks from one byte to larger than the socket's buffer, so that the
    // vectored write of size line, data and CRLF is cut at every place.
    let sizes = [1usize, 4 << 20, 3, 65_537, 10_000, 1 << 20, 2];
    let chunks: Vec<Bytes> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| Bytes::from((0..n).map(|j| (j * 31 + i * 7) as u8).collect::<Vec<_>>()))
        .collect();
    let whole: Vec<u8> = chunks.concat();
    let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let req = Request::new(Method::PUT, "/archive").body(Body::stream(stream));
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["body_len"], whole.len());
    assert_eq!(seen["body_hash"], fnv1a(&whole), "the body byte for byte");

    let reader = std::io::Cursor::new(vec![7u8; 300_000]);
    let req = Request::new(Method::PUT, "/archive").body(Body::reader(reader));
    let seen: serde_json::Value = t.fetch(req).await.unwrap().json().unwrap();
    assert_eq!(seen["body_len"], 300_000);
}

#[tokio::test]
async fn bad_header_fails_before_anything_is_sent() {
    let server = support::unix(echo).await;
    let t = Transport::new(&server.uri).unwrap();
    for req in [
        Request::new(Method::GET, "/x").header("X-Bad", "a\r\nInjected: 1"),
        Request::new(Method::GET, "/x").header("Bad Name", "v"),
        Request::new(Method::GET, "no-slash"),
    ] {
        let err = t.fetch(req).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    assert_eq!(server.accepts(), 0, "nothing may be sent");
}

#[tokio::test]
async fn statuses_are_responses_unless_asked_to_throw() {
    let server = support::unix(|seen: Seen| async move {
        match seen.uri.path() {
            "/docker" => reply(404, r#"{"message":"No such container: x"}"#),
            "/podman" => reply(
                500,
                r#"{"cause":"no such container","message":"x: no such container","response":500}"#,
            ),
            _ => reply(400, "plain words\n"),
        }
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();

    let res = t.fetch(Request::new(Method::GET, "/docker")).await.unwrap();
    assert_eq!(res.status(), 404);

    let err = t
        .fetch(Request::new(Method::GET, "/docker").throw_exceptions(true))
        .await
        .unwrap_err();
    let Error::Status(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.status(), 404);
    assert_eq!(e.message(), "No such container: x");
    assert!(e.body().is_none());
    assert_eq!(
        err.to_string(),
        "the engine answered 404 Not Found: No such container: x"
    );

    let err = t
        .fetch(
            Request::new(Method::GET, "/podman")
                .throw_exceptions(true)
                .throw_entire_message(true),
        )
        .await
        .unwrap_err();
    let Error::Status(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.message(), "x: no such container");
    assert_eq!(e.cause(), Some("no such container"));
    assert!(e.body().is_some_and(|b| b.starts_with(b"{\"cause\"")));

    let err = t
        .fetch(Request::new(Method::GET, "/text").throw_exceptions(true))
        .await
        .unwrap_err();
    let Error::Status(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.message(), "plain words");
}

#[tokio::test]
async fn connect_errors_name_endpoint_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("unix://{}/nope.sock", dir.path().display());
    let err = Transport::new(&missing)
        .unwrap()
        .fetch(Request::new(Method::GET, "/_ping"))
        .await
        .unwrap_err();
    let Error::Connect(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.kind(), ConnectErrorKind::SocketMissing);
    assert!(err.to_string().contains(&missing), "{err}");
    assert!(err.to_string().contains("is the engine running?"), "{err}");
    assert!(std::error::Error::source(&err).is_some());

    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = Transport::new(&format!("tcp://127.0.0.1:{port}"))
        .unwrap()
        .fetch(Request::new(Method::GET, "/_ping"))
        .await
        .unwrap_err();
    let Error::Connect(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.kind(), ConnectErrorKind::Refused);
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[tokio::test]
async fn body_that_is_not_json_is_a_decode_error() {
    let server = support::unix(|_| async { reply(200, "not json") }).await;
    let t = Transport::new(&server.uri).unwrap();
    let res = t.fetch(Request::new(Method::GET, "/x")).await.unwrap();
    let err = res.json::<serde_json::Value>().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.to_string(), "cannot decode the body as JSON");
}

#[test]
fn public_types_are_send_sync_as_promised() {
    fn send_sync<T: Send + Sync>() {}
    fn send_unpin<T: Send + Unpin>() {}
    send_sync::<Transport>();
    send_sync::<Error>();
    send_sync::<contajners_transport::Response>();
    send_unpin::<contajners_transport::StreamResponse>();
    send_unpin::<contajners_transport::BodyStream>();
    send_unpin::<contajners_transport::BodyReader>();
    send_unpin::<contajners_transport::Upgraded>();
    send_unpin::<Request>();
}

#[tokio::test]
async fn ipv6_literal_endpoint() {
    // Loopback IPv6 may be disabled in some sandboxes; there is nothing to
    // test without it.
    let Ok(listener) = tokio::net::TcpListener::bind("[::1]:0").await else {
        eprintln!("skipped ipv6_literal_endpoint: no IPv6 loopback here");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((io, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    |req: hyper::Request<hyper::body::Incoming>| async move {
                        let host = req
                            .headers()
                            .get("host")
                            .and_then(|h| h.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        Ok::<_, std::convert::Infallible>(reply(200, host))
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                    .await;
            });
        }
    });
    let t = Transport::new(&format!("tcp://[::1]:{port}")).unwrap();
    let res = t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
    assert_eq!(res.text().unwrap(), format!("[::1]:{port}"));
}

#[tokio::test]
async fn error_chain_never_repeats_itself() {
    let dir = tempfile::tempdir().unwrap();
    let err = Transport::new(&format!("unix://{}/nope.sock", dir.path().display()))
        .unwrap()
        .fetch(Request::new(Method::GET, "/_ping"))
        .await
        .unwrap_err();
    let mut lines = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        lines.push(e.to_string());
        source = e.source();
    }
    // "cannot connect to …: the socket does not exist; …", then the OS's words.
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_ne!(lines[0], lines[1]);
    assert!(!lines[0].contains(&lines[1]), "{lines:?}");
}
