//! The HTTP/1.1 client against servers doing what engines (or the network)
//! may do, and real engines are not easily made to: close an idle
//! connection just as a request arrives, answer before reading the body,
//! send informational heads, end a body by closing, send garbage.

mod support;

use bytes::Bytes;
use contajners_transport::{Body, Error, Request, Transport};
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";

/// Reads the rest of a request body of `len` bytes after its head.
async fn read_exactly(io: &mut UnixStream, len: usize) -> Vec<u8> {
    let mut body = vec![0; len];
    io.read_exact(&mut body).await.unwrap();
    body
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

/// Answers the first request of each connection, then closes the
/// connection without answering as soon as the second one arrives: the
/// race of an engine closing an idle connection.
async fn closes_on_the_second_request() -> support::Server {
    support::raw_unix(|mut io| async move {
        let head = support::read_head(&mut io).await;
        read_exactly(&mut io, content_length(&head).unwrap_or(0)).await;
        io.write_all(OK).await.unwrap();
        support::read_head(&mut io).await;
    })
    .await
}

#[tokio::test]
async fn an_idempotent_request_on_a_connection_closed_under_it_is_sent_again() {
    let server = closes_on_the_second_request().await;
    let t = Transport::new(&server.uri).unwrap();
    for _ in 0..3 {
        let res = t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
        assert_eq!(res.text().unwrap(), "OK");
    }
    // Each retry needed a new connection.
    assert_eq!(server.accepts(), 3);
}

#[tokio::test]
async fn a_post_the_engine_may_have_seen_is_not_sent_twice() {
    let server = closes_on_the_second_request().await;
    let t = Transport::new(&server.uri).unwrap();
    let create = || Request::new(Method::POST, "/containers/create").body(Body::bytes("{}"));
    t.fetch(create()).await.unwrap();
    // Closed or reset, depending on whether the engine had read the body.
    let err = t.fetch(create()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                during: "reading the response head",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.accepts(), 1, "no second attempt");
}

#[tokio::test]
async fn an_idle_connection_the_engine_closed_is_replaced_before_use() {
    // Answers one request per connection, then closes, with no
    // `Connection: close` to warn the client.
    let server = support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(OK).await.unwrap();
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    for _ in 0..3 {
        let res = t
            .fetch(Request::new(Method::POST, "/containers/x/start"))
            .await
            .unwrap();
        assert_eq!(res.text().unwrap(), "OK");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(server.accepts(), 3);
}

/// Reads the head, answers 404 at once and closes without reading the
/// body, as an engine does for a missing container.
async fn answers_before_the_body() -> support::Server {
    support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{\"message\":\"No such container: box\"}",
        )
        .await
        .unwrap();
    })
    .await
}

#[tokio::test]
async fn an_answer_before_the_body_is_read_is_returned_not_a_broken_pipe() {
    let server = answers_before_the_body().await;
    let t = Transport::new(&server.uri).unwrap();
    let big = Bytes::from(vec![b'x'; 8 << 20]);
    let res = t
        .fetch(
            Request::new(Method::PUT, "/containers/box/archive")
                .query("path", "/")
                .body(Body::bytes(big.clone())),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().unwrap().contains("No such container"));

    let chunks = futures_util::stream::iter((0..128).map(move |_| Ok(big.slice(..64 * 1024))));
    let err = t
        .fetch(
            Request::new(Method::PUT, "/containers/box/archive")
                .body(Body::stream(chunks))
                .throw_exceptions(true),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND), "{err:?}");
    assert!(err.to_string().contains("No such container: box"), "{err}");
}

#[tokio::test]
async fn informational_heads_are_skipped() {
    let server = support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .unwrap();
        io.write_all(OK).await.unwrap();
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let res = t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().unwrap(), "OK");
}

#[tokio::test]
async fn a_body_ended_by_closing_is_whole_and_its_connection_not_reused() {
    let server = support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(b"HTTP/1.1 200 OK\r\n\r\nall of it, ")
            .await
            .unwrap();
        io.write_all(b"until the end").await.unwrap();
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    for _ in 0..2 {
        let res = t.fetch(Request::new(Method::GET, "/x")).await.unwrap();
        assert_eq!(res.text().unwrap(), "all of it, until the end");
    }
    assert_eq!(server.accepts(), 2);
}

#[tokio::test]
async fn connection_close_is_honoured() {
    let server = support::raw_unix(|mut io| async move {
        loop {
            if support::read_head(&mut io).await.is_empty() {
                return;
            }
            let answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK";
            if io.write_all(answer).await.is_err() {
                return;
            }
        }
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    for _ in 0..3 {
        t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
    }
    assert_eq!(server.accepts(), 3);
}

#[tokio::test]
async fn garbage_instead_of_a_head_is_an_error_that_shows_it() {
    let server = support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(b"SSH-2.0-OpenSSH_9.2p1\r\n\r\n")
            .await
            .unwrap();
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let err = t
        .fetch(Request::new(Method::GET, "/_ping"))
        .await
        .unwrap_err();
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        err.to_string().contains("reading the response head"),
        "{err}"
    );
    assert!(
        source.contains("not HTTP/1.x") && source.contains("SSH-2.0"),
        "{source}"
    );
}

/// Echoes the body of a request framed by `Content-Length`; refuses
/// chunked ones.
async fn echo_sized() -> support::Server {
    support::raw_unix(|mut io| async move {
        let head = support::read_head(&mut io).await;
        if head.to_ascii_lowercase().contains("transfer-encoding") {
            io.write_all(b"HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
            return;
        }
        let len = content_length(&head).unwrap();
        let body = read_exactly(&mut io, len).await;
        let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n");
        io.write_all(answer.as_bytes()).await.unwrap();
        io.write_all(&body).await.unwrap();
    })
    .await
}

#[tokio::test]
async fn a_stream_with_a_content_length_is_sent_as_is_and_checked() {
    let server = echo_sized().await;
    let t = Transport::new(&server.uri).unwrap();
    let chunks =
        || futures_util::stream::iter(["hello ", "sized ", "world"].map(|s| Ok(Bytes::from(s))));
    let res = t
        .fetch(
            Request::new(Method::POST, "/build")
                .header("Content-Length", "17")
                .body(Body::stream(chunks())),
        )
        .await
        .unwrap();
    assert_eq!(res.text().unwrap(), "hello sized world");

    for (given, word) in [("16", "more"), ("18", "fewer")] {
        let err = t
            .fetch(
                Request::new(Method::POST, "/build")
                    .header("Content-Length", given)
                    .body(Body::stream(chunks())),
            )
            .await
            .unwrap_err();
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            source.contains(word) && source.contains(given),
            "{given}: {err}: {source}"
        );
    }
}

#[tokio::test]
async fn framing_headers_that_contradict_the_body_are_refused_before_sending() {
    let server = echo_sized().await;
    let t = Transport::new(&server.uri).unwrap();
    let cases = [
        Request::new(Method::POST, "/x").header("Transfer-Encoding", "chunked"),
        Request::new(Method::POST, "/x")
            .header("Content-Length", "3")
            .body(Body::bytes("four")),
        Request::new(Method::POST, "/x").header("Content-Length", "3"),
        Request::new(Method::POST, "/x").header("Content-Length", "many"),
    ];
    for req in cases {
        let err = t.fetch(req).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    assert_eq!(server.accepts(), 0, "nothing was sent");
}
